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

struct ReadRecord {
  int32_t partition = -1;
  std::optional<std::string> key;
  std::string value;
  int64_t timestamp = -1;
  rd_kafka_timestamp_type_t timestamp_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  std::vector<std::pair<std::string, std::string>> headers;

  std::optional<std::string> header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return std::nullopt;
  }
};

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};

// Reads `expected` records of `topic` from the beginning of every partition; gives up after 15 s.
// With one partition the order is the produce order.
std::vector<ReadRecord> read_back(const std::string& bootstrap, const std::string& topic,
                                  int partitions, std::size_t expected) {
  std::vector<ReadRecord> out;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  const std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", bootstrap},
      {"group.id", "tidemark-produce-test"},
      {"enable.auto.commit", "false"},
      {"fetch.wait.max.ms", "50"},
      {"log_level", "3"}};
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << k << ": " << errstr;
      rd_kafka_conf_destroy(conf);
      return out;
    }
  }
  std::unique_ptr<rd_kafka_t, RdKafkaDeleter> consumer(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr));
  if (!consumer) {
    ADD_FAILURE() << errstr;
    rd_kafka_conf_destroy(conf);
    return out;
  }
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(consumer.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  EXPECT_EQ(rd_kafka_metadata(consumer.get(), 0, rkt, &md, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  EXPECT_EQ(rd_kafka_assign(consumer.get(), assignment), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(assignment);

  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (out.size() < expected && Clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer.get(), 100);
    if (msg == nullptr) continue;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ReadRecord r;
      r.partition = msg->partition;
      if (msg->key != nullptr) r.key.emplace(static_cast<const char*>(msg->key), msg->key_len);
      r.value.assign(static_cast<const char*>(msg->payload), msg->len);
      r.timestamp = rd_kafka_message_timestamp(msg, &r.timestamp_type);
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          r.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
        }
      }
      out.push_back(std::move(r));
    } else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ADD_FAILURE() << "consume: " << rd_kafka_message_errstr(msg);
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_consumer_close(consumer.get());
  return out;
}

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
  for (const ReadRecord& r : a) EXPECT_TRUE(r.key.has_value());  // web: keyed by ip
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
