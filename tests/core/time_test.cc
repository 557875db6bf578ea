#include "tidemark/core/time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark::core {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

// A rejection must be kInvalidArgument and quote the text the user gave (as core::quoted shows
// it: control and non-ASCII bytes escaped).
template <typename T>
void ExpectRejected(const Result<T>& result, std::string_view text, std::string_view reason = {}) {
  ASSERT_FALSE(result.ok()) << "accepted '" << text << "'";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(tidemark::core::quoted(text)), std::string::npos)
      << result.status().message();
  if (!reason.empty()) {
    EXPECT_NE(result.status().message().find(reason), std::string::npos)
        << "message lacks '" << reason << "': " << result.status().message();
  }
}

// Independent oracle: glibc's gmtime_r, formatted by hand.
std::string GmtimeIso8601(std::int64_t millis) {
  std::int64_t seconds = millis / 1000;
  std::int64_t ms = millis % 1000;
  if (ms < 0) {
    ms += 1000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// ---- formatting ------------------------------------------------------------------------------

TEST(Iso8601, FormatsKnownInstants) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(1), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(format_iso8601(1732345678901), "2024-11-23T07:07:58.901Z");
  EXPECT_EQ(format_iso8601(1795428930123), "2026-11-23T10:15:30.123Z");
  EXPECT_EQ(format_iso8601(-2208988800000), "1900-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(-62135596800000), "0001-01-01T00:00:00.000Z");
}

TEST(Iso8601, FormatsRangeEnds) {
  EXPECT_EQ(format_iso8601(kMinFormattableMillis), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(kMaxFormattableMillis), "9999-12-31T23:59:59.999Z");
  EXPECT_TRUE(is_formattable(kMinFormattableMillis));
  EXPECT_TRUE(is_formattable(kMaxFormattableMillis));
  EXPECT_FALSE(is_formattable(kMinFormattableMillis - 1));
  EXPECT_FALSE(is_formattable(kMaxFormattableMillis + 1));
}

TEST(Iso8601, FormatsLeapDays) {
  EXPECT_EQ(format_iso8601(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(1709208000000), "2024-02-29T12:00:00.000Z");
  EXPECT_EQ(format_iso8601(-11670912000001), "1600-02-29T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(951782400000 + kDay), "2000-03-01T00:00:00.000Z");
  // Year 0 is a leap year in the proleptic Gregorian calendar.
  EXPECT_EQ(format_iso8601(kMinFormattableMillis + 59 * kDay), "0000-02-29T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(kMinFormattableMillis + 60 * kDay), "0000-03-01T00:00:00.000Z");
}

TEST(Iso8601, AppendsWithoutDisturbingExistingText) {
  std::string out = "{\"t\":\"";
  append_iso8601(out, 0);
  out += "\"}";
  EXPECT_EQ(out, "{\"t\":\"1970-01-01T00:00:00.000Z\"}");
}

TEST(Iso8601, WritesExpandedYearOutsideFormattableRangeInsteadOfGarbage) {
  // A precondition violation, but it must stay memory-safe and recognisable.
  EXPECT_EQ(format_iso8601(kMaxFormattableMillis + 1), "+10000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(kMinFormattableMillis - 1), "-0001-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(kInt64Min).front(), '-');
  EXPECT_EQ(format_iso8601(kInt64Max).front(), '+');
  EXPECT_EQ(format_datetime(kInt64Max).front(), '+');
}

TEST(DateTime, FormatsWholeSecondsLikeTheLabFiles) {
  EXPECT_EQ(format_datetime(1569889562000), "2019-10-01 00:26:02");
  EXPECT_EQ(format_datetime(0), "1970-01-01 00:00:00");
  EXPECT_EQ(format_datetime(kMinFormattableMillis), "0000-01-01 00:00:00");
}

TEST(DateTime, AppendsMillisecondsOnlyWhenNonZero) {
  EXPECT_EQ(format_datetime(1569889562001), "2019-10-01 00:26:02.001");
  EXPECT_EQ(format_datetime(-1), "1969-12-31 23:59:59.999");
  EXPECT_EQ(format_datetime(kMaxFormattableMillis), "9999-12-31 23:59:59.999");
  std::string out = "x,";
  append_datetime(out, 1569890398000);
  EXPECT_EQ(out, "x,2019-10-01 00:39:58");
}

// ---- round trips -----------------------------------------------------------------------------

std::vector<std::int64_t> EdgeInstants() {
  return {kMinFormattableMillis,
          kMinFormattableMillis + 1,
          kMinFormattableMillis + 999,
          kMinFormattableMillis + kDay - 1,
          kMaxFormattableMillis,
          kMaxFormattableMillis - 1,
          kMaxFormattableMillis - 999,
          -62135596800000,  // 0001-01-01
          -11670912000001,  // 1600-02-29T23:59:59.999
          -2208988800000,   // 1900-01-01
          -kDay - 1,
          -kDay,
          -1000,
          -999,
          -1,
          0,
          1,
          999,
          1000,
          kDay - 1,
          kDay,
          951782400000,   // 2000-02-29
          1709208000000,  // 2024-02-29T12:00
          1732345678901,
          4107542400000};  // 2100-02-28T00:00 (2100 is not a leap year)
}

TEST(Iso8601, RoundTripsEdgeInstants) {
  for (std::int64_t ms : EdgeInstants()) {
    const std::string text = format_iso8601(ms);
    const auto parsed = parse_iso8601(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().to_string();
    EXPECT_EQ(*parsed, ms) << text;
  }
}

TEST(DateTime, RoundTripsEdgeInstants) {
  for (std::int64_t ms : EdgeInstants()) {
    const std::string text = format_datetime(ms);
    const auto parsed = parse_datetime(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().to_string();
    EXPECT_EQ(*parsed, ms) << text;
  }
}

TEST(Iso8601, RoundTripsAndMatchesGmtimeOverSeededRandomSweep) {
  std::mt19937_64 rng(20261123);
  std::uniform_int_distribution<std::int64_t> any(kMinFormattableMillis, kMaxFormattableMillis);
  std::uniform_int_distribution<std::int64_t> near_epoch(-100 * 365 * kDay, 100 * 365 * kDay);
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t ms = i % 2 == 0 ? any(rng) : near_epoch(rng);
    const std::string iso = format_iso8601(ms);
    ASSERT_EQ(iso, GmtimeIso8601(ms)) << ms;
    const auto from_iso = parse_iso8601(iso);
    ASSERT_TRUE(from_iso.ok()) << iso;
    ASSERT_EQ(*from_iso, ms) << iso;
    const std::string dt = format_datetime(ms);
    const auto from_dt = parse_datetime(dt);
    ASSERT_TRUE(from_dt.ok()) << dt;
    ASSERT_EQ(*from_dt, ms) << dt;
  }
}

TEST(Iso8601, RoundTripsEveryDayAcrossFourCenturies) {
  // Every day from 1900 to 2300 (covers 1900/2100/2200 non-leap centuries and 2000).
  const std::int64_t start = -2208988800000;
  for (std::int64_t d = 0; d < 146097; ++d) {
    const std::int64_t ms = start + d * kDay + 12 * kHour + 34 * kMinute + 56 * kSecond + 789;
    const std::string iso = format_iso8601(ms);
    ASSERT_EQ(iso, GmtimeIso8601(ms));
    const auto parsed = parse_iso8601(iso);
    ASSERT_TRUE(parsed.ok()) << iso;
    ASSERT_EQ(*parsed, ms);
  }
}

// ---- ISO-8601 parsing -----------------------------------------------------------------------

TEST(Iso8601, ParsesMillisecondsAndZulu) {
  EXPECT_EQ(parse_iso8601("2026-11-23T10:15:30.123Z").value(), 1795428930123);
  EXPECT_EQ(parse_iso8601("2026-11-23t10:15:30.123z").value(), 1795428930123);
  EXPECT_EQ(parse_iso8601("2026-11-23 10:15:30.123Z").value(), 1795428930123);
}

TEST(Iso8601, ParsesWithoutFraction) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(parse_iso8601("2026-11-23T10:15:30Z").value(), 1795428930000);
}

TEST(Iso8601, TruncatesFractionToMilliseconds) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00.5Z").value(), 500);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00.05Z").value(), 50);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00.1239Z").value(), 123);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00.999999999Z").value(), 999);
  EXPECT_EQ(parse_iso8601("1969-12-31T23:59:59.9999Z").value(), -1);
}

TEST(Iso8601, AppliesOffsets) {
  EXPECT_EQ(parse_iso8601("2026-11-23T11:15:30.123+01:00").value(), 1795428930123);
  EXPECT_EQ(parse_iso8601("2026-11-23T05:45:30.123-04:30").value(), 1795428930123);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00-00:00").value(), 0);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00+23:59").value(), -(23 * kHour + 59 * kMinute));
}

TEST(Iso8601, AcceptsLeapDaysOnlyInLeapYears) {
  EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00Z").ok());
  EXPECT_TRUE(parse_iso8601("2000-02-29T00:00:00Z").ok());
  EXPECT_TRUE(parse_iso8601("0000-02-29T00:00:00Z").ok());
  ExpectRejected(parse_iso8601("2023-02-29T00:00:00Z"), "2023-02-29T00:00:00Z", "day 29");
  ExpectRejected(parse_iso8601("1900-02-29T00:00:00Z"), "1900-02-29T00:00:00Z", "day 29");
  ExpectRejected(parse_iso8601("2100-02-29T00:00:00Z"), "2100-02-29T00:00:00Z", "day 29");
}

TEST(Iso8601, RejectsOutOfRangeFields) {
  ExpectRejected(parse_iso8601("2026-00-10T00:00:00Z"), "2026-00-10T00:00:00Z", "month 00");
  ExpectRejected(parse_iso8601("2026-13-10T00:00:00Z"), "2026-13-10T00:00:00Z", "month 13");
  ExpectRejected(parse_iso8601("2026-01-00T00:00:00Z"), "2026-01-00T00:00:00Z", "day 00");
  ExpectRejected(parse_iso8601("2026-01-32T00:00:00Z"), "2026-01-32T00:00:00Z", "day 32");
  ExpectRejected(parse_iso8601("2026-04-31T00:00:00Z"), "2026-04-31T00:00:00Z", "day 31");
  ExpectRejected(parse_iso8601("2026-11-23T24:00:00Z"), "2026-11-23T24:00:00Z", "hour 24");
  ExpectRejected(parse_iso8601("2026-11-23T10:60:00Z"), "2026-11-23T10:60:00Z", "minute 60");
  ExpectRejected(parse_iso8601("2026-11-23T10:15:60Z"), "2026-11-23T10:15:60Z", "second 60");
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30+24:00"), "2026-11-23T10:15:30+24:00",
                 "offset hour 24");
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30+01:60"), "2026-11-23T10:15:30+01:60",
                 "offset minute 60");
}

TEST(Iso8601, RejectsWrongDigitCounts) {
  for (std::string_view text :
       {"26-11-23T10:15:30Z", "20261-11-23T10:15:30Z", "2026-1-23T10:15:30Z", "2026-11-3T10:15:30Z",
        "2026-11-23T1:15:30Z", "2026-11-23T10:5:30Z", "2026-11-23T10:15:3Z",
        "2026-11-23T10:15:300Z", "2026-11-23T10:15:30+1:00", "2026-11-23T10:15:30+01:0",
        "2026-11-23T10:15:30+0100"}) {
    ExpectRejected(parse_iso8601(text), text, "expected");
  }
}

TEST(Iso8601, RejectsBadFractions) {
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30.Z"), "2026-11-23T10:15:30.Z", "fraction");
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30.1234567890Z"),
                 "2026-11-23T10:15:30.1234567890Z", "fraction");
}

TEST(Iso8601, RequiresTimeZone) {
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30"), "2026-11-23T10:15:30", "time zone");
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30.123"), "2026-11-23T10:15:30.123", "time zone");
}

TEST(Iso8601, RejectsTrailingGarbageAndBadSeparators) {
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30ZZ"), "2026-11-23T10:15:30ZZ");
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30Z "), "2026-11-23T10:15:30Z ");
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30+01:00x"), "2026-11-23T10:15:30+01:00x");
  ExpectRejected(parse_iso8601(" 2026-11-23T10:15:30Z"), " 2026-11-23T10:15:30Z");
  ExpectRejected(parse_iso8601("2026-11-23X10:15:30Z"), "2026-11-23X10:15:30Z");
  ExpectRejected(parse_iso8601("2026/11/23T10:15:30Z"), "2026/11/23T10:15:30Z");
  ExpectRejected(parse_iso8601("2026-11-23T10.15.30Z"), "2026-11-23T10.15.30Z");
  ExpectRejected(parse_iso8601("2026-11-23T10:15:30UTC"), "2026-11-23T10:15:30UTC");
  ExpectRejected(parse_iso8601("2026-11-23"), "2026-11-23");
  ExpectRejected(parse_iso8601(""), "");
  ExpectRejected(parse_iso8601("now"), "now");
  ExpectRejected(parse_iso8601("+2026-11-23T10:15:30Z"), "+2026-11-23T10:15:30Z");
}

TEST(Iso8601, RejectsInstantsOutsideFormattableRange) {
  ExpectRejected(parse_iso8601("0000-01-01T00:00:00+00:01"), "0000-01-01T00:00:00+00:01",
                 "outside");
  ExpectRejected(parse_iso8601("9999-12-31T23:59:59-01:00"), "9999-12-31T23:59:59-01:00",
                 "outside");
  EXPECT_EQ(parse_iso8601("0000-01-01T01:00:00+01:00").value(), kMinFormattableMillis);
}

TEST(Iso8601, RejectsNonAsciiBytesWithoutCrashing) {
  const std::string text = "2026-11-23T10:15:30\xff";
  ExpectRejected(parse_iso8601(text), text, "0xff");
}

TEST(Iso8601, TruncatesVeryLongTextInMessage) {
  const std::string text(10000, '9');
  const auto result = parse_iso8601(text);
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.status().message().size(), 400u);
  EXPECT_NE(result.status().message().find("'9999999999"), std::string::npos);
}

// ---- "YYYY-MM-DD HH:MM:SS" parsing -------------------------------------------------------------

TEST(DateTime, ParsesLabFileTimes) {
  EXPECT_EQ(parse_datetime("2019-10-01 00:26:02").value(), 1569889562000);
  EXPECT_EQ(parse_datetime("2019-10-01 00:39:58").value(), 1569890398000);
  EXPECT_EQ(parse_datetime("1970-01-01 00:00:00").value(), 0);
}

TEST(DateTime, ParsesOptionalFraction) {
  EXPECT_EQ(parse_datetime("2019-10-01 00:26:02.001").value(), 1569889562001);
  EXPECT_EQ(parse_datetime("2019-10-01 00:26:02.5").value(), 1569889562500);
  EXPECT_EQ(parse_datetime("2019-10-01 00:26:02.123456789").value(), 1569889562123);
  ExpectRejected(parse_datetime("2019-10-01 00:26:02."), "2019-10-01 00:26:02.", "fraction");
  ExpectRejected(parse_datetime("2019-10-01 00:26:02.1234567890"), "2019-10-01 00:26:02.1234567890",
                 "fraction");
}

TEST(DateTime, RejectsZonesAndOtherSeparators) {
  ExpectRejected(parse_datetime("2019-10-01 00:26:02Z"), "2019-10-01 00:26:02Z");
  ExpectRejected(parse_datetime("2019-10-01 00:26:02+01:00"), "2019-10-01 00:26:02+01:00");
  ExpectRejected(parse_datetime("2019-10-01T00:26:02"), "2019-10-01T00:26:02", "' '");
  ExpectRejected(parse_datetime("2019-10-01  00:26:02"), "2019-10-01  00:26:02");
  ExpectRejected(parse_datetime("2019-10-01 00:26:02 "), "2019-10-01 00:26:02 ");
  ExpectRejected(parse_datetime("2019-10-01 00:26"), "2019-10-01 00:26");
  ExpectRejected(parse_datetime(""), "");
}

TEST(DateTime, RejectsOutOfRangeFields) {
  ExpectRejected(parse_datetime("2019-13-01 00:00:00"), "2019-13-01 00:00:00", "month 13");
  ExpectRejected(parse_datetime("2019-02-29 00:00:00"), "2019-02-29 00:00:00", "day 29");
  ExpectRejected(parse_datetime("2019-06-31 00:00:00"), "2019-06-31 00:00:00", "day 31");
  ExpectRejected(parse_datetime("2019-10-01 24:00:00"), "2019-10-01 24:00:00", "hour 24");
  ExpectRejected(parse_datetime("2019-10-01 00:60:00"), "2019-10-01 00:60:00", "minute 60");
  ExpectRejected(parse_datetime("2019-10-01 00:00:60"), "2019-10-01 00:00:60", "second 60");
  ExpectRejected(parse_datetime("2019-1-01 00:00:00"), "2019-1-01 00:00:00", "month");
  EXPECT_TRUE(parse_datetime("2020-02-29 23:59:59").ok());
}

// ---- epoch millis ------------------------------------------------------------------------------

TEST(EpochMillis, ParsesIntegers) {
  EXPECT_EQ(parse_epoch_millis("1732345678901").value(), 1732345678901);
  EXPECT_EQ(parse_epoch_millis("0").value(), 0);
  EXPECT_EQ(parse_epoch_millis("-1").value(), -1);
  EXPECT_EQ(parse_epoch_millis("9223372036854775807").value(), kInt64Max);
  EXPECT_EQ(parse_epoch_millis("-9223372036854775808").value(), kInt64Min);
}

TEST(EpochMillis, RejectsNonIntegersAndOverflow) {
  for (std::string_view text :
       {"", "-", "+1", "1.5", "1e3", " 1", "1 ", "12a", "0x10", "--1", "9223372036854775808",
        "-9223372036854775809", "99999999999999999999999"}) {
    ExpectRejected(parse_epoch_millis(text), text);
  }
  ExpectRejected(parse_epoch_millis("9223372036854775808"), "9223372036854775808", "range");
}

// ---- user times ---------------------------------------------------------------------------------

constexpr std::int64_t kNow = 1795428930123;  // 2026-11-23T10:15:30.123Z

TEST(ParseTime, AcceptsEveryForm) {
  EXPECT_EQ(parse_time("now", kNow).value(), kNow);
  EXPECT_EQ(parse_time("1732345678901", kNow).value(), 1732345678901);
  EXPECT_EQ(parse_time("-1000", kNow).value(), -1000);
  EXPECT_EQ(parse_time("2026-11-23T10:15:30.123Z", kNow).value(), kNow);
  EXPECT_EQ(parse_time("2026-11-23T11:15:30.123+01:00", kNow).value(), kNow);
  EXPECT_EQ(parse_time("2026-11-23 10:15:30.123Z", kNow).value(), kNow);
  EXPECT_EQ(parse_time("2026-11-23 09:15:30.123-01:00", kNow).value(), kNow);
  EXPECT_EQ(parse_time("2019-10-01 00:26:02", kNow).value(), 1569889562000);
  EXPECT_EQ(parse_time("2019-10-01 00:26:02.5", kNow).value(), 1569889562500);
}

TEST(ParseTime, AcceptsSignedDurationsRelativeToNow) {
  EXPECT_EQ(parse_time("-1h", kNow).value(), kNow - kHour);
  EXPECT_EQ(parse_time("+15m", kNow).value(), kNow + 15 * kMinute);
  EXPECT_EQ(parse_time("-1h30m", kNow).value(), kNow - 90 * kMinute);
  EXPECT_EQ(parse_time("+0", kNow).value(), kNow);
  EXPECT_EQ(parse_time("-250ms", kNow).value(), kNow - 250);
  EXPECT_EQ(parse_time("-2d", 0).value(), -2 * kDay);
}

TEST(ParseTime, RejectsUnknownFormsNamingTheText) {
  for (std::string_view text :
       {"", "yesterday", "NOW", " now", "now ", "1h", "-1x", "+1000", "-1.5h", "+", "-",
        "2026-11-23", "2026-11-23T10:15:30", "2026-13-23 10:15:30", "2026-11-23 10:15:30 Z",
        "1732345678901ms"}) {
    ExpectRejected(parse_time(text, kNow), text);
  }
}

TEST(ParseTime, HintsAtSignForBareDuration) {
  const auto result = parse_time("15m", kNow);
  ExpectRejected(result, "15m", "-15m");
}

TEST(ParseTime, RejectsRelativeOverflow) {
  ExpectRejected(parse_time("+1d", kInt64Max - 1), "+1d", "range");
  ExpectRejected(parse_time("-1d", kInt64Min + 1), "-1d", "range");
  ExpectRejected(parse_time("-99999999999999999999d", kNow), "-99999999999999999999d");
}

// ---- durations
// -----------------------------------------------------------------------------------

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(parse_duration("250ms").value(), 250);
  EXPECT_EQ(parse_duration("15s").value(), 15 * kSecond);
  EXPECT_EQ(parse_duration("5m").value(), 5 * kMinute);
  EXPECT_EQ(parse_duration("1h").value(), kHour);
  EXPECT_EQ(parse_duration("2d").value(), 2 * kDay);
  EXPECT_EQ(parse_duration("0").value(), 0);
  EXPECT_EQ(parse_duration("0s").value(), 0);
  EXPECT_EQ(parse_duration("90s").value(), 90 * kSecond);
}

TEST(Duration, ParsesCompounds) {
  EXPECT_EQ(parse_duration("1h30m").value(), 90 * kMinute);
  EXPECT_EQ(parse_duration("1m30s").value(), 90 * kSecond);
  EXPECT_EQ(parse_duration("1d2h3m4s5ms").value(),
            kDay + 2 * kHour + 3 * kMinute + 4 * kSecond + 5);
  EXPECT_EQ(parse_duration("1s500ms").value(), 1500);
}

TEST(Duration, ParsesLargestValue) {
  EXPECT_EQ(parse_duration("9223372036854775807ms").value(), kInt64Max);
  EXPECT_EQ(parse_duration("106751991167d7h12m55s807ms").value(), kInt64Max);
}

TEST(Duration, RejectsEmptyAndWhitespace) {
  ExpectRejected(parse_duration(""), "", "empty");
  for (std::string_view text : {" 1s", "1s ", "1 s", "1h 30m", "\t1s", "1s\n"}) {
    ExpectRejected(parse_duration(text), text);
  }
}

TEST(Duration, RejectsSigns) {
  ExpectRejected(parse_duration("-1s"), "-1s", "sign");
  ExpectRejected(parse_duration("+1s"), "+1s", "sign");
  ExpectRejected(parse_duration("-0"), "-0", "sign");
}

TEST(Duration, RejectsFractions) {
  ExpectRejected(parse_duration("1.5h"), "1.5h", "fraction");
  ExpectRejected(parse_duration("0.5s"), "0.5s", "fraction");
  ExpectRejected(parse_duration("1,5s"), "1,5s", "fraction");
}

TEST(Duration, RejectsMissingUnit) {
  ExpectRejected(parse_duration("15"), "15", "missing unit");
  ExpectRejected(parse_duration("1h30"), "1h30", "missing unit");
  ExpectRejected(parse_duration("00"), "00", "missing unit");
  ExpectRejected(parse_duration("h"), "h", "expected a number");
  ExpectRejected(parse_duration("1hm"), "1hm", "unknown unit 'hm'");
}

TEST(Duration, RejectsUnknownUnits) {
  for (std::string_view text :
       {"1x", "1H", "1S", "1sec", "1min", "1us", "1ns", "1w", "1y", "1Ms"}) {
    ExpectRejected(parse_duration(text), text, "unknown unit");
  }
}

TEST(Duration, RejectsRepeatedOrOutOfOrderUnits) {
  ExpectRejected(parse_duration("1m1m"), "1m1m", "repeated or out of order");
  ExpectRejected(parse_duration("30s1m"), "30s1m", "repeated or out of order");
  ExpectRejected(parse_duration("5ms1s"), "5ms1s", "repeated or out of order");
}

TEST(Duration, RejectsOverflow) {
  ExpectRejected(parse_duration("9223372036854775808ms"), "9223372036854775808ms", "too large");
  ExpectRejected(parse_duration("106751991167d7h12m55s808ms"), "106751991167d7h12m55s808ms",
                 "too large");
  ExpectRejected(parse_duration("106751991168d"), "106751991168d", "too large");
  ExpectRejected(parse_duration("99999999999999999999999s"), "99999999999999999999999s",
                 "too large");
}

TEST(Duration, RejectsOtherGarbage) {
  for (std::string_view text : {"s", "ms", "1s!", "1h-30m", "1_000ms", "0x10s", "∞s"}) {
    ExpectRejected(parse_duration(text), text);
  }
}

TEST(FormatDuration, WritesCanonicalText) {
  EXPECT_EQ(format_duration(0), "0");
  EXPECT_EQ(format_duration(250), "250ms");
  EXPECT_EQ(format_duration(1000), "1s");
  EXPECT_EQ(format_duration(90000), "1m30s");
  EXPECT_EQ(format_duration(kHour), "1h");
  EXPECT_EQ(format_duration(90 * kMinute), "1h30m");
  EXPECT_EQ(format_duration(kDay + 2 * kHour), "1d2h");
  EXPECT_EQ(format_duration(kDay + 1), "1d1ms");
  EXPECT_EQ(format_duration(kInt64Max), "106751991167d7h12m55s807ms");
}

TEST(FormatDuration, WritesNegativeWithSignThatParseTimeReadsBack) {
  EXPECT_EQ(format_duration(-90000), "-1m30s");
  EXPECT_EQ(parse_time(format_duration(-90000), kNow).value(), kNow - 90000);
  EXPECT_EQ(format_duration(kInt64Min), "-106751991167d7h12m55s808ms");
}

TEST(FormatDuration, RoundTripsThroughParseDuration) {
  std::vector<std::int64_t> values = {
      0,        1,        999,   1000, 1001,      59999,         60000,      3599999,       3600000,
      86399999, 86400000, 90000, 250,  kInt64Max, kInt64Max - 1, kDay * 365, kDay * 365 + 1};
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> any(0, kInt64Max);
  std::uniform_int_distribution<std::int64_t> small(0, 10 * kDay);
  for (int i = 0; i < 5000; ++i) values.push_back(i % 2 == 0 ? any(rng) : small(rng));
  for (std::int64_t ms : values) {
    const std::string text = format_duration(ms);
    const auto parsed = parse_duration(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().to_string();
    ASSERT_EQ(*parsed, ms) << text;
  }
}

}  // namespace
}  // namespace tidemark::core
