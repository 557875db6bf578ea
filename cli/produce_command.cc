// `tidemark produce`: seeded lab, web or taxi events (or the trips of a green-taxi CSV file),
// serialized in any registered format, produced to Kafka (or written out with --dry-run). The
// loop itself is producer::EventProducer; the flags, their validation and the Kafka set-up are
// shared with `tidemark perf produce` (produce_options.h), Ctrl-C handling with every command
// (cli_common.h); this file adds the dry-run sinks and prints the summary.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli_common.h"
#include "produce_options.h"
#include "tidemark/core/time.h"
#include "tidemark/producer/event_producer.h"

namespace tidemark::cli {

namespace {

int run_produce(Context& ctx, const ProduceFlags& f, CLI::App& cmd) {
  core::Result<ProduceSetup> prepared = prepare_produce(ctx, f, cmd, ProduceCommand::kProduce);
  if (!prepared.ok()) return report_error(prepared.status());
  ProduceSetup& setup = *prepared;
  producer::EventProducerOptions& o = setup.options;
  const std::string topic = o.topic;  // o is moved into the EventProducer

  // ---- Kafka ----
  std::unique_ptr<kafka::EmbeddedBroker> embedded;
  std::unique_ptr<kafka::Producer> kafka_producer;
  std::optional<InterruptHook> interrupt_hook;  // Ctrl-C interrupts the producer's waits
  DropReport drops;
  tune_allocator_for_producing();
  const std::atomic<bool>* stop = install_stop_signals();
  if (!f.dry_run) {
    std::string bootstrap = setup.bootstrap;
    core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b =
        start_or_check_broker(setup.config, bootstrap, topic, setup.partitions);
    if (!b.ok()) return report_error(b.status());
    embedded = std::move(*b);
    core::Result<std::unique_ptr<kafka::Producer>> p =
        kafka::Producer::create(setup.config, bootstrap);
    if (!p.ok()) return report_error(p.status());
    kafka_producer = std::move(*p);
    interrupt_hook.emplace(*kafka_producer);
    if (core::Status st = attach_idle_partition(setup, *kafka_producer, o); !st.ok()) {
      return report_error(st);
    }
    // Low watermark offsets before the run, to report what the broker drops during it.
    drops.start(setup.config, bootstrap, topic);
  }

  bool progress_shown = false;
  o.progress = progress_printer(progress_shown);

  if (!setup.seed_given) std::cerr << "tidemark: seed " << o.seed << "\n";
  if (setup.unannounced_start_ms) {
    std::cerr << "tidemark: simulated clock starts at "
              << core::format_iso8601(*setup.unannounced_start_ms) << " (--start to repeat)\n";
  }

  const serializers::Serializer* serializer = o.serializer;
  core::Result<std::unique_ptr<producer::EventProducer>> ep =
      producer::EventProducer::create(std::move(o));
  if (!ep.ok()) return report_error(ep.status());

  std::unique_ptr<producer::Sink> sink;
  if (kafka_producer) {
    sink = std::make_unique<producer::KafkaSink>(*kafka_producer);
  } else if (setup.csv_writer) {
    sink = std::make_unique<producer::TaxiCsvSink>(*setup.csv_writer);
  } else {
    static char stdout_buffer[1 << 16];
    std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    const bool json = serializer->content_type().find("json") != std::string_view::npos;
    sink = std::make_unique<producer::DryRunSink>(stdout, !json);
  }

  producer::ProducerStats stats;
  const core::Status st = (*ep)->run(*sink, stop, stats);
  interrupt_hook.reset();
  if (progress_shown) std::fputs("\n", stderr);

  std::cerr << stats.summary_line() << "\n";
  std::cerr << "fingerprint " << stats.fingerprint << "\n";
  std::cerr << "seed " << stats.seed << "\n";
  if (setup.csv_source) {
    const producer::TaxiCsvStats& cs = setup.csv_source->stats();
    std::cerr << "csv: " << cs.rows_read << " rows read, " << cs.rows_skipped
              << " bad rows skipped\n";
    for (const std::string& e : cs.first_errors) std::cerr << "  skipped: " << e << "\n";
  }
  if (const std::string idle = idle_partition_summary(setup, f, stats); !idle.empty()) {
    std::cerr << idle << "\n";
  }
  drops.finish(topic, stats);
  if (stats.failed > 0) {
    std::cerr << "tidemark: error: " << stats.failed << " record(s) not delivered"
              << (stats.first_errors.empty() ? "" : "; first errors:") << "\n";
    for (const std::string& e : stats.first_errors) std::cerr << "  " << e << "\n";
  }
  if (core::Status w = write_stats_json(setup, f, stats.to_json() + "\n"); !w.ok()) {
    return report_error(w);
  }
  if (stats.interrupted) return report_interrupted();
  if (!st.ok()) return report_error(st);
  if (stats.failed > 0) return kExitFailure;
  return kExitOk;
}

}  // namespace

void install_produce_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<ProduceFlags>();
  auto* cmd = app.add_subcommand(
      "produce", "Produce seeded lab, web or taxi events (or a taxi CSV file) to a Kafka topic");
  add_produce_options(*cmd, *flags, ProduceCommand::kProduce);
  cmd->footer(
      "Every record carries the headers content-type, tidemark-event-type and tidemark-seq (the "
      "event's index in the global stream), plus tidemark-instance (i/N) with --instance and "
      "tidemark-delay-ms when disorder is on.\n"
      "The same --seed, --count and options with --clock simulated give byte-identical payloads "
      "and keys; compare runs by the fingerprint printed at the end.\n"
      "--dry-run writes JSON formats one event per line and binary formats (protobuf, thrift) "
      "base64-encoded, one per line.\n"
      "Manifest partitions come from the delivery reports; lines are in delivery order.\n"
      "--idle-partition P --idle-after D: once a record with event time >= start + D is sent, "
      "P gets nothing more; every seq is still produced (keyed records of P's keys go to other "
      "partitions with the header tidemark-redirected-from: P). Pair it with Flink's idle "
      "timeout (tidemark ddl --idle-timeout).\n"
      "When the broker drops records of this run from the start of a partition (the embedded "
      "broker keeps 5 MiB or 100,000 batches per partition), the summary says how many and "
      "where.\n"
      "--no-headers sends none of tidemark's headers (as kcat does); consumers then need --format "
      "and --event.\n"
      "Measure throughput against a plain librdkafka loop with `tidemark perf produce`.\n"
      "Exit codes: 0 done, 1 a delivery failed or a runtime error, 2 bad flags, 130 Ctrl-C or "
      "SIGTERM (in-flight records are flushed first).");
  cmd->callback([&ctx, flags, cmd] { ctx.exit_code = run_produce(ctx, *flags, *cmd); });
}

}  // namespace tidemark::cli
