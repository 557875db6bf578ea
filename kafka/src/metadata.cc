#include "tidemark/kafka/metadata.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>

#include "config_internal.h"
#include "tidemark/kafka/bootstrap_forwarder.h"  // parse_host_port
#include "tidemark/kafka/embedded_broker.h"      // validate_topic_name

namespace tidemark::kafka {

namespace {

using core::Result;
using core::Status;
using core::StatusCode;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kBootstrapKey = "bootstrap.servers";

void discard_log(const rd_kafka_t*, int, const char*, const char*) {}

bool is_local_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0 || host.empty();
}

// Every bootstrap entry on this host: then `tidemark broker` is the likely fix.
bool all_local(std::string_view bootstrap) {
  bool any = false;
  while (!bootstrap.empty()) {
    const std::size_t comma = bootstrap.find(',');
    std::string_view entry = bootstrap.substr(0, comma);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (const std::size_t scheme = entry.find("://"); scheme != std::string_view::npos) {
      entry.remove_prefix(scheme + 3);  // "PLAINTEXT://host:port"
    }
    if (!entry.empty()) {
      Result<HostPort> hp = parse_host_port(entry);
      const std::string host = hp.ok() ? hp->host : std::string(entry);
      if (!is_local_host(host)) return false;
      any = true;
    }
    if (comma == std::string_view::npos) break;
    bootstrap.remove_prefix(comma + 1);
  }
  return any;
}

std::string hint_for(std::string_view bootstrap) {
  return all_local(bootstrap)
             ? "start one with `tidemark broker`, or use -b embedded"
             : "check -b and that the brokers are reachable from this host";
}

IsolationLevel isolation_of(rd_kafka_t* rk) {
  char value[64] = "";
  size_t size = sizeof value;
  if (rd_kafka_conf_get(rd_kafka_conf(rk), "isolation.level", value, &size) == RD_KAFKA_CONF_OK &&
      std::string_view(value) == "read_uncommitted") {
    return IsolationLevel::kReadUncommitted;
  }
  return IsolationLevel::kReadCommitted;  // librdkafka's default
}

bool is_connect_failure(rd_kafka_resp_err_t code, std::string_view reason) {
  if (code == RD_KAFKA_RESP_ERR__RESOLVE) return true;
  if (code != RD_KAFKA_RESP_ERR__TRANSPORT) return false;
  // "Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)";
  // a disconnect after connecting ("Disconnected while requesting ApiVersion") means something
  // does answer, just not as expected.
  return reason.find("Connect to") != std::string_view::npos ||
         reason.find("in state CONNECT") != std::string_view::npos;
}

// librdkafka appends "(after 0ms in state CONNECT, 1 identical error(s) suppressed)"; the part
// before it is the reason a user needs.
std::string short_reason(std::string reason) {
  // Drop librdkafka's "<broker>: " prefix ("127.0.0.1:9092/bootstrap: Connect to ...").
  if (const std::size_t p = reason.find("/bootstrap: "); p != std::string::npos) {
    reason.erase(0, p + 12);
  }
  if (const std::size_t p = reason.find(" (after "); p != std::string::npos) reason.resize(p);
  return reason;
}

}  // namespace

std::string_view isolation_level_name(IsolationLevel level) noexcept {
  return level == IsolationLevel::kReadUncommitted ? "read_uncommitted" : "read_committed";
}

Status apply_bootstrap(Config& config, std::string_view bootstrap) {
  const std::optional<ConfigEntry> existing = config.entry(kBootstrapKey);
  if (bootstrap.empty()) {
    if (!existing || existing->value.empty()) {
      return core::invalid_argument(
          "no Kafka broker given: use -b host:port (or -b embedded), or set bootstrap.servers");
    }
    return Status();
  }
  if (existing && existing->layer == ConfigLayer::kOverride) {
    if (existing->value == bootstrap) return Status();  // said twice, the same way
    return core::invalid_argument("-b " + std::string(bootstrap) + " contradicts " +
                                  existing->origin + " bootstrap.servers=" + existing->value +
                                  ": give the brokers once");
  }
  return config.set_override(kBootstrapKey, bootstrap, "-b");
}

struct AdminClient::Impl {
  rd_kafka_t* rk = nullptr;
  std::string bootstrap;
  IsolationLevel isolation = IsolationLevel::kReadCommitted;

  // One query at a time, so that the client errors gathered during a query are its own.
  std::mutex query_mutex;

  // Client-level errors (error_cb) seen since the current query started, by kind.
  std::string connect_failure;  // nothing listening, or the name does not resolve
  std::string other_failure;    // something answered but the conversation failed

  ~Impl() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }

  static void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) noexcept {
    auto* impl = static_cast<Impl*>(opaque);
    try {
      const auto code = static_cast<rd_kafka_resp_err_t>(err);
      if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) return;  // says less than the causes
      const std::string text =
          short_reason(reason != nullptr ? internal::trim_librdkafka_error(reason)
                                         : std::string(rd_kafka_err2str(code)));
      if (is_connect_failure(code, reason != nullptr ? reason : "")) {
        impl->connect_failure = text;
      } else {
        impl->other_failure = text;
      }
    } catch (...) {
      // Nothing may leave a librdkafka callback; a lost error text only makes a message vaguer.
    }
  }

  // Called with query_mutex held, before a query: forget earlier errors.
  void begin_query() {
    rd_kafka_poll(rk, 0);
    connect_failure.clear();
    other_failure.clear();
  }

  // Turns a failed request into the error a user can act on.
  Status failure(rd_kafka_resp_err_t err, std::string_view what, int timeout_ms) {
    rd_kafka_poll(rk, 0);  // serve error_cb events queued during the request
    const bool no_answer = err == RD_KAFKA_RESP_ERR__TRANSPORT ||
                           err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
                           err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
                           err == RD_KAFKA_RESP_ERR__RESOLVE;
    if (!no_answer) {
      return Status(StatusCode::kKafka,
                    std::string(what) + " on " + bootstrap + ": " + rd_kafka_err2str(err));
    }
    if (!other_failure.empty()) {
      return Status(StatusCode::kKafka,
                    "cannot talk to the Kafka cluster at " + bootstrap + ": " + other_failure);
    }
    if (!connect_failure.empty()) {
      return Status(StatusCode::kIo, "nothing answers at " + bootstrap + ": " + connect_failure +
                                         " (" + hint_for(bootstrap) + ")");
    }
    return Status(StatusCode::kTimeout, "no answer from " + bootstrap + " within " +
                                            std::to_string(timeout_ms) + " ms (" +
                                            std::string(what) + "; " + hint_for(bootstrap) + ")");
  }

  // Queries, with query_mutex held.
  Result<TopicInfo> describe(const std::string& name, int timeout_ms);
  Result<WatermarkOffsets> watermarks(const std::string& name, std::int32_t partition,
                                      int timeout_ms);

  static Result<std::unique_ptr<AdminClient>> create(const Config& config, std::string bootstrap,
                                                     bool quiet);
};

AdminClient::AdminClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminClient::~AdminClient() = default;

Result<std::unique_ptr<AdminClient>> AdminClient::Impl::create(const Config& config,
                                                               std::string bootstrap,
                                                               bool quiet) {
  Config effective = config;
  TIDEMARK_RETURN_IF_ERROR(apply_bootstrap(effective, bootstrap));
  Result<internal::ConfPtr> conf = internal::build_conf(effective);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_t* c = conf->get();

  const bool producer = config.role() == ClientRole::kProducer;
  char errstr[512] = "";
  // A query handle never produces: no InitProducerId, no IDEMPOTENT_WRITE permission needed.
  if (producer && rd_kafka_conf_set(c, "enable.idempotence", "false", errstr, sizeof errstr) !=
                      RD_KAFKA_CONF_OK) {
    return core::internal_error("admin client: enable.idempotence: " +
                                internal::trim_librdkafka_error(errstr));
  }

  auto impl = std::make_unique<Impl>();
  impl->bootstrap = effective.get(kBootstrapKey).value_or("");
  rd_kafka_conf_set_opaque(c, impl.get());
  rd_kafka_conf_set_error_cb(c, &Impl::error_cb);
  if (quiet) rd_kafka_conf_set_log_cb(c, discard_log);

  impl->rk = rd_kafka_new(producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, c, errstr,
                          sizeof errstr);
  if (impl->rk == nullptr) {
    return core::invalid_argument("cannot create the Kafka admin client: " +
                                  internal::trim_librdkafka_error(errstr));
  }
  conf->release();
  impl->isolation = isolation_of(impl->rk);
  return std::unique_ptr<AdminClient>(new AdminClient(std::move(impl)));
}

Result<std::unique_ptr<AdminClient>> AdminClient::create(const Config& config,
                                                         std::string bootstrap) {
  return Impl::create(config, std::move(bootstrap), false);
}

IsolationLevel AdminClient::isolation_level() const noexcept { return impl_->isolation; }

const std::string& AdminClient::bootstrap() const noexcept { return impl_->bootstrap; }

Result<ClusterInfo> AdminClient::describe_cluster(int timeout_ms) {
  Impl& im = *impl_;
  std::lock_guard<std::mutex> lock(im.query_mutex);
  im.begin_query();
  const auto start = Clock::now();
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(im.rk, 0, nullptr, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return im.failure(err, "cluster metadata", timeout_ms);
  ClusterInfo info;
  info.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  info.answered_by = md->orig_broker_id;
  for (int i = 0; i < md->broker_cnt; ++i) {
    info.brokers.push_back(
        BrokerInfo{md->brokers[i].id, md->brokers[i].host != nullptr ? md->brokers[i].host : "",
                   md->brokers[i].port});
  }
  rd_kafka_metadata_destroy(md);
  std::sort(info.brokers.begin(), info.brokers.end(),
            [](const BrokerInfo& a, const BrokerInfo& b) { return a.id < b.id; });
  return info;
}

namespace {

// The topic's entry in a metadata response, as a TopicInfo; kNotFound when it is not listed.
Result<TopicInfo> topic_from(const rd_kafka_metadata_t& md, const std::string& name,
                             const std::string& bootstrap) {
  const rd_kafka_metadata_topic_t* t = nullptr;
  for (int i = 0; i < md.topic_cnt; ++i) {
    if (md.topics[i].topic != nullptr && name == md.topics[i].topic) t = &md.topics[i];
  }
  if (t == nullptr || t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
      t->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
    return core::not_found("topic '" + name + "' does not exist on " + bootstrap);
  }
  if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status(StatusCode::kKafka,
                  "topic '" + name + "' on " + bootstrap + ": " + rd_kafka_err2str(t->err));
  }
  TopicInfo info;
  info.name = name;
  for (int i = 0; i < t->partition_cnt; ++i) {
    const rd_kafka_metadata_partition_t& p = t->partitions[i];
    PartitionInfo pi;
    pi.id = p.id;
    pi.leader = p.leader;
    pi.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
    pi.in_sync_replicas.assign(p.isrs, p.isrs + p.isr_cnt);
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      pi.error = Status(StatusCode::kKafka, "partition '" + name + "'[" + std::to_string(p.id) +
                                                "]: " + rd_kafka_err2str(p.err));
    }
    info.partitions.push_back(std::move(pi));
  }
  std::sort(info.partitions.begin(), info.partitions.end(),
            [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
  return info;
}

int remaining_ms(Clock::time_point deadline) {
  return static_cast<int>(std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
}

}  // namespace

Result<TopicInfo> AdminClient::Impl::describe(const std::string& name, int timeout_ms) {
  // Metadata of all topics, not of this one by name: a broker that cannot be told not to
  // auto-create (Metadata < v4: the embedded broker, Kafka before 0.11) would create the topic
  // just because we asked about it.
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return failure(err, "metadata of topic '" + name + "'", timeout_ms);
  }
  Result<TopicInfo> info = topic_from(*md, name, bootstrap);
  rd_kafka_metadata_destroy(md);
  return info;
}

Result<WatermarkOffsets> AdminClient::Impl::watermarks(const std::string& name,
                                                       std::int32_t partition, int timeout_ms) {
  WatermarkOffsets out;
  out.isolation = isolation;
  const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rk, name.c_str(), partition, &out.low, &out.high, timeout_ms);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const std::string where = "'" + name + "'[" + std::to_string(partition) + "]";
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
      err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
    return core::not_found("partition " + where + " does not exist on " + bootstrap);
  }
  return failure(err, "watermark offsets of " + where, timeout_ms);
}

Result<TopicInfo> AdminClient::describe_topic(std::string_view topic, int timeout_ms) {
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  Impl& im = *impl_;
  std::lock_guard<std::mutex> lock(im.query_mutex);
  im.begin_query();
  return im.describe(std::string(topic), timeout_ms);
}

Result<WatermarkOffsets> AdminClient::query_watermarks(std::string_view topic,
                                                       std::int32_t partition, int timeout_ms) {
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  const std::string name(topic);
  if (partition < 0) {
    return core::invalid_argument("partition " + std::to_string(partition) + " of '" + name +
                                  "' is negative");
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Impl& im = *impl_;
  std::lock_guard<std::mutex> lock(im.query_mutex);
  im.begin_query();
  // Existence first (see describe()): ListOffsets' leader lookup names the topic.
  Result<TopicInfo> info = im.describe(name, timeout_ms);
  if (!info.ok()) return info.status();
  if (static_cast<std::size_t>(partition) >= info->partitions.size()) {
    return core::not_found("partition '" + name + "'[" + std::to_string(partition) +
                           "] does not exist on " + im.bootstrap + " (the topic has " +
                           std::to_string(info->partitions.size()) + " partitions)");
  }
  return im.watermarks(name, partition, remaining_ms(deadline));
}

Result<std::vector<WatermarkOffsets>> AdminClient::query_topic_watermarks(std::string_view topic,
                                                                          int timeout_ms) {
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  const std::string name(topic);
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Impl& im = *impl_;
  std::lock_guard<std::mutex> lock(im.query_mutex);
  im.begin_query();
  Result<TopicInfo> info = im.describe(name, timeout_ms);
  if (!info.ok()) return info.status();
  std::vector<WatermarkOffsets> out;
  out.reserve(info->partitions.size());
  for (const PartitionInfo& p : info->partitions) {
    Result<WatermarkOffsets> w = im.watermarks(name, p.id, remaining_ms(deadline));
    if (!w.ok()) return w.status();
    out.push_back(*w);
  }
  return out;
}

Result<GroupDescription> AdminClient::describe_group(std::string_view group, int timeout_ms) {
  if (group.empty()) return core::invalid_argument("describing a consumer group needs its name");
  Impl& im = *impl_;
  std::lock_guard<std::mutex> lock(im.query_mutex);
  im.begin_query();
  const std::string name(group);
  const std::string what = "description of group '" + name + "'";
  // rd_kafka_list_groups() (ListGroups, then DescribeGroups of the match) rather than
  // rd_kafka_DescribeConsumerGroups(): with librdkafka 2.0.2, destroying a handle that asked the
  // embedded broker (which has neither request) through the Admin API hangs; this path answers
  // "not supported" and leaves the handle healthy.
  const rd_kafka_group_list* list = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_list_groups(im.rk, name.c_str(), &list, timeout_ms);
  if (err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
      err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION) {
    return Status(StatusCode::kUnsupported, "the Kafka cluster at " + im.bootstrap +
                                                " cannot describe consumer groups (" +
                                                rd_kafka_err2str(err) + ")");
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__PARTIAL) {
    return im.failure(err, what, timeout_ms);
  }
  GroupDescription out;
  out.group = name;
  out.state = "Dead";  // Kafka's answer for a group that does not exist
  Status failed;
  for (int i = 0; list != nullptr && i < list->group_cnt; ++i) {
    const rd_kafka_group_info& g = list->groups[i];
    if (g.group == nullptr || name != g.group) continue;
    if (g.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failed = Status(StatusCode::kKafka,
                      what + " on " + im.bootstrap + ": " + rd_kafka_err2str(g.err));
      break;
    }
    out.state = g.state != nullptr && *g.state != '\0' ? g.state : "Unknown";
    for (int m = 0; m < g.member_cnt; ++m) {
      const rd_kafka_group_member_info& member = g.members[m];
      auto text = [](const char* t) { return t != nullptr ? std::string(t) : std::string(); };
      out.members.push_back(GroupMember{text(member.member_id), text(member.client_id),
                                        text(member.client_host)});
    }
  }
  if (list != nullptr) rd_kafka_group_list_destroy(list);
  if (!failed.ok()) return failed;
  return out;
}

Result<ClusterInfo> wait_for_broker(const Config& config, std::string bootstrap, int timeout_ms) {
  Result<std::unique_ptr<AdminClient>> client =
      AdminClient::Impl::create(config, std::move(bootstrap), /*quiet=*/true);
  if (!client.ok()) return client.status();
  return (*client)->describe_cluster(timeout_ms);
}

}  // namespace tidemark::kafka
