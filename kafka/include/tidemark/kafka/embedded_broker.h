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
// Faults, for tests and reliability runs (docs/reliability.md), are the mock cluster's own:
// brokers set down and up, the next requests of a type answered with chosen errors (leader
// changes, timeouts, ...) or delayed, a round-trip time added to every response, and partition
// leadership moved. What the mock cannot do is listed there too (no throttle_time_ms in produce
// responses, no idempotent de-duplication for non-transactional producers, no replication).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"

namespace tidemark::kafka {

namespace internal {
struct EmbeddedBrokerAccess;  // kafka/src/embedded_broker_internal.h
}  // namespace internal

// Kafka protocol request types faults can target (Kafka's ApiKey numbers).
enum class KafkaApi : std::int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kApiVersions = 18,
  kInitProducerId = 22,
};

// What an injected response says: a Kafka protocol error code, or kDisconnect (the broker closes
// the connection instead of answering; librdkafka's RD_KAFKA_RESP_ERR__TRANSPORT).
enum class BrokerError : std::int16_t {
  kNone = 0,
  kLeaderNotAvailable = 5,
  kNotLeaderForPartition = 6,
  kRequestTimedOut = 7,
  kBrokerNotAvailable = 8,
  kMessageTooLarge = 10,
  kNetworkException = 13,
  kCoordinatorLoadInProgress = 14,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kNotEnoughReplicas = 19,
  kNotEnoughReplicasAfterAppend = 20,
  kTopicAuthorizationFailed = 29,
  kInvalidRecord = 87,
  kKafkaStorageError = 56,
  kThrottlingQuotaExceeded = 89,
  kDisconnect = -195,
};

// The names Kafka and librdkafka use: "Produce", "Fetch", ...; "NOT_LEADER_FOR_PARTITION",
// "REQUEST_TIMED_OUT", ... (librdkafka's rd_kafka_err2name), "NO_ERROR", and "DISCONNECT" for
// kDisconnect.
std::string_view to_string(KafkaApi api) noexcept;
std::string_view to_string(BrokerError error) noexcept;

// One injected answer to one request: an error (or none) after a delay.
struct InjectedResponse {
  BrokerError error = BrokerError::kNone;
  int delay_ms = 0;  // added before the answer is sent
};

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

  // ---- faults --------------------------------------------------------------------------------
  // All are thread-safe (the mock cluster runs them on its own thread) and take effect at once.
  // Broker ids are 1..broker_count(). Errors: kInvalidArgument naming an unknown broker id, a
  // negative delay, or a bad topic name or partition; kNotFound for a topic or partition the
  // cluster does not have; kKafka for anything else the mock says.

  // Closes the broker's connections and refuses new ones, as if its process died. Leadership
  // does not move (the mock has no controller): partitions it leads are unavailable until
  // set_broker_up(), and clients retry.
  core::Status set_broker_down(int broker_id);
  core::Status set_broker_up(int broker_id);

  // Delays every response of the broker by `ms` (0 removes the delay): a slow network or an
  // overloaded broker.
  core::Status set_round_trip_time(int broker_id, int ms);

  // The next errors.size() requests of type `api`, on whichever broker receives them, are
  // answered with these errors in order (kNone answers normally). A produce request answered
  // with an error is not appended to the log.
  void push_request_errors(KafkaApi api, std::span<const BrokerError> errors);
  // Forgets the errors pushed with push_request_errors() for `api` that were not used yet.
  void clear_request_errors(KafkaApi api);

  // The next responses.size() requests of type `api` that broker `broker_id` receives are
  // answered as given: an error and a delay each (a delay without error is a slow answer, the
  // closest the mock comes to quota throttling). These take precedence over
  // push_request_errors().
  core::Status push_broker_responses(int broker_id, KafkaApi api,
                                     std::span<const InjectedResponse> responses);
  // How many responses pushed with push_broker_responses() the broker has not used yet.
  core::Result<std::size_t> pending_broker_responses(int broker_id, KafkaApi api) const;

  // Makes `broker_id` the leader of the partition (a leader election): clients that send to the
  // old leader get NOT_LEADER_FOR_PARTITION and refresh their metadata. The topic is looked up
  // first through the cluster's metadata (so at least one broker must be up; waits up to 10 s):
  // kNotFound for a topic or partition that does not exist (nothing is created).
  core::Status move_partition_leader(std::string_view topic, std::int32_t partition, int broker_id);

 private:
  core::Status check_broker(int broker_id) const;

  friend struct internal::EmbeddedBrokerAccess;
  struct Impl;
  explicit EmbeddedBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks a topic name against Kafka's rules. Errors: kInvalidArgument naming the topic and the
// rule it breaks.
core::Status validate_topic_name(std::string_view name);

}  // namespace tidemark::kafka
