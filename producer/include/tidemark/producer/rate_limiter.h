// Pacing for `--rate N`: N events per second, spread evenly.
//
// Event k is due at start + k / N. wait(k) sleeps until that instant, so events leave one by one
// on a smooth schedule instead of a whole second's worth at once followed by a pause. A producer
// that falls behind (a slow broker, a full queue) does not sleep until it has caught up, so the
// average rate over the run still matches N. Rate 0 means unlimited: nothing is due later than
// the start and wait() never sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "tidemark/core/status.h"

namespace tidemark::producer {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  using NowFn = std::function<Clock::time_point()>;
  using SleepUntilFn = std::function<void(Clock::time_point)>;

  // Real time: steady_clock and std::this_thread::sleep_until. The schedule starts now.
  // Precondition: events_per_second is finite and >= 0 (see parse_rate).
  explicit RateLimiter(double events_per_second);
  // Injected time for tests: `now` reads the clock, `sleep_until` waits (or pretends to).
  RateLimiter(double events_per_second, NowFn now, SleepUntilFn sleep_until);

  double rate() const noexcept { return rate_; }
  bool unlimited() const noexcept { return rate_ == 0; }
  Clock::time_point start() const noexcept { return start_; }

  // Restarts the schedule at the current time (e.g. after connecting to the broker).
  void restart();

  // start + k / rate (start when unlimited), rounded down to the clock's tick.
  Clock::time_point due(std::uint64_t k) const noexcept;

  // Sleeps until due(k) if that is still ahead; returns at once when behind or unlimited.
  // Not thread-safe: one thread paces one limiter.
  void wait(std::uint64_t k);

 private:
  double rate_;
  NowFn now_;
  SleepUntilFn sleep_until_;
  Clock::time_point start_;
};

// `--rate N`: a non-negative finite decimal number of events per second (0 = unlimited).
// The error (kInvalidArgument) quotes the text.
core::Result<double> parse_rate(std::string_view text);

}  // namespace tidemark::producer
