// `tidemark bench kafka`: every selected format on the real Kafka path. For each event type and
// format, N records are produced with tidemark's producer and read back, decoded, with its
// consumer (perf/kafka_bench.h does the measuring), on the embedded broker by default or any
// cluster with -b. Prints a table per event type (JSON Lines on a pipe), --json for the record.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.h"
#include "produce_options.h"  // tune_allocator_for_producing, FilePtr
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/perf/kafka_bench.h"
#include "tidemark/producer/rate_limiter.h"

namespace tidemark::cli {

namespace {

struct BenchKafkaFlags {
  std::string event = "lab";
  std::vector<std::string> formats;
  std::string bootstrap = "embedded";
  std::string compression;
  std::string rate;
  std::string count = "100000";
  std::string repeat = "1";
  std::string partitions;
  std::string seed = "1";
  bool no_headers = false;
  std::string topic_prefix = "tidemark-bench";
  std::vector<std::string> x_options;
  std::vector<std::string> producer_props;
  std::vector<std::string> consumer_props;
  std::string properties_file;
  std::string json_file;
  OutputStyle output = OutputStyle::kAuto;
};

// Enough that 100,000 records of any event type fit the embedded broker's 5 MiB per partition,
// also when librdkafka's sticky partitioner puts a quarter of the keyless lab events on one.
constexpr int kDefaultEmbeddedPartitions = 32;

core::Result<std::uint64_t> parse_count(std::string_view flag, const std::string& text,
                                        std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) {
    return core::invalid_argument(std::string(flag) + " " + core::quoted(text) +
                                  ": expected a whole number from " + std::to_string(min) + " to " +
                                  std::to_string(max));
  }
  return v;
}

std::string latency_cell(const perf::LatencySummary& s) {
  if (s.count == 0) return "-";
  return fixed(s.p50_ms, 2) + " / " + fixed(s.p99_ms, 2) + " / " + fixed(s.p999_ms, 2) + " / " +
         fixed(s.max_ms, 2);
}

void print_table_for(const std::string& event, const std::vector<perf::KafkaBenchRow>& rows,
                     const perf::KafkaBenchConfiguration& c) {
  const bool latency_mode = c.rate > 0;
  std::cout << "\n"
            << event << ": " << c.count << " records per format, "
            << (latency_mode ? "at " + fixed(c.rate, 0) + " records/s (latency mode)"
                             : std::string("as fast as possible (throughput mode)"))
            << ", " << (c.broker == "embedded" ? "embedded broker" : "-b " + c.broker)
            << (c.partitions > 0 ? ", " + std::to_string(c.partitions) + " partitions" : "")
            << ", compression " << c.compression << (c.tidemark_headers ? "" : ", no headers")
            << (c.repeat > 1 ? "; medians of " + std::to_string(c.repeat) +
                                   " runs with (min-max), latencies the medians of each percentile"
                             : std::string())
            << "\n";
  std::vector<std::string> header = {
      "FORMAT",
      "PAYLOAD B/REC",
      "WIRE B/REC",
      "PRODUCE REC/S",
      "PRODUCE MB/S",
      "CONSUME REC/S",
      "CONSUME MB/S",
      latency_mode ? "END-TO-END MS p50/p99/p99.9/max" : "DELIVERY MS p50/p99/p99.9/max",
      "READ BACK"};
  const std::vector<bool> right = {false, true, true, true, true, true, true, true, true};
  std::vector<std::vector<std::string>> table;
  auto rate_cell = [&c](const perf::Spread& v, int digits) {
    return c.repeat > 1 ? fixed(v.median, digits) + " (" + fixed(v.min, digits) + "-" +
                              fixed(v.max, digits) + ")"
                        : fixed(v.median, digits);
  };
  for (const perf::KafkaBenchRow& row : rows) {
    if (row.event != event) continue;
    const perf::KafkaBenchSummary sum = perf::summarize(row);
    table.push_back({row.format, fixed(sum.payload_bytes_per_record, 1),
                     sum.wire_bytes_per_record < 0 ? "-" : fixed(sum.wire_bytes_per_record, 1),
                     rate_cell(sum.produce_records_per_s, 0), rate_cell(sum.produce_mb_per_s, 2),
                     rate_cell(sum.consume_records_per_s, 0), rate_cell(sum.consume_mb_per_s, 2),
                     latency_cell(sum.latency.summary),
                     std::to_string(sum.consumed) + "/" + std::to_string(sum.sent)});
  }
  print_table(header, table, right);
}

void print_json_line(const perf::KafkaBenchRow& row) {
  const perf::KafkaBenchSummary sum = perf::summarize(row);
  std::string line = "{\"event\":";
  append_json_string(line, row.event);
  line += ",\"format\":";
  append_json_string(line, row.format);
  line +=
      ",\"runs\":" + std::to_string(row.runs.size()) + ",\"sent\":" + std::to_string(sum.sent) +
      ",\"consumed\":" + std::to_string(sum.consumed) +
      ",\"decode_errors\":" + std::to_string(sum.decode_errors) +
      ",\"complete\":" + (sum.complete ? "true" : "false") +
      ",\"payload_bytes_per_record\":" + fixed(sum.payload_bytes_per_record, 2) +
      ",\"wire_bytes_per_record\":" +
      (sum.wire_bytes_per_record < 0 ? std::string("null") : fixed(sum.wire_bytes_per_record, 2));
  line += ",\"produce_records_per_s\":" + fixed(sum.produce_records_per_s.median, 1) +
          ",\"produce_mb_per_s\":" + fixed(sum.produce_mb_per_s.median, 3) +
          ",\"consume_records_per_s\":" + fixed(sum.consume_records_per_s.median, 1) +
          ",\"consume_mb_per_s\":" + fixed(sum.consume_mb_per_s.median, 3);
  line +=
      std::string(",\"latency\":\"") + (sum.latency.end_to_end ? "end_to_end" : "delivery") + "\"";
  line += ",\"p50_ms\":" + fixed(sum.latency.summary.p50_ms, 3) +
          ",\"p99_ms\":" + fixed(sum.latency.summary.p99_ms, 3) +
          ",\"p999_ms\":" + fixed(sum.latency.summary.p999_ms, 3) +
          ",\"max_ms\":" + fixed(sum.latency.summary.max_ms, 3) + "}";
  std::cout << line << "\n" << std::flush;
}

int run_bench_kafka(Context& ctx, const BenchKafkaFlags& f, CLI::App& cmd) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };

  // ---- what to measure ----
  std::vector<core::EventType> types;
  if (f.event == "all") {
    types.assign(core::kAllEventTypes.begin(), core::kAllEventTypes.end());
  } else {
    core::Result<core::EventType> type = core::parse_event_type(f.event);
    if (!type.ok()) {
      return report_error(core::invalid_argument("--event " + core::quoted(f.event) +
                                                 ": use lab, web, taxi or all"));
    }
    types = {*type};
  }
  std::vector<const serializers::Serializer*> formats;
  if (f.formats.empty()) {
    for (const auto& s : ctx.registry.all()) formats.push_back(s.get());
  } else {
    for (const std::string& name : f.formats) {
      core::Result<const serializers::Serializer*> s = ctx.registry.get(name);
      if (!s.ok()) return report_error(core::invalid_argument("--format: " + s.status().message()));
      for (const serializers::Serializer* known : formats) {
        if (known == *s) {
          return report_error(
              core::invalid_argument("--format " + core::quoted(name) + ": listed twice"));
        }
      }
      formats.push_back(*s);
    }
  }
  core::Result<std::uint64_t> count = parse_count("-c/--count", f.count, 1, 100000000);
  if (!count.ok()) return report_error(count.status());
  double rate = 0;
  if (given("--rate")) {
    core::Result<double> r = producer::parse_rate(f.rate);
    if (!r.ok()) return report_error(r.status().with_context("--rate"));
    if (*r <= 0) {
      return report_error(core::invalid_argument(
          "--rate " + core::quoted(f.rate) +
          ": latency mode needs a rate above 0 (leave --rate out for throughput mode)"));
    }
    rate = *r;
  }
  core::Result<std::uint64_t> repeat = parse_count("--repeat", f.repeat, 1, 1000);
  if (!repeat.ok()) return report_error(repeat.status());
  core::Result<std::uint64_t> seed =
      parse_count("--seed", f.seed, 0, std::numeric_limits<std::uint64_t>::max());
  if (!seed.ok()) return report_error(seed.status());
  if (core::Status st = kafka::validate_topic_name(f.topic_prefix + "-lab-json-0"); !st.ok()) {
    return report_error(core::invalid_argument("--topic-prefix: " + st.message()));
  }
  const bool embedded = f.bootstrap == "embedded";
  int partitions = embedded ? kDefaultEmbeddedPartitions : -1;
  if (given("--partitions")) {
    core::Result<std::uint64_t> p =
        parse_count("--partitions", f.partitions, 1,
                    static_cast<std::uint64_t>(kafka::EmbeddedBroker::kMaxPartitions));
    if (!p.ok()) return report_error(p.status());
    if (!embedded) {
      return report_error(core::invalid_argument(
          "--partitions applies only with -b embedded (a cluster creates the topics with its "
          "own default)"));
    }
    partitions = static_cast<int>(*p);
  }

  // ---- clients ----
  kafka::Config producer_config(kafka::ClientRole::kProducer);
  kafka::Config consumer_config(kafka::ClientRole::kConsumer);
  for (kafka::Config* config : {&producer_config, &consumer_config}) {
    std::vector<std::string> props = f.x_options;
    const std::vector<std::string>& own =
        config == &producer_config ? f.producer_props : f.consumer_props;
    props.insert(props.end(), own.begin(), own.end());
    if (core::Status st =
            apply_kafka_flags(*config, given("-F") ? &f.properties_file : nullptr, props);
        !st.ok()) {
      return report_error(st);
    }
  }
  // librdkafka 2.0.2's mock cluster answers a fetch that finds no new records only after
  // fetch.wait.max.ms (500 ms by default), even when records arrive meanwhile; a real broker
  // answers as soon as fetch.min.bytes are there. On the embedded broker the consumer therefore
  // asks again every 10 ms, or latency mode would measure the mock's wait.
  if (embedded && !consumer_config.get("fetch.wait.max.ms")) {
    if (core::Status st =
            consumer_config.set_override("fetch.wait.max.ms", "10", "the embedded broker");
        !st.ok()) {
      return report_error(st);
    }
  }
  const std::string compression = given("--compression") ? f.compression : "none";
  if (core::Status st = producer_config.set_override("compression.type", compression, "-z");
      !st.ok()) {
    return report_error(st);
  }
  FilePtr json_file;
  if (given("--json")) {
    json_file.reset(std::fopen(f.json_file.c_str(), "w"));
    if (!json_file) {
      return report_error(core::invalid_argument("--json " + core::quoted(f.json_file) +
                                                 ": cannot create the file"));
    }
  }

  const std::atomic<bool>* stop = install_stop_signals();
  tune_allocator_for_producing();
  std::string bootstrap = bootstrap_or_default(f.bootstrap, consumer_config);
  // Every run writes fresh topics: <prefix>-<event>-<format>-<time>.
  const std::string run_id = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  auto topic_of = [&](core::EventType type, const serializers::Serializer* format) {
    return f.topic_prefix + "-" + std::string(core::event_type_name(type)) + "-" +
           std::string(format->name()) + "-" + run_id;
  };
  const std::string first_topic =
      topic_of(types.front(), formats.front()) + (*repeat > 1 ? std::string("-1") : std::string());
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> broker = start_or_check_broker(
      consumer_config, bootstrap, first_topic, embedded ? partitions : 1, /*announce=*/false);
  if (!broker.ok()) return report_error(broker.status());

  perf::KafkaBenchConfiguration c;
  c.tidemark_version = TIDEMARK_VERSION;
  c.broker = embedded ? "embedded" : bootstrap;
  c.partitions = partitions;
  c.compression = compression;
  c.count = *count;
  c.rate = rate;
  c.seed = *seed;
  c.tidemark_headers = !f.no_headers;
  c.repeat = static_cast<int>(*repeat);

  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const bool table = use_table(f.output);
  std::vector<perf::KafkaBenchRow> rows;
  bool any_incomplete = false;
  bool interrupted = false;
  for (const core::EventType type : types) {
    for (const serializers::Serializer* format : formats) {
      rows.push_back(
          {std::string(core::event_type_name(type)), std::string(format->name()), {}, {}});
    }
  }
  // Run after run over every row, so that repetitions of a format share the machine's moods.
  const std::size_t total = rows.size() * static_cast<std::size_t>(c.repeat);
  std::size_t done_runs = 0;
  for (int run = 1; run <= c.repeat && !interrupted; ++run) {
    std::size_t index = 0;
    for (const core::EventType type : types) {
      for (const serializers::Serializer* format : formats) {
        perf::KafkaBenchRow& row = rows[index++];
        const std::string topic =
            topic_of(type, format) + (c.repeat > 1 ? "-" + std::to_string(run) : "");
        if (*broker && topic != first_topic) {
          if (core::Status st = (*broker)->create_topic(topic, partitions); !st.ok()) {
            return report_error(st);
          }
        }
        if (tty) {
          std::fprintf(stderr, "\r\033[K[%zu/%zu] %s as %s", ++done_runs, total, row.event.c_str(),
                       row.format.c_str());
          std::fflush(stderr);
        }
        perf::KafkaBenchOptions o;
        o.registry = &ctx.registry;
        o.format = format;
        o.event = type;
        o.count = *count;
        o.rate = rate;
        o.seed = *seed;
        o.tidemark_headers = !f.no_headers;
        o.topic = topic;
        o.producer_config = producer_config;
        o.consumer_config = consumer_config;
        o.bootstrap = bootstrap;
        o.stop = stop;
        core::Result<perf::KafkaBenchResult> r = perf::run_kafka_bench(o);
        if (tty) std::fputs("\r\033[K", stderr);
        if (!r.ok()) {
          return report_error(r.status().with_context(row.event + " as " + row.format));
        }
        row.topics.push_back(topic);
        row.runs.push_back(std::move(*r));
        const perf::KafkaBenchResult& done = row.runs.back();
        if (done.interrupted || stop_requested()) {
          interrupted = true;
          break;
        }
        if (!done.complete()) {
          any_incomplete = true;
          const producer::ProducerStats& s = done.produce.stats;
          std::cerr << "tidemark: warning: " << row.event << " as " << row.format << ": " << s.acked
                    << " of " << s.sent << " records acknowledged, " << done.consumed
                    << " read back";
          if (!done.produce.dropped_by_broker.empty()) {
            std::int64_t dropped = 0;
            for (const auto& [p, n] : done.produce.dropped_by_broker) dropped += n;
            std::cerr << "; the broker dropped " << dropped
                      << " from the start of its partitions (the embedded broker keeps 5 MiB or "
                         "100,000 batches per partition: give more --partitions, -z lz4, or a "
                         "smaller -c)";
          }
          if (!s.first_errors.empty()) std::cerr << "; first error: " << s.first_errors.front();
          std::cerr << "\n";
        }
      }
      if (interrupted) break;
    }
  }
  // Rows that never ran (an interruption) are left out.
  std::erase_if(rows, [](const perf::KafkaBenchRow& row) { return row.runs.empty(); });
  if (!table) {
    for (const perf::KafkaBenchRow& row : rows) print_json_line(row);
  }
  if (table) {
    for (const core::EventType type : types) {
      print_table_for(std::string(core::event_type_name(type)), rows, c);
    }
  }
  if (json_file) {
    const std::string json = perf::kafka_bench_json(c, rows);
    std::FILE* out = json_file.release();
    const bool written = std::fwrite(json.data(), 1, json.size(), out) == json.size();
    if (std::fclose(out) != 0 || !written) {
      return report_error(
          {core::StatusCode::kIo, "--json " + core::quoted(f.json_file) + ": cannot write"});
    }
  }
  if (interrupted) return report_interrupted();
  return any_incomplete ? kExitFailure : kExitOk;
}

}  // namespace

void install_bench_kafka(CLI::App& bench, Context& ctx) {
  auto flags = std::make_shared<BenchKafkaFlags>();
  auto* cmd = bench.add_subcommand(
      "kafka",
      "Every format through a broker and back: produce and consume rates, bytes on the wire, "
      "latency percentiles");
  cmd->add_option("--event", flags->event, "lab, web, taxi or all")->default_str("lab");
  cmd->add_option("--format", flags->formats,
                  "Formats to compare, comma-separated or repeated (default: every format of "
                  "`tidemark formats`)")
      ->delimiter(',');
  cmd->add_option("-b,--bootstrap", flags->bootstrap,
                  "Bootstrap servers; 'embedded' (the default here) starts an in-process broker")
      ->default_str("embedded");
  cmd->add_option("-z,--compression", flags->compression,
                  "The producer's compression.type: none (default), gzip, snappy, lz4, zstd; "
                  "WIRE B/REC shows what it saves");
  cmd->add_option("--rate", flags->rate,
                  "Latency mode: send at this many records per second while a consumer reads, "
                  "and measure each record from its intended send time (so a stall shows in the "
                  "percentiles); without it, throughput mode");
  cmd->add_option("-c,--count", flags->count, "Records per format (and run)")
      ->default_str("100000");
  cmd->add_option("--repeat", flags->repeat,
                  "Runs per format, each on a fresh topic, all formats once per run; rates are "
                  "medians with (min-max), latencies the median of each percentile")
      ->default_str("1");
  cmd->add_option("--partitions", flags->partitions,
                  "With -b embedded: partitions of each topic (default 32, so 100,000 records of "
                  "any event type fit its 5 MiB per partition)");
  cmd->add_option("--seed", flags->seed, "Generator seed (the same records for every format)")
      ->default_str("1");
  cmd->add_flag("--no-headers", flags->no_headers,
                "Send no tidemark headers (the consumer decodes by the format and event under "
                "test); about twice the produce rate with librdkafka 2.0.2");
  cmd->add_option("--topic-prefix", flags->topic_prefix,
                  "Topics are PREFIX-EVENT-FORMAT-<epoch ms>, fresh for every run")
      ->default_str("tidemark-bench");
  cmd->add_option("-X", flags->x_options,
                  "librdkafka property key=value for both clients (repeatable)");
  cmd->add_option("--producer-props", flags->producer_props,
                  "librdkafka property key=value for the producer only (repeatable)");
  cmd->add_option("--consumer-props", flags->consumer_props,
                  "librdkafka property key=value for the consumer only (repeatable)");
  cmd->add_option("-F", flags->properties_file, "Java-style client properties file (both clients)");
  cmd->add_option("--json", flags->json_file,
                  "Write every row and the run's configuration (broker, compression, mode, "
                  "machine, library versions) as JSON");
  add_output_option(*cmd, flags->output);
  cmd->footer(
      "For each event type and format: N records generated and serialized by tidemark's "
      "producer (idempotent, acks=all), sent through the broker, then read back and decoded by "
      "tidemark's consumer (the path of `tidemark consume`).\n"
      "Throughput mode (no --rate): produce as fast as possible (PRODUCE REC/S from the first "
      "record to the last acknowledgement), then read the topic from the start (CONSUME REC/S "
      "over the read); latency is the delivery latency, send to acknowledgement.\n"
      "Latency mode (--rate N): a consumer reads while the producer sends at N records/s; "
      "END-TO-END runs from each record's intended send time (the rate schedule, start + seq / "
      "N) to the moment the consumer handed it over decoded. A stall anywhere delays every record "
      "scheduled during it, and that shows (coordinated omission avoided).\n"
      "PAYLOAD B/REC is the serialized value; WIRE B/REC what the producer sent to the brokers "
      "(librdkafka's txbytes: record batches after -z compression, with headers, keys and request "
      "framing) per record. READ BACK counts the records consumed of those sent.\n"
      "With -b embedded the consumer's fetch.wait.max.ms is 10 ms: librdkafka 2.0.2's mock "
      "cluster holds a fetch that finds nothing new for the whole wait, even when records arrive "
      "meanwhile (a real broker answers at once).\n"
      "Examples:\n"
      "  tidemark bench kafka\n"
      "  tidemark bench kafka --event web --format json,protobuf -z lz4\n"
      "  tidemark bench kafka --event all --rate 20000 -c 100000 --json kafka.json\n"
      "  tidemark bench kafka -b localhost:9092 --event taxi\n"
      "Exit codes: 0 done, 1 a round trip was incomplete or failed, 2 bad flags, 130 Ctrl-C.");
  cmd->callback([&ctx, flags, cmd] { ctx.exit_code = run_bench_kafka(ctx, *flags, *cmd); });
}

}  // namespace tidemark::cli
