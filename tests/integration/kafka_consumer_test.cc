// kafka::Consumer on the embedded broker: what a record looks like after the round trip, start
// markers and out-of-range resets, partition ends, commits and committed offsets without
// joining, offsets for a time through the scan fallback, and two subscribed members splitting a
// topic's partitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "consume_fixture.h"
#include "tidemark/kafka/consumer.h"
#include "tidemark/kafka/metadata.h"

namespace tidemark::kafka {
namespace {

using tidemark::testing::lab_records;
using tidemark::testing::produce_records;
using tidemark::testing::SeedRecord;
using tidemark::testing::start_broker;
using tidemark::testing::test_consumer_config;
using Clock = std::chrono::steady_clock;

struct Read {
  std::int32_t partition;
  std::int64_t offset;
  std::int64_t timestamp;
  std::string value;
};

// Polls until `records` records and `ends` partition ends were seen, or 15 s pass.
struct Collected {
  std::vector<Read> records;
  std::map<std::int32_t, std::int64_t> ends;
  std::vector<PollEvent> errors;
};
Collected collect(Consumer& c, std::size_t records, std::size_t ends,
                  std::chrono::milliseconds limit = std::chrono::milliseconds(15000)) {
  Collected out;
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline && (out.records.size() < records || out.ends.size() < ends)) {
    const PollEvent& ev = c.poll(100);
    switch (ev.kind) {
      case PollEventKind::kMessage:
        out.records.push_back({ev.message.partition, ev.message.offset, ev.message.timestamp_ms,
                               std::string(ev.message.value.value_or(""))});
        break;
      case PollEventKind::kPartitionEnd:
        out.ends[ev.partition] = ev.offset;
        break;
      case PollEventKind::kError:
        out.errors.push_back(ev);
        if (ev.error_kind != PollErrorKind::kTransient) return out;
        break;
      case PollEventKind::kNone:
        break;
    }
  }
  return out;
}

class KafkaConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = start_broker();
    ASSERT_NE(broker_, nullptr);
  }
  std::unique_ptr<Consumer> make(ConsumerOptions options = {}) {
    core::Result<std::unique_ptr<Consumer>> c =
        Consumer::create(test_consumer_config(), broker_->bootstrap(), options);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::unique_ptr<EmbeddedBroker> broker_;
};

TEST_F(KafkaConsumerTest, RecordsKeepKeyValueHeadersAndCreateTime) {
  ASSERT_TRUE(broker_->create_topic("t", 1).ok());
  SeedRecord r;
  r.timestamp_ms = 1700000000123;
  r.key = "k";
  r.value = "v";
  r.headers = {{"h1", "a"}, {"h2", ""}, {"h1", "b"}};
  SeedRecord empty;
  empty.timestamp_ms = 1700000000124;
  produce_records(broker_->bootstrap(), "t", {r, empty});

  std::unique_ptr<Consumer> c = make();
  const PartitionOffset start{0, kOffsetBeginning};
  ASSERT_TRUE(c->assign("t", std::span(&start, 1)).ok());
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  std::vector<std::string> seen;
  while (Clock::now() < deadline && seen.size() < 2) {
    const PollEvent& ev = c->poll(100);
    if (ev.kind != PollEventKind::kMessage) continue;
    const ConsumedMessage& m = ev.message;
    EXPECT_EQ(m.topic, "t");
    EXPECT_EQ(m.timestamp_type, TimestampType::kCreateTime);
    if (m.offset == 0) {
      EXPECT_EQ(m.timestamp_ms, 1700000000123);
      ASSERT_TRUE(m.key.has_value());
      EXPECT_EQ(*m.key, "k");
      EXPECT_EQ(m.value, std::optional<std::string_view>("v"));
      ASSERT_EQ(m.headers.size(), 3u);
      EXPECT_EQ(m.headers[0].name, "h1");
      EXPECT_EQ(m.headers[0].value, "a");
      EXPECT_EQ(m.headers[1].name, "h2");
      EXPECT_EQ(m.headers[1].value, "");
      EXPECT_FALSE(m.headers[1].value_is_null);
      EXPECT_EQ(m.headers[2].value, "b");
    } else {
      EXPECT_FALSE(m.key.has_value());
      EXPECT_TRUE(m.headers.empty());
    }
    seen.push_back(std::to_string(m.offset));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1"}));
  const core::Result<std::optional<std::int64_t>> pos = c->position(0);
  ASSERT_TRUE(pos.ok()) << pos.status().message();
  EXPECT_EQ(*pos, std::optional<std::int64_t>(2));
  EXPECT_TRUE(c->close().ok());
}

TEST_F(KafkaConsumerTest, ConcreteStartsAndPartitionEnds) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  produce_records(broker_->bootstrap(), "t", lab_records(0, 10, 1000));
  std::unique_ptr<Consumer> c = make();
  const std::vector<PartitionOffset> starts{{0, 7}, {1, kOffsetBeginning}};
  ASSERT_TRUE(c->assign("t", starts).ok());
  EXPECT_EQ(c->assignment(), (std::vector<std::int32_t>{0, 1}));
  const Collected got = collect(*c, 3, 2);
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.records[0].offset, 7);
  EXPECT_EQ(got.records[2].offset, 9);
  EXPECT_EQ(got.ends.at(0), 10);
  EXPECT_EQ(got.ends.at(1), 0);  // an empty partition ends at once
  ASSERT_TRUE(c->unassign(std::vector<std::int32_t>{1}).ok());
  EXPECT_EQ(c->assignment(), (std::vector<std::int32_t>{0}));
}

// librdkafka 2.0.2 stops fetching while its queue holds queued.min.messages records and looks
// again only after a second; the Consumer wakes it (a seek to the next offsets) as soon as the
// queue is empty. Every record still comes exactly once and in order. (That the wake saves the
// second is a benchmark's business: docs/benchmarks.md, "Consuming".)
TEST_F(KafkaConsumerTest, ParkedFetcherIsRestartedWithoutLosingOrRepeatingRecords) {
  ASSERT_TRUE(broker_->create_topic("full", 2).ok());
  constexpr int kPerPartition = 3000;
  std::vector<SeedRecord> records = lab_records(0, kPerPartition, 1700000000000);
  for (SeedRecord& r : lab_records(1, kPerPartition, 1700000000000)) records.push_back(r);
  produce_records(broker_->bootstrap(), "full", records);

  kafka::Config config = test_consumer_config();
  ASSERT_TRUE(config.set_override("queued.min.messages", "200").ok());
  core::Result<std::unique_ptr<Consumer>> c = Consumer::create(config, broker_->bootstrap());
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::array<PartitionOffset, 2> starts = {{{0, 0}, {1, 0}}};
  ASSERT_TRUE((*c)->assign("full", starts).ok());
  std::map<std::int32_t, std::int64_t> next = {{0, 0}, {1, 0}};
  int read = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (read < 2 * kPerPartition && Clock::now() < deadline) {
    const PollEvent& ev = (*c)->poll(100);
    if (ev.kind == PollEventKind::kError) {
      ASSERT_EQ(ev.error_kind, PollErrorKind::kTransient) << ev.error.message();
    }
    if (ev.kind != PollEventKind::kMessage) continue;
    ASSERT_EQ(ev.message.offset, next[ev.message.partition])
        << "partition " << ev.message.partition;
    ++next[ev.message.partition];
    // A slow application at the start: the fetcher fills the queue past its threshold.
    if (++read == 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_EQ(next[0], kPerPartition);
  EXPECT_EQ(next[1], kPerPartition);
  // Polling on with the queue empty restarts the fetcher (the queue was past its threshold), and
  // nothing is read twice.
  const auto quiet_until = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < quiet_until) {
    const PollEvent& ev = (*c)->poll(50);
    EXPECT_NE(ev.kind, PollEventKind::kMessage)
        << "partition " << ev.message.partition << " offset " << ev.message.offset;
  }
  EXPECT_GE((*c)->fetch_restarts(), 1u);
}

TEST_F(KafkaConsumerTest, ParkedFetcherIsRestartedForASubscribedMemberToo) {
  ASSERT_TRUE(broker_->create_topic("full", 2).ok());
  constexpr int kPerPartition = 3000;
  std::vector<SeedRecord> records = lab_records(0, kPerPartition, 1700000000000);
  for (SeedRecord& r : lab_records(1, kPerPartition, 1700000000000)) records.push_back(r);
  produce_records(broker_->bootstrap(), "full", records);

  kafka::Config config = test_consumer_config();
  ASSERT_TRUE(config.set_override("queued.min.messages", "200").ok());
  ConsumerOptions options;
  options.group = "parked";
  options.auto_offset_reset = AutoOffsetReset::kEarliest;
  core::Result<std::unique_ptr<Consumer>> c =
      Consumer::create(config, broker_->bootstrap(), options);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE((*c)->subscribe("full").ok());
  std::map<std::int32_t, std::int64_t> next = {{0, 0}, {1, 0}};
  int read = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (read < 2 * kPerPartition && Clock::now() < deadline) {
    const PollEvent& ev = (*c)->poll(100);
    if (ev.kind != PollEventKind::kMessage) continue;
    ASSERT_EQ(ev.message.offset, next[ev.message.partition])
        << "partition " << ev.message.partition;
    ++next[ev.message.partition];
    if (++read == 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_EQ(next[0], kPerPartition);
  EXPECT_EQ(next[1], kPerPartition);
  // Polling on with the queue empty restarts the fetcher (the queue was past its threshold), and
  // nothing is read twice.
  const auto quiet_until = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < quiet_until) {
    const PollEvent& ev = (*c)->poll(50);
    EXPECT_NE(ev.kind, PollEventKind::kMessage)
        << "partition " << ev.message.partition << " offset " << ev.message.offset;
  }
  EXPECT_GE((*c)->fetch_restarts(), 1u);
  EXPECT_TRUE((*c)->close().ok());
}

TEST_F(KafkaConsumerTest, OutOfRangeStartResetsPerAutoOffsetReset) {
  ASSERT_TRUE(broker_->create_topic("t", 1).ok());
  produce_records(broker_->bootstrap(), "t", lab_records(0, 5, 1000));
  const PartitionOffset beyond{0, 100};
  {
    ConsumerOptions o;
    o.auto_offset_reset = AutoOffsetReset::kEarliest;
    std::unique_ptr<Consumer> c = make(o);
    ASSERT_TRUE(c->assign("t", std::span(&beyond, 1)).ok());
    const Collected got = collect(*c, 5, 0);
    ASSERT_EQ(got.records.size(), 5u);
    EXPECT_EQ(got.records[0].offset, 0);  // reset to the log start
  }
  {
    ConsumerOptions o;
    o.auto_offset_reset = AutoOffsetReset::kError;  // Flink's none
    std::unique_ptr<Consumer> c = make(o);
    ASSERT_TRUE(c->assign("t", std::span(&beyond, 1)).ok());
    const Collected got = collect(*c, 1, 0);
    EXPECT_TRUE(got.records.empty());
    ASSERT_FALSE(got.errors.empty());
    EXPECT_EQ(got.errors.back().error_kind, PollErrorKind::kOffsetReset);
    EXPECT_EQ(got.errors.back().partition, 0);
    EXPECT_NE(got.errors.back().error.message().find("'t'[0]"), std::string::npos)
        << got.errors.back().error.message();
  }
}

TEST_F(KafkaConsumerTest, CommitThenCommittedWithoutJoiningTheGroup) {
  ASSERT_TRUE(broker_->create_topic("t", 3).ok());
  ConsumerOptions o;
  o.group = "g1";
  std::unique_ptr<Consumer> c = make(o);
  const std::vector<std::int32_t> all{0, 1, 2};
  core::Result<std::vector<std::optional<std::int64_t>>> before = c->committed("t", all);
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_EQ(*before,
            (std::vector<std::optional<std::int64_t>>{std::nullopt, std::nullopt, std::nullopt}));
  const std::vector<PartitionOffset> offsets{{0, 5}, {2, 9}};
  ASSERT_TRUE(c->commit("t", offsets).ok());
  // Another consumer of the group sees them.
  std::unique_ptr<Consumer> other = make(o);
  core::Result<std::vector<std::optional<std::int64_t>>> after = other->committed("t", all);
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, (std::vector<std::optional<std::int64_t>>{5, std::nullopt, 9}));
}

TEST_F(KafkaConsumerTest, CommitFromOutsideAGroupWithMembersIsRefusedInPlainWords) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  ConsumerOptions o;
  o.group = "busy";
  o.auto_offset_reset = AutoOffsetReset::kEarliest;
  std::unique_ptr<Consumer> member = make(o);
  ASSERT_TRUE(member->subscribe("t").ok());
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline && member->assignment().size() < 2) (void)member->poll(50);
  ASSERT_EQ(member->assignment().size(), 2u);
  std::unique_ptr<Consumer> outsider = make(o);
  const PartitionOffset offset{0, 0};
  const core::Status st = outsider->commit("t", std::span(&offset, 1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), core::StatusCode::kKafka);
  EXPECT_NE(st.message().find("Unknown member"), std::string::npos) << st.message();  // Kafka's
  EXPECT_NE(st.message().find("the group has active members"), std::string::npos) << st.message();
  EXPECT_TRUE(member->close().ok());
}

TEST_F(KafkaConsumerTest, DescribeGroupIsUnsupportedOnTheEmbeddedBroker) {
  core::Result<std::unique_ptr<AdminClient>> admin =
      AdminClient::create(test_consumer_config(), broker_->bootstrap());
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  core::Result<GroupDescription> d = (*admin)->describe_group("g", 10000);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), core::StatusCode::kUnsupported) << d.status().message();
  EXPECT_NE(d.status().message().find("cannot describe consumer groups"), std::string::npos)
      << d.status().message();
  EXPECT_EQ((*admin)->describe_group("", 1000).status().code(), core::StatusCode::kInvalidArgument);
}

TEST_F(KafkaConsumerTest, GroupOperationsNeedAGroup) {
  std::unique_ptr<Consumer> c = make();
  const std::vector<std::int32_t> p{0};
  EXPECT_EQ(c->committed("t", p).status().code(), core::StatusCode::kInvalidArgument);
  const PartitionOffset o{0, 1};
  EXPECT_EQ(c->commit("t", std::span(&o, 1)).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(c->subscribe("t").code(), core::StatusCode::kInvalidArgument);
}

TEST_F(KafkaConsumerTest, OffsetForTimeFallsBackToScanningOnTheEmbeddedBroker) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  // Out of order on purpose: 1000 2000 1500 4000 3000.
  std::vector<SeedRecord> records;
  for (std::int64_t ts : {1000, 2000, 1500, 4000, 3000}) {
    SeedRecord r;
    r.timestamp_ms = ts;
    r.value = std::to_string(ts);
    records.push_back(r);
  }
  produce_records(broker_->bootstrap(), "t", records);
  std::unique_ptr<Consumer> c = make();
  auto at = [&](std::int64_t t) {
    core::Result<OffsetForTimeAnswer> a = c->offset_for_time("t", 0, t, 0, 5);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : OffsetForTimeAnswer{};
  };
  OffsetForTimeAnswer a = at(0);
  EXPECT_EQ(a.offset, std::optional<std::int64_t>(0));
  EXPECT_TRUE(a.by_scan);                                      // the mock answered -1
  EXPECT_EQ(at(1500).offset, std::optional<std::int64_t>(1));  // first ts >= 1500 is 2000 @1
  EXPECT_EQ(at(2000).offset, std::optional<std::int64_t>(1));  // equal counts
  EXPECT_EQ(at(2001).offset, std::optional<std::int64_t>(3));
  EXPECT_EQ(at(4001).offset, std::nullopt);
  EXPECT_TRUE(at(4001).by_scan);
  // Bounded by the high watermark offset given: a record at offset 3 is not looked at.
  core::Result<OffsetForTimeAnswer> bounded = c->offset_for_time("t", 0, 3500, 0, 3);
  ASSERT_TRUE(bounded.ok());
  EXPECT_EQ(bounded->offset, std::nullopt);
  // An empty partition answers at once.
  core::Result<OffsetForTimeAnswer> empty = c->offset_for_time("t", 1, 0, 0, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->offset, std::nullopt);
  EXPECT_FALSE(empty->by_scan);
  EXPECT_EQ(c->offset_for_time("t", 0, -5, 0, 5).status().code(),
            core::StatusCode::kInvalidArgument);
}

// librdkafka 2.0.2's cooperative-sticky assignor keeps its state only from the member's first
// assignment on, and destroying a member before that aborted the process (upstream issue 4312,
// fixed in 2.3.0): `tidemark consume --subscribe` stopped by Ctrl-C while joining died with
// SIGABRT instead of exiting 130. Consumers that never got an assignment must close cleanly.
TEST_F(KafkaConsumerTest, SubscribedMemberClosedBeforeItsFirstAssignmentDoesNotAbort) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  for (int round = 0; round < 3; ++round) {
    ConsumerOptions o;
    o.group = "early-" + std::to_string(round);
    o.auto_offset_reset = AutoOffsetReset::kEarliest;
    std::unique_ptr<Consumer> c = make(o);
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->subscribe("t").ok());
    if (round == 1) (void)c->poll(0);  // joining has begun, no assignment yet
    EXPECT_TRUE(c->assignment().empty());
    if (round != 2) {
      EXPECT_TRUE(c->close().ok());
    }
    c.reset();  // round 2: destroyed without close(), as on an error path
  }
}

// The same after the group has chosen the assignor (JoinGroup answered) but before the member's
// assignment arrived (SyncGroup held back by the broker): the window upstream issue 4312 is about.
TEST_F(KafkaConsumerTest, SubscribedMemberClosedWhileItsAssignmentIsPendingDoesNotAbort) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  for (bool close_first : {true, false}) {
    const InjectedResponse slow_sync{BrokerError::kNone, 20000};
    ASSERT_TRUE(broker_->push_broker_responses(1, KafkaApi::kSyncGroup, {&slow_sync, 1}).ok());
    ConsumerOptions o;
    o.group = close_first ? "pending-close" : "pending-destroy";
    o.auto_offset_reset = AutoOffsetReset::kEarliest;
    std::unique_ptr<Consumer> c = make(o);
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->subscribe("t").ok());
    // Wait until the broker holds the SyncGroup request (the held-back response is taken).
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    while (Clock::now() < deadline) {
      (void)c->poll(50);
      core::Result<std::size_t> left = broker_->pending_broker_responses(1, KafkaApi::kSyncGroup);
      ASSERT_TRUE(left.ok());
      if (*left == 0) break;
    }
    ASSERT_EQ(*broker_->pending_broker_responses(1, KafkaApi::kSyncGroup), 0u)
        << "the member never sent SyncGroup";
    EXPECT_TRUE(c->assignment().empty());
    if (close_first) (void)c->close();
    c.reset();
  }
}

TEST_F(KafkaConsumerTest, TwoSubscribedMembersSplitThePartitions) {
  ASSERT_TRUE(broker_->create_topic("t", 4).ok());
  std::vector<SeedRecord> records;
  for (std::int32_t p = 0; p < 4; ++p) {
    for (const SeedRecord& r : lab_records(p, 5, 1000)) records.push_back(r);
  }
  produce_records(broker_->bootstrap(), "t", records);
  ConsumerOptions o;
  o.group = "split";
  o.auto_offset_reset = AutoOffsetReset::kEarliest;
  std::unique_ptr<Consumer> a = make(o);
  std::unique_ptr<Consumer> b = make(o);
  std::vector<RebalanceEvent> a_events;
  std::vector<std::int32_t> a_assigned_seen;
  a->set_rebalance_handler([&](const RebalanceEvent& ev) {
    if (ev.kind == RebalanceKind::kAssigned) {
      a_assigned_seen.insert(a_assigned_seen.end(), ev.partitions.begin(), ev.partitions.end());
    }
  });
  ASSERT_TRUE(a->subscribe("t").ok());
  ASSERT_TRUE(b->subscribe("t").ok());
  std::set<std::pair<std::int32_t, std::int64_t>> from_a, from_b;
  bool settled = false;
  const auto deadline = Clock::now() + std::chrono::seconds(40);
  while (Clock::now() < deadline) {
    for (auto [c, seen] : {std::pair{a.get(), &from_a}, std::pair{b.get(), &from_b}}) {
      const PollEvent& ev = c->poll(50);
      if (ev.kind == PollEventKind::kMessage) {
        seen->insert({ev.message.partition, ev.message.offset});
      }
    }
    const std::vector<std::int32_t> as = a->assignment();
    const std::vector<std::int32_t> bs = b->assignment();
    if (as.size() + bs.size() == 4 && !as.empty() && !bs.empty() &&
        from_a.size() + from_b.size() >= 20) {
      settled = true;
      break;
    }
  }
  if (!settled) {
    // librdkafka 2.0.2 with the embedded broker now and then never completes the group's
    // cooperative rebalance (docs/consuming.md). Nothing of tidemark's can be judged then; the
    // members are destroyed (one that never got its first assignment no longer aborts the
    // process, see SubscribedMemberClosedWhileItsAssignmentIsPendingDoesNotAbort) and the test
    // reports a skip naming the cause.
    a->set_rebalance_handler(nullptr);
    a.reset();
    b.reset();
    GTEST_SKIP() << "the two-member group did not settle within 40 s (librdkafka 2.0.2 with "
                    "the embedded broker)";
  }
  const std::vector<std::int32_t> as = a->assignment();
  const std::vector<std::int32_t> bs = b->assignment();
  EXPECT_FALSE(as.empty());
  EXPECT_FALSE(bs.empty());
  std::set<std::int32_t> all(as.begin(), as.end());
  for (std::int32_t p : bs) EXPECT_TRUE(all.insert(p).second) << "partition " << p << " twice";
  EXPECT_EQ(all, (std::set<std::int32_t>{0, 1, 2, 3}));
  // Every record was read, each by the member that owns its partition now or owned it before.
  std::set<std::pair<std::int32_t, std::int64_t>> union_set = from_a;
  union_set.insert(from_b.begin(), from_b.end());
  EXPECT_EQ(union_set.size(), 20u);
  EXPECT_FALSE(a_assigned_seen.empty());
  EXPECT_TRUE(a->close().ok());
  EXPECT_TRUE(b->close().ok());
}

}  // namespace
}  // namespace tidemark::kafka
