// `tidemark verify`: proves that a stream `tidemark produce` wrote arrived whole. It reads a
// topic (by default everything it holds now: earliest-offset to latest-offset; any of Flink's
// startup and bounded modes, as `consume` takes them) and checks the records' tidemark-seq
// headers per producer instance: seqs missing (as ranges), duplicated, and reordered within a
// partition, with counts and the first offenders by partition and offset. The work is
// consumer::TopicVerifier's; this file turns flags into its options and prints the report.

#include <atomic>
#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "bounded_flags.h"
#include "cli_common.h"
#include "consume_support.h"
#include "startup_flags.h"
#include "tidemark/consumer/offset_spec.h"
#include "tidemark/consumer/topic_verifier.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"

namespace tidemark::cli {

namespace {

struct VerifyFlags {
  std::string topic;
  StartupFlags start;  // -g, --startup-*, --auto-offset-reset, -o (startup_flags.h)
  BoundedFlags stop;   // --bounded-*, -e (bounded_flags.h)
  std::string count;
  std::string max_offenders = "10";
  OutputStyle output = OutputStyle::kAuto;
  std::vector<std::string> x_options;
  std::string properties_file;
  std::string bootstrap;
  std::string partitions;
};

std::string seq_range(const consumer::SeqRange& r) {
  if (r.first == r.last) return std::to_string(r.first);
  return std::to_string(r.first) + ".." + std::to_string(r.last) + " (" + std::to_string(r.count) +
         ")";
}

std::string at(const consumer::SeqPosition& p) {
  std::string out = "partition ";
  out += std::to_string(p.partition);
  out += " offset ";
  out += std::to_string(p.offset);
  return out;
}

std::string checked_text(const consumer::InstanceReport& r) {
  if (r.expected == 0) return "-";
  std::string out = std::to_string(r.instance.index);
  out += "..";
  out += std::to_string(r.checked_through);
  out += r.bounded_by_count ? " (-c)" : " (max)";
  return out;
}

std::string reordered_text(const consumer::InstanceReport& r) {
  std::string out = std::to_string(r.reordered);
  if (r.reordered > 0) {
    out += " (";
    out += std::to_string(r.reordered_explained);
    out += " by disorder)";
  }
  return out;
}

void print_text(const consumer::TopicVerification& v, const std::string& topic) {
  const consumer::SequenceReport& r = v.report;
  std::cout << "'" << topic << "': " << v.stats.records << " records read from "
            << v.stats.partitions.size() << " partition(s), " << r.verified()
            << " with a tidemark-seq\n";
  if (!r.instances.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const consumer::InstanceReport& i : r.instances) {
      rows.push_back({i.instance.to_string(), std::to_string(i.records), checked_text(i),
                      std::to_string(i.missing), std::to_string(i.duplicates),
                      std::to_string(i.beyond_count), reordered_text(i), i.ok() ? "ok" : "FAILED"});
    }
    print_table(std::cout,
                {"INSTANCE", "RECORDS", "CHECKED SEQS", "MISSING", "DUPLICATES", "BEYOND -c",
                 "REORDERED", "RESULT"},
                rows, {false, true, false, true, true, true, true, false});
  }
  for (const consumer::InstanceReport& i : r.instances) {
    const std::string who = "instance " + i.instance.to_string();
    if (i.missing > 0) {
      std::cout << who << ": " << i.missing << " seq(s) missing in " << i.missing_range_count
                << " range(s)";
      if (i.records == 0) std::cout << " (no record of this instance was read)";
      std::cout << "; first: ";
      for (std::size_t k = 0; k < i.missing_ranges.size(); ++k) {
        std::cout << (k > 0 ? ", " : "") << seq_range(i.missing_ranges[k]);
      }
      std::cout << "\n";
    }
    for (const consumer::SeqPosition& d : i.first_duplicates) {
      std::cout << who << ": seq " << d.seq << " again at " << at(d) << "\n";
    }
    if (i.duplicates > i.first_duplicates.size()) {
      std::cout << who << ": ... " << (i.duplicates - i.first_duplicates.size())
                << " more duplicate(s)\n";
    }
    for (const consumer::SeqPosition& b : i.first_beyond_count) {
      std::cout << who << ": seq " << b.seq << " at " << at(b) << " is beyond -c " << *r.count
                << "\n";
    }
    for (const consumer::Reordering& o : i.first_reorderings) {
      std::cout << who << ": seq " << o.record.seq << " at " << at(o.record) << " after seq "
                << o.after.seq << " at offset " << o.after.offset
                << (o.explained ? " (held back by the producer's disorder: tidemark-delay-ms)"
                                : " (no tidemark-delay-ms: not the producer's disorder)")
                << "\n";
    }
  }
  if (r.without_seq > 0) {
    std::cout << r.without_seq
              << " record(s) without a tidemark-seq header (not written by tidemark produce): "
                 "not verified\n";
  }
  for (const consumer::MalformedRecord& m : r.first_malformed) {
    std::cout << "malformed at partition " << m.partition << " offset " << m.offset << ": "
              << m.reason << "\n";
  }
  if (r.malformed > r.first_malformed.size()) {
    std::cout << "... " << (r.malformed - r.first_malformed.size())
              << " more malformed record(s)\n";
  }
}

std::string report_json(const consumer::TopicVerification& v, const std::string& topic,
                        bool interrupted) {
  std::string out = "{\"topic\":";
  append_json_string(out, topic);
  out += ",\"records_read\":" + std::to_string(v.stats.records);
  out += ",\"interrupted\":";
  out += interrupted ? "true" : "false";
  out += ",";
  const std::string report = v.report.to_json();
  out.append(report, 1, std::string::npos);  // the report's members follow
  return out;
}

int run_verify(const VerifyFlags& f, CLI::App& cmd) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  if (f.topic.empty()) return report_error(core::invalid_argument("-t/--topic is required"));
  if (core::Status st = kafka::validate_topic_name(f.topic); !st.ok()) {
    return report_error(core::invalid_argument("-t/--topic: " + st.message()));
  }
  const std::int64_t now_ms = wall_now_ms();
  core::Result<std::optional<consumer::OffsetAlias>> alias =
      parse_offset_alias_flag(f.start, cmd, now_ms);
  if (!alias.ok()) return report_error(alias.status());
  core::Result<consumer::StartupSpec> startup = startup_spec_from_flags(
      f.start, cmd, now_ms, *alias, consumer::StartupMode::kEarliestOffset, "default");
  if (!startup.ok()) return report_error(startup.status());
  core::Result<consumer::BoundedSpec> bounded =
      bounded_spec_from_flags(f.stop, f.start, cmd, now_ms, *alias,
                              consumer::BoundedMode::kLatestOffset, "default: what is there now");
  if (!bounded.ok()) return report_error(bounded.status());

  consumer::TopicVerifierOptions o;
  o.topic = f.topic;
  o.startup = *startup;
  o.bounded = *bounded;
  if (given("--count")) {
    core::Result<std::uint64_t> c = parse_u64_flag("-c/--count", f.count);
    if (!c.ok()) return report_error(c.status());
    o.sequence.count = *c;
  }
  core::Result<std::uint64_t> max_offenders = parse_u64_flag("--max-offenders", f.max_offenders);
  if (!max_offenders.ok()) return report_error(max_offenders.status());
  if (*max_offenders > 100000) {
    return report_error(core::invalid_argument("--max-offenders " + core::quoted(f.max_offenders) +
                                               ": at most 100000"));
  }
  o.sequence.max_offenders = static_cast<std::size_t>(*max_offenders);

  kafka::Config config(kafka::ClientRole::kConsumer);
  if (core::Status st =
          apply_kafka_flags(config, given("-F") ? &f.properties_file : nullptr, f.x_options);
      !st.ok()) {
    return report_error(st);
  }
  core::Result<std::string> group = group_from_flags(f.start.group, config);
  if (!group.ok()) return report_error(group.status());
  o.group = *group;
  warn_if_auto_offset_reset_configured(config);
  for (const auto& [mode_is_group, origin] :
       {std::pair{o.startup.mode == consumer::StartupMode::kGroupOffsets, o.startup.origin},
        std::pair{o.bounded.mode == consumer::BoundedMode::kGroupOffsets, o.bounded.origin}}) {
    if (mode_is_group && o.group.empty()) {
      return report_error(core::invalid_argument(
          origin + ": group-offsets uses a consumer group's committed offsets: pass -g/--group"));
    }
  }
  if (o.bounded.mode == consumer::BoundedMode::kUnbounded) {
    return report_error(core::invalid_argument(
        o.bounded.origin +
        ": verify needs an end to report on and unbounded never ends (leave --bounded-mode out "
        "to check what the topic holds now)"));
  }
  int partitions = 4;
  if (given("--partitions")) {
    core::Result<std::uint64_t> p = parse_u64_flag("--partitions", f.partitions);
    if (!p.ok()) return report_error(p.status());
    if (*p < 1 || *p > static_cast<std::uint64_t>(kafka::EmbeddedBroker::kMaxPartitions)) {
      return report_error(
          core::invalid_argument("--partitions " + core::quoted(f.partitions) + ": must be 1.." +
                                 std::to_string(kafka::EmbeddedBroker::kMaxPartitions)));
    }
    if (f.bootstrap != "embedded") {
      return report_error(core::invalid_argument("--partitions applies only with -b embedded"));
    }
    partitions = static_cast<int>(*p);
  }

  std::string bootstrap = bootstrap_or_default(f.bootstrap, config);
  const std::atomic<bool>* stop = install_stop_signals();
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> embedded =
      start_or_check_broker(config, bootstrap, f.topic, partitions);
  if (!embedded.ok()) return report_error(embedded.status());

  core::Result<std::unique_ptr<consumer::TopicVerifier>> verifier =
      consumer::TopicVerifier::create(config, bootstrap, std::move(o));
  if (!verifier.ok()) return report_error(verifier.status());
  const InterruptHook interrupt_hook(**verifier);

  core::Result<consumer::ConsumePlan> plan = (*verifier)->plan();
  if (!plan.ok()) return report_error(plan.status());
  std::uint64_t offsets = 0;
  for (const consumer::PartitionPlan& p : plan->partitions) {
    if (p.range.stop && *p.range.stop > p.range.start) {
      offsets += static_cast<std::uint64_t>(*p.range.stop - p.range.start);
    }
  }
  std::cerr << "verify: topic '" << f.topic << "', " << plan->partitions.size() << " partition(s), "
            << offsets << " offsets: startup " << consumer::describe(*startup) << " ["
            << startup->origin << "], bounded " << consumer::describe(*bounded) << " ["
            << bounded->origin << "]\n";

  consumer::TopicVerification result;
  const core::Status st = (*verifier)->run(*plan, stop, result);
  if (!st.ok()) return report_error(st);
  const bool interrupted = result.stats.end == consumer::ConsumeEnd::kInterrupted;
  const consumer::SequenceReport& r = result.report;

  if (use_table(f.output)) {
    print_text(result, f.topic);
  } else {
    std::cout << report_json(result, f.topic, interrupted) << "\n";
  }
  std::cout.flush();

  // Interrupted (verify asks for no record count: -c is the length of the stream it checks).
  const std::string covered =
      "the report covers the " + std::to_string(result.stats.records) + " records read so far";
  if (const int code = exit_code_for_end(result.stats, std::nullopt, {.interrupted_note = covered});
      code != kExitOk) {
    return code;
  }
  if (r.instances.empty()) {
    std::cerr << "verify: FAILED: no record carries a tidemark-seq header, so there is nothing "
                 "to verify (pass -c N to require the N events of a run)\n";
    return kExitFailure;
  }
  if (!r.ok()) {
    std::cerr << "verify: FAILED: " << r.missing() << " seq(s) missing, " << r.duplicates()
              << " duplicated";
    if (r.count) std::cerr << ", " << r.beyond_count() << " beyond -c " << *r.count;
    std::cerr << "\n";
    return kExitFailure;
  }
  std::cerr << "verify: OK: every seq of " << r.instances.size()
            << " producer instance(s) exactly once";
  if (r.count) {
    std::cerr << " (all " << *r.count << " events of the stream)";
  } else {
    std::cerr << ", up to the largest seq read (a lost tail cannot be seen without -c N)";
  }
  if (r.reordered() > 0) std::cerr << "; " << r.reordered() << " reordered (not a failure)";
  std::cerr << "\n";
  return kExitOk;
}

}  // namespace

void install_verify_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<VerifyFlags>();
  auto* cmd = app.add_subcommand(
      "verify",
      "Check that a stream from `tidemark produce` arrived whole: seqs missing, duplicated or "
      "reordered, per producer instance");
  cmd->add_option("-t,--topic", flags->topic, "Topic to check (required)");
  cmd->add_option("-c,--count", flags->count,
                  "Events in the produced stream (the -c given to produce): every seq below N "
                  "must be there once, and a seq >= N is a failure. Without it the seqs are "
                  "checked up to the largest one read");
  add_group_option(*cmd, flags->start,
                   "Consumer group whose committed offsets group-offsets uses (nothing is "
                   "committed)");
  add_startup_options(*cmd, flags->start, " (default earliest-offset)");
  add_bounded_options(*cmd, flags->stop,
                      " (default latest-offset: what the topic holds now; unbounded is refused)");
  add_offset_alias_option(*cmd, flags->start,
                          "kcat/rpk offsets: beginning, end, stored, N, -N, +N, s@MS, e@MS, @T, "
                          "@T1:T2, N:M (docs/startup-modes.md)");
  cmd->add_option("--max-offenders", flags->max_offenders,
                  "How many first offenders to list per kind (default 10)");
  add_output_option(*cmd, flags->output);
  cmd->add_option("-X", flags->x_options, "librdkafka property key=value (repeatable)");
  cmd->add_option("-F", flags->properties_file, "Java-style client properties file");
  cmd->add_option("-b,--bootstrap", flags->bootstrap,
                  "Bootstrap servers (default localhost:9092); 'embedded' starts an empty "
                  "in-process broker (for trying the flags)");
  cmd->add_option("--partitions", flags->partitions,
                  "With -b embedded: partitions of the topic (default 4)");
  cmd->footer(
      "Every record `tidemark produce` writes carries tidemark-seq (its index in the whole "
      "stream) and, with --instance i/N, tidemark-instance (instance i writes the seqs i, i+N, "
      "i+2N, ...). Each instance is checked on its own: a seq read twice is a duplicate; a seq "
      "never read is missing, up to the largest seq read, or below -c N when given (with -c, an "
      "instance of which nothing was read is missing entirely). Reordering within a partition is "
      "reported, not a failure; the producer's disorder (tidemark-delay-ms) explains it.\n"
      "Output: a table on a terminal, one JSON object otherwise (--output json). Records "
      "without tidemark-seq are counted and ignored.\n"
      "Examples:\n"
      "  tidemark produce -t lab -c 1000000 && tidemark verify -t lab -c 1000000\n"
      "  tidemark verify -t lab --startup-timestamp -1h\n"
      "  tidemark verify -t copy-of-lab --output json | jq .missing\n"
      "Exit codes: 0 nothing missing, duplicated or beyond -c; 1 something is (or no record "
      "has a tidemark-seq); 2 bad flags; 130 Ctrl-C (the report covers what was read).");
  cmd->callback([flags, cmd, &ctx] { ctx.exit_code = run_verify(*flags, *cmd); });
}

}  // namespace tidemark::cli
