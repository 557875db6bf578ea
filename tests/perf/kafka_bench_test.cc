// The measuring parts of perf/kafka_bench.h that need no broker: latency percentiles, end-to-end
// latency from the intended send time (a stall shows in the percentiles), and the consumer's
// counting sink.
#include "tidemark/perf/kafka_bench.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>
#include <vector>

namespace tidemark::perf {
namespace {

using std::chrono::milliseconds;

TEST(SummarizeLatencies, PercentilesAtIndexQTimesN) {
  std::vector<std::int64_t> ns;
  for (int i = 100; i >= 1; --i) ns.push_back(i * 1000000LL);  // 1..100 ms, unsorted
  const LatencySummary s = summarize_latencies(ns);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.p50_ms, 51);  // index 50 of 1..100
  EXPECT_DOUBLE_EQ(s.p90_ms, 91);
  EXPECT_DOUBLE_EQ(s.p99_ms, 100);
  EXPECT_DOUBLE_EQ(s.p999_ms, 100);
  EXPECT_DOUBLE_EQ(s.max_ms, 100);
  EXPECT_DOUBLE_EQ(s.avg_ms, 50.5);
  std::vector<std::int64_t> none;
  EXPECT_EQ(summarize_latencies(none).count, 0u);
  EXPECT_EQ(summarize_latencies(none).max_ms, 0);
}

// 100 records at 1000/s: each is read back 2 ms after its intended send time, except that a 50 ms
// stall holds records 40..59 until all of them arrive at once, 92 ms after the start.
TEST(EndToEndSamples, AStallCountsFromEachRecordsIntendedSendTime) {
  const SteadyClock::time_point origin = SteadyClock::now();
  std::vector<RecordPlacement> placements;
  std::map<std::int64_t, SteadyClock::time_point> arrival;  // by offset
  for (int seq = 0; seq < 100; ++seq) {
    placements.push_back({0, seq});
    const SteadyClock::time_point intended = origin + milliseconds(seq);
    arrival[seq] = seq >= 40 && seq < 60 ? origin + milliseconds(92) : intended + milliseconds(2);
  }
  placements.push_back({-1, -1});  // never delivered: not a sample, not missing
  placements.push_back({1, 0});    // delivered, never read back
  std::uint64_t missing = 0;
  std::vector<std::int64_t> samples = end_to_end_samples(
      origin, 1000, placements,
      [&](std::int32_t partition, std::int64_t offset) -> std::optional<SteadyClock::time_point> {
        if (partition != 0) return std::nullopt;
        return arrival.at(offset);
      },
      missing);
  EXPECT_EQ(missing, 1u);
  ASSERT_EQ(samples.size(), 100u);
  EXPECT_EQ(samples[0], 2000000);
  EXPECT_EQ(samples[40], 52000000);  // scheduled at 40 ms, read at 92 ms
  EXPECT_EQ(samples[59], 33000000);
  const LatencySummary s = summarize_latencies(samples);
  EXPECT_DOUBLE_EQ(s.p50_ms, 2);
  EXPECT_DOUBLE_EQ(s.max_ms, 52);
  // A fifth of the records waited out the stall: it shows at p90, not only in the maximum.
  EXPECT_GE(s.p90_ms, 33);
}

TEST(CountingSink, CountsRecordsBytesAndDecodeErrorsAndKeepsReceiveTimes) {
  CountingSink sink;
  sink.keep_receive_times();
  kafka::ConsumedMessage m;
  m.partition = 2;
  m.offset = 10;
  const std::string_view key = "k1";
  const std::string_view value = "{\"test_data\":1}";
  m.key = key;
  m.value = value;
  consumer::DecodedRecord r;
  r.message = &m;
  r.value_kind = consumer::ValueKind::kRaw;
  ASSERT_TRUE(sink.write(r).ok());
  m.offset = 11;
  m.key.reset();
  r.value_kind = consumer::ValueKind::kDecodeError;
  ASSERT_TRUE(sink.write(r).ok());
  EXPECT_EQ(sink.totals().records, 2u);
  EXPECT_EQ(sink.records_so_far(), 2u);
  EXPECT_EQ(sink.totals().bytes, key.size() + 2 * value.size());
  EXPECT_EQ(sink.totals().decode_errors, 1u);
  ASSERT_TRUE(sink.totals().first.has_value());
  EXPECT_TRUE(sink.received(2, 10).has_value());
  EXPECT_TRUE(sink.received(2, 11).has_value());
  EXPECT_FALSE(sink.received(2, 12).has_value());
  EXPECT_FALSE(sink.received(0, 10).has_value());
  EXPECT_LE(*sink.received(2, 10), *sink.received(2, 11));
}

TEST(CountingSink, ReportsAtTheIntervalOnTicks) {
  CountingSink sink;
  int reports = 0;
  sink.set_reporter(milliseconds(1),
                    [&](const CountingSink::Totals&, SteadyClock::time_point) { ++reports; });
  EXPECT_FALSE(sink.ticked());
  ASSERT_TRUE(sink.on_tick().ok());  // starts the interval
  EXPECT_TRUE(sink.ticked());
  EXPECT_EQ(reports, 0);
  std::this_thread::sleep_for(milliseconds(3));
  ASSERT_TRUE(sink.on_tick().ok());
  EXPECT_EQ(reports, 1);
}

}  // namespace
}  // namespace tidemark::perf
