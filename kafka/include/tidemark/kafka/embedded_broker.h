// kafka::EmbeddedBroker: a Kafka cluster inside the tidemark process, so that every command and
// every test works on a fresh machine with nothing else running (DESIGN.md, "The embedded
// broker"). It is librdkafka's own mock cluster (rdkafka_mock.h), a real implementation of the
// Kafka protocol that any client (librdkafka, the Java client, kafka-python, kcat) can use.
//
// What the mock cluster of librdkafka 2.0.2 is, honestly:
//  * Each broker listens on 127.0.0.1 on a kernel-chosen port; bootstrap() lists them. A fixed
//    port such as the labs' localhost:9092 needs a BootstrapForwarder in front.
//  * There is no CreateTopics request: topics are made with create_topic() (or the options), or
//    are auto-created when a client asks for metadata of an unknown topic (producers do by
//    default; consumers only with allow.auto.create.topics=true). Auto-created topics always get
//    kAutoCreatePartitions partitions: librdkafka offers no way to change that.
//  * Logs live in memory, at most 5 MiB or 100,000 batches per partition; older batches are
//    dropped and the partition's low watermark offset moves up.
//  * No ListOffsets by timestamp (offsets-for-times answers -1), no DescribeGroups/ListGroups.
//  * Shutting down can take up to about a second (librdkafka joins an internal thread).
//
// Faults (broker down, request errors, RTT) are injected through the private header
// kafka/src/embedded_broker_internal.h, which hands out the rd_kafka_mock_cluster_t.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"

namespace tidemark::kafka {

namespace internal {
struct EmbeddedBrokerAccess;  // kafka/src/embedded_broker_internal.h
}  // namespace internal

// A topic to create when the broker starts.
struct EmbeddedTopic {
  std::string name;
  int partitions = 1;
};

struct EmbeddedBrokerOptions {
  int brokers = 1;                    // 1 .. kMaxBrokers; broker ids are 1..brokers
  std::vector<EmbeddedTopic> topics;  // created in order before start() returns
};

class EmbeddedBroker {
 public:
  static constexpr int kMaxBrokers = 64;
  static constexpr int kMaxPartitions = 10000;
  // Partition count of topics the mock cluster creates on first use (fixed in librdkafka).
  static constexpr int kAutoCreatePartitions = 4;
  // Per-partition log retention of the mock cluster (older batches are dropped).
  static constexpr std::int64_t kMaxPartitionLogBytes = 5 * 1024 * 1024;
  static constexpr std::int64_t kMaxPartitionLogBatches = 100000;

  // Starts the cluster and creates options.topics. The broker runs on librdkafka's own threads
  // until the EmbeddedBroker is destroyed. Errors: kInvalidArgument for a broker count, topic
  // name or partition count out of range (names follow Kafka's rules: 1..249 characters of
  // [a-zA-Z0-9._-], not "." or ".."), or a topic listed twice; kKafka if librdkafka cannot
  // create the cluster (for instance no free port).
  static core::Result<std::unique_ptr<EmbeddedBroker>> start(
      const EmbeddedBrokerOptions& options = {});

  // Stops the cluster: connected clients see their connections close. May block ~1 s.
  ~EmbeddedBroker();

  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // The cluster's bootstrap.servers list, "127.0.0.1:PORT[,127.0.0.1:PORT...]", one entry per
  // broker in id order. Stable for the broker's lifetime.
  const std::string& bootstrap() const noexcept;

  // bootstrap() split into "host:port" entries; [0] is broker 1.
  std::vector<std::string> broker_addresses() const;

  int broker_count() const noexcept;

  // Creates a topic with `partitions` partitions (replication factor min(3, brokers)).
  // Thread-safe. Errors: kInvalidArgument for a bad name or partition count, or when the topic
  // already exists (also when it was auto-created); kKafka for anything else the mock says.
  core::Status create_topic(std::string_view name, int partitions);

 private:
  friend struct internal::EmbeddedBrokerAccess;
  struct Impl;
  explicit EmbeddedBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks a topic name against Kafka's rules. Errors: kInvalidArgument naming the topic and the
// rule it breaks.
core::Status validate_topic_name(std::string_view name);

}  // namespace tidemark::kafka
