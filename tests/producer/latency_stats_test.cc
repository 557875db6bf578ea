// set_latency_stats: kafka-producer-perf-test's percentiles (the value at index floor(q * n) of
// the sorted latencies) from delivery latencies added in any order, through the LatencyHistogram
// every producing path (EventProducer, `perf produce --baseline`'s plain loop) fills.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "tidemark/producer/event_producer.h"
#include "tidemark/producer/latency_histogram.h"

namespace tidemark::producer {
namespace {

TEST(LatencyStats, PercentilesOfShuffledLatenciesAreThoseOfTheSortedOnes) {
  std::vector<std::int64_t> us;
  for (std::int64_t i = 1; i <= 1000; ++i) us.push_back(i);
  std::mt19937 rng(7);
  std::shuffle(us.begin(), us.end(), rng);
  LatencyHistogram h;  // exact below 2,048 us: these are the values themselves
  for (const std::int64_t v : us) h.add(v);
  ProducerStats s;
  set_latency_stats(h, s);
  EXPECT_DOUBLE_EQ(s.p50_ms, 0.501);  // index 500 of 1..1000 (not 499 or 500.5)
  EXPECT_DOUBLE_EQ(s.p95_ms, 0.951);
  EXPECT_DOUBLE_EQ(s.p99_ms, 0.991);
  EXPECT_DOUBLE_EQ(s.p999_ms, 1.000);  // index 999: the last
  EXPECT_DOUBLE_EQ(s.latency_max_ms, 1.0);
  EXPECT_DOUBLE_EQ(s.latency_avg_ms, 0.5005);
}

TEST(LatencyStats, OneLatencyIsEveryPercentileAndNoneLeavesZeros) {
  LatencyHistogram one;
  one.add(2500);  // above 2 ms, and a bucket bound (2,500 = 1,250 << 1)
  ProducerStats s;
  set_latency_stats(one, s);
  EXPECT_DOUBLE_EQ(s.p50_ms, 2.5);
  EXPECT_DOUBLE_EQ(s.p999_ms, 2.5);
  EXPECT_DOUBLE_EQ(s.latency_max_ms, 2.5);
  EXPECT_DOUBLE_EQ(s.latency_avg_ms, 2.5);
  LatencyHistogram none;
  ProducerStats z;
  set_latency_stats(none, z);
  EXPECT_EQ(z.p50_ms, 0);
  EXPECT_EQ(z.latency_max_ms, 0);
  EXPECT_EQ(z.latency_avg_ms, 0);
}

}  // namespace
}  // namespace tidemark::producer
