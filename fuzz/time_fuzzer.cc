// Fuzzes the time and duration parsers of core/time.h.
//
// Input: the text itself (the same text goes to every parser). Checked, beyond no crash and no
// sanitizer report (UBSan catches signed overflow in the arithmetic):
//  * every refusal is kInvalidArgument with a message;
//  * what parse_iso8601 / parse_datetime accept within years 0000..9999 formats and parses back
//    to the same instant; parse_epoch_millis likewise through std::to_string;
//  * what parse_duration accepts is >= 0, and format_duration gives text that parses back to it;
//  * parse_time accepts everything the specific parsers accept, with the same instant.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "tidemark/core/time.h"

using namespace tidemark;

namespace {

constexpr std::int64_t kNow = 1732345678901;  // 2024-11-23T07:07:58.901Z

void check_refusal(const core::Status& status) {
  TIDEMARK_FUZZ_CHECK(
      status.code() == core::StatusCode::kInvalidArgument && !status.message().empty(),
      "refusal is not kInvalidArgument with a message: %s", status.to_string().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto iso = core::parse_iso8601(text);
  if (iso.ok() && core::is_formattable(*iso)) {
    const auto back = core::parse_iso8601(core::format_iso8601(*iso));
    TIDEMARK_FUZZ_CHECK(back.ok() && *back == *iso, "ISO-8601 round trip");
  } else if (!iso.ok()) {
    check_refusal(iso.status());
  }

  const auto datetime = core::parse_datetime(text);
  if (datetime.ok() && core::is_formattable(*datetime)) {
    const auto back = core::parse_datetime(core::format_datetime(*datetime));
    TIDEMARK_FUZZ_CHECK(back.ok() && *back == *datetime, "datetime round trip");
  } else if (!datetime.ok()) {
    check_refusal(datetime.status());
  }

  const auto epoch = core::parse_epoch_millis(text);
  if (epoch.ok()) {
    const auto back = core::parse_epoch_millis(std::to_string(*epoch));
    TIDEMARK_FUZZ_CHECK(back.ok() && *back == *epoch, "epoch millis round trip");
  } else {
    check_refusal(epoch.status());
  }

  const auto duration = core::parse_duration(text);
  if (duration.ok()) {
    TIDEMARK_FUZZ_CHECK(*duration >= 0, "negative duration");
    const std::string formatted = core::format_duration(*duration);
    const auto back = core::parse_duration(formatted);
    TIDEMARK_FUZZ_CHECK(back.ok() && *back == *duration, "duration round trip via %s",
                        formatted.c_str());
  } else {
    check_refusal(duration.status());
  }

  const auto any = core::parse_time(text, kNow);
  if (!any.ok()) check_refusal(any.status());
  for (const core::Result<std::int64_t>* specific : {&iso, &datetime, &epoch}) {
    if (specific->ok()) {
      TIDEMARK_FUZZ_CHECK(any.ok() && *any == **specific,
                          "parse_time disagrees with a specific parser");
    }
  }
  return 0;
}
