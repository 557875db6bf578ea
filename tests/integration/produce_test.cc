// producer::EventProducer against the embedded broker, read back with a plain librdkafka
// consumer: headers, CreateTime, keys, reproducibility by seed, sharding, and the disorder
// ground truth in the tidemark-delay-ms header.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "read_back.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/producer/fingerprint.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::producer {
namespace {

using Clock = std::chrono::steady_clock;

using tidemark::testing::read_back;
using tidemark::testing::ReadRecord;

// The value of "event_timestamp" in a lab JSON payload.
std::int64_t lab_event_timestamp(const std::string& json) {
  const std::string field = "\"event_timestamp\":";
  const std::size_t at = json.find(field);
  if (at == std::string::npos) return -1;
  return std::stoll(json.substr(at + field.size()));
}

class ProduceTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = serializers::make_builtin_registry(); }

  // Starts a broker with `topic` (if not yet running) and produces into it.
  ProducerStats produce(const std::string& topic, int partitions, EventProducerOptions options) {
    if (!broker_) {
      core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start({});
      EXPECT_TRUE(b.ok()) << b.status().message();
      broker_ = std::move(*b);
    }
    if (partitions > 0) {  // 0: the topic exists already
      core::Status created = broker_->create_topic(topic, partitions);
      EXPECT_TRUE(created.ok()) << created.message();
    }
    kafka::Config config(kafka::ClientRole::kProducer);
    EXPECT_TRUE(config.set_override("message.timeout.ms", "15000").ok());
    core::Result<std::unique_ptr<kafka::Producer>> p =
        kafka::Producer::create(config, broker_->bootstrap());
    EXPECT_TRUE(p.ok()) << p.status().message();
    options.topic = topic;
    core::Result<std::unique_ptr<EventProducer>> ep = EventProducer::create(std::move(options));
    EXPECT_TRUE(ep.ok()) << ep.status().message();
    KafkaSink sink(**p);
    ProducerStats stats;
    std::atomic<bool> stop{false};
    core::Status st = (*ep)->run(sink, &stop, stats);
    EXPECT_TRUE(st.ok()) << st.message();
    return stats;
  }

  EventProducerOptions lab_options(std::uint64_t seed, std::uint64_t count) {
    EventProducerOptions o;
    o.type = core::EventType::kLab;
    o.serializer = registry_.find("json");
    o.seed = seed;
    o.key = KeySpec::default_for(core::EventType::kLab);
    o.clock = *EventClock::simulated(*core::parse_iso8601("2026-01-01T00:00:00Z"), 1.0, 0);
    o.count = count;
    return o;
  }

  serializers::SerializerRegistry registry_;
  std::unique_ptr<kafka::EmbeddedBroker> broker_;
};

TEST_F(ProduceTest, LabJsonRecordsCarryHeadersEventTimeAndNoKey) {
  const ProducerStats stats = produce("lab", 4, lab_options(42, 1000));
  EXPECT_EQ(stats.sent, 1000u);
  EXPECT_EQ(stats.acked, 1000u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.fingerprint.size(), 16u);
  EXPECT_GT(stats.p50_ms, 0.0);

  const std::vector<ReadRecord> records = read_back(broker_->bootstrap(), "lab", 4, 1000);
  ASSERT_EQ(records.size(), 1000u);
  std::set<std::uint64_t> seqs;
  for (const ReadRecord& r : records) {
    EXPECT_EQ(r.header("content-type"), std::optional<std::string>("application/json"));
    EXPECT_EQ(r.header("tidemark-event-type"), std::optional<std::string>("lab"));
    ASSERT_TRUE(r.header("tidemark-seq").has_value());
    seqs.insert(std::stoull(*r.header("tidemark-seq")));
    EXPECT_FALSE(r.header("tidemark-delay-ms").has_value());
    EXPECT_FALSE(r.header("tidemark-instance").has_value());  // unsharded: 0/1 goes unsaid
    EXPECT_FALSE(r.key.has_value());
    EXPECT_EQ(r.timestamp_type, RD_KAFKA_TIMESTAMP_CREATE_TIME);
    EXPECT_EQ(r.timestamp, lab_event_timestamp(r.value)) << r.value;
  }
  EXPECT_EQ(seqs.size(), 1000u);
  EXPECT_EQ(*seqs.begin(), 0u);
  EXPECT_EQ(*seqs.rbegin(), 999u);
}

TEST_F(ProduceTest, SameSeedSameFingerprintOtherSeedDiffers) {
  const ProducerStats a = produce("seed-a", 4, lab_options(7, 500));
  const ProducerStats b = produce("seed-b", 4, lab_options(7, 500));
  const ProducerStats c = produce("seed-c", 4, lab_options(8, 500));
  EXPECT_EQ(a.acked, 500u);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_NE(a.fingerprint, c.fingerprint);
}

TEST_F(ProduceTest, TwoShardsUnionIsTheWholeRun) {
  auto web = [&](std::optional<Shard> shard) {
    EventProducerOptions o = lab_options(11, 1001);
    o.type = core::EventType::kWeb;
    o.key = KeySpec::default_for(core::EventType::kWeb);
    if (shard) o.shard = *shard;
    return o;
  };
  const ProducerStats whole = produce("whole", 2, web(std::nullopt));
  const ProducerStats s0 = produce("shards", 2, web(Shard{0, 2}));
  const ProducerStats s1 = produce("shards", 0, web(Shard{1, 2}));
  EXPECT_EQ(whole.acked, 1001u);
  EXPECT_EQ(s0.acked, 501u);
  EXPECT_EQ(s1.acked, 500u);

  // Compare as multisets of (seq, record hash).
  auto summarize = [](const std::vector<ReadRecord>& records) {
    std::multiset<std::pair<std::uint64_t, std::uint64_t>> out;
    for (const ReadRecord& r : records) {
      std::optional<std::string_view> key;
      if (r.key) key = *r.key;
      out.emplace(std::stoull(r.header("tidemark-seq").value_or("0")),
                  Fingerprint::record_hash(key, r.value));
    }
    return out;
  };
  const std::vector<ReadRecord> a = read_back(broker_->bootstrap(), "whole", 2, 1001);
  const std::vector<ReadRecord> b = read_back(broker_->bootstrap(), "shards", 2, 1001);
  ASSERT_EQ(a.size(), 1001u);
  ASSERT_EQ(b.size(), 1001u);
  for (const ReadRecord& r : a) {
    EXPECT_TRUE(r.key.has_value());  // web: keyed by ip
    EXPECT_FALSE(r.header("tidemark-instance").has_value());
  }
  // Each shard's records say which instance wrote them, and that instance owns their seq.
  for (const ReadRecord& r : b) {
    const std::uint64_t seq = std::stoull(r.header("tidemark-seq").value_or("0"));
    EXPECT_EQ(r.header("tidemark-instance"),
              std::optional<std::string>(seq % 2 == 0 ? "0/2" : "1/2"));
  }
  EXPECT_EQ(summarize(a), summarize(b));
}

TEST_F(ProduceTest, DelayHeaderIsTheGroundTruthOfArrivalOrder) {
  EventProducerOptions o = lab_options(5, 3000);
  o.disorder.out_of_order_ms = 200;
  o.disorder.late_fraction = 0.05;
  o.disorder.late_min_ms = 300;
  o.disorder.late_max_ms = 600;
  const ProducerStats stats = produce("disorder", 1, o);  // one partition: arrival = send order
  EXPECT_EQ(stats.acked, 3000u);
  const std::vector<ReadRecord> records = read_back(broker_->bootstrap(), "disorder", 1, 3000);
  ASSERT_EQ(records.size(), 3000u);
  std::optional<std::int64_t> max_seen;
  std::size_t delayed = 0;
  std::size_t late = 0;
  std::set<std::uint64_t> seqs;
  for (const ReadRecord& r : records) {
    const std::int64_t t = lab_event_timestamp(r.value);
    EXPECT_EQ(r.timestamp, t);
    const std::int64_t truth = max_seen && *max_seen > t ? *max_seen - t : 0;
    ASSERT_TRUE(r.header("tidemark-delay-ms").has_value());
    EXPECT_EQ(std::stoll(*r.header("tidemark-delay-ms")), truth);
    if (truth > 0) ++delayed;
    if (truth >= 300) ++late;
    if (!max_seen || t > *max_seen) max_seen = t;
    seqs.insert(std::stoull(*r.header("tidemark-seq")));
  }
  EXPECT_EQ(seqs.size(), 3000u);
  EXPECT_GT(delayed, 100u);
  EXPECT_GT(late, 50u);
}

}  // namespace
}  // namespace tidemark::producer
