// kafka::run_plain_produce_loop (the baseline of `tidemark perf produce --baseline`) against the
// embedded broker, checked with the plain librdkafka witness consumer: every record arrives
// once, with its key and value; the "same records" variant also carries its headers and
// CreateTime; the loop reports what happened, including a broker that never answers.
#include "tidemark/kafka/plain_produce_loop.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "read_back.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"

namespace tidemark::kafka {
namespace {

std::unique_ptr<EmbeddedBroker> start_broker(const std::string& topic, int partitions) {
  EmbeddedBrokerOptions options;
  options.topics.push_back({topic, partitions});
  core::Result<std::unique_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(options);
  EXPECT_TRUE(broker.ok()) << broker.status().message();
  return broker.ok() ? std::move(*broker) : nullptr;
}

TEST(PlainProduceLoop, DeliversEveryPayloadOnceWithItsKey) {
  auto broker = start_broker("plain", 1);
  ASSERT_NE(broker, nullptr);
  std::vector<std::string> values;
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) {
    // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "literal" + std::to_string().
    std::string value = "{\"test_data\":";
    value += std::to_string(i);
    value += '}';
    values.push_back(value);
    std::string key = "k";
    key += std::to_string(i % 7);
    keys.push_back(key);
  }
  std::vector<PlainRecord> records;
  for (int i = 0; i < 500; ++i) {
    PlainRecord r;
    if (i % 2 == 0) r.key = keys[i];
    r.value = values[i];
    records.push_back(r);
  }
  std::vector<std::int64_t> latencies_us;
  core::Result<PlainLoopResult> result =
      run_plain_produce_loop(Config(ClientRole::kProducer), broker->bootstrap(), "plain", records,
                             -1, [&latencies_us](std::int64_t us) { latencies_us.push_back(us); });
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->sent, 500u);
  EXPECT_EQ(result->acked, 500u);
  EXPECT_EQ(result->failed, 0u);
  // Every acknowledgement's latency went to the observer, none negative.
  ASSERT_EQ(latencies_us.size(), 500u);
  for (const std::int64_t us : latencies_us) EXPECT_GE(us, 0);
  EXPECT_GT(result->elapsed_s, 0);
  std::size_t bytes = 0;
  for (const std::string& v : values) bytes += v.size();
  EXPECT_EQ(result->bytes, bytes);

  const auto read = testing::read_back(broker->bootstrap(), "plain", 1, 500);
  ASSERT_EQ(read.size(), 500u);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(read[i].value, values[i]);
    if (i % 2 == 0) {
      EXPECT_EQ(read[i].key, keys[i]);
    } else {
      EXPECT_FALSE(read[i].key.has_value());
    }
    EXPECT_TRUE(read[i].headers.empty());  // rd_kafka_produce sends none
  }
}

TEST(PlainProduceLoop, SameRecordsVariantCarriesHeadersAndCreateTime) {
  auto broker = start_broker("plain-records", 1);
  ASSERT_NE(broker, nullptr);
  const std::vector<RecordHeader> headers = {{"content-type", "application/json"},
                                             {"tidemark-event-type", "lab"}};
  std::vector<std::string> values = {"{\"a\":1}", "{\"a\":2}", "{\"a\":3}"};
  std::vector<PlainRecord> records;
  for (std::size_t i = 0; i < values.size(); ++i) {
    PlainRecord r;
    r.value = values[i];
    r.headers = headers;
    r.timestamp_ms = 1732345678901 + static_cast<std::int64_t>(i);
    records.push_back(r);
  }
  core::Result<PlainLoopResult> result = run_plain_produce_loop(
      Config(ClientRole::kProducer), broker->bootstrap(), "plain-records", records);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->acked, 3u);
  const auto read = testing::read_back(broker->bootstrap(), "plain-records", 1, 3);
  ASSERT_EQ(read.size(), 3u);
  for (std::size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].value, values[i]);
    EXPECT_EQ(read[i].header("content-type"), "application/json");
    EXPECT_EQ(read[i].header("tidemark-event-type"), "lab");
    EXPECT_EQ(read[i].timestamp, 1732345678901 + static_cast<std::int64_t>(i));
  }
}

TEST(PlainProduceLoop, UnreachableBrokerFailsTheFlushWithATimeout) {
  // Nothing listens on port 9 (discard) of a fresh machine's loopback; records time out.
  Config config(ClientRole::kProducer);
  ASSERT_TRUE(config.apply_x_option("message.timeout.ms=300").ok());
  const std::string value = "x";
  const std::vector<PlainRecord> records = {PlainRecord{std::nullopt, value, {}, 0}};
  int latencies = 0;
  core::Result<PlainLoopResult> result =
      run_plain_produce_loop(config, "127.0.0.1:9", "nowhere", records, 10000,
                             [&latencies](std::int64_t) { ++latencies; });
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->sent, 1u);
  EXPECT_EQ(result->acked, 0u);
  EXPECT_EQ(result->failed, 1u);
  EXPECT_FALSE(result->first_error.empty());
  EXPECT_EQ(latencies, 0);  // a failed delivery has no latency
}

TEST(PlainProduceLoop, BadTopicNameIsAnInvalidArgument) {
  const std::vector<PlainRecord> records;
  core::Result<PlainLoopResult> result =
      run_plain_produce_loop(Config(ClientRole::kProducer), "127.0.0.1:9", "bad topic", records);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("bad topic"), std::string::npos);
}

}  // namespace
}  // namespace tidemark::kafka
