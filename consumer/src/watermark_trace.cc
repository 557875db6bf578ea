#include "tidemark/consumer/watermark_trace.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

namespace tidemark::consumer {

namespace {

constexpr std::size_t kFlushBytes = 1 << 16;

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_watermark_value(std::string& out, std::int64_t w) {
  if (w == kNoWatermark) {
    out += "none";
  } else if (w == kMaxWatermark) {
    out += "max";
  } else {
    append_int(out, w);
  }
}

void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

WatermarkTrace::~WatermarkTrace() { (void)close(); }

WatermarkTrace::WatermarkTrace(WatermarkTrace&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      path_(std::move(other.path_)),
      buffer_(std::move(other.buffer_)),
      failed_(other.failed_),
      error_(other.error_) {}

WatermarkTrace& WatermarkTrace::operator=(WatermarkTrace&& other) noexcept {
  if (this != &other) {
    (void)close();
    file_ = std::exchange(other.file_, nullptr);
    path_ = std::move(other.path_);
    buffer_ = std::move(other.buffer_);
    failed_ = other.failed_;
    error_ = other.error_;
  }
  return *this;
}

core::Status WatermarkTrace::open(const std::string& path) {
  TIDEMARK_RETURN_IF_ERROR(close());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return {core::StatusCode::kIo, "cannot create the watermark trace " + core::quoted(path) +
                                       ": " + std::strerror(errno)};
  }
  file_ = f;
  path_ = path;
  failed_ = false;
  error_ = 0;
  buffer_.clear();
  buffer_.reserve(kFlushBytes + 512);
  buffer_ += kTraceHeader;
  buffer_ += '\n';
  return {};
}

void WatermarkTrace::end_row() {
  buffer_ += '\n';
  if (buffer_.size() >= kFlushBytes) {
    if (!failed_ && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      failed_ = true;
      error_ = errno;
    }
    buffer_.clear();
  }
}

void WatermarkTrace::write_record(std::int64_t arrival, std::int32_t partition, std::int64_t offset,
                                  std::int64_t event_time, std::int64_t watermark,
                                  std::int64_t partition_watermark, bool late, TraceDropped dropped,
                                  std::int64_t processing_time) {
  std::string& b = buffer_;
  b += "record,";
  append_int(b, arrival);
  b += ',';
  append_int(b, partition);
  b += ',';
  if (offset >= 0) append_int(b, offset);
  b += ',';
  append_int(b, event_time);
  b += ',';
  append_watermark_value(b, watermark);
  b += ',';
  append_watermark_value(b, partition_watermark);
  b += late ? ",1," : ",0,";
  if (dropped != TraceDropped::kUnknown) b += dropped == TraceDropped::kDropped ? '1' : '0';
  b += ',';
  append_int(b, processing_time);
  b += ",,,,,,";
  end_row();
}

void WatermarkTrace::write_watermark(std::int64_t arrival, std::int64_t watermark,
                                     std::int64_t processing_time) {
  std::string& b = buffer_;
  b += "watermark,";
  append_int(b, arrival);
  b += ",,,,";
  append_watermark_value(b, watermark);
  b += ",,,,";
  append_int(b, processing_time);
  b += ",,,,,,";
  end_row();
}

void WatermarkTrace::write_status(std::int64_t arrival, std::int32_t partition, bool idle,
                                  std::int64_t combined_watermark, std::int64_t partition_watermark,
                                  std::int64_t processing_time) {
  std::string& b = buffer_;
  b += idle ? "idle," : "active,";
  append_int(b, arrival);
  b += ',';
  append_int(b, partition);
  b += ",,,";
  append_watermark_value(b, combined_watermark);
  b += ',';
  append_watermark_value(b, partition_watermark);
  b += ",,,";
  append_int(b, processing_time);
  b += ",,,,,,";
  end_row();
}

void WatermarkTrace::write_window(std::int64_t arrival, const WindowResult& r,
                                  std::int64_t processing_time) {
  std::string& b = buffer_;
  b += "window,";
  append_int(b, arrival);
  b += ",,,,";
  append_watermark_value(b, r.watermark);
  b += ",,,,";
  append_int(b, processing_time);
  b += ',';
  append_int(b, r.window_start);
  b += ',';
  append_int(b, r.window_end);
  b += ',';
  append_csv_field(b, r.key);
  b += ',';
  append_int(b, r.count);
  b += ',';
  append_int(b, r.firing);
  b += ',';
  b += to_string(r.cause);
  end_row();
}

core::Status WatermarkTrace::close() {
  if (file_ == nullptr) return {};
  if (!failed_ && !buffer_.empty() &&
      std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    failed_ = true;
    error_ = errno;
  }
  buffer_.clear();
  if (std::fclose(file_) != 0 && !failed_) {
    failed_ = true;
    error_ = errno;
  }
  file_ = nullptr;
  if (failed_) {
    return {core::StatusCode::kIo, "writing the watermark trace " + core::quoted(path_) +
                                       " failed: " + std::strerror(error_)};
  }
  return {};
}

// ---- reading ----

namespace {

enum Column {
  kKind,
  kArrival,
  kPartition,
  kOffset,
  kEventTime,
  kWatermark,
  kPartitionWatermark,
  kLate,
  kDropped,
  kProcessingTime,
  kWindowStart,
  kWindowEnd,
  kKey,
  kCount,
  kFiring,
  kCause,
  kColumns
};
constexpr std::array<std::string_view, kColumns> kColumnNames = {"kind",
                                                                 "arrival",
                                                                 "partition",
                                                                 "offset",
                                                                 "event_time",
                                                                 "watermark",
                                                                 "partition_watermark",
                                                                 "late",
                                                                 "dropped",
                                                                 "processing_time",
                                                                 "window_start",
                                                                 "window_end",
                                                                 "key",
                                                                 "count",
                                                                 "firing",
                                                                 "cause"};

// Splits one CSV row starting at `pos` (RFC 4180 quoting; quoted fields may hold newlines).
// Advances pos past the row's line end and `line` by the physical lines it spans.
bool next_row(std::string_view text, std::size_t& pos, std::vector<std::string>& fields,
              std::size_t& lines_spanned, std::string& error) {
  fields.clear();
  lines_spanned = 1;
  std::string field;
  bool quoted = false;
  bool after_quote = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"') {
          field += '"';
          pos += 2;
          continue;
        }
        quoted = false;
        after_quote = true;
      } else {
        if (c == '\n') ++lines_spanned;
        field += c;
      }
      ++pos;
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      after_quote = false;
      ++pos;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      ++pos;
      fields.push_back(std::move(field));
      return true;
    } else if (c == '"' && field.empty() && !after_quote) {
      quoted = true;
      ++pos;
    } else {
      if (after_quote) {
        error = "unexpected text after a closing quote";
        return false;
      }
      field += c;
      ++pos;
    }
  }
  if (quoted) {
    error = "a quoted field is not closed before the end of the file";
    return false;
  }
  fields.push_back(std::move(field));
  return true;
}

class RowParser {
 public:
  RowParser(std::string_view source, std::size_t line, const std::vector<std::string>& fields,
            const std::array<int, kColumns>& index)
      : source_(source), line_(line), fields_(fields), index_(index) {}

  std::string_view text(Column c) const {
    const int i = index_[c];
    return i < 0 ? std::string_view() : std::string_view(fields_[static_cast<std::size_t>(i)]);
  }

  core::Status error(Column c, std::string_view what) const {
    return core::malformed(where() + ", column '" + std::string(kColumnNames[c]) +
                           "': " + core::quoted(text(c)) + " " + std::string(what));
  }
  std::string where() const { return std::string(source_) + " line " + std::to_string(line_); }

  core::Status integer(Column c, std::int64_t& out) const {
    const std::string_view t = text(c);
    const auto r = std::from_chars(t.data(), t.data() + t.size(), out);
    if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size()) {
      return error(c, "is not an integer");
    }
    return {};
  }
  core::Status optional_integer(Column c, std::int64_t& out, std::int64_t absent) const {
    if (text(c).empty()) {
      out = absent;
      return {};
    }
    return integer(c, out);
  }
  core::Status watermark(Column c, std::int64_t& out) const {
    if (index_[c] < 0) {  // an optional column the file does not have
      out = kNoWatermark;
      return {};
    }
    const std::string_view t = text(c);
    if (t == "none") {
      out = kNoWatermark;
      return {};
    }
    if (t == "max") {
      out = kMaxWatermark;
      return {};
    }
    if (core::Status st = integer(c, out); !st.ok()) {
      return error(c, "is not a watermark (epoch ms, none or max)");
    }
    return {};
  }
  core::Status flag(Column c, bool& out) const {
    const std::string_view t = text(c);
    if (t == "0" || t == "1") {
      out = t == "1";
      return {};
    }
    return error(c, "is not 0 or 1");
  }
  core::Status partition(std::int32_t& out) const {
    std::int64_t v = 0;
    TIDEMARK_RETURN_IF_ERROR(integer(kPartition, v));
    if (v < 0 || v > std::numeric_limits<std::int32_t>::max()) {
      return error(kPartition, "is not a partition number");
    }
    out = static_cast<std::int32_t>(v);
    return {};
  }

 private:
  std::string_view source_;
  std::size_t line_;
  const std::vector<std::string>& fields_;
  const std::array<int, kColumns>& index_;
};

core::Status parse_row(const RowParser& p, TraceData& data) {
  const std::string_view kind = p.text(kKind);
  if (kind == "record") {
    TraceRecord r;
    TIDEMARK_RETURN_IF_ERROR(p.integer(kArrival, r.arrival));
    TIDEMARK_RETURN_IF_ERROR(p.partition(r.partition));
    TIDEMARK_RETURN_IF_ERROR(p.optional_integer(kOffset, r.offset, -1));
    TIDEMARK_RETURN_IF_ERROR(p.integer(kEventTime, r.event_time));
    TIDEMARK_RETURN_IF_ERROR(p.watermark(kWatermark, r.watermark));
    TIDEMARK_RETURN_IF_ERROR(p.watermark(kPartitionWatermark, r.partition_watermark));
    TIDEMARK_RETURN_IF_ERROR(p.flag(kLate, r.late));
    if (!p.text(kDropped).empty()) {
      bool dropped = false;
      TIDEMARK_RETURN_IF_ERROR(p.flag(kDropped, dropped));
      r.dropped = dropped ? TraceDropped::kDropped : TraceDropped::kKept;
    }
    TIDEMARK_RETURN_IF_ERROR(p.optional_integer(kProcessingTime, r.processing_time, 0));
    data.records.push_back(r);
  } else if (kind == "watermark") {
    TraceWatermark w;
    TIDEMARK_RETURN_IF_ERROR(p.integer(kArrival, w.arrival));
    TIDEMARK_RETURN_IF_ERROR(p.watermark(kWatermark, w.watermark));
    TIDEMARK_RETURN_IF_ERROR(p.optional_integer(kProcessingTime, w.processing_time, 0));
    data.watermarks.push_back(w);
  } else if (kind == "idle" || kind == "active") {
    TracePartitionStatus s;
    s.idle = kind == "idle";
    TIDEMARK_RETURN_IF_ERROR(p.integer(kArrival, s.arrival));
    TIDEMARK_RETURN_IF_ERROR(p.partition(s.partition));
    TIDEMARK_RETURN_IF_ERROR(p.optional_integer(kProcessingTime, s.processing_time, 0));
    data.statuses.push_back(s);
  } else if (kind == "window") {
    TraceWindow w;
    TIDEMARK_RETURN_IF_ERROR(p.integer(kArrival, w.arrival));
    TIDEMARK_RETURN_IF_ERROR(p.watermark(kWatermark, w.result.watermark));
    TIDEMARK_RETURN_IF_ERROR(p.optional_integer(kProcessingTime, w.processing_time, 0));
    TIDEMARK_RETURN_IF_ERROR(p.integer(kWindowStart, w.result.window_start));
    TIDEMARK_RETURN_IF_ERROR(p.integer(kWindowEnd, w.result.window_end));
    w.result.key = std::string(p.text(kKey));
    TIDEMARK_RETURN_IF_ERROR(p.integer(kCount, w.result.count));
    std::int64_t firing = 1;
    TIDEMARK_RETURN_IF_ERROR(p.optional_integer(kFiring, firing, 1));
    if (firing < 1 || firing > std::numeric_limits<std::int32_t>::max()) {
      return p.error(kFiring, "is not a firing number (1, 2, ...)");
    }
    w.result.firing = static_cast<std::int32_t>(firing);
    const std::string_view cause = p.text(kCause);
    if (cause.empty() || cause == "watermark") {
      w.result.cause = FiringCause::kWatermark;
    } else if (cause == "late-record") {
      w.result.cause = FiringCause::kLateRecord;
    } else if (cause == "end-of-input") {
      w.result.cause = FiringCause::kEndOfInput;
    } else {
      return p.error(kCause, "is not a firing cause (watermark, late-record, end-of-input)");
    }
    data.windows.push_back(std::move(w));
  } else {
    return p.error(kKind, "is not a row kind (record, watermark, idle, active, window)");
  }
  return {};
}

}  // namespace

core::Result<TraceData> parse_watermark_trace(std::string_view text, std::string_view source) {
  const std::string name(source);
  if (text.empty()) {
    return core::malformed(name + " is empty; a watermark trace starts with the header " +
                           std::string(kTraceHeader));
  }
  std::size_t pos = 0;
  std::size_t line = 1;
  std::size_t spanned = 1;
  std::vector<std::string> fields;
  std::string error;
  if (!next_row(text, pos, fields, spanned, error)) {
    return core::malformed(name + " line 1: " + error);
  }
  std::array<int, kColumns> index;
  index.fill(-1);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    for (std::size_t c = 0; c < kColumns; ++c) {
      if (fields[i] == kColumnNames[c] && index[c] < 0) index[c] = static_cast<int>(i);
    }
  }
  // The columns every kind needs; the rest may be absent (read as empty).
  for (const Column c : {kKind, kArrival, kPartition, kEventTime, kWatermark, kLate}) {
    if (index[c] < 0) {
      return core::malformed(name + " line 1: not a tidemark watermark trace: the header has no '" +
                             std::string(kColumnNames[c]) + "' column (expected " +
                             std::string(kTraceHeader) + ")");
    }
  }
  const std::size_t width = fields.size();
  line += spanned;

  TraceData data;
  while (pos < text.size()) {
    const std::size_t row_line = line;
    if (!next_row(text, pos, fields, spanned, error)) {
      return core::malformed(name + " line " + std::to_string(row_line) + ": " + error);
    }
    line += spanned;
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (fields.size() != width) {
      return core::malformed(name + " line " + std::to_string(row_line) + ": expected " +
                             std::to_string(width) + " fields as in the header, found " +
                             std::to_string(fields.size()));
    }
    TIDEMARK_RETURN_IF_ERROR(parse_row(RowParser(name, row_line, fields, index), data));
  }
  return data;
}

core::Result<TraceData> read_watermark_trace(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return core::Status(core::StatusCode::kIo,
                        "watermark trace " + core::quoted(path) + " is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) {
      return core::not_found("watermark trace " + core::quoted(path) + " does not exist");
    }
    return core::Status(core::StatusCode::kIo, "cannot open the watermark trace " +
                                                   core::quoted(path) + ": " + std::strerror(err));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return core::Status(core::StatusCode::kIo,
                        "reading the watermark trace " + core::quoted(path) + " failed");
  }
  return parse_watermark_trace(content.str(), path);
}

}  // namespace tidemark::consumer
