#include "tidemark/producer/disorder.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

#include "tidemark/core/time.h"
#include "tidemark/producer/generator.h"  // Random

namespace tidemark::producer {
namespace {

constexpr std::uint64_t kDomainDisorder = 3;  // see Random::derive; distinct from the generators'

}  // namespace

core::Status validate(const DisorderOptions& o) {
  if (o.out_of_order_ms < 0) {
    return core::invalid_argument("out-of-order bound must not be negative, got " +
                                  std::to_string(o.out_of_order_ms) + " ms");
  }
  if (!(o.late_fraction >= 0 && o.late_fraction <= 1)) {
    return core::invalid_argument("late fraction must be between 0 and 1, got " +
                                  std::to_string(o.late_fraction));
  }
  if (o.late_min_ms < 0 || o.late_min_ms > o.late_max_ms) {
    return core::invalid_argument("late-by range " + std::to_string(o.late_min_ms) + ".." +
                                  std::to_string(o.late_max_ms) + " ms needs 0 <= MIN <= MAX");
  }
  if (o.late_fraction > 0 && o.late_max_ms == 0) {
    return core::invalid_argument("a late fraction needs a late-by range (e.g. 30s..2m)");
  }
  return core::Status::ok_status();
}

Hold hold_for(const DisorderOptions& o, std::uint64_t seq) noexcept {
  Random rng = Random::derive(o.seed, kDomainDisorder, seq);
  Hold hold;
  hold.late = rng.unit() < o.late_fraction;
  hold.hold_ms =
      hold.late ? rng.between(o.late_min_ms, o.late_max_ms) : rng.between(0, o.out_of_order_ms);
  return hold;
}

core::Result<std::pair<std::int64_t, std::int64_t>> parse_range(std::string_view text) {
  const std::string quoted = core::quoted(text);
  const std::size_t dots = text.find("..");
  if (dots == std::string_view::npos) {
    return core::invalid_argument("bad range " + quoted + ": expected MIN..MAX, e.g. 30s..2m");
  }
  auto min = core::parse_duration(text.substr(0, dots));
  if (!min.ok()) return min.status().with_context("bad range " + quoted);
  auto max = core::parse_duration(text.substr(dots + 2));
  if (!max.ok()) return max.status().with_context("bad range " + quoted);
  if (*min > *max) {
    return core::invalid_argument("bad range " + quoted + ": MIN is larger than MAX");
  }
  return std::pair{*min, *max};
}

core::Result<double> parse_fraction(std::string_view text) {
  std::string_view number = text;
  const bool percent = !number.empty() && number.back() == '%';
  if (percent) number.remove_suffix(1);
  double value = 0;
  const char* end = number.data() + number.size();
  const auto res = std::from_chars(number.data(), end, value, std::chars_format::fixed);
  if (percent) value /= 100;
  if (number.empty() || res.ec != std::errc() || res.ptr != end || !(value >= 0 && value <= 1)) {
    return core::invalid_argument(
        "bad fraction '" + std::string(text) +
        "': expected a number from 0 to 1 (e.g. 0.05) or a percentage (5%)");
  }
  return value;
}

}  // namespace tidemark::producer
