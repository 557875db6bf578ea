#include "read_back.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace tidemark::testing {
namespace {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};

}  // namespace

std::optional<std::string> ReadRecord::header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string_view> header_of(const rd_kafka_message_t& message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  if (value == nullptr) return std::string_view();
  return std::string_view(static_cast<const char*>(value), size);
}

std::size_t read_back_each(const std::string& bootstrap, const std::string& topic, int partitions,
                           std::size_t expected,
                           const std::function<void(const rd_kafka_message_t&)>& each,
                           int timeout_s) {
  std::size_t read = 0;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  const std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", bootstrap}, {"group.id", "tidemark-integration-read-back"},
      {"enable.auto.commit", "false"},  {"isolation.level", "read_uncommitted"},
      {"fetch.wait.max.ms", "50"},      {"log_level", "3"}};
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << k << ": " << errstr;
      rd_kafka_conf_destroy(conf);
      return read;
    }
  }
  std::unique_ptr<rd_kafka_t, RdKafkaDeleter> consumer(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr));
  if (!consumer) {
    ADD_FAILURE() << errstr;
    rd_kafka_conf_destroy(conf);
    return read;
  }
  // Learn the leaders before assigning (the mock cluster otherwise adds a 0.5 s retry).
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

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (read < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer.get(), 100);
    if (msg == nullptr) continue;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      each(*msg);
      ++read;
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    } else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ADD_FAILURE() << "consume: " << rd_kafka_message_errstr(msg);
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_consumer_close(consumer.get());
  return read;
}

std::vector<ReadRecord> read_back(const std::string& bootstrap, const std::string& topic,
                                  int partitions, std::size_t expected) {
  std::vector<ReadRecord> out;
  read_back_each(bootstrap, topic, partitions, expected, [&](const rd_kafka_message_t& msg) {
    ReadRecord r;
    r.partition = msg.partition;
    r.offset = msg.offset;
    if (msg.key != nullptr) r.key.emplace(static_cast<const char*>(msg.key), msg.key_len);
    r.value.assign(static_cast<const char*>(msg.payload), msg.len);
    r.timestamp = rd_kafka_message_timestamp(&msg, &r.timestamp_type);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0;
           rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        r.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
      }
    }
    out.push_back(std::move(r));
  });
  return out;
}

}  // namespace tidemark::testing
