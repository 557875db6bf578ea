// perf::Spread: how tidemark reports a repeated measurement, the median with its range (min and
// max), so that a noisy shared machine shows as a wide range instead of a misleading mean.
#pragma once

#include <span>

namespace tidemark::perf {

struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};

// The median (mean of the two middle values for an even count), minimum and maximum of
// `values`; all zero when it is empty.
Spread spread_of(std::span<const double> values);

}  // namespace tidemark::perf
