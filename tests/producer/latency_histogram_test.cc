// LatencyHistogram: fixed memory for any number of latencies, exact below 2,048 us, within
// 1/1024 above, and kafka-producer-perf-test's percentile rule (index floor(q * n) of the sorted
// values) over all of them.
#include "tidemark/producer/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "tidemark/producer/event_producer.h"

namespace tidemark::producer {
namespace {

std::int64_t exact_quantile(std::vector<std::int64_t> v, double q) {
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(q * static_cast<double>(v.size()));
  if (i >= v.size()) i = v.size() - 1;
  return v[i];
}

TEST(LatencyHistogram, BucketsAreExactBelow2048AndTheirBoundsRoundTrip) {
  for (std::uint64_t v = 0; v < LatencyHistogram::kExact; ++v) {
    ASSERT_EQ(LatencyHistogram::lower_bound_of(LatencyHistogram::bucket_of(v)), v);
  }
  std::size_t last = 0;
  for (std::size_t b = 0; b < LatencyHistogram::kBuckets; ++b) {
    const std::uint64_t lower = LatencyHistogram::lower_bound_of(b);
    ASSERT_EQ(LatencyHistogram::bucket_of(lower), b) << lower;
    if (b > 0) {
      ASSERT_GT(lower, LatencyHistogram::lower_bound_of(last));
    }
    last = b;
  }
  const auto largest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(LatencyHistogram::bucket_of(largest), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, EveryValueIsWithinOneIn1024OfItsBucketBound) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 63 + 1);
    const std::uint64_t lower = LatencyHistogram::lower_bound_of(LatencyHistogram::bucket_of(v));
    ASSERT_LE(lower, v);
    ASSERT_LE(static_cast<double>(v - lower), static_cast<double>(v) / 1024.0) << v;
  }
}

TEST(LatencyHistogram, PercentilesMatchTheSortedValuesWithinTheBucketWidth) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> latency(std::log(15000.0), 1.0);  // ~15 ms, long tail
  std::vector<std::int64_t> all;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    const auto us = static_cast<std::int64_t>(latency(rng));
    all.push_back(us);
    h.add(us);
  }
  for (double q : {0.0, 0.5, 0.95, 0.99, 0.999, 1.0}) {
    const std::int64_t exact = exact_quantile(all, q);
    const std::int64_t got = h.at_quantile(q);
    EXPECT_LE(got, exact) << q;
    EXPECT_LE(static_cast<double>(exact - got), static_cast<double>(exact) / 1024.0) << q;
  }
  EXPECT_EQ(h.count(), all.size());
  EXPECT_EQ(h.max_us(), *std::max_element(all.begin(), all.end()));
}

TEST(LatencyHistogram, StatsAreTheExactOnesBelow2Ms) {
  std::vector<std::int64_t> us;
  LatencyHistogram h;
  std::mt19937 rng(5);
  for (int i = 0; i < 5000; ++i) {
    const std::int64_t v = static_cast<std::int64_t>(rng() % 2048);
    us.push_back(v);
    h.add(v);
  }
  ProducerStats s;
  set_latency_stats(h, s);
  EXPECT_DOUBLE_EQ(s.p50_ms, static_cast<double>(exact_quantile(us, 0.5)) / 1000.0);
  EXPECT_DOUBLE_EQ(s.p95_ms, static_cast<double>(exact_quantile(us, 0.95)) / 1000.0);
  EXPECT_DOUBLE_EQ(s.p99_ms, static_cast<double>(exact_quantile(us, 0.99)) / 1000.0);
  EXPECT_DOUBLE_EQ(s.p999_ms, static_cast<double>(exact_quantile(us, 0.999)) / 1000.0);
  EXPECT_DOUBLE_EQ(s.latency_max_ms,
                   static_cast<double>(*std::max_element(us.begin(), us.end())) / 1000.0);
  double sum = 0;
  for (const std::int64_t v : us) sum += static_cast<double>(v);
  EXPECT_NEAR(s.latency_avg_ms, sum / static_cast<double>(us.size()) / 1000.0, 1e-9);
}

TEST(LatencyHistogram, EmptyLeavesZerosAndNegativeCountsAsZero) {
  LatencyHistogram h;
  ProducerStats s;
  set_latency_stats(h, s);
  EXPECT_EQ(s.p50_ms, 0);
  EXPECT_EQ(h.at_quantile(0.5), 0);
  h.add(-5);
  EXPECT_EQ(h.at_quantile(0.5), 0);
  EXPECT_EQ(h.count(), 1u);
}

}  // namespace
}  // namespace tidemark::producer
