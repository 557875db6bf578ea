#pragma once
// Delivery latencies in fixed memory, so that a producer running for days keeps the same few
// hundred KB for them instead of 8 bytes per acknowledged record: exact below 2,048 us, and
// within 1/1024 of the value (0.1%) above, up to the largest int64. Count, sum and max are exact.

#include <cstdint>
#include <vector>

namespace tidemark::producer {

class LatencyHistogram {
 public:
  // 2,048 exact buckets, then 1,024 per power of two from 2^11 to 2^62.
  static constexpr int kSubBits = 10;
  static constexpr std::size_t kExact = std::size_t{2} << kSubBits;
  static constexpr std::size_t kBuckets = kExact + (62 - kSubBits) * (std::size_t{1} << kSubBits);

  LatencyHistogram() : counts_(kBuckets, 0) {}

  // A negative latency counts as 0.
  void add(std::int64_t us) {
    const std::uint64_t v = us < 0 ? 0 : static_cast<std::uint64_t>(us);
    ++counts_[bucket_of(v)];
    ++count_;
    sum_ += static_cast<double>(v);
    if (us > max_) max_ = us;
  }

  std::uint64_t count() const { return count_; }
  double sum_us() const { return sum_; }
  std::int64_t max_us() const { return max_; }

  // kafka-producer-perf-test's percentile: the value at index floor(q * n) of the sorted
  // latencies (the last one when that is n), as the lower bound of its bucket. 0 when empty.
  std::int64_t at_quantile(double q) const;

  static std::size_t bucket_of(std::uint64_t v);
  static std::uint64_t lower_bound_of(std::size_t bucket);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace tidemark::producer
