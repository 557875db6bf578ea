// Shared by the consumer integration tests: an embedded broker, records written with known
// partitions, offsets and timestamps (through tidemark's Producer), and consumer configs tuned
// for the mock cluster (short fetch waits, short group session timeouts).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/producer.h"

namespace tidemark::testing {

struct SeedRecord {
  std::int32_t partition = 0;
  std::int64_t timestamp_ms = 0;
  std::string value;
  std::optional<std::string> key;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A consumer Config for the mock cluster: quiet, fast fetch turnarounds, short sessions.
inline kafka::Config test_consumer_config() {
  kafka::Config config(kafka::ClientRole::kConsumer);
  EXPECT_TRUE(config.set_override("fetch.wait.max.ms", "20").ok());
  EXPECT_TRUE(config.set_override("session.timeout.ms", "6000").ok());
  EXPECT_TRUE(config.set_override("heartbeat.interval.ms", "500").ok());
  EXPECT_TRUE(config.set_override("log_level", "3").ok());
  return config;
}

// Produces `records` in order and waits for every acknowledgement; offsets within a partition
// are therefore assigned in the order given.
inline void produce_records(const std::string& bootstrap, const std::string& topic,
                            const std::vector<SeedRecord>& records) {
  kafka::Config config(kafka::ClientRole::kProducer);
  ASSERT_TRUE(config.set_override("linger.ms", "0").ok());
  ASSERT_TRUE(config.set_override("log_level", "3").ok());
  core::Result<std::unique_ptr<kafka::Producer>> p = kafka::Producer::create(config, bootstrap);
  ASSERT_TRUE(p.ok()) << p.status().message();
  std::uint64_t failed = 0;
  (*p)->set_delivery_handler([&failed](const kafka::DeliveryReport& r) {
    if (!r.error.ok()) ++failed;
  });
  for (const SeedRecord& r : records) {
    std::vector<kafka::RecordHeader> headers;
    for (const auto& [n, v] : r.headers) headers.push_back({n, v});
    kafka::OutgoingRecord out;
    out.topic = topic;
    out.partition = r.partition;
    if (r.key) out.key = *r.key;
    out.value = r.value;
    out.timestamp_ms = r.timestamp_ms;
    out.headers = headers;
    ASSERT_TRUE((*p)->send(out).ok());
  }
  ASSERT_TRUE((*p)->flush(15000).ok());
  ASSERT_EQ(failed, 0u);
}

// A lab event as tidemark's json format writes it.
inline std::string lab_json(int test_data, std::int64_t event_timestamp) {
  return "{\"test_data\":" + std::to_string(test_data) +
         ",\"event_timestamp\":" + std::to_string(event_timestamp) + "}";
}

// `count` lab JSON records in `partition` with tidemark's headers, timestamps base, base+step, ...
inline std::vector<SeedRecord> lab_records(std::int32_t partition, int count, std::int64_t base,
                                           std::int64_t step = 1000) {
  std::vector<SeedRecord> out;
  for (int i = 0; i < count; ++i) {
    SeedRecord r;
    r.partition = partition;
    r.timestamp_ms = base + i * step;
    r.value = lab_json(i, r.timestamp_ms);
    r.headers = {{"content-type", "application/json"}, {"tidemark-event-type", "lab"}};
    out.push_back(std::move(r));
  }
  return out;
}

inline std::unique_ptr<kafka::EmbeddedBroker> start_broker() {
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start({});
  EXPECT_TRUE(b.ok()) << b.status().message();
  return b.ok() ? std::move(*b) : nullptr;
}

}  // namespace tidemark::testing
