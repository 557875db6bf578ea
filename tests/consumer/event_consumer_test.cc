// EventConsumer's pure parts (no broker): the auto.offset.reset Flink forces per startup mode,
// the decode error policy names, and the option combinations create() refuses.
#include "tidemark/consumer/event_consumer.h"

#include <gtest/gtest.h>

#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::consumer {
namespace {

TEST(ForcedAutoOffsetReset, FollowsFlinksBuilderPerStartupMode) {
  StartupSpec s;
  s.reset = OffsetResetStrategy::kNone;
  s.mode = StartupMode::kEarliestOffset;
  EXPECT_EQ(forced_auto_offset_reset(s), kafka::AutoOffsetReset::kEarliest);
  s.mode = StartupMode::kLatestOffset;
  EXPECT_EQ(forced_auto_offset_reset(s), kafka::AutoOffsetReset::kLatest);
  s.mode = StartupMode::kTimestamp;
  EXPECT_EQ(forced_auto_offset_reset(s), kafka::AutoOffsetReset::kLatest);
  s.mode = StartupMode::kGroupOffsets;
  EXPECT_EQ(forced_auto_offset_reset(s), kafka::AutoOffsetReset::kError);  // Flink's none
  s.reset = OffsetResetStrategy::kLatest;
  EXPECT_EQ(forced_auto_offset_reset(s), kafka::AutoOffsetReset::kLatest);
  s.mode = StartupMode::kSpecificOffsets;
  s.reset = OffsetResetStrategy::kEarliest;
  EXPECT_EQ(forced_auto_offset_reset(s), kafka::AutoOffsetReset::kEarliest);
  // The reset strategy of the other modes is Flink's, whatever the spec says.
  s.mode = StartupMode::kEarliestOffset;
  s.reset = OffsetResetStrategy::kLatest;
  EXPECT_EQ(forced_auto_offset_reset(s), kafka::AutoOffsetReset::kEarliest);
}

TEST(DecodeErrorPolicy, ParsesSkipAndFailOnly) {
  EXPECT_EQ(*parse_decode_error_policy("skip"), DecodeErrorPolicy::kSkip);
  EXPECT_EQ(*parse_decode_error_policy("fail"), DecodeErrorPolicy::kFail);
  core::Result<DecodeErrorPolicy> bad = parse_decode_error_policy("ignore");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'ignore'"), std::string::npos) << bad.status().message();
  EXPECT_EQ(to_string(DecodeErrorPolicy::kFail), "fail");
}

class EventConsumerCreate : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = serializers::make_builtin_registry(); }
  core::Status create(ConsumeOptions o) {
    o.topic = topic_;  // (a literal here trips GCC 12's false -Wrestrict)
    if (o.decode.registry == nullptr) o.decode.registry = &registry_;
    kafka::Config config(kafka::ClientRole::kConsumer);
    return EventConsumer::create(config, "127.0.0.1:1", std::move(o)).status();
  }
  serializers::SerializerRegistry registry_;
  const std::string topic_{"t"};
};

TEST_F(EventConsumerCreate, RefusesInconsistentOptions) {
  ConsumeOptions commit_without_group;
  commit_without_group.commit = true;
  EXPECT_EQ(create(commit_without_group).code(), core::StatusCode::kInvalidArgument);

  ConsumeOptions subscribe_without_group;
  subscribe_without_group.subscribe = true;
  subscribe_without_group.startup.mode = StartupMode::kGroupOffsets;
  EXPECT_EQ(create(subscribe_without_group).code(), core::StatusCode::kInvalidArgument);

  ConsumeOptions subscribe_bounded;
  subscribe_bounded.group = "g";
  subscribe_bounded.subscribe = true;
  subscribe_bounded.startup.mode = StartupMode::kGroupOffsets;
  subscribe_bounded.bounded.mode = BoundedMode::kLatestOffset;
  EXPECT_EQ(create(subscribe_bounded).code(), core::StatusCode::kInvalidArgument);

  ConsumeOptions subscribe_earliest;
  subscribe_earliest.group = "g";
  subscribe_earliest.subscribe = true;
  EXPECT_EQ(create(subscribe_earliest).code(), core::StatusCode::kInvalidArgument);

  ConsumeOptions fine;
  fine.group = "g";
  fine.subscribe = true;
  fine.commit = true;
  fine.startup.mode = StartupMode::kGroupOffsets;
  EXPECT_TRUE(create(fine).ok()) << create(fine).message();
}

}  // namespace
}  // namespace tidemark::consumer
