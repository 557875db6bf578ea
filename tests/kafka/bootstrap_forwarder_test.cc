// The forwarder against a plain TCP echo server: no broker needed.
#include "tidemark/kafka/bootstrap_forwarder.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tidemark::kafka {
namespace {

using core::StatusCode;

// Binds 127.0.0.1 on a kernel-chosen port and listens; returns the fd, sets *port.
int listen_loopback(std::uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  // Fail instead of hanging should the relay lose data.
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

bool send_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until EOF (or error/timeout); returns what came.
std::string read_to_eof(int fd) {
  std::string out;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Echoes every connection back, byte for byte, and closes its side after the peer's FIN.
class EchoServer {
 public:
  EchoServer() {
    fd_ = listen_loopback(&port_);
    thread_ = std::thread([this] { run(); });
  }
  ~EchoServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    for (auto& t : workers_) t.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  int half_closes_seen() const { return half_closes_.load(); }

 private:
  void run() {
    while (!stop_) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) break;
      workers_.emplace_back([this, c] {
        char buf[8192];
        for (;;) {
          const ssize_t n = ::recv(c, buf, sizeof buf, 0);
          if (n <= 0) {
            if (n == 0) ++half_closes_;
            break;
          }
          if (!send_all(c, std::string(buf, static_cast<std::size_t>(n)))) break;
        }
        // Still able to write after the client's FIN: prove the half-close went through.
        send_all(c, "<bye>");
        ::close(c);
      });
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> half_closes_{0};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

std::unique_ptr<BootstrapForwarder> start_forwarder(std::uint16_t target_port) {
  BootstrapForwarderOptions options;
  options.listen_port = 0;
  options.target_host = "127.0.0.1";
  options.target_port = target_port;
  core::Result<std::unique_ptr<BootstrapForwarder>> f = BootstrapForwarder::start(options);
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? std::move(*f) : nullptr;
}

TEST(HostPort, ParsesBootstrapServerForms) {
  core::Result<HostPort> hp = parse_host_port("127.0.0.1:9092");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 9092);
  hp = parse_host_port("[::1]:19092");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 19092);
  hp = parse_host_port("localhost:0");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->port, 0);
}

TEST(HostPort, RejectsTextThatIsNotHostAndPort) {
  for (const char* bad : {"localhost", "localhost:", ":9092", "host:99999", "host:90a", "::1:9092",
                          "[::1]9092", "[::1"}) {
    core::Result<HostPort> hp = parse_host_port(bad);
    EXPECT_FALSE(hp.ok()) << bad;
    if (!hp.ok()) {
      EXPECT_EQ(hp.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(hp.status().message().find(bad), std::string::npos) << hp.status().message();
    }
  }
}

TEST(BootstrapForwarder, ReportsTheKernelChosenPortOnLoopback) {
  EchoServer echo;
  std::unique_ptr<BootstrapForwarder> f = start_forwarder(echo.port());
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->port(), 0);
  EXPECT_EQ(f->listen_address(), "127.0.0.1");
  EXPECT_EQ(f->listen_endpoint(), "127.0.0.1:" + std::to_string(f->port()));
  EXPECT_TRUE(f->listening_on_loopback());
}

TEST(BootstrapForwarder, RelaysBytesBothWaysAndPassesHalfCloseOn) {
  EchoServer echo;
  std::unique_ptr<BootstrapForwarder> f = start_forwarder(echo.port());
  ASSERT_NE(f, nullptr);
  const int fd = connect_loopback(f->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "hello kafka"));
  ASSERT_EQ(::shutdown(fd, SHUT_WR), 0);           // our FIN must reach the server...
  EXPECT_EQ(read_to_eof(fd), "hello kafka<bye>");  // ...and its late reply must reach us
  ::close(fd);
  EXPECT_EQ(echo.half_closes_seen(), 1);
  EXPECT_EQ(f->connections_accepted(), 1u);
}

TEST(BootstrapForwarder, RelaysManyLargeConnectionsAtOnce) {
  EchoServer echo;
  std::unique_ptr<BootstrapForwarder> f = start_forwarder(echo.port());
  ASSERT_NE(f, nullptr);
  constexpr int kClients = 24;
  constexpr std::size_t kBytes = 300 * 1024;  // several times the relay's 64 KiB buffers
  std::vector<std::string> received(kClients);
  std::vector<std::string> sent(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    sent[i].resize(kBytes);
    for (std::size_t b = 0; b < kBytes; ++b) sent[i][b] = static_cast<char>((b * 31 + i) & 0xFF);
    clients.emplace_back([&, i] {
      const int fd = connect_loopback(f->port());
      if (fd < 0) return;
      std::thread writer([&, fd] {
        send_all(fd, sent[i]);
        ::shutdown(fd, SHUT_WR);
      });
      received[i] = read_to_eof(fd);
      writer.join();
      ::close(fd);
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(received[i].size(), kBytes + 5) << "client " << i;
    EXPECT_TRUE(received[i].compare(0, kBytes, sent[i]) == 0) << "client " << i;
  }
  EXPECT_EQ(f->connections_accepted(), static_cast<std::uint64_t>(kClients));
}

TEST(BootstrapForwarder, ClosesTheClientWhenTheTargetRefuses) {
  std::uint16_t dead_port = 0;
  const int probe = listen_loopback(&dead_port);
  ASSERT_GE(probe, 0);
  ::close(probe);  // nothing listens there now
  std::unique_ptr<BootstrapForwarder> f = start_forwarder(dead_port);
  ASSERT_NE(f, nullptr);
  const int fd = connect_loopback(f->port());
  ASSERT_GE(fd, 0);
  EXPECT_EQ(read_to_eof(fd), "");
  ::close(fd);
}

TEST(BootstrapForwarder, StopClosesRelayedConnections) {
  EchoServer echo;
  std::unique_ptr<BootstrapForwarder> f = start_forwarder(echo.port());
  ASSERT_NE(f, nullptr);
  const int fd = connect_loopback(f->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "ping"));
  char buf[4];
  ASSERT_EQ(::recv(fd, buf, sizeof buf, MSG_WAITALL), 4);
  EXPECT_EQ(f->connections_open(), 1u);
  const auto t0 = std::chrono::steady_clock::now();
  f->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  EXPECT_EQ(f->connections_open(), 0u);
  EXPECT_EQ(read_to_eof(fd), "");  // the relay hung up
  ::close(fd);
  f->stop();                                  // idempotent
  EXPECT_LT(connect_loopback(f->port()), 0);  // no longer listening
}

TEST(BootstrapForwarder, RejectsAMissingTargetAndAnUnresolvableAddress) {
  BootstrapForwarderOptions options;
  options.listen_port = 0;
  core::Result<std::unique_ptr<BootstrapForwarder>> f = BootstrapForwarder::start(options);
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);

  options.target_host = "127.0.0.1";
  options.target_port = 9;
  options.listen_address = "no-such-host.invalid";
  f = BootstrapForwarder::start(options);
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("no-such-host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace tidemark::kafka
