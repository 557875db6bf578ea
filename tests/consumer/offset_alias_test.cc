// kcat's and rpk's -o values: each form, the Flink mode and flags it maps to, and the forms that
// are rejected (docs/startup-modes.md has the table these tests pin down).
#include <gtest/gtest.h>

#include <string>

#include "tidemark/consumer/offset_spec.h"
#include "tidemark/core/time.h"

namespace tidemark::consumer {
namespace {

constexpr std::int64_t kNow = 1700000000000;  // 2023-11-14T22:13:20Z
constexpr std::int64_t kHour = 3600000;

OffsetAlias parse_ok(std::string_view text) {
  auto alias = parse_offset_alias(text, kNow);
  EXPECT_TRUE(alias.ok()) << text << ": " << alias.status().message();
  return alias.ok() ? *alias : OffsetAlias{};
}

void expect_rejected(std::string_view text) {
  auto alias = parse_offset_alias(text, kNow);
  ASSERT_FALSE(alias.ok()) << "accepted: " << text;
  EXPECT_EQ(alias.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(alias.status().message().find("-o " + core::quoted(text)), std::string::npos)
      << alias.status().message();
}

void expect_startup(const OffsetAlias& alias, StartupMode mode) {
  ASSERT_TRUE(alias.startup.has_value());
  EXPECT_EQ(alias.startup->mode, mode);
}

void expect_bounded(const OffsetAlias& alias, BoundedMode mode) {
  ASSERT_TRUE(alias.bounded.has_value());
  EXPECT_EQ(alias.bounded->mode, mode);
}

std::int64_t ms(std::string_view iso) { return *core::parse_iso8601(iso); }

// ---- kcat ----

TEST(OffsetAlias, BeginningStartOldestAreEarliestOffset) {
  for (std::string_view text : {"beginning", "start", "oldest"}) {
    const OffsetAlias alias = parse_ok(text);
    expect_startup(alias, StartupMode::kEarliestOffset);
    EXPECT_FALSE(alias.bounded.has_value());
    EXPECT_EQ(alias.flink_equivalent, "--startup-mode earliest-offset");
    EXPECT_EQ(alias.startup->origin, "-o " + std::string(text));
  }
}

TEST(OffsetAlias, EndAndNewestAreLatestOffset) {
  for (std::string_view text : {"end", "newest"}) {
    const OffsetAlias alias = parse_ok(text);
    expect_startup(alias, StartupMode::kLatestOffset);
    EXPECT_FALSE(alias.bounded.has_value());
    EXPECT_EQ(alias.flink_equivalent, "--startup-mode latest-offset");
  }
}

TEST(OffsetAlias, StoredIsGroupOffsetsWithFlinksDefaultResetNone) {
  const OffsetAlias alias = parse_ok("stored");
  expect_startup(alias, StartupMode::kGroupOffsets);
  EXPECT_EQ(alias.startup->reset, OffsetResetStrategy::kNone);
  EXPECT_EQ(alias.flink_equivalent, "--startup-mode group-offsets -g GROUP");
}

TEST(OffsetAlias, AbsoluteOffsetIsThatOffsetInEveryPartition) {
  const OffsetAlias alias = parse_ok("42");
  expect_startup(alias, StartupMode::kSpecificOffsets);
  EXPECT_EQ(alias.startup->every_partition_offset, 42);
  EXPECT_TRUE(alias.startup->specific.empty());
  EXPECT_FALSE(alias.bounded.has_value());
  EXPECT_EQ(alias.flink_equivalent,
            "--startup-mode specific-offsets --startup-specific-offsets "
            "'partition:0,offset:42;partition:1,offset:42;...' (offset 42 in every partition)");
  EXPECT_EQ(parse_ok("0").startup->every_partition_offset, 0);
}

TEST(OffsetAlias, MinusNIsNBeforeTheEnd) {
  const OffsetAlias alias = parse_ok("-10");
  expect_startup(alias, StartupMode::kSpecificOffsets);
  EXPECT_EQ(alias.startup->from_end, 10);
  EXPECT_FALSE(alias.startup->every_partition_offset.has_value());
  EXPECT_EQ(alias.flink_equivalent,
            "no Flink flag: --startup-mode specific-offsets at end offset - 10 in every partition");
}

TEST(OffsetAlias, MinusZeroIsTheEndNotOffsetZero) {
  // kcat's strtoll would read "-0" as absolute offset 0; rpk reads it as 0 before the end.
  EXPECT_EQ(parse_ok("-0").startup->from_end, 0);
}

TEST(OffsetAlias, StartTimestampIsTimestampMode) {
  const OffsetAlias alias = parse_ok("s@1700000000000");
  expect_startup(alias, StartupMode::kTimestamp);
  EXPECT_EQ(alias.startup->timestamp_ms, 1700000000000);
  EXPECT_FALSE(alias.bounded.has_value());
  EXPECT_EQ(alias.flink_equivalent,
            "--startup-mode timestamp --startup-timestamp-millis 1700000000000");
  EXPECT_EQ(alias.startup->origin, "-o s@1700000000000");
}

TEST(OffsetAlias, EndTimestampIsBoundedTimestampOnly) {
  const OffsetAlias alias = parse_ok("e@1700000000000");
  EXPECT_FALSE(alias.startup.has_value());
  expect_bounded(alias, BoundedMode::kTimestamp);
  EXPECT_EQ(alias.bounded->timestamp_ms, 1700000000000);
  EXPECT_EQ(alias.flink_equivalent,
            "--bounded-mode timestamp --bounded-timestamp-millis 1700000000000");
}

TEST(OffsetAlias, KcatTimestampsMustBeNonNegativeMillis) {
  expect_rejected("s@");
  expect_rejected("e@");
  expect_rejected("s@-5");
  expect_rejected("s@abc");
  expect_rejected("e@12x");
  expect_rejected("s@99999999999999999999");
}

// ---- rpk ----

TEST(OffsetAlias, PlusNIsNAfterTheLogStart) {
  const OffsetAlias alias = parse_ok("+3");
  expect_startup(alias, StartupMode::kSpecificOffsets);
  EXPECT_EQ(alias.startup->from_beginning, 3);
  EXPECT_EQ(alias.flink_equivalent,
            "no Flink flag: --startup-mode specific-offsets at log start offset + 3 in every "
            "partition");
}

TEST(OffsetAlias, ColonEndReadsFromEarliestUntilTheCurrentEnd) {
  const OffsetAlias alias = parse_ok(":end");
  expect_startup(alias, StartupMode::kEarliestOffset);
  expect_bounded(alias, BoundedMode::kLatestOffset);
  EXPECT_EQ(alias.flink_equivalent, "--startup-mode earliest-offset --bounded-mode latest-offset");
  EXPECT_EQ(alias.bounded->origin, "-o :end");
}

TEST(OffsetAlias, OffsetWithTrailingColonIsTheOffset) {
  const OffsetAlias alias = parse_ok("47:");
  EXPECT_EQ(alias.startup->every_partition_offset, 47);
  EXPECT_FALSE(alias.bounded.has_value());
}

TEST(OffsetAlias, ColonNReadsFromEarliestUntilOffsetN) {
  const OffsetAlias alias = parse_ok(":100");
  expect_startup(alias, StartupMode::kEarliestOffset);
  expect_bounded(alias, BoundedMode::kSpecificOffsets);
  EXPECT_EQ(alias.bounded->every_partition_offset, 100);
  EXPECT_EQ(alias.flink_equivalent,
            "--startup-mode earliest-offset --bounded-mode specific-offsets "
            "--bounded-specific-offsets 'partition:0,offset:100;partition:1,offset:100;...' "
            "(offset 100 in every partition), capped at the end offset");
}

TEST(OffsetAlias, OffsetRangeWithColonOrDash) {
  for (std::string_view text : {"10:20", "10-20"}) {
    const OffsetAlias alias = parse_ok(text);
    expect_startup(alias, StartupMode::kSpecificOffsets);
    EXPECT_EQ(alias.startup->every_partition_offset, 10);
    expect_bounded(alias, BoundedMode::kSpecificOffsets);
    EXPECT_EQ(alias.bounded->every_partition_offset, 20);
  }
}

TEST(OffsetAlias, OffsetRangeNeedsStopAfterStart) {
  expect_rejected("20:10");
  expect_rejected("10:10");
  expect_rejected("10-10");
  EXPECT_NE(parse_offset_alias("20:10", kNow).status().message().find("must be greater"),
            std::string::npos);
}

TEST(OffsetAlias, OffsetUntilEnd) {
  for (std::string_view text : {"10:end", "10-end"}) {
    const OffsetAlias alias = parse_ok(text);
    EXPECT_EQ(alias.startup->every_partition_offset, 10);
    expect_bounded(alias, BoundedMode::kLatestOffset);
  }
}

TEST(OffsetAlias, AtThirteenDigitsIsEpochMillis) {
  const OffsetAlias alias = parse_ok("@1700000000123");
  expect_startup(alias, StartupMode::kTimestamp);
  EXPECT_EQ(alias.startup->timestamp_ms, 1700000000123);
  EXPECT_FALSE(alias.bounded.has_value());
  EXPECT_EQ(alias.flink_equivalent,
            "--startup-mode timestamp --startup-timestamp-millis 1700000000123");
}

TEST(OffsetAlias, AtTenDigitsIsEpochSeconds) {
  EXPECT_EQ(parse_ok("@1700000000").startup->timestamp_ms, 1700000000000);
}

TEST(OffsetAlias, AtDateIsMidnightUtc) {
  EXPECT_EQ(parse_ok("@2024-02-14").startup->timestamp_ms, ms("2024-02-14T00:00:00Z"));
}

TEST(OffsetAlias, AtRfc3339WithAndWithoutFraction) {
  EXPECT_EQ(parse_ok("@2024-02-14T10:15:30Z").startup->timestamp_ms, ms("2024-02-14T10:15:30Z"));
  EXPECT_EQ(parse_ok("@2024-02-14T10:15:30.123Z").startup->timestamp_ms,
            ms("2024-02-14T10:15:30.123Z"));
}

TEST(OffsetAlias, AtDurationIsRelativeToNow) {
  EXPECT_EQ(parse_ok("@-1h").startup->timestamp_ms, kNow - kHour);
  EXPECT_EQ(parse_ok("@1h").startup->timestamp_ms, kNow + kHour);
  EXPECT_EQ(parse_ok("@+1m3ms").startup->timestamp_ms, kNow + 60003);
  EXPECT_EQ(parse_ok("@0").startup->timestamp_ms, kNow);  // a duration of 0, as in rpk
}

TEST(OffsetAlias, AtTimeWithTrailingColonIsTheTime) {
  const OffsetAlias alias = parse_ok("@1700000000000:");
  EXPECT_EQ(alias.startup->timestamp_ms, 1700000000000);
  EXPECT_FALSE(alias.bounded.has_value());
}

TEST(OffsetAlias, AtColonTimeReadsFromEarliestUntilTheTime) {
  const OffsetAlias alias = parse_ok("@:-1h");
  expect_startup(alias, StartupMode::kEarliestOffset);
  expect_bounded(alias, BoundedMode::kTimestamp);
  EXPECT_EQ(alias.bounded->timestamp_ms, kNow - kHour);
  EXPECT_EQ(alias.flink_equivalent,
            "--startup-mode earliest-offset --bounded-mode timestamp "
            "--bounded-timestamp-millis " +
                std::to_string(kNow - kHour));
}

TEST(OffsetAlias, AtColonEndIsEarliestUntilTheEnd) {
  const OffsetAlias alias = parse_ok("@:end");
  expect_startup(alias, StartupMode::kEarliestOffset);
  expect_bounded(alias, BoundedMode::kLatestOffset);
}

TEST(OffsetAlias, TimeRangeOfTwoDurationsIsRelativeToNow) {
  const OffsetAlias alias = parse_ok("@-48h:-24h");
  EXPECT_EQ(alias.startup->timestamp_ms, kNow - 48 * kHour);
  EXPECT_EQ(alias.bounded->timestamp_ms, kNow - 24 * kHour);
  EXPECT_EQ(alias.flink_equivalent, "--startup-mode timestamp --startup-timestamp-millis " +
                                        std::to_string(kNow - 48 * kHour) +
                                        " --bounded-mode timestamp --bounded-timestamp-millis " +
                                        std::to_string(kNow - 24 * kHour));
}

TEST(OffsetAlias, DurationStopIsRelativeToAnAbsoluteStart) {
  const OffsetAlias alias = parse_ok("@2022-02-14:1h");
  EXPECT_EQ(alias.startup->timestamp_ms, ms("2022-02-14T00:00:00Z"));
  EXPECT_EQ(alias.bounded->timestamp_ms, ms("2022-02-14T01:00:00Z"));
}

TEST(OffsetAlias, TimeUntilEnd) {
  const OffsetAlias alias = parse_ok("@-1m:end");
  EXPECT_EQ(alias.startup->timestamp_ms, kNow - 60000);
  expect_bounded(alias, BoundedMode::kLatestOffset);
}

TEST(OffsetAlias, TimeRangeOfTwoRfc3339TimesDespiteTheirColons) {
  const OffsetAlias alias = parse_ok("@2024-02-14T10:15:30Z:2024-02-14T11:00:00.5Z");
  EXPECT_EQ(alias.startup->timestamp_ms, ms("2024-02-14T10:15:30Z"));
  EXPECT_EQ(alias.bounded->timestamp_ms, ms("2024-02-14T11:00:00.500Z"));
}

TEST(OffsetAlias, DurationStartWithRfc3339Stop) {
  const OffsetAlias alias = parse_ok("@-1h:2023-11-14T22:00:00Z");
  EXPECT_EQ(alias.startup->timestamp_ms, kNow - kHour);
  EXPECT_EQ(alias.bounded->timestamp_ms, ms("2023-11-14T22:00:00Z"));
}

TEST(OffsetAlias, MalformedTimesAreRejected) {
  expect_rejected("@");
  expect_rejected("@:");
  expect_rejected("@end");
  expect_rejected("@170000000000");         // 12 digits: neither ms nor s
  expect_rejected("@-1hr");                 // not a duration unit
  expect_rejected("@1.5h");                 // no fractions
  expect_rejected("@2024-02-14T10:15:30");  // RFC3339 needs its Z
  expect_rejected("@2024-02-30");
  expect_rejected("@-1h:junk");
  expect_rejected("@1700000000000:1700000000001x");
  expect_rejected("@2024-02-14T10:15:30Zx");
  expect_rejected("@1700000000000:end:");
  EXPECT_NE(parse_offset_alias("@170000000000", kNow).status().message().find("13 digits"),
            std::string::npos);
}

TEST(OffsetAlias, TimesBeforeTheEpochAreRejected) {
  expect_rejected("@-100000d");
  expect_rejected("@:-100000d");
}

// ---- neither ----

TEST(OffsetAlias, UnknownFormsAreRejectedListingTheForms) {
  for (std::string_view text :
       {"", "earliest", "latest", "BEGINNING", "End", "12abc", "1.5", " 5", "5 ", "-", "+", "+-3",
        "--3", "-3-5", ":", ":x", "x:5", "99999999999999999999"}) {
    expect_rejected(text);
  }
  EXPECT_NE(parse_offset_alias("earliest", kNow).status().message().find("s@MS"),
            std::string::npos);
}

}  // namespace
}  // namespace tidemark::consumer
