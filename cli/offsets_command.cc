// `tidemark offsets`: per partition the low and high watermark offsets, a group's committed
// offset and lag, and the offset for a time (kafka-consumer-groups --describe, rpk group
// describe, kafka-get-offsets --time in one table); `tidemark offsets set` moves a group's
// committed offsets to where a Flink startup mode would start (kafka-consumer-groups
// --reset-offsets, dry run unless --execute). Both take their facts from
// consumer::EventConsumer::plan(), the same code that decides where `tidemark consume` starts.
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli_common.h"
#include "startup_flags.h"
#include "tidemark/consumer/event_consumer.h"
#include "tidemark/consumer/offset_spec.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/consumer.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/metadata.h"

namespace tidemark::cli {

namespace {

using consumer::StartupMode;

constexpr int kQueryTimeoutMs = 30000;

struct KafkaFlags {
  std::vector<std::string> x_options;
  std::string properties_file;
  std::string bootstrap;
};

struct ViewFlags {
  std::string topic;
  std::string group;
  std::string at;
  OutputStyle output = OutputStyle::kAuto;
  KafkaFlags kafka;
};

struct SetFlags {
  std::string topic;
  StartupFlags start;
  std::string partitions;
  bool execute = false;
  bool dry_run = false;
  OutputStyle output = OutputStyle::kAuto;
  KafkaFlags kafka;
};

void add_kafka_options(CLI::App& cmd, KafkaFlags& f) {
  cmd.add_option("-b,--bootstrap", f.bootstrap, "Bootstrap servers (default localhost:9092)");
  cmd.add_option("-X", f.x_options, "librdkafka property key=value (repeatable)");
  cmd.add_option("-F", f.properties_file, "Java-style client properties file");
}

std::string text_or_dash(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : "-";
}

void append_json_number_or_null(std::string& out, const std::optional<std::int64_t>& v) {
  out += v ? std::to_string(*v) : "null";
}

core::Status check_topic(const std::string& topic) {
  if (topic.empty()) return core::invalid_argument("-t/--topic is required");
  if (core::Status st = kafka::validate_topic_name(topic); !st.ok()) {
    return core::invalid_argument("-t/--topic: " + st.message());
  }
  return core::Status();
}

// The consumer Config from -F/-X, and the bootstrap to use. -b embedded is refused: an
// in-process broker starts empty, so it has no offsets to show or move.
core::Status kafka_setup(const KafkaFlags& f, const CLI::App& cmd, kafka::Config& config,
                         std::string& bootstrap) {
  if (core::Status st = apply_kafka_flags(
          config, cmd.count("-F") > 0 ? &f.properties_file : nullptr, f.x_options);
      !st.ok()) {
    return st;
  }
  if (f.bootstrap == "embedded") {
    return core::invalid_argument(
        "-b embedded: an in-process embedded broker starts empty, so it has no offsets to show "
        "or move; run `tidemark broker` and use -b localhost:9092 (or point -b at your cluster)");
  }
  bootstrap = bootstrap_or_default(f.bootstrap, config);
  return core::Status();
}

std::string shown_bootstrap(const std::string& bootstrap, const kafka::Config& config) {
  return bootstrap.empty() ? config.get("bootstrap.servers").value_or("") : bootstrap;
}

// Checks the broker, creates the EventConsumer for `options` and plans.
core::Result<consumer::ConsumePlan> plan_for(const kafka::Config& config, std::string& bootstrap,
                                             consumer::ConsumeOptions options,
                                             std::unique_ptr<consumer::EventConsumer>& out) {
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> checked =
      start_or_check_broker(config, bootstrap, options.topic, 1);
  if (!checked.ok()) return checked.status();
  options.bounded = consumer::BoundedSpec{};
  options.query_timeout_ms = kQueryTimeoutMs;
  core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
      consumer::EventConsumer::create(config, bootstrap, std::move(options));
  if (!ec.ok()) return ec.status();
  out = std::move(*ec);
  return out->plan();
}

// The group's state and members, when the cluster can say (not the embedded broker).
core::Result<kafka::GroupDescription> describe_group(const kafka::Config& config,
                                                     const std::string& bootstrap,
                                                     const std::string& group) {
  core::Result<std::unique_ptr<kafka::AdminClient>> admin =
      kafka::AdminClient::create(config, bootstrap);
  if (!admin.ok()) return admin.status();
  return (*admin)->describe_group(group, 10000);
}

std::string members_text(const kafka::GroupDescription& d) {
  std::string text;
  for (const kafka::GroupMember& m : d.members) {
    if (!text.empty()) text += ", ";
    text += m.client_id.empty() ? m.member_id : m.client_id;
    if (!m.host.empty()) text += " at " + m.host;
  }
  return text;
}

// ---- tidemark offsets ----

int run_view(Context& ctx, const ViewFlags& f, const CLI::App& cmd) {
  if (core::Status st = check_topic(f.topic); !st.ok()) return report_error(st);
  std::optional<std::int64_t> at;
  if (cmd.count("--at") > 0) {
    core::Result<std::int64_t> t = parse_time_flag("--at", f.at, wall_now_ms());
    if (!t.ok()) return report_error(t.status());
    at = *t;
  }
  kafka::Config config(kafka::ClientRole::kConsumer);
  std::string bootstrap;
  if (core::Status st = kafka_setup(f.kafka, cmd, config, bootstrap); !st.ok()) {
    return report_error(st);
  }
  core::Result<std::string> group = group_from_flags(f.group, config);
  if (!group.ok()) return report_error(group.status());

  consumer::ConsumeOptions o;
  o.topic = f.topic;
  o.group = *group;
  o.decode.registry = &ctx.registry;
  if (at) {
    // What --startup-mode timestamp would look up: the same lookup, the same scan fallback.
    o.startup.mode = StartupMode::kTimestamp;
    o.startup.timestamp_ms = *at;
  } else {
    o.startup.mode = StartupMode::kEarliestOffset;
  }
  std::unique_ptr<consumer::EventConsumer> ec;
  core::Result<consumer::ConsumePlan> plan = plan_for(config, bootstrap, std::move(o), ec);
  if (!plan.ok()) return report_error(plan.status());
  const bool with_group = !group->empty();

  std::optional<kafka::GroupDescription> described;
  if (with_group) {
    core::Result<kafka::GroupDescription> d = describe_group(config, bootstrap, *group);
    if (d.ok()) described = std::move(*d);
  }

  // Totals over the partitions.
  std::int64_t available = 0;
  std::int64_t lag = 0;
  std::size_t committed_count = 0;
  bool any_not_found = false;
  for (const consumer::PartitionPlan& p : plan->partitions) {
    available += p.facts.high - p.facts.low;
    if (p.facts.committed) {
      ++committed_count;
      lag += p.facts.high - *p.facts.committed;
    }
    if (p.start_lookup && !p.start_lookup->offset) any_not_found = true;
  }
  const std::size_t n = plan->partitions.size();
  std::string totals = "total: " + std::to_string(n) + (n == 1 ? " partition, " : " partitions, ") +
                       std::to_string(available) +
                       " offsets between the low and high watermark offsets";
  if (with_group) {
    if (committed_count == 0) {
      totals += "; group '" + *group + "' has no committed offset here";
    } else {
      totals += ", lag " + std::to_string(lag);
      if (committed_count < n) {
        totals += " (over the " + std::to_string(committed_count) + " of " + std::to_string(n) +
                  " partitions with a committed offset)";
      }
    }
  }
  std::string note;
  if (at && any_not_found) {
    note = "-: no record at or after " + core::format_iso8601(*at) +
           " (--startup-mode timestamp would start at the high watermark offset)";
  }

  if (use_table(f.output)) {
    std::cout << "topic '" << f.topic << "' on " << shown_bootstrap(bootstrap, config);
    if (with_group) {
      std::cout << ", group '" << *group << "'";
      if (described) {
        std::cout << " (" << described->state << ", " << described->members.size()
                  << (described->members.size() == 1 ? " member" : " members") << ")";
      }
    }
    std::cout << "\n";
    if (at) std::cout << "offsets at " << core::format_iso8601(*at) << " (" << *at << ")\n";
    std::vector<std::string> header{"PARTITION", "LOW-WATERMARK-OFFSET", "HIGH-WATERMARK-OFFSET"};
    std::vector<bool> align{true, true, true};
    if (with_group) {
      header.insert(header.end(), {"COMMITTED-OFFSET", "LAG"});
      align.insert(align.end(), {true, true});
    }
    if (at) {
      header.insert(header.end(), {"OFFSET-AT-TIME", "FOUND-BY"});
      align.insert(align.end(), {true, false});
    }
    std::vector<std::vector<std::string>> rows;
    for (const consumer::PartitionPlan& p : plan->partitions) {
      std::vector<std::string> row{std::to_string(p.facts.partition), std::to_string(p.facts.low),
                                   std::to_string(p.facts.high)};
      if (with_group) {
        row.push_back(text_or_dash(p.facts.committed));
        row.push_back(p.facts.committed ? std::to_string(p.facts.high - *p.facts.committed)
                                        : "-");
      }
      if (at) {
        const std::optional<std::int64_t> found =
            p.start_lookup ? p.start_lookup->offset : std::nullopt;
        row.push_back(text_or_dash(found));
        row.push_back(p.facts.high <= p.facts.low ? "-"
                      : p.start_lookup && p.start_lookup->by_scan ? "scan"
                                                                  : "broker");
      }
      rows.push_back(std::move(row));
    }
    print_table(header, rows, align);
    std::cout << totals << "\n";
    if (!note.empty()) std::cout << note << "\n";
    return kExitOk;
  }

  for (const consumer::PartitionPlan& p : plan->partitions) {
    std::string line = "{\"topic\":";
    append_json_string(line, f.topic);
    line += ",\"partition\":" + std::to_string(p.facts.partition);
    line += ",\"low_watermark_offset\":" + std::to_string(p.facts.low);
    line += ",\"high_watermark_offset\":" + std::to_string(p.facts.high);
    if (with_group) {
      line += ",\"group\":";
      append_json_string(line, *group);
      line += ",\"committed_offset\":";
      append_json_number_or_null(line, p.facts.committed);
      line += ",\"lag\":";
      append_json_number_or_null(line, p.facts.committed
                                           ? std::optional<std::int64_t>(p.facts.high -
                                                                         *p.facts.committed)
                                           : std::nullopt);
    }
    if (at) {
      line += ",\"at_timestamp\":" + std::to_string(*at);
      line += ",\"offset_at_time\":";
      append_json_number_or_null(line, p.start_lookup ? p.start_lookup->offset : std::nullopt);
      line += ",\"found_by\":";
      line += p.facts.high <= p.facts.low                 ? "null"
              : p.start_lookup && p.start_lookup->by_scan ? "\"scan\""
                                                          : "\"broker\"";
    }
    line += "}\n";
    std::cout << line;
  }
  std::cout.flush();
  std::cerr << totals << "\n";
  if (!note.empty()) std::cerr << note << "\n";
  return kExitOk;
}

// ---- tidemark offsets set ----

// "0,2,5" -> {0, 2, 5}. Errors: kInvalidArgument naming --partitions and the piece.
core::Result<std::set<std::int32_t>> parse_partition_list(const std::string& text) {
  std::set<std::int32_t> out;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t comma = text.find(',', begin);
    const std::string piece =
        text.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    core::Result<std::uint64_t> v = parse_u64_flag("--partitions", piece);
    if (!v.ok() || *v > 0x7fffffffULL) {
      return bad_flag("--partitions", text,
                      "entry " + core::quoted(piece) +
                          " is not a partition number; expected a list such as 0,2,5");
    }
    out.insert(static_cast<std::int32_t>(*v));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return out;
}

int run_set(Context& ctx, const SetFlags& f, const CLI::App& cmd) {
  if (core::Status st = check_topic(f.topic); !st.ok()) return report_error(st);
  const std::int64_t now_ms = wall_now_ms();
  core::Result<std::optional<consumer::OffsetAlias>> alias =
      parse_offset_alias_flag(f.start, cmd, now_ms);
  if (!alias.ok()) return report_error(alias.status());
  if (*alias) {
    const std::string o = "-o " + f.start.offset_alias;
    if (!(*alias)->startup) {
      return report_error(core::invalid_argument(
          o + " says only where to stop (" + (*alias)->flink_equivalent +
          "); offsets set needs where to start"));
    }
    if ((*alias)->bounded) {
      return report_error(core::invalid_argument(
          o + " also says where to stop (" + (*alias)->flink_equivalent +
          "); offsets set moves start positions only: give a form without a stop"));
    }
  }
  core::Result<consumer::StartupSpec> spec =
      startup_spec_from_flags(f.start, cmd, now_ms, *alias, std::nullopt, "");
  if (!spec.ok()) return report_error(spec.status());
  std::optional<std::set<std::int32_t>> selected;
  if (cmd.count("--partitions") > 0) {
    core::Result<std::set<std::int32_t>> s = parse_partition_list(f.partitions);
    if (!s.ok()) return report_error(s.status());
    selected = std::move(*s);
  }

  kafka::Config config(kafka::ClientRole::kConsumer);
  std::string bootstrap;
  if (core::Status st = kafka_setup(f.kafka, cmd, config, bootstrap); !st.ok()) {
    return report_error(st);
  }
  core::Result<std::string> group = group_from_flags(f.start.group, config);
  if (!group.ok()) return report_error(group.status());
  if (group->empty()) {
    return report_error(
        core::invalid_argument("-g/--group is required: the group whose committed offsets move"));
  }
  warn_if_auto_offset_reset_configured(config);

  consumer::ConsumeOptions o;
  o.topic = f.topic;
  o.group = *group;
  o.startup = *spec;
  o.decode.registry = &ctx.registry;
  std::unique_ptr<consumer::EventConsumer> ec;
  core::Result<consumer::ConsumePlan> plan = plan_for(config, bootstrap, std::move(o), ec);
  if (!plan.ok()) return report_error(plan.status());

  std::vector<consumer::PartitionFacts> facts;
  for (const consumer::PartitionPlan& p : plan->partitions) facts.push_back(p.facts);
  if (spec->mode == StartupMode::kSpecificOffsets) {
    for (std::int32_t id : consumer::unknown_partitions(spec->specific, facts)) {
      std::cerr << "tidemark: warning: partition " << id << " is listed but '" << f.topic
                << "' has " << facts.size() << " partitions (Flink ignores it too)\n";
    }
  }
  std::vector<const consumer::PartitionPlan*> chosen;
  if (selected) {
    for (std::int32_t id : *selected) {
      if (id < 0 || static_cast<std::size_t>(id) >= plan->partitions.size()) {
        return report_error(bad_flag("--partitions", f.partitions,
                                     "topic '" + f.topic + "' has no partition " +
                                         std::to_string(id) + " (it has " +
                                         std::to_string(plan->partitions.size()) +
                                         " partitions)"));
      }
    }
  }
  for (const consumer::PartitionPlan& p : plan->partitions) {
    if (!selected || selected->count(p.facts.partition) > 0) chosen.push_back(&p);
  }

  // Kafka accepts commits from outside a group only while the group is empty (the Java tool
  // refuses likewise: "Assignments can only be reset if the group is inactive").
  core::Result<kafka::GroupDescription> described = describe_group(config, bootstrap, *group);
  if (described.ok() && !described->members.empty()) {
    return report_error(core::Status(
        core::StatusCode::kKafka,
        "group '" + *group + "' has " + std::to_string(described->members.size()) +
            (described->members.size() == 1 ? " active member" : " active members") +
            " (state " + described->state + ": " + members_text(*described) +
            "); Kafka accepts offset commits from outside a group only while the group is "
            "empty: stop its consumers (or wait until their session timeout has passed) and "
            "run again"));
  }
  const bool table = use_table(f.output);
  std::ostream& info = table ? std::cout : std::cerr;
  if (!described.ok() && !f.execute) {
    if (described.status().code() == core::StatusCode::kUnsupported) {
      std::cerr << "tidemark: note: " << described.status().message() << "; if group '"
                << *group << "' has active members, --execute will be refused\n";
    } else {
      std::cerr << "tidemark: warning: cannot tell whether group '" << *group
                << "' has active members: " << described.status().message() << "\n";
    }
  }

  if (f.execute) {
    std::vector<kafka::PartitionOffset> offsets;
    for (const consumer::PartitionPlan* p : chosen) {
      offsets.push_back({p->facts.partition, p->range.start});
    }
    if (core::Status st = ec->kafka_consumer().commit(f.topic, offsets, kQueryTimeoutMs);
        !st.ok()) {
      return report_error(st);
    }
  }

  if (table) {
    info << "group '" << *group << "', topic '" << f.topic << "' on "
         << shown_bootstrap(bootstrap, config) << "\n";
    info << "startup: " << consumer::describe(*spec);
    if (!spec->origin.empty()) info << "  [" << spec->origin << "]";
    info << "\n";
    if (*alias) info << "-o means: " << (*alias)->flink_equivalent << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const consumer::PartitionPlan* p : chosen) {
      rows.push_back({*group, f.topic, std::to_string(p->facts.partition),
                      text_or_dash(p->facts.committed), std::to_string(p->range.start),
                      p->range.start_rule});
    }
    print_table({"GROUP", "TOPIC", "PARTITION", "CURRENT", "NEW", "RULE"}, rows,
                {false, false, true, true, true, false});
  } else {
    for (const consumer::PartitionPlan* p : chosen) {
      std::string line = "{\"group\":";
      append_json_string(line, *group);
      line += ",\"topic\":";
      append_json_string(line, f.topic);
      line += ",\"partition\":" + std::to_string(p->facts.partition);
      line += ",\"current_offset\":";
      append_json_number_or_null(line, p->facts.committed);
      line += ",\"new_offset\":" + std::to_string(p->range.start);
      line += ",\"rule\":";
      append_json_string(line, p->range.start_rule);
      line += f.execute ? ",\"executed\":true}\n" : ",\"executed\":false}\n";
      std::cout << line;
    }
  }
  const std::size_t n = chosen.size();
  const std::string count = std::to_string(n) + (n == 1 ? " partition" : " partitions");
  if (f.execute) {
    info << "done: group '" << *group << "' now has these committed offsets in " << count
         << " of '" << f.topic << "'\n";
  } else {
    info << "dry run: nothing was committed; add --execute to move group '" << *group
         << "' to NEW in " << count << " of '" << f.topic << "'\n";
  }
  return kExitOk;
}

// Options given to `offsets` before the word `set`, which `set` would otherwise ignore.
std::string parent_options_given(const CLI::App& parent) {
  std::string names;
  for (const CLI::Option* opt : parent.get_options()) {
    if (opt->count() > 0) {
      if (!names.empty()) names += ", ";
      names += opt->get_name();
    }
  }
  return names;
}

}  // namespace

void install_offsets_command(CLI::App& app, Context& ctx) {
  auto view = std::make_shared<ViewFlags>();
  auto* cmd = app.add_subcommand(
      "offsets",
      "Per partition: low and high watermark offsets, a group's committed offset and lag, the "
      "offset for a time; `offsets set` moves a group to where a startup mode starts");
  cmd->add_option("-t,--topic", view->topic, "Topic (required)");
  cmd->add_option("-g,--group", view->group,
                  "Consumer group: adds its committed offset (kafka-consumer-groups' "
                  "CURRENT-OFFSET) and LAG = high watermark offset - committed offset");
  cmd->add_option("--at", view->at,
                  "Also the offset of the first record whose timestamp is >= TIME, where "
                  "--startup-mode timestamp would start (Kafka ListOffsets by time; scanned on "
                  "the embedded broker): ISO-8601 (2026-01-01T00:00:00Z), epoch ms, or relative "
                  "to now (-1h)");
  add_output_option(*cmd, view->output);
  add_kafka_options(*cmd, view->kafka);
  cmd->footer(
      "Columns: LOW-WATERMARK-OFFSET is the log start offset (rpk: LOG-START-OFFSET), "
      "HIGH-WATERMARK-OFFSET the offset after the last record (kafka-consumer-groups and rpk: "
      "LOG-END-OFFSET), COMMITTED-OFFSET the group's next offset to read (CURRENT-OFFSET), "
      "LAG their difference. Offsets, never event times. A table on a terminal with a total "
      "line; JSON Lines on a pipe (the total on stderr).\n"
      "Examples:\n"
      "  tidemark offsets -t test-topic -g lab\n"
      "  tidemark offsets -t test-topic --at -1h\n"
      "  tidemark offsets set -g lab -t test-topic --startup-mode earliest-offset --execute\n"
      "Exit codes: 0 done, 1 runtime failure, 2 bad flags. See docs/offsets.md.");

  auto set = std::make_shared<SetFlags>();
  auto* set_cmd = cmd->add_subcommand(
      "set",
      "Move a group's committed offsets to where a Flink startup mode would start (dry run "
      "unless --execute; kafka-consumer-groups --reset-offsets)");
  set_cmd->add_option("-t,--topic", set->topic, "Topic (required)");
  add_group_option(*set_cmd, set->start,
                   "Consumer group whose committed offsets move (required; Flink: "
                   "properties.group.id)");
  add_startup_options(*set_cmd, set->start, " (required, or -o)");
  add_offset_alias_option(
      *set_cmd, set->start,
      "kcat/rpk offsets for the start: beginning|start, end, stored, N, -N (N before the end), "
      "+N, s@MS, @T (docs/startup-modes.md); forms with a stop are refused");
  set_cmd->add_option("--partitions", set->partitions,
                      "Only these partitions, e.g. 0,2 (default: all)");
  auto* execute = set_cmd->add_flag(
      "--execute", set->execute, "Commit the NEW offsets (without it: a dry run that commits nothing)");
  set_cmd->add_flag("--dry-run", set->dry_run, "Print CURRENT and NEW only (the default)")
      ->excludes(execute);
  add_output_option(*set_cmd, set->output);
  add_kafka_options(*set_cmd, set->kafka);
  set_cmd->footer(
      "NEW is where `tidemark consume` with the same startup flags would start (every Flink "
      "fallback applies; the RULE column says which). Kafka accepts commits from outside a "
      "group only while the group has no active members: stop its consumers first. Afterwards "
      "`tidemark consume --startup-mode group-offsets -g GROUP` (or Flink with "
      "scan.startup.mode group-offsets) starts there.\n"
      "Examples:\n"
      "  tidemark offsets set -g lab -t test-topic --startup-mode earliest-offset\n"
      "  tidemark offsets set -g lab -t test-topic --startup-timestamp -1h --execute\n"
      "  tidemark offsets set -g lab -t test-topic -o -100 --partitions 0,2 --execute\n"
      "Exit codes: 0 done, 1 runtime failure (also a group with active members), 2 bad flags.");

  cmd->callback([&ctx, view, cmd, set_cmd] {
    if (set_cmd->parsed()) return;
    ctx.exit_code = run_view(ctx, *view, *cmd);
  });
  set_cmd->callback([&ctx, set, cmd, set_cmd] {
    if (const std::string given = parent_options_given(*cmd); !given.empty()) {
      ctx.exit_code = report_error(core::invalid_argument(
          given + " before 'set': put the options after it (tidemark offsets set -g GROUP -t "
                  "TOPIC ...)"));
      return;
    }
    ctx.exit_code = run_set(ctx, *set, *set_cmd);
  });
}

}  // namespace tidemark::cli
