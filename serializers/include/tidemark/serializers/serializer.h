// The Serializer interface: one wire format for tidemark's events.
//
// A serializer is immutable: every method is const and safe to call from many threads at once
// (implementations keep per-thread scratch state where a library needs it). Adding a format is
// one new .cc with a factory function and one line in make_builtin_registry(); the conformance
// tests, the benchmarks, `tidemark formats` and --format validation iterate the registry.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "tidemark/core/events.h"
#include "tidemark/core/status.h"

namespace tidemark::serializers {

class Serializer {
 public:
  virtual ~Serializer() = default;

  // The --format name: "json", "protobuf", "thrift-binary", ...
  virtual std::string_view name() const noexcept = 0;
  // Written to each record's content-type header; the consumer picks the decoder by it.
  virtual std::string_view content_type() const noexcept = 0;
  // One line for `tidemark formats`.
  virtual std::string_view description() const noexcept = 0;

  // Replaces the contents of `out` with the encoding of `event` (its capacity is reused).
  // Errors: kInvalidArgument when the event cannot be represented (a string field that is not
  // valid UTF-8, a non-finite double, a time outside years 0000..9999 where the format writes
  // text); `out` is unspecified then.
  virtual core::Status encode(const core::Event& event, std::string& out) const = 0;

  // Decodes `bytes` as an event of `type`. Bad bytes of any kind give kMalformed with a message
  // naming the problem; never a crash, an exception or an unbounded allocation.
  virtual core::Result<core::Event> decode(std::string_view bytes, core::EventType type) const = 0;

  // decode() into an event the caller keeps between records, so a format can reuse the storage
  // `event` already holds (the capacity of its strings) instead of allocating per record: a
  // consumer decodes record after record into one event. Same results and errors as decode();
  // on error `event` holds some valid event of unspecified content. The default calls decode()
  // and move-assigns; formats override it where reuse pays.
  virtual core::Status decode_into(std::string_view bytes, core::EventType type,
                                   core::Event& event) const {
    core::Result<core::Event> decoded = decode(bytes, type);
    if (!decoded.ok()) return decoded.status();
    event = std::move(*decoded);
    return {};
  }
};

}  // namespace tidemark::serializers
