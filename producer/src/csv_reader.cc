#include "tidemark/producer/csv_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <system_error>
#include <utility>

#include "tidemark/core/time.h"

namespace tidemark::producer {

using core::Result;
using core::Status;
using core::StatusCode;
using core::quoted;

namespace {

std::string describe_byte(char c) {
  if (c == ' ') return "a space";
  if (c >= 0x21 && c <= 0x7e) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

Status os_error(const char* what, const std::string& path, int err) {
  return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kIo,
                std::string("cannot ") + what + " '" + path + "': " + std::strerror(err));
}

// Bytes that end an unquoted field or are not allowed in one.
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>(',')] = true;
  t[static_cast<unsigned char>('\n')] = true;
  t[static_cast<unsigned char>('\r')] = true;
  t[static_cast<unsigned char>('"')] = true;
  return t;
}();

std::uint64_t count_newlines(const char* p, const char* e) noexcept {
  std::uint64_t n = 0;
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p))))) {
    ++n;
    ++p;
  }
  return n;
}

bool ascii_iequal_trimmed(std::string_view a, std::string_view b) noexcept {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  a = trim(a);
  b = trim(b);
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

// ---- input sources ------------------------------------------------------------------------------

class CsvReader::Source {
 public:
  virtual ~Source() = default;
  // Reads up to n (> 0) bytes into dst; 0 only at the end of the input. The error message names
  // the input.
  virtual Result<std::size_t> read(char* dst, std::size_t n) = 0;
};

namespace {

// zlib's gz* functions read gzip (several members too) and pass anything else through
// unchanged ("transparent" mode, reading straight into our buffer), so one source serves both.
class GzFileSource final : public CsvReader::Source {
 public:
  GzFileSource(gzFile file, std::string path) : file_(file), path_(std::move(path)) {}
  ~GzFileSource() override { gzclose(file_); }

  Result<std::size_t> read(char* dst, std::size_t n) override {
    const auto want = static_cast<unsigned>(std::min<std::size_t>(n, INT_MAX));
    errno = 0;
    const int got = gzread(file_, dst, want);
    int errnum = Z_OK;
    const char* msg = gzerror(file_, &errnum);
    if (got < 0 || (got == 0 && errnum != Z_OK)) {
      if (errnum == Z_ERRNO) return os_error("read", path_, errno != 0 ? errno : EIO);
      if (errnum == Z_BUF_ERROR) {
        return core::malformed("cannot read '" + path_ +
                               "': the gzip data is truncated (unexpected end of file)");
      }
      return core::malformed("cannot read '" + path_ + "': corrupt gzip data (" +
                             (msg != nullptr ? msg : "unknown zlib error") + ")");
    }
    return static_cast<std::size_t>(got);
  }

 private:
  gzFile file_;
  std::string path_;
};

class MemorySource final : public CsvReader::Source {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  Result<std::size_t> read(char* dst, std::size_t n) override {
    const std::size_t k = std::min(n, data_.size() - pos_);
    if (k != 0) std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  std::size_t pos_ = 0;
};

}  // namespace

// ---- CsvReader ----------------------------------------------------------------------------------

CsvReader::CsvReader(std::unique_ptr<Source> source, std::string name,
                     const CsvReaderOptions& options)
    : source_(std::move(source)), name_(std::move(name)), options_(options) {
  if (options_.buffer_size == 0) options_.buffer_size = 1;
  if (options_.max_record_bytes == 0) options_.max_record_bytes = 1;
  capacity_ = std::max<std::size_t>(options_.buffer_size, 4096);
  buf_ = std::make_unique<char[]>(capacity_);
}

CsvReader::~CsvReader() = default;

Result<std::unique_ptr<CsvReader>> CsvReader::open(const std::string& path,
                                                   const CsvReaderOptions& options) {
  int fd;
  std::string name = path;
  if (path == "-") {
    fd = ::fcntl(0, F_DUPFD_CLOEXEC, 0);
    name = "<stdin>";
  } else {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) return os_error("open", name, errno);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return os_error("read", name, EISDIR);
  }
  gzFile file = gzdopen(fd, "rb");
  if (file == nullptr) {
    ::close(fd);
    return os_error("open", name, ENOMEM);
  }
  gzbuffer(file, 128 * 1024);  // zlib's input buffer for compressed data; before the first read
  std::unique_ptr<CsvReader> reader(
      new CsvReader(std::make_unique<GzFileSource>(file, name), name, options));
  TIDEMARK_RETURN_IF_ERROR(reader->init());
  return reader;
}

Result<std::unique_ptr<CsvReader>> CsvReader::from_string(std::string_view data, std::string name,
                                                          const CsvReaderOptions& options) {
  std::unique_ptr<CsvReader> reader(
      new CsvReader(std::make_unique<MemorySource>(data), std::move(name), options));
  TIDEMARK_RETURN_IF_ERROR(reader->init());
  return reader;
}

Status CsvReader::init() {
  // A byte-order mark is only meaningful as the very first bytes of the input.
  while (end_ - begin_ < 3 && !eof_) TIDEMARK_RETURN_IF_ERROR(refill());
  if (end_ - begin_ >= 3 && std::memcmp(buf_.get() + begin_, "\xEF\xBB\xBF", 3) == 0) begin_ += 3;
  if (!options_.has_header) return Status();

  CsvRecord record;
  Result<bool> got = next_record(record);
  if (!got.ok()) return got.status();
  if (!*got) return core::malformed(name_ + ": empty file (expected a header row)");
  header_.assign(record.fields.begin(), record.fields.end());
  return Status();
}

Status CsvReader::fail(Status status) {
  fatal_ = std::move(status);
  return fatal_;
}

Status CsvReader::refill() {
  if (eof_) return Status();
  const std::size_t kept = end_ - begin_;
  if (begin_ != 0) {
    if (kept != 0) std::memmove(buf_.get(), buf_.get() + begin_, kept);
    begin_ = 0;
    end_ = kept;
  }
  if (kept >= options_.max_record_bytes) {
    return fail(Status(StatusCode::kOutOfRange, name_ + ":" + std::to_string(line_) +
                                                    ": record longer than " +
                                                    std::to_string(options_.max_record_bytes) +
                                                    " bytes (is a quote left open?)"));
  }
  if (end_ == capacity_) {
    const std::size_t grown = capacity_ * 2;
    auto bigger = std::make_unique<char[]>(grown);
    std::memcpy(bigger.get(), buf_.get(), end_);
    buf_ = std::move(bigger);
    capacity_ = grown;
  }
  // Read at least as much as is already buffered, so that rescanning a long partial record
  // after each read stays linear overall.
  const std::size_t want = std::min(capacity_ - end_, std::max(options_.buffer_size, kept));
  Result<std::size_t> got = source_->read(buf_.get() + end_, want);
  if (!got.ok()) return fail(got.status());
  if (*got == 0) eof_ = true;
  end_ += *got;
  return Status();
}

bool CsvReader::skip_to_next_line() {
  const char* p = buf_.get() + begin_;
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end_ - begin_));
  if (nl != nullptr) {
    begin_ = static_cast<std::size_t>(nl + 1 - buf_.get());
    ++line_;
    resync_ = false;
    return true;
  }
  begin_ = end_;
  if (eof_) {
    resync_ = false;
    return true;
  }
  return false;
}

// Scans one record from begin_. Nothing is modified until the whole record is in the buffer, so
// a kNeedMore simply restarts the scan after the refill. Blank lines before the record are
// consumed as they are passed.
CsvReader::Scan CsvReader::scan(CsvRecord& record, Status& error) {
  char* const base = buf_.get();
  const char* p = base + begin_;
  const char* const e = base + end_;

  auto row_error = [&](const char* at, std::uint64_t line, const std::string& what) {
    error = core::malformed(name_ + ":" + std::to_string(line) + ": " + what);
    begin_ = static_cast<std::size_t>(at - base);
    line_ = line;
    resync_ = true;
    return Scan::kError;
  };

  for (;;) {  // blank lines
    if (p == e) {
      begin_ = end_;
      return eof_ ? Scan::kEnd : Scan::kNeedMore;
    }
    if (*p == '\n') {
      ++p;
      ++line_;
    } else if (*p == '\r') {
      if (p + 1 == e) {
        if (!eof_) {
          begin_ = static_cast<std::size_t>(p - base);
          return Scan::kNeedMore;
        }
        ++p;  // a CR at the very end: a CRLF cut short
      } else if (p[1] == '\n') {
        p += 2;
        ++line_;
      } else {
        return row_error(p, line_, "carriage return not followed by a line feed");
      }
    } else {
      break;
    }
  }
  begin_ = static_cast<std::size_t>(p - base);

  record.fields.clear();
  record.line = line_;
  unescape_.clear();
  std::uint64_t lines = 0;  // line breaks consumed in this record so far

  for (;;) {  // one field per iteration
    const std::size_t field_number = record.fields.size() + 1;
    if (p < e && *p == '"') {
      const std::uint64_t open_line = line_ + lines;
      const char* const content = p + 1;
      const char* q = content;
      bool escaped = false;
      const char* close;
      for (;;) {
        close = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(e - q)));
        if (close == nullptr) {
          if (!eof_) return Scan::kNeedMore;
          error = core::malformed(name_ + ":" + std::to_string(open_line) + ": quoted field " +
                                  std::to_string(field_number) +
                                  " is not closed at the end of the input");
          line_ = line_ + lines + count_newlines(q, e);
          begin_ = end_;
          resync_ = false;
          return Scan::kError;
        }
        if (close + 1 == e && !eof_) return Scan::kNeedMore;  // a "" may straddle the reads
        lines += count_newlines(q, close);
        if (close + 1 < e && close[1] == '"') {
          escaped = true;
          q = close + 2;
          continue;
        }
        break;
      }
      if (escaped) unescape_.push_back(record.fields.size());
      record.fields.emplace_back(content, static_cast<std::size_t>(close - content));
      p = close + 1;
      if (p == e) break;  // eof_ (checked above): the last record
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p == '\n') {
        ++p;
        ++lines;
        break;
      }
      if (*p == '\r') {
        if (p + 1 == e) {
          if (!eof_) return Scan::kNeedMore;
          ++p;
          break;
        }
        if (p[1] == '\n') {
          p += 2;
          ++lines;
          break;
        }
        return row_error(p, line_ + lines, "carriage return not followed by a line feed");
      }
      return row_error(p, line_ + lines,
                       "unexpected " + describe_byte(*p) + " after the closing quote of field " +
                           std::to_string(field_number) + " (expected a comma or a line end)");
    }

    const char* const start = p;
    while (p < e && !kSpecial[static_cast<unsigned char>(*p)]) ++p;
    if (p == e) {
      if (!eof_) return Scan::kNeedMore;
      record.fields.emplace_back(start, static_cast<std::size_t>(p - start));
      break;
    }
    if (*p == '"') {
      return row_error(p, line_ + lines,
                       "stray '\"' inside unquoted field " + std::to_string(field_number) +
                           " (a field with quotes must be quoted, each quote doubled)");
    }
    if (*p == '\r') {
      if (p + 1 == e && !eof_) return Scan::kNeedMore;
      if (p + 1 < e && p[1] != '\n') {
        return row_error(p, line_ + lines, "carriage return not followed by a line feed");
      }
    }
    record.fields.emplace_back(start, static_cast<std::size_t>(p - start));
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p == '\r') ++p;  // CRLF, or a CR at the very end
    if (p < e) {          // the '\n'
      ++p;
      ++lines;
    }
    break;
  }

  begin_ = static_cast<std::size_t>(p - base);
  line_ += lines;
  for (std::size_t index : unescape_) {
    std::string_view& field = record.fields[index];
    char* const d = base + (field.data() - base);
    const char* r = d;
    const char* const end = d + field.size();
    char* w = d;
    while (r < end) {
      const char c = *r;
      *w++ = c;
      r += c == '"' ? 2 : 1;  // inside quotes, quotes come in pairs
    }
    field = std::string_view(d, static_cast<std::size_t>(w - d));
  }
  return Scan::kRecord;
}

Result<bool> CsvReader::next_record(CsvRecord& record) {
  if (!fatal_.ok()) return fatal_;
  for (;;) {
    if (resync_ && !skip_to_next_line()) {
      TIDEMARK_RETURN_IF_ERROR(refill());
      continue;
    }
    Status error;
    switch (scan(record, error)) {
      case Scan::kRecord:
        return true;
      case Scan::kEnd:
        record.fields.clear();
        return false;
      case Scan::kError:
        return error;
      case Scan::kNeedMore:
        TIDEMARK_RETURN_IF_ERROR(refill());
        break;
    }
  }
}

std::optional<std::size_t> CsvReader::column_index(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (ascii_iequal_trimmed(header_[i], name)) return i;
  }
  return std::nullopt;
}

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_csv_record(std::string& out, std::span<const std::string_view> fields) {
  if (fields.empty()) return;
  if (fields.size() == 1 && fields[0].empty()) {
    out += "\"\"\n";
    return;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) out += ',';
    append_csv_field(out, fields[i]);
  }
  out += '\n';
}

// ---- TaxiCsvSource ------------------------------------------------------------------------------

Result<BadRowPolicy> parse_bad_row_policy(std::string_view text) {
  if (text == "fail") return BadRowPolicy::kFail;
  if (text == "skip") return BadRowPolicy::kSkip;
  return core::invalid_argument("invalid bad-row policy " + quoted(text) +
                                " (expected fail or skip)");
}

std::string_view bad_row_policy_name(BadRowPolicy policy) noexcept {
  return policy == BadRowPolicy::kSkip ? "skip" : "fail";
}

TaxiCsvSource::TaxiCsvSource(std::unique_ptr<CsvReader> reader, const TaxiCsvOptions& options,
                             std::size_t columns[7])
    : reader_(std::move(reader)), options_(options), field_count_(reader_->header().size()) {
  std::copy(columns, columns + 7, columns_);
}

Result<std::unique_ptr<TaxiCsvSource>> TaxiCsvSource::open(const std::string& path,
                                                           const TaxiCsvOptions& options) {
  CsvReaderOptions csv = options.csv;
  csv.has_header = true;
  Result<std::unique_ptr<CsvReader>> reader = CsvReader::open(path, csv);
  if (!reader.ok()) return reader.status();
  return from_reader(std::move(reader).value(), options);
}

Result<std::unique_ptr<TaxiCsvSource>> TaxiCsvSource::from_reader(std::unique_ptr<CsvReader> reader,
                                                                  const TaxiCsvOptions& options) {
  std::size_t columns[7];
  std::string missing;
  std::string all;
  for (std::size_t i = 0; i < 7; ++i) {
    const std::optional<std::size_t> index = reader->column_index(kTaxiCsvColumns[i]);
    if (index) columns[i] = *index;
    if (!index) missing += (missing.empty() ? "" : ", ") + std::string(kTaxiCsvColumns[i]);
    all += (i == 0 ? "" : ", ") + std::string(kTaxiCsvColumns[i]);
  }
  if (!missing.empty()) {
    return core::invalid_argument(reader->name() + ": the header lacks column" +
                                  (missing.find(',') != std::string::npos ? "s " : " ") + missing +
                                  " (a green-taxi trip file needs " + all + ")");
  }
  return std::unique_ptr<TaxiCsvSource>(new TaxiCsvSource(std::move(reader), options, columns));
}

Status TaxiCsvSource::bad_row(Status error) {
  if (options_.on_bad_row == BadRowPolicy::kFail) return error;
  ++stats_.rows_skipped;
  if (stats_.first_errors.size() < options_.max_remembered_errors) {
    stats_.first_errors.push_back(error.message());
  }
  return Status();
}

Status TaxiCsvSource::convert(core::TaxiTrip& trip) const {
  const std::vector<std::string_view>& f = record_.fields;
  auto where = [&] { return reader_->name() + ":" + std::to_string(record_.line) + ": "; };
  if (f.size() != field_count_) {
    return core::malformed(where() + "expected " + std::to_string(field_count_) +
                           " fields (as in the header), found " + std::to_string(f.size()));
  }
  auto bad = [&](std::size_t i, std::string_view what) {
    const std::size_t c = columns_[i];
    return core::malformed(where() + std::string(what) + " (column " + reader_->header()[c] +
                           ", value " + quoted(f[c]) + ")");
  };

  for (std::size_t i = 0; i < 2; ++i) {
    const std::string_view v = f[columns_[i]];
    if (v.empty()) return bad(i, "blank value");
    Result<std::int64_t> t = core::parse_datetime(v);
    if (!t.ok()) return bad(i, "invalid date-time (expected YYYY-MM-DD HH:MM:SS)");
    (i == 0 ? trip.lpep_pickup_datetime : trip.lpep_dropoff_datetime) = *t;
  }
  for (std::size_t i = 2; i < 5; ++i) {
    const std::string_view v = f[columns_[i]];
    if (v.empty()) {
      if (i == 4) {
        trip.passenger_count.reset();
        continue;
      }
      return bad(i, "blank value");
    }
    std::int32_t n = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc::result_out_of_range) return bad(i, "integer out of the int32 range");
    if (ec != std::errc() || ptr != v.data() + v.size()) return bad(i, "not an integer");
    if (i == 2) trip.pu_location_id = n;
    if (i == 3) trip.do_location_id = n;
    if (i == 4) trip.passenger_count = n;
  }
  for (std::size_t i = 5; i < 7; ++i) {
    const std::string_view v = f[columns_[i]];
    if (v.empty()) return bad(i, "blank value");
    double d = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec == std::errc::result_out_of_range) return bad(i, "number out of the double range");
    if (ec != std::errc() || ptr != v.data() + v.size()) return bad(i, "not a decimal number");
    if (!std::isfinite(d)) return bad(i, "not a finite number");
    (i == 5 ? trip.trip_distance : trip.tip_amount) = d;
  }
  return Status();
}

Result<std::optional<core::TaxiTrip>> TaxiCsvSource::next() {
  for (;;) {
    Result<bool> got = reader_->next_record(record_);
    if (!got.ok()) {
      if (reader_->failed()) return got.status();
      ++stats_.rows_read;
      TIDEMARK_RETURN_IF_ERROR(bad_row(got.status()));
      continue;
    }
    if (!*got) return std::optional<core::TaxiTrip>();
    ++stats_.rows_read;
    core::TaxiTrip trip;
    Status converted = convert(trip);
    if (converted.ok()) return std::optional<core::TaxiTrip>(trip);
    TIDEMARK_RETURN_IF_ERROR(bad_row(std::move(converted)));
  }
}

// ---- TaxiCsvWriter ------------------------------------------------------------------------------

class TaxiCsvWriter::Sink {
 public:
  virtual ~Sink() = default;
  virtual Status write(const char* data, std::size_t n) = 0;
  virtual Status close() = 0;  // idempotent
};

namespace {

class FdSink final : public TaxiCsvWriter::Sink {
 public:
  FdSink(int fd, bool owned, std::string path) : fd_(fd), owned_(owned), path_(std::move(path)) {}
  ~FdSink() override { (void)close(); }

  Status write(const char* data, std::size_t n) override {
    while (n != 0) {
      const ssize_t w = ::write(fd_, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return os_error("write", path_, errno);
      }
      data += w;
      n -= static_cast<std::size_t>(w);
    }
    return Status();
  }
  Status close() override {
    if (fd_ < 0 || !owned_) return Status();
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0 && errno != EINTR) return os_error("write", path_, errno);
    return Status();
  }

 private:
  int fd_;
  bool owned_;
  std::string path_;
};

class GzSink final : public TaxiCsvWriter::Sink {
 public:
  GzSink(gzFile file, std::string path) : file_(file), path_(std::move(path)) {}
  ~GzSink() override { (void)close(); }

  Status write(const char* data, std::size_t n) override {
    while (n != 0) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30));
      errno = 0;
      if (gzwrite(file_, data, chunk) <= 0) return error();
      data += chunk;
      n -= chunk;
    }
    return Status();
  }
  Status close() override {
    if (file_ == nullptr) return Status();
    errno = 0;
    const int rc = gzclose(file_);
    file_ = nullptr;
    if (rc == Z_ERRNO) return os_error("write", path_, errno != 0 ? errno : EIO);
    if (rc != Z_OK) return Status(StatusCode::kIo, "cannot write '" + path_ + "': zlib error");
    return Status();
  }

 private:
  Status error() {
    int errnum = Z_OK;
    const char* msg = gzerror(file_, &errnum);
    if (errnum == Z_ERRNO) return os_error("write", path_, errno != 0 ? errno : EIO);
    return Status(StatusCode::kIo, "cannot write '" + path_ + "': " + (msg ? msg : "zlib error"));
  }
  gzFile file_;
  std::string path_;
};

constexpr std::string_view kTaxiHeader =
    "VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,"
    "PULocationID,DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,"
    "tip_amount,tolls_amount,ehail_fee,improvement_surcharge,total_amount,payment_type,"
    "trip_type,congestion_surcharge";

constexpr std::size_t kFlushBytes = 256 * 1024;

template <typename T>
void append_number(std::string& out, T value) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;  // 64 bytes hold any int and any double's shortest form
  out.append(buf, static_cast<std::size_t>(ptr - buf));
}

// Money in the derived columns: cents, shortest form ("19.3", "0.5", "18").
void append_money(std::string& out, double value) {
  value = std::round(value * 100) / 100;
  if (!std::isfinite(value)) value = 0;
  if (value == 0) value = 0;  // no "-0"
  append_number(out, value);
}

}  // namespace

TaxiCsvWriter::TaxiCsvWriter(std::unique_ptr<Sink> sink, std::string path)
    : sink_(std::move(sink)), path_(std::move(path)) {
  buffer_.reserve(kFlushBytes + 512);
  buffer_.append(kTaxiHeader);
  buffer_ += '\n';
}

TaxiCsvWriter::~TaxiCsvWriter() { (void)close(); }

std::string_view TaxiCsvWriter::header() { return kTaxiHeader; }

Result<std::unique_ptr<TaxiCsvWriter>> TaxiCsvWriter::create(const std::string& path) {
  if (path == "-") {
    return std::unique_ptr<TaxiCsvWriter>(
        new TaxiCsvWriter(std::make_unique<FdSink>(1, false, "<stdout>"), "<stdout>"));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return os_error("create", path, errno);
  std::unique_ptr<Sink> sink;
  if (path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
    gzFile file = gzdopen(fd, "wb6");
    if (file == nullptr) {
      ::close(fd);
      return os_error("create", path, ENOMEM);
    }
    gzbuffer(file, 128 * 1024);
    sink = std::make_unique<GzSink>(file, path);
  } else {
    sink = std::make_unique<FdSink>(fd, true, path);
  }
  return std::unique_ptr<TaxiCsvWriter>(new TaxiCsvWriter(std::move(sink), path));
}

Status TaxiCsvWriter::append_row(std::string& out, const core::TaxiTrip& trip) {
  const std::int64_t pickup = trip.lpep_pickup_datetime;
  const std::int64_t dropoff = trip.lpep_dropoff_datetime;
  if (!core::is_formattable(pickup) || !core::is_formattable(dropoff)) {
    return core::out_of_range("taxi trip time outside years 0000..9999: pickup " +
                              std::to_string(pickup) + " ms, dropoff " + std::to_string(dropoff) +
                              " ms");
  }
  if (!std::isfinite(trip.trip_distance) || !std::isfinite(trip.tip_amount)) {
    return core::invalid_argument("taxi trip with a non-finite trip_distance or tip_amount");
  }

  const bool dispatch = !trip.passenger_count.has_value();
  // Derived, plausible 2019 values; a hash of the locations keeps them deterministic.
  const auto mix = static_cast<std::uint32_t>(trip.pu_location_id) * 2654435761u ^
                   static_cast<std::uint32_t>(trip.do_location_id) * 40503u;
  const double minutes = std::max<double>(0, static_cast<double>(dropoff - pickup) / 60000.0);
  const double fare = 2.5 + 2.5 * std::max(0.0, trip.trip_distance) + 0.25 * minutes;
  const std::int64_t hour = ((pickup % 86400000) + 86400000) % 86400000 / 3600000;
  const double extra = hour >= 20 || hour < 6 ? 0.5 : (hour >= 16 ? 1.0 : 0.0);
  const double congestion = (mix >> 7) % 4 == 0 ? 2.75 : 0.0;
  const double total =
      std::round(fare * 100) / 100 + extra + 0.5 + trip.tip_amount + 0.3 + congestion;

  if (!dispatch) out += (mix >> 3) % 2 == 0 ? '1' : '2';  // VendorID
  out += ',';
  core::append_datetime(out, pickup);
  out += ',';
  core::append_datetime(out, dropoff);
  out += dispatch ? ",,," : ",N,1,";  // store_and_fwd_flag, RatecodeID
  append_number(out, trip.pu_location_id);
  out += ',';
  append_number(out, trip.do_location_id);
  out += ',';
  if (!dispatch) append_number(out, *trip.passenger_count);
  out += ',';
  append_number(out, trip.trip_distance);
  out += ',';
  append_money(out, fare);
  out += ',';
  append_money(out, extra);
  out += ",0.5,";  // mta_tax
  append_number(out, trip.tip_amount);
  out += ",0,,0.3,";  // tolls_amount, ehail_fee (always blank), improvement_surcharge
  append_money(out, total);
  out += ',';
  if (!dispatch) out += trip.tip_amount > 0 ? "1,1," : "2,1,";  // payment_type, trip_type
  if (dispatch) out += ",,";
  append_money(out, congestion);
  out += '\n';
  return Status();
}

Status TaxiCsvWriter::write(const core::TaxiTrip& trip) {
  if (closed_) return core::internal_error("TaxiCsvWriter::write after close ('" + path_ + "')");
  if (!error_.ok()) return error_;
  TIDEMARK_RETURN_IF_ERROR(append_row(buffer_, trip));
  ++rows_written_;
  if (buffer_.size() >= kFlushBytes) return flush();
  return Status();
}

Status TaxiCsvWriter::flush() {
  if (error_.ok() && !buffer_.empty()) error_ = sink_->write(buffer_.data(), buffer_.size());
  buffer_.clear();
  return error_;
}

Status TaxiCsvWriter::close() {
  if (closed_) return error_;
  closed_ = true;
  (void)flush();
  Status closed = sink_->close();
  if (error_.ok()) error_ = std::move(closed);
  return error_;
}

}  // namespace tidemark::producer
