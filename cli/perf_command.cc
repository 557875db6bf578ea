// `tidemark perf`: throughput and latency in the shapes of Kafka's perf-test tools, so numbers
// can be compared with published ones. `perf produce` is `tidemark produce` (same flags, same
// code, see produce_options.h) on the embedded broker by default, printing
// kafka-producer-perf-test's line on stdout; `--baseline` measures a plain librdkafka loop
// (kafka::run_plain_produce_loop) producing the same pre-serialized records side by side, and
// `--repeat N` alternates the two N times and prints medians and ranges. `perf consume`
// (kafka-consumer-perf-test's columns) is in perf_consume_command.cc.
#include <sys/resource.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "produce_options.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/plain_produce_loop.h"
#include "tidemark/perf/recording_sink.h"
#include "tidemark/perf/spread.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/producer/latency_histogram.h"

namespace tidemark::cli {

namespace {

// The issue 3 target: tidemark's events/s at least this share of the plain loop's.
constexpr double kBaselineTarget = 0.80;
constexpr std::uint64_t kDefaultPerfCount = 1000000;

struct PerfProduceFlags {
  ProduceFlags produce;
  bool baseline = false;
  int repeat = 1;
  std::string record_size;
};

// CPU time of the whole process (all threads: the producer's, librdkafka's, the embedded
// broker's), seconds.
double process_cpu_seconds() {
  struct rusage u {};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double rate_of(const producer::ProducerStats& s) {
  return s.elapsed_s > 0 ? static_cast<double>(s.sent) / s.elapsed_s : 0;
}

struct RunRecord {
  std::string kind;  // "tidemark", "plain-payloads" or "plain-records"
  int run = 0;
  producer::ProducerStats stats;
};

// The plain loop's outcome in ProducerStats' shape, so both print the same line (and the
// latency percentiles by the same rule: the loop's latencies went into a LatencyHistogram too).
producer::ProducerStats stats_of(const kafka::PlainLoopResult& r,
                                 const producer::LatencyHistogram& latencies) {
  producer::ProducerStats s;
  s.generated = r.sent;
  s.sent = r.sent;
  s.acked = r.acked;
  s.failed = r.failed;
  s.bytes = r.bytes;
  s.elapsed_s = r.elapsed_s;
  if (!r.first_error.empty()) s.first_errors.push_back(r.first_error);
  producer::set_latency_stats(latencies, s);
  return s;
}

std::string spread_text(const perf::Spread& s, int digits) {
  return fixed(s.median, digits) + " (range " + fixed(s.min, digits) + " .. " +
         fixed(s.max, digits) + ")";
}

std::string spread_json(const perf::Spread& s) {
  return "{\"median\":" + fixed(s.median, 3) + ",\"min\":" + fixed(s.min, 3) +
         ",\"max\":" + fixed(s.max, 3) + "}";
}

// One tidemark run: a fresh broker (with -b embedded) and producer, the EventProducer loop.
core::Status run_tidemark_once(ProduceSetup& setup, const ProduceFlags& f,
                               const std::atomic<bool>* stop, producer::ProducerStats& stats) {
  std::string bootstrap = setup.bootstrap;
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> embedded = start_or_check_broker(
      setup.config, bootstrap, setup.options.topic, setup.partitions, /*announce=*/false);
  if (!embedded.ok()) return embedded.status();
  core::Result<std::unique_ptr<kafka::Producer>> p =
      kafka::Producer::create(setup.config, bootstrap);
  if (!p.ok()) return p.status();
  producer::EventProducerOptions options = setup.options;
  TIDEMARK_RETURN_IF_ERROR(attach_idle_partition(setup, **p, options));
  DropReport drops;
  drops.start(setup.config, bootstrap, setup.options.topic);
  std::unique_ptr<producer::TaxiCsvSource> csv;
  if (!f.from_csv.empty()) {
    core::Result<std::unique_ptr<producer::TaxiCsvSource>> src =
        producer::TaxiCsvSource::open(f.from_csv, setup.csv_options);
    if (!src.ok()) return src.status().with_context("--from-csv");
    csv = std::move(*src);
    options.csv_source = csv.get();
  }
  bool progress_shown = false;
  options.progress = progress_printer(progress_shown);
  core::Result<std::unique_ptr<producer::EventProducer>> ep =
      producer::EventProducer::create(std::move(options));
  if (!ep.ok()) return ep.status();
  producer::KafkaSink sink(**p);
  core::Status st;
  {
    const InterruptHook interrupt_hook(**p);
    st = (*ep)->run(sink, stop, stats);
  }
  if (progress_shown) std::fputs("\r\033[K", stderr);
  if (const std::string idle = idle_partition_summary(setup, f, stats); !idle.empty()) {
    std::cerr << idle << "\n";
  }
  drops.finish(setup.options.topic, stats);
  return st;
}

// The baseline's payloads: what tidemark's loop serializes with the same options, kept in
// memory (not timed).
core::Status record_payloads(ProduceSetup& setup, const ProduceFlags& f,
                             perf::RecordingSink& sink) {
  producer::EventProducerOptions options = setup.options;
  options.rate = 0;
  options.progress = nullptr;
  std::unique_ptr<producer::TaxiCsvSource> csv;
  if (!f.from_csv.empty()) {
    core::Result<std::unique_ptr<producer::TaxiCsvSource>> src =
        producer::TaxiCsvSource::open(f.from_csv, setup.csv_options);
    if (!src.ok()) return src.status().with_context("--from-csv");
    csv = std::move(*src);
    options.csv_source = csv.get();
  }
  core::Result<std::unique_ptr<producer::EventProducer>> ep =
      producer::EventProducer::create(std::move(options));
  if (!ep.ok()) return ep.status();
  producer::ProducerStats stats;
  return (*ep)->run(sink, nullptr, stats);
}

core::Status run_baseline_once(ProduceSetup& setup, const std::vector<kafka::PlainRecord>& records,
                               producer::ProducerStats& stats) {
  std::string bootstrap = setup.bootstrap;
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> embedded = start_or_check_broker(
      setup.config, bootstrap, setup.options.topic, setup.partitions, /*announce=*/false);
  if (!embedded.ok()) return embedded.status();
  producer::LatencyHistogram latencies;
  core::Result<kafka::PlainLoopResult> r = kafka::run_plain_produce_loop(
      setup.config, bootstrap, setup.options.topic, records, /*flush_timeout_ms=*/-1,
      [&latencies](std::int64_t us) { latencies.add(us); });
  if (!r.ok()) return r.status();
  stats = stats_of(*r, latencies);
  return {};
}

int run_perf_produce(Context& ctx, PerfProduceFlags& pf, CLI::App& cmd) {
  const ProduceFlags& f = pf.produce;
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  if (given("--record-size")) {
    return report_error(core::invalid_argument(
        "--record-size " + core::quoted(pf.record_size) +
        ": does not apply, tidemark generates real events whose size follows from --event and "
        "--format (see `tidemark formats`)"));
  }
  if (pf.repeat < 1) {
    return report_error(core::invalid_argument(
        "--repeat " + core::quoted(std::to_string(pf.repeat)) + ": must be at least 1"));
  }
  core::Result<ProduceSetup> prepared = prepare_produce(ctx, f, cmd, ProduceCommand::kPerfProduce);
  if (!prepared.ok()) return report_error(prepared.status());
  ProduceSetup& setup = *prepared;
  producer::EventProducerOptions& o = setup.options;
  if (!given("--count") && !given("--duration") && !given("--from-csv"))
    o.count = kDefaultPerfCount;
  if (pf.baseline) {
    if (o.rate > 0) {
      return report_error(core::invalid_argument("--baseline measures throughput: drop " +
                                                 rate_flag_name(ProduceCommand::kPerfProduce)));
    }
    if (setup.idle) {
      return report_error(core::invalid_argument(
          "--baseline replays the records without a partitioner of its own: drop "
          "--idle-partition"));
    }
    if (!o.count && f.from_csv.empty()) {
      return report_error(core::invalid_argument(
          "--baseline needs a bounded set of records: give " +
          count_flag_name(ProduceCommand::kPerfProduce) + " instead of --duration"));
    }
  }
  // Each run re-reads the file (prepare_produce opened it only to check it).
  setup.csv_source.reset();
  o.csv_source = nullptr;

  tune_allocator_for_producing();
  const std::atomic<bool>* stop = install_stop_signals();
  if (!setup.seed_given) std::cerr << "tidemark: seed " << o.seed << "\n";
  if (setup.unannounced_start_ms) {
    std::cerr << "tidemark: simulated clock starts at "
              << core::format_iso8601(*setup.unannounced_start_ms) << " (--start to repeat)\n";
  }

  const bool labelled = pf.baseline || pf.repeat > 1;
  const std::string where = setup.bootstrap == "embedded"
                                ? "embedded broker, topic '" + o.topic + "' with " +
                                      std::to_string(setup.partitions) + " partitions"
                                : "-b " + setup.bootstrap + ", topic '" + o.topic + "'";
  const std::string what = std::string(core::event_type_name(o.type)) + " events as " +
                           std::string(o.serializer->name());
  if (labelled) {
    std::cout << "# tidemark perf produce: " << what << ", "
              << (o.count ? std::to_string(*o.count) + " records per run"
                          : std::string("records of ") + f.from_csv)
              << ", " << pf.repeat << (pf.repeat == 1 ? " run, " : " runs, ") << where
              << "; a fresh broker for every run\n";
  } else {
    std::cerr << "tidemark: " << what << " to the " << where << "\n";
  }
  std::cout << std::flush;

  perf::RecordingSink recorded;
  perf::RecordedRecords payloads_only, same_records;
  if (pf.baseline) {
    if (core::Status st = record_payloads(setup, f, recorded); !st.ok()) return report_error(st);
    payloads_only = recorded.records(true);
    same_records = recorded.records(false);
  }

  // What each run measures, in order: tidemark, then (with --baseline) the plain loop with the
  // payloads alone (the baseline) and with the same records (headers and CreateTime).
  struct Series {
    std::string kind;
    std::string label;
    const std::vector<kafka::PlainRecord>* records;  // null: tidemark itself
    std::vector<double> rates;
    std::vector<double> cpu_ms;
  };
  std::vector<Series> series;
  series.push_back({"tidemark", "tidemark (generate + serialize + produce)", nullptr, {}, {}});
  if (pf.baseline) {
    series.push_back({"plain-payloads",
                      "plain librdkafka loop, the same payloads pre-serialized (rd_kafka_produce: "
                      "key and value, no headers)",
                      &payloads_only.records,
                      {},
                      {}});
    series.push_back({"plain-records",
                      "plain librdkafka loop, the same records pre-serialized (rd_kafka_producev: "
                      "key, value, tidemark's headers, CreateTime)",
                      &same_records.records,
                      {},
                      {}});
  }

  std::vector<RunRecord> runs;
  bool any_failed = false;
  for (int run = 1; run <= pf.repeat; ++run) {
    const std::string of = std::to_string(run) + "/" + std::to_string(pf.repeat);
    for (Series& x : series) {
      producer::ProducerStats stats;
      const double cpu_before = process_cpu_seconds();
      core::Status st = x.records == nullptr ? run_tidemark_once(setup, f, stop, stats)
                                             : run_baseline_once(setup, *x.records, stats);
      const double cpu_ms = (process_cpu_seconds() - cpu_before) * 1000.0;
      if (!st.ok() && x.records != nullptr) st = st.with_context("the plain librdkafka loop");
      // A run that could not start (no broker, a topic that does not fit the flags) has no
      // perf-test line to print.
      if (!st.ok() && stats.sent == 0 && !stats.interrupted && !stop_requested()) {
        return report_error(st);
      }
      if (labelled) std::cout << "# run " << of << ": " << x.label << "\n";
      std::cout << stats.summary_line() << "\n";
      if (labelled) {
        std::cout << "# cpu " << fixed(cpu_ms, 0) << " ms in all threads ("
                  << fixed(stats.sent > 0 ? cpu_ms * 1e6 / static_cast<double>(stats.sent) : 0, 0)
                  << " ns per record)\n";
      }
      std::cout << std::flush;
      runs.push_back({x.kind, run, stats});
      if (stats.failed > 0) {
        any_failed = true;
        std::cerr << "tidemark: error: " << x.kind << " run " << of << ": " << stats.failed
                  << " record(s) not delivered"
                  << (stats.first_errors.empty() ? "" : "; first errors:") << "\n";
        for (const std::string& e : stats.first_errors) std::cerr << "  " << e << "\n";
      }
      if (stats.interrupted || stop_requested()) return report_interrupted();
      if (!st.ok()) return report_error(st);
      x.rates.push_back(rate_of(stats));
      x.cpu_ms.push_back(cpu_ms);
    }
  }

  // Ratios per run (adjacent measurements share the machine's load), then their median.
  auto ratios_to = [&series](std::size_t baseline) {
    std::vector<double> r;
    for (std::size_t i = 0; i < series[0].rates.size(); ++i) {
      if (series[baseline].rates[i] > 0)
        r.push_back(series[0].rates[i] / series[baseline].rates[i]);
    }
    return perf::spread_of(r);
  };
  if (labelled) {
    for (const Series& x : series) {
      std::cout << "# " << x.kind << " records/sec: median "
                << spread_text(perf::spread_of(x.rates), 1) << "; cpu ms: median "
                << spread_text(perf::spread_of(x.cpu_ms), 0) << "\n";
    }
    if (pf.baseline) {
      const perf::Spread vs_payloads = ratios_to(1);
      const perf::Spread vs_records = ratios_to(2);
      std::cout << "# tidemark / plain loop with the same payloads: median "
                << spread_text(vs_payloads, 3)
                << "; issue 3's target >= " << fixed(kBaselineTarget, 2) << ": "
                << (vs_payloads.median >= kBaselineTarget ? "met" : "NOT met") << "\n";
      std::cout << "# tidemark / plain loop with the same records: median "
                << spread_text(vs_records, 3) << " (tidemark's own cost: generating, serializing, "
                << "bookkeeping)\n";
    }
  }

  if (!f.stats_json.empty()) {
    std::string json = "{\"event\":";
    append_json_string(json, core::event_type_name(o.type));
    json += ",\"format\":";
    append_json_string(json, o.serializer->name());
    json += ",\"broker\":";
    append_json_string(json, setup.bootstrap);
    json += ",\"repeat\":" + std::to_string(pf.repeat) + ",\"runs\":[";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (i > 0) json += ',';
      json += "{\"kind\":\"" + runs[i].kind + "\",\"run\":" + std::to_string(runs[i].run) +
              ",\"stats\":" + runs[i].stats.to_json() + "}";
    }
    json += "]";
    for (const Series& x : series) {
      json += ",\"" + x.kind + "_records_per_s\":" + spread_json(perf::spread_of(x.rates));
    }
    if (pf.baseline) {
      json += ",\"ratio_to_plain_payloads\":" + spread_json(ratios_to(1)) +
              ",\"ratio_to_plain_records\":" + spread_json(ratios_to(2));
    }
    json += "}\n";
    if (core::Status w = write_stats_json(setup, f, json); !w.ok()) return report_error(w);
  }
  return any_failed ? kExitFailure : kExitOk;
}

void install_perf_produce(CLI::App& perf, Context& ctx) {
  auto flags = std::make_shared<PerfProduceFlags>();
  auto* cmd = perf.add_subcommand(
      "produce",
      "tidemark produce as a measurement: kafka-producer-perf-test's output, on the embedded "
      "broker by default, optionally side by side with plain librdkafka loops");
  add_produce_options(*cmd, flags->produce, ProduceCommand::kPerfProduce);
  cmd->add_flag("--baseline", flags->baseline,
                "After each run, on a fresh broker of the same kind, run two plain librdkafka "
                "loops with the same producer configuration and exactly the records tidemark "
                "produced, pre-serialized: rd_kafka_produce with the payloads alone (issue 3's "
                "baseline), and rd_kafka_producev with tidemark's headers and CreateTime too; "
                "prints the ratios (needs a count; no --rate)");
  cmd->add_option("--repeat", flags->repeat,
                  "Runs (alternating with the baseline); medians and ranges are printed")
      ->default_val(1);
  cmd->add_option("--record-size", flags->record_size,
                  "Not supported: kafka-producer-perf-test's fixed-size random payloads; tidemark "
                  "sends real events")
      ->group("");
  cmd->footer(
      "Prints kafka-producer-perf-test's final line on stdout (\"N records sent, R records/sec "
      "(M MB/sec), A ms avg latency, X ms max latency, p50 ms 50th, p95 ms 95th, p99 ms 99th, "
      "p999 ms 99.9th.\"), with sub-millisecond latencies; MB are the payload bytes.\n"
      "kafka-producer-perf-test's --num-records, --throughput (-1 = unlimited), --producer-props "
      "and --producer.config are accepted; --record-size and --payload-file do not apply: the "
      "records are tidemark's generated events (--event, --format) or a CSV file's rows.\n"
      "Every run starts a fresh embedded broker (-b embedded, the default) so runs do not share "
      "a log; the time runs from the first record to the last acknowledgement.\n"
      "Examples:\n"
      "  tidemark perf produce -t test-topic --num-records 1000000\n"
      "  tidemark perf produce -t test-topic -c 1000000 --baseline --repeat 5\n"
      "  tidemark perf produce -t web --event web --format protobuf -z lz4 -b localhost:9092\n"
      "Exit codes: 0 done, 1 a delivery failed, 2 bad flags, 130 Ctrl-C.");
  cmd->callback([&ctx, flags, cmd] { ctx.exit_code = run_perf_produce(ctx, *flags, *cmd); });
}

}  // namespace

void install_perf_command(CLI::App& app, Context& ctx) {
  auto* perf = app.add_subcommand(
      "perf", "Measure throughput and latency in the shape of Kafka's perf-test tools");
  perf->require_subcommand(1);
  // One line per perf subcommand (siblings in their own files declare their installers in
  // cli_common.h).
  for (CommandInstaller install : {
           install_perf_produce,
           install_perf_consume,
       }) {
    install(*perf, ctx);
  }
}

}  // namespace tidemark::cli
