// Event equality for the fuzz targets: like operator==, but doubles compare bit for bit (a NaN,
// which binary formats carry, equals the same NaN; 0.0 and -0.0 differ).
#pragma once

#include <cstring>
#include <variant>

#include "tidemark/core/events.h"

namespace tidemark::fuzz {

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

inline bool same_event(const core::Event& a, const core::Event& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<core::TaxiTrip>(&a)) {
    core::TaxiTrip left = *x;
    core::TaxiTrip right = std::get<core::TaxiTrip>(b);
    if (!same_bits(left.trip_distance, right.trip_distance) ||
        !same_bits(left.tip_amount, right.tip_amount)) {
      return false;
    }
    left.trip_distance = right.trip_distance = 0;
    left.tip_amount = right.tip_amount = 0;
    return left == right;
  }
  return a == b;
}

}  // namespace tidemark::fuzz
