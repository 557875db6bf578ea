// `tidemark produce`: seeded lab, web or taxi events (or the trips of a green-taxi CSV file),
// serialized in any registered format, produced to Kafka (or written out with --dry-run). The
// loop itself is producer::EventProducer; this file turns flags into its options, sets up the
// Kafka client (or the embedded broker), handles Ctrl-C/SIGTERM and prints the summary.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "cli_common.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/metadata.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/producer/clock.h"
#include "tidemark/producer/csv_reader.h"
#include "tidemark/producer/disorder.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/producer/rate_limiter.h"
#include "tidemark/producer/retention_check.h"
#include "tidemark/producer/sharding.h"

namespace tidemark::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<kafka::Producer*> g_producer{nullptr};

extern "C" void on_stop_signal(int signal_number) {
  (void)signal_number;
  g_stop.store(true);
  if (kafka::Producer* p = g_producer.load()) p->interrupt();
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

struct ProduceFlags {
  std::string topic;
  std::string event = "lab";
  std::string format = "json";
  std::string seed;
  std::string clock = "wall";
  std::string start;
  std::string speed;
  std::string record_timestamp = "event";
  std::string rate;
  std::string count;
  std::string duration;
  std::string instance;
  std::string from_csv;
  std::string on_bad_row = "fail";
  std::string key_field;
  std::string key;
  std::vector<std::string> headers;
  std::string out_of_order;
  std::string late_fraction;
  std::string late_by;
  std::string idle_partition;
  std::string idle_after;
  std::string manifest;
  std::vector<std::string> x_options;
  std::string properties_file;
  std::string compression;
  std::string bootstrap;
  std::string partitions;
  std::string stats_json;
  bool dry_run = false;
  std::string csv_out;
};

core::Status bad_flag(std::string_view flag, const std::string& value, std::string_view what) {
  return core::invalid_argument(std::string(flag) + " " + core::quoted(value) + ": " +
                                std::string(what));
}

core::Result<std::uint64_t> parse_u64_flag(std::string_view flag, const std::string& text) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return bad_flag(flag, text, "not a non-negative whole number");
  }
  return v;
}

std::int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_count(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

int run_produce(Context& ctx, const ProduceFlags& f, CLI::App& cmd) {
  using producer::EventProducerOptions;
  EventProducerOptions o;
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };

  // ---- what to produce ----
  core::Result<core::EventType> type = core::parse_event_type(f.event);
  if (!type.ok()) return report_error(type.status().with_context("--event"));
  o.type = *type;
  core::Result<const serializers::Serializer*> serializer = ctx.registry.get(f.format);
  if (!serializer.ok()) {
    return report_error(core::invalid_argument("--format: " + serializer.status().message()));
  }
  o.serializer = *serializer;
  if (!f.dry_run || !f.topic.empty()) {
    if (f.topic.empty()) {
      return report_error(core::invalid_argument("-t/--topic is required (or use --dry-run)"));
    }
    if (core::Status st = kafka::validate_topic_name(f.topic); !st.ok()) {
      return report_error(core::invalid_argument("-t/--topic: " + st.message()));
    }
  }
  o.topic = f.topic.empty() ? "dry-run" : f.topic;

  if (given("--seed")) {
    core::Result<std::uint64_t> seed = parse_u64_flag("--seed", f.seed);
    if (!seed.ok()) return report_error(seed.status());
    o.seed = *seed;
  } else {
    std::random_device rd;
    o.seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }

  // ---- time ----
  double rate = 0;
  if (given("--rate")) {
    core::Result<double> r = producer::parse_rate(f.rate);
    if (!r.ok()) return report_error(r.status().with_context("--rate"));
    rate = *r;
  }
  o.rate = rate;
  core::Result<producer::EventClock::Kind> clock_kind = producer::parse_clock_kind(f.clock);
  if (!clock_kind.ok()) return report_error(clock_kind.status().with_context("--clock"));
  std::int64_t start_ms = 0;
  if (*clock_kind == producer::EventClock::Kind::kSimulated) {
    start_ms = wall_now_ms();
    if (given("--start")) {
      core::Result<std::int64_t> s = core::parse_time(f.start, start_ms);
      if (!s.ok()) return report_error(s.status().with_context("--start"));
      start_ms = *s;
    }
    double speed = 1.0;
    if (given("--speed")) {
      core::Result<double> sp = producer::parse_speed(f.speed);
      if (!sp.ok()) return report_error(sp.status().with_context("--speed"));
      speed = *sp;
    }
    core::Result<producer::EventClock> clock =
        producer::EventClock::simulated(start_ms, speed, rate);
    if (!clock.ok()) return report_error(clock.status().with_context("--clock simulated"));
    o.clock = *clock;
  } else if (given("--start") || given("--speed")) {
    return report_error(
        core::invalid_argument(std::string(given("--start") ? "--start" : "--speed") +
                               " applies only with --clock simulated"));
  }
  if (f.record_timestamp == "event") {
    o.record_timestamp = producer::RecordTimestamp::kEventTime;
  } else if (f.record_timestamp == "wall") {
    o.record_timestamp = producer::RecordTimestamp::kWall;
  } else {
    return report_error(bad_flag("--record-timestamp", f.record_timestamp, "use event or wall"));
  }
  if (given("--count")) {
    core::Result<std::uint64_t> c = parse_u64_flag("-c/--count", f.count);
    if (!c.ok()) return report_error(c.status());
    o.count = *c;
  }
  if (given("--duration")) {
    core::Result<std::int64_t> d = core::parse_duration(f.duration);
    if (!d.ok()) return report_error(d.status().with_context("--duration"));
    o.duration_ms = *d;
  }
  if (given("--instance")) {
    core::Result<producer::Shard> shard = producer::parse_shard(f.instance);
    if (!shard.ok()) return report_error(shard.status().with_context("--instance"));
    o.shard = *shard;
  }

  // ---- keys and headers ----
  o.key = producer::KeySpec::default_for(o.type);
  if (given("--key") && given("--key-field")) {
    return report_error(core::invalid_argument("--key and --key-field: give one of them"));
  }
  if (given("--key")) {
    core::Result<producer::KeySpec> k = producer::KeySpec::parse(o.type, f.key);
    if (!k.ok()) return report_error(k.status().with_context("--key"));
    o.key = *k;
  } else if (given("--key-field")) {
    core::Result<producer::KeySpec> k = producer::KeySpec::field(o.type, f.key_field);
    if (!k.ok()) return report_error(k.status().with_context("--key-field"));
    o.key = *k;
  }
  for (const std::string& h : f.headers) {
    const std::size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      return report_error(bad_flag("-H", h, "use NAME=VALUE"));
    }
    o.extra_headers.emplace_back(h.substr(0, eq), h.substr(eq + 1));
  }

  // ---- disorder ----
  if (given("--out-of-order")) {
    core::Result<std::int64_t> d = core::parse_duration(f.out_of_order);
    if (!d.ok()) return report_error(d.status().with_context("--out-of-order"));
    o.disorder.out_of_order_ms = *d;
  }
  if (given("--late-by")) {
    core::Result<std::pair<std::int64_t, std::int64_t>> range = producer::parse_range(f.late_by);
    if (!range.ok()) return report_error(range.status().with_context("--late-by"));
    o.disorder.late_min_ms = range->first;
    o.disorder.late_max_ms = range->second;
  }
  if (given("--late-fraction")) {
    core::Result<double> fr = producer::parse_fraction(f.late_fraction);
    if (!fr.ok()) return report_error(fr.status().with_context("--late-fraction"));
    o.disorder.late_fraction = *fr;
  }
  if (given("--late-fraction") != given("--late-by")) {
    return report_error(core::invalid_argument(given("--late-fraction")
                                                   ? "--late-fraction needs --late-by MIN..MAX"
                                                   : "--late-by needs --late-fraction F"));
  }
  o.disorder.seed = o.seed;
  if (core::Status st = producer::validate(o.disorder); !st.ok()) {
    return report_error(core::invalid_argument(st.message()));
  }
  std::optional<producer::IdlePartition> idle;
  if (given("--idle-partition") != given("--idle-after")) {
    return report_error(core::invalid_argument(given("--idle-partition")
                                                   ? "--idle-partition needs --idle-after D"
                                                   : "--idle-after needs --idle-partition P"));
  }
  if (given("--idle-partition")) {
    core::Result<std::uint64_t> p = parse_u64_flag("--idle-partition", f.idle_partition);
    if (!p.ok()) return report_error(p.status());
    if (*p >= static_cast<std::uint64_t>(kafka::EmbeddedBroker::kMaxPartitions)) {
      return report_error(bad_flag("--idle-partition", f.idle_partition, "no such partition"));
    }
    core::Result<std::int64_t> d = core::parse_duration(f.idle_after);
    if (!d.ok()) return report_error(d.status().with_context("--idle-after"));
    if (f.dry_run) {
      return report_error(core::invalid_argument(
          "--idle-partition needs Kafka: partitions are the broker's (drop --dry-run)"));
    }
    idle = producer::IdlePartition{static_cast<std::int32_t>(*p), *d, 0, {}};
  }

  // ---- inputs and outputs ----
  std::unique_ptr<producer::TaxiCsvSource> csv_source;
  if (given("--on-bad-row") && !given("--from-csv")) {
    return report_error(core::invalid_argument("--on-bad-row applies only with --from-csv"));
  }
  if (given("--from-csv")) {
    if (o.type != core::EventType::kTaxi) {
      return report_error(core::invalid_argument("--from-csv reads taxi trips: use --event taxi"));
    }
    core::Result<producer::BadRowPolicy> policy = producer::parse_bad_row_policy(f.on_bad_row);
    if (!policy.ok()) return report_error(policy.status().with_context("--on-bad-row"));
    producer::TaxiCsvOptions csv_options;
    csv_options.on_bad_row = *policy;
    core::Result<std::unique_ptr<producer::TaxiCsvSource>> src =
        producer::TaxiCsvSource::open(f.from_csv, csv_options);
    if (!src.ok()) {
      // A file that cannot be opened or has no green-taxi header is a bad flag value.
      return report_error(core::invalid_argument("--from-csv: " + src.status().message()));
    }
    csv_source = std::move(*src);
    o.csv_source = csv_source.get();
  }
  std::unique_ptr<producer::TaxiCsvWriter> csv_writer;
  if (given("--csv-out")) {
    if (!f.dry_run) return report_error(core::invalid_argument("--csv-out needs --dry-run"));
    if (o.type != core::EventType::kTaxi) {
      return report_error(core::invalid_argument("--csv-out writes taxi trips: use --event taxi"));
    }
  }
  const bool kafka_flags = given("-X") || given("-F") || given("--compression") ||
                           given("--bootstrap") || given("--partitions");
  if (f.dry_run && kafka_flags) {
    return report_error(core::invalid_argument(
        "--dry-run does not talk to Kafka: drop -b, -X, -F, -z and --partitions"));
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
    if (f.bootstrap != "embedded") {
      return report_error(core::invalid_argument("--partitions applies only with -b embedded"));
    }
    partitions = static_cast<int>(*p);
  }

  kafka::Config config(kafka::ClientRole::kProducer);
  std::string bootstrap;
  if (!f.dry_run) {
    if (given("-F")) {
      if (core::Status st = config.load_properties_file(f.properties_file); !st.ok()) {
        return report_error(st.code() == core::StatusCode::kInvalidArgument
                                ? st
                                : core::invalid_argument("-F: " + st.message()));
      }
    }
    for (const std::string& x : f.x_options) {
      if (core::Status st = config.apply_x_option(x); !st.ok()) return report_error(st);
    }
    if (given("--compression")) {
      if (core::Status st = config.set_override("compression.type", f.compression, "-z");
          !st.ok()) {
        return report_error(st);
      }
    }
    bootstrap = f.bootstrap;
    if (bootstrap.empty() && !config.get("bootstrap.servers")) bootstrap = "localhost:9092";
  }

  // Everything validated: open files.
  std::FILE* manifest = nullptr;
  if (given("--manifest")) {
    manifest = std::fopen(f.manifest.c_str(), "w");
    if (manifest == nullptr) {
      return report_error(core::invalid_argument("--manifest " + core::quoted(f.manifest) +
                                                 ": cannot create the file (" +
                                                 std::strerror(errno) + ")"));
    }
    o.manifest = manifest;
  }
  struct FileCloser {
    std::FILE* f;
    ~FileCloser() {
      if (f != nullptr) std::fclose(f);
    }
  } manifest_closer{manifest};
  // Created now, written at the end: a path that cannot be written fails before the run.
  FileCloser stats_file{nullptr};
  if (given("--stats-json")) {
    stats_file.f = std::fopen(f.stats_json.c_str(), "w");
    if (stats_file.f == nullptr) {
      return report_error(core::invalid_argument("--stats-json " + core::quoted(f.stats_json) +
                                                 ": cannot create the file (" +
                                                 std::strerror(errno) + ")"));
    }
  }
  if (given("--csv-out")) {
    core::Result<std::unique_ptr<producer::TaxiCsvWriter>> w =
        producer::TaxiCsvWriter::create(f.csv_out);
    if (!w.ok()) return report_error(core::invalid_argument("--csv-out: " + w.status().message()));
    csv_writer = std::move(*w);
  }

  // ---- Kafka ----
  std::unique_ptr<kafka::EmbeddedBroker> embedded;
  std::unique_ptr<kafka::Producer> kafka_producer;
  std::unique_ptr<kafka::AdminClient> admin;
  std::optional<producer::RetentionCheck> retention;
  install_signal_handlers();
  if (!f.dry_run) {
    if (bootstrap == "embedded") {
      kafka::EmbeddedBrokerOptions bo;
      bo.topics.push_back({f.topic, partitions});
      core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start(bo);
      if (!b.ok()) return report_error(b.status());
      embedded = std::move(*b);
      bootstrap = embedded->bootstrap();
      std::cerr << "tidemark: embedded broker at " << bootstrap << ", topic '" << f.topic
                << "' with " << partitions << (partitions == 1 ? " partition\n" : " partitions\n");
    } else {
      core::Result<kafka::ClusterInfo> info = kafka::wait_for_broker(config, bootstrap, 5000);
      if (!info.ok()) return report_error(info.status());
    }
    core::Result<std::unique_ptr<kafka::Producer>> p = kafka::Producer::create(config, bootstrap);
    if (!p.ok()) return report_error(p.status());
    kafka_producer = std::move(*p);
    g_producer.store(kafka_producer.get());

    if (idle) {
      // The partition count decides which partitions can take P's records; asking for it is
      // what producing does first (a broker that creates topics on first use creates it now).
      core::Result<std::int32_t> count = kafka_producer->partition_count(f.topic, 10000);
      if (!count.ok()) return report_error(count.status().with_context("--idle-partition"));
      if (*count < 2) {
        return report_error(core::invalid_argument(
            "--idle-partition: topic '" + f.topic + "' has 1 partition, so nothing could take "
            "its records (use a topic with more, e.g. -b embedded --partitions 4)"));
      }
      if (idle->partition >= *count) {
        return report_error(bad_flag("--idle-partition", f.idle_partition,
                                     "topic '" + f.topic + "' has partitions 0.." +
                                         std::to_string(*count - 1)));
      }
      idle->partition_count = *count;
      kafka::Producer* kp = kafka_producer.get();
      const std::string topic = f.topic;
      const std::int32_t n = *count;
      idle->partition_of = [kp, topic, n](std::optional<std::string_view> key) {
        return kp->partition_for_key(topic, key, n);
      };
      o.idle = idle;
    }

    // Low watermark offsets before the run, to report what the broker drops during it.
    core::Result<std::unique_ptr<kafka::AdminClient>> a = kafka::AdminClient::create(config, bootstrap);
    if (a.ok()) {
      admin = std::move(*a);
      core::Result<producer::RetentionCheck> rc =
          producer::RetentionCheck::start(*admin, f.topic, 5000);
      if (rc.ok()) {
        retention.emplace(std::move(*rc));
      } else {
        std::cerr << "tidemark: note: cannot read the partitions' log start offsets, so records "
                     "the broker drops will not be reported: "
                  << rc.status().message() << "\n";
      }
    }
  }

  // ---- progress ----
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  bool progress_shown = false;
  if (tty) {
    o.progress = [&progress_shown](const producer::ProducerProgress& p) {
      const double rate_now = p.elapsed_s > 0 ? static_cast<double>(p.sent) / p.elapsed_s : 0;
      const double mb =
          p.elapsed_s > 0 ? static_cast<double>(p.bytes) / (1024.0 * 1024.0) / p.elapsed_s : 0;
      char line[256];
      std::snprintf(line, sizeof line,
                    "\rsent %llu  acked %llu  failed %llu  %s rec/s  %.2f MB/s  queue %zu      ",
                    static_cast<unsigned long long>(p.sent),
                    static_cast<unsigned long long>(p.acked),
                    static_cast<unsigned long long>(p.failed), format_count(rate_now).c_str(), mb,
                    p.in_flight);
      std::fputs(line, stderr);
      std::fflush(stderr);
      progress_shown = true;
    };
  }

  if (!given("--seed")) std::cerr << "tidemark: seed " << o.seed << "\n";
  if (*clock_kind == producer::EventClock::Kind::kSimulated && !given("--start")) {
    std::cerr << "tidemark: simulated clock starts at " << core::format_iso8601(start_ms)
              << " (--start to repeat)\n";
  }

  core::Result<std::unique_ptr<producer::EventProducer>> ep =
      producer::EventProducer::create(std::move(o));
  if (!ep.ok()) return report_error(ep.status());

  std::unique_ptr<producer::Sink> sink;
  if (kafka_producer) {
    sink = std::make_unique<producer::KafkaSink>(*kafka_producer);
  } else if (csv_writer) {
    sink = std::make_unique<producer::TaxiCsvSink>(*csv_writer);
  } else {
    static char stdout_buffer[1 << 16];
    std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    const bool json = (*serializer)->content_type().find("json") != std::string_view::npos;
    sink = std::make_unique<producer::DryRunSink>(stdout, !json);
  }

  producer::ProducerStats stats;
  const core::Status st = (*ep)->run(*sink, &g_stop, stats);
  g_producer.store(nullptr);
  if (progress_shown) std::fputs("\n", stderr);

  std::cerr << stats.summary_line() << "\n";
  std::cerr << "fingerprint " << stats.fingerprint << "\n";
  std::cerr << "seed " << stats.seed << "\n";
  if (csv_source) {
    const producer::TaxiCsvStats& cs = csv_source->stats();
    std::cerr << "csv: " << cs.rows_read << " rows read, " << cs.rows_skipped
              << " bad rows skipped\n";
    for (const std::string& e : cs.first_errors) std::cerr << "  skipped: " << e << "\n";
  }
  if (idle && stats.idle_at_ms) {
    std::cerr << "idle partition " << idle->partition << ": "
              << (stats.idle_reached ? "nothing written from event time "
                                     : "the run ended before event time ")
              << core::format_iso8601(*stats.idle_at_ms) << " (--idle-after " << f.idle_after
              << ")";
    if (stats.idle_reached) {
      std::cerr << "; " << stats.idle_redirected
                << " keyed record(s) of its keys went to other partitions "
                   "(header tidemark-redirected-from)";
    }
    std::cerr << "\n";
  }
  if (retention && stats.acked > 0) {
    core::Result<std::vector<producer::PartitionDrop>> drops =
        retention->finish(*admin, stats.acked_by_partition, 5000);
    if (!drops.ok()) {
      std::cerr << "tidemark: note: cannot check whether the broker dropped records: "
                << drops.status().message() << "\n";
    } else if (!drops->empty()) {
      for (const producer::PartitionDrop& d : *drops) {
        stats.dropped_by_broker.emplace_back(d.partition, d.dropped());
      }
      std::cerr << "tidemark: warning: " << producer::describe_drops(f.topic, *drops) << "\n";
    }
  }
  if (stats.failed > 0) {
    std::cerr << "tidemark: error: " << stats.failed << " record(s) not delivered"
              << (stats.first_errors.empty() ? "" : "; first errors:") << "\n";
    for (const std::string& e : stats.first_errors) std::cerr << "  " << e << "\n";
  }
  if (stats_file.f != nullptr) {
    const std::string json = stats.to_json() + "\n";
    const bool written = std::fwrite(json.data(), 1, json.size(), stats_file.f) == json.size();
    const bool closed = std::fclose(stats_file.f) == 0;
    stats_file.f = nullptr;
    if (!written || !closed) {
      return report_error(
          {core::StatusCode::kIo, "--stats-json " + core::quoted(f.stats_json) + ": cannot write"});
    }
  }
  if (stats.interrupted) {
    std::cerr << "tidemark: interrupted\n";
    return kExitInterrupted;
  }
  if (!st.ok()) return report_error(st);
  if (stats.failed > 0) return kExitFailure;
  return kExitOk;
}

}  // namespace

void install_produce_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<ProduceFlags>();
  auto* cmd = app.add_subcommand(
      "produce", "Produce seeded lab, web or taxi events (or a taxi CSV file) to a Kafka topic");
  cmd->add_option("-t,--topic", flags->topic, "Topic to produce to");
  cmd->add_option("--event", flags->event, "Event type: lab, web or taxi")->default_val("lab");
  cmd->add_option("--format", flags->format, "Serialization format (see `tidemark formats`)")
      ->default_val("json");
  cmd->add_option("--seed", flags->seed, "Generator seed (random and printed when not given)");
  cmd->add_option("--clock", flags->clock, "Event times: wall (default) or simulated");
  cmd->add_option("--start", flags->start,
                  "Simulated clock start: ISO-8601, epoch ms, 'now', '-1h' (default now)");
  cmd->add_option("--speed", flags->speed,
                  "Simulated clock speed: event time runs X times the pacing schedule");
  cmd->add_option("--record-timestamp", flags->record_timestamp,
                  "Kafka CreateTime: event (the event time, default) or wall");
  cmd->add_option("--rate", flags->rate,
                  "Events per second for the whole stream (all instances); 0 = unlimited");
  cmd->add_option("-c,--count", flags->count,
                  "Events in the whole stream (this instance sends its share); default: "
                  "unbounded until Ctrl-C");
  cmd->add_option("--duration", flags->duration, "Stop after this long (e.g. 30s, 5m)");
  cmd->add_option("--instance", flags->instance,
                  "i/N: this is instance i of N sharing one seeded stream");
  cmd->add_option("--from-csv", flags->from_csv,
                  "Replay the trips of a green-taxi CSV file (plain or .gz; --event taxi)");
  cmd->add_option("--on-bad-row", flags->on_bad_row,
                  "With --from-csv: fail (default) or skip bad rows (counted in the summary)");
  cmd->add_option("--key-field", flags->key_field, "Field whose value is the message key");
  cmd->add_option("--key", flags->key, "none: no key; default: the type's default key field");
  cmd->add_option("-H,--header", flags->headers, "Extra record header NAME=VALUE (repeatable)");
  cmd->add_option("--out-of-order", flags->out_of_order,
                  "Hold each event back up to D of event time (e.g. 5s)");
  cmd->add_option("--late-fraction", flags->late_fraction,
                  "Fraction of events late by design (0.05 or 5%; needs --late-by)");
  cmd->add_option("--late-by", flags->late_by, "How late those are: MIN..MAX (e.g. 30s..2m)");
  cmd->add_option("--idle-partition", flags->idle_partition,
                  "Partition P goes quiet after --idle-after D, so a Flink watermark (the minimum "
                  "over partitions) stalls until P is idle; its records go to the others");
  cmd->add_option("--idle-after", flags->idle_after,
                  "With --idle-partition: event time after the stream's start (the simulated "
                  "--start, or the run's start with the wall clock) from which P gets nothing");
  cmd->add_option("--manifest", flags->manifest,
                  "Write one JSON line per delivered event (seq, key, partition, event_time, "
                  "emitted_at, delay_ms; redirected_from with --idle-partition)");
  cmd->add_option("-X", flags->x_options, "librdkafka property key=value (repeatable)");
  cmd->add_option("-F", flags->properties_file, "Java-style client properties file");
  cmd->add_option("-z,--compression", flags->compression,
                  "compression.type: none, gzip, snappy, lz4, zstd");
  cmd->add_option("-b,--bootstrap", flags->bootstrap,
                  "Bootstrap servers (default localhost:9092); 'embedded' starts an in-process "
                  "broker");
  cmd->add_option("--partitions", flags->partitions,
                  "With -b embedded: partitions of the topic (default 4)");
  cmd->add_option("--stats-json", flags->stats_json,
                  "Write the summary as JSON (counts, rate, latencies, fingerprint, seed, acked "
                  "records per partition, records the broker dropped)");
  cmd->add_flag("--dry-run", flags->dry_run,
                "No Kafka: write the serialized events to stdout, one per line (JSON formats "
                "as they are, binary formats base64-encoded)");
  cmd->add_option("--csv-out", flags->csv_out,
                  "With --dry-run and --event taxi: write the trips as a green-taxi CSV file");
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
      "Exit codes: 0 done, 1 a delivery failed or a runtime error, 2 bad flags, 130 Ctrl-C or "
      "SIGTERM (in-flight records are flushed first).");
  cmd->callback([&ctx, flags, cmd] { ctx.exit_code = run_produce(ctx, *flags, *cmd); });
}

}  // namespace tidemark::cli
