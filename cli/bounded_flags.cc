#include "bounded_flags.h"

#include <utility>

namespace tidemark::cli {

using consumer::BoundedMode;
using consumer::BoundedSpec;

void add_bounded_options(CLI::App& cmd, BoundedFlags& flags, const std::string& mode_help) {
  cmd.add_option("--bounded-mode", flags.bounded_mode,
                 "Where to stop (Flink: scan.bounded.mode): unbounded, latest-offset, "
                 "group-offsets, timestamp, specific-offsets; stops are exclusive" +
                     mode_help);
  cmd.add_option("--bounded-timestamp-millis", flags.bounded_timestamp_millis,
                 "Stop before the first record whose timestamp is >= MS (Flink: "
                 "scan.bounded.timestamp-millis); implies --bounded-mode timestamp");
  cmd.add_option("--bounded-timestamp", flags.bounded_timestamp,
                 "The same as a time: ISO-8601, epoch ms, or relative to now (-5m)");
  cmd.add_option("--bounded-specific-offsets", flags.bounded_specific_offsets,
                 "'partition:0,offset:100;...' stop offsets (Flink: "
                 "scan.bounded.specific-offsets); implies --bounded-mode specific-offsets");
  cmd.add_flag("-e,--exit-at-end", flags.exit_at_end,
               "Stop at the end offsets read at start (kcat -e; --bounded-mode latest-offset)");
}

core::Result<BoundedSpec> bounded_spec_from_flags(const BoundedFlags& f, const StartupFlags& start,
                                                  const CLI::App& cmd, std::int64_t now_ms,
                                                  const std::optional<consumer::OffsetAlias>& alias,
                                                  BoundedMode default_mode,
                                                  std::string_view default_origin) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  BoundedSpec s;
  if (alias && alias->bounded) {
    const std::string o = "-o " + start.offset_alias;
    for (const char* flag : {"--bounded-mode", "--bounded-timestamp-millis", "--bounded-timestamp",
                             "--bounded-specific-offsets", "--exit-at-end"}) {
      if (given(flag)) {
        return core::invalid_argument(o + " and " + std::string(flag) +
                                      " both say where to stop: give one of them (" + o +
                                      " means " + alias->flink_equivalent + ")");
      }
    }
    return *alias->bounded;
  }
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
    s.timestamp_ms = *ms;
    implied = BoundedMode::kTimestamp;
    implied_by = "--bounded-timestamp-millis";
  } else if (given("--bounded-timestamp")) {
    core::Result<std::int64_t> ms =
        parse_time_flag("--bounded-timestamp", f.bounded_timestamp, now_ms);
    if (!ms.ok()) return ms.status();
    s.timestamp_ms = *ms;
    implied = BoundedMode::kTimestamp;
    implied_by = "--bounded-timestamp";
  }
  if (given("--bounded-specific-offsets")) {
    if (implied) {
      return core::invalid_argument(implied_by +
                                    " and --bounded-specific-offsets: give one of them");
    }
    core::Result<consumer::SpecificOffsets> m =
        consumer::parse_specific_offsets("--bounded-specific-offsets", f.bounded_specific_offsets);
    if (!m.ok()) return m.status();
    s.specific = std::move(*m);
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
    s.mode = *mode;
    s.origin = "--bounded-mode " + f.bounded_mode;
  } else if (implied) {
    s.mode = *implied;
    s.origin = implied_by;
  } else {
    s.mode = default_mode;
    s.origin = std::string(default_origin);
  }
  if (s.mode == BoundedMode::kTimestamp && !implied) {
    return core::invalid_argument(
        "--bounded-mode timestamp needs --bounded-timestamp-millis MS or --bounded-timestamp "
        "TIME");
  }
  if (s.mode == BoundedMode::kSpecificOffsets && !implied) {
    return core::invalid_argument(
        "--bounded-mode specific-offsets needs --bounded-specific-offsets "
        "'partition:0,offset:42;...'");
  }
  return s;
}

}  // namespace tidemark::cli
