// Event-time watermarks of a Kafka source, computed exactly as Flink's Kafka source computes them
// (../shared/reference/flink-kafka-semantics.md, Part 2): one bounded-out-of-orderness generator
// per partition, optionally wrapped in Flink's idleness detection, and the source's combined
// watermark = the minimum over the non-idle partitions, which never decreases.
//
// The tracker is a pure state machine: it never reads a clock. Every call carries the processing
// time (any monotonic int64 millisecond clock the caller chooses: a steady wall clock for live
// consumption, a simulated clock or the record count for deterministic replays). Periodic
// emission ("ticks", Flink's pipeline.auto-watermark-interval) happens at start + k * interval of
// that clock; the ticks due when a call arrives run first, each at its own tick time, so a
// replay with a simulated clock gives the same watermarks and idleness decisions every time.
//
// How a consumer loop drives it (one reader owning all partitions, Flink source parallelism 1):
//   auto t = WatermarkTracker::create(options, assigned_partitions, now());
//   for each record:  RecordVerdict v = t->on_record(partition, event_time, now());
//                     // v.late: event time <= the watermark in force when it arrived
//                     // v.watermark: the combined watermark after it
//   when idle (no records): t->on_processing_time(now());   // periodic emission, idleness
//   partition reached its stop offset: t->finish_partition(p);
//   bounded input done: t->end_of_input();                  // the final MAX watermark
// EventTimePipeline (event_time_pipeline.h) does this together with windows and the trace.
//
// Cost per record in periodic mode: a comparison with the next tick time, a max and a counter.
// Per-record mode (a tidemark mode, not a Flink one) runs one tick after every record, which is
// O(number of partitions). Not thread-safe; one consumer thread owns it.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"

namespace tidemark::consumer {

// Flink's Long.MIN_VALUE: "no watermark yet". It is never emitted and never shown as a time.
inline constexpr std::int64_t kNoWatermark = std::numeric_limits<std::int64_t>::min();
// Flink's Long.MAX_VALUE: the final watermark a bounded source emits at end of input.
inline constexpr std::int64_t kMaxWatermark = std::numeric_limits<std::int64_t>::max();

// "none (no watermark yet)" for kNoWatermark, "MAX (end of input)" for kMaxWatermark, otherwise
// ISO-8601 UTC ("2026-11-23T10:15:30.123Z"; epoch millis when outside years 0000..9999).
std::string format_watermark(std::int64_t watermark);

// Which bounded-out-of-orderness formula is in force.
//   kSql:        WATERMARK FOR ts AS ts - INTERVAL 'B' ...   watermark = max(ts) - B
//   kDataStream: WatermarkStrategy.forBoundedOutOfOrderness(B) watermark = max(ts) - B - 1
enum class WatermarkStyle { kSql, kDataStream };
std::string_view to_string(WatermarkStyle style) noexcept;  // "sql", "datastream"
// Errors: kInvalidArgument naming the text and the valid names.
core::Result<WatermarkStyle> parse_watermark_style(std::string_view text);

// What happens to the combined watermark when every partition is idle (reference 2.5.3).
//   kFlushMax: current Flink (FLINK-38454): it rises to the maximum of the partitions' watermarks.
//   kHold:     Flink releases before that change: it stays where it was.
enum class AllIdleBehavior { kFlushMax, kHold };

struct WatermarkOptions {
  std::int64_t delay_ms = 0;  // B, the out-of-orderness bound; >= 0
  WatermarkStyle style = WatermarkStyle::kSql;
  // Periodic emission every interval_ms of processing time (Flink default 200 ms), or, when
  // per_record is set, one emission after every record (tidemark's deterministic mode).
  bool per_record = false;
  std::int64_t interval_ms = 200;  // > 0 unless per_record
  // WatermarksWithIdleness / table.exec.source.idle-timeout; 0 = off (Flink's default).
  std::int64_t idle_timeout_ms = 0;
  AllIdleBehavior all_idle = AllIdleBehavior::kFlushMax;
};

// Errors: kInvalidArgument for a negative delay or timeout, or a non-positive interval.
core::Status validate(const WatermarkOptions& options);
// Reads the --watermark-interval value: "per-record", or a duration > 0 ("200ms", "1s").
// "0" is refused: in Flink it switches periodic emission off (reference 5.11).
core::Status parse_watermark_interval(std::string_view text, WatermarkOptions& options);
// Reads the --idle-timeout value: a duration, where "0" or "off" means off.
core::Status parse_idle_timeout(std::string_view text, WatermarkOptions& options);
// One line saying which strategy is in force, in Flink's words, e.g.
// "SQL WATERMARK FOR ts AS ts - INTERVAL '5' SECOND (watermark = max event time - 5s),
//  emitted every 200ms, idle timeout off".
std::string describe(const WatermarkOptions& options);

// One partition as the live view shows it.
struct PartitionWatermarkState {
  std::int32_t partition = 0;
  std::int64_t records = 0;
  std::int64_t late_records = 0;
  std::int64_t max_event_time = 0;  // meaningful when records > 0
  // The partition's own watermark (Flink's PartialWatermark: the maximum ever emitted by its
  // generator); kNoWatermark until its generator emits one.
  std::int64_t watermark = kNoWatermark;
  bool idle = false;                             // excluded from the combined minimum
  bool finished = false;                         // reached its stop offset; no longer counts at all
  std::int64_t last_record_processing_time = 0;  // meaningful when records > 0

  // Idleness detection (Flink's IdlenessTimer); internal, exposed for explanations.
  std::int64_t activity = 0;
  std::int64_t last_checked_activity = 0;
  bool timer_running = false;
  std::int64_t timer_start = 0;
  bool generator_idle = false;  // WatermarksWithIdleness.isIdleNow
};

struct RecordVerdict {
  bool late = false;  // event time <= watermark_before (never late before the first watermark)
  std::int64_t watermark_before = kNoWatermark;  // the combined watermark in force at arrival
  std::int64_t watermark = kNoWatermark;         // the combined watermark after the record
};

// What changed, in order, for callers that follow every step (the trace, the windows).
enum class TrackerEventKind { kWatermark, kPartitionIdle, kPartitionActive };
struct TrackerEvent {
  TrackerEventKind kind = TrackerEventKind::kWatermark;
  std::int32_t partition = -1;  // for kPartitionIdle / kPartitionActive
  std::int64_t watermark = 0;   // kWatermark: the new combined value; else the partition's
  std::int64_t processing_time = 0;
  // The combined watermark in force when it happened (for a switch: before it takes effect).
  std::int64_t combined = kNoWatermark;
};

class WatermarkTracker {
 public:
  // `partitions`: the assignment, in the order Flink would register the splits. Each starts
  // active with no watermark, so a partition without records holds the combined watermark at
  // "none" until it is declared idle. `start_processing_time_ms`: when the source opened; the
  // first periodic tick is one interval later.
  // Errors: kInvalidArgument from validate(), or a negative or duplicated partition.
  static core::Result<WatermarkTracker> create(const WatermarkOptions& options,
                                               std::span<const std::int32_t> partitions,
                                               std::int64_t start_processing_time_ms);

  // A record read from `partition` (a partition not assigned so far is registered first, as a
  // split assigned at that moment). Runs the ticks due at or before processing_time_ms, judges
  // lateness against the combined watermark then in force, feeds the partition's generator and,
  // in per-record mode, runs one tick. A processing time earlier than the last one is treated as
  // the last one (the clock never goes back).
  RecordVerdict on_record(std::int32_t partition, std::int64_t event_time_ms,
                          std::int64_t processing_time_ms);

  // Processing time passed without records: runs the periodic ticks due (periodic mode) or one
  // tick if now_ms is later than the last tick (per-record mode), which is how idleness is
  // detected while nothing arrives. Returns the combined watermark.
  std::int64_t on_processing_time(std::int64_t now_ms);

  // A split assigned later (partition discovery, a rebalance): active, no watermark. No-op if
  // known and not finished; a finished partition starts over (its old state is dropped).
  void add_partition(std::int32_t partition);
  // The partition reached its stop offset: its output is released and it no longer counts in the
  // combined minimum, from the next tick on (Flink's releaseOutputForSplit). No-op if unknown.
  void finish_partition(std::int32_t partition);

  // The bounded input is exhausted: the final watermark MAX, which fires every pending window.
  // Later records are all late.
  std::int64_t end_of_input();

  // The combined watermark (kNoWatermark before the first one, kMaxWatermark after the end).
  std::int64_t watermark() const noexcept { return combined_; }
  bool ended() const noexcept { return ended_; }
  // True when every registered partition is idle (the source is idle).
  bool all_idle() const noexcept { return all_idle_; }
  const WatermarkOptions& options() const noexcept { return options_; }
  std::int64_t records() const noexcept { return records_; }
  std::int64_t late_records() const noexcept { return late_records_; }
  std::int64_t ticks() const noexcept { return ticks_; }

  // Every partition ever assigned, in registration order (finished ones included, flagged).
  const std::vector<PartitionWatermarkState>& partitions() const noexcept { return slots_; }
  // nullptr when the partition was never assigned.
  const PartitionWatermarkState* partition(std::int32_t partition) const noexcept;

  // The partitions that currently hold the combined watermark back: the non-idle, unfinished
  // ones at the minimum. Empty when none does (no partitions, all idle, ended).
  std::vector<std::int32_t> holding_partitions() const;
  // Why the combined watermark is where it is, in one line for the live view, e.g.
  // "held back by partition 3 (watermark 2026-11-23T10:15:00.000Z), idle detection off" or
  // "partition 3 has no records yet; it turns idle after 10s without records".
  std::string explain(std::int64_t now_ms) const;

  // When on, every combined-watermark change and partition idle/active switch is appended to
  // events() in order, until clear_events(). Off by default (nothing is kept).
  void set_event_log(bool on) noexcept { log_events_ = on; }
  const std::vector<TrackerEvent>& events() const noexcept { return events_; }
  void clear_events() noexcept { events_.clear(); }

 private:
  WatermarkTracker(const WatermarkOptions& options, std::int64_t start);

  std::size_t slot_for(std::int32_t partition);
  void advance_to(std::int64_t now);
  bool quiescent() const noexcept;
  std::int64_t next_interesting_tick(std::int64_t last_due) const noexcept;
  void tick(std::int64_t now);
  void combine(std::int64_t now);
  std::int64_t generator_watermark(const PartitionWatermarkState& p) const noexcept;
  void log(TrackerEventKind kind, std::int32_t partition, std::int64_t watermark, std::int64_t now);

  WatermarkOptions options_;
  std::vector<PartitionWatermarkState> slots_;
  std::vector<std::int32_t> slot_of_partition_;  // partition -> slot index, -1 if unknown
  std::int64_t combined_ = kNoWatermark;
  bool all_idle_ = false;
  bool ended_ = false;
  bool dirty_ = true;  // something changed since the last tick (records, assignment)
  std::int64_t next_tick_ = 0;
  std::int64_t last_tick_time_ = 0;
  bool ticked_ = false;
  std::int64_t last_now_ = 0;
  std::int64_t records_ = 0;
  std::int64_t late_records_ = 0;
  std::int64_t ticks_ = 0;
  std::int64_t minus_ = 0;  // delay, plus 1 ms for the DataStream style
  bool log_events_ = false;
  std::vector<TrackerEvent> events_;
};

}  // namespace tidemark::consumer
