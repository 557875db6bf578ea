#include "tidemark/kafka/bootstrap_forwarder.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace tidemark::kafka {

namespace {

using core::Result;
using core::Status;

constexpr std::size_t kBufferSize = 64 * 1024;
// After accept() runs out of file descriptors, the pending connection stays in the backlog and
// poll() would report it again at once; wait this long before trying again.
constexpr int kAcceptPauseMillis = 100;

Status io_error(std::string message) { return Status(core::StatusCode::kIo, std::move(message)); }

std::string errno_text(int err) { return std::strerror(err); }

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void set_nodelay(int fd) {
  // Kafka requests are small and latency-bound; Nagle on the relay would add delay the client
  // itself has switched off.
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool is_loopback(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) return in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const noexcept { ::freeaddrinfo(ai); }
};

Result<std::unique_ptr<addrinfo, AddrInfoDeleter>> resolve(const std::string& host,
                                                           std::uint16_t port, bool passive,
                                                           std::string_view role) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return core::invalid_argument(std::string(role) + " address '" + host + "' does not resolve: " +
                                  (rc != 0 ? ::gai_strerror(rc) : "no addresses"));
  }
  return std::unique_ptr<addrinfo, AddrInfoDeleter>(found);
}

// One direction of a relayed connection: bytes read from one socket, not yet written to the
// other.
struct Pipe {
  std::unique_ptr<char[]> buffer{new char[kBufferSize]};
  std::size_t begin = 0;
  std::size_t end = 0;
  bool eof = false;   // the source sent FIN
  bool shut = false;  // FIN passed on to the destination

  bool empty() const { return begin == end; }
  bool can_read() const { return !eof && end < kBufferSize; }
};

// Reads what is available. Returns false on a connection error.
bool fill(int fd, Pipe& p) {
  if (p.empty()) p.begin = p.end = 0;
  if (p.end == kBufferSize && p.begin > 0) {
    std::memmove(p.buffer.get(), p.buffer.get() + p.begin, p.end - p.begin);
    p.end -= p.begin;
    p.begin = 0;
  }
  if (!p.can_read()) return true;
  for (;;) {
    const ssize_t n = ::recv(fd, p.buffer.get() + p.end, kBufferSize - p.end, 0);
    if (n > 0) {
      p.end += static_cast<std::size_t>(n);
      return true;
    }
    if (n == 0) {
      p.eof = true;
      return true;
    }
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

// Writes what is buffered, then passes a FIN on once the source has ended and everything is
// written. Returns false on a connection error.
bool drain(int fd, Pipe& p) {
  while (!p.empty()) {
    const ssize_t n = ::send(fd, p.buffer.get() + p.begin, p.end - p.begin, MSG_NOSIGNAL);
    if (n > 0) {
      p.begin += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
  p.begin = p.end = 0;
  if (p.eof && !p.shut) {
    (void)::shutdown(fd, SHUT_WR);
    p.shut = true;
  }
  return true;
}

struct Connection {
  int client = -1;
  int server = -1;
  bool connecting = true;  // non-blocking connect() to the target still in progress
  bool dead = false;
  Pipe up;    // client -> server
  Pipe down;  // server -> client

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    close_fd(client);
    close_fd(server);
  }

  short client_events() const {
    short ev = 0;
    if (up.can_read()) ev |= POLLIN;
    if (!down.empty()) ev |= POLLOUT;
    return ev;
  }
  short server_events() const {
    if (connecting) return POLLOUT;
    short ev = 0;
    if (down.can_read()) ev |= POLLIN;
    if (!up.empty()) ev |= POLLOUT;
    return ev;
  }
};

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    // Appended piecewise: GCC 12's "'" + std::string(...) trips a false -Wrestrict (PR 105329).
    std::string message = "'";
    message.append(text).append("' is not host:port (").append(why).append(")");
    return core::invalid_argument(std::move(message));
  };
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("no ']' after an IPv6 address");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("no port");
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return bad("write an IPv6 address as [addr]:port");
  }
  if (host.empty()) return bad("empty host");
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return bad("the port must be a number 0..65535");
  }
  return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
}

struct BootstrapForwarder::Impl {
  int listen_fd = -1;
  int wake_fd = -1;
  std::string address;
  std::uint16_t port = 0;
  bool loopback = false;
  sockaddr_storage target{};
  socklen_t target_len = 0;

  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> open{0};
  std::mutex stop_mutex;
  std::thread thread;

  ~Impl() {
    close_fd(listen_fd);
    close_fd(wake_fd);
  }

  void run() noexcept;
  void accept_all(std::vector<std::unique_ptr<Connection>>& conns,
                  std::chrono::steady_clock::time_point& paused_until);
  void service(Connection& c, short client_revents, short server_revents);
};

void BootstrapForwarder::Impl::accept_all(std::vector<std::unique_ptr<Connection>>& conns,
                                          std::chrono::steady_clock::time_point& paused_until) {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        paused_until =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(kAcceptPauseMillis);
      }
      return;  // EAGAIN: no more pending connections
    }
    auto c = std::make_unique<Connection>();
    c->client = fd;
    set_nodelay(fd);
    c->server = ::socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->server < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        paused_until =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(kAcceptPauseMillis);
        return;  // c closes the client: better than holding it with nowhere to send it
      }
      continue;
    }
    set_nodelay(c->server);
    if (::connect(c->server, reinterpret_cast<const sockaddr*>(&target), target_len) == 0) {
      c->connecting = false;
    } else if (errno != EINPROGRESS && errno != EINTR) {
      continue;  // target refused at once: closing the client tells it so
    }
    accepted.fetch_add(1, std::memory_order_relaxed);
    open.fetch_add(1, std::memory_order_relaxed);
    conns.push_back(std::move(c));
  }
}

void BootstrapForwarder::Impl::service(Connection& c, short client_revents, short server_revents) {
  if (c.connecting && server_revents != 0) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.server, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      c.dead = true;
      return;
    }
    c.connecting = false;
    server_revents = 0;  // the readiness was for connect(); poll again for data
  }
  if ((client_revents & POLLERR) != 0 || (server_revents & POLLERR) != 0) {
    c.dead = true;
    return;
  }
  bool ok = true;
  if ((client_revents & (POLLIN | POLLHUP)) != 0) ok = ok && fill(c.client, c.up);
  if (!c.connecting && (server_revents & (POLLIN | POLLHUP)) != 0) {
    ok = ok && fill(c.server, c.down);
  }
  // Write at once rather than waiting a poll() round for POLLOUT: usually the socket has room.
  if (ok && !c.connecting) ok = drain(c.server, c.up);
  if (ok) ok = drain(c.client, c.down);
  if (!ok || (c.up.shut && c.down.shut)) c.dead = true;
}

void BootstrapForwarder::Impl::run() noexcept {
  std::vector<std::unique_ptr<Connection>> conns;
  std::vector<pollfd> fds;
  auto paused_until = std::chrono::steady_clock::time_point::min();
  try {
    while (!stopping.load(std::memory_order_acquire)) {
      const auto now = std::chrono::steady_clock::now();
      const bool accept_paused = now < paused_until;
      fds.clear();
      fds.push_back({wake_fd, POLLIN, 0});
      fds.push_back({accept_paused ? -1 : listen_fd, POLLIN, 0});
      for (const auto& c : conns) {
        // An fd with no wanted events is left out (-1): poll() would still report POLLHUP for
        // it and spin while the other side of the relay catches up.
        const short ce = c->client_events();
        const short se = c->server_events();
        fds.push_back({ce != 0 ? c->client : -1, ce, 0});
        fds.push_back({se != 0 ? c->server : -1, se, 0});
      }
      const int timeout = accept_paused ? kAcceptPauseMillis : -1;
      const int n = ::poll(fds.data(), fds.size(), timeout);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;  // EINVAL/ENOMEM: nothing sensible left to do; connections close below
      }
      if ((fds[0].revents & POLLIN) != 0) {
        std::uint64_t drained;
        while (::read(wake_fd, &drained, sizeof drained) > 0) {
        }
        if (stopping.load(std::memory_order_acquire)) break;
      }
      const std::size_t existing = conns.size();
      for (std::size_t i = 0; i < existing; ++i) {
        service(*conns[i], fds[2 + 2 * i].revents, fds[3 + 2 * i].revents);
      }
      if ((fds[1].revents & POLLIN) != 0) accept_all(conns, paused_until);
      std::size_t kept = 0;
      for (std::size_t i = 0; i < conns.size(); ++i) {
        if (conns[i]->dead) {
          open.fetch_sub(1, std::memory_order_relaxed);
          continue;
        }
        if (kept != i) conns[kept] = std::move(conns[i]);
        ++kept;
      }
      conns.resize(kept);
    }
  } catch (...) {
    // std::bad_alloc while growing the connection list; fall through and close everything.
  }
  open.fetch_sub(conns.size(), std::memory_order_relaxed);
  conns.clear();
}

BootstrapForwarder::BootstrapForwarder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BootstrapForwarder::~BootstrapForwarder() { stop(); }

Result<std::unique_ptr<BootstrapForwarder>> BootstrapForwarder::start(
    const BootstrapForwarderOptions& options) {
  if (options.target_host.empty() || options.target_port == 0) {
    return core::invalid_argument("bootstrap forwarder: no target host:port to forward to");
  }
  auto impl = std::make_unique<Impl>();

  Result<std::unique_ptr<addrinfo, AddrInfoDeleter>> target =
      resolve(options.target_host, options.target_port, false, "forwarding target");
  if (!target.ok()) return target.status();
  std::memcpy(&impl->target, (*target)->ai_addr, (*target)->ai_addrlen);
  impl->target_len = (*target)->ai_addrlen;

  if (options.listen_address.empty()) {
    return core::invalid_argument("bootstrap forwarder: the listen address is empty");
  }
  Result<std::unique_ptr<addrinfo, AddrInfoDeleter>> listen_at =
      resolve(options.listen_address, options.listen_port, true, "listen");
  if (!listen_at.ok()) return listen_at.status();
  const addrinfo* ai = listen_at->get();

  char numeric[NI_MAXHOST] = "";
  (void)::getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, sizeof numeric, nullptr, 0,
                      NI_NUMERICHOST);
  std::string where = options.listen_address;
  if (where != numeric && numeric[0] != '\0') where += " (" + std::string(numeric) + ")";

  impl->listen_fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (impl->listen_fd < 0) {
    return io_error("cannot listen on " + where + ": " + errno_text(errno));
  }
  // Lets a restarted broker take its port back while old connections sit in TIME_WAIT; it does
  // not allow two listeners on one port.
  int one = 1;
  (void)::setsockopt(impl->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(impl->listen_fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    const int err = errno;
    const std::string port = std::to_string(options.listen_port);
    if (err == EADDRINUSE) {
      return io_error("port " + port + " on " + where +
                      " is in use (is another broker running? use --port)");
    }
    if (err == EACCES) {
      return io_error("cannot listen on port " + port + " on " + where +
                      ": permission denied (ports below 1024 need privileges; use --port)");
    }
    if (err == EADDRNOTAVAIL) {
      return io_error("cannot listen on " + where + " port " + port +
                      ": that address does not belong to this host (see --listen)");
    }
    return io_error("cannot listen on " + where + " port " + port + ": " + errno_text(err));
  }
  if (::listen(impl->listen_fd, SOMAXCONN) != 0) {
    return io_error("cannot listen on " + where + ": " + errno_text(errno));
  }

  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  if (::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) {
    return io_error("cannot read the forwarder's bound address: " + errno_text(errno));
  }
  char host[NI_MAXHOST] = "";
  char service[NI_MAXSERV] = "";
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&bound), bound_len, host, sizeof host,
                    service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return io_error("cannot read the forwarder's bound address");
  }
  impl->address = host;
  impl->port = static_cast<std::uint16_t>(std::stoul(service));
  impl->loopback = is_loopback(bound);

  impl->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->wake_fd < 0) return io_error("bootstrap forwarder: eventfd: " + errno_text(errno));

  try {
    Impl* raw = impl.get();
    impl->thread = std::thread([raw] { raw->run(); });
  } catch (const std::system_error& e) {
    return io_error(std::string("bootstrap forwarder: cannot start its thread: ") + e.what());
  }
  return std::unique_ptr<BootstrapForwarder>(new BootstrapForwarder(std::move(impl)));
}

std::uint16_t BootstrapForwarder::port() const noexcept { return impl_->port; }

const std::string& BootstrapForwarder::listen_address() const noexcept { return impl_->address; }

std::string BootstrapForwarder::listen_endpoint() const {
  return bracketed(impl_->address) + ":" + std::to_string(impl_->port);
}

bool BootstrapForwarder::listening_on_loopback() const noexcept { return impl_->loopback; }

std::uint64_t BootstrapForwarder::connections_accepted() const noexcept {
  return impl_->accepted.load(std::memory_order_relaxed);
}

std::uint64_t BootstrapForwarder::connections_open() const noexcept {
  return impl_->open.load(std::memory_order_relaxed);
}

void BootstrapForwarder::stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mutex);
  if (!impl_->thread.joinable()) return;
  impl_->stopping.store(true, std::memory_order_release);
  const std::uint64_t one = 1;
  // A failed write can only mean the counter is saturated, which also wakes poll().
  (void)!::write(impl_->wake_fd, &one, sizeof one);
  impl_->thread.join();
  close_fd(impl_->listen_fd);
}

}  // namespace tidemark::kafka
