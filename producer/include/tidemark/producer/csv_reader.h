// Reading and writing CSV files, above all the NYC green-taxi trip files that labs replay
// (`--from-csv FILE`) and write (`--csv-out FILE`); ../shared/reference/green-taxi-csv.md
// describes them.
//
// Three layers:
//  * CsvReader: a streaming RFC 4180 reader. Plain or gzip-compressed input (detected by the gzip
//    magic bytes, so `.csv.gz` is read directly), comma separator, double-quoted fields with ""
//    escapes and embedded commas and line breaks, CRLF or LF line ends, a UTF-8 byte-order mark at
//    the start, a last line without a line break. Fields are string_views into a reused buffer:
//    no allocation per field or per record once the buffer and the field vector have grown.
//  * TaxiCsvSource: finds the seven columns labs keep by header name (so the 2019 20-column layout
//    and the older 19-column one both work; extra columns are ignored), converts each row to a
//    core::TaxiTrip and applies the bad-row policy (`--on-bad-row fail|skip`).
//  * TaxiCsvWriter: writes generated trips in the 2019 20-column layout that TaxiCsvSource reads
//    back exactly.
//
// (The three live in one header because they share one file format; TaxiCsvSource and
// TaxiCsvWriter are thin.) None of these classes is thread-safe: use each from one thread at a
// time. Errors are returned, never thrown; every message starts with the file name and, for a
// row, the line number: "green.csv:17: ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/events.h"
#include "tidemark/core/status.h"

namespace tidemark::producer {

// ---- generic CSV --------------------------------------------------------------------------------

// One record. The views point into the reader's buffer and stay valid until the next call to
// CsvReader::next_record (or until the reader is destroyed); copy what must outlive that.
struct CsvRecord {
  std::vector<std::string_view> fields;  // quotes removed, "" unescaped to "
  std::uint64_t line = 0;                // 1-based physical line on which the record starts
};

struct CsvReaderOptions {
  // The first record is the header: open() reads it and header() returns its names.
  bool has_header = true;
  // Bytes asked of the input per read (more while a long partial record is buffered, so that
  // rescanning it stays linear). Small values are for tests of records split across reads.
  std::size_t buffer_size = 256 * 1024;
  // A record longer than this is a stream error (kOutOfRange), so an unterminated quote in a
  // huge file cannot buffer the whole file.
  std::size_t max_record_bytes = 16 * 1024 * 1024;
};

class CsvReader {
 public:
  // Opens a file: plain text, or gzip (one or more members) recognised by its magic bytes
  // whatever its name; "-" is standard input (named "<stdin>" in messages). Errors: kNotFound (no
  // such file), kIo (any other open/read failure, a directory), both naming the path and the
  // system's reason; with has_header, kMalformed for an empty file or a header that is not valid
  // CSV.
  static core::Result<std::unique_ptr<CsvReader>> open(const std::string& path,
                                                       const CsvReaderOptions& options = {});
  // Reads CSV text held in memory (tests, the fuzz target); `name` stands in for the path in
  // messages. The data is copied. gzip data is not recognised here.
  static core::Result<std::unique_ptr<CsvReader>> from_string(std::string_view data,
                                                              std::string name = "<memory>",
                                                              const CsvReaderOptions& options = {});

  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `record` (reusing its capacity). Returns true for a record, false
  // at the end of the input. Lines that are completely empty are skipped (they still count for
  // line numbers). Errors come in two kinds:
  //  * row errors, kMalformed: a quote inside an unquoted field, text after a closing quote, a
  //    carriage return not followed by a line feed, a quote left open at the end of the input.
  //    The message is "NAME:LINE: what". The reader has skipped to the end of that line, so the
  //    caller may call next_record again to go on (failed() stays false).
  //  * stream errors: a read error or corrupt/truncated gzip data (kIo, kMalformed), a record
  //    longer than max_record_bytes (kOutOfRange). failed() becomes true and every later call
  //    returns the same error.
  core::Result<bool> next_record(CsvRecord& record);

  // True after a stream error: nothing more can be read.
  bool failed() const noexcept { return !fatal_.ok(); }

  // The header's names (empty without has_header), copied out of the buffer at open().
  const std::vector<std::string>& header() const noexcept { return header_; }
  // The index of the first header column named `name`: an exact match, else the first match that
  // ignores ASCII case and surrounding spaces.
  std::optional<std::size_t> column_index(std::string_view name) const;

  const std::string& name() const noexcept { return name_; }
  // The physical line the reader has reached: the number of line breaks consumed, plus one.
  std::uint64_t line() const noexcept { return line_; }

  class Source;  // where the bytes come from; defined in csv_reader.cc

 private:
  CsvReader(std::unique_ptr<Source> source, std::string name, const CsvReaderOptions& options);
  core::Status init();
  core::Status refill();
  core::Status fail(core::Status status);
  bool skip_to_next_line();  // false: needs a refill first
  enum class Scan { kRecord, kEnd, kNeedMore, kError };
  Scan scan(CsvRecord& record, core::Status& error);

  std::unique_ptr<Source> source_;
  std::string name_;
  CsvReaderOptions options_;
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // start of unconsumed data
  std::size_t end_ = 0;    // end of valid data
  bool eof_ = false;       // the source has no more data beyond end_
  bool resync_ = false;    // after a row error: drop input up to and including the next '\n'
  std::uint64_t line_ = 1;
  std::vector<std::size_t> unescape_;  // indices of fields with "" inside (reused)
  std::vector<std::string> header_;
  core::Status fatal_;
};

// Appends `field` to `out` as one CSV field, quoted (with " doubled) only when it contains a
// comma, a quote, a CR or an LF.
void append_csv_field(std::string& out, std::string_view field);
// Appends a whole record and "\n". A record of one empty field is written as "" (an empty line
// would be skipped by CsvReader); a record of no fields is not representable and writes nothing.
void append_csv_record(std::string& out, std::span<const std::string_view> fields);

// ---- green-taxi trips ---------------------------------------------------------------------------

// What to do with a row that does not convert (`--on-bad-row`).
enum class BadRowPolicy : std::uint8_t {
  kFail,  // the default: the row's error ends the read
  kSkip,  // count the row, remember its message for the summary, go on
};
// "fail" or "skip"; anything else -> kInvalidArgument naming the text.
core::Result<BadRowPolicy> parse_bad_row_policy(std::string_view text);
std::string_view bad_row_policy_name(BadRowPolicy policy) noexcept;

struct TaxiCsvOptions {
  BadRowPolicy on_bad_row = BadRowPolicy::kFail;
  std::size_t max_remembered_errors = 5;  // how many skipped rows' messages stats() keeps
  CsvReaderOptions csv;                   // has_header is forced on
};

struct TaxiCsvStats {
  std::uint64_t rows_read = 0;            // data rows seen, good and bad (the header is not a row)
  std::uint64_t rows_skipped = 0;         // bad rows skipped under BadRowPolicy::kSkip
  std::vector<std::string> first_errors;  // the first max_remembered_errors skipped rows' messages
};

// The seven columns, by header name, in TaxiTrip order.
inline constexpr std::string_view kTaxiCsvColumns[] = {
    "lpep_pickup_datetime", "lpep_dropoff_datetime", "PULocationID", "DOLocationID",
    "passenger_count",      "trip_distance",         "tip_amount"};

// Reads TaxiTrips from a green-taxi CSV file (plain or gzip).
//
// Conversion of each row:
//  * a row must have as many fields as the header, else it is bad;
//  * datetimes: core::parse_datetime ("YYYY-MM-DD HH:MM:SS", optional fraction), read as UTC;
//  * PULocationID, DOLocationID, passenger_count: a decimal int32 and nothing else ("1" yes;
//    "1.0", "+1", " 1" no: a value that is not an integer is reported, never truncated);
//  * trip_distance, tip_amount: a finite decimal ("5.88", ".70", "-1.5", "1e3"; not "nan");
//  * a blank passenger_count is std::nullopt; any other blank kept column makes the row bad.
// A bad row's message: "FILE:LINE: what (column NAME, value 'X')", the value cut to 64 bytes
// and non-printable bytes written as \xNN. CSV syntax errors are bad rows too.
class TaxiCsvSource {
 public:
  // Errors: those of CsvReader::open; kInvalidArgument naming the file and every kept column the
  // header lacks.
  static core::Result<std::unique_ptr<TaxiCsvSource>> open(const std::string& path,
                                                           const TaxiCsvOptions& options = {});
  // Same over an already opened reader (which must have read a header).
  static core::Result<std::unique_ptr<TaxiCsvSource>> from_reader(
      std::unique_ptr<CsvReader> reader, const TaxiCsvOptions& options = {});

  // The next trip, or std::nullopt at the end of the file. Under kFail a bad row returns
  // kMalformed with the row's message (calling next() again goes on after that row); under kSkip
  // bad rows are counted in stats() and passed over. Stream errors (see CsvReader::next_record)
  // are returned under either policy and repeat on every later call.
  core::Result<std::optional<core::TaxiTrip>> next();

  const TaxiCsvStats& stats() const noexcept { return stats_; }
  const CsvReader& reader() const noexcept { return *reader_; }

 private:
  TaxiCsvSource(std::unique_ptr<CsvReader> reader, const TaxiCsvOptions& options,
                std::size_t columns[7]);
  core::Status convert(core::TaxiTrip& trip) const;
  core::Status bad_row(core::Status error);  // applies the policy; OK means "skipped"

  std::unique_ptr<CsvReader> reader_;
  TaxiCsvOptions options_;
  std::size_t columns_[7];
  std::size_t field_count_;
  CsvRecord record_;
  TaxiCsvStats stats_;
};

// Writes TaxiTrips as a green-taxi CSV file in the 2019 20-column layout, header first. The seven
// kept columns hold exactly the trip's values (times with ".mmm" only when ms != 0, doubles in
// their shortest exact form), so TaxiCsvSource reads back an equal trip. The other 13 columns are
// filled plausibly and deterministically from the trip: a trip without passenger_count is written
// like a dispatch trip (VendorID, store_and_fwd_flag, RatecodeID, passenger_count, payment_type,
// trip_type blank); fares follow the 2019 meter (2.50 + 2.50/mile + 0.25/min) and total_amount is
// their sum; ehail_fee is always blank; congestion_surcharge is 0 or 2.75.
class TaxiCsvWriter {
 public:
  // The header line without line break.
  static std::string_view header();

  // Creates or truncates `path`; a name ending in ".gz" is written gzip-compressed; "-" is
  // standard output (never compressed). Errors: kNotFound / kIo naming the path and the reason.
  static core::Result<std::unique_ptr<TaxiCsvWriter>> create(const std::string& path);

  // Appends one row. Errors: kOutOfRange for a time outside years 0000..9999, kInvalidArgument
  // for a non-finite double (neither would read back); kIo when a buffered write fails.
  core::Status write(const core::TaxiTrip& trip);
  // Flushes and closes; kIo naming the path if any write failed. Idempotent.
  core::Status close();
  // Closes, ignoring errors: call close() to see them.
  ~TaxiCsvWriter();
  TaxiCsvWriter(const TaxiCsvWriter&) = delete;
  TaxiCsvWriter& operator=(const TaxiCsvWriter&) = delete;

  std::uint64_t rows_written() const noexcept { return rows_written_; }

  // Appends one row (with "\n") to `out`; the same checks as write().
  static core::Status append_row(std::string& out, const core::TaxiTrip& trip);

  class Sink;  // where the bytes go; defined in csv_reader.cc

 private:
  TaxiCsvWriter(std::unique_ptr<Sink> sink, std::string path);
  core::Status flush();

  std::unique_ptr<Sink> sink_;
  std::string path_;
  std::string buffer_;
  std::uint64_t rows_written_ = 0;
  core::Status error_;
  bool closed_ = false;
};

}  // namespace tidemark::producer
