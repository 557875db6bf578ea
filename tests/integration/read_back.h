// Reading a topic back with a plain librdkafka consumer: the independent witness the
// integration tests compare tidemark's producer against.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidemark::testing {

// One record as the consumer read it.
struct ReadRecord {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::string> key;
  std::string value;
  std::int64_t timestamp = -1;
  rd_kafka_timestamp_type_t timestamp_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header with that name.
  std::optional<std::string> header(const std::string& name) const;
};

// Reads `expected` records of `topic` (all `partitions`, from the beginning; fetching metadata
// first so the mock cluster adds no delay), giving up when no record came for 15 s. Failures are
// reported with ADD_FAILURE. With one partition the order is the produce order.
std::vector<ReadRecord> read_back(const std::string& bootstrap, const std::string& topic,
                                  int partitions, std::size_t expected);

// The same without keeping the records (for millions of them): calls `each` with every
// record as librdkafka delivers it, in each partition's order, until `expected` records were
// read or `timeout_s` seconds passed without a new record. Returns how many were read.
std::size_t read_back_each(const std::string& bootstrap, const std::string& topic, int partitions,
                           std::size_t expected,
                           const std::function<void(const rd_kafka_message_t&)>& each,
                           int timeout_s = 15);

// The value of the last header `name` of a message, if any.
std::optional<std::string_view> header_of(const rd_kafka_message_t& message, const char* name);

}  // namespace tidemark::testing
