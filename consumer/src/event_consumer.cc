#include "tidemark/consumer/event_consumer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "tidemark/kafka/metadata.h"

namespace tidemark::consumer {

namespace {

using core::Result;
using core::Status;
using core::StatusCode;
using Clock = std::chrono::steady_clock;

constexpr int kPollMs = 100;
constexpr std::uint32_t kClockEvery = 32;

std::string partition_name(std::string_view topic, std::int32_t partition) {
  std::string out;
  out.reserve(topic.size() + 16);
  out += '\'';
  out.append(topic);
  out += "'[";
  out += std::to_string(partition);
  out += ']';
  return out;
}

kafka::AutoOffsetReset to_kafka(OffsetResetStrategy s) noexcept {
  switch (s) {
    case OffsetResetStrategy::kEarliest:
      return kafka::AutoOffsetReset::kEarliest;
    case OffsetResetStrategy::kLatest:
      return kafka::AutoOffsetReset::kLatest;
    case OffsetResetStrategy::kNone:
      return kafka::AutoOffsetReset::kError;
  }
  return kafka::AutoOffsetReset::kError;
}

}  // namespace

std::string_view to_string(DecodeErrorPolicy policy) noexcept {
  return policy == DecodeErrorPolicy::kSkip ? "skip" : "fail";
}

Result<DecodeErrorPolicy> parse_decode_error_policy(std::string_view text) {
  if (text == "skip") return DecodeErrorPolicy::kSkip;
  if (text == "fail") return DecodeErrorPolicy::kFail;
  return core::invalid_argument("decode error policy " + core::quoted(text) +
                                " is not one of: skip, fail");
}

kafka::AutoOffsetReset forced_auto_offset_reset(const StartupSpec& startup) noexcept {
  switch (startup.mode) {
    case StartupMode::kEarliestOffset:
      return kafka::AutoOffsetReset::kEarliest;
    case StartupMode::kLatestOffset:
      return kafka::AutoOffsetReset::kLatest;
    case StartupMode::kTimestamp:
      return kafka::AutoOffsetReset::kLatest;
    case StartupMode::kGroupOffsets:
    case StartupMode::kSpecificOffsets:
      return to_kafka(startup.reset);
  }
  return kafka::AutoOffsetReset::kError;
}

struct EventConsumer::Impl {
  ConsumeOptions options;
  std::unique_ptr<kafka::AdminClient> admin;
  std::unique_ptr<kafka::Consumer> consumer;
  std::function<void(const Status&)> on_warning;
  std::atomic<bool> interrupted{false};

  // Run state.
  std::vector<PartitionProgress> progress;  // sorted by partition id
  std::vector<std::int64_t> pending;        // per progress entry: last emitted + 1, or -1
  std::uint64_t commits = 0;
  std::uint64_t commit_failures = 0;

  void warn(const Status& st) {
    if (!on_warning) return;
    try {
      on_warning(st);
    } catch (...) {
    }
  }

  PartitionProgress* find(std::int32_t partition) {
    auto it = std::lower_bound(
        progress.begin(), progress.end(), partition,
        [](const PartitionProgress& p, std::int32_t id) { return p.partition < id; });
    return it != progress.end() && it->partition == partition ? &*it : nullptr;
  }

  // Commits (last emitted + 1) of the given partitions (all when empty) that moved since the
  // last commit. Errors: the commit's.
  Status commit(std::span<const std::int32_t> only) {
    std::vector<kafka::PartitionOffset> offsets;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < progress.size(); ++i) {
      const PartitionProgress& p = progress[i];
      if (!only.empty() && !std::binary_search(only.begin(), only.end(), p.partition)) continue;
      if (pending[i] < 0 || (p.committed && *p.committed == pending[i])) continue;
      offsets.push_back({p.partition, pending[i]});
      which.push_back(i);
    }
    if (offsets.empty()) return Status();
    Status st = consumer->commit(options.topic, offsets);
    if (!st.ok()) {
      ++commit_failures;
      return st;
    }
    ++commits;
    for (std::size_t k = 0; k < which.size(); ++k) progress[which[k]].committed = offsets[k].offset;
    return Status();
  }

  Status run_loop(RecordSink& sink, const std::atomic<bool>* stop, ConsumeStats& stats,
                  bool bounded);
};

EventConsumer::EventConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventConsumer::~EventConsumer() = default;

Result<std::unique_ptr<EventConsumer>> EventConsumer::create(const kafka::Config& config,
                                                             std::string bootstrap,
                                                             ConsumeOptions options) {
  if (options.decode.registry == nullptr) {
    return core::invalid_argument("the event consumer needs a serializer registry");
  }
  if (options.commit && options.group.empty()) {
    return core::invalid_argument("committing offsets needs a consumer group (-g/--group)");
  }
  if (options.subscribe) {
    if (options.group.empty()) {
      return core::invalid_argument("subscribing needs a consumer group (-g/--group)");
    }
    if (options.bounded.mode != BoundedMode::kUnbounded) {
      return core::invalid_argument(
          "a subscribed consumer reads what the group assigns, unbounded: drop --bounded-mode "
          "(or read with assign, without --subscribe)");
    }
    if (options.startup.mode != StartupMode::kGroupOffsets) {
      return core::invalid_argument(
          "a subscribed consumer starts at the group's committed offsets (group-offsets); "
          "drop the startup mode, or read without --subscribe");
    }
  }
  if (options.commit_interval_ms < 1) {
    return core::invalid_argument("the commit interval must be at least 1 ms");
  }
  auto impl = std::make_unique<Impl>();
  Result<std::unique_ptr<kafka::AdminClient>> admin = kafka::AdminClient::create(config, bootstrap);
  if (!admin.ok()) return admin.status();
  impl->admin = std::move(*admin);
  kafka::ConsumerOptions co;
  co.group = options.group;
  co.auto_offset_reset = forced_auto_offset_reset(options.startup);
  Result<std::unique_ptr<kafka::Consumer>> consumer =
      kafka::Consumer::create(config, std::move(bootstrap), co);
  if (!consumer.ok()) return consumer.status();
  impl->consumer = std::move(*consumer);
  if (options.group.empty()) options.group = impl->consumer->group();  // -X group.id
  impl->options = std::move(options);
  return std::unique_ptr<EventConsumer>(new EventConsumer(std::move(impl)));
}

Result<ConsumePlan> EventConsumer::plan() {
  Impl& im = *impl_;
  const ConsumeOptions& o = im.options;
  ConsumePlan plan;
  plan.topic = o.topic;
  plan.group = o.group;
  plan.auto_offset_reset = forced_auto_offset_reset(o.startup);
  plan.bounded = o.bounded.mode != BoundedMode::kUnbounded;

  // Flink's order: end offsets before anything that looks up a time (reference 1.3, timestamp).
  Result<std::vector<kafka::WatermarkOffsets>> marks =
      im.admin->query_topic_watermarks(o.topic, o.query_timeout_ms);
  if (!marks.ok()) return marks.status();
  std::vector<PartitionFacts> facts(marks->size());
  std::vector<std::int32_t> ids(marks->size());
  for (std::size_t i = 0; i < marks->size(); ++i) {
    facts[i].partition = static_cast<std::int32_t>(i);
    facts[i].low = (*marks)[i].low;
    facts[i].high = (*marks)[i].high;
    ids[i] = static_cast<std::int32_t>(i);
  }
  if (!o.group.empty()) {
    Result<std::vector<std::optional<std::int64_t>>> committed =
        im.consumer->committed(o.topic, ids, o.query_timeout_ms);
    if (!committed.ok()) return committed.status();
    for (std::size_t i = 0; i < facts.size(); ++i) facts[i].committed = (*committed)[i];
  }
  // Every answer, by partition and time, for the plan's start_lookup / stop_lookup.
  std::vector<std::map<std::int64_t, TimestampLookup>> lookups(facts.size());
  const OffsetForTime offset_for_time = [&](std::int32_t partition,
                                            std::int64_t timestamp_ms) -> Result<TimestampLookup> {
    const auto i = static_cast<std::size_t>(partition);
    if (partition < 0 || i >= facts.size()) {
      return core::internal_error("offset lookup for unknown partition " +
                                  std::to_string(partition));
    }
    Result<kafka::OffsetForTimeAnswer> a = im.consumer->offset_for_time(
        o.topic, partition, timestamp_ms, facts[i].low, facts[i].high, o.query_timeout_ms);
    if (!a.ok()) return a.status();
    const TimestampLookup answer{a->offset, a->by_scan};
    lookups[i][timestamp_ms] = answer;
    return answer;
  };
  Result<std::vector<PartitionRange>> ranges =
      resolve_ranges(o.startup, o.bounded, facts, o.group, offset_for_time);
  if (!ranges.ok()) return ranges.status();
  for (const PartitionRange& r : *ranges) {
    const auto i = static_cast<std::size_t>(r.partition);
    if (r.partition < 0 || i >= facts.size()) {
      return core::internal_error("the resolver returned unknown partition " +
                                  std::to_string(r.partition));
    }
    PartitionPlan pp{facts[i], r, std::nullopt, std::nullopt};
    auto answer = [&](std::int64_t t) -> std::optional<TimestampLookup> {
      const auto it = lookups[i].find(t);
      if (it == lookups[i].end()) return std::nullopt;
      return it->second;
    };
    if (o.startup.mode == StartupMode::kTimestamp) pp.start_lookup = answer(o.startup.timestamp_ms);
    if (o.bounded.mode == BoundedMode::kTimestamp) pp.stop_lookup = answer(o.bounded.timestamp_ms);
    plan.partitions.push_back(std::move(pp));
  }
  std::sort(plan.partitions.begin(), plan.partitions.end(),
            [](const PartitionPlan& a, const PartitionPlan& b) {
              return a.facts.partition < b.facts.partition;
            });
  return plan;
}

Status EventConsumer::Impl::run_loop(RecordSink& sink, const std::atomic<bool>* stop,
                                     ConsumeStats& stats, bool bounded) {
  RecordDecoder decoder(options.decode);
  DecodedRecord record;
  const auto start = Clock::now();
  auto last_commit = start;
  auto last_tick = start;
  std::size_t unfinished = 0;
  for (const PartitionProgress& p : progress) unfinished += p.finished ? 0 : 1;
  auto finish = [&](PartitionProgress& p) -> Status {
    if (p.finished) return Status();
    p.finished = true;
    --unfinished;
    sink.on_finished(p.partition);
    const std::int32_t id = p.partition;
    return consumer->unassign(std::span<const std::int32_t>(&id, 1));
  };
  auto update_stats = [&] {
    stats.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    stats.partitions = progress;
    stats.commits = commits;
    stats.commit_failures = commit_failures;
  };
  std::uint32_t since_clock = kClockEvery;  // read it on the first iteration
  const std::uint64_t max = options.max_records.value_or(0);
  const bool counted = options.max_records.has_value();

  Status failure;
  for (;;) {
    if ((stop != nullptr && stop->load(std::memory_order_relaxed)) ||
        interrupted.load(std::memory_order_relaxed)) {
      stats.end = ConsumeEnd::kInterrupted;
      break;
    }
    if (counted && stats.records >= max) {
      stats.end = ConsumeEnd::kCount;
      break;
    }
    if (bounded && unfinished == 0) {
      stats.end = ConsumeEnd::kBoundedEnd;
      break;
    }
    // The clock is read every kClockEvery events, or after a poll that waited: at a million
    // records a second a clock read per record is measurable.
    if (++since_clock >= kClockEvery) {
      since_clock = 0;
      const auto now = Clock::now();
      if (now - last_tick >= std::chrono::milliseconds(kPollMs)) {
        last_tick = now;
        if (Status st = sink.on_tick(); !st.ok()) {
          failure = st;
          break;
        }
      }
      if (options.commit &&
          now - last_commit >= std::chrono::milliseconds(options.commit_interval_ms)) {
        last_commit = now;
        // What is committed must be written first: a crash after the commit would otherwise
        // lose the records still in the output's buffer (at-least-once, not at-most-once).
        if (Status st = sink.sync(); !st.ok()) {
          failure = st;
          break;
        }
        if (Status st = commit({}); !st.ok()) warn(st);
      }
    }

    const kafka::PollEvent& ev = consumer->poll(kPollMs);
    if (ev.kind == kafka::PollEventKind::kNone) {
      since_clock = kClockEvery;
      continue;
    }
    if (ev.kind == kafka::PollEventKind::kError) {
      if (ev.error_kind == kafka::PollErrorKind::kTransient) {
        warn(ev.error);
        continue;
      }
      PartitionProgress* p = ev.partition >= 0 ? find(ev.partition) : nullptr;
      if (p != nullptr && p->finished) continue;  // about a partition we are done with
      std::string text = ev.error.message();
      if (ev.error_kind == kafka::PollErrorKind::kOffsetReset) {
        text += " (auto.offset.reset is 'error', Flink's 'none', for this startup mode";
        text += options.startup.mode == StartupMode::kGroupOffsets
                    ? "; pass --auto-offset-reset earliest or latest)"
                    : ")";
      }
      failure = Status(StatusCode::kKafka, std::move(text));
      break;
    }
    PartitionProgress* p = find(ev.partition);
    if (p == nullptr || p->finished) continue;  // already unassigned; fetched before the stop
    const std::size_t index = static_cast<std::size_t>(p - progress.data());
    if (ev.kind == kafka::PollEventKind::kPartitionEnd) {
      // The fetch position reached the end: past any control records at the last offsets.
      if (p->stop && ev.offset >= *p->stop) {
        if (p->position < *p->stop) p->position = *p->stop;
        if (Status st = finish(*p); !st.ok()) {
          failure = st;
          break;
        }
      }
      continue;
    }
    const kafka::ConsumedMessage& m = ev.message;
    if (p->stop && m.offset >= *p->stop) {  // exclusive stop: never emitted
      if (Status st = finish(*p); !st.ok()) {
        failure = st;
        break;
      }
      continue;
    }
    decoder.decode(m, record);
    if (Status st = sink.write(record); !st.ok()) {
      failure = st;
      break;
    }
    ++stats.records;
    stats.bytes += (m.key ? m.key->size() : 0) + (m.value ? m.value->size() : 0);
    ++p->records;
    if (record.value_kind == ValueKind::kDecodeError) {
      ++stats.decode_errors;
      if (options.on_decode_error == DecodeErrorPolicy::kFail) {
        failure = core::malformed("record " + partition_name(m.topic, m.partition) + " offset " +
                                  std::to_string(m.offset) +
                                  " does not decode: " + std::string(record.error) +
                                  " (--on-decode-error fail; the record is not committed)");
        break;
      }
    }
    p->position = m.offset + 1;
    pending[index] = p->position;
    if (p->stop && p->position >= *p->stop) {
      if (Status st = finish(*p); !st.ok()) {
        failure = st;
        break;
      }
    }
  }
  if (!failure.ok()) stats.end = ConsumeEnd::kFailed;
  Status flushed = sink.flush();
  if (failure.ok() && !flushed.ok()) {
    failure = flushed;
    stats.end = ConsumeEnd::kFailed;
  }
  if (options.commit) {
    Status st = commit({});
    if (!st.ok()) {
      if (failure.ok()) {
        // The records were written; only the commit failed: a runtime failure, whatever the cause.
        failure = Status(StatusCode::kKafka, st.message());
      } else {
        warn(st);
      }
    }
  }
  if (Status st = consumer->close(); !st.ok()) warn(st);
  update_stats();
  return failure;
}

Status EventConsumer::run(const ConsumePlan* plan, RecordSink& sink, const std::atomic<bool>* stop,
                          ConsumeStats& stats) {
  Impl& im = *impl_;
  stats = ConsumeStats{};
  im.progress.clear();
  im.pending.clear();
  if (im.options.subscribe) {
    im.consumer->set_rebalance_handler([&im, &sink](const kafka::RebalanceEvent& ev) {
      if (ev.kind == kafka::RebalanceKind::kAssigned) {
        for (std::int32_t id : ev.partitions) {
          if (im.find(id) != nullptr) continue;
          PartitionProgress p;
          p.partition = id;
          auto it = std::lower_bound(
              im.progress.begin(), im.progress.end(), id,
              [](const PartitionProgress& a, std::int32_t b) { return a.partition < b; });
          const auto at = it - im.progress.begin();
          im.progress.insert(it, p);
          im.pending.insert(im.pending.begin() + at, -1);
        }
        sink.on_assigned(ev.partitions);
        return;
      }
      // Revoked: commit what this member emitted before another one takes over.
      if (im.options.commit && !ev.lost) {
        // Written before committed, as in the loop's periodic commits.
        if (Status st = sink.sync(); !st.ok()) {
          im.warn(st);
        } else if (Status c = im.commit(ev.partitions); !c.ok()) {
          im.warn(c);
        }
      }
      for (std::int32_t id : ev.partitions) sink.on_finished(id);
      // Progress stays (the summary shows it); the partition is no longer read here.
    });
    if (Status st = im.consumer->subscribe(im.options.topic); !st.ok()) return st;
    return im.run_loop(sink, stop, stats, /*bounded=*/false);
  }

  if (plan == nullptr) return core::invalid_argument("run() without a plan");
  std::vector<kafka::PartitionOffset> starts;
  std::vector<std::int32_t> all;
  for (const PartitionPlan& pp : plan->partitions) {
    PartitionProgress p;
    p.partition = pp.range.partition;
    p.start = pp.range.start;
    p.stop = pp.range.stop;
    p.position = pp.range.start;
    p.finished = pp.range.empty();
    all.push_back(p.partition);
    if (!p.finished) starts.push_back({p.partition, p.start});
    im.progress.push_back(p);
    im.pending.push_back(-1);
  }
  sink.on_assigned(all);
  for (const PartitionProgress& p : im.progress) {
    if (p.finished) sink.on_finished(p.partition);
  }
  if (!starts.empty()) {
    if (Status st = im.consumer->assign(plan->topic, starts); !st.ok()) {
      stats.partitions = im.progress;
      return st;
    }
  }
  return im.run_loop(sink, stop, stats, plan->bounded);
}

void EventConsumer::set_warning_handler(std::function<void(const Status&)> handler) {
  impl_->on_warning = std::move(handler);
}

kafka::Consumer& EventConsumer::kafka_consumer() noexcept { return *impl_->consumer; }

const ConsumeOptions& EventConsumer::options() const noexcept { return impl_->options; }

void EventConsumer::interrupt() noexcept {
  impl_->interrupted.store(true, std::memory_order_relaxed);
  impl_->consumer->interrupt();
}

}  // namespace tidemark::consumer
