// `tidemark consume`: replays a topic with Flink's startup and bounded modes (or kcat's and
// rpk's -o), decodes every record by its headers (or --format/--event) and writes JSON Lines,
// kcat -f lines or nothing. The work is consumer::EventConsumer's; this file turns flags into
// its options, prints the plan (--explain, or on stderr at start), handles Ctrl-C and prints the
// summary.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bounded_flags.h"
#include "cli_common.h"
#include "consume_support.h"
#include "startup_flags.h"
#include "tidemark/consumer/arrival_order.h"
#include "produce_options.h"  // tune_allocator_for_producing
#include "tidemark/consumer/event_consumer.h"
#include "tidemark/consumer/event_time_output.h"
#include "tidemark/consumer/offset_spec.h"
#include "tidemark/consumer/record_output.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/consumer.h"
#include "tidemark/kafka/embedded_broker.h"

namespace tidemark::cli {

namespace {

using consumer::BoundedMode;
using consumer::BoundedSpec;
using consumer::StartupMode;
using consumer::StartupSpec;

struct ConsumeFlags {
  std::string topic;
  StartupFlags start;  // -g, --startup-*, --auto-offset-reset, -o (startup_flags.h)
  BoundedFlags stop;  // --bounded-*, -e (bounded_flags.h)
  std::string count;
  bool explain = false;
  bool commit = false;
  std::string commit_interval;
  bool subscribe = false;
  std::string format;
  std::string event;
  std::string on_decode_error = "skip";
  std::string kcat_format;
  std::string output = "json";
  std::vector<std::string> x_options;
  std::string properties_file;
  std::string bootstrap;
  std::string partitions;
  EventTimeFlags event_time;
};

// ---- flags to specs ----

struct Specs {
  StartupSpec startup;
  BoundedSpec bounded;
  std::string alias_equivalent;  // what -o means in Flink's flags, when -o was given
};

core::Result<Specs> build_specs(const ConsumeFlags& f, CLI::App& cmd, std::int64_t now_ms) {
  Specs s;

  // ---- -o (kcat / rpk) ----
  core::Result<std::optional<consumer::OffsetAlias>> parsed_alias =
      parse_offset_alias_flag(f.start, cmd, now_ms);
  if (!parsed_alias.ok()) return parsed_alias.status();
  const std::optional<consumer::OffsetAlias>& alias = *parsed_alias;
  if (alias) s.alias_equivalent = alias->flink_equivalent;

  // ---- startup ----
  core::Result<StartupSpec> startup = startup_spec_from_flags(
      f.start, cmd, now_ms, alias,
      f.subscribe ? StartupMode::kGroupOffsets : StartupMode::kEarliestOffset,
      f.subscribe ? "--subscribe" : "default");
  if (!startup.ok()) return startup.status();
  s.startup = std::move(*startup);

  // ---- bounded ----
  core::Result<BoundedSpec> bounded = bounded_spec_from_flags(
      f.stop, f.start, cmd, now_ms, alias, BoundedMode::kUnbounded, "default");
  if (!bounded.ok()) return bounded.status();
  s.bounded = std::move(*bounded);
  return s;
}

int run_consume(Context& ctx, const ConsumeFlags& f, CLI::App& cmd) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  const std::int64_t now_ms = wall_now_ms();

  // ---- what to read ----
  if (f.topic.empty()) return report_error(core::invalid_argument("-t/--topic is required"));
  if (core::Status st = kafka::validate_topic_name(f.topic); !st.ok()) {
    return report_error(core::invalid_argument("-t/--topic: " + st.message()));
  }
  core::Result<Specs> specs = build_specs(f, cmd, now_ms);
  if (!specs.ok()) return report_error(specs.status());

  std::optional<std::uint64_t> count;
  if (given("--count")) {
    core::Result<std::uint64_t> c = parse_u64_flag("-c/--count", f.count);
    if (!c.ok()) return report_error(c.status());
    count = *c;
  }
  int commit_interval_ms = 5000;
  if (given("--commit-interval")) {
    core::Result<std::int64_t> d = core::parse_duration(f.commit_interval);
    if (!d.ok()) return report_error(d.status().with_context("--commit-interval"));
    if (*d < 1 || *d > 24LL * 3600 * 1000) {
      return report_error(bad_flag("--commit-interval", f.commit_interval, "must be 1ms..24h"));
    }
    if (!f.commit) return report_error(core::invalid_argument("--commit-interval needs --commit"));
    commit_interval_ms = static_cast<int>(*d);
  }

  // ---- decoding and output ----
  const serializers::Serializer* fallback_format = nullptr;
  if (given("--format")) {
    core::Result<const serializers::Serializer*> s = ctx.registry.get(f.format);
    if (!s.ok()) return report_error(core::invalid_argument("--format: " + s.status().message()));
    fallback_format = *s;
  }
  std::optional<core::EventType> fallback_event;
  if (given("--event")) {
    core::Result<core::EventType> t = core::parse_event_type(f.event);
    if (!t.ok()) return report_error(t.status().with_context("--event"));
    fallback_event = *t;
  } else if (fallback_format != nullptr) {
    fallback_event = core::EventType::kLab;  // the lab's topic, as `produce` defaults
  }
  core::Result<consumer::DecodeErrorPolicy> policy =
      consumer::parse_decode_error_policy(f.on_decode_error);
  if (!policy.ok()) return report_error(policy.status().with_context("--on-decode-error"));
  if (f.output != "json" && f.output != "none") {
    return report_error(bad_flag("--output", f.output, "use json (the default) or none"));
  }
  std::optional<consumer::KcatFormat> kcat_format;
  if (given("-f")) {
    if (f.output == "none") {
      return report_error(core::invalid_argument("-f and --output none: give one of them"));
    }
    core::Result<consumer::KcatFormat> kf = consumer::KcatFormat::parse(f.kcat_format);
    if (!kf.ok()) return report_error(kf.status());
    kcat_format = std::move(*kf);
  }

  // ---- event time ----
  core::Result<std::optional<consumer::EventTimeOutputOptions>> event_time_flags =
      build_event_time_options(f.event_time, cmd);
  if (!event_time_flags.ok()) return report_error(event_time_flags.status());
  std::optional<consumer::EventTimeOutputOptions> event_time = std::move(*event_time_flags);
  if (event_time && event_time->clock == consumer::ProcessingClock::kRecordTimestamp) {
    if (f.subscribe) {
      return report_error(core::invalid_argument(
          "--processing-time record-timestamp replays a bounded range in timestamp order; a "
          "group's partitions come and go: drop --subscribe"));
    }
    if (specs->bounded.mode == BoundedMode::kUnbounded) {
      return report_error(core::invalid_argument(
          "--processing-time record-timestamp merges the partitions in timestamp order, which "
          "needs an end: add a bounded mode (-e, --bounded-mode latest-offset, ...)"));
    }
    if (f.commit) {
      return report_error(core::invalid_argument(
          "--commit commits what was written, and --processing-time record-timestamp holds "
          "records back to merge the partitions, so a commit could run ahead of the output: "
          "drop --commit (or the processing-time flag)"));
    }
  }
  // The window results' file is created now, so a path that cannot be written is a usage error.
  std::FILE* window_file = nullptr;
  std::string window_destination = "stdout";
  struct CloseFile {
    std::FILE*& file;
    ~CloseFile() {
      if (file != nullptr) std::fclose(file);
    }
  } close_window_file{window_file};
  if (event_time && event_time->event_time.window && given("--window-output") &&
      f.event_time.window_output != "-") {
    window_file = std::fopen(f.event_time.window_output.c_str(), "w");
    if (window_file == nullptr) {
      return report_error(bad_flag("--window-output", f.event_time.window_output,
                                   "cannot be created: " + std::string(std::strerror(errno))));
    }
    window_destination = f.event_time.window_output;
  }
  if (event_time && !event_time->trace_path.empty()) {
    std::FILE* trace = std::fopen(event_time->trace_path.c_str(), "w");
    if (trace == nullptr) {
      return report_error(bad_flag("--watermark-trace", event_time->trace_path,
                                   "cannot be created: " + std::string(std::strerror(errno))));
    }
    std::fclose(trace);
  }

  // ---- group, commit, subscribe ----
  kafka::Config config(kafka::ClientRole::kConsumer);
  if (core::Status st =
          apply_kafka_flags(config, given("-F") ? &f.properties_file : nullptr, f.x_options);
      !st.ok()) {
    return report_error(st);
  }
  core::Result<std::string> group_or = group_from_flags(f.start.group, config);
  if (!group_or.ok()) return report_error(group_or.status());
  const std::string group = *group_or;
  warn_if_auto_offset_reset_configured(config);
  if (group.empty() && specs->startup.mode == StartupMode::kGroupOffsets) {
    return report_error(
        core::invalid_argument(specs->startup.origin +
                               ": group-offsets starts at a consumer group's committed offsets: "
                               "pass -g/--group (Flink: group.id is required)"));
  }
  if (group.empty() && specs->bounded.mode == BoundedMode::kGroupOffsets) {
    return report_error(
        core::invalid_argument(specs->bounded.origin +
                               ": group-offsets stops at a consumer group's committed offsets: "
                               "pass -g/--group"));
  }
  if (f.commit && group.empty()) {
    return report_error(
        core::invalid_argument("--commit needs -g/--group (the group to commit to)"));
  }
  if (f.subscribe) {
    if (group.empty()) {
      return report_error(
          core::invalid_argument("--subscribe needs -g/--group (the group to join)"));
    }
    if (f.explain) {
      return report_error(core::invalid_argument(
          "--explain shows where an assigned replay starts and stops; with --subscribe the "
          "group decides: drop one of them"));
    }
    if (specs->bounded.mode != BoundedMode::kUnbounded) {
      return report_error(core::invalid_argument(
          "--subscribe reads what the group assigns, unbounded: drop " + specs->bounded.origin));
    }
    if (specs->startup.mode != StartupMode::kGroupOffsets) {
      return report_error(core::invalid_argument(
          "--subscribe starts at the group's committed offsets (group-offsets): drop " +
          specs->startup.origin));
    }
  }

  // ---- Kafka ----
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
  std::string bootstrap = bootstrap_or_default(f.bootstrap, config);
  const std::atomic<bool>* stop = install_stop_signals();
  // librdkafka allocates every consumed record's headers and frees them with the record: keep
  // the heap top instead of trimming and faulting it in again (a tenth of the CPU of a replay).
  tune_allocator_for_producing();
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> embedded =
      start_or_check_broker(config, bootstrap, f.topic, partitions);
  if (!embedded.ok()) return report_error(embedded.status());

  consumer::ConsumeOptions o;
  o.topic = f.topic;
  o.group = group;
  o.startup = specs->startup;
  o.bounded = specs->bounded;
  o.max_records = count;
  o.commit = f.commit;
  o.commit_interval_ms = commit_interval_ms;
  o.subscribe = f.subscribe;
  o.decode.registry = &ctx.registry;
  o.decode.fallback_format = fallback_format;
  o.decode.fallback_event = fallback_event;
  o.on_decode_error = *policy;
  core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
      consumer::EventConsumer::create(config, bootstrap, std::move(o));
  if (!ec.ok()) return report_error(ec.status());
  consumer::EventConsumer& event_consumer = **ec;
  const InterruptHook interrupt_hook(event_consumer);
  const std::string shown_bootstrap =
      bootstrap.empty() ? config.get("bootstrap.servers").value_or("") : bootstrap;

  std::optional<consumer::ConsumePlan> plan;
  if (!f.subscribe) {
    core::Result<consumer::ConsumePlan> p = event_consumer.plan();
    if (!p.ok()) return report_error(p.status());
    plan = std::move(*p);
    std::vector<consumer::SpecificOffsets> listed;
    if (specs->startup.mode == StartupMode::kSpecificOffsets)
      listed.push_back(specs->startup.specific);
    if (specs->bounded.mode == BoundedMode::kSpecificOffsets)
      listed.push_back(specs->bounded.specific);
    std::vector<consumer::PartitionFacts> facts;
    for (const consumer::PartitionPlan& pp : plan->partitions) facts.push_back(pp.facts);
    for (const consumer::SpecificOffsets& m : listed) {
      for (std::int32_t id : consumer::unknown_partitions(m, facts)) {
        std::cerr << "tidemark: warning: partition " << id << " is listed but '" << f.topic
                  << "' has " << facts.size() << " partitions (Flink ignores it too)\n";
      }
    }
    std::string heading = plan_heading(*plan, specs->startup, specs->bounded,
                                       specs->alias_equivalent, shown_bootstrap);
    if (event_time) heading += "\n" + event_time_heading(*event_time, window_destination);
    if (f.explain) {
      std::cout << heading << "\n";
      print_plan_table(std::cout, *plan);
      return kExitOk;
    }
    std::cerr << heading << "\n";
    if (plan->partitions.size() > kMaxListedPartitions) {
      print_plan_summary(std::cerr, *plan);
    } else {
      print_plan_table(std::cerr, *plan);
    }
  } else {
    std::cerr << "topic '" << f.topic << "' on " << shown_bootstrap << ": joining group '" << group
              << "' (partitions start at the group's committed offsets, else "
              << kafka::auto_offset_reset_name(consumer::forced_auto_offset_reset(specs->startup))
              << ")\n";
  }

  event_consumer.set_warning_handler(
      [](const core::Status& st) { std::cerr << "tidemark: warning: " << st.message() << "\n"; });
  static char stdout_buffer[1 << 16];
  std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
  const serializers::Serializer* json = ctx.registry.find("json");
  const bool text_output = kcat_format.has_value();
  std::unique_ptr<consumer::RecordSink> output;
  consumer::EventTimeSink* event_time_sink = nullptr;
  std::unique_ptr<consumer::RecordSink> arrival;
  std::unique_ptr<LiveViewPrinter> live;
  if (event_time) {
    const consumer::RecordStyle style = kcat_format          ? consumer::RecordStyle::kKcat
                                        : f.output == "none" ? consumer::RecordStyle::kNone
                                                             : consumer::RecordStyle::kJson;
    core::Result<std::unique_ptr<consumer::EventTimeSink>> ets =
        consumer::EventTimeSink::create(*event_time, json, style, std::move(kcat_format),
                                        style == consumer::RecordStyle::kNone ? nullptr : stdout,
                                        window_file != nullptr ? window_file : stdout);
    if (!ets.ok()) return report_error(ets.status());
    event_time_sink = ets->get();
    output = std::move(*ets);
    // The live view: on a terminal only, and not where records are being printed.
    if (!f.event_time.no_live_view && is_terminal(stderr) &&
        (f.output == "none" || !is_terminal(stdout))) {
      live = std::make_unique<LiveViewPrinter>(stderr);
      auto last_draw = std::chrono::steady_clock::now() - std::chrono::seconds(1);
      kafka::Consumer& kc = event_consumer.kafka_consumer();
      const consumer::ConsumePlan* shown_plan = plan ? &*plan : nullptr;
      event_time_sink->set_tick_callback([&, last_draw, shown_plan]() mutable {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_draw < std::chrono::milliseconds(250)) return;
        last_draw = now;
        consumer::LiveView view = event_time_sink->live_view();
        for (consumer::LiveRow& row : view.rows) {
          row.high_watermark_offset = kc.cached_high_watermark(row.partition);
          if (!row.high_watermark_offset && shown_plan != nullptr) {
            for (const consumer::PartitionPlan& pp : shown_plan->partitions) {
              if (pp.facts.partition == row.partition) row.high_watermark_offset = pp.facts.high;
            }
          }
          if (!row.position && shown_plan != nullptr) {
            for (const consumer::PartitionPlan& pp : shown_plan->partitions) {
              if (pp.facts.partition == row.partition) row.position = pp.range.start;
            }
          }
        }
        live->draw(consumer::render_live_view(view));
      });
    }
  } else if (kcat_format) {
    output = std::make_unique<consumer::FormatSink>(stdout, std::move(*kcat_format), json);
  } else if (f.output == "none") {
    output = std::make_unique<consumer::NullSink>();
  } else {
    output = std::make_unique<consumer::JsonLinesSink>(stdout, json);
  }
  consumer::RecordSink* sink = output.get();
  if (event_time && event_time->clock == consumer::ProcessingClock::kRecordTimestamp) {
    arrival = std::make_unique<consumer::ArrivalOrderSink>(*sink);
    sink = arrival.get();
  }
  std::unique_ptr<consumer::RecordSink> reporter;
  if (text_output || f.output == "none") {
    reporter = std::make_unique<DecodeErrorReporter>(*sink);
    sink = reporter.get();
  }

  consumer::ConsumeStats stats;
  core::Status st = event_consumer.run(plan ? &*plan : nullptr, *sink, stop, stats);
  if (live) live->clear();
  bool input_ended = false;
  if (event_time_sink != nullptr) {
    // Flink emits the final MAX watermark only when a bounded input ends, not on cancel.
    if (st.ok() && stats.end == consumer::ConsumeEnd::kBoundedEnd) {
      input_ended = true;
      if (core::Status e = event_time_sink->end_of_input(); !e.ok()) st = e;
    }
    if (core::Status fl = event_time_sink->flush(); !fl.ok() && st.ok()) st = fl;
    if (core::Status tr = event_time_sink->close_trace(); !tr.ok() && st.ok()) st = tr;
  }
  print_summary(std::cerr, stats, group, f.commit);
  if (event_time_sink != nullptr) {
    print_event_time_summary(std::cerr, event_time_sink->counts(),
                             event_time->event_time.window.has_value(), input_ended);
  }
  if (window_file != nullptr && std::fclose(window_file) != 0 && st.ok()) {
    st = core::Status(core::StatusCode::kIo, "writing " + window_destination + " failed");
  }
  window_file = nullptr;
  if (!st.ok()) return report_error(st);
  return exit_code_for_end(
      stats, count, {.count_flag = "-c", .short_reason = "every partition reached its stop"});
}

}  // namespace

void install_consume_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<ConsumeFlags>();
  auto* cmd = app.add_subcommand(
      "consume",
      "Replay a topic from Flink's startup modes to its bounded modes, decoding every record");
  cmd->add_option("-t,--topic", flags->topic, "Topic to read (required)");
  add_group_option(*cmd, flags->start,
                   "Consumer group (Flink: properties.group.id): its committed offsets for "
                   "group-offsets and the --explain table; the group --commit writes to and "
                   "--subscribe joins");

  add_startup_options(*cmd, flags->start, " (default earliest-offset)");
  add_bounded_options(*cmd, flags->stop, " (default unbounded)");
  cmd->add_option("-c,--count", flags->count,
                  "Stop after N records (exit 3 if a bounded end comes first)");
  add_offset_alias_option(
      *cmd, flags->start,
      "kcat/rpk offsets: beginning|start, end, stored (group-offsets), N, -N (N before the end), "
      "+N, s@MS (timestamp), e@MS (stop at a timestamp), @T, @T1:T2, :end, N:M; the Flink flags "
      "each means are printed at start (docs/startup-modes.md)");
  cmd->add_flag("--explain", flags->explain,
                "Print per partition the low/high watermark offsets, the committed offset, the "
                "resolved start and stop and the rule for each, then exit");
  cmd->add_flag("--commit", flags->commit,
                "Commit (last emitted offset + 1) per partition to --group periodically and at "
                "exit (Flink commits on checkpoints)");
  cmd->add_option("--commit-interval", flags->commit_interval,
                  "How often --commit commits (default 5s)");
  cmd->add_flag("--subscribe", flags->subscribe,
                "Join --group instead of assigning partitions: several consumers share the "
                "topic's partitions, each starting at the group's committed offsets");
  cmd->add_option("--format", flags->format,
                  "Format of records without a known content-type header (kcat's, the lab's "
                  "Python producer's); see `tidemark formats`");
  cmd->add_option("--event", flags->event,
                  "Event type of records without a tidemark-event-type header: lab, web, taxi "
                  "(default lab when --format is given)");
  cmd->add_option("--on-decode-error", flags->on_decode_error,
                  "skip (default: the record is written with value_error and counted) or fail "
                  "(exit 1 after writing it)");
  cmd->add_option("-f", flags->kcat_format,
                  "kcat format instead of JSON Lines: %t topic %p partition %o offset %k key %K "
                  "key length %s value (decoded event as JSON) %S value length %R %T timestamp "
                  "%h headers %%; \\n \\r \\t \\xHH escapes. Example: -f '%p:%o %s\\n'");
  cmd->add_option("--output", flags->output,
                  "json (JSON Lines envelopes, default) or none (count only)");
  cmd->add_option("-X", flags->x_options, "librdkafka property key=value (repeatable)");
  cmd->add_option("-F", flags->properties_file, "Java-style client properties file");
  cmd->add_option("-b,--bootstrap", flags->bootstrap,
                  "Bootstrap servers (default localhost:9092); 'embedded' starts an in-process "
                  "broker (empty, for trying the flags)");
  cmd->add_option("--partitions", flags->partitions,
                  "With -b embedded: partitions of the topic (default 4)");
  add_event_time_options(*cmd, flags->event_time);
  cmd->footer(
      "Output: one JSON object per record: topic, partition, offset, timestamp, "
      "timestamp_type, key, headers [{key, value}], value (the decoded event, or the raw text "
      "when the record is not an event), value_error when it does not decode.\n"
      "Records are decoded by their content-type and tidemark-event-type headers; --format and "
      "--event are the fallback for other producers (kcat, the lab's Python producer).\n"
      "Before reading, the resolved start and stop of every partition is printed on stderr "
      "(--explain prints it on stdout and exits). Modes and every fallback: "
      "docs/startup-modes.md; output and decoding: docs/consuming.md.\n"
      "Examples:\n"
      "  tidemark consume -t test-topic -e\n"
      "  tidemark consume -t test-topic --startup-timestamp -1h --bounded-mode latest-offset\n"
      "  tidemark consume -t test-topic -g lab --startup-mode group-offsets "
      "--auto-offset-reset earliest --commit\n"
      "  tidemark consume -t test-topic -o s@1700000000000 --explain\n"
      "  tidemark consume -t test-topic --format json --event lab -f '%o %s\\n' -e\n"
      "  tidemark consume -t test-topic -e --watermark-delay 5s --window tumble:1m --output none\n"
      "  tidemark consume -t test-topic --watermark-delay 5s --idle-timeout 10s "
      "--watermark-trace t.csv --output none\n"
      "With event-time flags each record also gets event_time, watermark (the combined "
      "event-time watermark after it) and late; -f lines of late records start with LATE; "
      "window results are {\"type\":\"window\",...} lines; a terminal shows a live table "
      "(docs/watermarks.md).\n"
      "Exit codes: 0 done, 1 runtime failure (also a decode error with --on-decode-error fail), "
      "2 bad flags, 3 incomplete (-c N not reached before the bounded end), 130 Ctrl-C "
      "(after committing with --commit and printing the summary).");
  cmd->callback([&ctx, flags, cmd] { ctx.exit_code = run_consume(ctx, *flags, *cmd); });
}

}  // namespace tidemark::cli
