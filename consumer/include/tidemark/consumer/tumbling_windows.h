// Event-time tumbling windows that count records per (window, key), firing exactly when Flink
// fires them (../shared/reference/flink-kafka-semantics.md 2.7 and 2.8):
//
//  * assignment: start = ts - ((ts - offset) mod size), floor modulo (TimeWindow
//    .getWindowStartWithOffset); the window is [start, start + size) and its max timestamp is
//    end - 1;
//  * firing: when the watermark reaches end - 1 (EventTimeTrigger; SQL TimeWindowUtil
//    .isWindowFired); each key's result is emitted once, with the count so far;
//  * lateness: a record whose window satisfies end - 1 + allowed_lateness <= watermark is
//    dropped and counted (WindowOperator.isWindowLate / cleanupTime). With allowed lateness L > 0
//    a record for a window that has fired but is not yet cleaned up is added and the window fires
//    again at once with the updated count (onElement -> FIRE; FIRE does not purge). The state is
//    cleared when the watermark reaches end - 1 + L;
//  * end of input: the final MAX watermark fires every window still pending.
//
// With allowed lateness 0 this is also Flink SQL's TUMBLE window TVF aggregation with COUNT(*)
// grouped by a column: same windows, same firing, same drops, same counts.
//
// Driving it: give it the operator's watermark before each record (on_watermark with the
// watermark in force), then the record (on_record), then the watermark after it. Fired results
// are appended to a caller-owned vector, ordered by window then key. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tidemark/consumer/watermark_tracker.h"
#include "tidemark/core/status.h"

namespace tidemark::consumer {

struct TumbleSpec {
  std::int64_t size_ms = 60000;
  std::int64_t offset_ms = 0;  // from the epoch; |offset| < size (Flink's check)
};

// Reads the --window value: "tumble:SIZE" or "tumble:SIZE:OFFSET" with durations, e.g.
// "tumble:1m", "tumble:1h:15m", "tumble:1d:-8h" (a negative offset shifts windows earlier, as
// Flink's TUMBLE(..., INTERVAL '1' DAY, INTERVAL '-8' HOUR)).
// Errors: kInvalidArgument naming the text: unknown kind, bad or zero size, |offset| >= size.
core::Result<TumbleSpec> parse_window_spec(std::string_view text);
std::string to_string(const TumbleSpec& spec);  // "tumble:1m", "tumble:1h:15m"

struct WindowOptions {
  TumbleSpec tumble;
  // DataStream allowedLateness (0 = Flink's default and the only SQL behaviour).
  std::int64_t allowed_lateness_ms = 0;
};

enum class FiringCause {
  kWatermark,   // the watermark reached end - 1
  kLateRecord,  // a record arrived within the allowed lateness: an updated result
  kEndOfInput,  // the final MAX watermark
};
std::string_view to_string(
    FiringCause cause) noexcept;  // "watermark", "late-record", "end-of-input"

struct WindowResult {
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;  // exclusive; the result's timestamp is window_end - 1
  std::string key;              // "" when not grouped
  std::int64_t count = 0;       // records in the window for this key so far
  std::int64_t watermark = 0;   // the watermark in force when it fired (kMaxWatermark at the end)
  std::int32_t firing = 1;      // 1 for the first result of this window and key, 2.. for updates
  FiringCause cause = FiringCause::kWatermark;
};

enum class WindowVerdict {
  kAccepted,    // counted; its window fires later
  kLateFiring,  // counted into a window that had fired; an updated result was emitted
  kDropped,     // its window is past end - 1 + allowed lateness: discarded and counted
};

class TumblingWindows {
 public:
  // Errors: kInvalidArgument for size <= 0, |offset| >= size or negative allowed lateness.
  static core::Result<TumblingWindows> create(const WindowOptions& options);
  // Move-only: it caches a pointer into its own window map.
  TumblingWindows(TumblingWindows&&) noexcept = default;
  TumblingWindows& operator=(TumblingWindows&&) noexcept = default;
  TumblingWindows(const TumblingWindows&) = delete;
  TumblingWindows& operator=(const TumblingWindows&) = delete;

  // The start of the window holding ts (floor modulo, so negative timestamps work), or
  // kNoWatermark when ts is within one window of the int64 limits (no valid window).
  static std::int64_t window_start(std::int64_t ts, const TumbleSpec& spec) noexcept;

  // Advances the operator's watermark (a lower or equal value is ignored) and fires every window
  // whose end - 1 <= watermark, then clears those past end - 1 + allowed lateness.
  void on_watermark(std::int64_t watermark, std::vector<WindowResult>& fired);

  // A record with event time ts and group key (ignored when the caller does not group; pass "").
  // Judged against the current operator watermark. A record whose window end would overflow
  // int64 is dropped as well (Flink would produce a corrupt window there).
  WindowVerdict on_record(std::int64_t ts, std::string_view key, std::vector<WindowResult>& fired);

  // on_watermark(kMaxWatermark): fires everything pending, cause kEndOfInput.
  void end_of_input(std::vector<WindowResult>& fired);

  const WindowOptions& options() const noexcept { return options_; }
  std::int64_t watermark() const noexcept { return watermark_; }
  std::int64_t records() const noexcept { return records_; }
  std::int64_t dropped() const noexcept { return dropped_; }
  std::int64_t results() const noexcept { return results_; }            // every fired result
  std::int64_t late_firings() const noexcept { return late_firings_; }  // cause kLateRecord
  std::size_t open_windows() const noexcept { return windows_.size(); }

 private:
  explicit TumblingWindows(const WindowOptions& options) : options_(options) {}

  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct KeyState {
    std::int64_t count = 0;
    std::int32_t firings = 0;
  };
  struct Window {
    std::int64_t end = 0;
    std::int64_t cleanup = 0;  // end - 1 + allowed lateness, saturating
    bool fired = false;        // the watermark has reached end - 1
    std::unordered_map<std::string, KeyState, KeyHash, std::equal_to<>> keys;
  };

  void fire_window(std::int64_t start, Window& w, FiringCause cause,
                   std::vector<WindowResult>& fired);

  WindowOptions options_;
  std::int64_t watermark_ = kNoWatermark;
  std::map<std::int64_t, Window> windows_;  // by start
  // The last window a record went to: consecutive records mostly share it.
  std::int64_t cached_start_ = 0;
  Window* cached_ = nullptr;
  std::int64_t records_ = 0;
  std::int64_t dropped_ = 0;
  std::int64_t results_ = 0;
  std::int64_t late_firings_ = 0;
};

}  // namespace tidemark::consumer
