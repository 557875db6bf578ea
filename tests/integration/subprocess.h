// A child process for the tests that run real programs (the tidemark binary, /usr/bin/python3)
// against a broker. Its stdout and stderr go to files, so nothing blocks on a full pipe and the
// output can be read at any time. The destructor stops a child that is still running (SIGTERM,
// then SIGKILL) and reaps it, so a failing test never leaves a broker or producer behind.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tidemark::testing {

class Subprocess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts argv (argv[0] is a path, no shell). nullptr if fork/exec setup failed.
  static std::unique_ptr<Subprocess> start(const std::vector<std::string>& argv) {
    char dir_template[] = "/tmp/tidemark-test-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) return nullptr;
    auto p = std::unique_ptr<Subprocess>(new Subprocess(dir_template));
    const int out = ::open(p->stdout_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(p->stderr_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) return nullptr;
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return nullptr;
    if (pid == 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      const int null_in = ::open("/dev/null", O_RDONLY);
      if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out);
    ::close(err);
    p->pid_ = pid;
    return p;
  }

  ~Subprocess() {
    if (pid_ > 0 && !exit_status_) {
      ::kill(pid_, SIGTERM);
      if (!wait(std::chrono::seconds(5))) {
        ::kill(pid_, SIGKILL);
        (void)wait(std::chrono::seconds(5));
      }
    }
    std::remove(stdout_path().c_str());
    std::remove(stderr_path().c_str());
    ::rmdir(dir_.c_str());
  }

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const {
    if (pid_ > 0 && !exit_status_) ::kill(pid_, signal_number);
  }

  // Waits for the child to end: its exit code, 128 + N when killed by signal N, or nullopt
  // when it is still running after `timeout`.
  std::optional<int> wait(Clock::duration timeout) {
    if (exit_status_) return exit_status_;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_status_;
      }
      if (r < 0 || Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::string out() const { return slurp(stdout_path()); }
  std::string err() const { return slurp(stderr_path()); }

  // Waits until stdout contains `text`; false after `timeout` or when the child ended first.
  bool wait_for_stdout(const std::string& text, Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (out().find(text) != std::string::npos) return true;
      if (wait(std::chrono::milliseconds(0))) return out().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  explicit Subprocess(std::string dir) : dir_(std::move(dir)) {}
  std::string stdout_path() const { return dir_ + "/stdout"; }
  std::string stderr_path() const { return dir_ + "/stderr"; }
  static std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice), for programs that
// must be told a port up front.
inline int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace tidemark::testing
