#include "tidemark/perf/kafka_bench.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "tidemark/consumer/event_consumer.h"
#include "tidemark/kafka/metadata.h"
#include "tidemark/kafka/producer.h"
#include "machine_json.h"
#include "tidemark/perf/machine.h"
#include "tidemark/producer/retention_check.h"

namespace tidemark::perf {

namespace {

std::int64_t since_epoch_ns(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Forwards to a KafkaSink and notes where each delivered record landed, by its seq (opaque).
class PlacementSink final : public producer::Sink {
 public:
  PlacementSink(producer::Sink& inner, std::vector<RecordPlacement>* placements)
      : inner_(inner), placements_(placements) {
    inner_.set_delivery_callback([this](const kafka::DeliveryReport& report) {
      if (placements_ != nullptr && report.error.ok() && report.opaque < placements_->size()) {
        (*placements_)[report.opaque] = RecordPlacement{report.partition, report.offset};
      }
      if (on_delivery_) on_delivery_(report);
    });
  }
  core::Status send(const kafka::OutgoingRecord& record, const core::Event& event) override {
    return inner_.send(record, event);
  }
  void poll() override { inner_.poll(); }
  core::Status finish(bool interrupted) override { return inner_.finish(interrupted); }
  std::size_t in_flight() const override { return inner_.in_flight(); }

 private:
  producer::Sink& inner_;
  std::vector<RecordPlacement>* placements_;
};

// The sum of txbytes over the broker connections in one librdkafka statistics JSON, or -1.
std::int64_t tx_bytes_of(std::string_view json) {
  try {
    const nlohmann::json j = nlohmann::json::parse(json);
    if (!j.contains("brokers")) return -1;
    std::int64_t total = 0;
    for (const auto& [name, broker] : j["brokers"].items()) {
      (void)name;
      if (broker.contains("txbytes")) total += broker["txbytes"].get<std::int64_t>();
    }
    return total;
  } catch (...) {
    return -1;
  }
}

}  // namespace

LatencySummary summarize_latencies(std::vector<std::int64_t>& ns) {
  LatencySummary s;
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  const std::size_t n = ns.size();
  double sum = 0;
  for (const std::int64_t v : ns) sum += static_cast<double>(v);
  auto at = [&](double q) {
    auto i = static_cast<std::size_t>(q * static_cast<double>(n));
    if (i >= n) i = n - 1;
    return static_cast<double>(ns[i]) / 1e6;
  };
  s.count = n;
  s.avg_ms = sum / static_cast<double>(n) / 1e6;
  s.p50_ms = at(0.5);
  s.p90_ms = at(0.9);
  s.p99_ms = at(0.99);
  s.p999_ms = at(0.999);
  s.max_ms = static_cast<double>(ns.back()) / 1e6;
  return s;
}

// ---- CountingSink ---------------------------------------------------------------------------

void CountingSink::set_reporter(std::chrono::milliseconds interval, Reporter report) {
  interval_ = interval;
  report_ = std::move(report);
}

core::Status CountingSink::write(const consumer::DecodedRecord& record) {
  const kafka::ConsumedMessage& m = *record.message;
  ++totals_.records;
  totals_.bytes += (m.key ? m.key->size() : 0) + (m.value ? m.value->size() : 0);
  if (record.value_kind == consumer::ValueKind::kDecodeError) ++totals_.decode_errors;
  if (!totals_.first || keep_times_) {
    const SteadyClock::time_point now = SteadyClock::now();
    if (!totals_.first) totals_.first = now;
    if (keep_times_ && m.partition >= 0 && m.offset >= 0) {
      const auto p = static_cast<std::size_t>(m.partition);
      if (p >= times_.size()) times_.resize(p + 1);
      PartitionTimes& t = times_[p];
      if (t.base < 0) t.base = m.offset;
      if (m.offset >= t.base) {
        const auto i = static_cast<std::size_t>(m.offset - t.base);
        if (i >= t.ns.size()) t.ns.resize(i + 1, -1);
        t.ns[i] = since_epoch_ns(now);
      }
    }
  }
  records_so_far_.store(totals_.records, std::memory_order_relaxed);
  return {};
}

core::Status CountingSink::on_tick() {
  ticked_.store(true, std::memory_order_release);
  if (!report_) return {};
  const SteadyClock::time_point now = SteadyClock::now();
  if (!last_report_) {
    last_report_ = now;
    return {};
  }
  if (now - *last_report_ < interval_) return {};
  last_report_ = now;
  report_(totals_, now);
  return {};
}

std::optional<SteadyClock::time_point> CountingSink::received(std::int32_t partition,
                                                              std::int64_t offset) const {
  if (partition < 0 || static_cast<std::size_t>(partition) >= times_.size()) return std::nullopt;
  const PartitionTimes& t = times_[static_cast<std::size_t>(partition)];
  if (t.base < 0 || offset < t.base) return std::nullopt;
  const auto i = static_cast<std::size_t>(offset - t.base);
  if (i >= t.ns.size() || t.ns[i] < 0) return std::nullopt;
  return SteadyClock::time_point(std::chrono::nanoseconds(t.ns[i]));
}

// ---- produce_events --------------------------------------------------------------------------

core::Result<ProduceOutcome> produce_events(ProduceRun run,
                                            const std::function<void()>& on_started) {
  ProduceOutcome out;
  if (run.record_placements && !run.options.count) {
    return core::invalid_argument("record placements need a count");
  }
  kafka::Config config = run.config;
  if (!config.get("statistics.interval.ms")) {
    TIDEMARK_RETURN_IF_ERROR(config.set_override("statistics.interval.ms", "100", "benchmark"));
  }
  core::Result<std::unique_ptr<kafka::Producer>> p = kafka::Producer::create(config, run.bootstrap);
  if (!p.ok()) return p.status();
  kafka::Producer& producer = **p;

  std::mutex stats_mutex;
  std::int64_t tx_bytes = -1;
  std::uint64_t stats_seen = 0;
  producer.set_statistics_handler([&](std::string_view json) {
    const std::int64_t b = tx_bytes_of(json);
    const std::lock_guard<std::mutex> lock(stats_mutex);
    if (b >= 0) tx_bytes = b;
    ++stats_seen;
  });

  const std::string topic = run.options.topic;
  core::Result<std::int32_t> partitions = producer.partition_count(topic, 10000);
  if (!partitions.ok()) return partitions.status();

  // Low watermark offsets before the run, to report what the broker drops during it.
  std::unique_ptr<kafka::AdminClient> admin;
  std::optional<producer::RetentionCheck> retention;
  if (core::Result<std::unique_ptr<kafka::AdminClient>> a =
          kafka::AdminClient::create(run.config, run.bootstrap);
      a.ok()) {
    admin = std::move(*a);
    if (core::Result<producer::RetentionCheck> rc =
            producer::RetentionCheck::start(*admin, topic, 5000);
        rc.ok()) {
      retention.emplace(std::move(*rc));
    }
  }

  if (run.record_placements) out.placements.resize(*run.options.count);
  producer::EventProducerOptions options = std::move(run.options);
  auto user_origin_hook = std::move(options.on_schedule_start);
  options.on_schedule_start = [&out, &user_origin_hook](SteadyClock::time_point origin) {
    out.schedule_origin = origin;
    if (user_origin_hook) user_origin_hook(origin);
  };
  core::Result<std::unique_ptr<producer::EventProducer>> ep =
      producer::EventProducer::create(std::move(options));
  if (!ep.ok()) return ep.status();
  if (on_started) on_started();

  producer::KafkaSink kafka_sink(producer);
  PlacementSink sink(kafka_sink, run.record_placements ? &out.placements : nullptr);
  TIDEMARK_RETURN_IF_ERROR((*ep)->run(sink, run.stop, out.stats));

  // The statistics are emitted every 100 ms from poll(): wait for one made after the last ack.
  std::uint64_t seen_at_end = 0;
  {
    const std::lock_guard<std::mutex> lock(stats_mutex);
    seen_at_end = stats_seen;
  }
  const SteadyClock::time_point give_up = SteadyClock::now() + std::chrono::seconds(2);
  while (SteadyClock::now() < give_up) {
    producer.poll(50);
    const std::lock_guard<std::mutex> lock(stats_mutex);
    if (stats_seen > seen_at_end) break;
  }
  {
    const std::lock_guard<std::mutex> lock(stats_mutex);
    out.wire_bytes = stats_seen > seen_at_end ? tx_bytes : -1;
  }

  if (retention && admin && out.stats.acked > 0) {
    core::Result<std::vector<producer::PartitionDrop>> drops =
        retention->finish(*admin, out.stats.acked_by_partition, 5000);
    if (drops.ok()) {
      for (const producer::PartitionDrop& d : *drops) {
        out.dropped_by_broker.emplace_back(d.partition, d.dropped());
      }
    }
  }
  out.stats.dropped_by_broker = out.dropped_by_broker;
  return out;
}

// ---- run_kafka_bench -------------------------------------------------------------------------

core::Result<KafkaBenchResult> run_kafka_bench(const KafkaBenchOptions& o) {
  if (o.registry == nullptr || o.format == nullptr) {
    return core::invalid_argument("the Kafka benchmark needs a registry and a format");
  }
  if (o.count == 0) return core::invalid_argument("the Kafka benchmark needs a count above 0");
  const bool latency_mode = o.rate > 0;

  ProduceRun run;
  run.options.type = o.event;
  run.options.serializer = o.format;
  run.options.topic = o.topic;
  run.options.key = producer::KeySpec::default_for(o.event);
  run.options.seed = o.seed;
  run.options.count = o.count;
  run.options.rate = o.rate;
  run.options.tidemark_headers = o.tidemark_headers;
  run.config = o.producer_config;
  run.bootstrap = o.bootstrap;
  run.stop = o.stop;
  run.record_placements = latency_mode;

  consumer::ConsumeOptions co;
  co.topic = o.topic;
  co.startup.mode = consumer::StartupMode::kEarliestOffset;
  co.startup.origin = "earliest-offset";
  co.bounded.mode =
      latency_mode ? consumer::BoundedMode::kUnbounded : consumer::BoundedMode::kLatestOffset;
  co.bounded.origin = latency_mode ? "unbounded" : "latest-offset";
  co.max_records = o.count;
  co.decode.registry = o.registry;
  if (!o.tidemark_headers) {
    co.decode.fallback_format = o.format;
    co.decode.fallback_event = o.event;
  }

  KafkaBenchResult result;
  CountingSink sink;
  std::atomic<bool> consumer_stop{false};

  if (!latency_mode) {
    core::Result<ProduceOutcome> produced = produce_events(std::move(run));
    if (!produced.ok()) return produced.status();
    result.produce = std::move(*produced);
    result.interrupted = result.produce.stats.interrupted;
    if (result.interrupted) return result;
    core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
        consumer::EventConsumer::create(o.consumer_config, o.bootstrap, co);
    if (!ec.ok()) return ec.status();
    core::Result<consumer::ConsumePlan> plan = (*ec)->plan();
    if (!plan.ok()) return plan.status();
    consumer::ConsumeStats cs;
    const SteadyClock::time_point start = SteadyClock::now();
    core::Status st = (*ec)->run(&*plan, sink, o.stop, cs);
    const SteadyClock::time_point end = SteadyClock::now();
    if (!st.ok()) return st;
    result.interrupted = cs.end == consumer::ConsumeEnd::kInterrupted;
    result.consumed = sink.totals().records;
    result.consumed_bytes = sink.totals().bytes;
    result.decode_errors = sink.totals().decode_errors;
    result.consume_s = std::chrono::duration<double>(end - start).count();
    return result;
  }

  // Latency mode: the consumer reads while the producer sends at the rate.
  sink.keep_receive_times();
  std::unique_ptr<consumer::EventConsumer> event_consumer;
  std::optional<consumer::ConsumePlan> plan;
  core::Status consumer_status;
  consumer::ConsumeStats cs;
  std::thread reader;
  std::atomic<bool> reader_done{false};
  bool reader_started = false;
  core::Status setup_status;
  // Once the producer knows the topic (and has created it where topics are made on first use),
  // plan the consumer at the log start and let it poll before the first record is sent, so the
  // first records do not pay for the consumer's start-up.
  auto start_reader = [&] {
    core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
        consumer::EventConsumer::create(o.consumer_config, o.bootstrap, co);
    if (!ec.ok()) {
      setup_status = ec.status();
      return;
    }
    event_consumer = std::move(*ec);
    core::Result<consumer::ConsumePlan> p = event_consumer->plan();
    if (!p.ok()) {
      setup_status = p.status();
      return;
    }
    plan = std::move(*p);
    reader = std::thread([&] {
      consumer_status = event_consumer->run(&*plan, sink, &consumer_stop, cs);
      reader_done.store(true);
    });
    reader_started = true;
    const SteadyClock::time_point limit = SteadyClock::now() + std::chrono::seconds(10);
    while (!sink.ticked() && SteadyClock::now() < limit) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  auto stop_reader = [&] {
    consumer_stop.store(true);
    if (reader.joinable()) reader.join();
  };

  core::Result<ProduceOutcome> produced = produce_events(std::move(run), start_reader);
  if (!setup_status.ok()) {
    stop_reader();
    return setup_status;
  }
  if (!produced.ok()) {
    stop_reader();
    return produced.status();
  }
  result.produce = std::move(*produced);
  result.interrupted = result.produce.stats.interrupted;

  // Wait for the consumer to read everything acknowledged, or to make no progress for a while.
  if (reader_started && !result.interrupted) {
    const std::uint64_t want = result.produce.stats.acked;
    std::uint64_t last_seen = 0;
    SteadyClock::time_point last_progress = SteadyClock::now();
    for (;;) {
      const std::uint64_t seen = sink.records_so_far();
      if (seen >= want || reader_done.load() || (o.stop != nullptr && o.stop->load())) break;
      if (seen != last_seen) {
        last_seen = seen;
        last_progress = SteadyClock::now();
      } else if (SteadyClock::now() - last_progress >
                 std::chrono::milliseconds(o.settle_timeout_ms)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  stop_reader();
  if (!consumer_status.ok()) return consumer_status;
  if (o.stop != nullptr && o.stop->load()) result.interrupted = true;

  const CountingSink::Totals& totals = sink.totals();
  result.consumed = totals.records;
  result.consumed_bytes = totals.bytes;
  result.decode_errors = totals.decode_errors;

  // End-to-end latency of every record read back: received - (origin + seq / rate).
  std::optional<SteadyClock::time_point> first_received, last_received;
  const ReceivedFn received = [&](std::int32_t partition, std::int64_t offset) {
    const std::optional<SteadyClock::time_point> got = sink.received(partition, offset);
    if (got) {
      if (!first_received || *got < *first_received) first_received = got;
      if (!last_received || *got > *last_received) last_received = got;
    }
    return got;
  };
  std::vector<std::int64_t> samples;
  if (result.produce.schedule_origin) {
    samples = end_to_end_samples(*result.produce.schedule_origin, o.rate, result.produce.placements,
                                 received, result.missing);
  }
  if (first_received && last_received) {
    result.consume_s = std::chrono::duration<double>(*last_received - *first_received).count();
  }
  result.end_to_end = summarize_latencies(samples);
  return result;
}

std::vector<std::int64_t> end_to_end_samples(SteadyClock::time_point origin, double rate,
                                             const std::vector<RecordPlacement>& placements,
                                             const ReceivedFn& received, std::uint64_t& missing) {
  std::vector<std::int64_t> samples;
  samples.reserve(placements.size());
  const std::int64_t origin_ns = since_epoch_ns(origin);
  const double ns_per_record = rate > 0 ? 1e9 / rate : 0;
  for (std::size_t seq = 0; seq < placements.size(); ++seq) {
    const RecordPlacement& at = placements[seq];
    if (at.partition < 0) continue;
    const std::optional<SteadyClock::time_point> got = received(at.partition, at.offset);
    if (!got) {
      ++missing;
      continue;
    }
    const auto intended =
        origin_ns + static_cast<std::int64_t>(static_cast<double>(seq) * ns_per_record);
    samples.push_back(since_epoch_ns(*got) - intended);
  }
  return samples;
}

RowLatency latency_of(const KafkaBenchResult& r) {
  RowLatency out;
  if (r.end_to_end) {
    out.end_to_end = true;
    out.summary = *r.end_to_end;
    return out;
  }
  const producer::ProducerStats& s = r.produce.stats;
  out.summary.count = s.acked;
  out.summary.avg_ms = s.latency_avg_ms;
  out.summary.p50_ms = s.p50_ms;
  out.summary.p90_ms = -1;
  out.summary.p99_ms = s.p99_ms;
  out.summary.p999_ms = s.p999_ms;
  out.summary.max_ms = s.latency_max_ms;
  return out;
}

namespace {

double median_of(std::vector<double> v) { return spread_of(v).median; }

nlohmann::json spread_json(const Spread& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}};
}

nlohmann::json latency_json(const RowLatency& lat) {
  return {{"kind", lat.end_to_end ? "end_to_end_from_intended_send" : "delivery_send_to_ack"},
          {"count", lat.summary.count},
          {"avg", lat.summary.avg_ms},
          {"p50", lat.summary.p50_ms},
          {"p90",
           lat.summary.p90_ms < 0 ? nlohmann::json(nullptr) : nlohmann::json(lat.summary.p90_ms)},
          {"p99", lat.summary.p99_ms},
          {"p999", lat.summary.p999_ms},
          {"max", lat.summary.max_ms}};
}

nlohmann::json run_json(const std::string& topic, const KafkaBenchResult& r) {
  const producer::ProducerStats& s = r.produce.stats;
  nlohmann::json dropped = nlohmann::json::object();
  for (const auto& [partition, n] : r.produce.dropped_by_broker) {
    dropped[std::to_string(partition)] = n;
  }
  const double per_record = s.sent > 0 ? 1.0 / static_cast<double>(s.sent) : 0;
  return {
      {"topic", topic},
      {"sent", s.sent},
      {"acked", s.acked},
      {"failed", s.failed},
      {"consumed", r.consumed},
      {"decode_errors", r.decode_errors},
      {"missing", r.missing},
      {"complete", r.complete()},
      {"interrupted", r.interrupted},
      {"dropped_by_broker", dropped},
      {"payload_bytes_per_record", static_cast<double>(s.bytes) * per_record},
      {"wire_bytes_per_record",
       r.produce.wire_bytes < 0
           ? nlohmann::json(nullptr)
           : nlohmann::json(static_cast<double>(r.produce.wire_bytes) * per_record)},
      {"produce",
       {{"elapsed_s", s.elapsed_s},
        {"records_per_s", r.produce_records_per_s()},
        {"mb_per_s", r.produce_mb_per_s()}}},
      {"consume",
       {{"elapsed_s", r.consume_s},
        {"records_per_s", r.consume_records_per_s()},
        {"mb_per_s", r.consume_mb_per_s()}}},
      {"latency_ms", latency_json(latency_of(r))},
  };
}

}  // namespace

KafkaBenchSummary summarize(const KafkaBenchRow& row) {
  KafkaBenchSummary out;
  std::vector<double> prs, pmb, crs, cmb, wire, payload;
  std::vector<double> avg, p50, p90, p99, p999, max;
  for (const KafkaBenchResult& r : row.runs) {
    const producer::ProducerStats& s = r.produce.stats;
    prs.push_back(r.produce_records_per_s());
    pmb.push_back(r.produce_mb_per_s());
    crs.push_back(r.consume_records_per_s());
    cmb.push_back(r.consume_mb_per_s());
    if (s.sent > 0) {
      payload.push_back(static_cast<double>(s.bytes) / static_cast<double>(s.sent));
      if (r.produce.wire_bytes >= 0) {
        wire.push_back(static_cast<double>(r.produce.wire_bytes) / static_cast<double>(s.sent));
      }
    }
    const RowLatency lat = latency_of(r);
    out.latency.end_to_end = lat.end_to_end;
    out.latency.summary.count += lat.summary.count;
    avg.push_back(lat.summary.avg_ms);
    p50.push_back(lat.summary.p50_ms);
    p90.push_back(lat.summary.p90_ms);
    p99.push_back(lat.summary.p99_ms);
    p999.push_back(lat.summary.p999_ms);
    max.push_back(lat.summary.max_ms);
    out.sent += s.sent;
    out.consumed += r.consumed;
    out.decode_errors += r.decode_errors;
    out.complete = out.complete && r.complete();
  }
  out.produce_records_per_s = spread_of(prs);
  out.produce_mb_per_s = spread_of(pmb);
  out.consume_records_per_s = spread_of(crs);
  out.consume_mb_per_s = spread_of(cmb);
  out.payload_bytes_per_record = median_of(payload);
  out.wire_bytes_per_record = wire.empty() ? -1 : median_of(wire);
  out.latency.summary.avg_ms = median_of(avg);
  out.latency.summary.p50_ms = median_of(p50);
  out.latency.summary.p90_ms = median_of(p90);
  out.latency.summary.p99_ms = median_of(p99);
  out.latency.summary.p999_ms = median_of(p999);
  out.latency.summary.max_ms = median_of(max);
  return out;
}

std::string kafka_bench_json(const KafkaBenchConfiguration& c,
                             const std::vector<KafkaBenchRow>& rows) {
  nlohmann::json doc;
  doc["tool"] = "tidemark bench kafka";
  doc["configuration"] = {
      {"tidemark_version", c.tidemark_version},
      {"broker", c.broker},
      {"partitions", c.partitions < 0 ? nlohmann::json(nullptr) : nlohmann::json(c.partitions)},
      {"compression", c.compression},
      {"records_per_format", c.count},
      {"mode", c.rate > 0 ? "latency" : "throughput"},
      {"rate", c.rate},
      {"seed", c.seed},
      {"tidemark_headers", c.tidemark_headers},
      {"repeat", c.repeat},
      {"machine", machine_json(describe_machine())},
  };
  nlohmann::json out = nlohmann::json::array();
  for (const KafkaBenchRow& row : rows) {
    const KafkaBenchSummary sum = summarize(row);
    nlohmann::json runs = nlohmann::json::array();
    for (std::size_t i = 0; i < row.runs.size(); ++i) {
      runs.push_back(run_json(i < row.topics.size() ? row.topics[i] : "", row.runs[i]));
    }
    out.push_back({
        {"event", row.event},
        {"format", row.format},
        {"sent", sum.sent},
        {"consumed", sum.consumed},
        {"decode_errors", sum.decode_errors},
        {"complete", sum.complete},
        {"payload_bytes_per_record", sum.payload_bytes_per_record},
        {"wire_bytes_per_record", sum.wire_bytes_per_record < 0
                                      ? nlohmann::json(nullptr)
                                      : nlohmann::json(sum.wire_bytes_per_record)},
        {"produce",
         {{"records_per_s", spread_json(sum.produce_records_per_s)},
          {"mb_per_s", spread_json(sum.produce_mb_per_s)}}},
        {"consume",
         {{"records_per_s", spread_json(sum.consume_records_per_s)},
          {"mb_per_s", spread_json(sum.consume_mb_per_s)}}},
        {"latency_ms", latency_json(sum.latency)},
        {"runs", std::move(runs)},
    });
  }
  doc["results"] = std::move(out);
  return doc.dump(2) + "\n";
}

}  // namespace tidemark::perf
