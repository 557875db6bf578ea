// How both JSON readers (json, json-nlohmann) read a JSON number written with a fraction or an
// exponent into an integer field: as Flink's JSON format reads it into an INT or BIGINT column
// (JsonToRowDataConverters: Jackson's canConvertToInt/canConvertToLong, then asInt/asLong), by
// truncating the double toward zero when it is within the type's range. A lab producer that
// sends `time.time() * 1000` (1732345678901.234) gets the same event_timestamp in tidemark as in
// Flink (1732345678901). Integer tokens are read exactly, never through a double.
#pragma once

#include <cstdint>
#include <limits>

namespace tidemark::serializers::internal {

// false when `d` is NaN or outside Int's range (the caller refuses it, as Flink does).
template <typename Int>
bool truncate_to_integer(double d, Int& out) {
  static_assert(sizeof(Int) == 4 || sizeof(Int) == 8);
  constexpr double kMin = static_cast<double>(std::numeric_limits<Int>::min());  // exact: -2^k
  if constexpr (sizeof(Int) == 4) {
    if (!(d >= kMin && d <= static_cast<double>(std::numeric_limits<Int>::max()))) return false;
  } else {
    if (!(d >= kMin && d < -kMin)) return false;  // below 2^63, which int64 cannot hold
  }
  out = static_cast<Int>(d);  // toward zero
  return true;
}

}  // namespace tidemark::serializers::internal
