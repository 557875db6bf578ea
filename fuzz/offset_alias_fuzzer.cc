// Fuzzes the kcat/rpk -o alias parser (consumer/offset_spec.h, parse_offset_alias).
//
// Input: the -o value. Checked, beyond no crash and no sanitizer report (UBSan catches overflow
// in offsets and relative times):
//  * a refusal is kInvalidArgument and names "-o";
//  * an accepted alias says where to start or where to stop (or both), has its Flink
//    translation, and its specs describe() without trouble.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "tidemark/consumer/offset_spec.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::int64_t kNow = 1732345678901;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto alias = consumer::parse_offset_alias(text, kNow);
  if (!alias.ok()) {
    TIDEMARK_FUZZ_CHECK(alias.status().code() == core::StatusCode::kInvalidArgument,
                        "refusal is not kInvalidArgument: %s", alias.status().to_string().c_str());
    TIDEMARK_FUZZ_CHECK(alias.status().message().find("-o") != std::string::npos,
                        "message does not name -o: %s", alias.status().message().c_str());
    return 0;
  }
  TIDEMARK_FUZZ_CHECK(alias->startup || alias->bounded, "an alias that says nothing");
  TIDEMARK_FUZZ_CHECK(!alias->flink_equivalent.empty(), "no Flink translation");
  if (alias->startup) {
    TIDEMARK_FUZZ_CHECK(!consumer::describe(*alias->startup).empty(), "empty description");
  }
  if (alias->bounded) {
    TIDEMARK_FUZZ_CHECK(!consumer::describe(*alias->bounded).empty(), "empty description");
  }
  return 0;
}
