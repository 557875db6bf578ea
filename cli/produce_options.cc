#include "produce_options.h"

#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>

#include "startup_flags.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/metadata.h"
#include "tidemark/producer/clock.h"
#include "tidemark/producer/disorder.h"
#include "tidemark/producer/rate_limiter.h"
#include "tidemark/producer/sharding.h"

namespace tidemark::cli {

namespace {

std::string format_count(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace

std::string count_flag_name(ProduceCommand which) {
  return which == ProduceCommand::kPerfProduce ? "-c/--count/--num-records" : "-c/--count";
}

std::string rate_flag_name(ProduceCommand which) {
  return which == ProduceCommand::kPerfProduce ? "--rate/--throughput" : "--rate";
}

core::Result<ProduceSetup> prepare_produce(const Context& ctx, const ProduceFlags& f,
                                           const CLI::App& cmd, ProduceCommand which) {
  ProduceSetup setup;
  producer::EventProducerOptions& o = setup.options;
  // perf produce has no --manifest, --dry-run or --csv-out: those count as not given.
  auto given = [&cmd](const char* name) {
    const CLI::Option* option = cmd.get_option_no_throw(name);
    return option != nullptr && option->count() > 0;
  };
  const bool perf = which == ProduceCommand::kPerfProduce;

  // ---- what to produce ----
  core::Result<core::EventType> type = core::parse_event_type(f.event);
  if (!type.ok()) return type.status().with_context("--event");
  o.type = *type;
  core::Result<const serializers::Serializer*> serializer = ctx.registry.get(f.format);
  if (!serializer.ok()) {
    return core::invalid_argument("--format: " + serializer.status().message());
  }
  o.serializer = *serializer;
  if (!f.dry_run || !f.topic.empty()) {
    if (f.topic.empty()) {
      return core::invalid_argument(perf ? "-t/--topic is required"
                                         : "-t/--topic is required (or use --dry-run)");
    }
    if (core::Status st = kafka::validate_topic_name(f.topic); !st.ok()) {
      return core::invalid_argument("-t/--topic: " + st.message());
    }
  }
  o.topic = f.topic.empty() ? "dry-run" : f.topic;

  setup.seed_given = given("--seed");
  if (setup.seed_given) {
    core::Result<std::uint64_t> seed = parse_u64_flag("--seed", f.seed);
    if (!seed.ok()) return seed.status();
    o.seed = *seed;
  } else {
    std::random_device rd;
    o.seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }

  // ---- time ----
  double rate = 0;
  if (given("--rate")) {
    // kafka-producer-perf-test's --throughput -1 means "no throttling", as 0 does here.
    const std::string text = perf && f.rate == "-1" ? "0" : f.rate;
    core::Result<double> r = producer::parse_rate(text);
    if (!r.ok()) return r.status().with_context(rate_flag_name(which));
    rate = *r;
  }
  o.rate = rate;
  core::Result<producer::EventClock::Kind> clock_kind = producer::parse_clock_kind(f.clock);
  if (!clock_kind.ok()) return clock_kind.status().with_context("--clock");
  if (*clock_kind == producer::EventClock::Kind::kSimulated) {
    std::int64_t start_ms = wall_now_ms();
    if (given("--start")) {
      core::Result<std::int64_t> s = core::parse_time(f.start, start_ms);
      if (!s.ok()) return s.status().with_context("--start");
      start_ms = *s;
    } else {
      setup.unannounced_start_ms = start_ms;
    }
    double speed = 1.0;
    if (given("--speed")) {
      core::Result<double> sp = producer::parse_speed(f.speed);
      if (!sp.ok()) return sp.status().with_context("--speed");
      speed = *sp;
    }
    core::Result<producer::EventClock> clock =
        producer::EventClock::simulated(start_ms, speed, rate);
    if (!clock.ok()) return clock.status().with_context("--clock simulated");
    o.clock = *clock;
  } else if (given("--start") || given("--speed")) {
    return core::invalid_argument(std::string(given("--start") ? "--start" : "--speed") +
                                  " applies only with --clock simulated");
  }
  if (f.record_timestamp == "event") {
    o.record_timestamp = producer::RecordTimestamp::kEventTime;
  } else if (f.record_timestamp == "wall") {
    o.record_timestamp = producer::RecordTimestamp::kWall;
  } else if (f.record_timestamp == "send") {
    o.record_timestamp = producer::RecordTimestamp::kSend;
  } else {
    return bad_flag("--record-timestamp", f.record_timestamp, "use event, wall or send");
  }
  if (given("--count")) {
    core::Result<std::uint64_t> c = parse_u64_flag(count_flag_name(which), f.count);
    if (!c.ok()) return c.status();
    o.count = *c;
  }
  if (given("--duration")) {
    core::Result<std::int64_t> d = core::parse_duration(f.duration);
    if (!d.ok()) return d.status().with_context("--duration");
    o.duration_ms = *d;
  }
  if (given("--instance")) {
    core::Result<producer::Shard> shard = producer::parse_shard(f.instance);
    if (!shard.ok()) return shard.status().with_context("--instance");
    o.shard = *shard;
  }

  // ---- keys and headers ----
  o.key = producer::KeySpec::default_for(o.type);
  if (given("--key") && given("--key-field")) {
    return core::invalid_argument("--key and --key-field: give one of them");
  }
  if (given("--key")) {
    core::Result<producer::KeySpec> k = producer::KeySpec::parse(o.type, f.key);
    if (!k.ok()) return k.status().with_context("--key");
    o.key = *k;
  } else if (given("--key-field")) {
    core::Result<producer::KeySpec> k = producer::KeySpec::field(o.type, f.key_field);
    if (!k.ok()) return k.status().with_context("--key-field");
    o.key = *k;
  }
  o.tidemark_headers = !f.no_headers;
  for (const std::string& h : f.headers) {
    const std::size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0) return bad_flag("-H", h, "use NAME=VALUE");
    o.extra_headers.emplace_back(h.substr(0, eq), h.substr(eq + 1));
  }

  // ---- disorder ----
  if (given("--out-of-order")) {
    core::Result<std::int64_t> d = core::parse_duration(f.out_of_order);
    if (!d.ok()) return d.status().with_context("--out-of-order");
    o.disorder.out_of_order_ms = *d;
  }
  if (given("--late-by")) {
    core::Result<std::pair<std::int64_t, std::int64_t>> range = producer::parse_range(f.late_by);
    if (!range.ok()) return range.status().with_context("--late-by");
    o.disorder.late_min_ms = range->first;
    o.disorder.late_max_ms = range->second;
  }
  if (given("--late-fraction")) {
    core::Result<double> fr = producer::parse_fraction(f.late_fraction);
    if (!fr.ok()) return fr.status().with_context("--late-fraction");
    o.disorder.late_fraction = *fr;
  }
  if (given("--late-fraction") != given("--late-by")) {
    return core::invalid_argument(given("--late-fraction")
                                      ? "--late-fraction needs --late-by MIN..MAX"
                                      : "--late-by needs --late-fraction F");
  }
  o.disorder.seed = o.seed;
  if (core::Status st = producer::validate(o.disorder); !st.ok()) {
    return core::invalid_argument(st.message());
  }
  if (given("--idle-partition") != given("--idle-after")) {
    return core::invalid_argument(given("--idle-partition")
                                      ? "--idle-partition needs --idle-after D"
                                      : "--idle-after needs --idle-partition P");
  }
  if (given("--idle-partition")) {
    core::Result<std::uint64_t> p = parse_u64_flag("--idle-partition", f.idle_partition);
    if (!p.ok()) return p.status();
    if (*p >= static_cast<std::uint64_t>(kafka::EmbeddedBroker::kMaxPartitions)) {
      return bad_flag("--idle-partition", f.idle_partition, "no such partition");
    }
    core::Result<std::int64_t> d = core::parse_duration(f.idle_after);
    if (!d.ok()) return d.status().with_context("--idle-after");
    if (f.dry_run) {
      return core::invalid_argument(
          "--idle-partition needs Kafka: partitions are the broker's (drop --dry-run)");
    }
    setup.idle = producer::IdlePartition{static_cast<std::int32_t>(*p), *d, 0, {}};
  }

  // ---- inputs and outputs ----
  if (given("--on-bad-row") && !given("--from-csv")) {
    return core::invalid_argument("--on-bad-row applies only with --from-csv");
  }
  if (given("--from-csv")) {
    if (o.type != core::EventType::kTaxi) {
      return core::invalid_argument("--from-csv reads taxi trips: use --event taxi");
    }
    core::Result<producer::BadRowPolicy> policy = producer::parse_bad_row_policy(f.on_bad_row);
    if (!policy.ok()) return policy.status().with_context("--on-bad-row");
    setup.csv_options.on_bad_row = *policy;
    core::Result<std::unique_ptr<producer::TaxiCsvSource>> src =
        producer::TaxiCsvSource::open(f.from_csv, setup.csv_options);
    if (!src.ok()) {
      // A file that cannot be opened or has no green-taxi header is a bad flag value.
      return core::invalid_argument("--from-csv: " + src.status().message());
    }
    setup.csv_source = std::move(*src);
    o.csv_source = setup.csv_source.get();
  }
  if (given("--csv-out")) {
    if (!f.dry_run) return core::invalid_argument("--csv-out needs --dry-run");
    if (o.type != core::EventType::kTaxi) {
      return core::invalid_argument("--csv-out writes taxi trips: use --event taxi");
    }
  }
  const bool kafka_flags = given("-X") || given("-F") || given("--compression") ||
                           given("--bootstrap") || given("--partitions");
  if (f.dry_run && kafka_flags) {
    return core::invalid_argument(
        "--dry-run does not talk to Kafka: drop -b, -X, -F, -z and --partitions");
  }
  if (given("--partitions")) {
    core::Result<std::uint64_t> p = parse_u64_flag("--partitions", f.partitions);
    if (!p.ok()) return p.status();
    if (*p < 1 || *p > static_cast<std::uint64_t>(kafka::EmbeddedBroker::kMaxPartitions)) {
      return bad_flag("--partitions", f.partitions,
                      "must be 1.." + std::to_string(kafka::EmbeddedBroker::kMaxPartitions));
    }
    if (f.bootstrap != "embedded") {
      return core::invalid_argument("--partitions applies only with -b embedded");
    }
    setup.partitions = static_cast<int>(*p);
  }

  if (!f.dry_run) {
    kafka::Config& config = setup.config;
    TIDEMARK_RETURN_IF_ERROR(
        apply_kafka_flags(config, given("-F") ? &f.properties_file : nullptr, f.x_options));
    if (given("--compression")) {
      TIDEMARK_RETURN_IF_ERROR(config.set_override("compression.type", f.compression, "-z"));
    }
    setup.bootstrap = bootstrap_or_default(f.bootstrap, config);
  }

  // Everything validated: open files.
  auto create = [](const std::string& path, std::string_view flag) -> core::Result<FilePtr> {
    FilePtr file(std::fopen(path.c_str(), "w"));
    if (!file) {
      return core::invalid_argument(std::string(flag) + " " + core::quoted(path) +
                                    ": cannot create the file (" + std::strerror(errno) + ")");
    }
    return file;
  };
  if (given("--manifest")) {
    core::Result<FilePtr> m = create(f.manifest, "--manifest");
    if (!m.ok()) return m.status();
    setup.manifest = std::move(*m);
    o.manifest = setup.manifest.get();
  }
  // Created now, written at the end: a path that cannot be written fails before the run.
  if (given("--stats-json")) {
    core::Result<FilePtr> st = create(f.stats_json, "--stats-json");
    if (!st.ok()) return st.status();
    setup.stats_json = std::move(*st);
  }
  if (given("--csv-out")) {
    core::Result<std::unique_ptr<producer::TaxiCsvWriter>> w =
        producer::TaxiCsvWriter::create(f.csv_out);
    if (!w.ok()) return core::invalid_argument("--csv-out: " + w.status().message());
    setup.csv_writer = std::move(*w);
  }
  return setup;
}

core::Status attach_idle_partition(const ProduceSetup& setup, kafka::Producer& producer,
                                   producer::EventProducerOptions& options) {
  if (!setup.idle) return {};
  const std::string& topic = setup.options.topic;
  // The partition count decides which partitions can take P's records; asking for it is what
  // producing does first (a broker that creates topics on first use creates it now).
  core::Result<std::int32_t> count = producer.partition_count(topic, 10000);
  if (!count.ok()) return count.status().with_context("--idle-partition");
  if (*count < 2) {
    return core::invalid_argument(
        "--idle-partition: topic '" + topic +
        "' has 1 partition, so nothing could take its records (use a topic with more, e.g. -b "
        "embedded --partitions 4)");
  }
  producer::IdlePartition idle = *setup.idle;
  if (idle.partition >= *count) {
    return bad_flag("--idle-partition", std::to_string(idle.partition),
                    "topic '" + topic + "' has partitions 0.." + std::to_string(*count - 1));
  }
  idle.partition_count = *count;
  kafka::Producer* kp = &producer;
  const std::int32_t n = *count;
  idle.partition_of = [kp, topic, n](std::optional<std::string_view> key) {
    return kp->partition_for_key(topic, key, n);
  };
  options.idle = std::move(idle);
  return {};
}

std::string idle_partition_summary(const ProduceSetup& setup, const ProduceFlags& f,
                                   const producer::ProducerStats& stats) {
  if (!setup.idle || !stats.idle_at_ms) return "";
  std::string s = "idle partition " + std::to_string(setup.idle->partition) + ": " +
                  (stats.idle_reached ? "nothing written from event time "
                                      : "the run ended before event time ") +
                  core::format_iso8601(*stats.idle_at_ms) + " (--idle-after " + f.idle_after + ")";
  if (stats.idle_reached) {
    s += "; " + std::to_string(stats.idle_redirected) +
         " keyed record(s) of its keys went to other partitions";
    s += setup.options.tidemark_headers ? " (header tidemark-redirected-from)"
                                        : " (--no-headers: see the manifest's redirected_from)";
  }
  return s;
}

void DropReport::start(const kafka::Config& config, const std::string& bootstrap,
                       const std::string& topic) {
  check_.reset();
  core::Result<std::unique_ptr<kafka::AdminClient>> a =
      kafka::AdminClient::create(config, bootstrap);
  if (!a.ok()) return;
  admin_ = std::move(*a);
  core::Result<producer::RetentionCheck> rc = producer::RetentionCheck::start(*admin_, topic, 5000);
  if (rc.ok()) {
    check_.emplace(std::move(*rc));
  } else {
    std::cerr << "tidemark: note: cannot read the partitions' log start offsets, so records the "
                 "broker drops will not be reported: "
              << rc.status().message() << "\n";
  }
}

void DropReport::finish(const std::string& topic, producer::ProducerStats& stats) {
  if (!check_ || stats.acked == 0) return;
  core::Result<std::vector<producer::PartitionDrop>> drops =
      check_->finish(*admin_, stats.acked_by_partition, 5000);
  if (!drops.ok()) {
    std::cerr << "tidemark: note: cannot check whether the broker dropped records: "
              << drops.status().message() << "\n";
  } else if (!drops->empty()) {
    for (const producer::PartitionDrop& d : *drops) {
      stats.dropped_by_broker.emplace_back(d.partition, d.dropped());
    }
    std::cerr << "tidemark: warning: " << producer::describe_drops(topic, *drops) << "\n";
  }
}

core::Status write_stats_json(ProduceSetup& setup, const ProduceFlags& f, const std::string& text) {
  if (!setup.stats_json) return {};
  std::FILE* out = setup.stats_json.release();
  const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  const bool closed = std::fclose(out) == 0;
  if (!written || !closed) {
    return {core::StatusCode::kIo, "--stats-json " + core::quoted(f.stats_json) + ": cannot write"};
  }
  return {};
}

void tune_allocator_for_producing() {
#if defined(__GLIBC__) && !defined(TIDEMARK_WITH_MIMALLOC)
  // A failure only means the default behaviour stays: nothing to report.
  (void)mallopt(M_TOP_PAD, 64 << 20);
#endif
}

std::function<void(const producer::ProducerProgress&)> progress_printer(bool& shown) {
  if (::isatty(STDERR_FILENO) != 1) return {};
  return [&shown](const producer::ProducerProgress& p) {
    const double rate_now = p.elapsed_s > 0 ? static_cast<double>(p.sent) / p.elapsed_s : 0;
    const double mb =
        p.elapsed_s > 0 ? static_cast<double>(p.bytes) / (1024.0 * 1024.0) / p.elapsed_s : 0;
    char line[256];
    std::snprintf(line, sizeof line,
                  "\rsent %llu  acked %llu  failed %llu  %s rec/s  %.2f MB/s  queue %zu      ",
                  static_cast<unsigned long long>(p.sent), static_cast<unsigned long long>(p.acked),
                  static_cast<unsigned long long>(p.failed), format_count(rate_now).c_str(), mb,
                  p.in_flight);
    std::fputs(line, stderr);
    std::fflush(stderr);
    shown = true;
  };
}

void add_produce_options(CLI::App& cmd_ref, ProduceFlags& f, ProduceCommand which) {
  CLI::App* cmd = &cmd_ref;
  ProduceFlags* flags = &f;
  const bool perf = which == ProduceCommand::kPerfProduce;
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
                  "Kafka CreateTime: event (the event time, default), wall (the wall clock "
                  "at send) or send (the producer's clock at send: with --clock simulated the "
                  "simulated time of the newest generated event, so held-back events arrive "
                  "with later timestamps; replay that timeline with tidemark consume "
                  "--processing-time record-timestamp)");
  if (perf) {
    cmd->add_option(
        "--rate,--throughput", flags->rate,
        "Events per second for the whole stream; 0 or -1 (as kafka-producer-perf-test's "
        "--throughput -1) = unlimited, the default");
    cmd->add_option("-c,--count,--num-records", flags->count,
                    "Events in the whole stream (kafka-producer-perf-test's --num-records); "
                    "default 1000000 unless --duration or --from-csv bounds the run");
  } else {
    cmd->add_option("--rate", flags->rate,
                    "Events per second for the whole stream (all instances); 0 = unlimited");
    cmd->add_option("-c,--count", flags->count,
                    "Events in the whole stream (this instance sends its share); default: "
                    "unbounded until Ctrl-C");
  }
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
  cmd->add_flag("--no-headers", flags->no_headers,
                "Send no tidemark headers (content-type, tidemark-event-type, tidemark-seq, "
                "tidemark-delay-ms, tidemark-redirected-from), as kcat and the lab's Python "
                "producer: about twice the "
                "records/s with librdkafka 2.0.2; consumers must then be given --format and "
                "--event. -H headers are still sent");
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
  if (perf) {
    cmd->add_option("-X,--producer-props", flags->x_options,
                    "librdkafka property key=value (repeatable; --producer-props as "
                    "kafka-producer-perf-test)");
    cmd->add_option("-F,--producer.config", flags->properties_file,
                    "Java-style client properties file");
  } else {
    cmd->add_option("--manifest", flags->manifest,
                    "Write one JSON line per delivered event (seq, key, partition, event_time, "
                    "emitted_at, delay_ms; redirected_from with --idle-partition)");
    cmd->add_option("-X", flags->x_options, "librdkafka property key=value (repeatable)");
    cmd->add_option("-F", flags->properties_file, "Java-style client properties file");
  }
  cmd->add_option("-z,--compression", flags->compression,
                  "compression.type: none, gzip, snappy, lz4, zstd");
  if (perf) {
    flags->bootstrap = "embedded";
    cmd->add_option("-b,--bootstrap", flags->bootstrap,
                    "Bootstrap servers; 'embedded' (the default here) starts an in-process broker")
        ->default_str("embedded");
  } else {
    cmd->add_option("-b,--bootstrap", flags->bootstrap,
                    "Bootstrap servers (default localhost:9092); 'embedded' starts an in-process "
                    "broker");
  }
  cmd->add_option("--partitions", flags->partitions,
                  "With -b embedded: partitions of the topic (default 4)");
  cmd->add_option("--stats-json", flags->stats_json,
                  perf ? "Write every run's results as JSON (each run's summary as `tidemark "
                         "produce --stats-json` writes it, medians and ratios)"
                       : "Write the summary as JSON (counts, rate, latencies, fingerprint, seed, "
                         "acked records per partition, records the broker dropped)");
  if (!perf) {
    cmd->add_flag("--dry-run", flags->dry_run,
                  "No Kafka: write the serialized events to stdout, one per line (JSON formats "
                  "as they are, binary formats base64-encoded)");
    cmd->add_option("--csv-out", flags->csv_out,
                    "With --dry-run and --event taxi: write the trips as a green-taxi CSV file");
  }
}

}  // namespace tidemark::cli
