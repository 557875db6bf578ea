// Cluster, topic, offset and group queries: is a broker there, how many partitions does a topic
// have and who leads them, what are a partition's low and high watermark offsets, and which
// members a consumer group has. The producer's summary, the consumer's offset resolver and
// `tidemark offsets` use them.
//
// The queries go through a kafka::AdminClient, a librdkafka handle of its own that never
// produces or consumes, in the way Flink's Kafka source asks its offsets through a separate
// AdminClient. It is built from the same kafka::Config as the producer or consumer it serves
// (same bootstrap, security and client settings), so it reaches the cluster the same way.
//
// Kafka terms keep Kafka's meaning here: watermark offsets are offsets, never event times.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"

namespace tidemark::kafka {

// How every tidemark client turns the -b value into bootstrap.servers (Producer, AdminClient,
// wait_for_broker and the consumer all call it). Non-empty `bootstrap` is set in the -X layer
// with origin "-b": the command line beats a properties file. If -X bootstrap.servers is also
// set to a different value, that contradiction is an error rather than a silent pick. Empty
// `bootstrap`: the Config must already have bootstrap.servers (-F or -X).
// Errors: kInvalidArgument naming the two values, or saying that no broker was given.
core::Status apply_bootstrap(Config& config, std::string_view bootstrap);

struct BrokerInfo {
  std::int32_t id = -1;
  std::string host;
  int port = 0;
};

struct ClusterInfo {
  std::vector<BrokerInfo> brokers;   // as advertised in the metadata, by id
  std::int32_t answered_by = -1;     // id of the broker that answered
  std::int64_t elapsed_ms = 0;       // how long the answer took (connecting included)
};

struct PartitionInfo {
  std::int32_t id = 0;
  std::int32_t leader = -1;  // broker id; -1 while there is none
  std::vector<std::int32_t> replicas;
  std::vector<std::int32_t> in_sync_replicas;
  core::Status error;        // a partition-level error the broker reported (e.g. no leader)
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;  // sorted by id; index == id for a healthy topic
};

// Which offset "high" is: librdkafka's ListOffsets request carries the client's
// isolation.level (DESIGN.md; flink-kafka-semantics.md section 3).
enum class IsolationLevel {
  kReadUncommitted,  // high is the high watermark offset (Flink's enumerator asks this way)
  kReadCommitted,    // high is the last stable offset (equal to the HW without open transactions)
};

// "read_uncommitted" / "read_committed", as in the isolation.level setting.
std::string_view isolation_level_name(IsolationLevel level) noexcept;

struct WatermarkOffsets {
  std::int64_t low = -1;   // log start offset: the oldest offset still available
  std::int64_t high = -1;  // one past the last readable record (see `isolation`)
  IsolationLevel isolation = IsolationLevel::kReadUncommitted;
};

// One member of a consumer group, as DescribeGroups reports it.
struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
};

// A consumer group's state and members (Kafka's DescribeGroups, as kafka-consumer-groups
// --describe --state and rpk group describe show them).
struct GroupDescription {
  std::string group;
  // Kafka's state name: "Empty", "Stable", "PreparingRebalance", "CompletingRebalance", "Dead"
  // (a group that does not exist), or "Unknown".
  std::string state;
  std::vector<GroupMember> members;
};

class AdminClient {
 public:
  // Creates the query handle; `bootstrap` as in apply_bootstrap(). The handle is of the
  // config's role (a producer handle for a producer Config, with enable.idempotence turned off
  // since it never produces; a consumer handle for a consumer Config, which never joins a group),
  // so the role's settings apply without librdkafka warnings, and isolation.level is the
  // Config's for a consumer Config and librdkafka's default (read_committed) for a producer
  // Config. Nothing connects until the first query.
  //
  // The queries never create topics, on any broker: a topic is looked up in the metadata of all
  // topics before anything names it, because brokers that cannot be told not to auto-create
  // (Metadata requests below v4: Kafka before 0.11, and the embedded broker, whose librdkafka
  // 2.0.2 mock cluster speaks Metadata v0-v2) create any topic a metadata request names. The
  // price is a larger metadata response on clusters with many topics.
  // Errors: as Producer::create().
  static core::Result<std::unique_ptr<AdminClient>> create(const Config& config,
                                                           std::string bootstrap);

  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // Every query below is thread-safe and waits at most timeout_ms (> 0) for the cluster.
  // When nothing answers, the error is kIo "nothing answers at <bootstrap>: <librdkafka's
  // reason> (<hint>)" if connections were refused or the name does not resolve, kTimeout "no
  // answer from <bootstrap> within T ms" otherwise; kKafka for what a broker refused
  // (authentication, authorization), in librdkafka's words.

  // The brokers the cluster advertises.
  core::Result<ClusterInfo> describe_cluster(int timeout_ms);

  // Partition count, leaders and replicas of one topic.
  // Errors: kNotFound "topic 'x' does not exist on <bootstrap>"; kInvalidArgument for a name
  // Kafka does not allow; kKafka for other topic-level errors (e.g. not authorized).
  core::Result<TopicInfo> describe_topic(std::string_view topic, int timeout_ms);

  // Low and high watermark offsets of one partition, asked of its leader
  // (rd_kafka_query_watermark_offsets) after checking that the partition exists.
  // Errors: kNotFound for an unknown topic or partition ("partition 'lab'[9] does not exist on
  // <bootstrap> (the topic has 4 partitions)"), kInvalidArgument for a negative partition or a
  // bad topic name, plus the common ones.
  core::Result<WatermarkOffsets> query_watermarks(std::string_view topic, std::int32_t partition,
                                                  int timeout_ms);

  // query_watermarks() for every partition of the topic, indexed by partition id.
  core::Result<std::vector<WatermarkOffsets>> query_topic_watermarks(std::string_view topic,
                                                                     int timeout_ms);

  // State and members of a consumer group (ListGroups and DescribeGroups); a group the cluster
  // does not know is "Dead" with no members, as Kafka reports it. Errors: kUnsupported when the
  // cluster cannot describe groups (the embedded broker: librdkafka 2.0.2's mock cluster has
  // neither request); kKafka for what the broker refused (e.g. not authorized to describe the
  // group), plus the common ones.
  core::Result<GroupDescription> describe_group(std::string_view group, int timeout_ms);

  // The isolation.level this client's ListOffsets requests carry.
  IsolationLevel isolation_level() const noexcept;

  // bootstrap.servers as used.
  const std::string& bootstrap() const noexcept;

 private:
  friend core::Result<ClusterInfo> wait_for_broker(const Config&, std::string, int);
  struct Impl;
  explicit AdminClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks that a Kafka broker answers at `bootstrap` (with the Config's security settings),
// waiting up to timeout_ms for one to come up; returns what it advertises. librdkafka's own
// connection-failure logging is silenced for this check: everything goes into the Status.
// Errors: kIo "nothing answers at localhost:9092: Connect to ipv4#127.0.0.1:9092 failed:
// Connection refused (start one with `tidemark broker`, or use -b embedded)" (for a remote
// address the hint is to check -b and the network); kTimeout when connections neither succeed
// nor fail in time; kKafka when a broker answers but refuses us (e.g. SASL); kInvalidArgument
// as Producer::create().
core::Result<ClusterInfo> wait_for_broker(const Config& config, std::string bootstrap,
                                          int timeout_ms);

}  // namespace tidemark::kafka
