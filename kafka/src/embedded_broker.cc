#include "tidemark/kafka/embedded_broker.h"

#include <algorithm>
#include <set>
#include <utility>

#include "config_internal.h"
#include "embedded_broker_internal.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/metadata.h"

namespace tidemark::kafka {

namespace {

using core::Result;
using core::Status;

// The mock cluster logs through its host handle; a standalone broker has nobody to tell.
void discard_log(const rd_kafka_t*, int, const char*, const char*) {}

Status validate_partitions(std::string_view topic, int partitions) {
  if (partitions < 1 || partitions > EmbeddedBroker::kMaxPartitions) {
    return core::invalid_argument("topic '" + std::string(topic) + "': partition count " +
                                  std::to_string(partitions) + " is out of range (1.." +
                                  std::to_string(EmbeddedBroker::kMaxPartitions) + ")");
  }
  return Status();
}

}  // namespace

Status validate_topic_name(std::string_view name) {
  // Kafka's own rules (org.apache.kafka.common.internals.Topic.validate).
  if (name.empty()) return core::invalid_argument("topic name is empty");
  if (name == "." || name == "..") {
    return core::invalid_argument("topic name '" + std::string(name) +
                                  "' is not allowed ('.' and '..' are reserved)");
  }
  if (name.size() > 249) {
    return core::invalid_argument("topic name '" + std::string(name.substr(0, 40)) +
                                  "...' is too long (" + std::to_string(name.size()) +
                                  " characters; Kafka allows 249)");
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return core::invalid_argument("topic name '" + std::string(name) +
                                    "' has a character Kafka does not allow (use letters, "
                                    "digits, '.', '_' and '-')");
    }
  }
  return Status();
}

struct EmbeddedBroker::Impl {
  rd_kafka_t* host = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string bootstrap;
  int brokers = 0;

  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (host != nullptr) rd_kafka_destroy(host);
  }
};

EmbeddedBroker::EmbeddedBroker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EmbeddedBroker::~EmbeddedBroker() = default;

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::start(
    const EmbeddedBrokerOptions& options) {
  if (options.brokers < 1 || options.brokers > kMaxBrokers) {
    return core::invalid_argument("embedded broker count " + std::to_string(options.brokers) +
                                  " is out of range (1.." + std::to_string(kMaxBrokers) + ")");
  }
  std::set<std::string_view> seen;
  for (const EmbeddedTopic& t : options.topics) {
    TIDEMARK_RETURN_IF_ERROR(validate_topic_name(t.name));
    TIDEMARK_RETURN_IF_ERROR(validate_partitions(t.name, t.partitions));
    if (!seen.insert(t.name).second) {
      return core::invalid_argument("topic '" + t.name + "' is listed twice");
    }
  }

  // rd_kafka_mock_cluster_new() needs an rd_kafka_t for its bookkeeping; a producer handle
  // with no brokers of its own, kept quiet, serves. It must outlive the cluster.
  internal::ConfPtr conf(rd_kafka_conf_new());
  char errstr[512] = "";
  for (const auto& [key, value] : {std::pair<const char*, const char*>{"log_level", "0"},
                                   {"client.id", "tidemark-embedded-broker"}}) {
    if (rd_kafka_conf_set(conf.get(), key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      return core::internal_error("embedded broker: " + std::string(key) + ": " +
                                  internal::trim_librdkafka_error(errstr));
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), discard_log);

  auto impl = std::make_unique<Impl>();
  impl->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr);
  if (impl->host == nullptr) {
    return Status(core::StatusCode::kKafka,
                  "embedded broker: cannot create its librdkafka handle: " +
                      internal::trim_librdkafka_error(errstr));
  }
  conf.release();  // rd_kafka_new() took it

  impl->cluster = rd_kafka_mock_cluster_new(impl->host, options.brokers);
  if (impl->cluster == nullptr) {
    return Status(core::StatusCode::kKafka,
                  "embedded broker: librdkafka could not start its mock cluster of " +
                      std::to_string(options.brokers) +
                      " broker(s) (no free port on 127.0.0.1, or too many open files?)");
  }
  const char* bootstraps = rd_kafka_mock_cluster_bootstraps(impl->cluster);
  impl->bootstrap = bootstraps != nullptr ? bootstraps : "";
  impl->brokers = options.brokers;

  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker(std::move(impl)));
  for (const EmbeddedTopic& t : options.topics) {
    TIDEMARK_RETURN_IF_ERROR(broker->create_topic(t.name, t.partitions));
  }
  return broker;
}

const std::string& EmbeddedBroker::bootstrap() const noexcept { return impl_->bootstrap; }

std::vector<std::string> EmbeddedBroker::broker_addresses() const {
  std::vector<std::string> out;
  std::string_view rest = impl_->bootstrap;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    out.emplace_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

int EmbeddedBroker::broker_count() const noexcept { return impl_->brokers; }

Status EmbeddedBroker::create_topic(std::string_view name, int partitions) {
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(name));
  TIDEMARK_RETURN_IF_ERROR(validate_partitions(name, partitions));
  const std::string topic(name);
  const int replication = std::min(3, impl_->brokers);
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, replication);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status();
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    return core::invalid_argument("topic '" + topic + "' already exists on the embedded broker");
  }
  return Status(core::StatusCode::kKafka,
                "embedded broker: cannot create topic '" + topic + "': " + rd_kafka_err2str(err));
}

// ---- faults ------------------------------------------------------------------------------------

std::string_view to_string(KafkaApi api) noexcept {
  switch (api) {
    case KafkaApi::kProduce:
      return "Produce";
    case KafkaApi::kFetch:
      return "Fetch";
    case KafkaApi::kListOffsets:
      return "ListOffsets";
    case KafkaApi::kMetadata:
      return "Metadata";
    case KafkaApi::kOffsetCommit:
      return "OffsetCommit";
    case KafkaApi::kOffsetFetch:
      return "OffsetFetch";
    case KafkaApi::kFindCoordinator:
      return "FindCoordinator";
    case KafkaApi::kJoinGroup:
      return "JoinGroup";
    case KafkaApi::kHeartbeat:
      return "Heartbeat";
    case KafkaApi::kLeaveGroup:
      return "LeaveGroup";
    case KafkaApi::kSyncGroup:
      return "SyncGroup";
    case KafkaApi::kApiVersions:
      return "ApiVersions";
    case KafkaApi::kInitProducerId:
      return "InitProducerId";
  }
  return "Unknown";
}

std::string_view to_string(BrokerError error) noexcept {
  if (error == BrokerError::kDisconnect) return "DISCONNECT";
  return rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(error));
}

namespace {

rd_kafka_resp_err_t to_rd(BrokerError error) {
  return error == BrokerError::kDisconnect ? RD_KAFKA_RESP_ERR__TRANSPORT
                                           : static_cast<rd_kafka_resp_err_t>(error);
}

Status mock_status(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status();
  return Status(core::StatusCode::kKafka,
                "embedded broker: " + what + ": " + rd_kafka_err2str(err));
}

}  // namespace

Status EmbeddedBroker::check_broker(int broker_id) const {
  if (broker_id < 1 || broker_id > impl_->brokers) {
    return core::invalid_argument("embedded broker: there is no broker " +
                                  std::to_string(broker_id) + " (the brokers are 1.." +
                                  std::to_string(impl_->brokers) + ")");
  }
  return Status();
}

Status EmbeddedBroker::set_broker_down(int broker_id) {
  TIDEMARK_RETURN_IF_ERROR(check_broker(broker_id));
  return mock_status(rd_kafka_mock_broker_set_down(impl_->cluster, broker_id),
                     "setting broker " + std::to_string(broker_id) + " down");
}

Status EmbeddedBroker::set_broker_up(int broker_id) {
  TIDEMARK_RETURN_IF_ERROR(check_broker(broker_id));
  return mock_status(rd_kafka_mock_broker_set_up(impl_->cluster, broker_id),
                     "setting broker " + std::to_string(broker_id) + " up");
}

Status EmbeddedBroker::set_round_trip_time(int broker_id, int ms) {
  TIDEMARK_RETURN_IF_ERROR(check_broker(broker_id));
  if (ms < 0) {
    return core::invalid_argument("embedded broker: round-trip time " + std::to_string(ms) +
                                  " ms is negative");
  }
  return mock_status(rd_kafka_mock_broker_set_rtt(impl_->cluster, broker_id, ms),
                     "setting the round-trip time of broker " + std::to_string(broker_id));
}

void EmbeddedBroker::push_request_errors(KafkaApi api, std::span<const BrokerError> errors) {
  if (errors.empty()) return;
  std::vector<rd_kafka_resp_err_t> codes;
  codes.reserve(errors.size());
  for (const BrokerError e : errors) codes.push_back(to_rd(e));
  rd_kafka_mock_push_request_errors_array(impl_->cluster, static_cast<int16_t>(api), codes.size(),
                                          codes.data());
}

void EmbeddedBroker::clear_request_errors(KafkaApi api) {
  rd_kafka_mock_clear_request_errors(impl_->cluster, static_cast<int16_t>(api));
}

Status EmbeddedBroker::push_broker_responses(int broker_id, KafkaApi api,
                                             std::span<const InjectedResponse> responses) {
  TIDEMARK_RETURN_IF_ERROR(check_broker(broker_id));
  for (const InjectedResponse& r : responses) {
    if (r.delay_ms < 0) {
      return core::invalid_argument("embedded broker: response delay " +
                                    std::to_string(r.delay_ms) + " ms is negative");
    }
  }
  // The mock takes (error, rtt) pairs as varargs; push them one at a time, in order.
  for (const InjectedResponse& r : responses) {
    TIDEMARK_RETURN_IF_ERROR(mock_status(
        rd_kafka_mock_broker_push_request_error_rtts(
            impl_->cluster, broker_id, static_cast<int16_t>(api), 1, to_rd(r.error), r.delay_ms),
        "injecting " + std::string(to_string(api)) + " responses on broker " +
            std::to_string(broker_id)));
  }
  return Status();
}

Result<std::size_t> EmbeddedBroker::pending_broker_responses(int broker_id, KafkaApi api) const {
  TIDEMARK_RETURN_IF_ERROR(check_broker(broker_id));
  std::size_t count = 0;
  TIDEMARK_RETURN_IF_ERROR(
      mock_status(rd_kafka_mock_broker_error_stack_cnt(impl_->cluster, broker_id,
                                                       static_cast<int16_t>(api), &count),
                  "counting the injected responses of broker " + std::to_string(broker_id)));
  return count;
}

Status EmbeddedBroker::move_partition_leader(std::string_view topic, std::int32_t partition,
                                             int broker_id) {
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  TIDEMARK_RETURN_IF_ERROR(check_broker(broker_id));
  if (partition < 0) {
    return core::invalid_argument("embedded broker: partition " + std::to_string(partition) +
                                  " of topic '" + std::string(topic) + "' is negative");
  }
  const std::string name(topic);
  // The mock creates a topic it does not know when asked to move its leader; look it up first
  // (through the cluster's own metadata, which never creates topics) so that a typo is an
  // error, not a new topic.
  {
    Result<std::unique_ptr<AdminClient>> admin =
        AdminClient::create(Config(ClientRole::kConsumer), impl_->bootstrap);
    if (!admin.ok()) return admin.status();
    Result<TopicInfo> info = (*admin)->describe_topic(name, 10000);
    if (!info.ok()) return info.status().with_context("embedded broker");
    if (static_cast<std::size_t>(partition) >= info->partitions.size()) {
      return core::not_found("embedded broker: topic '" + name + "' has no partition " +
                             std::to_string(partition) + " (it has " +
                             std::to_string(info->partitions.size()) + ")");
    }
  }
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_partition_set_leader(impl_->cluster, name.c_str(), partition, broker_id);
  return mock_status(err, "moving the leader of '" + name + "'[" + std::to_string(partition) +
                              "] to broker " + std::to_string(broker_id));
}

namespace internal {

rd_kafka_mock_cluster_t* EmbeddedBrokerAccess::mock_cluster(const EmbeddedBroker& broker) noexcept {
  return broker.impl_->cluster;
}

rd_kafka_t* EmbeddedBrokerAccess::host_handle(const EmbeddedBroker& broker) noexcept {
  return broker.impl_->host;
}

}  // namespace internal

}  // namespace tidemark::kafka
