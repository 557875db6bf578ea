#include "startup_flags.h"

#include <charconv>
#include <chrono>
#include <iostream>

#include "tidemark/consumer/event_consumer.h"  // forced_auto_offset_reset
#include "tidemark/core/time.h"
#include "tidemark/kafka/consumer.h"

namespace tidemark::cli {

using consumer::OffsetResetStrategy;
using consumer::StartupMode;
using consumer::StartupSpec;

namespace {

constexpr const char* kStartupFlagNames[] = {"--startup-mode", "--startup-timestamp-millis",
                                             "--startup-timestamp", "--startup-specific-offsets"};

}  // namespace

void add_group_option(CLI::App& cmd, StartupFlags& flags, const std::string& help) {
  cmd.add_option("-g,--group", flags.group, help);
}

void add_startup_options(CLI::App& cmd, StartupFlags& flags, const std::string& mode_help) {
  cmd.add_option("--startup-mode", flags.startup_mode,
                 "Where to start (Flink: scan.startup.mode): earliest-offset, latest-offset, "
                 "group-offsets, timestamp, specific-offsets" +
                     mode_help);
  cmd.add_option("--startup-timestamp-millis", flags.startup_timestamp_millis,
                 "Start at the first record whose timestamp is >= MS (Flink: "
                 "scan.startup.timestamp-millis); implies --startup-mode timestamp");
  cmd.add_option("--startup-timestamp", flags.startup_timestamp,
                 "The same as a time: ISO-8601 (2026-01-01T00:00:00Z), epoch ms, or relative "
                 "to now (-1h, -30m)");
  cmd.add_option("--startup-specific-offsets", flags.startup_specific_offsets,
                 "'partition:0,offset:42;partition:1,offset:300' (Flink: "
                 "scan.startup.specific-offsets); unlisted partitions start at the group's "
                 "committed offset, else earliest; implies --startup-mode specific-offsets");
  cmd.add_option("--auto-offset-reset", flags.auto_offset_reset,
                 "earliest, latest or none (default none: fail, as Flink does): where "
                 "group-offsets starts without a committed offset; for specific-offsets the "
                 "default is earliest (Flink SQL)");
}

void add_offset_alias_option(CLI::App& cmd, StartupFlags& flags, const std::string& help) {
  cmd.add_option("-o", flags.offset_alias, help)->allow_extra_args(false);
}

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

core::Result<std::int64_t> parse_millis_flag(std::string_view flag, const std::string& text) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return bad_flag(flag, text, "not a whole number of epoch milliseconds");
  }
  if (v < 0) {
    return bad_flag(flag, text, "negative; Kafka reads negative lookup times as special requests");
  }
  return v;
}

core::Result<std::int64_t> parse_time_flag(std::string_view flag, const std::string& text,
                                           std::int64_t now_ms) {
  core::Result<std::int64_t> t = core::parse_time(text, now_ms);
  if (!t.ok()) return core::invalid_argument(std::string(flag) + ": " + t.status().message());
  if (*t < 0) return bad_flag(flag, text, "before 1970-01-01T00:00:00Z");
  return *t;
}

std::int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

core::Result<std::optional<consumer::OffsetAlias>> parse_offset_alias_flag(
    const StartupFlags& f, const CLI::App& cmd, std::int64_t now_ms) {
  if (cmd.count("-o") == 0) return std::optional<consumer::OffsetAlias>();
  core::Result<consumer::OffsetAlias> a = consumer::parse_offset_alias(f.offset_alias, now_ms);
  if (!a.ok()) return a.status();
  if (a->startup) {
    const std::string o = "-o " + f.offset_alias;
    for (const char* flag : kStartupFlagNames) {
      if (cmd.count(flag) > 0) {
        return core::invalid_argument(o + " and " + flag +
                                      " both say where to start: give one of them (" + o +
                                      " means " + a->flink_equivalent + ")");
      }
    }
  }
  return std::optional<consumer::OffsetAlias>(std::move(*a));
}

bool startup_flags_given(const CLI::App& cmd) {
  for (const char* flag : kStartupFlagNames) {
    if (cmd.count(flag) > 0) return true;
  }
  return false;
}

core::Result<StartupSpec> startup_spec_from_flags(
    const StartupFlags& f, const CLI::App& cmd, std::int64_t now_ms,
    const std::optional<consumer::OffsetAlias>& alias, std::optional<StartupMode> default_mode,
    std::string_view default_origin) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  StartupSpec spec;
  if (alias && alias->startup) {
    spec = *alias->startup;
  } else {
    std::optional<StartupMode> implied;
    std::string implied_by;
    if (given("--startup-timestamp-millis") && given("--startup-timestamp")) {
      return core::invalid_argument(
          "--startup-timestamp-millis and --startup-timestamp: give one of them");
    }
    if (given("--startup-timestamp-millis")) {
      core::Result<std::int64_t> ms =
          parse_millis_flag("--startup-timestamp-millis", f.startup_timestamp_millis);
      if (!ms.ok()) return ms.status();
      spec.timestamp_ms = *ms;
      implied = StartupMode::kTimestamp;
      implied_by = "--startup-timestamp-millis";
    } else if (given("--startup-timestamp")) {
      core::Result<std::int64_t> ms =
          parse_time_flag("--startup-timestamp", f.startup_timestamp, now_ms);
      if (!ms.ok()) return ms.status();
      spec.timestamp_ms = *ms;
      implied = StartupMode::kTimestamp;
      implied_by = "--startup-timestamp";
    }
    if (given("--startup-specific-offsets")) {
      if (implied) {
        return core::invalid_argument(implied_by +
                                      " and --startup-specific-offsets: give one of them");
      }
      core::Result<consumer::SpecificOffsets> m = consumer::parse_specific_offsets(
          "--startup-specific-offsets", f.startup_specific_offsets);
      if (!m.ok()) return m.status();
      spec.specific = std::move(*m);
      implied = StartupMode::kSpecificOffsets;
      implied_by = "--startup-specific-offsets";
    }
    if (given("--startup-mode")) {
      core::Result<StartupMode> mode = consumer::parse_startup_mode(f.startup_mode);
      if (!mode.ok()) return mode.status().with_context("--startup-mode");
      if (implied && *implied != *mode) {
        return core::invalid_argument(implied_by + " applies only with --startup-mode " +
                                      std::string(consumer::to_string(*implied)) +
                                      ", not with --startup-mode " + f.startup_mode);
      }
      spec.mode = *mode;
      spec.origin = "--startup-mode " + f.startup_mode;
    } else if (implied) {
      spec.mode = *implied;
      spec.origin = implied_by;
    } else if (default_mode) {
      spec.mode = *default_mode;
      spec.origin = std::string(default_origin);
    } else {
      return core::invalid_argument(
          "a startup mode is required: --startup-mode earliest-offset|latest-offset|"
          "group-offsets|timestamp|specific-offsets (or -o, or --startup-timestamp / "
          "--startup-specific-offsets)");
    }
    if (spec.mode == StartupMode::kTimestamp && !implied) {
      return core::invalid_argument(
          "--startup-mode timestamp needs --startup-timestamp-millis MS or --startup-timestamp "
          "TIME");
    }
    if (spec.mode == StartupMode::kSpecificOffsets && !implied) {
      return core::invalid_argument(
          "--startup-mode specific-offsets needs --startup-specific-offsets "
          "'partition:0,offset:42;...'");
    }
    // Flink SQL resolves specific-offsets with reset EARLIEST; --auto-offset-reset may change
    // it (DataStream's offsets(map, strategy)).
    if (spec.mode == StartupMode::kSpecificOffsets) spec.reset = OffsetResetStrategy::kEarliest;
  }
  if (given("--auto-offset-reset")) {
    core::Result<OffsetResetStrategy> r = consumer::parse_offset_reset(f.auto_offset_reset);
    if (!r.ok()) return r.status().with_context("--auto-offset-reset");
    if (spec.mode != StartupMode::kGroupOffsets && spec.mode != StartupMode::kSpecificOffsets) {
      return core::invalid_argument(
          "--auto-offset-reset applies to --startup-mode group-offsets and specific-offsets; "
          "Flink forces it for " +
          std::string(consumer::to_string(spec.mode)) + " (to " +
          std::string(kafka::auto_offset_reset_name(consumer::forced_auto_offset_reset(spec))) +
          ")");
    }
    spec.reset = *r;
  }
  return spec;
}

core::Result<std::string> group_from_flags(const std::string& flag, const kafka::Config& config) {
  std::string group = flag;
  if (const std::optional<std::string> configured = config.get("group.id")) {
    if (!group.empty() && *configured != group) {
      return core::invalid_argument("-g " + group + " contradicts group.id=" + *configured +
                                    " from -X/-F: give the group once");
    }
    if (group.empty()) group = *configured;
  }
  return group;
}

void warn_if_auto_offset_reset_configured(const kafka::Config& config) {
  if (config.entry("auto.offset.reset") &&
      config.entry("auto.offset.reset")->layer != kafka::ConfigLayer::kDefault) {
    std::cerr << "tidemark: warning: auto.offset.reset from -X/-F is ignored: Flink forces it "
                 "per startup mode (use --auto-offset-reset with group-offsets or "
                 "specific-offsets)\n";
  }
}

}  // namespace tidemark::cli
