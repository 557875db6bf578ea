// kafka::BootstrapForwarder: a small TCP relay that puts the embedded broker behind the lab's
// usual address (localhost:9092).
//
// The mock cluster binds kernel-chosen ports. A client bootstraps through the forwarder, reads
// the cluster metadata, and from then on connects to the advertised broker addresses
// (127.0.0.1:<port>) directly; the forwarder only carries the bootstrap connections. So it is
// useful only to clients on the same host: a remote client would bootstrap, then fail to reach
// 127.0.0.1.
//
// One background thread relays every connection with poll() and non-blocking sockets; each
// direction is buffered (64 KiB) and half-closes are passed on. No exception leaves the thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tidemark/core/status.h"

namespace tidemark::kafka {

struct HostPort {
  std::string host;  // without brackets, also for IPv6
  std::uint16_t port = 0;
};

// Parses "host:port", "[v6addr]:port" (as in bootstrap.servers). Errors: kInvalidArgument
// naming the text when the port is missing or not 0..65535 or the host is empty.
core::Result<HostPort> parse_host_port(std::string_view text);

struct BootstrapForwarderOptions {
  std::string listen_address = "127.0.0.1";  // an address of this host, or a name resolving to one
  std::uint16_t listen_port = 9092;          // 0: the kernel picks one; see port()
  std::string target_host;                   // where connections go, e.g. the first mock broker
  std::uint16_t target_port = 0;
};

class BootstrapForwarder {
 public:
  // Binds and listens, then relays in a background thread until stop() or destruction.
  // Errors: kInvalidArgument when an address does not resolve or the target port is 0;
  // kIo when the port is taken ("port 9092 on 127.0.0.1 is in use (is another broker running?
  // use --port)") or the address cannot be bound for another reason (named with the reason).
  static core::Result<std::unique_ptr<BootstrapForwarder>> start(
      const BootstrapForwarderOptions& options);

  ~BootstrapForwarder();  // stop()
  BootstrapForwarder(const BootstrapForwarder&) = delete;
  BootstrapForwarder& operator=(const BootstrapForwarder&) = delete;

  // The bound port (the kernel's choice when listen_port was 0).
  std::uint16_t port() const noexcept;

  // The bound address, numeric ("127.0.0.1", "::1").
  const std::string& listen_address() const noexcept;

  // "127.0.0.1:9092" or "[::1]:9092".
  std::string listen_endpoint() const;

  // True when the bound address is a loopback address (127.0.0.0/8, ::1): nothing outside this
  // host can connect.
  bool listening_on_loopback() const noexcept;

  // Connections accepted so far, and currently relayed. Thread-safe.
  std::uint64_t connections_accepted() const noexcept;
  std::uint64_t connections_open() const noexcept;

  // Stops accepting, closes every relayed connection and joins the thread. Idempotent and
  // thread-safe; returns when the thread is gone.
  void stop();

 private:
  struct Impl;
  explicit BootstrapForwarder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tidemark::kafka
