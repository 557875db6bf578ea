// kafka::Producer against the embedded broker, checked with a plain librdkafka consumer: what
// was sent is what is stored (keys, values, headers, CreateTime), every record is reported
// exactly once, and backpressure, bad input and shutdown behave as documented.
#include "tidemark/kafka/producer.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "embedded_broker_internal.h"
#include "read_back.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"

namespace tidemark::kafka {
namespace {

using core::StatusCode;
using Clock = std::chrono::steady_clock;
using Props = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<EmbeddedBroker> start_broker(EmbeddedBrokerOptions options) {
  core::Result<std::unique_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(options);
  EXPECT_TRUE(broker.ok()) << broker.status().message();
  return broker.ok() ? std::move(*broker) : nullptr;
}

// A producer Config as -X would build it: the built-in defaults (idempotence, acks=all) plus
// short local timeouts, so that a hang fails the test quickly.
Config producer_config(const Props& extra = {}) {
  Config config(ClientRole::kProducer);
  Props props = {{"message.timeout.ms", "10000"}, {"socket.timeout.ms", "10000"}};
  props.insert(props.end(), extra.begin(), extra.end());
  for (const auto& [k, v] : props) {
    const core::Status st = config.set_override(k, v);
    EXPECT_TRUE(st.ok()) << st.message();
  }
  return config;
}

std::unique_ptr<Producer> make_producer(const EmbeddedBroker& broker, const Props& extra = {},
                                        ProducerOptions options = {}) {
  core::Result<std::unique_ptr<Producer>> p =
      Producer::create(producer_config(extra), broker.bootstrap(), options);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? std::move(*p) : nullptr;
}

using tidemark::testing::read_back;
using tidemark::testing::ReadRecord;

// CRC-32 (IEEE, as zlib and librdkafka's rd_crc32): the hash of librdkafka's default
// partitioner, consistent_random, for non-empty keys.
uint32_t crc32(std::string_view bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(Producer, DeliversEveryRecordOnceWithKeysHeadersAndCreateTime) {
  constexpr int kPartitions = 4;
  constexpr std::size_t kRecords = 10000;
  const std::string topic = "lab-events";
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{topic, kPartitions}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker);
  ASSERT_NE(producer, nullptr);

  struct Seen {
    int reports = 0;
    int32_t partition = -1;
    int64_t offset = -1;
  };
  std::vector<Seen> seen(kRecords);
  std::size_t bad_reports = 0;
  int64_t max_latency_us = 0;
  producer->set_delivery_handler([&](const DeliveryReport& r) {
    if (r.opaque >= kRecords || !r.error.ok() || r.topic != topic || r.latency_us < 0) {
      ++bad_reports;
      ADD_FAILURE() << "report " << r.opaque << ": " << r.error.message();
      return;
    }
    Seen& s = seen[r.opaque];
    ++s.reports;
    s.partition = r.partition;
    s.offset = r.offset;
    max_latency_us = std::max(max_latency_us, r.latency_us);
  });

  const int64_t base_ts = 1'700'000'000'000;
  auto key_of = [](std::size_t i) { return "sensor-" + std::to_string(i % 97); };
  auto value_of = [](std::size_t i) {
    return "{\"test_data\":" + std::to_string(i) + ",\"event_timestamp\":" + std::to_string(i) +
           "}";
  };
  for (std::size_t i = 0; i < kRecords; ++i) {
    const std::string key = key_of(i);
    const std::string value = value_of(i);
    const std::string seq = std::to_string(i);
    const std::array<RecordHeader, 3> headers = {RecordHeader{"content-type", "application/json"},
                                                 RecordHeader{"tidemark-seq", seq},
                                                 RecordHeader{"empty", ""}};
    OutgoingRecord r;
    r.topic = topic;
    r.key = key;
    r.value = value;
    r.timestamp_ms = base_ts + static_cast<int64_t>(i);
    r.headers = headers;
    r.opaque = i;
    const core::Status st = producer->send(r);
    ASSERT_TRUE(st.ok()) << i << ": " << st.message();
    if (i % 1000 == 0) producer->poll(0);
  }
  const core::Status flushed = producer->flush(10000);
  ASSERT_TRUE(flushed.ok()) << flushed.message();
  EXPECT_EQ(producer->in_flight(), 0u);

  const ProducerCounters c = producer->counters();
  EXPECT_EQ(c.sent, kRecords);
  EXPECT_EQ(c.acked, kRecords);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.rejected, 0u);
  EXPECT_EQ(bad_reports, 0u);
  EXPECT_LT(max_latency_us, 10'000'000);
  for (std::size_t i = 0; i < kRecords; ++i) {
    ASSERT_EQ(seen[i].reports, 1) << "record " << i;
    // The default partitioner (consistent_random) hashes non-empty keys with CRC-32.
    ASSERT_EQ(seen[i].partition, static_cast<int32_t>(crc32(key_of(i)) % kPartitions))
        << "record " << i;
  }

  const std::vector<ReadRecord> read = read_back(broker->bootstrap(), topic, kPartitions, kRecords);
  ASSERT_EQ(read.size(), kRecords);
  std::vector<int> read_count(kRecords, 0);
  for (const ReadRecord& r : read) {
    ASSERT_EQ(r.headers.size(), 3u);
    const std::size_t i = std::stoul(r.headers[1].second);
    ASSERT_LT(i, kRecords);
    ++read_count[i];
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"content-type",
                                                                 "application/json"}));
    EXPECT_EQ(r.headers[1].first, "tidemark-seq");
    EXPECT_EQ(r.headers[2], (std::pair<std::string, std::string>{"empty", ""}));
    EXPECT_EQ(r.key, key_of(i));
    EXPECT_EQ(r.value, value_of(i));
    EXPECT_EQ(r.timestamp_type, RD_KAFKA_TIMESTAMP_CREATE_TIME);
    EXPECT_EQ(r.timestamp, base_ts + static_cast<int64_t>(i));
    EXPECT_EQ(r.partition, seen[i].partition);
    EXPECT_EQ(r.offset, seen[i].offset);
  }
  for (std::size_t i = 0; i < kRecords; ++i) ASSERT_EQ(read_count[i], 1) << "record " << i;
}

TEST(Producer, NullAndEmptyKeysStayDistinctAndZeroTimestampMeansNow) {
  const std::string topic = "keys";
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{topic, 1}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker);
  ASSERT_NE(producer, nullptr);
  std::vector<DeliveryReport> reports;
  producer->set_delivery_handler([&](const DeliveryReport& r) { reports.push_back(r); });

  const int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  OutgoingRecord r;
  r.topic = topic;
  r.partition = 0;
  r.value = "null key";
  ASSERT_TRUE(producer->send(r).ok());
  r.key = std::string_view();  // empty, not null
  r.value = "";                // an empty value is still a value
  ASSERT_TRUE(producer->send(r).ok());
  ASSERT_TRUE(producer->flush(5000).ok());
  const int64_t after = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();

  ASSERT_EQ(reports.size(), 2u);
  for (const DeliveryReport& d : reports) {
    EXPECT_TRUE(d.error.ok()) << d.error.message();
    // The mock cluster answers every produce request with LogAppendTime 1234; a real broker
    // with CreateTime topics leaves the CreateTime in the report.
    if (d.timestamp_type == TimestampType::kCreateTime) {
      EXPECT_GE(d.timestamp_ms, before);
      EXPECT_LE(d.timestamp_ms, after);
    } else {
      EXPECT_EQ(d.timestamp_type, TimestampType::kLogAppendTime);
    }
  }
  const std::vector<ReadRecord> read = read_back(broker->bootstrap(), topic, 1, 2);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].key, std::nullopt);
  EXPECT_EQ(read[0].value, "null key");
  EXPECT_EQ(read[1].key, std::optional<std::string>(""));
  EXPECT_EQ(read[1].value, "");
  for (const ReadRecord& rec : read) {
    EXPECT_EQ(rec.timestamp_type, RD_KAFKA_TIMESTAMP_CREATE_TIME);
    EXPECT_GE(rec.timestamp, before);
    EXPECT_LE(rec.timestamp, after);
  }
}

TEST(Producer, FullQueueIsBackpressureNotLoss) {
  const std::string topic = "squeezed";
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{topic, 2}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer =
      make_producer(*broker, {{"queue.buffering.max.messages", "100"}});
  ASSERT_NE(producer, nullptr);
  std::size_t ok_reports = 0;
  producer->set_delivery_handler([&](const DeliveryReport& r) { ok_reports += r.error.ok(); });

  constexpr std::size_t kRecords = 5000;
  const std::string value(48, 'x');
  for (std::size_t i = 0; i < kRecords; ++i) {
    OutgoingRecord r;
    r.topic = topic;
    r.value = value;
    r.opaque = i;
    // No poll() here on purpose: send() itself must wait for room.
    const core::Status st = producer->send(r);
    ASSERT_TRUE(st.ok()) << i << ": " << st.message();
  }
  ASSERT_TRUE(producer->flush(10000).ok());
  const ProducerCounters c = producer->counters();
  EXPECT_EQ(c.sent, kRecords);
  EXPECT_EQ(c.acked, kRecords);
  EXPECT_EQ(c.rejected, 0u);
  EXPECT_GT(c.queue_full_waits, 0u);
  EXPECT_EQ(ok_reports, kRecords);
}

TEST(Producer, RejectsTopicNamesKafkaDoesNotAllow) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker);
  ASSERT_NE(producer, nullptr);
  OutgoingRecord r;
  r.topic = "bad topic!";
  r.value = "v";
  const core::Status st = producer->send(r);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'bad topic!'"), std::string::npos) << st.message();

  r.topic = "good";
  r.partition = -2;
  EXPECT_EQ(producer->send(r).code(), StatusCode::kInvalidArgument);
  const ProducerCounters c = producer->counters();
  EXPECT_EQ(c.rejected, 2u);
  EXPECT_EQ(c.sent, 0u);
}

TEST(Producer, UnknownPartitionFailsNamingTopicAndPartition) {
  const std::string topic = "two";
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{topic, 2}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker);
  ASSERT_NE(producer, nullptr);
  std::vector<core::Status> failures;
  producer->set_delivery_handler([&](const DeliveryReport& r) {
    if (!r.error.ok()) failures.push_back(r.error);
  });

  OutgoingRecord r;
  r.topic = topic;
  r.value = "v";
  r.partition = 7;
  // Before the topic's metadata is known, librdkafka queues the record and fails it in its
  // delivery report; afterwards send() refuses it at once. Either way it is counted and named.
  const core::Status first = producer->send(r);
  r.partition = 0;
  ASSERT_TRUE(producer->send(r).ok());
  ASSERT_TRUE(producer->flush(5000).ok());
  r.partition = 7;
  const core::Status second = producer->send(r);
  ASSERT_TRUE(producer->flush(5000).ok());

  EXPECT_EQ(second.code(), StatusCode::kKafka);
  EXPECT_NE(second.message().find("'two'[7]"), std::string::npos) << second.message();
  EXPECT_NE(second.message().find("Unknown partition"), std::string::npos) << second.message();
  const ProducerCounters c = producer->counters();
  EXPECT_EQ(c.acked, 1u);
  EXPECT_EQ(c.failed + c.rejected, 2u);
  if (first.ok()) {
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].code(), StatusCode::kKafka);
    EXPECT_NE(failures[0].message().find("'two'[7]"), std::string::npos)
        << failures[0].message();
  } else {
    EXPECT_NE(first.message().find("'two'[7]"), std::string::npos) << first.message();
  }
}

TEST(Producer, HandlerExceptionsAreContained) {
  const std::string topic = "throwing";
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{topic, 1}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer = make_producer(*broker);
  ASSERT_NE(producer, nullptr);
  producer->set_delivery_handler(
      [](const DeliveryReport&) { throw std::runtime_error("handler bug"); });
  OutgoingRecord r;
  r.topic = topic;
  r.value = "v";
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(producer->send(r).ok());
  ASSERT_TRUE(producer->flush(5000).ok());
  const ProducerCounters c = producer->counters();
  EXPECT_EQ(c.acked, 10u);
  EXPECT_EQ(c.handler_exceptions, 10u);
}

// With the only broker down nothing can be delivered: flush() times out naming the count,
// interrupt() cuts a wait short, and purge_and_close() fails the rest through their reports.
TEST(Producer, UndeliverableRecordsAreReportedOnShutdown) {
  const std::string topic = "unreachable";
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{topic, 1}}});
  ASSERT_NE(broker, nullptr);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(internal::mock_cluster(*broker), 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  std::unique_ptr<Producer> producer = make_producer(*broker, {{"log_level", "0"}});
  ASSERT_NE(producer, nullptr);
  std::vector<std::string> errors;
  producer->set_delivery_handler([&](const DeliveryReport& r) {
    if (!r.error.ok()) errors.push_back(r.error.message());
  });

  OutgoingRecord r;
  r.topic = topic;
  r.value = "v";
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(producer->send(r).ok());

  core::Status flushed = producer->flush(300);
  EXPECT_EQ(flushed.code(), StatusCode::kTimeout);
  EXPECT_NE(flushed.message().find("record(s) still in flight after 300 ms"), std::string::npos)
      << flushed.message();

  producer->interrupt();
  const auto start = Clock::now();
  flushed = producer->flush(-1);
  EXPECT_EQ(flushed.code(), StatusCode::kCancelled) << flushed.message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));

  const core::Status closed = producer->purge_and_close(200);
  EXPECT_EQ(closed.code(), StatusCode::kTimeout);
  EXPECT_NE(closed.message().find("purged 5 record(s)"), std::string::npos) << closed.message();
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_NE(errors[0].find("delivery to 'unreachable'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("Purged"), std::string::npos) << errors[0];
  const ProducerCounters c = producer->counters();
  EXPECT_EQ(c.sent, 5u);
  EXPECT_EQ(c.failed, 5u);
  EXPECT_EQ(producer->send(r).code(), StatusCode::kCancelled);
}

TEST(Producer, QueueFullWaitIsBounded) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{"stuck", 1}}});
  ASSERT_NE(broker, nullptr);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(internal::mock_cluster(*broker), 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ProducerOptions options;
  options.queue_full_timeout_ms = 200;
  std::unique_ptr<Producer> producer = make_producer(
      *broker, {{"queue.buffering.max.messages", "10"}, {"log_level", "0"}}, options);
  ASSERT_NE(producer, nullptr);
  OutgoingRecord r;
  r.topic = "stuck";
  r.value = "v";
  core::Status st;
  int accepted = 0;
  const auto start = Clock::now();
  while ((st = producer->send(r)).ok()) ++accepted;
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(st.code(), StatusCode::kTimeout);
  EXPECT_NE(st.message().find("queue stayed full for 200 ms"), std::string::npos)
      << st.message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  (void)producer->purge_and_close(0);
}

TEST(Producer, PassesStatisticsThrough) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{"stats", 1}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Producer> producer =
      make_producer(*broker, {{"statistics.interval.ms", "100"}});
  ASSERT_NE(producer, nullptr);
  std::string json;
  producer->set_statistics_handler([&](std::string_view j) { json.assign(j); });
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  while (json.empty() && Clock::now() < deadline) producer->poll(50);
  EXPECT_NE(json.find("\"type\": \"producer\""), std::string::npos) << json.substr(0, 200);
}

TEST(Producer, BootstrapComesFromMinusBOrTheConfig) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{"t", 1}}});
  ASSERT_NE(broker, nullptr);

  // A properties file naming another cluster loses to -b.
  Config from_file = producer_config();
  ASSERT_TRUE(from_file.load_properties("bootstrap.servers=elsewhere:9092\n", "client.properties")
                  .ok());
  core::Result<std::unique_ptr<Producer>> p = Producer::create(from_file, broker->bootstrap());
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)->bootstrap(), broker->bootstrap());

  // Without -b the Config's value is used; with neither, it is an error.
  Config with_x = producer_config({{"bootstrap.servers", broker->bootstrap()}});
  p = Producer::create(with_x, "");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)->bootstrap(), broker->bootstrap());
  p = Producer::create(producer_config(), "");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("no Kafka broker given"), std::string::npos);

  // -b and -X bootstrap.servers disagreeing is a contradiction, not a silent pick.
  p = Producer::create(with_x, "127.0.0.1:1");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("contradicts -X bootstrap.servers="), std::string::npos)
      << p.status().message();
}

TEST(Producer, InvalidSettingCombinationsFailAtCreate) {
  // librdkafka checks combinations only when the client is made.
  const core::Result<std::unique_ptr<Producer>> p =
      Producer::create(producer_config({{"acks", "1"}}), "127.0.0.1:1");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("acks"), std::string::npos) << p.status().message();
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Not a correctness test: run with --gtest_also_run_disabled_tests to measure the record rate
// of the in-process path (Release build): 1,000,000 pre-serialized 48-byte values, without
// headers and with the two headers tidemark's records carry.
TEST(Producer, DISABLED_ThroughputOfSmallRecords) {
  constexpr std::size_t kRecords = 1'000'000;
  const std::array<RecordHeader, 2> tidemark_headers = {
      RecordHeader{"content-type", "application/json"}, RecordHeader{"tidemark-event-type", "lab"}};
  for (const bool with_headers : {false, true}) {
    std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{"perf", 4}}});
    ASSERT_NE(broker, nullptr);
    std::unique_ptr<Producer> producer = make_producer(*broker);
    ASSERT_NE(producer, nullptr);
    std::size_t ok = 0;
    producer->set_delivery_handler([&](const DeliveryReport& r) { ok += r.error.ok(); });
    const std::string value(48, 'v');
    OutgoingRecord r;
    r.topic = "perf";
    r.value = value;
    if (with_headers) r.headers = tidemark_headers;
    const double cpu_start = process_cpu_seconds();
    const auto start = Clock::now();
    for (std::size_t i = 0; i < kRecords; ++i) {
      r.opaque = i;
      ASSERT_TRUE(producer->send(r).ok());
      if ((i & 1023) == 0) producer->poll(0);
    }
    const auto enqueued = Clock::now();
    ASSERT_TRUE(producer->flush(60000).ok());
    const auto done = Clock::now();
    const double cpu_s = process_cpu_seconds() - cpu_start;
    const double send_s = std::chrono::duration<double>(enqueued - start).count();
    const double total_s = std::chrono::duration<double>(done - start).count();
    std::printf("%zu records of 48 bytes, %s: send loop %.3f s, all acked after %.3f s = %.0f "
                "records/s; process CPU %.3f s (%.2f us/record, all threads, broker included)\n",
                kRecords, with_headers ? "2 headers" : "no headers", send_s, total_s,
                kRecords / total_s, cpu_s, cpu_s * 1e6 / kRecords);
    EXPECT_EQ(ok, kRecords);
    EXPECT_EQ(producer->counters().acked, kRecords);
  }
}

}  // namespace
}  // namespace tidemark::kafka
