// Fuzzes the CSV reader (producer/csv_reader.h) and the taxi-row conversion on top of it.
//
// Input: one byte of options, then the CSV text. Option bits: 0 = has_header; 1..3 choose the
// read size (1, 2, 3, 7, 16, 64, 1024 bytes or the default), so records split across reads at
// every offset; 4 = read the text as taxi trips (TaxiCsvSource) instead of raw records; 5 = the
// taxi bad-row policy (skip, else fail). max_record_bytes is small (4 KiB) so the over-long-record
// path is reached. Checked, beyond no crash and no sanitizer report: a row error leaves the reader
// usable and a stream error repeats on every later call; record line numbers never go backwards;
// every error message starts with the reader's name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "tidemark/producer/csv_reader.h"

using namespace tidemark;

namespace {

constexpr std::size_t kReadSizes[8] = {1, 2, 3, 7, 16, 64, 1024, 256 * 1024};
constexpr const char* kName = "fuzz.csv";

void check_message(const core::Status& status) {
  TIDEMARK_FUZZ_CHECK(status.message().rfind(kName, 0) == 0, "message does not name the input: %s",
                      status.message().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t options_byte = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  producer::CsvReaderOptions options;
  options.has_header = (options_byte & 1) != 0;
  options.buffer_size = kReadSizes[(options_byte >> 1) & 7];
  options.max_record_bytes = 4096;

  auto reader = producer::CsvReader::from_string(text, kName, options);
  if (!reader.ok()) {
    check_message(reader.status());
    return 0;
  }

  if ((options_byte & 16) != 0 && options.has_header) {
    producer::TaxiCsvOptions taxi_options;
    taxi_options.on_bad_row =
        (options_byte & 32) != 0 ? producer::BadRowPolicy::kSkip : producer::BadRowPolicy::kFail;
    auto source = producer::TaxiCsvSource::from_reader(std::move(*reader), taxi_options);
    if (!source.ok()) {
      check_message(source.status());
      return 0;
    }
    for (int i = 0; i < 100000; ++i) {
      auto trip = (*source)->next();
      if (!trip.ok()) {
        check_message(trip.status());
        if ((*source)->reader().failed()) {
          const auto repeated = (*source)->next();
          TIDEMARK_FUZZ_CHECK(!repeated.ok() && repeated.status() == trip.status(),
                              "a stream error did not repeat");
          break;
        }
        TIDEMARK_FUZZ_CHECK(taxi_options.on_bad_row == producer::BadRowPolicy::kFail,
                            "a bad row surfaced under the skip policy: %s",
                            trip.status().to_string().c_str());
        continue;
      }
      if (!trip->has_value()) break;
    }
    return 0;
  }

  producer::CsvReader& r = **reader;
  producer::CsvRecord record;
  std::uint64_t last_line = 0;
  for (int i = 0; i < 100000; ++i) {
    auto more = r.next_record(record);
    if (!more.ok()) {
      check_message(more.status());
      if (r.failed()) {
        const auto repeated = r.next_record(record);
        TIDEMARK_FUZZ_CHECK(!repeated.ok() && repeated.status() == more.status(),
                            "a stream error did not repeat");
        break;
      }
      continue;  // a row error: the reader skipped the line and goes on
    }
    if (!*more) break;
    TIDEMARK_FUZZ_CHECK(record.line >= last_line, "line numbers went backwards");
    last_line = record.line;
    for (std::string_view field : record.fields) {
      volatile char sink = field.empty() ? 0 : field.back();  // every view must be readable
      (void)sink;
    }
  }
  return 0;
}
