#include "tidemark/kafka/embedded_broker.h"

#include <algorithm>
#include <set>
#include <utility>

#include "config_internal.h"
#include "embedded_broker_internal.h"

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

namespace internal {

rd_kafka_mock_cluster_t* EmbeddedBrokerAccess::mock_cluster(const EmbeddedBroker& broker) noexcept {
  return broker.impl_->cluster;
}

rd_kafka_t* EmbeddedBrokerAccess::host_handle(const EmbeddedBroker& broker) noexcept {
  return broker.impl_->host;
}

}  // namespace internal

}  // namespace tidemark::kafka
