#include "tidemark/consumer/event_time_output.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "tidemark/core/time.h"
#include "tidemark/core/utf8.h"

namespace tidemark::consumer {

namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;
// The live view says why the watermark does not move once it has not moved for this long.
constexpr std::int64_t kStuckAfterMs = 1000;

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_watermark_json(std::string& out, std::int64_t watermark) {
  if (watermark == kNoWatermark) {
    out += "null";
  } else {
    append_int(out, watermark);
  }
}

// Milliseconds of the coarse monotonic clock: the wall-clock processing time is read once per
// record, and a few ms of resolution is plenty against a 200 ms emission interval.
std::int64_t coarse_monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A watermark or time for a table cell: none, MAX, or ISO-8601 UTC.
std::string cell_time(std::int64_t t) {
  if (t == kNoWatermark) return "none";
  if (t == kMaxWatermark) return "MAX";
  return format_watermark(t);
}

}  // namespace

std::string_view to_string(ProcessingClock clock) noexcept {
  return clock == ProcessingClock::kWall ? "wall" : "record-timestamp";
}

core::Result<ProcessingClock> parse_processing_clock(std::string_view text) {
  if (text == "wall") return ProcessingClock::kWall;
  if (text == "record-timestamp") return ProcessingClock::kRecordTimestamp;
  return core::invalid_argument(core::quoted(text) +
                                " is not a processing-time clock (valid: wall, record-timestamp)");
}

void append_window_json(std::string& out, const WindowResult& r, bool key_is_json) {
  out += "{\"type\":\"window\",\"window_start\":";
  append_int(out, r.window_start);
  out += ",\"window_end\":";
  append_int(out, r.window_end);
  out += ",\"key\":";
  if (r.key.empty()) {
    out += "null";
  } else if (key_is_json) {
    out += r.key;
  } else if (core::is_valid_utf8(r.key)) {
    append_json_text(out, r.key);
  } else {
    out += "\"base64:";
    append_base64(out, r.key);
    out += '"';
  }
  out += ",\"count\":";
  append_int(out, r.count);
  out += ",\"watermark\":";
  append_int(out, r.watermark);
  out += ",\"firing\":";
  append_int(out, r.firing);
  out += ",\"cause\":\"";
  out += to_string(r.cause);
  out += "\"}\n";
}

std::vector<std::string> render_live_view(const LiveView& view) {
  const std::vector<std::string> header{
      "PARTITION", "POSITION",       "HIGH-WATERMARK OFFSET", "LAG",
      "RECORDS",   "MAX EVENT TIME", "EVENT-TIME WATERMARK",  "STATE"};
  const std::vector<bool> right{true, true, true, true, true, false, false, false};
  std::vector<std::vector<std::string>> rows;
  for (const LiveRow& r : view.rows) {
    std::vector<std::string> row;
    row.push_back(std::to_string(r.partition));
    row.push_back(r.position ? std::to_string(*r.position) : "-");
    row.push_back(r.high_watermark_offset ? std::to_string(*r.high_watermark_offset) : "-");
    if (r.position && r.high_watermark_offset) {
      row.push_back(
          std::to_string(std::max<std::int64_t>(0, *r.high_watermark_offset - *r.position)));
    } else {
      row.push_back("-");
    }
    row.push_back(std::to_string(r.records));
    row.push_back(r.max_event_time ? cell_time(*r.max_event_time) : "-");
    row.push_back(cell_time(r.watermark));
    row.push_back(r.finished ? "finished" : r.idle ? "idle" : "active");
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto line_of = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line += "  ";
      const std::string pad(width[i] - cells[i].size(), ' ');
      if (right[i]) {
        line += pad + cells[i];
      } else {
        line += cells[i];
        if (i + 1 < cells.size()) line += pad;
      }
    }
    return line;
  };
  std::vector<std::string> lines;
  lines.push_back(line_of(header));
  for (const auto& row : rows) lines.push_back(line_of(row));
  std::string combined = "combined event-time watermark: " + cell_time(view.combined);
  combined += "  |  late " + std::to_string(view.counts.late);
  if (view.counts.window_results > 0 || view.counts.dropped > 0 || view.counts.open_windows > 0) {
    combined += ", dropped " + std::to_string(view.counts.dropped) + ", window results " +
                std::to_string(view.counts.window_results) + ", open windows " +
                std::to_string(view.counts.open_windows);
  }
  if (view.counts.without_time_total() > 0) {
    combined += ", without event time " + std::to_string(view.counts.without_time_total());
  }
  lines.push_back(std::move(combined));
  if (!view.why.empty()) lines.push_back("stuck: " + view.why);
  if (!view.strategy.empty()) lines.push_back("strategy: " + view.strategy);
  return lines;
}

EventTimeSink::EventTimeSink(EventTimeOutputOptions options, const serializers::Serializer* json,
                             RecordStyle style, std::optional<KcatFormat> format,
                             std::FILE* records_out, std::FILE* windows_out)
    : options_(std::move(options)),
      style_(style),
      format_(std::move(format)),
      writer_(json),
      records_out_(records_out),
      windows_out_(windows_out),
      start_ms_(coarse_monotonic_ms()) {}

EventTimeSink::~EventTimeSink() = default;

core::Result<std::unique_ptr<EventTimeSink>> EventTimeSink::create(
    EventTimeOutputOptions options, const serializers::Serializer* json, RecordStyle style,
    std::optional<KcatFormat> format, std::FILE* records_out, std::FILE* windows_out) {
  if (options.group_by && !options.event_time.window) {
    return core::invalid_argument("grouping (--group-by) needs a window (--window tumble:D)");
  }
  if (style == RecordStyle::kKcat && !format) {
    return core::invalid_argument("kcat output needs a format string");
  }
  if (style != RecordStyle::kNone && records_out == nullptr) {
    return core::invalid_argument("record output needs a file");
  }
  if (json == nullptr) return core::invalid_argument("the event-time output needs the json format");
  TIDEMARK_RETURN_IF_ERROR(validate(options.event_time.watermark));
  if (options.event_time.window) {
    core::Result<TumblingWindows> w = TumblingWindows::create(*options.event_time.window);
    if (!w.ok()) return w.status();
  }
  if (!options.trace_path.empty()) {
    // Found out now, not after the consumer connected.
    std::FILE* f = std::fopen(options.trace_path.c_str(), "w");
    if (f == nullptr) {
      return core::Status(core::StatusCode::kIo,
                          "cannot create the watermark trace " + core::quoted(options.trace_path));
    }
    std::fclose(f);
  }
  return std::unique_ptr<EventTimeSink>(new EventTimeSink(
      std::move(options), json, style, std::move(format), records_out, windows_out));
}

std::int64_t EventTimeSink::processing_now() const {
  if (options_.clock == ProcessingClock::kRecordTimestamp) return last_record_time_;
  return coarse_monotonic_ms() - start_ms_;
}

core::Status EventTimeSink::ensure_pipeline(std::int64_t start) {
  if (pipeline_) return core::Status();
  core::Result<EventTimePipeline> p =
      EventTimePipeline::create(options_.event_time, assigned_, start);
  if (!p.ok()) return p.status();
  pipeline_.emplace(std::move(*p));
  if (!options_.trace_path.empty()) {
    if (core::Status st = pipeline_->open_trace(options_.trace_path); !st.ok()) {
      pipeline_.reset();
      return st;
    }
  }
  for (std::int32_t id : finished_before_) pipeline_->finish_partition(id);
  finished_before_.clear();
  last_watermark_change_ = start;
  return core::Status();
}

void EventTimeSink::note_position(std::int32_t partition, std::int64_t next_offset) {
  if (partition < 0) return;
  const auto index = static_cast<std::size_t>(partition);
  if (index >= positions_.size()) positions_.resize(index + 1, kUnknownPartition);
  std::int64_t& p = positions_[index];
  if (next_offset >= 0 || p == kUnknownPartition) p = next_offset;
}

void EventTimeSink::note_watermark(std::int64_t now) {
  const std::int64_t w = pipeline_ ? pipeline_->tracker().watermark() : kNoWatermark;
  if (w != last_watermark_) {
    last_watermark_ = w;
    last_watermark_change_ = now;
  }
}

void EventTimeSink::on_assigned(std::span<const std::int32_t> partitions) {
  for (std::int32_t p : partitions) {
    note_position(p, -1);
    finished_.erase(std::remove(finished_.begin(), finished_.end(), p), finished_.end());
    if (pipeline_) {
      pipeline_->add_partition(p);
    } else if (std::find(assigned_.begin(), assigned_.end(), p) == assigned_.end()) {
      assigned_.push_back(p);
    }
  }
  if (!pipeline_ && options_.clock == ProcessingClock::kWall) {
    if (core::Status st = ensure_pipeline(processing_now()); !st.ok() && trace_status_.ok()) {
      trace_status_ = st;
    }
  }
}

void EventTimeSink::on_finished(std::int32_t partition) {
  if (pipeline_) {
    pipeline_->finish_partition(partition);
  } else {
    finished_before_.push_back(partition);
  }
  finished_.push_back(partition);
}

core::Status EventTimeSink::write_out(std::FILE* file, std::string& buffer, bool force) {
  if (buffer.empty() || (!force && buffer.size() < kFlushBytes)) return core::Status();
  const std::size_t n = std::fwrite(buffer.data(), 1, buffer.size(), file);
  const bool ok = n == buffer.size();
  buffer.clear();
  if (!ok) {
    return {core::StatusCode::kIo, file == stdout ? "writing to standard output failed"
                                                  : "writing the window results failed"};
  }
  return core::Status();
}

core::Status EventTimeSink::write_windows() {
  if (fired_.empty()) return core::Status();
  const bool shared = windows_out_ != nullptr && windows_out_ == records_out_;
  std::string& buffer = shared ? record_buffer_ : window_buffer_;
  for (const WindowResult& r : fired_) {
    ++window_results_;
    if (windows_out_ != nullptr) append_window_json(buffer, r, options_.group_by.has_value());
    if (on_window_) on_window_(r);
  }
  fired_.clear();
  if (windows_out_ != nullptr) {
    return write_out(windows_out_, buffer, false);
  }
  return core::Status();
}

core::Status EventTimeSink::write(const DecodedRecord& record) {
  if (!trace_status_.ok()) return trace_status_;
  const kafka::ConsumedMessage& m = *record.message;
  note_position(m.partition, m.offset + 1);
  std::int64_t now = 0;
  if (options_.clock == ProcessingClock::kRecordTimestamp) {
    if (m.timestamp_ms >= 0 && (!seen_record_time_ || m.timestamp_ms > last_record_time_)) {
      last_record_time_ = m.timestamp_ms;
      seen_record_time_ = true;
    }
    now = last_record_time_;
  } else {
    now = processing_now();
  }
  if (!pipeline_) TIDEMARK_RETURN_IF_ERROR(ensure_pipeline(now));

  std::int64_t ts = 0;
  const MissingEventTime why = record_event_time(record, options_.time, ts);
  bool late = false;
  bool dropped = false;
  extras_.clear();
  if (why != MissingEventTime::kNone) {
    ++without_time_[static_cast<std::size_t>(why)];
    if (style_ == RecordStyle::kJson) {
      extras_ += "\"event_time\":null,\"watermark\":";
      append_watermark_json(extras_, pipeline_->tracker().watermark());
      extras_ += ",\"late\":null";
      if (options_.event_time.window) extras_ += ",\"dropped\":null";
    }
  } else {
    if (!options_.event_time.watermark.per_record && now != last_tick_check_) {
      // The ticks due before the record, and the windows they fire, come before it. Ticks
      // depend only on the time, so there is nothing new to run while it stays the same.
      last_tick_check_ = now;
      pipeline_->on_processing_time(now, fired_);
      if (!fired_.empty()) TIDEMARK_RETURN_IF_ERROR(write_windows());
    }
    key_.clear();
    if (options_.group_by) {
      // The key as a JSON value: numbers as they are, text quoted, null when missing.
      const bool is_event = record.value_kind == ValueKind::kEvent && record.event != nullptr;
      if (options_.group_by->numeric()) {
        if (!is_event || !options_.group_by->text_of(*record.event, key_)) key_ = "null";
      } else if (is_event && options_.group_by->text_of(*record.event, key_text_)) {
        if (core::is_valid_utf8(key_text_)) {
          append_json_text(key_, key_text_);
        } else {
          key_ = "\"base64:";
          append_base64(key_, key_text_);
          key_ += '"';
        }
      } else {
        key_ = "null";
      }
    }
    const RecordOutcome o = pipeline_->on_record(m.partition, m.offset, ts, key_, now, fired_);
    ++with_time_;
    late = o.late;
    dropped = o.window == WindowVerdict::kDropped;
    if (style_ == RecordStyle::kJson) {  // the members only the envelope shows
      extras_ += "\"event_time\":";
      append_int(extras_, ts);
      extras_ += ",\"watermark\":";
      append_watermark_json(extras_, o.watermark);
      extras_ += late ? ",\"late\":true" : ",\"late\":false";
      if (options_.event_time.window) {
        extras_ += dropped ? ",\"dropped\":true" : ",\"dropped\":false";
      }
    }
  }
  switch (style_) {
    case RecordStyle::kJson:
      writer_.append(record_buffer_, record, extras_);
      break;
    case RecordStyle::kKcat:
      if (dropped) {
        record_buffer_ += "LATE DROPPED ";
      } else if (late) {
        record_buffer_ += "LATE ";
      }
      format_->append(record_buffer_, record, writer_);
      break;
    case RecordStyle::kNone:
      break;
  }
  if (!fired_.empty()) TIDEMARK_RETURN_IF_ERROR(write_windows());
  note_watermark(now);
  if (records_out_ != nullptr) return write_out(records_out_, record_buffer_, false);
  return core::Status();
}

core::Status EventTimeSink::on_tick() {
  if (!trace_status_.ok()) return trace_status_;
  if (pipeline_ && options_.clock == ProcessingClock::kWall && !pipeline_->tracker().ended()) {
    const std::int64_t now = processing_now();
    pipeline_->on_processing_time(now, fired_);
    TIDEMARK_RETURN_IF_ERROR(write_windows());
    note_watermark(now);
  }
  // Live output: what is buffered goes out at least every tick.
  if (records_out_ != nullptr) {
    TIDEMARK_RETURN_IF_ERROR(write_out(records_out_, record_buffer_, true));
    std::fflush(records_out_);
  }
  if (windows_out_ != nullptr && windows_out_ != records_out_) {
    TIDEMARK_RETURN_IF_ERROR(write_out(windows_out_, window_buffer_, true));
    std::fflush(windows_out_);
  }
  if (on_tick_) on_tick_();
  return core::Status();
}

core::Status EventTimeSink::end_of_input() {
  TIDEMARK_RETURN_IF_ERROR(ensure_pipeline(processing_now()));
  pipeline_->end_of_input(fired_);
  TIDEMARK_RETURN_IF_ERROR(write_windows());
  note_watermark(processing_now());
  return core::Status();
}

core::Status EventTimeSink::flush() {
  core::Status st;
  if (records_out_ != nullptr) {
    st = write_out(records_out_, record_buffer_, true);
    if (std::fflush(records_out_) != 0 && st.ok()) {
      st = {core::StatusCode::kIo, "writing to standard output failed"};
    }
  }
  if (windows_out_ != nullptr && windows_out_ != records_out_) {
    core::Status w = write_out(windows_out_, window_buffer_, true);
    if (std::fflush(windows_out_) != 0 && w.ok()) {
      w = {core::StatusCode::kIo, "writing the window results failed"};
    }
    if (st.ok()) st = w;
  }
  return st;
}

core::Status EventTimeSink::close_trace() {
  if (options_.trace_path.empty()) return core::Status();
  TIDEMARK_RETURN_IF_ERROR(ensure_pipeline(processing_now()));
  return pipeline_->close_trace();
}

EventTimeCounts EventTimeSink::counts() const {
  EventTimeCounts c;
  c.with_time = with_time_;
  c.without_time = without_time_;
  c.window_results = window_results_;
  if (pipeline_) {
    c.late = pipeline_->tracker().late_records();
    c.watermark = pipeline_->tracker().watermark();
    c.ended = pipeline_->tracker().ended();
    if (const TumblingWindows* w = pipeline_->windows()) {
      c.dropped = w->dropped();
      c.late_firings = w->late_firings();
      c.open_windows = w->open_windows();
    }
  }
  return c;
}

LiveView EventTimeSink::live_view() const {
  LiveView v;
  v.counts = counts();
  v.strategy = describe(options_.event_time.watermark);
  if (options_.event_time.window) {
    v.strategy += "; window " + to_string(options_.event_time.window->tumble);
  }
  v.combined = v.counts.watermark;
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    if (positions_[i] == kUnknownPartition) continue;
    const auto id = static_cast<std::int32_t>(i);
    LiveRow row;
    row.partition = id;
    if (positions_[i] >= 0) row.position = positions_[i];
    row.finished = std::find(finished_.begin(), finished_.end(), id) != finished_.end();
    if (pipeline_) {
      if (const PartitionWatermarkState* s = pipeline_->tracker().partition(id)) {
        row.records = s->records;
        if (s->records > 0) row.max_event_time = s->max_event_time;
        row.watermark = s->watermark;
        row.idle = s->idle;
        row.finished = row.finished || s->finished;
      }
    }
    v.rows.push_back(row);
  }
  if (pipeline_ && !pipeline_->tracker().ended()) {
    const std::int64_t now = processing_now();
    const bool none = v.combined == kNoWatermark && with_time_ > 0;
    if (none || now - last_watermark_change_ >= kStuckAfterMs) {
      v.why = pipeline_->tracker().explain(now);
    }
  }
  return v;
}

}  // namespace tidemark::consumer
