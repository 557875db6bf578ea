// kafka::EmbeddedBroker's fault injection (librdkafka's mock API behind tidemark's own types):
// each fault does to a real kafka::Producer what it says, and bad arguments are refused with a
// message naming them.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "read_back.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/metadata.h"
#include "tidemark/kafka/producer.h"

namespace tidemark::kafka {
namespace {

using core::StatusCode;
using Clock = std::chrono::steady_clock;

std::unique_ptr<EmbeddedBroker> start_broker(int brokers, const std::string& topic,
                                             int partitions) {
  EmbeddedBrokerOptions options;
  options.brokers = brokers;
  options.topics.push_back({topic, partitions});
  core::Result<std::unique_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(options);
  EXPECT_TRUE(broker.ok()) << broker.status().message();
  return broker.ok() ? std::move(*broker) : nullptr;
}

std::unique_ptr<Producer> make_producer(
    const EmbeddedBroker& broker,
    const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  Config config(ClientRole::kProducer);
  EXPECT_TRUE(config.set_override("message.timeout.ms", "20000").ok());
  EXPECT_TRUE(config.set_override("log_level", "0").ok());
  for (const auto& [k, v] : extra) EXPECT_TRUE(config.set_override(k, v).ok()) << k;
  core::Result<std::unique_ptr<Producer>> p = Producer::create(config, broker.bootstrap());
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? std::move(*p) : nullptr;
}

// Sends `n` records to `partition` and flushes; returns the delivery reports' errors (empty
// strings for acknowledged records) and the largest latency seen.
struct Outcome {
  std::vector<std::string> errors;
  std::int64_t max_latency_us = 0;
  std::size_t acked = 0;
};

Outcome send_and_flush(Producer& producer, const std::string& topic, std::int32_t partition,
                       int n) {
  Outcome out;
  producer.set_delivery_handler([&](const DeliveryReport& r) {
    if (r.error.ok()) {
      ++out.acked;
      out.max_latency_us = std::max(out.max_latency_us, r.latency_us);
    } else {
      out.errors.push_back(r.error.message());
    }
  });
  OutgoingRecord record;
  record.topic = topic;
  record.partition = partition;
  record.value = "v";
  for (int i = 0; i < n; ++i) {
    const core::Status st = producer.send(record);
    EXPECT_TRUE(st.ok()) << st.message();
  }
  const core::Status flushed = producer.flush(30000);
  EXPECT_TRUE(flushed.ok()) << flushed.message();
  return out;
}

std::int32_t leader_of(const EmbeddedBroker& broker, const std::string& topic,
                       std::int32_t partition) {
  core::Result<std::unique_ptr<AdminClient>> admin =
      AdminClient::create(Config(ClientRole::kConsumer), broker.bootstrap());
  EXPECT_TRUE(admin.ok()) << admin.status().message();
  if (!admin.ok()) return -2;
  core::Result<TopicInfo> info = (*admin)->describe_topic(topic, 5000);
  EXPECT_TRUE(info.ok()) << info.status().message();
  if (!info.ok()) return -2;
  return info->partitions.at(static_cast<std::size_t>(partition)).leader;
}

std::int64_t high_watermark(const EmbeddedBroker& broker, const std::string& topic,
                            std::int32_t partition) {
  core::Result<std::unique_ptr<AdminClient>> admin =
      AdminClient::create(Config(ClientRole::kConsumer), broker.bootstrap());
  EXPECT_TRUE(admin.ok()) << admin.status().message();
  if (!admin.ok()) return -2;
  core::Result<WatermarkOffsets> w = (*admin)->query_watermarks(topic, partition, 5000);
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w.ok() ? w->high : -2;
}

TEST(EmbeddedBrokerFaults, BadArgumentsAreRefusedNamingThem) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker(3, "t", 2);
  ASSERT_NE(broker, nullptr);
  for (const int id : {0, 4, -1}) {
    const core::Status st = broker->set_broker_down(id);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("no broker " + std::to_string(id) + " (the brokers are 1..3)"),
              std::string::npos)
        << st.message();
  }
  EXPECT_EQ(broker->set_broker_up(9).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broker->pending_broker_responses(9, KafkaApi::kProduce).status().code(),
            StatusCode::kInvalidArgument);

  const core::Status rtt = broker->set_round_trip_time(1, -5);
  EXPECT_EQ(rtt.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rtt.message().find("-5 ms"), std::string::npos) << rtt.message();
  const std::array<InjectedResponse, 1> slow{{{BrokerError::kNone, -1}}};
  EXPECT_EQ(broker->push_broker_responses(1, KafkaApi::kProduce, slow).code(),
            StatusCode::kInvalidArgument);

  const core::Status missing = broker->move_partition_leader("nope", 0, 1);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.message();
  EXPECT_NE(missing.message().find("'nope'"), std::string::npos) << missing.message();
  const core::Status beyond = broker->move_partition_leader("t", 2, 1);
  EXPECT_EQ(beyond.code(), StatusCode::kNotFound) << beyond.message();
  EXPECT_EQ(broker->move_partition_leader("t", -1, 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broker->move_partition_leader("bad name", 0, 1).code(), StatusCode::kInvalidArgument);
  // Looking the missing topic up did not create it.
  EXPECT_TRUE(broker->create_topic("nope", 1).ok());
}

TEST(EmbeddedBrokerFaults, NamesAreKafkas) {
  EXPECT_EQ(to_string(KafkaApi::kProduce), "Produce");
  EXPECT_EQ(to_string(KafkaApi::kInitProducerId), "InitProducerId");
  EXPECT_EQ(to_string(BrokerError::kNotLeaderForPartition), "NOT_LEADER_FOR_PARTITION");
  EXPECT_EQ(to_string(BrokerError::kRequestTimedOut), "REQUEST_TIMED_OUT");
  EXPECT_EQ(to_string(BrokerError::kDisconnect), "DISCONNECT");
  EXPECT_EQ(to_string(BrokerError::kNone), "NO_ERROR");
}

TEST(EmbeddedBrokerFaults, MovedLeaderIsWhatClientsSeeAndProducersFollow) {
  const std::string topic = "moving";
  std::unique_ptr<EmbeddedBroker> broker = start_broker(3, topic, 1);
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker);
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(send_and_flush(*producer, topic, 0, 10).acked, 10u);
  for (const int target : {1, 2, 3, 2}) {
    ASSERT_TRUE(broker->move_partition_leader(topic, 0, target).ok());
    EXPECT_EQ(leader_of(*broker, topic, 0), target);
    const Outcome o = send_and_flush(*producer, topic, 0, 10);
    EXPECT_EQ(o.acked, 10u);
    EXPECT_TRUE(o.errors.empty());
  }
  EXPECT_EQ(testing::read_back(broker->bootstrap(), topic, 1, 50).size(), 50u);
}

// Retriable errors (leader changes, timeouts, a dropped connection) are retried by the
// idempotent producer; a permanent one (the broker refusing the batch) fails exactly the
// records of that batch, and the producer goes on.
TEST(EmbeddedBrokerFaults, RetriableProduceErrorsAreRetriedAndFatalOnesFailTheRecords) {
  const std::string topic = "errors";
  std::unique_ptr<EmbeddedBroker> broker = start_broker(1, topic, 1);
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker, {{"linger.ms", "0"}});
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(send_and_flush(*producer, topic, 0, 1).acked, 1u);  // connected, PID assigned

  const std::array<BrokerError, 4> retriable{
      BrokerError::kNotLeaderForPartition, BrokerError::kRequestTimedOut,
      BrokerError::kNotEnoughReplicas, BrokerError::kDisconnect};
  broker->push_request_errors(KafkaApi::kProduce, retriable);
  const Outcome retried = send_and_flush(*producer, topic, 0, 1);
  EXPECT_EQ(retried.acked, 1u);
  EXPECT_TRUE(retried.errors.empty()) << retried.errors.front();

  const std::array<BrokerError, 1> fatal{BrokerError::kInvalidRecord};
  broker->push_request_errors(KafkaApi::kProduce, fatal);
  const Outcome failed = send_and_flush(*producer, topic, 0, 1);
  EXPECT_EQ(failed.acked, 0u);
  ASSERT_EQ(failed.errors.size(), 1u);
  EXPECT_NE(failed.errors[0].find("'errors'[0]"), std::string::npos) << failed.errors[0];
  EXPECT_NE(failed.errors[0].find("failed to validate record"), std::string::npos)
      << failed.errors[0];

  // Pushed and cleared before use: nothing happens.
  broker->push_request_errors(KafkaApi::kProduce, fatal);
  broker->clear_request_errors(KafkaApi::kProduce);
  EXPECT_EQ(send_and_flush(*producer, topic, 0, 1).acked, 1u);
  // Three acknowledged records; nothing written by the failed or the refused attempts.
  EXPECT_EQ(high_watermark(*broker, topic, 0), 3);
  EXPECT_EQ(testing::read_back(broker->bootstrap(), topic, 1, 3).size(), 3u);
}

TEST(EmbeddedBrokerFaults, DelaysSlowDeliveriesDown) {
  const std::string topic = "slow";
  std::unique_ptr<EmbeddedBroker> broker = start_broker(1, topic, 1);
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker, {{"linger.ms", "0"}});
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(send_and_flush(*producer, topic, 0, 1).acked, 1u);

  const std::array<InjectedResponse, 2> slow{
      {{BrokerError::kNone, 300}, {BrokerError::kNone, 300}}};
  ASSERT_TRUE(broker->push_broker_responses(1, KafkaApi::kProduce, slow).ok());
  EXPECT_EQ(*broker->pending_broker_responses(1, KafkaApi::kProduce), 2u);
  Outcome o = send_and_flush(*producer, topic, 0, 1);
  EXPECT_EQ(o.acked, 1u);
  EXPECT_GE(o.max_latency_us, 300000);
  EXPECT_EQ(*broker->pending_broker_responses(1, KafkaApi::kProduce), 1u);

  ASSERT_TRUE(broker->set_round_trip_time(1, 250).ok());
  ASSERT_TRUE(broker->push_broker_responses(1, KafkaApi::kProduce, {}).ok());
  o = send_and_flush(*producer, topic, 0, 1);
  EXPECT_EQ(o.acked, 1u);
  EXPECT_GE(o.max_latency_us, 250000);
  ASSERT_TRUE(broker->set_round_trip_time(1, 0).ok());
}

TEST(EmbeddedBrokerFaults, ADownBrokerHoldsDeliveriesUntilItIsUp) {
  const std::string topic = "down";
  std::unique_ptr<EmbeddedBroker> broker = start_broker(1, topic, 1);
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker);
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ(send_and_flush(*producer, topic, 0, 5).acked, 5u);

  ASSERT_TRUE(broker->set_broker_down(1).ok());
  std::size_t acked = 0;
  producer->set_delivery_handler([&](const DeliveryReport& r) {
    if (r.error.ok()) ++acked;
  });
  OutgoingRecord record;
  record.topic = topic;
  record.value = "later";
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(producer->send(record).ok());
  EXPECT_EQ(producer->flush(700).code(), StatusCode::kTimeout);
  EXPECT_EQ(acked, 0u);
  ASSERT_TRUE(broker->set_broker_up(1).ok());
  const core::Status flushed = producer->flush(20000);
  EXPECT_TRUE(flushed.ok()) << flushed.message();
  EXPECT_EQ(acked, 5u);
}

}  // namespace
}  // namespace tidemark::kafka
