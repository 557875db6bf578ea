// Fuzzes one format's decode; the format is TIDEMARK_FUZZ_FORMAT, fixed at compile time (one
// binary per registered format, see CMakeLists.txt).
//
// Input: one byte choosing the event type (byte % 3: lab, web, taxi), then the record's bytes.
// Checked on every input, beyond "no crash, no sanitizer report, no exception":
//  * decode() gives an event of the requested type, or kMalformed with a message;
//  * decode_into() on an event still holding the previous input's result gives the same result
//    (the same event, bit for bit, or the same refusal);
//  * an accepted event re-encodes stably: if encode(event) succeeds (it may refuse what the
//    format cannot write, such as invalid UTF-8 that a binary format read), decoding those bytes
//    succeeds and encodes to the very same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "event_compare.h"
#include "fuzz_check.h"
#include "tidemark/serializers/serializer_registry.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const serializers::SerializerRegistry registry = serializers::make_builtin_registry();
  static const serializers::Serializer* const format = registry.find(TIDEMARK_FUZZ_FORMAT);
  static core::Event reused;  // kept across inputs, as a consumer keeps its event
  TIDEMARK_FUZZ_CHECK(format != nullptr, "no format %s", TIDEMARK_FUZZ_FORMAT);
  if (size == 0) return 0;
  const core::EventType type = core::kAllEventTypes[data[0] % core::kAllEventTypes.size()];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  const core::Result<core::Event> decoded = format->decode(bytes, type);
  if (decoded.ok()) {
    TIDEMARK_FUZZ_CHECK(core::event_type_of(*decoded) == type, "decoded another event type");
  } else {
    TIDEMARK_FUZZ_CHECK(decoded.status().code() == core::StatusCode::kMalformed &&
                            !decoded.status().message().empty(),
                        "refusal is not kMalformed with a message: %s",
                        decoded.status().to_string().c_str());
  }

  const core::Status into = format->decode_into(bytes, type, reused);
  TIDEMARK_FUZZ_CHECK(into.ok() == decoded.ok(), "decode_into: %s, decode: %s",
                      into.to_string().c_str(), decoded.status().to_string().c_str());
  if (!decoded.ok()) {
    TIDEMARK_FUZZ_CHECK(into == decoded.status(), "decode_into refused differently: %s vs %s",
                        into.to_string().c_str(), decoded.status().to_string().c_str());
    return 0;
  }
  TIDEMARK_FUZZ_CHECK(fuzz::same_event(reused, *decoded), "decode_into gave another event");

  std::string first;
  const core::Status encoded = format->encode(*decoded, first);
  if (!encoded.ok()) {
    TIDEMARK_FUZZ_CHECK(encoded.code() == core::StatusCode::kInvalidArgument,
                        "encode failed with %s", encoded.to_string().c_str());
    return 0;
  }
  const core::Result<core::Event> again = format->decode(first, type);
  TIDEMARK_FUZZ_CHECK(again.ok(), "own encoding refused: %s", again.status().to_string().c_str());
  std::string second;
  const core::Status reencoded = format->encode(*again, second);
  TIDEMARK_FUZZ_CHECK(reencoded.ok(), "re-encode failed: %s", reencoded.to_string().c_str());
  TIDEMARK_FUZZ_CHECK(first == second, "encoding not stable");
  return 0;
}
