// set_latency_stats: kafka-producer-perf-test's percentiles (the value at index q * n of the
// sorted latencies) from delivery latencies in any order.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "tidemark/producer/event_producer.h"

namespace tidemark::producer {
namespace {

TEST(LatencyStats, PercentilesOfShuffledLatenciesAreThoseOfTheSortedOnes) {
  std::vector<std::int64_t> us;
  for (std::int64_t i = 1; i <= 1000; ++i) us.push_back(i);
  std::mt19937 rng(7);
  std::shuffle(us.begin(), us.end(), rng);
  ProducerStats s;
  set_latency_stats(us, s);
  EXPECT_DOUBLE_EQ(s.p50_ms, 0.501);  // index 500 of 1..1000
  EXPECT_DOUBLE_EQ(s.p95_ms, 0.951);
  EXPECT_DOUBLE_EQ(s.p99_ms, 0.991);
  EXPECT_DOUBLE_EQ(s.p999_ms, 1.000);  // index 999: the last
  EXPECT_DOUBLE_EQ(s.latency_max_ms, 1.0);
  EXPECT_DOUBLE_EQ(s.latency_avg_ms, 0.5005);
}

TEST(LatencyStats, OneLatencyIsEveryPercentileAndNoneLeavesZeros) {
  std::vector<std::int64_t> one = {2500};
  ProducerStats s;
  set_latency_stats(one, s);
  EXPECT_DOUBLE_EQ(s.p50_ms, 2.5);
  EXPECT_DOUBLE_EQ(s.p999_ms, 2.5);
  EXPECT_DOUBLE_EQ(s.latency_max_ms, 2.5);
  std::vector<std::int64_t> none;
  ProducerStats z;
  set_latency_stats(none, z);
  EXPECT_EQ(z.p50_ms, 0);
  EXPECT_EQ(z.latency_max_ms, 0);
}

}  // namespace
}  // namespace tidemark::producer
