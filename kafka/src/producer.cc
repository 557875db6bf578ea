#include "tidemark/kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "config_internal.h"
#include "tidemark/kafka/embedded_broker.h"  // validate_topic_name
#include "tidemark/kafka/metadata.h"         // apply_bootstrap

namespace tidemark::kafka {

namespace {

using core::Result;
using core::Status;
using core::StatusCode;
using Clock = std::chrono::steady_clock;

// The caller's 64-bit opaque travels as librdkafka's per-message pointer itself: no
// allocation, no lookup, nothing to free for records librdkafka never reports. The send time
// needs no slot either: librdkafka stamps every message when it is enqueued, and
// rd_kafka_message_latency() reads that stamp against its monotonic clock.
static_assert(sizeof(void*) >= sizeof(std::uint64_t), "the opaque is carried in a pointer");

void* to_msg_opaque(std::uint64_t opaque) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(opaque));
}
std::uint64_t from_msg_opaque(const void* p) {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p));
}

std::string quoted_partition(std::string_view topic, std::int32_t partition) {
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...).
  std::string out;
  out.reserve(topic.size() + 16);
  out += '\'';
  out.append(topic);
  out += '\'';
  if (partition >= 0) {
    out += '[';
    out += std::to_string(partition);
    out += ']';
  }
  return out;
}

// Relaxed atomics: the counters are statistics, read for progress from other threads.
using Counter = std::atomic<std::uint64_t>;

}  // namespace

struct Producer::Impl {
  rd_kafka_t* rk = nullptr;
  std::string bootstrap;
  ProducerOptions options;

  // Topic handles by name: producev(RD_KAFKA_V_TOPIC) would look the name up under a lock and
  // take a reference for every record. `last_topic` short-cuts the usual single-topic case.
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics;
  std::pair<std::string_view, rd_kafka_topic_t*> last_topic{};

  std::string partitioner = "consistent_random";  // the `partitioner` property in force

  std::function<void(const DeliveryReport&)> on_delivery;
  std::function<void(std::string_view)> on_statistics;
  std::function<void(const Status&, bool)> on_error;

  Counter sent{0}, acked{0}, failed{0}, rejected{0}, queue_full_waits{0}, handler_exceptions{0};
  std::atomic<bool> interrupted{false};
  bool closed = false;
  bool destroying = false;  // set before rd_kafka_destroy: no handler runs from then on

  mutable std::mutex error_mutex;
  Status last_error;

  ~Impl() {
    destroying = true;
    if (rk != nullptr) {
      // Unreported records are dropped without reports.
      rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      for (auto& [name, rkt] : topics) rd_kafka_topic_destroy(rkt);
      rd_kafka_destroy(rk);
    }
  }

  Result<rd_kafka_topic_t*> topic_handle(std::string_view name) {
    if (last_topic.second != nullptr && last_topic.first == name) return last_topic.second;
    auto it = topics.find(name);
    if (it == topics.end()) {
      TIDEMARK_RETURN_IF_ERROR(validate_topic_name(name));
      const std::string key(name);
      rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, key.c_str(), nullptr);
      if (rkt == nullptr) {
        return Status(StatusCode::kKafka, "cannot produce to '" + key + "': " +
                                              rd_kafka_err2str(rd_kafka_last_error()));
      }
      it = topics.emplace(key, rkt).first;
    }
    last_topic = {it->first, it->second};
    return it->second;
  }

  void record_error(Status error, bool fatal) {
    {
      std::lock_guard<std::mutex> lock(error_mutex);
      last_error = error;
    }
    if (on_error && !destroying) {
      try {
        on_error(error, fatal);
      } catch (...) {
        handler_exceptions.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }

  std::string last_error_suffix() const {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (last_error.ok()) return "";
    return " (last client error: " + last_error.message() + ")";
  }

  // Fatal producer errors replace the per-record error code with ERR__FATAL; the reason is
  // kept by rd_kafka_fatal_error().
  std::string error_text(rd_kafka_resp_err_t err) const {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512] = "";
      const rd_kafka_resp_err_t original = rd_kafka_fatal_error(rk, reason, sizeof reason);
      if (original != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return "fatal producer error: " + internal::trim_librdkafka_error(reason);
      }
    }
    return rd_kafka_err2str(err);
  }

  static void delivery_cb(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) noexcept;
  static void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) noexcept;
  static int stats_cb(rd_kafka_t*, char* json, size_t json_len, void* opaque) noexcept;

  // Serves reports until in_flight() is 0 (OK) or timeout_ms passes (kTimeout with the count
  // left); kCancelled on interrupt() when `honour_interrupt`.
  Status drain(int timeout_ms, bool honour_interrupt);
};

void Producer::Impl::delivery_cb(rd_kafka_t*, const rd_kafka_message_t* msg,
                                 void* opaque) noexcept {
  auto* impl = static_cast<Impl*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    impl->acked.fetch_add(1, std::memory_order_relaxed);
  } else {
    impl->failed.fetch_add(1, std::memory_order_relaxed);
  }
  if (impl->destroying || !impl->on_delivery) return;
  try {
    DeliveryReport report;
    report.opaque = from_msg_opaque(msg->_private);
    report.topic = msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "";
    report.partition = msg->partition;
    report.offset = msg->offset;
    rd_kafka_timestamp_type_t ts_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    report.timestamp_ms = rd_kafka_message_timestamp(msg, &ts_type);
    report.timestamp_type = ts_type == RD_KAFKA_TIMESTAMP_CREATE_TIME ? TimestampType::kCreateTime
                            : ts_type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                                ? TimestampType::kLogAppendTime
                                : TimestampType::kNotAvailable;
    report.latency_us = std::max<std::int64_t>(0, rd_kafka_message_latency(msg));
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      report.offset = -1;
      std::string text = "delivery to " + quoted_partition(report.topic, msg->partition) +
                         " failed: " + impl->error_text(msg->err);
      if (rd_kafka_message_status(msg) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED) {
        text += " (the broker may have stored it anyway)";
      }
      report.error = Status(StatusCode::kKafka, std::move(text));
    }
    impl->on_delivery(report);
  } catch (...) {
    impl->handler_exceptions.fetch_add(1, std::memory_order_relaxed);
  }
}

void Producer::Impl::error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) noexcept {
  auto* impl = static_cast<Impl*>(opaque);
  try {
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    bool fatal = false;
    std::string text = reason != nullptr ? internal::trim_librdkafka_error(reason) : "";
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      fatal = true;
      char fatal_reason[512] = "";
      if (rd_kafka_fatal_error(rk, fatal_reason, sizeof fatal_reason) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        text = "fatal producer error: " + internal::trim_librdkafka_error(fatal_reason);
      }
    }
    if (text.empty()) text = rd_kafka_err2str(code);
    impl->record_error(Status(StatusCode::kKafka, std::move(text)), fatal);
  } catch (...) {
    impl->handler_exceptions.fetch_add(1, std::memory_order_relaxed);
  }
}

int Producer::Impl::stats_cb(rd_kafka_t*, char* json, size_t json_len, void* opaque) noexcept {
  auto* impl = static_cast<Impl*>(opaque);
  if (impl->destroying || !impl->on_statistics) return 0;
  try {
    impl->on_statistics(std::string_view(json, json_len));
  } catch (...) {
    impl->handler_exceptions.fetch_add(1, std::memory_order_relaxed);
  }
  return 0;  // librdkafka frees the JSON
}

Status Producer::Impl::drain(int timeout_ms, bool honour_interrupt) {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  // rd_kafka_flush() in slices, so that interrupt() is noticed within ~100 ms; each call also
  // tells librdkafka to send now instead of lingering.
  for (;;) {
    if (rd_kafka_outq_len(rk) == 0) return Status();
    if (honour_interrupt && interrupted.load(std::memory_order_relaxed)) {
      return Status(StatusCode::kCancelled,
                    "flush interrupted with " + std::to_string(rd_kafka_outq_len(rk)) +
                        " record(s) in flight");
    }
    int slice = 100;
    if (timeout_ms >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                              Clock::now());
      if (left.count() <= 0) break;
      slice = static_cast<int>(std::min<std::int64_t>(slice, left.count()));
    }
    rd_kafka_flush(rk, slice);
  }
  rd_kafka_poll(rk, 0);  // serve what arrived during the last slice
  const int left = rd_kafka_outq_len(rk);
  if (left == 0) return Status();
  return Status(StatusCode::kTimeout, std::to_string(left) + " record(s) still in flight after " +
                                          std::to_string(timeout_ms) + " ms" +
                                          last_error_suffix());
}

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Producer::~Producer() = default;

Result<std::unique_ptr<Producer>> Producer::create(const Config& config, std::string bootstrap,
                                                   const ProducerOptions& options) {
  Config effective = config;
  TIDEMARK_RETURN_IF_ERROR(apply_bootstrap(effective, bootstrap));
  Result<internal::ConfPtr> conf = internal::build_conf(effective);
  if (!conf.ok()) return conf.status();

  auto impl = std::make_unique<Impl>();
  impl->bootstrap = effective.get("bootstrap.servers").value_or("");
  impl->options = options;
  if (std::optional<std::string> p = effective.get("partitioner")) impl->partitioner = *p;
  rd_kafka_conf_t* c = conf->get();
  rd_kafka_conf_set_opaque(c, impl.get());
  rd_kafka_conf_set_dr_msg_cb(c, &Impl::delivery_cb);
  rd_kafka_conf_set_error_cb(c, &Impl::error_cb);
  rd_kafka_conf_set_stats_cb(c, &Impl::stats_cb);

  char errstr[512] = "";
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
  if (impl->rk == nullptr) {
    // rd_kafka_new() checks combinations of settings (e.g. idempotence with acks=1); those
    // are the user's to fix.
    return core::invalid_argument("cannot create the Kafka producer: " +
                                  internal::trim_librdkafka_error(errstr));
  }
  conf->release();  // rd_kafka_new() took ownership
  return std::unique_ptr<Producer>(new Producer(std::move(impl)));
}

void Producer::set_delivery_handler(std::function<void(const DeliveryReport&)> handler) {
  impl_->on_delivery = std::move(handler);
}

void Producer::set_statistics_handler(std::function<void(std::string_view json)> handler) {
  impl_->on_statistics = std::move(handler);
}

void Producer::set_error_handler(std::function<void(const core::Status&, bool)> handler) {
  impl_->on_error = std::move(handler);
}

Status Producer::send(const OutgoingRecord& r) {
  Impl& im = *impl_;
  auto reject = [&im](Status st) {
    im.rejected.fetch_add(1, std::memory_order_relaxed);
    return st;
  };
  if (im.closed) return reject(Status(StatusCode::kCancelled, "the producer is closed"));
  Result<rd_kafka_topic_t*> rkt = im.topic_handle(r.topic);
  if (!rkt.ok()) return reject(rkt.status());
  const std::int32_t partition = r.partition.value_or(RD_KAFKA_PARTITION_UA);
  if (r.partition && partition < 0) {
    return reject(core::invalid_argument("cannot produce to " + quoted_partition(r.topic, -1) +
                                         ": partition " + std::to_string(partition) +
                                         " is negative"));
  }

  // librdkafka reads a null pointer as a null key/value; an empty view may have one.
  static const char kEmpty[1] = {0};
  const char* key_data = nullptr;
  std::size_t key_size = 0;
  if (r.key) {
    key_data = r.key->data() != nullptr ? r.key->data() : kEmpty;
    key_size = r.key->size();
  }
  const char* value_data = r.value.data() != nullptr ? r.value.data() : kEmpty;

  rd_kafka_headers_t* headers = nullptr;
  if (!r.headers.empty()) {
    headers = rd_kafka_headers_new(r.headers.size());
    for (const RecordHeader& h : r.headers) {
      rd_kafka_header_add(headers, h.name.data() != nullptr ? h.name.data() : kEmpty,
                          static_cast<ssize_t>(h.name.size()),
                          h.value.data() != nullptr ? h.value.data() : kEmpty,
                          static_cast<ssize_t>(h.value.size()));
    }
  }

  Clock::time_point deadline{};
  bool waited = false;
  for (;;) {
    // RD_KAFKA_V_HEADERS with a null list would replace nothing, but keep the call minimal.
    const rd_kafka_resp_err_t err =
        headers != nullptr
            ? rd_kafka_producev(im.rk, RD_KAFKA_V_RKT(*rkt), RD_KAFKA_V_PARTITION(partition),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(key_data, key_size),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value_data), r.value.size()),
                                RD_KAFKA_V_TIMESTAMP(r.timestamp_ms), RD_KAFKA_V_HEADERS(headers),
                                RD_KAFKA_V_OPAQUE(to_msg_opaque(r.opaque)), RD_KAFKA_V_END)
            : rd_kafka_producev(im.rk, RD_KAFKA_V_RKT(*rkt), RD_KAFKA_V_PARTITION(partition),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(key_data, key_size),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value_data), r.value.size()),
                                RD_KAFKA_V_TIMESTAMP(r.timestamp_ms), RD_KAFKA_V_OPAQUE(to_msg_opaque(r.opaque)),
                                RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      im.sent.fetch_add(1, std::memory_order_relaxed);
      return Status();  // librdkafka owns the headers now
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (headers != nullptr) rd_kafka_headers_destroy(headers);
      return reject(Status(StatusCode::kKafka, "cannot produce to " +
                                                   quoted_partition(r.topic, partition) + ": " +
                                                   im.error_text(err)));
    }

    // Backpressure: serve delivery reports until there is room. Never drop the record.
    if (!waited) {
      waited = true;
      im.queue_full_waits.fetch_add(1, std::memory_order_relaxed);
      deadline = Clock::now() + std::chrono::milliseconds(im.options.queue_full_timeout_ms);
    }
    int slice = 100;
    if (im.interrupted.load(std::memory_order_relaxed)) {
      if (headers != nullptr) rd_kafka_headers_destroy(headers);
      return reject(Status(StatusCode::kCancelled,
                           "interrupted while waiting for room in the producer queue"));
    }
    if (im.options.queue_full_timeout_ms >= 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        if (headers != nullptr) rd_kafka_headers_destroy(headers);
          return reject(Status(
            StatusCode::kTimeout,
            "cannot produce to " + quoted_partition(r.topic, partition) +
                ": the producer queue stayed full for " +
                std::to_string(im.options.queue_full_timeout_ms) + " ms (" +
                std::to_string(rd_kafka_outq_len(im.rk)) +
                " record(s) waiting for the broker)" + im.last_error_suffix()));
      }
      slice = static_cast<int>(std::min<std::int64_t>(slice, left));
    }
    rd_kafka_poll(im.rk, slice);  // returns as soon as reports were served
  }
}

void Producer::poll(int timeout_ms) { rd_kafka_poll(impl_->rk, timeout_ms); }

Status Producer::flush(int timeout_ms) { return impl_->drain(timeout_ms, true); }

Status Producer::purge_and_close(int flush_timeout_ms) {
  Impl& im = *impl_;
  im.closed = true;
  Status flushed = im.drain(flush_timeout_ms, false);
  if (flushed.ok()) return Status();

  const std::uint64_t failed_before = im.failed.load(std::memory_order_relaxed);
  rd_kafka_purge(im.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  // Purged records are reported at once; give the reports a moment to be served.
  (void)im.drain(1000, false);
  const std::uint64_t purged = im.failed.load(std::memory_order_relaxed) - failed_before;
  return Status(StatusCode::kTimeout, "purged " + std::to_string(purged) +
                                          " record(s) not delivered within " +
                                          std::to_string(flush_timeout_ms) + " ms" +
                                          im.last_error_suffix());
}

void Producer::interrupt() noexcept { impl_->interrupted.store(true, std::memory_order_relaxed); }

std::size_t Producer::in_flight() const {
  return static_cast<std::size_t>(rd_kafka_outq_len(impl_->rk));
}

ProducerCounters Producer::counters() const {
  const Impl& im = *impl_;
  ProducerCounters c;
  c.sent = im.sent.load(std::memory_order_relaxed);
  c.acked = im.acked.load(std::memory_order_relaxed);
  c.failed = im.failed.load(std::memory_order_relaxed);
  c.rejected = im.rejected.load(std::memory_order_relaxed);
  c.queue_full_waits = im.queue_full_waits.load(std::memory_order_relaxed);
  c.handler_exceptions = im.handler_exceptions.load(std::memory_order_relaxed);
  return c;
}

Status Producer::last_error() const {
  std::lock_guard<std::mutex> lock(impl_->error_mutex);
  return impl_->last_error;
}

const std::string& Producer::bootstrap() const noexcept { return impl_->bootstrap; }

Result<std::int32_t> Producer::partition_count(std::string_view topic, int timeout_ms) {
  Impl& im = *impl_;
  Result<rd_kafka_topic_t*> rkt = im.topic_handle(topic);
  if (!rkt.ok()) return rkt.status();
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last = "no answer";
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(im.rk, 0, *rkt, &md, static_cast<int>(std::min<std::int64_t>(left, 5000)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md != nullptr) {
      Status outcome(StatusCode::kTimeout, "");
      std::int32_t count = 0;
      for (int i = 0; i < md->topic_cnt; ++i) {
        const rd_kafka_metadata_topic_t& t = md->topics[i];
        if (topic != t.topic) continue;
        if (t.err == RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt > 0) {
          count = t.partition_cnt;
        } else if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
          outcome = Status(StatusCode::kNotFound, "topic " + quoted_partition(topic, -1) +
                                                      " does not exist on " + im.bootstrap +
                                                      " (and the broker does not create "
                                                      "topics on first use)");
        } else if (t.err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
          outcome = Status(StatusCode::kKafka, "topic " + quoted_partition(topic, -1) + ": " +
                                                   rd_kafka_err2str(t.err));
        } else if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          last = rd_kafka_err2str(t.err);  // e.g. leader not available while being created
        }
      }
      rd_kafka_metadata_destroy(md);
      if (count > 0) return count;
      if (outcome.code() != StatusCode::kTimeout) return outcome;
    } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      last = rd_kafka_err2str(err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status(StatusCode::kTimeout, "no partitions of " + quoted_partition(topic, -1) +
                                          " known from " + im.bootstrap + " within " +
                                          std::to_string(timeout_ms) + " ms (" + last + ")" +
                                          im.last_error_suffix());
}

std::optional<std::int32_t> Producer::partition_for_key(std::string_view topic,
                                                        std::optional<std::string_view> key,
                                                        std::int32_t partition_count) {
  using PartitionerFn = std::int32_t (*)(const rd_kafka_topic_t*, const void*, size_t, std::int32_t,
                                         void*, void*);
  struct Entry {
    std::string_view name;
    PartitionerFn fn;
    bool random_null;   // null keys are partitioned at random
    bool random_empty;  // empty keys too
  };
  // librdkafka's built-in partitioners (CONFIGURATION.md, `partitioner`).
  static constexpr Entry kPartitioners[] = {
      {"random", &rd_kafka_msg_partitioner_random, true, true},
      {"consistent", &rd_kafka_msg_partitioner_consistent, false, false},
      {"consistent_random", &rd_kafka_msg_partitioner_consistent_random, true, true},
      {"murmur2", &rd_kafka_msg_partitioner_murmur2, false, false},
      {"murmur2_random", &rd_kafka_msg_partitioner_murmur2_random, true, false},
      {"fnv1a", &rd_kafka_msg_partitioner_fnv1a, false, false},
      {"fnv1a_random", &rd_kafka_msg_partitioner_fnv1a_random, true, false},
  };
  if (partition_count <= 0) return std::nullopt;
  for (const Entry& e : kPartitioners) {
    if (e.name != impl_->partitioner) continue;
    if (e.name == "random") return std::nullopt;
    if (!key && e.random_null) return std::nullopt;
    if (key && key->empty() && e.random_empty) return std::nullopt;
    // The hashing partitioners read only the key for these cases; the topic handle is passed
    // as librdkafka itself would.
    Result<rd_kafka_topic_t*> rkt = impl_->topic_handle(topic);
    if (!rkt.ok()) return std::nullopt;
    static const char kEmpty[1] = {0};
    const void* data = key ? (key->data() != nullptr ? key->data() : kEmpty) : nullptr;
    return e.fn(*rkt, data, key ? key->size() : 0, partition_count, nullptr, nullptr);
  }
  return std::nullopt;
}

}  // namespace tidemark::kafka
