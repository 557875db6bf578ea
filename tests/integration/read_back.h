// Reading a topic back with a plain librdkafka consumer: the independent witness the
// integration tests compare tidemark's producer against.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>
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
// first so the mock cluster adds no delay), giving up after 15 s. Failures are reported with
// ADD_FAILURE. With one partition the order is the produce order.
std::vector<ReadRecord> read_back(const std::string& bootstrap, const std::string& topic,
                                  int partitions, std::size_t expected);

}  // namespace tidemark::testing
