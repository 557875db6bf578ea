// The watermark trace: a CSV file with one row per record, per combined-watermark change, per
// partition idle/active switch and per window firing, in the order they happened. `tidemark
// chart` draws it; it is also meant for a spreadsheet or pandas. Columns (docs/watermarks.md):
//
//   kind                 record | watermark | idle | active | window
//   arrival              record: its 0-based arrival index; other rows: how many records had
//                        arrived when it happened (it sits between records arrival-1 and arrival)
//   partition            record, idle, active: the partition
//   offset               record: its Kafka offset (empty if unknown)
//   event_time           record: its event time, epoch ms
//   watermark            record: the combined watermark after it; watermark: the new value;
//                        idle/active: the combined value in force at the switch (before it
//                        takes effect); window: the watermark that fired it
//   partition_watermark  record, idle, active: the partition's own watermark after it
//   late                 record: 1 if event_time <= the combined watermark in force at arrival
//   dropped              record: 1 if the window operator dropped it (empty without windows)
//   processing_time      every row: the tracker's processing time, ms
//   window_start, window_end, key, count, firing, cause
//                        window: the fired result (firing 1 = first result, 2.. = updates;
//                        cause watermark | late-record | end-of-input)
//
// Watermark values are epoch ms, or `none` (Flink's Long.MIN_VALUE: no watermark yet) and `max`
// (the final watermark at end of input). Keys are quoted as RFC 4180 requires.
//
// A disabled writer (default-constructed, never opened) costs one branch per call.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/consumer/tumbling_windows.h"
#include "tidemark/core/status.h"

namespace tidemark::consumer {

inline constexpr std::string_view kTraceHeader =
    "kind,arrival,partition,offset,event_time,watermark,partition_watermark,late,dropped,"
    "processing_time,window_start,window_end,key,count,firing,cause";

// The record row's dropped column: unknown (no windows), kept, dropped.
enum class TraceDropped : std::int8_t { kUnknown = -1, kKept = 0, kDropped = 1 };

class WatermarkTrace {
 public:
  WatermarkTrace() = default;  // disabled
  ~WatermarkTrace();           // closes an open file, ignoring errors (call close() to see them)
  WatermarkTrace(WatermarkTrace&& other) noexcept;
  WatermarkTrace& operator=(WatermarkTrace&& other) noexcept;
  WatermarkTrace(const WatermarkTrace&) = delete;
  WatermarkTrace& operator=(const WatermarkTrace&) = delete;

  // Creates (truncates) the file and writes the header. Errors: kIo naming the path and errno.
  core::Status open(const std::string& path);
  bool enabled() const noexcept { return file_ != nullptr; }

  void record(std::int64_t arrival, std::int32_t partition, std::int64_t offset,
              std::int64_t event_time, std::int64_t watermark, std::int64_t partition_watermark,
              bool late, TraceDropped dropped, std::int64_t processing_time) {
    if (file_ != nullptr) {
      write_record(arrival, partition, offset, event_time, watermark, partition_watermark, late,
                   dropped, processing_time);
    }
  }
  void watermark(std::int64_t arrival, std::int64_t watermark, std::int64_t processing_time) {
    if (file_ != nullptr) write_watermark(arrival, watermark, processing_time);
  }
  void partition_status(std::int64_t arrival, std::int32_t partition, bool idle,
                        std::int64_t combined_watermark, std::int64_t partition_watermark,
                        std::int64_t processing_time) {
    if (file_ != nullptr) {
      write_status(arrival, partition, idle, combined_watermark, partition_watermark,
                   processing_time);
    }
  }
  void window(std::int64_t arrival, const WindowResult& result, std::int64_t processing_time) {
    if (file_ != nullptr) write_window(arrival, result, processing_time);
  }

  // Flushes and closes. Errors: kIo naming the path if any write failed. A closed or disabled
  // trace returns OK.
  core::Status close();
  const std::string& path() const noexcept { return path_; }

 private:
  void write_record(std::int64_t arrival, std::int32_t partition, std::int64_t offset,
                    std::int64_t event_time, std::int64_t watermark,
                    std::int64_t partition_watermark, bool late, TraceDropped dropped,
                    std::int64_t processing_time);
  void write_watermark(std::int64_t arrival, std::int64_t watermark, std::int64_t processing_time);
  void write_status(std::int64_t arrival, std::int32_t partition, bool idle,
                    std::int64_t combined_watermark, std::int64_t partition_watermark,
                    std::int64_t processing_time);
  void write_window(std::int64_t arrival, const WindowResult& result, std::int64_t processing_time);
  void end_row();

  std::FILE* file_ = nullptr;
  std::string path_;
  std::string buffer_;
  bool failed_ = false;
  int error_ = 0;
};

// ---- reading a trace back (tidemark chart) ----

struct TraceRecord {
  std::int64_t arrival = 0;
  std::int32_t partition = 0;
  std::int64_t offset = -1;  // -1 when the column was empty
  std::int64_t event_time = 0;
  std::int64_t watermark = 0;
  std::int64_t partition_watermark = 0;
  bool late = false;
  TraceDropped dropped = TraceDropped::kUnknown;
  std::int64_t processing_time = 0;
};
struct TraceWatermark {
  std::int64_t arrival = 0;
  std::int64_t watermark = 0;
  std::int64_t processing_time = 0;
};
struct TracePartitionStatus {
  std::int64_t arrival = 0;
  std::int32_t partition = 0;
  bool idle = false;
  std::int64_t processing_time = 0;
};
struct TraceWindow {
  std::int64_t arrival = 0;
  WindowResult result;
  std::int64_t processing_time = 0;
};
struct TraceData {
  std::vector<TraceRecord> records;
  std::vector<TraceWatermark> watermarks;
  std::vector<TracePartitionStatus> statuses;
  std::vector<TraceWindow> windows;
};

// Parses a trace. `source` names it in messages. Columns are found by header name (extra
// columns are ignored, so later versions can add some); quoted fields may span lines.
// Errors: kMalformed with "<source> line N" and the column: an empty input, a header without
// the required columns, a row with the wrong number of fields, an unknown kind, a value that is
// not a number (or none/max where a watermark is expected).
core::Result<TraceData> parse_watermark_trace(std::string_view text, std::string_view source);
// Reads and parses a file. Errors: kNotFound / kIo naming the path, then parse errors.
core::Result<TraceData> read_watermark_trace(const std::string& path);

}  // namespace tidemark::consumer
