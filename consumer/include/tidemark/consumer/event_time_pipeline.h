// The event-time side of a replay in one object: the watermark tracker, the optional tumbling
// windows and the optional trace, driven record by record in the order Flink processes them:
//
//   1. the periodic ticks due before the record run, and their watermarks reach the window
//      operator (windows fire) before the record does;
//   2. the record enters the window operator, judged against the watermark in force;
//   3. the record reaches its partition's watermark generator (Flink emits a record first and
//      feeds the generator afterwards), and in per-record mode one tick follows;
//   4. the watermarks that tick emits reach the window operator.
//
// Getting this order right by hand is the subtle part, which is why consumers should drive this
// class rather than the parts:
//
//   auto p = EventTimePipeline::create(options, assigned_partitions, now());
//   p->open_trace("trace.csv");                              // optional
//   std::vector<WindowResult> fired;
//   for each record: RecordOutcome o = p->on_record(part, offset, ts, key, now(), fired);
//                    // print o.late / o.watermark in the envelope; print and clear `fired`
//   no records for a while: p->on_processing_time(now(), fired);
//   partition done:  p->finish_partition(part);
//   bounded end:     p->end_of_input(fired);                // MAX: every window fires
//   p->close_trace();
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/consumer/tumbling_windows.h"
#include "tidemark/consumer/watermark_trace.h"
#include "tidemark/consumer/watermark_tracker.h"
#include "tidemark/core/status.h"

namespace tidemark::consumer {

struct EventTimeOptions {
  WatermarkOptions watermark;
  std::optional<WindowOptions> window;  // none: no windows
};

struct RecordOutcome {
  std::int64_t arrival = 0;  // 0-based arrival index over all partitions
  bool late = false;         // event time <= watermark_before
  std::int64_t watermark_before = kNoWatermark;
  std::int64_t watermark = kNoWatermark;  // combined, after the record
  // What the window operator did with it (kAccepted when there are no windows).
  WindowVerdict window = WindowVerdict::kAccepted;
};

class EventTimePipeline {
 public:
  // Errors: kInvalidArgument from WatermarkTracker::create or TumblingWindows::create.
  static core::Result<EventTimePipeline> create(const EventTimeOptions& options,
                                                std::span<const std::int32_t> partitions,
                                                std::int64_t start_processing_time_ms);

  // Starts writing the trace (see watermark_trace.h). Errors: kIo naming the path.
  core::Status open_trace(const std::string& path);
  // Errors: kIo if a trace write failed.
  core::Status close_trace();

  // One record. `key` is the group-by value ("" when not grouping). Appends fired window
  // results (late firings and those the record's watermark triggered) to `fired`.
  RecordOutcome on_record(std::int32_t partition, std::int64_t offset, std::int64_t event_time,
                          std::string_view key, std::int64_t processing_time,
                          std::vector<WindowResult>& fired);
  // Processing time passed: periodic emission and idleness. Returns the combined watermark.
  std::int64_t on_processing_time(std::int64_t now, std::vector<WindowResult>& fired);
  void add_partition(std::int32_t partition) { tracker_.add_partition(partition); }
  void finish_partition(std::int32_t partition) { tracker_.finish_partition(partition); }
  // The final MAX watermark: every pending window fires (cause kEndOfInput).
  void end_of_input(std::vector<WindowResult>& fired);

  const WatermarkTracker& tracker() const noexcept { return tracker_; }
  const TumblingWindows* windows() const noexcept { return windows_ ? &*windows_ : nullptr; }
  std::int64_t arrivals() const noexcept { return arrivals_; }

 private:
  EventTimePipeline(WatermarkTracker tracker, std::optional<TumblingWindows> windows)
      : tracker_(std::move(tracker)), windows_(std::move(windows)) {}
  void drain(std::vector<WindowResult>& fired);
  void trace_windows(const std::vector<WindowResult>& fired, std::size_t from,
                     std::int64_t processing_time);

  WatermarkTracker tracker_;
  std::optional<TumblingWindows> windows_;
  WatermarkTrace trace_;
  std::int64_t arrivals_ = 0;
};

}  // namespace tidemark::consumer
