#include "tidemark/producer/clock.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace tidemark::producer {
namespace {

// "'text'" (built by appending: GCC 12 warns spuriously about "'" + std::string + "'").
std::string Quoted(std::string_view text) {
  std::string out = "'";
  out.append(text);
  out.push_back('\'');
  return out;
}

constexpr std::int64_t kStart = 1732345678901;

template <typename T>
void ExpectRejectedNamingText(const core::Result<T>& r, std::string_view text) {
  ASSERT_FALSE(r.ok()) << "accepted '" << text << "'";
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(Quoted(text)), std::string::npos) << r.status().message();
}

TEST(EventClock, WallClockStampsTheWallTime) {
  const EventClock clock = EventClock::wall();
  EXPECT_EQ(clock.kind(), EventClock::Kind::kWall);
  EXPECT_EQ(clock.event_time(0, 123), 123);
  EXPECT_EQ(clock.event_time(999, 456), 456);
}

TEST(EventClock, SimulatedTimeRunsSpeedTimesFasterThanTheRateSchedule) {
  // 100 events/s at speed 60: events are 10 ms apart in wall time, 600 ms in event time.
  auto clock = EventClock::simulated(kStart, 60, 100);
  ASSERT_TRUE(clock.ok());
  EXPECT_EQ(clock->kind(), EventClock::Kind::kSimulated);
  for (std::uint64_t k = 0; k < 10000; ++k) {
    ASSERT_EQ(clock->event_time(k, /*wall_now_ms=*/0), kStart + static_cast<std::int64_t>(k) * 600);
  }
}

TEST(EventClock, SimulatedTimeIsTheFloorOfTheExactQuotient) {
  // start + floor(k * 1000 * speed / rate), checked against exact integer arithmetic.
  auto clock = EventClock::simulated(-5000, 1.5, 7);  // 1500/7 ms per event
  ASSERT_TRUE(clock.ok());
  for (std::int64_t k = 0; k < 100000; ++k) {
    const std::int64_t exact = k * 1500 / 7;  // non-negative: division truncates = floor
    ASSERT_EQ(clock->event_time(static_cast<std::uint64_t>(k), 0), -5000 + exact) << k;
  }
  // Deterministic per index, whatever the wall clock says and in whatever order asked.
  EXPECT_EQ(clock->event_time(12345, 1), clock->event_time(12345, 999999999));
}

TEST(EventClock, UnlimitedRateSpacesEventsAtTheNominalRate) {
  auto clock = EventClock::simulated(kStart, 2, 0);
  ASSERT_TRUE(clock.ok());
  EXPECT_EQ(clock->spacing_rate(), EventClock::kNominalRate);
  EXPECT_EQ(clock->event_time(0, 0), kStart);
  EXPECT_EQ(clock->event_time(1, 0), kStart + 2);
  EXPECT_EQ(clock->event_time(1000, 0), kStart + 2000);
}

TEST(EventClock, SlowSimulationCanGiveEqualTimesButNeverGoesBack) {
  auto clock = EventClock::simulated(kStart, 0.001, 1000);  // 1 µs of event time per event
  ASSERT_TRUE(clock.ok());
  std::int64_t previous = clock->event_time(0, 0);
  for (std::uint64_t k = 1; k < 5000; ++k) {
    const std::int64_t t = clock->event_time(k, 0);
    ASSERT_GE(t, previous);
    previous = t;
  }
  EXPECT_EQ(previous, kStart + 4);
}

TEST(EventClock, SaturatesInsteadOfOverflowing) {
  auto clock = EventClock::simulated(std::numeric_limits<std::int64_t>::max() - 10, 1000, 1);
  ASSERT_TRUE(clock.ok());
  EXPECT_EQ(clock->event_time(std::numeric_limits<std::uint64_t>::max(), 0),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(clock->event_time(1, 0), std::numeric_limits<std::int64_t>::max());
}

TEST(EventClock, RejectsSpeedsAndRatesThatMakeNoSense) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double speed : {0.0, -1.0, inf, nan}) {
    auto r = EventClock::simulated(kStart, speed, 10);
    ASSERT_FALSE(r.ok()) << speed;
    EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("speed"), std::string::npos);
  }
  for (double rate : {-1.0, inf, nan}) {
    auto r = EventClock::simulated(kStart, 1, rate);
    ASSERT_FALSE(r.ok()) << rate;
    EXPECT_NE(r.status().message().find("rate"), std::string::npos);
  }
}

TEST(ParseSpeed, AcceptsPositiveNumbers) {
  EXPECT_EQ(*parse_speed("60"), 60.0);
  EXPECT_EQ(*parse_speed("0.5"), 0.5);
  EXPECT_EQ(*parse_speed("60x"), 60.0);
  EXPECT_EQ(*parse_speed("1.25X"), 1.25);
}

TEST(ParseSpeed, RejectsAnythingElseNamingTheText) {
  for (std::string_view text :
       {"", "x", "0", "0.0", "-1", "abc", "1e3", "inf", "nan", " 5", "5 ", "5xx", "+5", "1,5"}) {
    ExpectRejectedNamingText(parse_speed(text), text);
  }
}

TEST(ParseClockKind, ReadsWallAndSimulated) {
  EXPECT_EQ(*parse_clock_kind("wall"), EventClock::Kind::kWall);
  EXPECT_EQ(*parse_clock_kind("simulated"), EventClock::Kind::kSimulated);
  auto r = parse_clock_kind("replay");
  ExpectRejectedNamingText(r, "replay");
  EXPECT_NE(r.status().message().find("wall, simulated"), std::string::npos);
}

}  // namespace
}  // namespace tidemark::producer
