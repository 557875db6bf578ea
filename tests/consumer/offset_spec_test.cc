#include "tidemark/consumer/offset_spec.h"

#include <gtest/gtest.h>

namespace tidemark::consumer {
namespace {

TEST(ModeNames, RoundTripFlinkNames) {
  for (auto mode :
       {StartupMode::kEarliestOffset, StartupMode::kLatestOffset, StartupMode::kGroupOffsets,
        StartupMode::kTimestamp, StartupMode::kSpecificOffsets}) {
    auto parsed = parse_startup_mode(to_string(mode));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(*parsed, mode);
  }
  for (auto mode : {BoundedMode::kUnbounded, BoundedMode::kLatestOffset, BoundedMode::kGroupOffsets,
                    BoundedMode::kTimestamp, BoundedMode::kSpecificOffsets}) {
    auto parsed = parse_bounded_mode(to_string(mode));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(*parsed, mode);
  }
  EXPECT_EQ(to_string(StartupMode::kGroupOffsets), "group-offsets");
  EXPECT_EQ(to_string(BoundedMode::kUnbounded), "unbounded");
}

TEST(ModeNames, UnknownNameIsRejectedWithTheValidNames) {
  auto parsed = parse_startup_mode("earliest");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("'earliest'"), std::string::npos);
  EXPECT_NE(parsed.status().message().find("earliest-offset"), std::string::npos);
  EXPECT_FALSE(parse_bounded_mode("Unbounded").ok());
  EXPECT_FALSE(parse_offset_reset("smallest").ok());
  EXPECT_EQ(*parse_offset_reset("none"), OffsetResetStrategy::kNone);
}

TEST(Describe, StartupSpecsNameModeAndParameters) {
  StartupSpec spec;
  EXPECT_EQ(describe(spec), "earliest-offset");
  spec.mode = StartupMode::kLatestOffset;
  EXPECT_EQ(describe(spec), "latest-offset");
  spec.mode = StartupMode::kGroupOffsets;
  EXPECT_EQ(describe(spec), "group-offsets, auto.offset.reset none");
  spec.mode = StartupMode::kTimestamp;
  spec.timestamp_ms = 1700000000000;
  EXPECT_EQ(describe(spec), "timestamp 1700000000000 (2023-11-14T22:13:20.000Z)");
  spec.mode = StartupMode::kSpecificOffsets;
  spec.specific = {{1, 300}, {0, 42}};
  spec.reset = OffsetResetStrategy::kEarliest;
  EXPECT_EQ(describe(spec),
            "specific-offsets partition:0,offset:42;partition:1,offset:300, auto.offset.reset "
            "earliest");
}

TEST(Describe, EveryPartitionExtensionsSayWhatTheyMean) {
  StartupSpec spec;
  spec.mode = StartupMode::kSpecificOffsets;
  spec.every_partition_offset = 5;
  EXPECT_EQ(describe(spec), "specific-offsets: offset 5 in every partition");
  spec.every_partition_offset.reset();
  spec.from_end = 10;
  EXPECT_EQ(describe(spec), "specific-offsets: 10 before the end offset in every partition");
  spec.from_end.reset();
  spec.from_beginning = 3;
  EXPECT_EQ(describe(spec), "specific-offsets: 3 after the log start offset in every partition");
}

TEST(Describe, BoundedSpecsNameModeAndParameters) {
  BoundedSpec spec;
  EXPECT_EQ(describe(spec), "unbounded");
  spec.mode = BoundedMode::kLatestOffset;
  EXPECT_EQ(describe(spec), "latest-offset");
  spec.mode = BoundedMode::kTimestamp;
  spec.timestamp_ms = 5;
  EXPECT_EQ(describe(spec), "timestamp 5 (1970-01-01T00:00:00.005Z)");
  spec.mode = BoundedMode::kSpecificOffsets;
  spec.specific = {{0, 2}};
  EXPECT_EQ(describe(spec), "specific-offsets partition:0,offset:2");
  spec.specific.clear();
  spec.every_partition_offset = 20;
  EXPECT_EQ(describe(spec),
            "specific-offsets: offset 20 in every partition, capped at the end offset");
}

}  // namespace
}  // namespace tidemark::consumer
