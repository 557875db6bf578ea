#include "tidemark/producer/rate_limiter.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace tidemark::producer {

RateLimiter::RateLimiter(double events_per_second)
    : RateLimiter(
          events_per_second, [] { return Clock::now(); },
          [](Clock::time_point t) { std::this_thread::sleep_until(t); }) {}

RateLimiter::RateLimiter(double events_per_second, NowFn now, SleepUntilFn sleep_until)
    : rate_(std::isfinite(events_per_second) && events_per_second > 0 ? events_per_second : 0),
      now_(std::move(now)),
      sleep_until_(std::move(sleep_until)),
      start_(now_()) {}

void RateLimiter::restart() { start_ = now_(); }

RateLimiter::Clock::time_point RateLimiter::due(std::uint64_t k) const noexcept {
  if (rate_ == 0) return start_;
  using Tick = Clock::duration;
  constexpr double kTicksPerSecond =
      static_cast<double>(Tick::period::den) / static_cast<double>(Tick::period::num);
  const double ticks = std::floor(static_cast<double>(k) * kTicksPerSecond / rate_);
  // Far beyond any real run (centuries): clamp instead of overflowing.
  const double room = static_cast<double>((Clock::time_point::max() - start_).count());
  if (!(ticks < room)) return Clock::time_point::max();
  return start_ + Tick(static_cast<Tick::rep>(ticks));
}

void RateLimiter::wait(std::uint64_t k) {
  if (rate_ == 0) return;
  const Clock::time_point target = due(k);
  if (now_() < target) sleep_until_(target);
}

core::Result<double> parse_rate(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto res = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (text.empty() || res.ec != std::errc() || res.ptr != end || !std::isfinite(value) ||
      value < 0) {
    return core::invalid_argument("bad rate '" + std::string(text) +
                                  "': expected events per second, a number >= 0 (0 = unlimited)");
  }
  return value;
}

}  // namespace tidemark::producer
