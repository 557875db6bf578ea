// Fuzzes Flink's specific-offsets parser (consumer/offset_spec.h, parse_specific_offsets: the
// value of --startup-specific-offsets / --bounded-specific-offsets).
//
// Input: the option's value. Checked, beyond no crash and no sanitizer report (UBSan catches
// overflow in the number parsing):
//  * a refusal is kInvalidArgument and names the option;
//  * an accepted value has only non-negative offsets (negative partitions pass, as in Flink, and
//    match no partition), and writing it back in Flink's syntax (format_specific_offsets) parses
//    to the same map.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "tidemark/consumer/offset_spec.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::string_view kOption = "--startup-specific-offsets";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = consumer::parse_specific_offsets(kOption, text);
  if (!parsed.ok()) {
    TIDEMARK_FUZZ_CHECK(parsed.status().code() == core::StatusCode::kInvalidArgument,
                        "refusal is not kInvalidArgument: %s", parsed.status().to_string().c_str());
    TIDEMARK_FUZZ_CHECK(parsed.status().message().find(kOption) != std::string::npos,
                        "message does not name the option: %s", parsed.status().message().c_str());
    return 0;
  }
  for (const auto& entry : *parsed) {
    TIDEMARK_FUZZ_CHECK(entry.second >= 0, "negative offset accepted");
  }
  const std::string written = consumer::format_specific_offsets(*parsed);
  const auto back = consumer::parse_specific_offsets(kOption, written);
  TIDEMARK_FUZZ_CHECK(back.ok() && *back == *parsed, "round trip through %s", written.c_str());
  return 0;
}
