#include "tidemark/producer/latency_histogram.h"

#include <bit>

namespace tidemark::producer {

std::size_t LatencyHistogram::bucket_of(std::uint64_t v) {
  if (v < kExact) return static_cast<std::size_t>(v);
  const int octave = std::bit_width(v) - 1;  // >= kSubBits + 1
  const int shift = octave - kSubBits;
  const std::uint64_t sub = v >> shift;  // in [2^kSubBits, 2^(kSubBits+1))
  return kExact + static_cast<std::size_t>(octave - kSubBits - 1) * (std::size_t{1} << kSubBits) +
         static_cast<std::size_t>(sub - (std::uint64_t{1} << kSubBits));
}

std::uint64_t LatencyHistogram::lower_bound_of(std::size_t bucket) {
  if (bucket < kExact) return bucket;
  const std::size_t k = bucket - kExact;
  const int shift = static_cast<int>(k >> kSubBits) + 1;
  const std::uint64_t sub = (std::uint64_t{1} << kSubBits) + (k & ((std::size_t{1} << kSubBits) - 1));
  return sub << shift;
}

std::int64_t LatencyHistogram::at_quantile(double q) const {
  if (count_ == 0) return 0;
  auto index = static_cast<std::uint64_t>(q * static_cast<double>(count_));
  if (index >= count_) index = count_ - 1;
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen > index) return static_cast<std::int64_t>(lower_bound_of(b));
  }
  return max_;
}

}  // namespace tidemark::producer
