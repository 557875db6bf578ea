// consumer::EventConsumer against the embedded broker, one test per rule of the specification's
// Part 1 (flink-kafka-semantics.md sections 1.3 and 1.4): records are written with known
// partitions, offsets and timestamps, and the test checks which offsets are read.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "consume_fixture.h"
#include "tidemark/consumer/event_consumer.h"
#include "tidemark/kafka/consumer.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::consumer {
namespace {

using tidemark::testing::lab_json;
using tidemark::testing::lab_records;
using tidemark::testing::produce_records;
using tidemark::testing::SeedRecord;
using tidemark::testing::start_broker;
using tidemark::testing::test_consumer_config;

// Remembers what was written, and the partition notifications.
class CollectingSink : public RecordSink {
 public:
  struct Row {
    std::int32_t partition;
    std::int64_t offset;
    ValueKind kind;
    std::string value;  // the event as JSON, or the raw bytes
    std::string error;
  };
  explicit CollectingSink(const serializers::Serializer* json) : writer_(json) {}
  core::Status write(const DecodedRecord& r) override {
    Row row{r.message->partition, r.message->offset, r.value_kind, "", std::string(r.error)};
    if (r.value_kind == ValueKind::kEvent) {
      std::string error;
      EXPECT_TRUE(writer_.render_event(*r.event, row.value, error)) << error;
    } else if (r.message->value) {
      row.value = std::string(*r.message->value);
    }
    rows.push_back(std::move(row));
    return {};
  }
  void on_assigned(std::span<const std::int32_t> p) override {
    assigned.insert(assigned.end(), p.begin(), p.end());
  }
  void on_finished(std::int32_t p) override { finished.push_back(p); }

  // Offsets read from one partition, in order.
  std::vector<std::int64_t> offsets(std::int32_t partition) const {
    std::vector<std::int64_t> out;
    for (const Row& r : rows) {
      if (r.partition == partition) out.push_back(r.offset);
    }
    return out;
  }

  std::vector<Row> rows;
  std::vector<std::int32_t> assigned;
  std::vector<std::int32_t> finished;

 private:
  EnvelopeWriter writer_;
};

std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

class ConsumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = serializers::make_builtin_registry();
    broker_ = start_broker();
    ASSERT_NE(broker_, nullptr);
  }

  ConsumeOptions options(const std::string& topic) {
    ConsumeOptions o;
    o.topic = topic;
    o.decode.registry = &registry_;
    o.query_timeout_ms = 10000;
    return o;
  }

  std::unique_ptr<EventConsumer> make(ConsumeOptions o) {
    core::Result<std::unique_ptr<EventConsumer>> c =
        EventConsumer::create(test_consumer_config(), broker_->bootstrap(), std::move(o));
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(*c) : nullptr;
  }

  ConsumePlan plan_of(EventConsumer& c) {
    core::Result<ConsumePlan> p = c.plan();
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? *p : ConsumePlan{};
  }

  // Plans and runs to the end (bounded, or -c); fails the test after 20 s.
  struct Outcome {
    ConsumePlan plan;
    ConsumeStats stats;
    core::Status status;
    std::unique_ptr<CollectingSink> sink;
  };
  Outcome consume(ConsumeOptions o) {
    Outcome out;
    out.sink = std::make_unique<CollectingSink>(registry_.find("json"));
    std::unique_ptr<EventConsumer> c = make(std::move(o));
    if (!c) return out;
    out.plan = plan_of(*c);
    std::atomic<bool> done{false};
    std::thread watchdog([&done, &c] {
      for (int i = 0; i < 200 && !done.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!done.load()) {
        ADD_FAILURE() << "the run did not end within 20 s";
        c->interrupt();
      }
    });
    out.status = c->run(&out.plan, *out.sink, nullptr, out.stats);
    done.store(true);
    watchdog.join();
    return out;
  }

  // The start and stop the plan resolved for one partition.
  static const PartitionRange& range_of(const ConsumePlan& plan, std::int32_t partition) {
    for (const PartitionPlan& p : plan.partitions) {
      if (p.facts.partition == partition) return p.range;
    }
    static const PartitionRange none;
    ADD_FAILURE() << "partition " << partition << " not in the plan";
    return none;
  }

  void commit(const std::string& group, const std::string& topic,
              std::vector<kafka::PartitionOffset> offsets) {
    kafka::ConsumerOptions co;
    co.group = group;
    core::Result<std::unique_ptr<kafka::Consumer>> c =
        kafka::Consumer::create(test_consumer_config(), broker_->bootstrap(), co);
    ASSERT_TRUE(c.ok()) << c.status().message();
    ASSERT_TRUE((*c)->commit(topic, offsets).ok());
  }

  std::optional<std::int64_t> committed(const std::string& group, const std::string& topic,
                                        std::int32_t partition) {
    kafka::ConsumerOptions co;
    co.group = group;
    core::Result<std::unique_ptr<kafka::Consumer>> c =
        kafka::Consumer::create(test_consumer_config(), broker_->bootstrap(), co);
    EXPECT_TRUE(c.ok());
    const std::vector<std::int32_t> ps{partition};
    auto r = (*c)->committed(topic, ps);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? (*r)[0] : std::nullopt;
  }

  // One partition with records at timestamps base, base + 1000, ...
  void one_partition(const std::string& topic, int count, std::int64_t base = 1'700'000'000'000) {
    ASSERT_TRUE(broker_->create_topic(topic, 1).ok());
    produce_records(broker_->bootstrap(), topic, lab_records(0, count, base));
  }

  serializers::SerializerRegistry registry_;
  std::unique_ptr<kafka::EmbeddedBroker> broker_;
};

constexpr std::int64_t kBase = 1'700'000'000'000;

// ---- startup modes ----

TEST_F(ConsumeTest, EarliestOffsetReadsFromTheLogStart) {
  one_partition("t", 5);
  ConsumeOptions o = options("t");
  o.startup.mode = StartupMode::kEarliestOffset;
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.stats.end, ConsumeEnd::kBoundedEnd);
  EXPECT_EQ(r.sink->offsets(0), range(0, 5));
  EXPECT_EQ(r.plan.auto_offset_reset, kafka::AutoOffsetReset::kEarliest);
  // Decoded by the headers: the lab event as the json format writes it.
  EXPECT_EQ(r.sink->rows[2].kind, ValueKind::kEvent);
  EXPECT_EQ(r.sink->rows[2].value, lab_json(2, kBase + 2000));
}

TEST_F(ConsumeTest, LatestOffsetIsTheEndReadBeforeAssigningSoLaterRecordsAreRead) {
  one_partition("t", 5);
  ConsumeOptions o = options("t");
  o.startup.mode = StartupMode::kLatestOffset;
  o.max_records = 3;
  std::unique_ptr<EventConsumer> c = make(o);
  ConsumePlan plan = plan_of(*c);
  EXPECT_EQ(range_of(plan, 0).start, 5);
  // Written between the lookup and the first fetch: read, not skipped (FLINK-28303).
  produce_records(broker_->bootstrap(), "t", lab_records(0, 3, kBase + 10'000));
  CollectingSink sink(registry_.find("json"));
  ConsumeStats stats;
  ASSERT_TRUE(c->run(&plan, sink, nullptr, stats).ok());
  EXPECT_EQ(stats.end, ConsumeEnd::kCount);
  EXPECT_EQ(sink.offsets(0), range(5, 8));
}

TEST_F(ConsumeTest, GroupOffsetsStartAtTheCommittedOffset) {
  one_partition("t", 6);
  commit("g", "t", {{0, 4}});
  ConsumeOptions o = options("t");
  o.group = "g";
  o.startup.mode = StartupMode::kGroupOffsets;
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.plan.partitions[0].facts.committed, std::optional<std::int64_t>(4));
  EXPECT_EQ(r.sink->offsets(0), range(4, 6));
}

TEST_F(ConsumeTest, GroupOffsetsWithoutACommitFailWithResetNone) {
  ASSERT_TRUE(broker_->create_topic("t", 3).ok());
  produce_records(broker_->bootstrap(), "t", lab_records(1, 2, kBase));
  commit("g", "t", {{1, 1}});
  ConsumeOptions o = options("t");
  o.group = "g";
  o.startup.mode = StartupMode::kGroupOffsets;
  o.startup.reset = OffsetResetStrategy::kNone;
  std::unique_ptr<EventConsumer> c = make(o);
  core::Result<ConsumePlan> plan = c->plan();
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), core::StatusCode::kNotFound);
  const std::string& m = plan.status().message();
  EXPECT_NE(m.find("partition 0"), std::string::npos) << m;
  EXPECT_NE(m.find("partition 2"), std::string::npos) << m;
  EXPECT_EQ(m.find("partition 1:"), std::string::npos) << m;  // it has a commit
  EXPECT_NE(m.find("--auto-offset-reset"), std::string::npos) << m;
}

TEST_F(ConsumeTest, GroupOffsetsWithoutACommitUseTheResetStrategy) {
  one_partition("t", 4);
  for (auto [reset, expected] : {std::pair{OffsetResetStrategy::kEarliest, range(0, 4)},
                                 std::pair{OffsetResetStrategy::kLatest, range(0, 0)}}) {
    ConsumeOptions o = options("t");
    o.group = "fresh";
    o.startup.mode = StartupMode::kGroupOffsets;
    o.startup.reset = reset;
    o.bounded.mode = BoundedMode::kLatestOffset;
    Outcome r = consume(o);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_EQ(r.sink->offsets(0), expected) << to_string(reset);
    EXPECT_EQ(range_of(r.plan, 0).start, reset == OffsetResetStrategy::kEarliest ? 0 : 4);
  }
}

TEST_F(ConsumeTest, GroupOffsetsCommittedBeyondTheEndAreResetByTheStrategy) {
  one_partition("t", 4);
  commit("g", "t", {{0, 100}});
  ConsumeOptions o = options("t");
  o.group = "g";
  o.startup.mode = StartupMode::kGroupOffsets;
  o.startup.reset = OffsetResetStrategy::kEarliest;
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.sink->offsets(0), range(0, 4));
}

TEST_F(ConsumeTest, TimestampStartsAtTheFirstRecordAtOrAfterItIncludingEqual) {
  ASSERT_TRUE(broker_->create_topic("t", 1).ok());
  // Out of order: offsets 0..4 have timestamps 1000 3000 2000 5000 4000.
  std::vector<SeedRecord> records;
  for (std::int64_t ts : {1000, 3000, 2000, 5000, 4000}) {
    SeedRecord r;
    r.timestamp_ms = kBase + ts;
    r.value = lab_json(0, r.timestamp_ms);
    records.push_back(r);
  }
  produce_records(broker_->bootstrap(), "t", records);
  ConsumeOptions o = options("t");
  o.startup.mode = StartupMode::kTimestamp;
  o.startup.timestamp_ms = kBase + 3000;  // equal to offset 1's timestamp
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(range_of(r.plan, 0).start, 1);
  // The embedded broker cannot look up by time: the scan fallback says so.
  EXPECT_NE(range_of(r.plan, 0).start_rule.find("found by scanning"), std::string::npos)
      << range_of(r.plan, 0).start_rule;
  // Not filtered by timestamp after the start: offset 2 (ts 2000 < T) is read (rule 6).
  EXPECT_EQ(r.sink->offsets(0), range(1, 5));
  EXPECT_EQ(r.plan.auto_offset_reset, kafka::AutoOffsetReset::kLatest);
}

TEST_F(ConsumeTest, TimestampAfterEveryRecordStartsAtTheEndOffsetReadBefore) {
  one_partition("t", 3);
  ConsumeOptions o = options("t");
  o.startup.mode = StartupMode::kTimestamp;
  o.startup.timestamp_ms = kBase + 1'000'000;
  o.max_records = 2;
  std::unique_ptr<EventConsumer> c = make(o);
  ConsumePlan plan = plan_of(*c);
  EXPECT_EQ(range_of(plan, 0).start, 3);
  EXPECT_NE(range_of(plan, 0).start_rule.find("no record at or after it"), std::string::npos);
  produce_records(broker_->bootstrap(), "t", lab_records(0, 2, kBase));  // older timestamps
  CollectingSink sink(registry_.find("json"));
  ConsumeStats stats;
  ASSERT_TRUE(c->run(&plan, sink, nullptr, stats).ok());
  EXPECT_EQ(sink.offsets(0), range(3, 5));
}

TEST_F(ConsumeTest, PlanKeepsTheTimestampLookupAnswersBehindStartAndStop) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  produce_records(broker_->bootstrap(), "t", lab_records(0, 4, kBase));  // 0s, 1s, 2s, 3s
  ConsumeOptions o = options("t");
  o.startup.mode = StartupMode::kTimestamp;
  o.startup.timestamp_ms = kBase + 1000;
  o.bounded.mode = BoundedMode::kTimestamp;
  o.bounded.timestamp_ms = kBase + 5000;  // after every record
  std::unique_ptr<EventConsumer> c = make(o);
  ConsumePlan plan = plan_of(*c);
  ASSERT_EQ(plan.partitions.size(), 2u);
  const PartitionPlan& p0 = plan.partitions[0];
  ASSERT_TRUE(p0.start_lookup.has_value());
  EXPECT_EQ(p0.start_lookup->offset, std::optional<std::int64_t>(1));
  EXPECT_TRUE(p0.start_lookup->by_scan);  // the embedded broker cannot look up by time
  ASSERT_TRUE(p0.stop_lookup.has_value());
  EXPECT_EQ(p0.stop_lookup->offset, std::nullopt);
  // The empty partition answers without asking.
  ASSERT_TRUE(plan.partitions[1].start_lookup.has_value());
  EXPECT_EQ(plan.partitions[1].start_lookup->offset, std::nullopt);
  EXPECT_FALSE(plan.partitions[1].start_lookup->by_scan);
  // Other modes leave them unset.
  ConsumeOptions earliest = options("t");
  std::unique_ptr<EventConsumer> e = make(earliest);
  ConsumePlan ep = plan_of(*e);
  ASSERT_FALSE(ep.partitions.empty());
  EXPECT_FALSE(ep.partitions[0].start_lookup.has_value());
  EXPECT_FALSE(ep.partitions[0].stop_lookup.has_value());
}

TEST_F(ConsumeTest, EmptyPartitionsStartAtZeroAndFinishAtOnce) {
  ASSERT_TRUE(broker_->create_topic("t", 3).ok());
  produce_records(broker_->bootstrap(), "t", lab_records(1, 3, kBase));
  for (StartupMode mode :
       {StartupMode::kEarliestOffset, StartupMode::kLatestOffset, StartupMode::kTimestamp}) {
    ConsumeOptions o = options("t");
    o.startup.mode = mode;
    o.startup.timestamp_ms = kBase;
    o.bounded.mode = BoundedMode::kLatestOffset;
    Outcome r = consume(o);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_EQ(r.stats.end, ConsumeEnd::kBoundedEnd);
    for (std::int32_t p : {0, 2}) {
      EXPECT_EQ(range_of(r.plan, p).start, 0);
      EXPECT_TRUE(range_of(r.plan, p).empty());
    }
    EXPECT_EQ(r.sink->assigned, (std::vector<std::int32_t>{0, 1, 2}));
    EXPECT_EQ(r.sink->finished.size(), 3u);
    EXPECT_EQ(r.sink->offsets(1), mode == StartupMode::kLatestOffset ? range(0, 0) : range(0, 3));
  }
}

TEST_F(ConsumeTest, SpecificOffsetsListedUnlistedWithAndWithoutCommit) {
  ASSERT_TRUE(broker_->create_topic("t", 3).ok());
  std::vector<SeedRecord> records;
  for (std::int32_t p = 0; p < 3; ++p) {
    for (const SeedRecord& r : lab_records(p, 6, kBase)) records.push_back(r);
  }
  produce_records(broker_->bootstrap(), "t", records);
  commit("g", "t", {{1, 4}});
  ConsumeOptions o = options("t");
  o.group = "g";
  o.startup.mode = StartupMode::kSpecificOffsets;
  o.startup.specific = {{0, 2}};
  o.startup.reset = OffsetResetStrategy::kEarliest;
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.sink->offsets(0), range(2, 6));  // listed
  EXPECT_EQ(r.sink->offsets(1), range(4, 6));  // unlisted, committed
  EXPECT_EQ(r.sink->offsets(2), range(0, 6));  // unlisted, no commit: earliest
}

TEST_F(ConsumeTest, SpecificOffsetBeyondTheEndRereadsFromTheLogStartAndEqualToTheEndWaits) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  std::vector<SeedRecord> records = lab_records(0, 4, kBase);
  for (const SeedRecord& r : lab_records(1, 4, kBase)) records.push_back(r);
  produce_records(broker_->bootstrap(), "t", records);
  ConsumeOptions o = options("t");
  o.startup.mode = StartupMode::kSpecificOffsets;
  o.startup.specific = {{0, 50}, {1, 4}};
  o.startup.reset = OffsetResetStrategy::kEarliest;
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(range_of(r.plan, 0).start, 0);
  EXPECT_EQ(r.sink->offsets(0), range(0, 4));
  EXPECT_EQ(range_of(r.plan, 1).start, 4);  // equal to the end: valid, nothing yet
  EXPECT_TRUE(r.sink->offsets(1).empty());
}

// Data moves between the lookup and the fetch: the forced auto.offset.reset decides, as the
// Kafka consumer in Flink's reader would.
TEST_F(ConsumeTest, StartThatFallsOutOfRangeBeforeTheFetchIsResetAsFlinkForcesIt) {
  one_partition("t", 3);
  ConsumeOptions o = options("t");
  o.startup.mode = StartupMode::kSpecificOffsets;
  o.startup.specific = {{0, 0}};
  o.startup.reset = OffsetResetStrategy::kEarliest;
  o.max_records = 3;
  std::unique_ptr<EventConsumer> c = make(o);
  ConsumePlan plan = plan_of(*c);
  EXPECT_EQ(plan.auto_offset_reset, kafka::AutoOffsetReset::kEarliest);
  plan.partitions[0].range.start = 7;  // as if the log had moved between lookup and fetch
  CollectingSink sink(registry_.find("json"));
  ConsumeStats stats;
  ASSERT_TRUE(c->run(&plan, sink, nullptr, stats).ok());
  EXPECT_EQ(sink.offsets(0), range(0, 3));  // reset to earliest, as Flink forces for specific
}

TEST_F(ConsumeTest, OutOfRangeWithResetNoneFailsNamingThePartition) {
  one_partition("t", 3);
  commit("g", "t", {{0, 1}});
  ConsumeOptions o = options("t");
  o.group = "g";
  o.startup.mode = StartupMode::kGroupOffsets;
  o.startup.reset = OffsetResetStrategy::kNone;
  std::unique_ptr<EventConsumer> c = make(o);
  ConsumePlan plan = plan_of(*c);
  plan.partitions[0].range.start = 50;  // moved out of range after the lookup
  CollectingSink sink(registry_.find("json"));
  ConsumeStats stats;
  const core::Status st = c->run(&plan, sink, nullptr, stats);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), core::StatusCode::kKafka);
  EXPECT_NE(st.message().find("'t'[0]"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("--auto-offset-reset"), std::string::npos) << st.message();
  EXPECT_EQ(stats.end, ConsumeEnd::kFailed);
}

// ---- bounded modes ----

TEST_F(ConsumeTest, BoundedLatestOffsetStopsAtTheEndReadAtStart) {
  one_partition("t", 4);
  ConsumeOptions o = options("t");
  o.bounded.mode = BoundedMode::kLatestOffset;
  std::unique_ptr<EventConsumer> c = make(o);
  ConsumePlan plan = plan_of(*c);
  produce_records(broker_->bootstrap(), "t", lab_records(0, 3, kBase));  // after the lookup
  CollectingSink sink(registry_.find("json"));
  ConsumeStats stats;
  ASSERT_TRUE(c->run(&plan, sink, nullptr, stats).ok());
  EXPECT_EQ(sink.offsets(0), range(0, 4));
  EXPECT_EQ(stats.partitions[0].position, 4);
  EXPECT_TRUE(stats.partitions[0].finished);
}

TEST_F(ConsumeTest, BoundedGroupOffsetsStopAtTheCommitAndFailWithoutOne) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  std::vector<SeedRecord> records = lab_records(0, 5, kBase);
  for (const SeedRecord& r : lab_records(1, 5, kBase)) records.push_back(r);
  produce_records(broker_->bootstrap(), "t", records);
  commit("g", "t", {{0, 3}, {1, 1}});
  ConsumeOptions o = options("t");
  o.group = "g";
  o.bounded.mode = BoundedMode::kGroupOffsets;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.sink->offsets(0), range(0, 3));
  EXPECT_EQ(r.sink->offsets(1), range(0, 1));

  o.group = "nobody";
  std::unique_ptr<EventConsumer> c = make(o);
  core::Result<ConsumePlan> plan = c->plan();
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("should stop at committed offset"), std::string::npos)
      << plan.status().message();
}

TEST_F(ConsumeTest, BoundedTimestampExcludesTheFirstRecordAtOrAfterIt) {
  ASSERT_TRUE(broker_->create_topic("t", 1).ok());
  // Flink's testKafkaSourceSinkWithBoundedTimestamp: ts 0, 3, 7 with T = 5 emits 0 and 3; here
  // with an out-of-order 9 before the 7, which is emitted (it sits before the stop offset).
  std::vector<SeedRecord> records;
  for (std::int64_t ts : {0, 3, 9, 7, 5}) {
    SeedRecord r;
    r.timestamp_ms = kBase + ts;
    r.value = lab_json(static_cast<int>(ts), r.timestamp_ms);
    records.push_back(r);
  }
  produce_records(broker_->bootstrap(), "t", records);
  ConsumeOptions o = options("t");
  o.bounded.mode = BoundedMode::kTimestamp;
  o.bounded.timestamp_ms = kBase + 7;  // equal to offset 3's: offset 2 (ts 9 >= 7) is the stop
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(range_of(r.plan, 0).stop, std::optional<std::int64_t>(2));
  EXPECT_EQ(r.sink->offsets(0), range(0, 2));

  o.bounded.timestamp_ms = kBase + 5;  // first ts >= 5 is the 9 at offset 2
  r = consume(o);
  EXPECT_EQ(r.sink->offsets(0), range(0, 2));
  o.bounded.timestamp_ms = kBase + 4;
  r = consume(o);
  EXPECT_EQ(r.sink->offsets(0), range(0, 2));
  o.bounded.timestamp_ms = kBase + 1;
  r = consume(o);
  EXPECT_EQ(r.sink->offsets(0), range(0, 1));
  o.bounded.timestamp_ms = kBase + 100;  // none: stop at the end offset
  r = consume(o);
  EXPECT_EQ(r.sink->offsets(0), range(0, 5));
}

TEST_F(ConsumeTest, BoundedSpecificOffsetsAreExclusiveAndUnlistedPartitionsFollowFlinkCode) {
  ASSERT_TRUE(broker_->create_topic("t", 3).ok());
  std::vector<SeedRecord> records;
  for (std::int32_t p = 0; p < 3; ++p) {
    for (const SeedRecord& r : lab_records(p, 3, kBase)) records.push_back(r);
  }
  produce_records(broker_->bootstrap(), "t", records);
  commit("g", "t", {{1, 2}});
  ConsumeOptions o = options("t");
  o.group = "g";
  o.bounded.mode = BoundedMode::kSpecificOffsets;
  o.bounded.specific = {{0, 2}};
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.sink->offsets(0), range(0, 2));  // testKafkaSourceSinkWithBoundedSpecificOffsets
  EXPECT_EQ(r.sink->offsets(1), range(0, 2));  // unlisted: the committed offset (section 5.4)
  EXPECT_TRUE(r.sink->offsets(2).empty());     // unlisted, no commit: the beginning offset
}

TEST_F(ConsumeTest, StopBeyondTheEndWaitsUntilItIsWritten) {
  one_partition("t", 2);
  ConsumeOptions o = options("t");
  o.bounded.mode = BoundedMode::kSpecificOffsets;
  o.bounded.specific = {{0, 4}};
  std::unique_ptr<EventConsumer> c = make(o);
  ConsumePlan plan = plan_of(*c);
  CollectingSink sink(registry_.find("json"));
  ConsumeStats stats;
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    produce_records(broker_->bootstrap(), "t", lab_records(0, 5, kBase));
  });
  const core::Status st = c->run(&plan, sink, nullptr, stats);
  later.join();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(stats.end, ConsumeEnd::kBoundedEnd);
  EXPECT_EQ(sink.offsets(0), range(0, 4));
}

TEST_F(ConsumeTest, CountStopsAfterNRecordsAcrossPartitions) {
  ASSERT_TRUE(broker_->create_topic("t", 2).ok());
  std::vector<SeedRecord> records = lab_records(0, 5, kBase);
  for (const SeedRecord& r : lab_records(1, 5, kBase)) records.push_back(r);
  produce_records(broker_->bootstrap(), "t", records);
  ConsumeOptions o = options("t");
  o.max_records = 7;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.stats.end, ConsumeEnd::kCount);
  EXPECT_EQ(r.stats.records, 7u);
  EXPECT_EQ(r.sink->rows.size(), 7u);
}

TEST_F(ConsumeTest, RetentionDroppedDataMovesTheLogStartAndStartsFollowIt) {
  ASSERT_TRUE(broker_->create_topic("t", 1).ok());
  // The mock keeps 5 MiB per partition: 80 records of 100 KiB drop the oldest batches.
  constexpr int kRecords = 80;
  std::vector<SeedRecord> big;
  for (int i = 0; i < kRecords; ++i) {
    SeedRecord r;
    r.timestamp_ms = kBase + i;
    r.value = std::string(100 * 1024, static_cast<char>('a' + i % 26));
    big.push_back(std::move(r));
  }
  produce_records(broker_->bootstrap(), "t", big);
  ConsumeOptions o = options("t");
  o.startup.mode = StartupMode::kSpecificOffsets;
  o.startup.specific = {{0, 0}};  // below the log start now: reset to earliest
  o.startup.reset = OffsetResetStrategy::kEarliest;
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  const std::int64_t low = r.plan.partitions[0].facts.low;
  EXPECT_GT(low, 0) << "the mock did not drop anything";
  EXPECT_EQ(r.plan.partitions[0].facts.high, kRecords);
  EXPECT_EQ(range_of(r.plan, 0).start, low);
  EXPECT_NE(range_of(r.plan, 0).start_rule.find("below log start offset"), std::string::npos)
      << range_of(r.plan, 0).start_rule;
  EXPECT_EQ(r.sink->offsets(0), range(low, kRecords));
}

// ---- decoding ----

TEST_F(ConsumeTest, DecodeErrorsAreWrittenCountedAndSkippedOrFail) {
  ASSERT_TRUE(broker_->create_topic("t", 1).ok());
  std::vector<SeedRecord> records = lab_records(0, 3, kBase);
  records[1].value = "{\"test_data\":\"oops\"}";
  produce_records(broker_->bootstrap(), "t", records);
  ConsumeOptions o = options("t");
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome skip = consume(o);
  ASSERT_TRUE(skip.status.ok()) << skip.status.message();
  EXPECT_EQ(skip.sink->offsets(0), range(0, 3));
  EXPECT_EQ(skip.stats.decode_errors, 1u);
  EXPECT_EQ(skip.sink->rows[1].kind, ValueKind::kDecodeError);
  EXPECT_NE(skip.sink->rows[1].error.find("content-type header"), std::string::npos)
      << skip.sink->rows[1].error;

  o.on_decode_error = DecodeErrorPolicy::kFail;
  o.group = "g";
  o.commit = true;
  Outcome fail = consume(o);
  ASSERT_FALSE(fail.status.ok());
  EXPECT_EQ(fail.status.code(), core::StatusCode::kMalformed);
  EXPECT_NE(fail.status.message().find("'t'[0] offset 1"), std::string::npos)
      << fail.status.message();
  EXPECT_EQ(fail.sink->offsets(0), range(0, 2));  // the bad record is written, then stop
  // Committed up to the bad record, not past it: a rerun fails on it again.
  EXPECT_EQ(committed("g", "t", 0), std::optional<std::int64_t>(1));
}

// ---- commit and subscribe ----

TEST_F(ConsumeTest, CommitRoundTripResumesWhereTheLastRunStopped) {
  one_partition("t", 10);
  ConsumeOptions o = options("t");
  o.group = "g";
  o.commit = true;
  o.max_records = 4;
  Outcome first = consume(o);
  ASSERT_TRUE(first.status.ok()) << first.status.message();
  EXPECT_EQ(first.sink->offsets(0), range(0, 4));
  EXPECT_EQ(committed("g", "t", 0), std::optional<std::int64_t>(4));
  EXPECT_EQ(first.stats.partitions[0].committed, std::optional<std::int64_t>(4));

  o.startup.mode = StartupMode::kGroupOffsets;
  o.max_records.reset();
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome second = consume(o);
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_EQ(second.sink->offsets(0), range(4, 10));
  EXPECT_EQ(committed("g", "t", 0), std::optional<std::int64_t>(10));
}

TEST_F(ConsumeTest, InterruptedRunCommitsWhatItEmitted) {
  one_partition("t", 3);
  ConsumeOptions o = options("t");
  o.group = "g";
  o.commit = true;
  o.commit_interval_ms = 60000;  // only the commit at the end
  std::unique_ptr<EventConsumer> c = make(o);
  ConsumePlan plan = plan_of(*c);
  CollectingSink sink(registry_.find("json"));
  ConsumeStats stats;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    c->interrupt();
  });
  ASSERT_TRUE(c->run(&plan, sink, nullptr, stats).ok());
  stopper.join();
  EXPECT_EQ(stats.end, ConsumeEnd::kInterrupted);
  EXPECT_EQ(sink.offsets(0), range(0, 3));
  EXPECT_EQ(committed("g", "t", 0), std::optional<std::int64_t>(3));
}

TEST_F(ConsumeTest, TwoSubscribedConsumersSplitThePartitionsAndCommit) {
  ASSERT_TRUE(broker_->create_topic("t", 4).ok());
  std::vector<SeedRecord> records;
  for (std::int32_t p = 0; p < 4; ++p) {
    for (const SeedRecord& r : lab_records(p, 5, kBase)) records.push_back(r);
  }
  produce_records(broker_->bootstrap(), "t", records);
  auto member = [&] {
    ConsumeOptions o = options("t");
    o.group = "team";
    o.subscribe = true;
    o.startup.mode = StartupMode::kGroupOffsets;
    o.startup.reset = OffsetResetStrategy::kEarliest;
    o.commit = true;
    o.commit_interval_ms = 200;
    return make(o);
  };
  // On the heap: if the group never settles, everything is left running (see below).
  struct Members {
    std::unique_ptr<EventConsumer> a, b;
    CollectingSink sa, sb;
    ConsumeStats stats_a, stats_b;
    std::atomic<bool> stop{false};
    core::Status st_a, st_b;
    Members(const serializers::Serializer* json) : sa(json), sb(json) {}
  };
  auto* m = new Members(registry_.find("json"));
  m->a = member();
  m->b = member();
  std::thread ta([m] { m->st_a = m->a->run(nullptr, m->sa, &m->stop, m->stats_a); });
  std::thread tb([m] { m->st_b = m->b->run(nullptr, m->sb, &m->stop, m->stats_b); });
  bool settled = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::size_t got = 0;
    for (std::int32_t p = 0; p < 4; ++p) {
      if (committed("team", "t", p) == std::optional<std::int64_t>(5)) ++got;
    }
    // Settled: everything committed and the two members own all four partitions between them
    // (cooperative-sticky reaches that in a second round; stopping in between makes the final
    // commit race the rebalance and fail with an illegal generation).
    const std::size_t owned_a = m->a->kafka_consumer().assignment().size();
    const std::size_t owned_b = m->b->kafka_consumer().assignment().size();
    if (got == 4 && owned_a > 0 && owned_b > 0 && owned_a + owned_b == 4) {
      settled = true;
      break;
    }
  }
  if (!settled) {
    // librdkafka 2.0.2 with the embedded broker now and then never completes the group's
    // cooperative rebalance (docs/consuming.md). Nothing of tidemark's can be judged then; the
    // members are stopped and destroyed (a member that never got its first assignment no longer
    // aborts the process: kafka::Consumer keeps that handle, upstream issue 4312) and the test
    // reports a skip naming the cause.
    m->stop.store(true);
    ta.join();
    tb.join();
    delete m;
    GTEST_SKIP() << "the two-member group did not settle within 40 s (librdkafka 2.0.2 with "
                    "the embedded broker)";
  }
  const std::vector<std::int32_t> as = m->a->kafka_consumer().assignment();
  const std::vector<std::int32_t> bs = m->b->kafka_consumer().assignment();
  m->stop.store(true);
  ta.join();
  tb.join();
  const std::unique_ptr<Members> owned(m);
  const core::Status& st_a = m->st_a;
  const core::Status& st_b = m->st_b;
  const CollectingSink& sa = m->sa;
  const CollectingSink& sb = m->sb;
  ASSERT_TRUE(st_a.ok()) << st_a.message();
  ASSERT_TRUE(st_b.ok()) << st_b.message();
  EXPECT_FALSE(as.empty());
  EXPECT_FALSE(bs.empty());
  std::set<std::int32_t> owners(as.begin(), as.end());
  for (std::int32_t p : bs) EXPECT_TRUE(owners.insert(p).second) << "partition " << p;
  EXPECT_EQ(owners.size(), 4u);
  // Every record once across the two members (the commit on revoke hands partitions over).
  std::multiset<std::pair<std::int32_t, std::int64_t>> all;
  for (const auto& row : sa.rows) all.insert({row.partition, row.offset});
  for (const auto& row : sb.rows) all.insert({row.partition, row.offset});
  EXPECT_EQ(all.size(), 20u);
  const std::set<std::pair<std::int32_t, std::int64_t>> distinct(all.begin(), all.end());
  EXPECT_EQ(distinct.size(), 20u);
  for (std::int32_t p = 0; p < 4; ++p) {
    EXPECT_EQ(committed("team", "t", p), std::optional<std::int64_t>(5)) << p;
  }
}

// ---- records from other producers ----

TEST_F(ConsumeTest, KcatRecordsDecodeWithTheFallbackFormatAndEvent) {
  if (std::system("command -v kcat > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "kcat is not installed (apt install kcat) - cannot produce with it";
  }
  ASSERT_TRUE(broker_->create_topic("t", 1).ok());
  const std::string cmd =
      "printf '%s\\n%s\\n' '{\"test_data\": 1, \"event_timestamp\": " + std::to_string(kBase) +
      "}' '{\"test_data\": 2, \"event_timestamp\": " + std::to_string(kBase + 1) +
      "}' | kcat -P -b " + broker_->bootstrap() + " -t t -p 0 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ConsumeOptions o = options("t");
  o.decode.fallback_format = registry_.find("json");
  o.decode.fallback_event = core::EventType::kLab;
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.sink->rows.size(), 2u);
  EXPECT_EQ(r.sink->rows[0].kind, ValueKind::kEvent);
  EXPECT_EQ(r.sink->rows[0].value, lab_json(1, kBase));
  EXPECT_EQ(r.sink->rows[1].value, lab_json(2, kBase + 1));

  // Without the fallback they are raw text, not errors.
  ConsumeOptions raw = options("t");
  raw.bounded.mode = BoundedMode::kLatestOffset;
  Outcome plain = consume(raw);
  ASSERT_EQ(plain.sink->rows.size(), 2u);
  EXPECT_EQ(plain.sink->rows[0].kind, ValueKind::kRaw);
  EXPECT_EQ(plain.stats.decode_errors, 0u);
}

TEST_F(ConsumeTest, LabPythonProducerRecordsDecodeWithTheFallbackFormatAndEvent) {
  if (std::system("/usr/bin/python3 -c 'import kafka' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-kafka is not installed for /usr/bin/python3 (apt install "
                    "python3-kafka) - cannot run the lab's producer";
  }
  ASSERT_TRUE(broker_->create_topic("test-topic", 1).ok());
  // The lab's producer, as the labs write it.
  const std::string script =
      "import json\n"
      "from kafka import KafkaProducer\n"
      "p = KafkaProducer(bootstrap_servers=['" +
      broker_->bootstrap() +
      "'],\n"
      "                  value_serializer=lambda v: json.dumps(v).encode())\n"
      "for i in range(3):\n"
      "    p.send('test-topic', {'test_data': 40 + i, 'event_timestamp': " +
      std::to_string(kBase) + " + i}, timestamp_ms=" + std::to_string(kBase) +
      " + i)\n"
      // Labs also write time.time() * 1000, a float: Flink's BIGINT truncates it, so does tidemark.
      "p.send('test-topic', {'test_data': 43, 'event_timestamp': " +
      std::to_string(kBase) + " + 3.75})\n"
      "p.flush()\n";
  const std::string path = ::testing::TempDir() + "lab_producer.py";
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(script.c_str(), f);
  std::fclose(f);
  ASSERT_EQ(std::system(("/usr/bin/python3 " + path + " 2>&1").c_str()), 0);
  ConsumeOptions o = options("test-topic");
  o.decode.fallback_format = registry_.find("json");
  o.decode.fallback_event = core::EventType::kLab;
  o.bounded.mode = BoundedMode::kLatestOffset;
  Outcome r = consume(o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.sink->rows.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r.sink->rows[static_cast<std::size_t>(i)].kind, ValueKind::kEvent);
    EXPECT_EQ(r.sink->rows[static_cast<std::size_t>(i)].value, lab_json(40 + i, kBase + i));
  }
  EXPECT_EQ(r.stats.decode_errors, 0u);
}

}  // namespace
}  // namespace tidemark::consumer
