// Event time in a replay: the RecordSink that `tidemark consume` uses when a watermark or window
// flag is given (docs/watermarks.md, "In tidemark consume"). It takes each decoded record's event
// time (event_time_source.h), drives an EventTimePipeline (watermarks, windows, trace) in Flink's
// order, and writes:
//
//  * the record, as a JSON Lines envelope with three more members after the standard ones,
//      "event_time":1767261600123,"watermark":1767261595000,"late":false
//    (`watermark` is the combined event-time watermark after the record, null before the first;
//    `late` is event time <= the watermark in force when it arrived) and, with a window,
//    "dropped":false (the window operator discarded it); a record without an event time has
//    "event_time":null,"late":null (and "dropped":null) and is not fed to the watermarks;
//    or as a kcat -f line, prefixed with `LATE ` (late) or `LATE DROPPED ` (dropped by the
//    window); or nothing (--output none);
//  * every fired window result as one JSON line, to the records' stream (interleaved where Flink
//    emits it: results fired by a tick before the record, a late firing and the results its
//    watermark fired after it) or to a separate file:
//      {"type":"window","window_start":1767261600000,"window_end":1767261660000,"key":null,
//       "count":812,"watermark":1767261660000,"firing":1,"cause":"watermark"}
//    `key` is the --group-by value as JSON (a string or a number; null when the record has no
//    such field, and without --group-by); `watermark` is the one that fired it
//    (9223372036854775807, Flink's Long.MAX_VALUE, at end of input); `firing` 2, 3, ... are
//    updates within the allowed lateness (`cause` late-record). Records never have a "type"
//    member, so `jq 'select(.type == "window")'` picks the results.
//
// Processing time (what periodic emission and idleness are measured in) is the machine's
// monotonic clock (kWall; read with CLOCK_MONOTONIC_COARSE, a few ms of resolution and a few ns
// per read, as it is read once per record) or each record's Kafka timestamp (kRecordTimestamp,
// normally behind an ArrivalOrderSink so records come in timestamp order): a replay then gives the
// same watermarks on every run.
//
// Not thread-safe; every call on the consuming thread.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/consumer/event_time_pipeline.h"
#include "tidemark/consumer/event_time_source.h"
#include "tidemark/consumer/record_output.h"
#include "tidemark/core/status.h"

namespace tidemark::consumer {

enum class ProcessingClock { kWall, kRecordTimestamp };
std::string_view to_string(ProcessingClock clock) noexcept;  // "wall", "record-timestamp"
// Errors: kInvalidArgument naming the text and the valid values.
core::Result<ProcessingClock> parse_processing_clock(std::string_view text);

struct EventTimeOutputOptions {
  EventTimeOptions event_time;         // watermark strategy and, optionally, the window
  EventTimeSpec time;                  // where event time comes from
  std::optional<EventField> group_by;  // the window key (needs a window)
  ProcessingClock clock = ProcessingClock::kWall;
  std::string trace_path;  // "" = no trace
};

// How records are written.
enum class RecordStyle { kJson, kKcat, kNone };

// Counts for the summary.
struct EventTimeCounts {
  std::int64_t with_time = 0;                                       // records fed to the watermarks
  std::array<std::int64_t, kMissingEventTimeKinds> without_time{};  // by MissingEventTime
  std::int64_t late = 0;                  // event time <= the watermark in force at arrival
  std::int64_t dropped = 0;               // discarded by the window operator
  std::int64_t window_results = 0;        // result lines (updates included)
  std::int64_t late_firings = 0;          // of which updates after a late record
  std::size_t open_windows = 0;           // windows not fired yet (after end_of_input: 0)
  std::int64_t watermark = kNoWatermark;  // the combined watermark now
  bool ended = false;                     // end_of_input() ran

  std::int64_t without_time_total() const noexcept {
    std::int64_t n = 0;
    for (std::int64_t v : without_time) n += v;
    return n;
  }
};

// One partition in the live view. Offsets and event times are kept apart on purpose: the
// high-watermark OFFSET is Kafka's end of the log; the event-time watermark is a time.
struct LiveRow {
  std::int32_t partition = 0;
  std::optional<std::int64_t> position;               // next offset to read, if known
  std::optional<std::int64_t> high_watermark_offset;  // filled by the caller
  std::int64_t records = 0;
  std::optional<std::int64_t> max_event_time;
  std::int64_t watermark = kNoWatermark;  // the partition's event-time watermark
  bool idle = false;
  bool finished = false;
};

struct LiveView {
  std::vector<LiveRow> rows;
  std::int64_t combined = kNoWatermark;
  std::string strategy;  // describe(WatermarkOptions)
  std::string why;       // set when the combined watermark is stuck: WatermarkTracker::explain
  EventTimeCounts counts;
};

// The live view as text lines (no escape codes; the caller redraws them on a terminal).
std::vector<std::string> render_live_view(const LiveView& view);

class EventTimeSink : public RecordSink {
 public:
  // `json`: the registry's json serializer (renders events). `format`: required for kKcat.
  // `records_out` (kJson/kKcat) and `windows_out` (when there is a window; may be the same FILE,
  // then one buffer keeps the order) are not owned; windows_out may be null when window results
  // only go to the callback. The trace, if any, is opened here.
  // Errors: kInvalidArgument for inconsistent options (group_by without a window, kKcat without
  // a format, a missing FILE); kIo naming the trace path when it cannot be created.
  static core::Result<std::unique_ptr<EventTimeSink>> create(
      EventTimeOutputOptions options, const serializers::Serializer* json, RecordStyle style,
      std::optional<KcatFormat> format, std::FILE* records_out, std::FILE* windows_out);
  ~EventTimeSink() override;

  core::Status write(const DecodedRecord& record) override;
  core::Status flush() override;
  void on_assigned(std::span<const std::int32_t> partitions) override;
  void on_finished(std::int32_t partition) override;
  core::Status on_tick() override;

  // The bounded input ended: the final MAX watermark fires every pending window (Flink's end of
  // input). Call once, after the consumer's run; then flush().
  core::Status end_of_input();
  // Closes the trace. Errors: kIo naming the path when a trace write failed.
  core::Status close_trace();

  // Called for every fired window result, after it was written (the demo collects them).
  void set_window_callback(std::function<void(const WindowResult&)> callback) {
    on_window_ = std::move(callback);
  }
  // Called from on_tick() (at least every ~100 ms while consuming) for the live view.
  void set_tick_callback(std::function<void()> callback) { on_tick_ = std::move(callback); }

  EventTimeCounts counts() const;
  // The current state for the live view (high-watermark offsets left empty).
  LiveView live_view() const;
  // The pipeline (null before the first assignment or, with record timestamps, the first record).
  const EventTimePipeline* pipeline() const noexcept { return pipeline_ ? &*pipeline_ : nullptr; }
  const EventTimeOutputOptions& options() const noexcept { return options_; }
  // The processing time now (wall: ms since creation; record timestamps: the last record's).
  std::int64_t processing_now() const;

 private:
  EventTimeSink(EventTimeOutputOptions options, const serializers::Serializer* json,
                RecordStyle style, std::optional<KcatFormat> format, std::FILE* records_out,
                std::FILE* windows_out);
  core::Status ensure_pipeline(std::int64_t start);
  core::Status write_windows();
  core::Status write_out(std::FILE* file, std::string& buffer, bool force);
  void note_watermark(std::int64_t now);
  void note_position(std::int32_t partition, std::int64_t next_offset);

  EventTimeOutputOptions options_;
  RecordStyle style_;
  std::optional<KcatFormat> format_;
  EnvelopeWriter writer_;
  std::FILE* records_out_;
  std::FILE* windows_out_;
  std::string record_buffer_;
  std::string window_buffer_;  // unused when windows_out_ == records_out_
  std::string extras_;
  std::string line_;
  std::string key_;
  std::string key_text_;

  std::optional<EventTimePipeline> pipeline_;
  std::vector<std::int32_t> assigned_;         // before the pipeline exists
  std::vector<std::int32_t> finished_before_;  // finished before the pipeline existed
  std::vector<std::int32_t> finished_;         // every finished partition (live view)
  std::vector<WindowResult> fired_;
  std::int64_t start_ms_ = 0;  // the coarse monotonic clock at creation
  std::int64_t last_record_time_ = 0;
  std::int64_t last_tick_check_ = kNoWatermark;  // the processing time ticks last ran for
  bool seen_record_time_ = false;

  std::array<std::int64_t, kMissingEventTimeKinds> without_time_{};
  std::int64_t with_time_ = 0;
  std::int64_t window_results_ = 0;
  std::int64_t last_watermark_ = kNoWatermark;
  std::int64_t last_watermark_change_ = 0;
  // Per partition id (small dense numbers, so a direct index): the next offset to read, -1 when
  // assigned but nothing read yet, kUnknownPartition when never seen.
  static constexpr std::int64_t kUnknownPartition = -2;
  std::vector<std::int64_t> positions_;

  std::function<void(const WindowResult&)> on_window_;
  std::function<void()> on_tick_;
  core::Status trace_status_;
};

// Appends one window result line (with the newline) as described at the top of this file.
// `key_is_json`: the key is already a JSON value (what EventTimeSink stores with --group-by);
// otherwise an empty key is written as null and any other as a JSON string.
void append_window_json(std::string& out, const WindowResult& result, bool key_is_json);

}  // namespace tidemark::consumer
