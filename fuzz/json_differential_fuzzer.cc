// Differential fuzzing of the two JSON readers: `json-nlohmann` (nlohmann::json, a full DOM
// parser) is the reference, `json` (simdjson On-Demand with tidemark's fast paths) must agree
// with it.
//
// Input: one byte choosing the event type (byte % 3: lab, web, taxi), then JSON text.
// Checked: whatever the reference accepts, `json` accepts too and decodes to the same event, bit
// for bit. The other direction is not required: On-Demand skips the values of unknown keys
// structurally, so `json` accepts a malformed number inside a key it ignores, where the
// reference refuses the document (serializers/src/json.cc says so at the top).
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
  static const serializers::Serializer* const fast = registry.find("json");
  static const serializers::Serializer* const reference = registry.find("json-nlohmann");
  if (size == 0) return 0;
  const core::EventType type = core::kAllEventTypes[data[0] % core::kAllEventTypes.size()];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  const core::Result<core::Event> expected = reference->decode(bytes, type);
  const core::Result<core::Event> got = fast->decode(bytes, type);
  if (!expected.ok()) return 0;
  TIDEMARK_FUZZ_CHECK(got.ok(), "json refused what json-nlohmann accepts: %s",
                      got.status().to_string().c_str());
  TIDEMARK_FUZZ_CHECK(fuzz::same_event(*got, *expected),
                      "the two readers decoded different events");
  return 0;
}
