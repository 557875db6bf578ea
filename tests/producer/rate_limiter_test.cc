#include "tidemark/producer/rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark::producer {
namespace {

// "'text'" (built by appending: GCC 12 warns spuriously about "'" + std::string + "'").
std::string Quoted(std::string_view text) {
  std::string out = "'";
  out.append(text);
  out.push_back('\'');
  return out;
}

using Clock = RateLimiter::Clock;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// A clock that only moves when told to, and a sleep that moves it instead of waiting.
struct FakeTime {
  Clock::time_point now{std::chrono::hours(1)};
  std::vector<Clock::time_point> sleeps;

  RateLimiter limiter(double rate) {
    return RateLimiter(
        rate, [this] { return now; },
        [this](Clock::time_point until) {
          sleeps.push_back(until);
          if (until > now) now = until;
        });
  }
};

TEST(RateLimiter, SpacesDueTimesEvenly) {
  FakeTime time;
  RateLimiter limiter = time.limiter(1000);
  const Clock::time_point start = time.now;
  EXPECT_EQ(limiter.start(), start);
  EXPECT_EQ(limiter.due(0), start);
  EXPECT_EQ(limiter.due(1), start + milliseconds(1));
  EXPECT_EQ(limiter.due(2500), start + milliseconds(2500));

  RateLimiter three = time.limiter(3);
  EXPECT_EQ(three.due(1), start + nanoseconds(333'333'333));
  EXPECT_EQ(three.due(2), start + nanoseconds(666'666'666));
  EXPECT_EQ(three.due(3), start + std::chrono::seconds(1));
}

TEST(RateLimiter, SleepsUntilEachEventIsDueWithoutBursts) {
  FakeTime time;
  RateLimiter limiter = time.limiter(200);  // one event every 5 ms
  const Clock::time_point start = time.now;
  std::vector<Clock::time_point> sent;
  for (std::uint64_t k = 0; k < 1000; ++k) {
    limiter.wait(k);
    sent.push_back(time.now);
  }
  for (std::uint64_t k = 0; k < sent.size(); ++k) {
    ASSERT_EQ(sent[k], start + milliseconds(5 * k)) << k;
  }
  // No window of 100 ms holds more than its share (+1 for the boundary), i.e. no second's worth
  // of events leaves at once.
  for (std::size_t first = 0; first < sent.size(); ++first) {
    std::size_t in_window = 0;
    for (std::size_t j = first; j < sent.size() && sent[j] < sent[first] + milliseconds(100); ++j) {
      ++in_window;
    }
    ASSERT_LE(in_window, 21u);
  }
  EXPECT_EQ(time.sleeps.size(), 999u);  // event 0 is due at once
}

TEST(RateLimiter, DoesNotSleepWhenBehindSchedule) {
  FakeTime time;
  RateLimiter limiter = time.limiter(100);
  time.now += milliseconds(1000);  // a stall: events 0..100 are now all due
  for (std::uint64_t k = 0; k <= 100; ++k) limiter.wait(k);
  EXPECT_TRUE(time.sleeps.empty());
  limiter.wait(101);  // back on schedule: 10 ms ahead
  ASSERT_EQ(time.sleeps.size(), 1u);
  EXPECT_EQ(time.sleeps[0], limiter.start() + milliseconds(1010));
}

TEST(RateLimiter, UnlimitedNeverSleeps) {
  FakeTime time;
  RateLimiter limiter = time.limiter(0);
  EXPECT_TRUE(limiter.unlimited());
  for (std::uint64_t k = 0; k < 1000; ++k) limiter.wait(k);
  EXPECT_TRUE(time.sleeps.empty());
  EXPECT_EQ(limiter.due(123456), limiter.start());
}

TEST(RateLimiter, RestartMovesTheSchedule) {
  FakeTime time;
  RateLimiter limiter = time.limiter(10);
  time.now += milliseconds(5000);
  limiter.restart();
  EXPECT_EQ(limiter.start(), time.now);
  EXPECT_EQ(limiter.due(1), time.now + milliseconds(100));
}

TEST(RateLimiter, FarFutureDueTimesSaturate) {
  FakeTime time;
  RateLimiter limiter = time.limiter(1e-9);
  EXPECT_EQ(limiter.due(UINT64_MAX), Clock::time_point::max());
}

TEST(RateLimiter, RealClockReturnsNoEarlierThanDue) {
  RateLimiter limiter(20000);  // 50 µs apart: the whole test sleeps about 1 ms
  for (std::uint64_t k = 0; k < 20; ++k) {
    limiter.wait(k);
    ASSERT_GE(Clock::now(), limiter.due(k));
  }
}

TEST(ParseRate, AcceptsNonNegativeNumbers) {
  EXPECT_EQ(*parse_rate("0"), 0.0);
  EXPECT_EQ(*parse_rate("1000"), 1000.0);
  EXPECT_EQ(*parse_rate("2.5"), 2.5);
}

TEST(ParseRate, RejectsAnythingElseNamingTheText) {
  for (std::string_view text : {"", "-1", "abc", "10/s", "1e3", "inf", "nan", " 10", "10 "}) {
    auto r = parse_rate(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(Quoted(text)), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace tidemark::producer
