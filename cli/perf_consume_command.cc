// `tidemark perf consume`: reads a topic from the earliest offset with decoding, through
// consumer::EventConsumer (the path of `tidemark consume --output none`), and prints
// kafka-consumer-perf-test's CSV columns. With -b embedded (the default) it first produces
// --messages lab events into an in-process broker (not timed), so a run needs nothing else.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "consume_support.h"
#include "produce_options.h"  // tune_allocator_for_producing, FilePtr
#include "startup_flags.h"
#include "tidemark/consumer/event_consumer.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/metadata.h"
#include "tidemark/perf/kafka_bench.h"

namespace tidemark::cli {

namespace {

using perf::SteadyClock;
using SystemClock = std::chrono::system_clock;

constexpr std::uint64_t kDefaultEmbeddedMessages = 1000000;
constexpr const char* kHeader =
    "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
    "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
constexpr const char* kDetailedHeader =
    "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
    "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

struct PerfConsumeFlags {
  std::string topic;
  std::string messages;
  std::string bootstrap = "embedded";
  std::string event = "lab";
  std::string format = "json";
  std::string partitions;
  std::string compression;
  bool no_headers = false;
  std::string seed;
  bool show_detailed_stats = false;
  std::string reporting_interval;
  bool hide_header = false;
  std::vector<std::string> x_options;
  std::string properties_file;
  std::string stats_json;
  // kafka-consumer-perf-test flags that do not apply (refused with the reason).
  bool from_latest = false;
  std::string group;
  std::string timeout;
};

// kafka-consumer-perf-test's default --date-format, yyyy-MM-dd HH:mm:ss:SSS, in local time.
std::string format_time(SystemClock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d:%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

double mb_of(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }
double per_s(double v, double ms) { return ms > 0 ? v * 1000.0 / ms : 0; }

// Seeds the embedded broker's topic with `count` events (not timed). Returns a line for stderr.
core::Result<std::string> seed_topic(const Context& ctx, const PerfConsumeFlags& f,
                                     const std::string& bootstrap, std::uint64_t count,
                                     core::EventType type,
                                     const serializers::Serializer* serializer, std::uint64_t seed,
                                     const std::atomic<bool>* stop) {
  (void)ctx;
  perf::ProduceRun run;
  run.options.type = type;
  run.options.serializer = serializer;
  run.options.topic = f.topic;
  run.options.key = producer::KeySpec::default_for(type);
  run.options.seed = seed;
  run.options.count = count;
  run.options.tidemark_headers = !f.no_headers;
  const std::string codec = f.compression.empty() ? "lz4" : f.compression;
  TIDEMARK_RETURN_IF_ERROR(run.config.set_override("compression.type", codec, "-z"));
  // Records without a key go to one partition per 10 ms (librdkafka's sticky partitioner), so a
  // partition can get half of them and overflow the embedded broker's 5 MiB; the seeding (not
  // timed) spreads them one by one instead.
  TIDEMARK_RETURN_IF_ERROR(
      run.config.set_override("sticky.partitioning.linger.ms", "0", "perf consume"));
  run.bootstrap = bootstrap;
  run.stop = stop;
  core::Result<perf::ProduceOutcome> out = perf::produce_events(std::move(run));
  if (!out.ok()) return out.status().with_context("seeding the embedded broker");
  const producer::ProducerStats& s = out->stats;
  if (s.interrupted) return core::Status(core::StatusCode::kCancelled, "interrupted");
  if (s.failed > 0 || s.acked != count) {
    return core::Status(core::StatusCode::kKafka,
                        "seeding the embedded broker: " + std::to_string(s.acked) + " of " +
                            std::to_string(count) + " records acknowledged" +
                            (s.first_errors.empty() ? "" : ": " + s.first_errors.front()));
  }
  if (!out->dropped_by_broker.empty()) {
    std::int64_t dropped = 0;
    for (const auto& [partition, n] : out->dropped_by_broker) dropped += n;
    return core::invalid_argument(
        "the embedded broker kept only " +
        std::to_string(static_cast<std::int64_t>(count) - dropped) + " of the " +
        std::to_string(count) +
        " records (it keeps 5 MiB or 100,000 batches per partition): give more --partitions, a "
        "stronger -z, or fewer --messages");
  }
  return "tidemark: seeded " + std::to_string(count) + " " +
         std::string(core::event_type_name(type)) + " events as " +
         std::string(serializer->name()) + " (" + codec + ", " +
         (f.no_headers ? "no headers" : "tidemark's headers") + ") in " + fixed(s.elapsed_s, 2) +
         " s (not timed)";
}

int run_perf_consume(Context& ctx, const PerfConsumeFlags& f, CLI::App& cmd) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  // kafka-consumer-perf-test's flags that do not fit how tidemark reads.
  if (f.from_latest) {
    return report_error(core::invalid_argument(
        "--from-latest: perf consume reads the topic from the earliest offset (use `tidemark "
        "consume --startup-mode latest-offset --output none` to read only new records)"));
  }
  if (given("--group")) {
    return report_error(bad_flag("--group", f.group,
                                 "perf consume assigns the partitions itself, as kcat -C and "
                                 "Flink do, and joins no group (rebalance.time.ms is the time "
                                 "spent planning the offsets)"));
  }
  if (given("--timeout")) {
    return report_error(bad_flag("--timeout", f.timeout,
                                 "perf consume stops at the end offsets read before reading "
                                 "(exit 3 when fewer than --messages are there), never on a "
                                 "quiet spell"));
  }

  // ---- what to read ----
  if (f.topic.empty()) return report_error(core::invalid_argument("-t/--topic is required"));
  if (core::Status st = kafka::validate_topic_name(f.topic); !st.ok()) {
    return report_error(core::invalid_argument("-t/--topic: " + st.message()));
  }
  const bool embedded = f.bootstrap == "embedded";
  std::optional<std::uint64_t> messages;
  if (given("--messages")) {
    core::Result<std::uint64_t> n = parse_u64_flag("--messages", f.messages);
    if (!n.ok()) return report_error(n.status());
    if (*n == 0) return report_error(bad_flag("--messages", f.messages, "must be at least 1"));
    messages = *n;
  } else if (embedded) {
    messages = kDefaultEmbeddedMessages;
  }
  core::Result<core::EventType> type = core::parse_event_type(f.event);
  if (!type.ok()) return report_error(type.status().with_context("--event"));
  core::Result<const serializers::Serializer*> serializer = ctx.registry.get(f.format);
  if (!serializer.ok()) {
    return report_error(core::invalid_argument("--format: " + serializer.status().message()));
  }
  std::uint64_t seed = 1;
  if (given("--seed")) {
    core::Result<std::uint64_t> s = parse_u64_flag("--seed", f.seed);
    if (!s.ok()) return report_error(s.status());
    seed = *s;
  }
  int partitions = 4;
  if (given("--partitions")) {
    core::Result<std::uint64_t> p = parse_u64_flag("--partitions", f.partitions);
    if (!p.ok()) return report_error(p.status());
    if (*p < 1 || *p > static_cast<std::uint64_t>(kafka::EmbeddedBroker::kMaxPartitions)) {
      return report_error(
          bad_flag("--partitions", f.partitions,
                   "must be 1.." + std::to_string(kafka::EmbeddedBroker::kMaxPartitions)));
    }
    partitions = static_cast<int>(*p);
  }
  if (!embedded) {
    for (const char* seeding : {"--partitions", "--compression", "--no-headers", "--seed"}) {
      if (given(seeding)) {
        return report_error(core::invalid_argument(
            std::string(seeding) +
            " shapes the records perf consume seeds into the embedded broker; with -b it reads "
            "the topic as it is"));
      }
    }
  } else if (given("--compression")) {
    kafka::Config probe(kafka::ClientRole::kProducer);
    if (core::Status st = probe.set_override("compression.type", f.compression, "-z"); !st.ok()) {
      return report_error(st);
    }
  }
  std::chrono::milliseconds interval(5000);
  if (given("--reporting-interval")) {
    core::Result<std::uint64_t> ms = parse_u64_flag("--reporting-interval", f.reporting_interval);
    if (!ms.ok()) return report_error(ms.status());
    if (*ms < 100) {
      return report_error(
          bad_flag("--reporting-interval", f.reporting_interval, "milliseconds, at least 100"));
    }
    if (!f.show_detailed_stats) {
      return report_error(
          core::invalid_argument("--reporting-interval applies with --show-detailed-stats"));
    }
    interval = std::chrono::milliseconds(*ms);
  }

  kafka::Config config(kafka::ClientRole::kConsumer);
  if (core::Status st =
          apply_kafka_flags(config, given("-F") ? &f.properties_file : nullptr, f.x_options);
      !st.ok()) {
    return report_error(st);
  }
  FilePtr stats_file;
  if (given("--stats-json")) {
    stats_file.reset(std::fopen(f.stats_json.c_str(), "w"));
    if (!stats_file) {
      return report_error(bad_flag("--stats-json", f.stats_json, "cannot create the file"));
    }
  }

  // ---- the broker, and the records in it ----
  const std::atomic<bool>* stop = install_stop_signals();
  tune_allocator_for_producing();
  std::string bootstrap = bootstrap_or_default(f.bootstrap, config);
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> broker =
      start_or_check_broker(config, bootstrap, f.topic, partitions, /*announce=*/false);
  if (!broker.ok()) return report_error(broker.status());
  if (embedded) {
    core::Result<std::string> seeded =
        seed_topic(ctx, f, bootstrap, *messages, *type, *serializer, seed, stop);
    if (!seeded.ok()) {
      if (seeded.status().code() == core::StatusCode::kCancelled) return report_interrupted();
      return report_error(seeded.status());
    }
    std::cerr << *seeded << "; embedded broker, topic '" << f.topic << "' with " << partitions
              << (partitions == 1 ? " partition\n" : " partitions\n");
  }

  // ---- reading ----
  consumer::ConsumeOptions o;
  o.topic = f.topic;
  o.startup.mode = consumer::StartupMode::kEarliestOffset;
  o.startup.origin = "earliest-offset";
  o.bounded.mode = consumer::BoundedMode::kLatestOffset;
  o.bounded.origin = "latest-offset";
  o.max_records = messages;
  o.decode.registry = &ctx.registry;
  if (embedded ? f.no_headers : (given("--format") || given("--event"))) {
    // Records without tidemark's headers are decoded as --format/--event say (as `tidemark
    // consume` does with them).
    o.decode.fallback_format = *serializer;
    o.decode.fallback_event = *type;
  }
  core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
      consumer::EventConsumer::create(config, bootstrap, std::move(o));
  if (!ec.ok()) return report_error(ec.status());
  const InterruptHook interrupt_hook(**ec);  // Ctrl-C ends a poll at once, as in consume

  perf::CountingSink sink;
  const SystemClock::time_point start_wall = SystemClock::now();
  const SteadyClock::time_point start = SteadyClock::now();
  // --show-detailed-stats: one line per interval (the rates over the interval), and one for the
  // rest at the end (kafka-consumer-perf-test prints none for it; a short run would show nothing).
  auto last = std::make_shared<std::pair<perf::CountingSink::Totals, SteadyClock::time_point>>(
      perf::CountingSink::Totals{}, start);
  auto detailed_line = [last](const perf::CountingSink::Totals& t, SteadyClock::time_point now) {
    const double ms = std::chrono::duration<double, std::milli>(now - last->second).count();
    const double interval_mb = mb_of(t.bytes - last->first.bytes);
    const double interval_msgs = static_cast<double>(t.records - last->first.records);
    const auto wall_now = SystemClock::now();
    std::printf("%s, 0, %.4f, %.4f, %llu, %.4f, 0, %.0f, %.4f, %.4f\n",
                format_time(wall_now).c_str(), mb_of(t.bytes), per_s(interval_mb, ms),
                static_cast<unsigned long long>(t.records), per_s(interval_msgs, ms), ms,
                per_s(interval_mb, ms), per_s(interval_msgs, ms));
    std::fflush(stdout);
    last->first = t;
    last->second = now;
  };
  if (f.show_detailed_stats) {
    if (!f.hide_header) std::cout << kDetailedHeader << "\n" << std::flush;
    sink.set_reporter(interval, detailed_line);
  }
  core::Result<consumer::ConsumePlan> plan = (*ec)->plan();
  if (!plan.ok()) return report_error(plan.status());
  std::int64_t available = 0;
  for (const consumer::PartitionPlan& p : plan->partitions) {
    available += p.range.stop ? *p.range.stop - p.range.start : 0;
  }
  const SteadyClock::time_point fetch_start = SteadyClock::now();
  consumer::ConsumeStats stats;
  const core::Status st = (*ec)->run(&*plan, sink, stop, stats);
  const SteadyClock::time_point end = SteadyClock::now();
  const SystemClock::time_point end_wall =
      start_wall + std::chrono::duration_cast<SystemClock::duration>(end - start);
  if (!st.ok()) return report_error(st);

  const perf::CountingSink::Totals& t = sink.totals();
  const double total_ms = std::chrono::duration<double, std::milli>(end - start).count();
  const double plan_ms = std::chrono::duration<double, std::milli>(fetch_start - start).count();
  const double fetch_ms = total_ms - plan_ms;
  const double mb = mb_of(t.bytes);
  const auto records = static_cast<double>(t.records);
  if (f.show_detailed_stats && t.records > last->first.records) detailed_line(t, end);
  if (!f.show_detailed_stats) {
    if (!f.hide_header) std::cout << kHeader << "\n";
    std::printf("%s, %s, %.4f, %.4f, %llu, %.4f, %.0f, %.0f, %.4f, %.4f\n",
                format_time(start_wall).c_str(), format_time(end_wall).c_str(), mb,
                per_s(mb, total_ms), static_cast<unsigned long long>(t.records),
                per_s(records, total_ms), plan_ms, fetch_ms, per_s(mb, fetch_ms),
                per_s(records, fetch_ms));
    std::fflush(stdout);
  }
  const std::uint64_t restarts = (*ec)->kafka_consumer().fetch_restarts();
  std::cerr << "tidemark: " << t.records << " records decoded from '" << f.topic << "' ("
            << plan->partitions.size() << " partitions, " << t.decode_errors
            << " decode errors) in " << fixed(fetch_ms / 1000.0, 3)
            << " s: " << fixed(per_s(records, fetch_ms), 0) << " records/s\n";
  if (t.decode_errors > 0) {
    std::cerr << "tidemark: warning: " << t.decode_errors
              << " record(s) did not decode; `tidemark consume -t " << f.topic
              << "` shows them with value_error\n";
  }

  if (stats_file) {
    std::string json = "{\"topic\":";
    append_json_string(json, f.topic);
    json += ",\"broker\":";
    append_json_string(json, embedded ? std::string("embedded") : bootstrap);
    json += ",\"partitions\":" + std::to_string(plan->partitions.size());
    json += ",\"messages\":" + (messages ? std::to_string(*messages) : std::string("null"));
    json += ",\"records\":" + std::to_string(t.records);
    json += ",\"bytes\":" + std::to_string(t.bytes);
    json += ",\"decode_errors\":" + std::to_string(t.decode_errors);
    json += ",\"rebalance_ms\":" + fixed(plan_ms, 3) + ",\"fetch_ms\":" + fixed(fetch_ms, 3);
    json += ",\"total_ms\":" + fixed(total_ms, 3);
    json += ",\"records_per_s\":" + fixed(per_s(records, total_ms), 1);
    json += ",\"mb_per_s\":" + fixed(per_s(mb, total_ms), 4);
    json += ",\"fetch_records_per_s\":" + fixed(per_s(records, fetch_ms), 1);
    json += ",\"fetch_mb_per_s\":" + fixed(per_s(mb, fetch_ms), 4);
    json += ",\"fetch_restarts\":" + std::to_string(restarts);
    json += "}\n";
    std::FILE* out = stats_file.release();
    const bool written = std::fwrite(json.data(), 1, json.size(), out) == json.size();
    if (std::fclose(out) != 0 || !written) {
      return report_error(
          {core::StatusCode::kIo, "--stats-json " + core::quoted(f.stats_json) + ": cannot write"});
    }
  }

  const std::string fewer = "the topic had " + std::to_string(available) + " records to read";
  return exit_code_for_end(stats, messages, {.count_flag = "--messages", .short_reason = fewer});
}

}  // namespace

void install_perf_consume(CLI::App& perf, Context& ctx) {
  auto flags = std::make_shared<PerfConsumeFlags>();
  auto* cmd = perf.add_subcommand(
      "consume",
      "Read a topic from the earliest offset with decoding (tidemark consume's path) and print "
      "kafka-consumer-perf-test's columns; on the embedded broker, seeded first, by default");
  cmd->add_option("-t,--topic", flags->topic, "Topic to read (required)");
  cmd->add_option("--messages", flags->messages,
                  "Records to read (kafka-consumer-perf-test's --messages); default 1000000 with "
                  "the embedded broker (that many are seeded), else every record up to the end "
                  "offsets read at the start");
  cmd->add_option("-b,--bootstrap,--bootstrap-server", flags->bootstrap,
                  "Bootstrap servers; 'embedded' (the default here) starts an in-process broker "
                  "and seeds the topic first")
      ->default_str("embedded");
  cmd->add_option("--event", flags->event,
                  "Event type seeded (-b embedded); with -b, the fallback for records without "
                  "tidemark's headers (as tidemark consume --event)")
      ->default_str("lab");
  cmd->add_option("--format", flags->format,
                  "Format seeded (-b embedded); with -b, the fallback decoder for records "
                  "without a content-type header (as tidemark consume --format)")
      ->default_str("json");
  cmd->add_option("--partitions", flags->partitions,
                  "With -b embedded: partitions of the seeded topic (default 4)");
  cmd->add_option("-z,--compression", flags->compression,
                  "With -b embedded: compression.type of the seeded records (default lz4, so a "
                  "million lab events fit the embedded broker's 5 MiB per partition)");
  cmd->add_flag("--no-headers", flags->no_headers,
                "With -b embedded: seed records without tidemark's headers (as kcat and the "
                "lab's Python producer send them); they are decoded by --format and --event");
  cmd->add_option("--seed", flags->seed, "With -b embedded: generator seed (default 1)");
  cmd->add_flag("--show-detailed-stats", flags->show_detailed_stats,
                "Print a line every --reporting-interval instead of the final summary "
                "(kafka-consumer-perf-test's detailed columns; rates over the interval)");
  cmd->add_option("--reporting-interval", flags->reporting_interval,
                  "Milliseconds between detailed lines (default 5000)");
  cmd->add_flag("--hide-header", flags->hide_header, "Print the values without the header line");
  cmd->add_option("-X,--consumer-props", flags->x_options,
                  "librdkafka consumer property key=value (repeatable)");
  cmd->add_option("-F,--consumer.config", flags->properties_file,
                  "Java-style consumer properties file");
  cmd->add_option("--stats-json", flags->stats_json,
                  "Also write the result as JSON (records, bytes, times, rates, fetch restarts)");
  cmd->add_flag("--from-latest", flags->from_latest,
                "Not supported: perf consume reads from "
                "the earliest offset")
      ->group("");
  cmd->add_option("--group", flags->group, "Not supported: no group is joined")->group("");
  cmd->add_option("--timeout", flags->timeout, "Not supported: the run ends at the end offsets")
      ->group("");
  cmd->footer(
      "Prints kafka-consumer-perf-test's CSV columns on stdout: start.time, end.time, "
      "data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
      "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec. MB are key + value bytes (MiB, as Kafka's "
      "tool counts them); times are local, in its default yyyy-MM-dd HH:mm:ss:SSS.\n"
      "Every record is decoded (content-type and tidemark-event-type headers, else --format and "
      "--event) exactly as `tidemark consume --output none` does; decode errors are counted.\n"
      "The partitions are assigned, as kcat -C and Flink do, not joined through a group: "
      "rebalance.time.ms is the time spent reading the watermark offsets and planning where "
      "each partition starts and stops; fetch.time.ms runs from there to the last record.\n"
      "Reading stops at the end offsets read before it starts (kcat -e, Flink's latest-offset "
      "bounded mode) or after --messages records.\n"
      "Examples:\n"
      "  tidemark perf consume -t perf-test                      # seeds 1,000,000 lab events\n"
      "  tidemark perf consume -t test-topic -b localhost:9092 --messages 500000\n"
      "  tidemark perf consume -t web --event web --format protobuf --show-detailed-stats\n"
      "Exit codes: 0 done, 1 runtime failure, 2 bad flags, 3 fewer than --messages records were "
      "there, 130 Ctrl-C.");
  cmd->callback([&ctx, flags, cmd] { ctx.exit_code = run_perf_consume(ctx, *flags, *cmd); });
}

}  // namespace tidemark::cli
