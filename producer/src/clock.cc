#include "tidemark/producer/clock.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

namespace tidemark::producer {

core::Result<EventClock> EventClock::simulated(std::int64_t start_ms, double speed,
                                               double rate_per_s) {
  if (!std::isfinite(speed) || speed <= 0) {
    return core::invalid_argument("simulated clock speed must be a positive number, got " +
                                  std::to_string(speed));
  }
  if (!std::isfinite(rate_per_s) || rate_per_s < 0) {
    return core::invalid_argument("rate must be a non-negative number, got " +
                                  std::to_string(rate_per_s));
  }
  EventClock clock;
  clock.kind_ = Kind::kSimulated;
  clock.start_ms_ = start_ms;
  clock.speed_ = speed;
  clock.rate_ = rate_per_s == 0 ? kNominalRate : rate_per_s;
  return clock;
}

std::int64_t EventClock::event_time(std::uint64_t index, std::int64_t wall_now_ms) const noexcept {
  if (kind_ == Kind::kWall) return wall_now_ms;
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  // Multiplications and one division only (no fused multiply-add can apply), each correctly
  // rounded by IEEE 754: the same result on every machine.
  const double offset = std::floor(static_cast<double>(index) * 1000.0 * speed_ / rate_);
  if (!(offset < 9.2e18)) return kMax;  // also catches inf and nan
  const auto offset_ms = static_cast<std::int64_t>(offset);
  std::int64_t t = 0;
  if (__builtin_add_overflow(start_ms_, offset_ms, &t)) return kMax;
  return t;
}

core::Result<EventClock::Kind> parse_clock_kind(std::string_view text) {
  if (text == "wall") return EventClock::Kind::kWall;
  if (text == "simulated") return EventClock::Kind::kSimulated;
  return core::invalid_argument("unknown clock '" + std::string(text) +
                                "' (valid: wall, simulated)");
}

core::Result<double> parse_speed(std::string_view text) {
  std::string_view number = text;
  if (!number.empty() && (number.back() == 'x' || number.back() == 'X')) number.remove_suffix(1);
  double value = 0;
  const char* end = number.data() + number.size();
  const auto res = std::from_chars(number.data(), end, value, std::chars_format::fixed);
  if (number.empty() || res.ec != std::errc() || res.ptr != end || !std::isfinite(value) ||
      value <= 0) {
    return core::invalid_argument("bad speed '" + std::string(text) +
                                  "': expected a positive number such as 60 or 0.5");
  }
  return value;
}

}  // namespace tidemark::producer
