// Where event times come from: `--clock wall` (default) or `--clock simulated --start T --speed X`.
//
// The wall clock stamps each event with the current time, so two runs differ only in their times.
// The simulated clock makes event time a pure function of the event's global index, so a seeded
// run is byte-identical everywhere and independent of how fast the machine or the broker is:
// event time runs `speed` times faster than the wall-clock schedule the rate limiter keeps, i.e.
//
//     event_time(k) = start + floor(k * 1000 * speed / rate)      (ms)
//
// With an unlimited rate (0) there is no schedule; the simulated clock then spaces events as if
// the rate were kNominalRate (1000 events/s), so `--speed 1` gives 1 ms between events.
// Event indexes are global (see sharding.h), so shards of one run share one timeline.
#pragma once

#include <cstdint>
#include <string_view>

#include "tidemark/core/status.h"

namespace tidemark::producer {

class EventClock {
 public:
  enum class Kind : std::uint8_t { kWall, kSimulated };
  // The rate a simulated clock assumes when the real rate is unlimited (0).
  static constexpr double kNominalRate = 1000.0;

  static EventClock wall() noexcept { return EventClock(); }
  // Errors (kInvalidArgument): speed not a positive finite number, rate negative or not finite.
  static core::Result<EventClock> simulated(std::int64_t start_ms, double speed, double rate_per_s);

  Kind kind() const noexcept { return kind_; }
  std::int64_t start_ms() const noexcept { return start_ms_; }
  double speed() const noexcept { return speed_; }
  // The rate used for spacing: the given rate, or kNominalRate when that was 0.
  double spacing_rate() const noexcept { return rate_; }

  // The event time of global event `index`: `wall_now_ms` for the wall clock, the formula above
  // for a simulated one (saturating at the int64 range). Const and thread-safe.
  std::int64_t event_time(std::uint64_t index, std::int64_t wall_now_ms) const noexcept;

 private:
  EventClock() = default;
  Kind kind_ = Kind::kWall;
  std::int64_t start_ms_ = 0;
  double speed_ = 1.0;
  double rate_ = kNominalRate;
};

// "wall" or "simulated"; the error quotes the text and lists both.
core::Result<EventClock::Kind> parse_clock_kind(std::string_view text);

// `--speed X`: a positive finite decimal number, optionally followed by 'x' ("60", "0.5", "60x").
// The error quotes the text.
core::Result<double> parse_speed(std::string_view text);

}  // namespace tidemark::producer
