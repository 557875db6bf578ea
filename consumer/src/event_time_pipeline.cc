#include "tidemark/consumer/event_time_pipeline.h"

namespace tidemark::consumer {

core::Result<EventTimePipeline> EventTimePipeline::create(const EventTimeOptions& options,
                                                          std::span<const std::int32_t> partitions,
                                                          std::int64_t start_processing_time_ms) {
  core::Result<WatermarkTracker> tracker =
      WatermarkTracker::create(options.watermark, partitions, start_processing_time_ms);
  if (!tracker.ok()) return tracker.status();
  std::optional<TumblingWindows> windows;
  if (options.window) {
    core::Result<TumblingWindows> w = TumblingWindows::create(*options.window);
    if (!w.ok()) return w.status();
    windows.emplace(std::move(*w));
  }
  EventTimePipeline pipeline(std::move(*tracker), std::move(windows));
  pipeline.tracker_.set_event_log(true);
  return pipeline;
}

core::Status EventTimePipeline::open_trace(const std::string& path) { return trace_.open(path); }

core::Status EventTimePipeline::close_trace() { return trace_.close(); }

void EventTimePipeline::trace_windows(const std::vector<WindowResult>& fired, std::size_t from,
                                      std::int64_t processing_time) {
  if (!trace_.enabled()) return;
  for (std::size_t i = from; i < fired.size(); ++i) {
    trace_.window(arrivals_, fired[i], processing_time);
  }
}

void EventTimePipeline::drain(std::vector<WindowResult>& fired) {
  if (tracker_.events().empty()) return;  // the common case: nothing changed
  // Events are few (one per watermark change or idle switch), so a plain loop suffices.
  for (const TrackerEvent& e : tracker_.events()) {
    switch (e.kind) {
      case TrackerEventKind::kWatermark: {
        trace_.watermark(arrivals_, e.watermark, e.processing_time);
        if (windows_) {
          const std::size_t before = fired.size();
          windows_->on_watermark(e.watermark, fired);
          trace_windows(fired, before, e.processing_time);
        }
        break;
      }
      case TrackerEventKind::kPartitionIdle:
      case TrackerEventKind::kPartitionActive:
        trace_.partition_status(arrivals_, e.partition, e.kind == TrackerEventKind::kPartitionIdle,
                                e.combined, e.watermark, e.processing_time);
        break;
    }
  }
  tracker_.clear_events();
}

RecordOutcome EventTimePipeline::on_record(std::int32_t partition, std::int64_t offset,
                                           std::int64_t event_time, std::string_view key,
                                           std::int64_t processing_time,
                                           std::vector<WindowResult>& fired) {
  // 1. Ticks due before the record (periodic mode only: per-record mode ticks after records).
  if (!tracker_.options().per_record) {
    tracker_.on_processing_time(processing_time);
    drain(fired);
  }
  // 2. The window operator sees the record with the watermark in force.
  const std::size_t first_result = fired.size();
  RecordOutcome outcome;
  if (windows_) outcome.window = windows_->on_record(event_time, key, fired);
  // 3. The partition's generator sees it; per-record mode ticks.
  const RecordVerdict v = tracker_.on_record(partition, event_time, processing_time);
  outcome.arrival = arrivals_++;
  outcome.late = v.late;
  outcome.watermark_before = v.watermark_before;
  outcome.watermark = v.watermark;
  if (trace_.enabled()) {
    const PartitionWatermarkState* p = tracker_.partition(partition);
    const TraceDropped dropped = !windows_ ? TraceDropped::kUnknown
                                 : outcome.window == WindowVerdict::kDropped
                                     ? TraceDropped::kDropped
                                     : TraceDropped::kKept;
    trace_.record(outcome.arrival, partition, offset, event_time, v.watermark,
                  p != nullptr ? p->watermark : kNoWatermark, v.late, dropped, processing_time);
    trace_windows(fired, first_result, processing_time);  // a late firing, after its record
  }
  // 4. What the tick emitted reaches the windows.
  drain(fired);
  return outcome;
}

std::int64_t EventTimePipeline::on_processing_time(std::int64_t now,
                                                   std::vector<WindowResult>& fired) {
  const std::int64_t w = tracker_.on_processing_time(now);
  drain(fired);
  return w;
}

void EventTimePipeline::end_of_input(std::vector<WindowResult>& fired) {
  tracker_.end_of_input();
  drain(fired);
}

}  // namespace tidemark::consumer
