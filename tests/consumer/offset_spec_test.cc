#include "tidemark/consumer/offset_spec.h"

#include <gtest/gtest.h>

namespace tidemark::consumer {
namespace {

TEST(ModeNames, RoundTripFlinkNames) {
  for (auto mode : {StartupMode::kEarliestOffset, StartupMode::kLatestOffset,
                    StartupMode::kGroupOffsets, StartupMode::kTimestamp,
                    StartupMode::kSpecificOffsets}) {
    auto parsed = parse_startup_mode(to_string(mode));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(*parsed, mode);
  }
  for (auto mode : {BoundedMode::kUnbounded, BoundedMode::kLatestOffset,
                    BoundedMode::kGroupOffsets, BoundedMode::kTimestamp,
                    BoundedMode::kSpecificOffsets}) {
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

}  // namespace
}  // namespace tidemark::consumer
