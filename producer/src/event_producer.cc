#include "tidemark/producer/event_producer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <thread>
#include <unordered_map>

#include "tidemark/producer/fingerprint.h"
#include "tidemark/producer/rate_limiter.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::producer {

namespace {

void append_json_str(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_i64(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct ManifestEntry {
  std::optional<std::string> key;
  std::int64_t event_time = 0;
  std::int64_t emitted_at = 0;
  std::int64_t delay_ms = 0;
  std::optional<std::int32_t> redirected_from;
};

// FNV-1a (64 bit): spreads the keys moved off an idle partition over the others, the same key
// always to the same partition.
std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::numeric_limits<std::int64_t>::max();
  return r;
}

}  // namespace

// ---- sinks --------------------------------------------------------------------------------------

KafkaSink::KafkaSink(kafka::Producer& producer, int interrupt_flush_ms)
    : producer_(producer), interrupt_flush_ms_(interrupt_flush_ms) {
  producer_.set_delivery_handler([this](const kafka::DeliveryReport& report) {
    if (on_delivery_) on_delivery_(report);
  });
}

core::Status KafkaSink::send(const kafka::OutgoingRecord& record, const core::Event&) {
  return producer_.send(record);
}

void KafkaSink::poll() { producer_.poll(0); }

core::Status KafkaSink::finish(bool interrupted) {
  if (!interrupted) {
    core::Status st = producer_.flush(-1);
    if (st.code() != core::StatusCode::kCancelled) return st;
  }
  return producer_.purge_and_close(interrupt_flush_ms_);
}

std::size_t KafkaSink::in_flight() const { return producer_.in_flight(); }

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = p[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
}

core::Status DryRunSink::send(const kafka::OutgoingRecord& record, const core::Event&) {
  line_.clear();
  if (base64_) {
    append_base64(line_, record.value);
  } else {
    line_.append(record.value);
  }
  line_ += '\n';
  if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size()) {
    return {core::StatusCode::kIo, "writing to standard output failed"};
  }
  kafka::DeliveryReport report;
  report.opaque = record.opaque;
  report.topic = record.topic;
  report.timestamp_ms = record.timestamp_ms;
  if (on_delivery_) on_delivery_(report);
  return {};
}

core::Status DryRunSink::finish(bool) {
  if (std::fflush(out_) != 0) return {core::StatusCode::kIo, "writing to standard output failed"};
  return {};
}

core::Status TaxiCsvSink::send(const kafka::OutgoingRecord& record, const core::Event& event) {
  const auto* trip = std::get_if<core::TaxiTrip>(&event);
  if (trip == nullptr) return core::invalid_argument("--csv-out writes taxi trips only");
  if (core::Status st = writer_.write(*trip); !st.ok()) return st;
  kafka::DeliveryReport report;
  report.opaque = record.opaque;
  report.topic = record.topic;
  report.timestamp_ms = record.timestamp_ms;
  if (on_delivery_) on_delivery_(report);
  return {};
}

core::Status TaxiCsvSink::finish(bool) { return writer_.close(); }

// ---- stats --------------------------------------------------------------------------------------

std::string ProducerStats::summary_line() const {
  std::string s;
  append_u64(s, sent);
  s += " records sent, " + fixed(elapsed_s > 0 ? static_cast<double>(sent) / elapsed_s : 0, 1) +
       " records/sec (" + fixed(mb_per_s(), 2) + " MB/sec), " + fixed(latency_avg_ms, 3) +
       " ms avg latency, " + fixed(latency_max_ms, 3) + " ms max latency, " + fixed(p50_ms, 3) +
       " ms 50th, " + fixed(p95_ms, 3) + " ms 95th, " + fixed(p99_ms, 3) + " ms 99th, " +
       fixed(p999_ms, 3) + " ms 99.9th.";
  return s;
}

std::string ProducerStats::to_json() const {
  std::string s = "{\"generated\":";
  append_u64(s, generated);
  s += ",\"sent\":";
  append_u64(s, sent);
  s += ",\"acked\":";
  append_u64(s, acked);
  s += ",\"failed\":";
  append_u64(s, failed);
  s += ",\"bytes\":";
  append_u64(s, bytes);
  s += ",\"csv_rows_skipped\":";
  append_u64(s, csv_rows_skipped);
  s += ",\"elapsed_s\":" + fixed(elapsed_s, 6);
  s += ",\"records_per_s\":" + fixed(elapsed_s > 0 ? static_cast<double>(sent) / elapsed_s : 0, 3);
  s += ",\"mb_per_s\":" + fixed(mb_per_s(), 6);
  s += ",\"latency_ms\":{\"avg\":" + fixed(latency_avg_ms, 3) +
       ",\"max\":" + fixed(latency_max_ms, 3) + ",\"p50\":" + fixed(p50_ms, 3) +
       ",\"p95\":" + fixed(p95_ms, 3) + ",\"p99\":" + fixed(p99_ms, 3) +
       ",\"p999\":" + fixed(p999_ms, 3) + "}";
  s += ",\"fingerprint\":";
  append_json_str(s, fingerprint);
  s += ",\"seed\":";
  append_u64(s, seed);
  s += ",\"interrupted\":";
  s += interrupted ? "true" : "false";
  s += ",\"first_errors\":[";
  for (std::size_t i = 0; i < first_errors.size(); ++i) {
    if (i > 0) s += ',';
    append_json_str(s, first_errors[i]);
  }
  s += "],\"acked_by_partition\":{";
  bool first = true;
  for (std::size_t p = 0; p < acked_by_partition.size(); ++p) {
    if (acked_by_partition[p] == 0) continue;
    if (!first) s += ',';
    first = false;
    s += '"';
    append_u64(s, p);
    s += "\":";
    append_u64(s, acked_by_partition[p]);
  }
  s += '}';
  if (idle_at_ms) {
    s += ",\"idle_partition\":{\"idle_at\":";
    append_i64(s, *idle_at_ms);
    s += ",\"reached\":";
    s += idle_reached ? "true" : "false";
    s += ",\"redirected\":";
    append_u64(s, idle_redirected);
    s += '}';
  }
  if (!dropped_by_broker.empty()) {
    s += ",\"dropped_by_broker\":{";
    for (std::size_t i = 0; i < dropped_by_broker.size(); ++i) {
      if (i > 0) s += ',';
      s += '"';
      append_i64(s, dropped_by_broker[i].first);
      s += "\":";
      append_i64(s, dropped_by_broker[i].second);
    }
    s += '}';
  }
  s += '}';
  return s;
}

void set_latency_stats(const LatencyHistogram& latencies, ProducerStats& stats) {
  if (latencies.count() == 0) return;
  stats.latency_avg_ms = latencies.sum_us() / static_cast<double>(latencies.count()) / 1000.0;
  stats.latency_max_ms = static_cast<double>(latencies.max_us()) / 1000.0;
  stats.p50_ms = static_cast<double>(latencies.at_quantile(0.5)) / 1000.0;
  stats.p95_ms = static_cast<double>(latencies.at_quantile(0.95)) / 1000.0;
  stats.p99_ms = static_cast<double>(latencies.at_quantile(0.99)) / 1000.0;
  stats.p999_ms = static_cast<double>(latencies.at_quantile(0.999)) / 1000.0;
}

// ---- EventProducer ------------------------------------------------------------------------------

EventProducer::EventProducer(EventProducerOptions options) : options_(std::move(options)) {}

core::Result<std::unique_ptr<EventProducer>> EventProducer::create(EventProducerOptions options) {
  if (options.serializer == nullptr) return core::invalid_argument("no serializer given");
  options.disorder.seed = options.seed;
  if (core::Status st = validate(options.disorder); !st.ok()) return st;
  if (options.csv_source != nullptr && options.type != core::EventType::kTaxi) {
    return core::invalid_argument("--from-csv reads taxi trips: use --event taxi");
  }
  if (options.key.type() != options.type) {
    return core::invalid_argument("the key specification is for another event type");
  }
  if (options.idle) {
    const IdlePartition& idle = *options.idle;
    if (idle.partition_count < 2) {
      return core::invalid_argument(
          "an idle partition needs a topic of at least 2 partitions (its records go to the "
          "others), got " +
          std::to_string(idle.partition_count));
    }
    if (idle.partition < 0 || idle.partition >= idle.partition_count) {
      return core::invalid_argument("idle partition " + std::to_string(idle.partition) +
                                    " is not one of the topic's partitions 0.." +
                                    std::to_string(idle.partition_count - 1));
    }
    if (idle.after_ms < 0) return core::invalid_argument("the idle delay must not be negative");
    if (!idle.partition_of) return core::invalid_argument("an idle partition needs partition_of");
  }
  return std::unique_ptr<EventProducer>(new EventProducer(std::move(options)));
}

core::Status EventProducer::run(Sink& sink, const std::atomic<bool>* stop, ProducerStats& stats) {
  using SteadyClock = std::chrono::steady_clock;
  const EventProducerOptions& o = options_;
  stats = ProducerStats{};
  stats.seed = o.seed;

  const EventGenerator generator(o.type, o.seed);
  const bool disorder = o.disorder.enabled();
  DisorderBuffer<core::Event> buffer(o.disorder);
  std::vector<DisorderBuffer<core::Event>::Item> ready;
  Fingerprint fingerprint;
  LatencyHistogram latencies;  // fixed memory: a run of any length

  std::unordered_map<std::uint64_t, ManifestEntry> pending;  // only with a manifest
  core::Status manifest_error;
  std::string manifest_line;

  sink.set_delivery_callback([&](const kafka::DeliveryReport& report) {
    if (report.error.ok()) {
      ++stats.acked;
      latencies.add(report.latency_us);
      if (report.partition >= 0) {
        const auto p = static_cast<std::size_t>(report.partition);
        if (p >= stats.acked_by_partition.size()) stats.acked_by_partition.resize(p + 1);
        ++stats.acked_by_partition[p];
      }
    } else {
      ++stats.failed;
      if (stats.first_errors.size() < o.max_remembered_errors) {
        stats.first_errors.push_back(report.error.message());
      }
    }
    if (o.manifest != nullptr) {
      auto it = pending.find(report.opaque);
      if (it == pending.end()) return;
      const ManifestEntry& m = it->second;
      manifest_line = "{\"seq\":";
      append_u64(manifest_line, report.opaque);
      manifest_line += ",\"key\":";
      if (m.key) {
        append_json_str(manifest_line, *m.key);
      } else {
        manifest_line += "null";
      }
      manifest_line += ",\"partition\":";
      append_i64(manifest_line, report.error.ok() ? report.partition : -1);
      manifest_line += ",\"event_time\":";
      append_i64(manifest_line, m.event_time);
      manifest_line += ",\"emitted_at\":";
      append_i64(manifest_line, m.emitted_at);
      manifest_line += ",\"delay_ms\":";
      append_i64(manifest_line, m.delay_ms);
      if (o.idle) {
        manifest_line += ",\"redirected_from\":";
        if (m.redirected_from) {
          append_i64(manifest_line, *m.redirected_from);
        } else {
          manifest_line += "null";
        }
      }
      manifest_line += "}\n";
      if (std::fwrite(manifest_line.data(), 1, manifest_line.size(), o.manifest) !=
              manifest_line.size() &&
          manifest_error.ok()) {
        manifest_error = {core::StatusCode::kIo, "writing the manifest failed"};
      }
      pending.erase(it);
    }
  });

  std::string payload;
  std::string key;
  std::string seq_text;
  std::string delay_text;
  std::string idle_text;
  // --idle-partition: the idle point is set from the origin before the first emission.
  std::optional<std::int64_t> idle_origin;
  if (o.idle) idle_text = std::to_string(o.idle->partition);
  std::vector<kafka::RecordHeader> headers;
  const std::string event_type_name(core::event_type_name(o.type));
  // Sharded runs say which instance wrote a record, so `tidemark verify` knows which seqs to
  // expect (i, i+N, i+2N, ...); an unsharded run's records have no such header (0/1).
  const std::string instance_text = o.shard.count > 1 ? o.shard.to_string() : std::string();
  const std::string_view content_type = o.serializer->content_type();

  bool interrupted_send = false;
  // RecordTimestamp::kSend with a simulated clock: the newest generated event's time.
  const bool simulated_send =
      o.csv_source == nullptr && o.clock.kind() == EventClock::Kind::kSimulated;
  std::int64_t send_time = std::numeric_limits<std::int64_t>::min();
  // The wall clock is read once per generated event, and only when something needs it (the
  // wall-clock event time, a wall CreateTime or the manifest's emitted_at): at a million events
  // per second each clock_gettime is measurable.
  const bool wall_event_time = o.csv_source == nullptr && o.clock.kind() == EventClock::Kind::kWall;
  const bool needs_wall_now = wall_event_time || o.record_timestamp == RecordTimestamp::kWall ||
                              (o.record_timestamp == RecordTimestamp::kSend && !simulated_send) ||
                              o.manifest != nullptr;
  auto emit = [&](std::uint64_t seq, std::int64_t event_time, const core::Event& event,
                  std::optional<std::int64_t> delay_ms, std::int64_t now) -> core::Status {
    if (core::Status st = o.serializer->encode(event, payload); !st.ok()) {
      return st.with_context("serializing event " + std::to_string(seq));
    }
    const bool has_key = o.key.key_into(event, key);
    seq_text.clear();
    append_u64(seq_text, seq);
    headers.clear();
    if (o.tidemark_headers) {
      headers.push_back({serializers::kContentTypeHeader, content_type});
      headers.push_back({serializers::kEventTypeHeader, event_type_name});
      headers.push_back({serializers::kSeqHeader, seq_text});
      if (!instance_text.empty()) headers.push_back({serializers::kInstanceHeader, instance_text});
    }
    if (delay_ms && o.tidemark_headers) {
      delay_text.clear();
      append_i64(delay_text, *delay_ms);
      headers.push_back({serializers::kDelayHeader, delay_text});
    }
    kafka::OutgoingRecord record;
    std::optional<std::int32_t> redirected_from;
    if (o.idle) {
      const IdlePartition& idle = *o.idle;
      if (!stats.idle_at_ms) {
        stats.idle_at_ms = saturating_add(idle_origin.value_or(event_time), idle.after_ms);
      }
      if (!stats.idle_reached && event_time >= *stats.idle_at_ms) stats.idle_reached = true;
      if (stats.idle_reached) {
        const std::optional<std::int32_t> natural =
            idle.partition_of(has_key ? std::optional<std::string_view>(key) : std::nullopt);
        if (natural && *natural != idle.partition) {
          record.partition = *natural;
        } else {
          // One of the other partitions: 0..count-2, skipping P.
          const std::uint64_t pick = natural ? fnv1a(key) : seq;
          auto alt = static_cast<std::int32_t>(
              pick % static_cast<std::uint64_t>(idle.partition_count - 1));
          if (alt >= idle.partition) ++alt;
          record.partition = alt;
          if (natural) {
            redirected_from = idle.partition;
            ++stats.idle_redirected;
            if (o.tidemark_headers) headers.push_back({"tidemark-redirected-from", idle_text});
          }
        }
      }
    }
    for (const auto& [name, value] : o.extra_headers) headers.push_back({name, value});
    record.topic = o.topic;
    if (has_key) record.key = std::string_view(key);
    record.value = payload;
    switch (o.record_timestamp) {
      case RecordTimestamp::kEventTime:
        record.timestamp_ms = event_time;
        break;
      case RecordTimestamp::kWall:
        record.timestamp_ms = now;
        break;
      case RecordTimestamp::kSend:
        record.timestamp_ms = simulated_send ? send_time : now;
        break;
    }
    record.headers = headers;
    record.opaque = seq;
    if (o.manifest != nullptr) {
      pending[seq] = ManifestEntry{has_key ? std::optional<std::string>(key) : std::nullopt,
                                   event_time, now, delay_ms.value_or(0), redirected_from};
    }
    core::Status st = sink.send(record, event);
    if (!st.ok()) {
      if (o.manifest != nullptr) pending.erase(seq);
      if (st.code() == core::StatusCode::kCancelled) {
        interrupted_send = true;
        return {};
      }
      ++stats.failed;
      if (stats.first_errors.size() < o.max_remembered_errors) {
        stats.first_errors.push_back(st.message());
      }
      return st;
    }
    ++stats.sent;
    stats.bytes += payload.size();
    fingerprint.add(has_key ? std::optional<std::string_view>(key) : std::nullopt, payload);
    return {};
  };

  auto stopped = [&] { return interrupted_send || (stop != nullptr && stop->load()); };

  const SteadyClock::time_point start = SteadyClock::now();
  RateLimiter limiter(o.rate);
  if (o.on_schedule_start) o.on_schedule_start(limiter.start());
  SteadyClock::time_point last_progress = start;
  auto maybe_progress = [&] {
    if (!o.progress) return;
    const SteadyClock::time_point now = SteadyClock::now();
    if (now - last_progress < std::chrono::milliseconds(250)) return;
    last_progress = now;
    ProducerProgress p;
    p.sent = stats.sent;
    p.acked = stats.acked;
    p.failed = stats.failed;
    p.bytes = stats.bytes;
    p.in_flight = sink.in_flight();
    p.elapsed_s = std::chrono::duration<double>(now - start).count();
    o.progress(p);
  };
  const bool has_deadline = o.duration_ms.has_value();
  const SteadyClock::time_point deadline =
      has_deadline ? start + std::chrono::milliseconds(*o.duration_ms) : start;

  if (o.idle && o.csv_source == nullptr) {
    idle_origin = o.clock.event_time(0, wall_now_ms());
  }

  core::Status error;
  core::Event event;
  std::uint64_t local = 0;    // this instance's events so far (generated mode)
  std::uint64_t csv_row = 0;  // global index of the next CSV row
  const std::uint64_t total =
      o.count ? o.shard.share_of(*o.count) : std::numeric_limits<std::uint64_t>::max();
  std::uint64_t iteration = 0;
  while (error.ok() && !stopped()) {
    std::uint64_t k = 0;
    if (o.csv_source == nullptr) {
      if (local >= total) break;
      k = o.shard.global_index(local);
    } else {
      if (o.count && csv_row >= *o.count) break;
      k = csv_row;
    }
    if (has_deadline && SteadyClock::now() >= deadline) break;
    if (!limiter.unlimited()) {
      const SteadyClock::time_point due = limiter.due(k);
      for (SteadyClock::time_point now = SteadyClock::now(); now < due && !stopped();
           now = SteadyClock::now()) {
        std::this_thread::sleep_until(std::min(due, now + std::chrono::milliseconds(20)));
        sink.poll();
        maybe_progress();
        if (has_deadline && SteadyClock::now() >= deadline) break;
      }
      if (stopped() || (has_deadline && SteadyClock::now() >= deadline)) break;
    }
    const std::int64_t now = needs_wall_now ? wall_now_ms() : 0;
    std::int64_t event_time = 0;
    if (o.csv_source == nullptr) {
      event_time = o.clock.event_time(k, wall_event_time ? now : 0);
      generator.make_into(k, event_time, event);
      send_time = std::max(send_time, event_time);
      ++local;
    } else {
      core::Result<std::optional<core::TaxiTrip>> trip = o.csv_source->next();
      if (!trip.ok()) {
        error = trip.status();
        break;
      }
      if (!*trip) break;
      ++csv_row;
      if (o.idle && !idle_origin) idle_origin = core::event_time_of(core::Event(**trip));
      if (!o.shard.owns(k)) continue;
      event = std::move(**trip);
      event_time = core::event_time_of(event);
    }
    ++stats.generated;
    if (disorder) {
      buffer.push(k, event_time, event);
      buffer.pop_ready(ready);
      for (auto& item : ready) {
        if (error.ok()) error = emit(item.seq, item.event_time, item.payload, item.delay_ms, now);
      }
      ready.clear();
    } else {
      error = emit(k, event_time, event, std::nullopt, now);
    }
    if (error.ok() && !manifest_error.ok()) error = manifest_error;
    if ((++iteration & 63) == 0) {
      sink.poll();
      maybe_progress();
    }
  }
  const bool interrupted = stopped();
  if (error.ok() && disorder && !interrupted) {
    buffer.drain(ready);
    for (auto& item : ready) {
      if (error.ok()) {
        error = emit(item.seq, item.event_time, item.payload, item.delay_ms,
                     needs_wall_now ? wall_now_ms() : 0);
      }
    }
    ready.clear();
  }
  const bool interrupted_now = interrupted || stopped();
  core::Status finished = sink.finish(interrupted_now);
  if (!finished.ok() && stats.first_errors.size() < o.max_remembered_errors &&
      finished.code() != core::StatusCode::kCancelled) {
    stats.first_errors.push_back(finished.message());
  }
  if (error.ok() && !manifest_error.ok()) error = manifest_error;
  if (o.manifest != nullptr && std::fflush(o.manifest) != 0 && error.ok()) {
    error = {core::StatusCode::kIo, "writing the manifest failed"};
  }

  stats.interrupted = interrupted_now;
  stats.elapsed_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (o.csv_source != nullptr) stats.csv_rows_skipped = o.csv_source->stats().rows_skipped;
  stats.fingerprint = fingerprint.hex();
  set_latency_stats(latencies, stats);
  if (error.ok() && !finished.ok() && finished.code() != core::StatusCode::kCancelled &&
      finished.code() != core::StatusCode::kTimeout) {
    error = finished;
  }
  return error;
}

}  // namespace tidemark::producer
