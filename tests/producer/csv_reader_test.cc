#include "tidemark/producer/csv_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tidemark/core/events.h"
#include "tidemark/core/time.h"
#include "tidemark/testing/corpus.h"

namespace tidemark::producer {
namespace {

using core::StatusCode;
using core::TaxiTrip;

const char kHeader2019[] =
    "VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,"
    "PULocationID,DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,"
    "tip_amount,tolls_amount,ehail_fee,improvement_surcharge,total_amount,payment_type,"
    "trip_type,congestion_surcharge";

std::string DataPath(std::string_view name) {
  return std::string(TIDEMARK_TEST_DATA_DIR) + "/" + std::string(name);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh path in the test's temporary directory.
std::string TempPath(std::string_view name) {
  static int counter = 0;
  return ::testing::TempDir() + "tidemark_csv_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + "_" + std::string(name);
}

void GzipTo(const std::string& path, std::string_view bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

std::int64_t Ms(std::string_view datetime) {
  auto r = core::parse_datetime(datetime);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.value_or(0);
}

std::vector<std::string> Strings(const CsvRecord& record) {
  return {record.fields.begin(), record.fields.end()};
}

// Everything a reader yields, in order: records (with their start line) and row errors; a stream
// error ends the list.
struct Item {
  bool error = false;
  std::uint64_t line = 0;
  std::vector<std::string> fields;
  std::string message;
  friend bool operator==(const Item&, const Item&) = default;
};

std::ostream& operator<<(std::ostream& os, const Item& item) {
  if (item.error) return os << "error{" << item.message << "}";
  os << "record{line " << item.line << ":";
  for (const auto& f : item.fields) os << " [" << f << "]";
  return os << "}";
}

// Reads to the end. Each call must consume input, so more calls than bytes means a loop.
std::vector<Item> ReadAll(CsvReader& reader, std::size_t input_size) {
  std::vector<Item> items;
  CsvRecord record;
  for (std::size_t calls = 0;; ++calls) {
    if (calls > input_size + 2) {
      ADD_FAILURE() << "reader does not make progress";
      break;
    }
    auto got = reader.next_record(record);
    if (!got.ok()) {
      items.push_back({true, 0, {}, got.status().to_string()});
      if (reader.failed()) break;
      continue;
    }
    if (!*got) break;
    for (auto f : record.fields) {  // every view lies inside the record's buffer: touch it all
      volatile char sink = 0;
      for (char c : f) sink = static_cast<char>(sink ^ c);
    }
    items.push_back({false, record.line, Strings(record), {}});
  }
  return items;
}

std::vector<Item> ReadAll(std::string_view data, std::size_t buffer_size = 256 * 1024,
                          std::size_t max_record_bytes = 16 * 1024 * 1024) {
  CsvReaderOptions options;
  options.has_header = false;
  options.buffer_size = buffer_size;
  options.max_record_bytes = max_record_bytes;
  auto reader = CsvReader::from_string(data, "mem.csv", options);
  if (!reader.ok()) return {{true, 0, {}, reader.status().to_string()}};
  return ReadAll(**reader, data.size());
}

Item Rec(std::uint64_t line, std::vector<std::string> fields) {
  return {false, line, std::move(fields), {}};
}

// ---- CsvReader: RFC 4180 ------------------------------------------------------------------------

TEST(CsvReader, ReadsHeaderNamesAndRecords) {
  auto reader = CsvReader::from_string("a,b,c\n1,2,3\n4,5,6\n", "x.csv");
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  EXPECT_EQ((*reader)->header(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ReadAll(**reader, 100),
            (std::vector<Item>{Rec(2, {"1", "2", "3"}), Rec(3, {"4", "5", "6"})}));
}

TEST(CsvReader, KeepsEmptyFieldsIncludingTrailingOnes) {
  EXPECT_EQ(ReadAll(",a,,b,\n,\n"),
            (std::vector<Item>{Rec(1, {"", "a", "", "b", ""}), Rec(2, {"", ""})}));
  EXPECT_EQ(ReadAll("a,"), (std::vector<Item>{Rec(1, {"a", ""})}));
}

TEST(CsvReader, UnquotesFieldsWithCommasNewlinesAndEscapedQuotes) {
  const std::string data =
      "\"a,b\",\"line1\nline2\",\"say \"\"hi\"\"\",\"\",\"\"\"\"\n"
      "\"crlf\r\ninside\",plain\n";
  EXPECT_EQ(ReadAll(data),
            (std::vector<Item>{Rec(1, {"a,b", "line1\nline2", "say \"hi\"", "", "\""}),
                               Rec(3, {"crlf\r\ninside", "plain"})}));
}

TEST(CsvReader, AcceptsCrlfAndLfLineEndsMixed) {
  EXPECT_EQ(ReadAll("a,b\r\nc,d\ne,\"f\"\r\ng,h"),
            (std::vector<Item>{Rec(1, {"a", "b"}), Rec(2, {"c", "d"}), Rec(3, {"e", "f"}),
                               Rec(4, {"g", "h"})}));
}

TEST(CsvReader, ReadsLastLineWithoutLineBreak) {
  EXPECT_EQ(ReadAll("a\nb"), (std::vector<Item>{Rec(1, {"a"}), Rec(2, {"b"})}));
  EXPECT_EQ(ReadAll("a\n\"b\""), (std::vector<Item>{Rec(1, {"a"}), Rec(2, {"b"})}));
  EXPECT_EQ(ReadAll("a\r"), (std::vector<Item>{Rec(1, {"a"})}));  // a CRLF cut short
}

TEST(CsvReader, SkipsUtf8ByteOrderMarkOnlyAtTheStart) {
  auto reader = CsvReader::from_string("\xEF\xBB\xBFid,name\n1,\xEF\xBB\xBFx\n", "bom.csv");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->header(), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(ReadAll(**reader, 100), (std::vector<Item>{Rec(2, {"1", "\xEF\xBB\xBFx"})}));
  EXPECT_EQ(ReadAll("\xEF\xBB\xBF"), std::vector<Item>{});
}

TEST(CsvReader, SkipsBlankLinesButCountsThem) {
  EXPECT_EQ(ReadAll("\n\r\na\n\n\nb\n\n"), (std::vector<Item>{Rec(3, {"a"}), Rec(6, {"b"})}));
  EXPECT_EQ(ReadAll("\"\"\n"), (std::vector<Item>{Rec(1, {""})}));  // a quoted empty field is data
}

TEST(CsvReader, NumbersEachRecordByThePhysicalLineItStartsOn) {
  EXPECT_EQ(ReadAll("a,\"1\n2\n3\"\nb,c\n\"x\r\ny\"\nz"),
            (std::vector<Item>{Rec(1, {"a", "1\n2\n3"}), Rec(4, {"b", "c"}), Rec(5, {"x\r\ny"}),
                               Rec(7, {"z"})}));
}

TEST(CsvReader, ColumnIndexPrefersExactNameThenIgnoresCaseAndSpaces) {
  auto reader = CsvReader::from_string("Lpep_Dropoff_Datetime, PULocationID ,x,X\n", "h.csv");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->column_index("lpep_dropoff_datetime"), 0u);
  EXPECT_EQ((*reader)->column_index("PULocationID"), 1u);
  EXPECT_EQ((*reader)->column_index("X"), 3u);
  EXPECT_EQ((*reader)->column_index("x"), 2u);
  EXPECT_EQ((*reader)->column_index("nope"), std::nullopt);
}

// ---- CsvReader: errors --------------------------------------------------------------------------

TEST(CsvReader, ReportsStrayQuoteWithLineNumberAndGoesOnAtTheNextLine) {
  const auto items = ReadAll("a,b\nc,d\"e,f\ng,h\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0], Rec(1, {"a", "b"}));
  EXPECT_TRUE(items[1].error);
  EXPECT_EQ(items[1].message,
            "malformed: mem.csv:2: stray '\"' inside unquoted field 2 (a field with quotes must be "
            "quoted, each quote doubled)");
  EXPECT_EQ(items[2], Rec(3, {"g", "h"}));
}

TEST(CsvReader, ReportsTextAfterClosingQuote) {
  const auto items = ReadAll("\"multi\nline\"x,1\nok\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].message,
            "malformed: mem.csv:2: unexpected 'x' after the closing quote of field 1 (expected a "
            "comma or a line end)");
  EXPECT_EQ(items[1], Rec(3, {"ok"}));
}

TEST(CsvReader, ReportsCarriageReturnWithoutLineFeed) {
  const auto items = ReadAll("a\rb\nc\n\"q\"\rz\nd\n");
  ASSERT_EQ(items.size(), 4u);
  EXPECT_NE(items[0].message.find("mem.csv:1: carriage return not followed by a line feed"),
            std::string::npos);
  EXPECT_EQ(items[1], Rec(2, {"c"}));
  EXPECT_NE(items[2].message.find("mem.csv:3: carriage return"), std::string::npos);
  EXPECT_EQ(items[3], Rec(4, {"d"}));
}

TEST(CsvReader, ReportsUnterminatedQuoteAtTheLineWhereItOpened) {
  const auto items = ReadAll("a\nb,\"open\nstill\nopen");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0], Rec(1, {"a"}));
  EXPECT_EQ(items[1].message,
            "malformed: mem.csv:2: quoted field 2 is not closed at the end of the input");
}

TEST(CsvReader, RecordLongerThanTheLimitIsAStreamError) {
  CsvReaderOptions options;
  options.has_header = false;
  options.buffer_size = 16;
  options.max_record_bytes = 100;
  auto reader = CsvReader::from_string("ok\n\"" + std::string(1000, 'x'), "big.csv", options);
  ASSERT_TRUE(reader.ok());
  CsvRecord record;
  EXPECT_TRUE((*reader)->next_record(record).value_or(false));
  auto got = (*reader)->next_record(record);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(got.status().message().find("big.csv:2: record longer than 100 bytes"),
            std::string::npos);
  EXPECT_TRUE((*reader)->failed());
  EXPECT_EQ((*reader)->next_record(record).status(), got.status());  // sticky
}

TEST(CsvReader, EmptyFileHasNoHeader) {
  auto reader = CsvReader::from_string("", "empty.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kMalformed);
  EXPECT_EQ(reader.status().message(), "empty.csv: empty file (expected a header row)");
}

TEST(CsvReader, MissingFileIsNotFoundNamingThePath) {
  const std::string path = TempPath("does-not-exist.csv");
  auto reader = CsvReader::open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(reader.status().message(), "cannot open '" + path + "': No such file or directory");
}

TEST(CsvReader, DirectoryIsAnIoError) {
  auto reader = CsvReader::open(::testing::TempDir());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kIo);
  EXPECT_NE(reader.status().message().find("Is a directory"), std::string::npos);
}

TEST(CsvReader, PathThroughARegularFileIsAnIoError) {
  const std::string file = TempPath("plain.csv");
  WriteBytes(file, "a\n");
  auto reader = CsvReader::open(file + "/x.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kIo);
  EXPECT_EQ(reader.status().message(), "cannot open '" + file + "/x.csv': Not a directory");
}

TEST(CsvReader, UnreadableFileIsAnIoErrorNamingThePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read a file without permissions";
  const std::string path = TempPath("secret.csv");
  WriteBytes(path, "a\n1\n");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  auto reader = CsvReader::open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kIo);
  EXPECT_EQ(reader.status().message(), "cannot open '" + path + "': Permission denied");
}

// ---- CsvReader: gzip ----------------------------------------------------------------------------

TEST(CsvReader, ReadsGzipRecognisedByMagicBytesWhateverTheName) {
  const std::string sample = ReadBytes(DataPath("green_tripdata_sample.csv"));
  const auto plain = CsvReader::open(DataPath("green_tripdata_sample.csv"));
  ASSERT_TRUE(plain.ok());
  const auto expected = ReadAll(**plain, sample.size());
  for (const char* name : {"sample.csv.gz", "sample-without-suffix.csv"}) {
    const std::string path = TempPath(name);
    GzipTo(path, sample);
    auto reader = CsvReader::open(path);
    ASSERT_TRUE(reader.ok()) << reader.status().to_string();
    EXPECT_EQ((*reader)->header(), (*plain)->header());
    EXPECT_EQ(ReadAll(**reader, sample.size()), expected) << name;
  }
}

TEST(CsvReader, ReadsConcatenatedGzipMembers) {
  const std::string path = TempPath("two-members.csv.gz");
  GzipTo(path, "a,b\n1,2\n");
  const std::string first = ReadBytes(path);
  GzipTo(path, "3,4\n");
  WriteBytes(path, first + ReadBytes(path));
  auto reader = CsvReader::open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(ReadAll(**reader, 100), (std::vector<Item>{Rec(2, {"1", "2"}), Rec(3, {"3", "4"})}));
}

TEST(CsvReader, TruncatedGzipIsAStreamError) {
  std::string rows = "a,b\n";
  for (int i = 0; i < 5000; ++i) rows += std::to_string(i) + ",x\n";
  const std::string path = TempPath("cut.csv.gz");
  GzipTo(path, rows);
  const std::string gz = ReadBytes(path);
  WriteBytes(path, gz.substr(0, gz.size() / 2));
  auto reader = CsvReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  const auto items = ReadAll(**reader, rows.size());
  ASSERT_FALSE(items.empty());
  EXPECT_TRUE(items.back().error);
  EXPECT_NE(items.back().message.find("the gzip data is truncated"), std::string::npos)
      << items.back().message;
  EXPECT_TRUE((*reader)->failed());
}

TEST(CsvReader, CorruptGzipIsAStreamError) {
  std::string rows = "a,b\n";
  for (int i = 0; i < 5000; ++i) rows += std::to_string(i) + ",x\n";
  const std::string path = TempPath("corrupt.csv.gz");
  GzipTo(path, rows);
  std::string gz = ReadBytes(path);
  for (std::size_t i = 20; i < gz.size() - 8; i += 7) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  WriteBytes(path, gz);
  auto reader = CsvReader::open(path);
  std::string message;
  if (!reader.ok()) {
    message = reader.status().message();
  } else {
    const auto items = ReadAll(**reader, rows.size());
    ASSERT_FALSE(items.empty());
    message = items.back().message;
    EXPECT_TRUE((*reader)->failed());
  }
  EXPECT_NE(message.find("corrupt gzip data"), std::string::npos) << message;
}

// ---- CsvReader: robustness ----------------------------------------------------------------------

TEST(CsvReader, YieldsTheSameRecordsAndErrorsForEveryReadSize) {
  const std::vector<std::string> inputs = {
      ReadBytes(DataPath("green_tripdata_sample.csv")),
      ReadBytes(DataPath("green_tripdata_bad_rows.csv")),
      "a,\"b\"\"c\",\"\"\"\"\"\"\r\n\"x\ny\"\r\n\r\n\n,,\"\r\",\"\"\"\rz\n\"open",
      "\"q\"x\nr\"s\nt\ru\n\"\"\"\n",
  };
  for (const std::string& input : inputs) {
    const auto expected = ReadAll(input);
    for (std::size_t size = 1; size <= 70; ++size) {
      EXPECT_EQ(ReadAll(input, size), expected) << "read size " << size;
    }
  }
}

TEST(CsvReader, RoundTripsArbitraryFieldsWrittenByAppendCsvRecord) {
  // Web events' strings hold quotes, line breaks, every control byte, NUL, UTF-8 and a BOM.
  std::vector<std::vector<std::string>> records;
  for (const core::Event& event : testing::corpus(core::EventType::kWeb, 7, 300)) {
    const auto& web = std::get<core::WebEvent>(event);
    records.push_back({std::to_string(records.size()), web.url, web.referrer, web.user_agent,
                       web.host, web.ip, web.geodata.country, web.geodata.city});
  }
  records.push_back({std::to_string(records.size()), "", "", ""});
  std::string csv;
  for (const auto& r : records) {
    std::vector<std::string_view> views(r.begin(), r.end());
    append_csv_record(csv, views);
  }
  const std::vector<std::string_view> lone_empty = {""};
  append_csv_record(csv, lone_empty);

  for (std::size_t size : {std::size_t{1}, std::size_t{13}, std::size_t{1} << 16}) {
    const auto items = ReadAll(csv, size);
    ASSERT_EQ(items.size(), records.size() + 1);
    for (std::size_t i = 0; i < records.size(); ++i) {
      EXPECT_FALSE(items[i].error) << items[i];
      EXPECT_EQ(items[i].fields, records[i]) << "record " << i;
    }
    EXPECT_EQ(items.back().fields, std::vector<std::string>{""});
  }
}

TEST(CsvReader, NeverCrashesOnRandomBytes) {
  // Every call yields a record, a row error or the end; nothing crashes or loops. The alphabet is
  // biased towards the bytes the state machine cares about.
  std::mt19937_64 rng(20261127);
  const std::string alphabet = std::string(
                                   "\"\",,\r\n\n\xEF\xBB\xBF"
                                   "ab") +
                               '\0' + "\x80\xff";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 300);
  std::uniform_int_distribution<std::size_t> read_size(1, 64);
  for (int round = 0; round < 3000; ++round) {
    std::string data(length(rng), '\0');
    const bool biased = round % 2 == 0;
    for (char& c : data) c = biased ? alphabet[pick(rng)] : static_cast<char>(byte(rng));
    const auto whole = ReadAll(data);
    ASSERT_EQ(ReadAll(data, read_size(rng), 64 * 1024), whole) << "round " << round;
    for (const Item& item : whole) {
      if (item.error) {
        EXPECT_EQ(item.message.rfind("malformed: mem.csv:", 0), 0u) << item.message;
      }
    }
    CsvReaderOptions with_header;  // the header path as well
    with_header.buffer_size = read_size(rng);
    auto reader = CsvReader::from_string(data, "mem.csv", with_header);
    if (reader.ok()) (void)ReadAll(**reader, data.size());
  }
}

TEST(CsvReader, NeverCrashesOnTruncatedInput) {
  const std::string sample = ReadBytes(DataPath("green_tripdata_sample.csv"));
  for (std::size_t n = 0; n <= sample.size(); ++n) {
    const auto items = ReadAll(std::string_view(sample).substr(0, n), 7);
    for (const Item& item : items) {
      if (item.error) {
        EXPECT_NE(item.message.find("is not closed"), std::string::npos) << item.message;
      }
    }
  }
}

// ---- TaxiCsvSource ------------------------------------------------------------------------------

std::vector<TaxiTrip> ReadTrips(TaxiCsvSource& source) {
  std::vector<TaxiTrip> trips;
  for (;;) {
    auto next = source.next();
    EXPECT_TRUE(next.ok()) << next.status().to_string();
    if (!next.ok() || !next->has_value()) break;
    trips.push_back(**next);
  }
  return trips;
}

TaxiTrip Trip(std::string_view pickup, std::string_view dropoff, int pu, int dof,
              std::optional<int> passengers, double distance, double tip) {
  return {Ms(pickup), Ms(dropoff), pu, dof, passengers, distance, tip};
}

const std::vector<TaxiTrip>& SampleTrips() {
  static const std::vector<TaxiTrip> trips = {
      Trip("2019-10-01 00:26:02", "2019-10-01 00:39:58", 112, 196, 1, 5.88, 0),
      Trip("2019-10-01 00:11:00", "2019-10-01 00:31:00", 42, 75, std::nullopt, 4.33, 0),
      Trip("2019-10-01 00:18:11", "2019-10-01 00:22:38", 43, 263, 1, 0.70, 1.7),
      Trip("2019-10-01 00:09:31", "2019-10-01 00:24:47", 255, 228, 2, 3.06, 2.76),
      Trip("2019-10-01 00:37:40", "2019-10-01 00:51:37", 74, 42, 1, 2.54, 0),
      Trip("2019-10-01 01:00:00", "2019-10-01 01:10:00", 7, 129, 1, 1.2, 0),
      Trip("2019-10-01 01:15:05", "2019-10-01 01:20:45", 97, 49, 1, 0.9, 1.46),
      Trip("2019-10-01 02:00:00", "2019-10-01 02:05:00", 166, 41, 1, 0.9, -1.5),
      Trip("2019-10-01 02:30:00", "2019-10-01 02:44:10", 65, 33, 5, 2.1, 2.46),
      Trip("2019-10-01 03:00:00", "2019-10-01 03:00:00", 264, 264, 0, 0, 0),
      Trip("2019-10-01 08:15:33", "2019-10-01 08:51:02", 181, 161, 1, 7.32, 6.41),
      Trip("2019-10-01 09:02:00", "2019-10-01 09:40:00", 244, 132, std::nullopt, 17.6, 0),
      Trip("2019-10-31 23:59:59", "2019-11-01 00:12:07", 7, 7, 6, 12.3, 0),
  };
  return trips;
}

TEST(TaxiCsvSource, ReadsSampleFileWithColumnsFoundByHeaderName) {
  // The sample has a BOM, CRLF lines, quoted fields (with a comma, a line break and escaped
  // quotes in other columns), blank dispatch fields, ".70", a negative tip, no final line break.
  auto source = TaxiCsvSource::open(DataPath("green_tripdata_sample.csv"));
  ASSERT_TRUE(source.ok()) << source.status().to_string();
  EXPECT_EQ((*source)->reader().header().size(), 20u);
  EXPECT_EQ(ReadTrips(**source), SampleTrips());
  EXPECT_EQ((*source)->stats().rows_read, 13u);
  EXPECT_EQ((*source)->stats().rows_skipped, 0u);
}

TEST(TaxiCsvSource, ReadsTheOlderNineteenColumnLayout) {
  auto source = TaxiCsvSource::open(DataPath("green_tripdata_2018_sample.csv"));
  ASSERT_TRUE(source.ok()) << source.status().to_string();
  EXPECT_EQ((*source)->reader().header().size(), 19u);
  EXPECT_EQ(ReadTrips(**source),
            (std::vector<TaxiTrip>{
                Trip("2018-10-01 00:26:02", "2018-10-01 00:39:58", 112, 196, 1, 5.88, 0),
                Trip("2018-10-01 00:18:11", "2018-10-01 00:22:38", 43, 263, std::nullopt, 0.7, 1.7),
                Trip("2018-10-01 00:09:31", "2018-10-01 00:24:47", 255, 228, 2, 3.06, 2.76)}));
}

TEST(TaxiCsvSource, FindsColumnsInAnyOrderAndIgnoresExtraColumns) {
  auto reader = CsvReader::from_string(
      "tip_amount,extra_col,DOLocationID,passenger_count,PULocationID,trip_distance,"
      "lpep_dropoff_datetime,lpep_pickup_datetime\n"
      "1.5,whatever,7,,8,2.25,2019-10-01 00:10:00,2019-10-01 00:00:00.250\n",
      "reordered.csv");
  ASSERT_TRUE(reader.ok());
  auto source = TaxiCsvSource::from_reader(std::move(reader).value());
  ASSERT_TRUE(source.ok()) << source.status().to_string();
  EXPECT_EQ(ReadTrips(**source),
            (std::vector<TaxiTrip>{{Ms("2019-10-01 00:00:00") + 250, Ms("2019-10-01 00:10:00"), 8,
                                    7, std::nullopt, 2.25, 1.5}}));
}

TEST(TaxiCsvSource, BlankPassengerCountStaysMissingNeverZero) {
  const auto& trips = SampleTrips();
  EXPECT_EQ(trips[1].passenger_count, std::nullopt);
  EXPECT_EQ(trips[9].passenger_count, 0);
  auto source = TaxiCsvSource::open(DataPath("green_tripdata_sample.csv"));
  ASSERT_TRUE(source.ok());
  const auto read = ReadTrips(**source);
  ASSERT_EQ(read.size(), trips.size());
  EXPECT_FALSE(read[1].passenger_count.has_value());
  EXPECT_FALSE(read[11].passenger_count.has_value());
  EXPECT_EQ(read[9].passenger_count, 0);
}

TEST(TaxiCsvSource, MissingColumnErrorNamesTheColumnsAndTheFile) {
  auto reader = CsvReader::from_string(
      "lpep_pickup_datetime,lpep_dropoff_datetime,DOLocationID,passenger_count,trip_distance\n",
      "old.csv");
  ASSERT_TRUE(reader.ok());
  auto source = TaxiCsvSource::from_reader(std::move(reader).value());
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source.status().message(),
            "old.csv: the header lacks columns PULocationID, tip_amount (a green-taxi trip file "
            "needs lpep_pickup_datetime, lpep_dropoff_datetime, PULocationID, DOLocationID, "
            "passenger_count, trip_distance, tip_amount)");

  const std::string path = TempPath("no_tip.csv");
  WriteBytes(
      path,
      std::string(kHeader2019).replace(std::string(kHeader2019).find("tip_amount"), 10, "tips") +
          "\n");
  auto from_file = TaxiCsvSource::open(path);
  ASSERT_FALSE(from_file.ok());
  EXPECT_EQ(from_file.status().message().rfind(path + ": the header lacks column tip_amount (", 0),
            0u)
      << from_file.status().message();
}

TEST(TaxiCsvSource, FailPolicyReportsTheFirstBadRowWithFileLineColumnAndValue) {
  const std::string path = DataPath("green_tripdata_bad_rows.csv");
  auto source = TaxiCsvSource::open(path);
  ASSERT_TRUE(source.ok()) << source.status().to_string();
  auto first = (*source)->next();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->has_value());
  auto bad = (*source)->next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kMalformed);
  EXPECT_EQ(bad.status().message(),
            path + ":3: not an integer (column passenger_count, value '1.0')");
  // The caller may go on: the next call continues after the bad row.
  auto after = (*source)->next();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((**after).pu_location_id, 43);
}

TEST(TaxiCsvSource, SkipPolicyCountsSkippedRowsAndKeepsTheFirstMessages) {
  const std::string path = DataPath("green_tripdata_bad_rows.csv");
  TaxiCsvOptions options;
  options.on_bad_row = BadRowPolicy::kSkip;
  auto source = TaxiCsvSource::open(path, options);
  ASSERT_TRUE(source.ok());
  const auto trips = ReadTrips(**source);
  ASSERT_EQ(trips.size(), 4u);
  EXPECT_EQ(trips[3].tip_amount, 6.41);
  const TaxiCsvStats& stats = (*source)->stats();
  EXPECT_EQ(stats.rows_read, 10u);
  EXPECT_EQ(stats.rows_skipped, 6u);
  EXPECT_EQ(stats.first_errors,
            (std::vector<std::string>{
                path + ":3: not an integer (column passenger_count, value '1.0')",
                path + ":5: blank value (column PULocationID, value '')",
                path + ":6: expected 20 fields (as in the header), found 19",
                path + ":7: stray '\"' inside unquoted field 6 (a field with quotes must be "
                       "quoted, each quote doubled)",
                path + ":9: invalid date-time (expected YYYY-MM-DD HH:MM:SS) (column "
                       "lpep_pickup_datetime, value '2019-13-01 00:34:00')",
            }));
}

TEST(TaxiCsvSource, ConvertsValuesStrictly) {
  struct Case {
    std::string row;    // pickup,dropoff,PU,DO,passengers,distance,tip
    std::string error;  // empty: accepted
  };
  const std::vector<Case> cases = {
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,3,.70,-1.5", ""},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,,1e3,0", ""},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,-7,2147483647,3,5.,0", ""},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1.0,1,0",
       "not an integer (column passenger_count"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,+1,2,1,1,0", "not an integer (column PULocationID"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00, 1,2,1,1,0", "not an integer (column PULocationID"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2147483648,1,1,0",
       "integer out of the int32 range (column DOLocationID, value '2147483648')"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1,nan,0",
       "not a finite number (column trip_distance"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1,1,inf",
       "not a finite number (column tip_amount"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1,1e999,0", "out of the double range"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1,1.5x,0", "not a decimal number"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1,,0", "blank value (column trip_distance"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1,1,", "blank value (column tip_amount"},
      {",2019-10-01 00:01:00,1,2,1,1,0", "blank value (column lpep_pickup_datetime"},
      {"2019-10-01T00:00:00Z,2019-10-01 00:01:00,1,2,1,1,0",
       "invalid date-time (expected YYYY-MM-DD HH:MM:SS) (column lpep_pickup_datetime"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1,1,0,extra", "expected 7 fields"},
      {"2019-10-01 00:00:00,2019-10-01 00:01:00,1,2,1,1,\"\x01\xff'\"", "value '\\x01\\xff\\'')"},
  };
  for (const Case& c : cases) {
    auto reader = CsvReader::from_string(
        "lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,passenger_count,"
        "trip_distance,tip_amount\n" +
            c.row + "\n",
        "v.csv");
    ASSERT_TRUE(reader.ok());
    auto source = TaxiCsvSource::from_reader(std::move(reader).value());
    ASSERT_TRUE(source.ok());
    auto next = (*source)->next();
    if (c.error.empty()) {
      EXPECT_TRUE(next.ok() && next->has_value()) << c.row << ": " << next.status().to_string();
    } else {
      ASSERT_FALSE(next.ok()) << c.row;
      EXPECT_EQ(next.status().message().rfind("v.csv:2: ", 0), 0u) << next.status().message();
      EXPECT_NE(next.status().message().find(c.error), std::string::npos)
          << next.status().message();
    }
  }
}

TEST(TaxiCsvSource, ReadsGzippedCopyOfTheSample) {
  const std::string path = TempPath("green_tripdata_sample.csv.gz");
  GzipTo(path, ReadBytes(DataPath("green_tripdata_sample.csv")));
  auto source = TaxiCsvSource::open(path);
  ASSERT_TRUE(source.ok()) << source.status().to_string();
  EXPECT_EQ(ReadTrips(**source), SampleTrips());
}

TEST(TaxiCsvSource, StreamErrorsEndTheReadEvenWhenSkipping) {
  std::string rows = std::string(kHeader2019) + "\n";
  for (int i = 0; i < 3000; ++i) {
    rows +=
        "2,2019-10-01 00:26:02,2019-10-01 00:39:58,N,1,112,196,1,5.88,18,0.5,0.5,0,0,,0.3,"
        "19.3,2,1,0\n";
  }
  const std::string path = TempPath("cut.csv.gz");
  GzipTo(path, rows);
  const std::string gz = ReadBytes(path);
  WriteBytes(path, gz.substr(0, gz.size() * 3 / 4));
  TaxiCsvOptions options;
  options.on_bad_row = BadRowPolicy::kSkip;
  auto source = TaxiCsvSource::open(path, options);
  ASSERT_TRUE(source.ok());
  core::Status error;
  for (int i = 0; i < 4000; ++i) {
    auto next = (*source)->next();
    if (!next.ok()) {
      error = next.status();
      break;
    }
    ASSERT_TRUE(next->has_value()) << "reached the end without noticing the truncation";
  }
  EXPECT_NE(error.message().find("the gzip data is truncated"), std::string::npos)
      << error.to_string();
  EXPECT_EQ((*source)->next().status(), error);
}

TEST(TaxiCsvSource, NeverCrashesOnMutatedInput) {
  const std::string sample = ReadBytes(DataPath("green_tripdata_bad_rows.csv"));
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> where(0, sample.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string data = sample;
    for (int k = 0; k < 1 + round % 8; ++k) data[where(rng)] = static_cast<char>(byte(rng));
    data.resize(std::min(data.size(), where(rng) + 100));
    for (BadRowPolicy policy : {BadRowPolicy::kFail, BadRowPolicy::kSkip}) {
      TaxiCsvOptions options;
      options.on_bad_row = policy;
      auto reader = CsvReader::from_string(data, "m.csv");
      if (!reader.ok()) continue;
      auto source = TaxiCsvSource::from_reader(std::move(reader).value(), options);
      if (!source.ok()) {
        EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
        continue;
      }
      for (std::size_t calls = 0; calls <= data.size() + 2; ++calls) {
        auto next = (*source)->next();
        if (!next.ok()) {
          EXPECT_EQ(policy, BadRowPolicy::kFail);
          EXPECT_EQ(next.status().code(), StatusCode::kMalformed);
          EXPECT_EQ(next.status().message().rfind("m.csv:", 0), 0u);
          continue;
        }
        if (!next->has_value()) break;
      }
      EXPECT_LE((*source)->stats().first_errors.size(), 5u);
    }
  }
}

TEST(TaxiCsvSource, ParsesBadRowPolicyNames) {
  EXPECT_EQ(parse_bad_row_policy("fail").value_or(BadRowPolicy::kSkip), BadRowPolicy::kFail);
  EXPECT_EQ(parse_bad_row_policy("skip").value_or(BadRowPolicy::kFail), BadRowPolicy::kSkip);
  auto bad = parse_bad_row_policy("ignore");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'ignore'"), std::string::npos);
  EXPECT_EQ(bad_row_policy_name(BadRowPolicy::kSkip), "skip");
  EXPECT_EQ(TaxiCsvOptions{}.on_bad_row, BadRowPolicy::kFail);
}

// ---- TaxiCsvWriter ------------------------------------------------------------------------------

std::vector<TaxiTrip> GeneratedTrips(std::size_t n) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> start(Ms("2019-10-01 00:00:00"),
                                                    Ms("2019-11-01 00:00:00"));
  std::uniform_int_distribution<std::int64_t> duration(0, 3 * 3600 * 1000);
  std::uniform_int_distribution<int> location(1, 265);
  std::uniform_int_distribution<int> passengers(-1, 6);
  std::uniform_real_distribution<double> real(0, 30);
  std::vector<TaxiTrip> trips;
  for (std::size_t i = 0; i < n; ++i) {
    TaxiTrip t;
    t.lpep_pickup_datetime = start(rng);
    if (i % 3 == 0) t.lpep_pickup_datetime -= t.lpep_pickup_datetime % 1000;  // whole seconds
    t.lpep_dropoff_datetime = t.lpep_pickup_datetime + duration(rng);
    t.pu_location_id = location(rng);
    t.do_location_id = location(rng);
    const int p = passengers(rng);
    if (p >= 0) t.passenger_count = p;
    t.trip_distance =
        i % 2 == 0 ? std::round(real(rng) * 100) / 100 : real(rng);  // full digits too
    t.tip_amount =
        i % 5 == 0 ? -std::round(real(rng) * 10) / 100 : std::round(real(rng) * 10) / 100;
    trips.push_back(t);
  }
  return trips;
}

std::vector<TaxiTrip> WriteAndReadBack(const std::string& path,
                                       const std::vector<TaxiTrip>& trips) {
  auto writer = TaxiCsvWriter::create(path);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  if (!writer.ok()) return {};
  for (const TaxiTrip& trip : trips) {
    const core::Status written = (*writer)->write(trip);
    EXPECT_TRUE(written.ok()) << written.to_string() << " " << testing::describe(trip);
  }
  EXPECT_EQ((*writer)->rows_written(), trips.size());
  EXPECT_TRUE((*writer)->close().ok());
  auto source = TaxiCsvSource::open(path);
  EXPECT_TRUE(source.ok()) << source.status().to_string();
  if (!source.ok()) return {};
  return ReadTrips(**source);
}

TEST(TaxiCsvWriter, RoundTripsAThousandGeneratedTripsExactly) {
  const auto trips = GeneratedTrips(1000);
  for (const char* name : {"trips.csv", "trips.csv.gz"}) {
    const std::string path = TempPath(name);
    const auto read = WriteAndReadBack(path, trips);
    ASSERT_EQ(read.size(), trips.size()) << name;
    for (std::size_t i = 0; i < trips.size(); ++i) {
      ASSERT_EQ(read[i], trips[i]) << name << " row " << i << ": " << testing::describe(trips[i]);
    }
    const std::string bytes = ReadBytes(path);
    EXPECT_EQ(bytes.size() >= 2 && bytes[0] == '\x1f' && bytes[1] == '\x8b',
              std::string_view(name).ends_with(".gz"));
  }
}

TEST(TaxiCsvWriter, RoundTripsTheSharedCorpusWithinTheFormattableRange) {
  std::vector<TaxiTrip> trips;
  for (const core::Event& event : testing::corpus(core::EventType::kTaxi)) {
    const auto& t = std::get<TaxiTrip>(event);
    if (core::is_formattable(t.lpep_pickup_datetime) &&
        core::is_formattable(t.lpep_dropoff_datetime) && std::isfinite(t.trip_distance) &&
        std::isfinite(t.tip_amount)) {
      trips.push_back(t);
    }
  }
  ASSERT_GT(trips.size(), 100u);
  const auto read = WriteAndReadBack(TempPath("corpus.csv"), trips);
  ASSERT_EQ(read.size(), trips.size());
  for (std::size_t i = 0; i < trips.size(); ++i) {
    EXPECT_EQ(read[i], trips[i]) << testing::describe(trips[i]) << " read back as "
                                 << testing::describe(read[i]);
  }
}

TEST(TaxiCsvWriter, WritesTheTwentyColumnLayoutWithDispatchBlanks) {
  EXPECT_EQ(TaxiCsvWriter::header(), kHeader2019);
  std::string out;
  ASSERT_TRUE(TaxiCsvWriter::append_row(
                  out, Trip("2019-10-01 00:26:02", "2019-10-01 00:39:58", 112, 196, 1, 5.88, 0))
                  .ok());
  ASSERT_TRUE(TaxiCsvWriter::append_row(out, Trip("2019-10-01 00:11:00", "2019-10-01 00:31:00", 42,
                                                  75, std::nullopt, 4.33, 0.5))
                  .ok());
  auto reader = CsvReader::from_string(std::string(kHeader2019) + "\n" + out, "w.csv");
  ASSERT_TRUE(reader.ok());
  CsvRecord r;
  ASSERT_TRUE((*reader)->next_record(r).value_or(false));
  ASSERT_EQ(r.fields.size(), 20u);
  EXPECT_TRUE(r.fields[0] == "1" || r.fields[0] == "2");
  EXPECT_EQ(r.fields[3], "N");
  EXPECT_EQ(r.fields[7], "1");
  EXPECT_EQ(r.fields[14], "");  // ehail_fee
  EXPECT_TRUE(r.fields[19] == "0" || r.fields[19] == "2.75");
  // fare 2.50 + 2.50 * 5.88 + 0.25 * 13.93 min = 20.68; total adds extra 0.5, mta 0.5, 0.3.
  EXPECT_EQ(r.fields[9], "20.68");
  ASSERT_TRUE((*reader)->next_record(r).value_or(false));
  ASSERT_EQ(r.fields.size(), 20u);
  for (int blank : {0, 3, 4, 7, 14, 17, 18}) EXPECT_EQ(r.fields[blank], "") << "column " << blank;
  EXPECT_EQ(r.fields[12], "0.5");
}

TEST(TaxiCsvWriter, RejectsTripsThatWouldNotReadBack) {
  std::string out;
  TaxiTrip far = SampleTrips()[0];
  far.lpep_dropoff_datetime = core::kMaxFormattableMillis + 1;
  EXPECT_EQ(TaxiCsvWriter::append_row(out, far).code(), StatusCode::kOutOfRange);
  TaxiTrip nan = SampleTrips()[0];
  nan.tip_amount = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(TaxiCsvWriter::append_row(out, nan).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, "");

  const std::string path = TempPath("rejects.csv");
  auto writer = TaxiCsvWriter::create(path);
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE((*writer)->write(nan).ok());
  EXPECT_TRUE((*writer)->write(SampleTrips()[0]).ok());
  EXPECT_TRUE((*writer)->close().ok());
  auto source = TaxiCsvSource::open(path);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(ReadTrips(**source), std::vector<TaxiTrip>{SampleTrips()[0]});
}

TEST(TaxiCsvWriter, ReportsAPathThatCannotBeCreated) {
  const std::string path = TempPath("no-such-dir") + "/trips.csv";
  auto writer = TaxiCsvWriter::create(path);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(writer.status().message(), "cannot create '" + path + "': No such file or directory");
}

}  // namespace
}  // namespace tidemark::producer
