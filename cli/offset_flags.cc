#include "offset_flags.h"

#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>

#include "tidemark/core/time.h"
#include "tidemark/kafka/consumer.h"
#include "tidemark/consumer/event_consumer.h"

namespace tidemark::cli {

namespace {

using consumer::BoundedMode;
using consumer::OffsetResetStrategy;
using consumer::StartupMode;

core::Status bad_flag(std::string_view flag, const std::string& value, std::string_view what) {
  return core::invalid_argument(std::string(flag) + " " + core::quoted(value) + ": " +
                                std::string(what));
}

// Epoch milliseconds as Flink's *-timestamp-millis options take them: a long >= 0.
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

// ISO-8601, epoch ms, 'now' or a duration from now such as -1h (core::parse_time).
core::Result<std::int64_t> parse_time_flag(std::string_view flag, const std::string& text,
                                           std::int64_t now_ms) {
  core::Result<std::int64_t> t = core::parse_time(text, now_ms);
  if (!t.ok()) return core::invalid_argument(std::string(flag) + ": " + t.status().message());
  if (*t < 0) return bad_flag(flag, text, "before 1970-01-01T00:00:00Z");
  return *t;
}

}  // namespace

void add_offset_flags(CLI::App& cmd, OffsetFlags& f, const OffsetDefaults& defaults) {
  cmd.add_option("--startup-mode", f.startup_mode,
                  "Where to start (Flink: scan.startup.mode): earliest-offset, latest-offset, "
                  "group-offsets, timestamp, specific-offsets (default " +
                      std::string(consumer::to_string(defaults.startup)) + ")");
  cmd.add_option("--startup-timestamp-millis", f.startup_timestamp_millis,
                  "Start at the first record whose timestamp is >= MS (Flink: "
                  "scan.startup.timestamp-millis); implies --startup-mode timestamp");
  cmd.add_option("--startup-timestamp", f.startup_timestamp,
                  "The same as a time: ISO-8601 (2026-01-01T00:00:00Z), epoch ms, or relative "
                  "to now (-1h, -30m)");
  cmd.add_option("--startup-specific-offsets", f.startup_specific_offsets,
                  "'partition:0,offset:42;partition:1,offset:300' (Flink: "
                  "scan.startup.specific-offsets); unlisted partitions start at the group's "
                  "committed offset, else earliest; implies --startup-mode specific-offsets");
  cmd.add_option("--auto-offset-reset", f.auto_offset_reset,
                  "earliest, latest or none (default none: fail, as Flink does): where "
                  "group-offsets starts without a committed offset; for specific-offsets the "
                  "default is earliest (Flink SQL)");
  cmd.add_option("--bounded-mode", f.bounded_mode,
                  "Where to stop (Flink: scan.bounded.mode): unbounded, latest-offset, "
                  "group-offsets, timestamp, specific-offsets (default " +
                      std::string(consumer::to_string(defaults.bounded)) +
                      "); stops are exclusive");
  cmd.add_option("--bounded-timestamp-millis", f.bounded_timestamp_millis,
                  "Stop before the first record whose timestamp is >= MS (Flink: "
                  "scan.bounded.timestamp-millis); implies --bounded-mode timestamp");
  cmd.add_option("--bounded-timestamp", f.bounded_timestamp,
                  "The same as a time: ISO-8601, epoch ms, or relative to now (-5m)");
  cmd.add_option("--bounded-specific-offsets", f.bounded_specific_offsets,
                  "'partition:0,offset:100;...' stop offsets (Flink: "
                  "scan.bounded.specific-offsets); implies --bounded-mode specific-offsets");
  cmd.add_flag("-e,--exit-at-end", f.exit_at_end,
                "Stop at the end offsets read at start (kcat -e; --bounded-mode latest-offset)");
  cmd.add_option("-o", f.offset_alias,
                  "kcat/rpk offsets: beginning|start, end, stored (group-offsets), N, -N (N "
                  "before the end), +N, s@MS (timestamp), e@MS (stop at a timestamp), @T, "
                  "@T1:T2, :end, N:M; the Flink flags each means are printed at start "
                  "(docs/startup-modes.md)")
      ->allow_extra_args(false);
}

core::Result<OffsetSpecs> build_offset_specs(const OffsetFlags& f, CLI::App& cmd,
                                             std::int64_t now_ms, const OffsetDefaults& defaults) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  OffsetSpecs s;

  // ---- -o (kcat / rpk) ----
  std::optional<consumer::OffsetAlias> alias;
  if (given("-o")) {
    core::Result<consumer::OffsetAlias> a = consumer::parse_offset_alias(f.offset_alias, now_ms);
    if (!a.ok()) return a.status();
    alias = std::move(*a);
    s.alias_equivalent = alias->flink_equivalent;
    const std::string o = "-o " + f.offset_alias;
    if (alias->startup) {
      for (const char* flag : {"--startup-mode", "--startup-timestamp-millis",
                               "--startup-timestamp", "--startup-specific-offsets"}) {
        if (given(flag)) {
          return core::invalid_argument(o + " and " + flag +
                                        " both say where to start: give one of them (" + o +
                                        " means " + alias->flink_equivalent + ")");
        }
      }
    }
    if (alias->bounded) {
      for (const char* flag :
           {"--bounded-mode", "--bounded-timestamp-millis", "--bounded-timestamp",
            "--bounded-specific-offsets", "--exit-at-end"}) {
        if (given(flag)) {
          return core::invalid_argument(o + " and " + std::string(flag) +
                                        " both say where to stop: give one of them (" + o +
                                        " means " + alias->flink_equivalent + ")");
        }
      }
    }
  }

  // ---- startup ----
  if (alias && alias->startup) {
    s.startup = *alias->startup;
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
      s.startup.timestamp_ms = *ms;
      implied = StartupMode::kTimestamp;
      implied_by = "--startup-timestamp-millis";
    } else if (given("--startup-timestamp")) {
      core::Result<std::int64_t> ms =
          parse_time_flag("--startup-timestamp", f.startup_timestamp, now_ms);
      if (!ms.ok()) return ms.status();
      s.startup.timestamp_ms = *ms;
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
      s.startup.specific = std::move(*m);
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
      s.startup.mode = *mode;
      s.startup.origin = "--startup-mode " + f.startup_mode;
    } else if (implied) {
      s.startup.mode = *implied;
      s.startup.origin = implied_by;
    } else {
      s.startup.mode = defaults.startup;
      s.startup.origin = defaults.startup_origin;
    }
    if (s.startup.mode == StartupMode::kTimestamp && !implied) {
      return core::invalid_argument(
          "--startup-mode timestamp needs --startup-timestamp-millis MS or --startup-timestamp "
          "TIME");
    }
    if (s.startup.mode == StartupMode::kSpecificOffsets && !implied) {
      return core::invalid_argument(
          "--startup-mode specific-offsets needs --startup-specific-offsets "
          "'partition:0,offset:42;...'");
    }
    // Flink SQL resolves specific-offsets with reset EARLIEST; --auto-offset-reset may change
    // it (DataStream's offsets(map, strategy)).
    if (s.startup.mode == StartupMode::kSpecificOffsets) {
      s.startup.reset = OffsetResetStrategy::kEarliest;
    }
  }
  if (given("--auto-offset-reset")) {
    core::Result<OffsetResetStrategy> r = consumer::parse_offset_reset(f.auto_offset_reset);
    if (!r.ok()) return r.status().with_context("--auto-offset-reset");
    if (s.startup.mode != StartupMode::kGroupOffsets &&
        s.startup.mode != StartupMode::kSpecificOffsets) {
      return core::invalid_argument(
          "--auto-offset-reset applies to --startup-mode group-offsets and specific-offsets; "
          "Flink forces it for " +
          std::string(consumer::to_string(s.startup.mode)) + " (to " +
          std::string(
              kafka::auto_offset_reset_name(consumer::forced_auto_offset_reset(s.startup))) +
          ")");
    }
    s.startup.reset = *r;
  }

  // ---- bounded ----
  if (alias && alias->bounded) {
    s.bounded = *alias->bounded;
  } else {
    std::optional<BoundedMode> implied;
    std::string implied_by;
    if (given("--bounded-timestamp-millis") && given("--bounded-timestamp")) {
      return core::invalid_argument(
          "--bounded-timestamp-millis and --bounded-timestamp: give one of them");
    }
    if (given("--bounded-timestamp-millis")) {
      core::Result<std::int64_t> ms =
          parse_millis_flag("--bounded-timestamp-millis", f.bounded_timestamp_millis);
      if (!ms.ok()) return ms.status();
      s.bounded.timestamp_ms = *ms;
      implied = BoundedMode::kTimestamp;
      implied_by = "--bounded-timestamp-millis";
    } else if (given("--bounded-timestamp")) {
      core::Result<std::int64_t> ms =
          parse_time_flag("--bounded-timestamp", f.bounded_timestamp, now_ms);
      if (!ms.ok()) return ms.status();
      s.bounded.timestamp_ms = *ms;
      implied = BoundedMode::kTimestamp;
      implied_by = "--bounded-timestamp";
    }
    if (given("--bounded-specific-offsets")) {
      if (implied) {
        return core::invalid_argument(implied_by +
                                      " and --bounded-specific-offsets: give one of them");
      }
      core::Result<consumer::SpecificOffsets> m = consumer::parse_specific_offsets(
          "--bounded-specific-offsets", f.bounded_specific_offsets);
      if (!m.ok()) return m.status();
      s.bounded.specific = std::move(*m);
      implied = BoundedMode::kSpecificOffsets;
      implied_by = "--bounded-specific-offsets";
    }
    if (f.exit_at_end) {
      if (implied) {
        return core::invalid_argument("-e/--exit-at-end and " + implied_by +
                                      ": give one of them (-e is --bounded-mode latest-offset)");
      }
      implied = BoundedMode::kLatestOffset;
      implied_by = "-e/--exit-at-end";
    }
    if (given("--bounded-mode")) {
      core::Result<BoundedMode> mode = consumer::parse_bounded_mode(f.bounded_mode);
      if (!mode.ok()) return mode.status().with_context("--bounded-mode");
      if (implied && *implied != *mode) {
        return core::invalid_argument(implied_by + " applies only with --bounded-mode " +
                                      std::string(consumer::to_string(*implied)) +
                                      ", not with --bounded-mode " + f.bounded_mode);
      }
      s.bounded.mode = *mode;
      s.bounded.origin = "--bounded-mode " + f.bounded_mode;
    } else if (implied) {
      s.bounded.mode = *implied;
      s.bounded.origin = implied_by;
    } else {
      s.bounded.mode = defaults.bounded;
      s.bounded.origin = defaults.bounded_origin;
    }
    if (s.bounded.mode == BoundedMode::kTimestamp && !implied) {
      return core::invalid_argument(
          "--bounded-mode timestamp needs --bounded-timestamp-millis MS or --bounded-timestamp "
          "TIME");
    }
    if (s.bounded.mode == BoundedMode::kSpecificOffsets && !implied) {
      return core::invalid_argument(
          "--bounded-mode specific-offsets needs --bounded-specific-offsets "
          "'partition:0,offset:42;...'");
    }
  }
  return s;
}

}  // namespace tidemark::cli
