#include "tidemark/kafka/consumer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
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

static_assert(kOffsetBeginning == RD_KAFKA_OFFSET_BEGINNING);
static_assert(kOffsetEnd == RD_KAFKA_OFFSET_END);
static_assert(kOffsetStored == RD_KAFKA_OFFSET_STORED);

// The longest a single librdkafka wait lasts, so that interrupt() is noticed soon.
constexpr int kSliceMs = 100;

std::string partition_name(std::string_view topic, std::int32_t partition) {
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...).
  std::string out;
  out.reserve(topic.size() + 16);
  out += '\'';
  out.append(topic);
  out += "'[";
  out += std::to_string(partition);
  out += ']';
  return out;
}

int remaining_ms(Clock::time_point deadline) {
  return static_cast<int>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
}

TimestampType timestamp_type_of(rd_kafka_timestamp_type_t t) {
  switch (t) {
    case RD_KAFKA_TIMESTAMP_CREATE_TIME:
      return TimestampType::kCreateTime;
    case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
      return TimestampType::kLogAppendTime;
    default:
      return TimestampType::kNotAvailable;
  }
}

bool is_marker(std::int64_t offset) {
  return offset == kOffsetBeginning || offset == kOffsetEnd || offset == kOffsetStored;
}

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const noexcept {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

Status conf_set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char errstr[512] = "";
  if (rd_kafka_conf_set(conf, key, value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    return core::invalid_argument(std::string(key) + "=" + value + ": " +
                                  internal::trim_librdkafka_error(errstr));
  }
  return Status();
}

// Kafka's "no answer in time" family: the caller's timeout, not a broker refusal.
bool is_timeout(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE ||
         err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
         err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS;
}

}  // namespace

std::string_view auto_offset_reset_name(AutoOffsetReset reset) noexcept {
  switch (reset) {
    case AutoOffsetReset::kEarliest:
      return "earliest";
    case AutoOffsetReset::kLatest:
      return "latest";
    case AutoOffsetReset::kError:
      return "error";
  }
  return "error";
}

struct Consumer::Impl {
  enum class Mode { kIdle, kAssign, kSubscribe };
  // Whether the cluster answers ListOffsets by timestamp (decided at the first lookup that can
  // tell).
  enum class TimeLookup { kUnknown, kSupported, kUnsupported };

  Config config{ClientRole::kConsumer};  // the effective one (bootstrap applied), for scans
  rd_kafka_t* rk = nullptr;
  std::string bootstrap;
  std::string group;
  ConsumerOptions options;
  Mode mode = Mode::kIdle;
  bool closed = false;

  std::string topic;
  rd_kafka_topic_t* rkt = nullptr;    // assign mode
  rd_kafka_queue_t* queue = nullptr;  // assign mode: every partition's fetch queue goes here
  // Sorted. Only the driving thread changes it, under assigned_mutex, so that assignment() may
  // read it from any thread (a test or a progress display watching a group member); the
  // driving thread's own reads need no lock.
  std::vector<std::int32_t> assigned;
  mutable std::mutex assigned_mutex;

  // The batch poll() hands out one message at a time; `current` is the one handed out last.
  std::vector<rd_kafka_message_t*> batch;
  std::size_t batch_count = 0;
  std::size_t batch_next = 0;
  rd_kafka_message_t* current = nullptr;
  PollEvent event;
  std::vector<ConsumedHeader> headers;

  // Client-level errors from error_cb, served on the polling thread, handed out by poll().
  std::deque<PollEvent> pending;

  // Restarting a parked fetcher (assign mode; see restart_parked_fetcher()).
  std::int64_t queued_min_messages = 100000;     // queued.min.messages
  std::int64_t queued_max_bytes = 65536 * 1024;  // queued.max.messages.kbytes
  bool fetcher_may_be_parked = false;
  std::uint64_t fetch_restarts = 0;
  std::uint64_t subscribed_polls = 0;
  rd_kafka_queue_t* consumer_queue = nullptr;  // subscribe mode: the group's queue
  // The next offset to read of each assigned partition (index: partition id), -1 when unknown
  // (a logical start before the first record).
  std::vector<std::int64_t> next_offset;

  std::function<void(const RebalanceEvent&)> on_rebalance;
  std::vector<std::int32_t> rebalance_partitions;
  // Subscribe mode: whether the group has handed this member an assignment yet (see ~Impl).
  bool assignment_received = false;

  std::atomic<bool> interrupted{false};
  TimeLookup time_lookup = TimeLookup::kUnknown;
  rd_kafka_t* scan_rk = nullptr;

  ~Impl() {
    release_messages();
    if (rkt != nullptr) {
      for (std::int32_t p : assigned) rd_kafka_consume_stop(rkt, p);
      rd_kafka_topic_destroy(rkt);
    }
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
    if (consumer_queue != nullptr) rd_kafka_queue_destroy(consumer_queue);
    if (!closed) keep_handle_at_exit = would_abort_on_destroy();
    if (rk != nullptr && keep_handle_at_exit) {
      // librdkafka 2.0.2's cooperative-sticky assignor creates its state with the member's first
      // assignment, and rd_kafka_destroy() asserts that state exists (upstream issue 4312, fixed
      // in 2.3.0): destroying a member that joined but never got its assignment aborts the
      // process. Such a handle is left behind instead, silenced (its callbacks run only from
      // polls, which no longer happen; the log callback is a free function). A CLI process exits
      // right after; a library user loses one idle handle.
      rd_kafka_set_log_level(rk, 0);
      rk = nullptr;
    }
    if (rk != nullptr) rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    if (scan_rk != nullptr) rd_kafka_destroy(scan_rk);
  }

  // True when destroying rk would trip librdkafka 2.0.2's assertion: a subscribed member whose
  // group chose the cooperative-sticky assignor (protocol COOPERATIVE; NONE before the JoinGroup
  // answer, when there is no assignor state to destroy yet) and no assignment came. Asked before
  // rd_kafka_consumer_close(), after which librdkafka no longer answers the question.
  bool would_abort_on_destroy() const {
    if (mode != Mode::kSubscribe || assignment_received || rk == nullptr) return false;
    const char* protocol = rd_kafka_rebalance_protocol(rk);
    return protocol != nullptr && std::string_view(protocol) == "COOPERATIVE";
  }
  bool keep_handle_at_exit = false;  // would_abort_on_destroy() as asked by close()

  void release_messages() {
    if (current != nullptr) {
      rd_kafka_message_destroy(current);
      current = nullptr;
    }
    for (std::size_t i = batch_next; i < batch_count; ++i) rd_kafka_message_destroy(batch[i]);
    batch_next = batch_count = 0;
  }

  static void error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) noexcept;
  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque) noexcept;

  void to_event(rd_kafka_message_t* m);
  void note_queue(rd_kafka_queue_t* q, std::size_t taken, std::int64_t taken_bytes);
  void restart_parked_fetcher();
  void set_next_offset(std::int32_t partition, std::int64_t offset) {
    if (partition < 0) return;
    const auto i = static_cast<std::size_t>(partition);
    if (i >= next_offset.size()) next_offset.resize(i + 1, -1);
    next_offset[i] = offset;
  }
  Result<OffsetForTimeAnswer> scan(std::int32_t partition, std::int64_t timestamp_ms,
                                   std::int64_t low, std::int64_t high, Clock::time_point deadline,
                                   int timeout_ms);
  Status ensure_scan_handle();
};

void Consumer::Impl::error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) noexcept {
  auto* impl = static_cast<Impl*>(opaque);
  try {
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    PollEvent ev;
    ev.kind = PollEventKind::kError;
    std::string text = reason != nullptr ? internal::trim_librdkafka_error(reason) : "";
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      ev.error_kind = PollErrorKind::kFatal;
      char fatal_reason[512] = "";
      if (rd_kafka_fatal_error(rk, fatal_reason, sizeof fatal_reason) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        text = "fatal consumer error: " + internal::trim_librdkafka_error(fatal_reason);
      }
    }
    if (text.empty()) text = rd_kafka_err2str(code);
    ev.error = Status(StatusCode::kKafka, std::move(text));
    impl->pending.push_back(std::move(ev));
  } catch (...) {
    // Nothing may leave a librdkafka callback; a lost warning is the lesser harm.
  }
}

void Consumer::Impl::rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* partitions,
                                  void* opaque) noexcept {
  auto* impl = static_cast<Impl*>(opaque);
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  std::vector<std::int32_t>& ids = impl->rebalance_partitions;
  ids.clear();
  try {
    for (int i = 0; i < partitions->cnt; ++i) ids.push_back(partitions->elems[i].partition);
    std::sort(ids.begin(), ids.end());
    // Assigned or revoked, a partition's next offset is the group's business again (a restart
    // of a parked fetcher must not seek to where this member stopped before).
    for (std::int32_t p : ids) impl->set_next_offset(p, -1);
  } catch (...) {
  }
  auto notify = [&](RebalanceKind kind, bool lost) {
    if (!impl->on_rebalance) return;
    try {
      RebalanceEvent ev;
      ev.kind = kind;
      ev.topic = impl->topic;
      ev.partitions = ids;
      ev.lost = lost;
      impl->on_rebalance(ev);
    } catch (...) {
    }
  };
  auto report = [&](const char* what, const char* text) {
    try {
      PollEvent ev;
      ev.kind = PollEventKind::kError;
      ev.error_kind = PollErrorKind::kFatal;
      ev.error = Status(StatusCode::kKafka, std::string(what) + ": " + text);
      impl->pending.push_back(std::move(ev));
    } catch (...) {
    }
  };
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    impl->assignment_received = true;
    // Offsets are RD_KAFKA_OFFSET_INVALID: each partition starts at the group's committed offset,
    // else at auto.offset.reset.
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions)) {
        report("incremental assign", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      const rd_kafka_resp_err_t r = rd_kafka_assign(rk, partitions);
      if (r != RD_KAFKA_RESP_ERR_NO_ERROR) report("assign", rd_kafka_err2str(r));
    }
    try {
      const std::lock_guard<std::mutex> lock(impl->assigned_mutex);
      std::vector<std::int32_t>& a = impl->assigned;
      if (!cooperative) a.clear();
      for (std::int32_t p : ids) {
        if (!std::binary_search(a.begin(), a.end(), p))
          a.insert(std::upper_bound(a.begin(), a.end(), p), p);
      }
    } catch (...) {
    }
    notify(RebalanceKind::kAssigned, false);
  } else {
    notify(RebalanceKind::kRevoked, rd_kafka_assignment_lost(rk) != 0);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions)) {
        report("incremental unassign", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
    const std::lock_guard<std::mutex> lock(impl->assigned_mutex);
    std::vector<std::int32_t>& a = impl->assigned;
    if (!cooperative) {
      a.clear();
    } else {
      a.erase(std::remove_if(
                  a.begin(), a.end(),
                  [&](std::int32_t p) { return std::binary_search(ids.begin(), ids.end(), p); }),
              a.end());
    }
  }
}

void Consumer::Impl::to_event(rd_kafka_message_t* m) {
  current = m;
  event.kind = PollEventKind::kNone;
  event.partition = m->partition;
  event.offset = m->offset;
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    event.kind = PollEventKind::kPartitionEnd;
    if (m->offset >= 0) set_next_offset(m->partition, m->offset);
    return;
  }
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    event.kind = PollEventKind::kError;
    std::string_view name = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : "";
    if (name.empty()) name = topic;
    std::string text = m->partition >= 0 ? partition_name(name, m->partition) + ": " : "";
    text += internal::trim_librdkafka_error(rd_kafka_message_errstr(m));
    event.error = Status(StatusCode::kKafka, std::move(text));
    if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
      event.error_kind = PollErrorKind::kOffsetReset;
    } else if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      event.error_kind = PollErrorKind::kFatal;
    } else if (m->partition >= 0 && m->err != RD_KAFKA_RESP_ERR__TRANSPORT &&
               m->err != RD_KAFKA_RESP_ERR__TIMED_OUT) {
      event.error_kind = PollErrorKind::kPartition;
    } else {
      event.error_kind = PollErrorKind::kTransient;
    }
    return;
  }
  event.kind = PollEventKind::kMessage;
  set_next_offset(m->partition, m->offset + 1);
  ConsumedMessage& msg = event.message;
  msg.topic = topic;
  msg.partition = m->partition;
  msg.offset = m->offset;
  rd_kafka_timestamp_type_t tt = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  msg.timestamp_ms = rd_kafka_message_timestamp(m, &tt);
  msg.timestamp_type = timestamp_type_of(tt);
  if (msg.timestamp_type == TimestampType::kNotAvailable) msg.timestamp_ms = -1;
  if (m->key != nullptr) {
    msg.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  } else {
    msg.key.reset();
  }
  if (m->payload != nullptr) {
    msg.value = std::string_view(static_cast<const char*>(m->payload), m->len);
  } else {
    msg.value.reset();
  }
  headers.clear();
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      ConsumedHeader h;
      h.name = name != nullptr ? std::string_view(name) : std::string_view();
      if (value != nullptr) {
        h.value = std::string_view(static_cast<const char*>(value), size);
      } else {
        h.value_is_null = true;
      }
      headers.push_back(h);
    }
  }
  msg.headers = headers;
}

// librdkafka 2.0.2's fetcher stops fetching a partition while the queue it feeds holds
// queued.min.messages records or queued.max.messages.kbytes of payload, and then looks again only
// when something wakes its broker thread, at the latest after a hard-coded second (later versions
// made this fetch.queue.backoff.ms). Whenever the application is slower than the fetcher (decoding,
// writing JSON Lines) the queue fills, and reading stalls for a second each time: a 1M-record
// replay ran at a fifth of its speed. So: when a batch shows that the queue was at a threshold,
// the fetcher may be parked; once the application has emptied the queue, restart_parked_fetcher()
// wakes it with a seek of every assigned partition to the offset it would fetch next anyway (the
// next offset after the last record handed out). A seek to the current position loses and repeats
// nothing: librdkafka discards what a fetch in flight returns for the old position, and the queue
// is empty.
// `taken` records (of `taken_bytes` payload) were just taken from `q`.
void Consumer::Impl::note_queue(rd_kafka_queue_t* q, std::size_t taken, std::int64_t taken_bytes) {
  if (taken == 0 || fetcher_may_be_parked) return;
  const auto queued = static_cast<std::int64_t>(rd_kafka_queue_length(q) + taken);
  if (queued >= queued_min_messages) {
    fetcher_may_be_parked = true;
    return;
  }
  // The byte threshold, estimated from the payload sizes of what was taken.
  if (taken_bytes / static_cast<std::int64_t>(taken) * queued >= queued_max_bytes) {
    fetcher_may_be_parked = true;
  }
}

void Consumer::Impl::restart_parked_fetcher() {
  fetcher_may_be_parked = false;
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(assigned.size())));
  for (std::int32_t p : assigned) {
    const auto i = static_cast<std::size_t>(p);
    if (i >= next_offset.size() || next_offset[i] < 0) continue;
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = next_offset[i];
  }
  if (list->cnt == 0) return;
  if (rd_kafka_error_t* e = rd_kafka_seek_partitions(rk, list.get(), 0)) {
    rd_kafka_error_destroy(e);  // best effort: the fetcher then wakes by itself within a second
    return;
  }
  ++fetch_restarts;
}

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Consumer::~Consumer() = default;

Result<std::unique_ptr<Consumer>> Consumer::create(const Config& config, std::string bootstrap,
                                                   const ConsumerOptions& options) {
  Config effective = config;
  TIDEMARK_RETURN_IF_ERROR(apply_bootstrap(effective, bootstrap));
  const std::string configured_group = effective.get("group.id").value_or("");
  if (!options.group.empty() && !configured_group.empty() && configured_group != options.group) {
    return core::invalid_argument("the group " + core::quoted(options.group) +
                                  " contradicts group.id=" + configured_group +
                                  " in the configuration: give the group once");
  }
  if (options.batch_size < 1) {
    return core::invalid_argument("consumer batch size must be >= 1");
  }
  Result<internal::ConfPtr> conf = internal::build_conf(effective);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_t* c = conf->get();

  auto impl = std::make_unique<Impl>();
  impl->config = effective;
  impl->bootstrap = effective.get("bootstrap.servers").value_or("");
  impl->group = options.group.empty() ? configured_group : options.group;
  impl->options = options;
  impl->batch.resize(static_cast<std::size_t>(options.batch_size));
  auto configured_int = [&effective](const char* key, std::int64_t fallback) {
    const std::optional<std::string> v = effective.get(key);
    if (!v) return fallback;
    try {
      return static_cast<std::int64_t>(std::stoll(*v));
    } catch (...) {
      return fallback;  // librdkafka rejects it when the client is created
    }
  };
  impl->queued_min_messages = configured_int("queued.min.messages", 100000);
  impl->queued_max_bytes = configured_int("queued.max.messages.kbytes", 65536) * 1024;

  // What the Consumer itself depends on (see the header): these win over the configuration.
  if (!impl->group.empty()) TIDEMARK_RETURN_IF_ERROR(conf_set(c, "group.id", impl->group));
  TIDEMARK_RETURN_IF_ERROR(conf_set(
      c, "auto.offset.reset", std::string(auto_offset_reset_name(options.auto_offset_reset))));
  TIDEMARK_RETURN_IF_ERROR(conf_set(c, "enable.partition.eof", "true"));
  if (!effective.get("partition.assignment.strategy")) {
    TIDEMARK_RETURN_IF_ERROR(conf_set(c, "partition.assignment.strategy", "cooperative-sticky"));
  }
  rd_kafka_conf_set_opaque(c, impl.get());
  rd_kafka_conf_set_error_cb(c, &Impl::error_cb);
  if (!impl->group.empty()) rd_kafka_conf_set_rebalance_cb(c, &Impl::rebalance_cb);

  char errstr[512] = "";
  impl->rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
  if (impl->rk == nullptr) {
    return core::invalid_argument("cannot create the Kafka consumer: " +
                                  internal::trim_librdkafka_error(errstr));
  }
  conf->release();
  return std::unique_ptr<Consumer>(new Consumer(std::move(impl)));
}

Status Consumer::assign(std::string_view topic, std::span<const PartitionOffset> starts) {
  Impl& im = *impl_;
  if (im.mode == Impl::Mode::kSubscribe) {
    return core::invalid_argument("assign() after subscribe(): a consumer does one or the other");
  }
  if (im.closed) return Status(StatusCode::kCancelled, "the consumer is closed");
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  if (!im.topic.empty() && im.topic != topic) {
    return core::invalid_argument("this consumer reads '" + im.topic + "'; cannot also assign '" +
                                  std::string(topic) + "'");
  }
  for (const PartitionOffset& s : starts) {
    if (s.partition < 0) {
      return core::invalid_argument("partition " + std::to_string(s.partition) + " is negative");
    }
    if (s.offset < 0 && !is_marker(s.offset)) {
      return core::invalid_argument("start offset " + std::to_string(s.offset) + " of " +
                                    partition_name(topic, s.partition) +
                                    " is neither >= 0 nor a start marker");
    }
    if (std::binary_search(im.assigned.begin(), im.assigned.end(), s.partition)) {
      return core::invalid_argument(partition_name(topic, s.partition) + " is already assigned");
    }
  }
  if (im.rkt == nullptr) {
    im.topic = std::string(topic);
    im.rkt = rd_kafka_topic_new(im.rk, im.topic.c_str(), nullptr);
    if (im.rkt == nullptr) {
      return Status(StatusCode::kKafka,
                    "cannot read '" + im.topic + "': " + rd_kafka_err2str(rd_kafka_last_error()));
    }
    im.queue = rd_kafka_queue_new(im.rk);
    // Learn the partition leaders before fetching: otherwise the first fetch waits for the
    // next metadata refresh. All topics, not this one by name: brokers below Metadata v4 (the
    // embedded broker) would create a topic just because it was named.
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(im.rk, 1, nullptr, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
    }
  }
  im.mode = Impl::Mode::kAssign;
  for (const PartitionOffset& s : starts) {
    if (rd_kafka_consume_start_queue(im.rkt, s.partition, s.offset, im.queue) == -1) {
      return Status(StatusCode::kKafka, "cannot start reading " +
                                            partition_name(topic, s.partition) + ": " +
                                            rd_kafka_err2str(rd_kafka_last_error()));
    }
    const std::lock_guard<std::mutex> lock(im.assigned_mutex);
    im.assigned.insert(std::upper_bound(im.assigned.begin(), im.assigned.end(), s.partition),
                       s.partition);
    im.set_next_offset(s.partition, s.offset >= 0 ? s.offset : -1);
  }
  return Status();
}

Status Consumer::unassign(std::span<const std::int32_t> partitions) {
  Impl& im = *impl_;
  if (im.mode == Impl::Mode::kSubscribe) {
    return core::invalid_argument("unassign() with subscribe(): the group owns the assignment");
  }
  for (std::int32_t p : partitions) {
    auto it = std::lower_bound(im.assigned.begin(), im.assigned.end(), p);
    if (it == im.assigned.end() || *it != p) continue;
    {
      const std::lock_guard<std::mutex> lock(im.assigned_mutex);
      im.assigned.erase(it);
    }
    if (rd_kafka_consume_stop(im.rkt, p) == -1) {
      return Status(StatusCode::kKafka, "cannot stop reading " + partition_name(im.topic, p) +
                                            ": " + rd_kafka_err2str(rd_kafka_last_error()));
    }
  }
  return Status();
}

std::vector<std::int32_t> Consumer::assignment() const {
  const std::lock_guard<std::mutex> lock(impl_->assigned_mutex);
  return impl_->assigned;
}

Status Consumer::subscribe(std::string_view topic) {
  Impl& im = *impl_;
  if (im.group.empty()) {
    return core::invalid_argument("subscribing needs a consumer group (-g/--group)");
  }
  if (im.mode != Impl::Mode::kIdle) {
    return core::invalid_argument("subscribe() after assign() or subscribe()");
  }
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  im.topic = std::string(topic);
  rd_kafka_poll_set_consumer(im.rk);
  if (im.consumer_queue == nullptr) im.consumer_queue = rd_kafka_queue_get_consumer(im.rk);
  ListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), im.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(im.rk, list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status(StatusCode::kKafka,
                  "cannot subscribe to '" + im.topic + "': " + rd_kafka_err2str(err));
  }
  im.mode = Impl::Mode::kSubscribe;
  return Status();
}

void Consumer::set_rebalance_handler(std::function<void(const RebalanceEvent&)> handler) {
  impl_->on_rebalance = std::move(handler);
}

const PollEvent& Consumer::poll(int timeout_ms) {
  Impl& im = *impl_;
  if (im.current != nullptr) {
    rd_kafka_message_destroy(im.current);
    im.current = nullptr;
  }
  im.event.kind = PollEventKind::kNone;
  // The common case first, without reading the clock: a record of the batch in hand.
  if (im.pending.empty() && im.batch_next < im.batch_count) {
    im.to_event(im.batch[im.batch_next++]);
    return im.event;
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(0, timeout_ms));
  for (;;) {
    if (!im.pending.empty()) {
      im.event = std::move(im.pending.front());
      im.pending.pop_front();
      return im.event;
    }
    if (im.batch_next < im.batch_count) {
      im.to_event(im.batch[im.batch_next++]);
      return im.event;
    }
    const int slice = std::min(kSliceMs, remaining_ms(deadline));
    switch (im.mode) {
      case Impl::Mode::kAssign: {
        rd_kafka_poll(im.rk, 0);  // error_cb
        if (!im.pending.empty()) continue;
        // rd_kafka_consume_batch_queue() waits for a full batch until its timeout: with records
        // queued take what is there at once; with none wait for the first, then take the rest.
        ssize_t n = 0;
        if (rd_kafka_queue_length(im.queue) > 0) {
          n = rd_kafka_consume_batch_queue(im.queue, 0, im.batch.data(), im.batch.size());
        } else {
          if (im.fetcher_may_be_parked) im.restart_parked_fetcher();
          if (rd_kafka_message_t* first = rd_kafka_consume_queue(im.queue, slice)) {
            im.batch[0] = first;
            const ssize_t more =
                rd_kafka_consume_batch_queue(im.queue, 0, im.batch.data() + 1, im.batch.size() - 1);
            n = 1 + std::max<ssize_t>(0, more);
          }
        }
        if (n > 0) {
          im.batch_count = static_cast<std::size_t>(n);
          im.batch_next = 0;
          std::int64_t bytes = 0;
          for (std::size_t i = 0; i < im.batch_count; ++i) {
            bytes += static_cast<std::int64_t>(im.batch[i]->len);
          }
          im.note_queue(im.queue, im.batch_count, bytes);
          continue;
        }
        break;
      }
      case Impl::Mode::kSubscribe: {
        // The same parked fetcher as with assign(), for the group's queue; its length is looked
        // at every 64 records (it takes a lock).
        if (im.fetcher_may_be_parked && rd_kafka_queue_length(im.consumer_queue) == 0) {
          im.restart_parked_fetcher();
        }
        rd_kafka_message_t* m = rd_kafka_consumer_poll(im.rk, slice);
        if (m != nullptr) {
          if ((++im.subscribed_polls & 63) == 0) {
            im.note_queue(im.consumer_queue, 1, static_cast<std::int64_t>(m->len));
          }
          im.to_event(m);
          return im.event;
        }
        break;
      }
      case Impl::Mode::kIdle:
        rd_kafka_poll(im.rk, slice);
        break;
    }
    if (!im.pending.empty()) continue;
    if (im.interrupted.load(std::memory_order_relaxed) || remaining_ms(deadline) <= 0) {
      return im.event;
    }
  }
}

Result<std::optional<std::int64_t>> Consumer::position(std::int32_t partition) const {
  const Impl& im = *impl_;
  if (!std::binary_search(im.assigned.begin(), im.assigned.end(), partition)) {
    return core::invalid_argument(partition_name(im.topic, partition) + " is not assigned");
  }
  ListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), im.topic.c_str(), partition);
  const rd_kafka_resp_err_t err = rd_kafka_position(im.rk, list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status(StatusCode::kKafka, "position of " + partition_name(im.topic, partition) + ": " +
                                          rd_kafka_err2str(err));
  }
  const std::int64_t offset = list->elems[0].offset;
  if (offset < 0) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(offset);
}

std::optional<std::int64_t> Consumer::cached_high_watermark(std::int32_t partition) const {
  const Impl& im = *impl_;
  if (im.topic.empty() || im.rk == nullptr) return std::nullopt;
  int64_t low = RD_KAFKA_OFFSET_INVALID;
  int64_t high = RD_KAFKA_OFFSET_INVALID;
  if (rd_kafka_get_watermark_offsets(im.rk, im.topic.c_str(), partition, &low, &high) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return high;
}

Status Consumer::commit(std::string_view topic, std::span<const PartitionOffset> offsets,
                        int timeout_ms) {
  Impl& im = *impl_;
  if (im.group.empty()) {
    return core::invalid_argument("committing offsets needs a consumer group (-g/--group)");
  }
  if (offsets.empty()) return Status();
  const std::string name(topic);
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const PartitionOffset& o : offsets) {
    if (o.offset < 0) {
      return core::invalid_argument("cannot commit offset " + std::to_string(o.offset) + " for " +
                                    partition_name(name, o.partition));
    }
    rd_kafka_topic_partition_list_add(list.get(), name.c_str(), o.partition)->offset = o.offset;
  }
  // rd_kafka_commit() has no timeout of its own; the request is bounded by librdkafka's
  // socket/request timeouts. `timeout_ms` bounds the wait for a coordinator first.
  (void)timeout_ms;
  const rd_kafka_resp_err_t err = rd_kafka_commit(im.rk, list.get(), 0);
  // A group with members (a generation) refuses commits from outside: Kafka answers
  // UNKNOWN_MEMBER_ID (or ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS), whose words alone do not
  // say what to do.
  auto refused_from_outside = [](rd_kafka_resp_err_t e) {
    return e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
           e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
           e == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID;
  };
  bool outside = im.mode != Impl::Mode::kSubscribe && refused_from_outside(err);
  std::string failed;
  for (int i = 0; i < list->cnt; ++i) {
    if (im.mode != Impl::Mode::kSubscribe && refused_from_outside(list->elems[i].err)) {
      outside = true;
    }
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (!failed.empty()) failed += "; ";
      failed += partition_name(name, list->elems[i].partition) + ": " +
                rd_kafka_err2str(list->elems[i].err);
    }
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || !failed.empty()) {
    std::string text = "commit for group '" + im.group + "' failed";
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) text += std::string(": ") + rd_kafka_err2str(err);
    if (!failed.empty()) text += " (" + failed + ")";
    if (outside) {
      text +=
          ": the group has active members (or is rebalancing), and Kafka accepts offset "
          "commits from a consumer outside a group only while the group is empty; stop the "
          "group's consumers (or wait until their session timeout has passed) and try again";
    }
    return Status(is_timeout(err) ? StatusCode::kTimeout : StatusCode::kKafka, std::move(text));
  }
  return Status();
}

Result<std::vector<std::optional<std::int64_t>>> Consumer::committed(
    std::string_view topic, std::span<const std::int32_t> partitions, int timeout_ms) {
  Impl& im = *impl_;
  if (im.group.empty()) {
    return core::invalid_argument("committed offsets belong to a consumer group (-g/--group)");
  }
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  std::vector<std::optional<std::int64_t>> out(partitions.size());
  if (partitions.empty()) return out;
  const std::string name(topic);
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (std::int32_t p : partitions) rd_kafka_topic_partition_list_add(list.get(), name.c_str(), p);
  const rd_kafka_resp_err_t err = rd_kafka_committed(im.rk, list.get(), timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const std::string text = "committed offsets of group '" + im.group + "' for '" + name +
                             "' on " + im.bootstrap + ": " + rd_kafka_err2str(err);
    return Status(is_timeout(err) ? StatusCode::kTimeout : StatusCode::kKafka, text);
  }
  // rd_kafka_committed() keeps the list's order.
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = list->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status(StatusCode::kKafka, "committed offset of group '" + im.group + "' for " +
                                            partition_name(name, e.partition) + ": " +
                                            rd_kafka_err2str(e.err));
    }
    if (e.offset >= 0) out[static_cast<std::size_t>(i)] = e.offset;
  }
  return out;
}

Status Consumer::Impl::ensure_scan_handle() {
  if (scan_rk != nullptr) return Status();
  Result<internal::ConfPtr> conf = internal::build_conf(config);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_t* c = conf->get();
  // A private reader without a group: it must never join or commit for the user's group.
  char errstr[512] = "";
  if (config.get("group.id")) {
    rd_kafka_conf_set(c, "group.id", "", errstr, sizeof errstr);
  }
  TIDEMARK_RETURN_IF_ERROR(conf_set(c, "auto.offset.reset", "earliest"));
  TIDEMARK_RETURN_IF_ERROR(conf_set(c, "enable.partition.eof", "true"));
  scan_rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
  if (scan_rk == nullptr) {
    return core::invalid_argument("cannot create the scanning consumer: " +
                                  internal::trim_librdkafka_error(errstr));
  }
  conf->release();
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(scan_rk, 1, nullptr, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(md);
  }
  return Status();
}

Result<OffsetForTimeAnswer> Consumer::Impl::scan(std::int32_t partition, std::int64_t timestamp_ms,
                                                 std::int64_t low, std::int64_t high,
                                                 Clock::time_point deadline, int timeout_ms) {
  TIDEMARK_RETURN_IF_ERROR(ensure_scan_handle());
  rd_kafka_topic_t* t = rd_kafka_topic_new(scan_rk, topic.c_str(), nullptr);
  if (t == nullptr) {
    return Status(StatusCode::kKafka,
                  "cannot scan '" + topic + "': " + rd_kafka_err2str(rd_kafka_last_error()));
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(scan_rk);
  struct Cleanup {
    rd_kafka_topic_t* t;
    rd_kafka_queue_t* q;
    std::int32_t partition;
    bool started = false;
    ~Cleanup() {
      if (started) rd_kafka_consume_stop(t, partition);
      rd_kafka_queue_destroy(q);
      rd_kafka_topic_destroy(t);
    }
  } cleanup{t, q, partition};
  if (rd_kafka_consume_start_queue(t, partition, low, q) == -1) {
    return Status(StatusCode::kKafka, "cannot scan " + partition_name(topic, partition) + ": " +
                                          rd_kafka_err2str(rd_kafka_last_error()));
  }
  cleanup.started = true;

  OffsetForTimeAnswer answer;
  answer.by_scan = true;
  std::int64_t reached = low;
  std::string last_error;
  rd_kafka_message_t* msgs[256];
  bool done = false;
  while (!done) {
    const int left = remaining_ms(deadline);
    if (left <= 0) {
      return Status(StatusCode::kTimeout,
                    "scanning " + partition_name(topic, partition) + " for the first record at " +
                        "or after timestamp " + std::to_string(timestamp_ms) +
                        " took longer than " + std::to_string(timeout_ms) + " ms (at offset " +
                        std::to_string(reached) + " of " + std::to_string(high) + ")" +
                        (last_error.empty() ? "" : "; last error: " + last_error));
    }
    const ssize_t n = rd_kafka_consume_batch_queue(q, std::min(left, kSliceMs), msgs, 256);
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = msgs[i];
      if (!done) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          if (m->offset >= high) done = true;
        } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          last_error = internal::trim_librdkafka_error(rd_kafka_message_errstr(m));
        } else if (m->offset >= high) {
          done = true;  // bounded by the high watermark offset read before
        } else {
          reached = m->offset + 1;
          rd_kafka_timestamp_type_t tt;
          const std::int64_t ts = rd_kafka_message_timestamp(m, &tt);
          if (tt != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ts >= timestamp_ms) {
            answer.offset = m->offset;
            done = true;
          } else if (reached >= high) {
            done = true;
          }
        }
      }
      rd_kafka_message_destroy(m);
    }
  }
  return answer;
}

Result<OffsetForTimeAnswer> Consumer::offset_for_time(std::string_view topic,
                                                      std::int32_t partition,
                                                      std::int64_t timestamp_ms, std::int64_t low,
                                                      std::int64_t high, int timeout_ms) {
  Impl& im = *impl_;
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  if (!im.topic.empty() && im.topic != topic) {
    return core::invalid_argument("this consumer reads '" + im.topic + "', not '" +
                                  std::string(topic) + "'");
  }
  if (timestamp_ms < 0) {
    return core::invalid_argument("timestamp " + std::to_string(timestamp_ms) +
                                  " is negative (Kafka reads negative lookup times as markers)");
  }
  if (im.topic.empty()) im.topic = std::string(topic);
  if (high <= low) return OffsetForTimeAnswer{};  // empty: no record at or after any time
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);

  auto lookup = [&](std::int64_t ts) -> Result<std::int64_t> {
    ListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), im.topic.c_str(), partition)->offset = ts;
    const rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(im.rk, list.get(), std::max(1, remaining_ms(deadline)));
    const rd_kafka_resp_err_t perr = err != RD_KAFKA_RESP_ERR_NO_ERROR ? err : list->elems[0].err;
    if (perr != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::string text = "offset for timestamp " + std::to_string(ts) + " in " +
                               partition_name(im.topic, partition) + " on " + im.bootstrap + ": " +
                               rd_kafka_err2str(perr);
      return Status(is_timeout(perr) ? StatusCode::kTimeout : StatusCode::kKafka, text);
    }
    return list->elems[0].offset;
  };

  if (im.time_lookup != Impl::TimeLookup::kUnsupported) {
    Result<std::int64_t> offset = lookup(timestamp_ms);
    if (!offset.ok()) return offset.status();
    if (*offset >= 0) {
      im.time_lookup = Impl::TimeLookup::kSupported;
      return OffsetForTimeAnswer{*offset, false};
    }
    if (im.time_lookup == Impl::TimeLookup::kSupported) return OffsetForTimeAnswer{};
    // -1: no record at or after T, or a broker that cannot answer. A lookup at timestamp 0 on
    // this non-empty partition tells them apart.
    Result<std::int64_t> probe = timestamp_ms == 0 ? offset : lookup(0);
    if (!probe.ok()) return probe.status();
    if (*probe >= 0) {
      im.time_lookup = Impl::TimeLookup::kSupported;
      return OffsetForTimeAnswer{};
    }
    im.time_lookup = Impl::TimeLookup::kUnsupported;
  }
  return im.scan(partition, timestamp_ms, low, high, deadline, timeout_ms);
}

Status Consumer::close() {
  Impl& im = *impl_;
  if (im.closed) return Status();
  im.closed = true;
  im.release_messages();
  if (im.mode == Impl::Mode::kSubscribe) {
    im.keep_handle_at_exit = im.would_abort_on_destroy();
    const rd_kafka_resp_err_t err = rd_kafka_consumer_close(im.rk);
    {
      const std::lock_guard<std::mutex> lock(im.assigned_mutex);
      im.assigned.clear();
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status(StatusCode::kKafka,
                    "leaving group '" + im.group + "': " + rd_kafka_err2str(err));
    }
    return Status();
  }
  if (im.rkt != nullptr) {
    for (std::int32_t p : im.assigned) rd_kafka_consume_stop(im.rkt, p);
  }
  const std::lock_guard<std::mutex> lock(im.assigned_mutex);
  im.assigned.clear();
  return Status();
}

void Consumer::interrupt() noexcept { impl_->interrupted.store(true, std::memory_order_relaxed); }

const std::string& Consumer::group() const noexcept { return impl_->group; }

std::uint64_t Consumer::fetch_restarts() const noexcept { return impl_->fetch_restarts; }

const std::string& Consumer::bootstrap() const noexcept { return impl_->bootstrap; }

}  // namespace tidemark::kafka
