// The startup flags shared by `tidemark consume` and `tidemark offsets set`: Flink's
// scan.startup.* options (--startup-mode, --startup-timestamp-millis, --startup-timestamp,
// --startup-specific-offsets), --auto-offset-reset, -g/--group and kcat's and rpk's -o, declared
// once and turned into a consumer::StartupSpec with the same checks and messages in both
// commands. Also the small value parsers both use (epoch millis, times, counts).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tidemark/consumer/offset_spec.h"
#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"

namespace tidemark::cli {

struct StartupFlags {
  std::string group;
  std::string startup_mode;
  std::string startup_timestamp_millis;
  std::string startup_timestamp;
  std::string startup_specific_offsets;
  std::string auto_offset_reset;
  std::string offset_alias;  // -o
};

// -g/--group with the command's own help text.
void add_group_option(CLI::App& cmd, StartupFlags& flags, const std::string& help);
// --startup-mode (its help ends with `mode_help`, e.g. which mode is the default),
// --startup-timestamp-millis, --startup-timestamp, --startup-specific-offsets,
// --auto-offset-reset.
void add_startup_options(CLI::App& cmd, StartupFlags& flags, const std::string& mode_help);
// -o with the command's own help text.
void add_offset_alias_option(CLI::App& cmd, StartupFlags& flags, const std::string& help);

// "<flag> '<value>': <what>" as a usage error.
core::Status bad_flag(std::string_view flag, const std::string& value, std::string_view what);
// A whole number >= 0. Errors: kInvalidArgument naming the flag.
core::Result<std::uint64_t> parse_u64_flag(std::string_view flag, const std::string& text);
// Epoch milliseconds as Flink's *-timestamp-millis options take them: a long >= 0.
core::Result<std::int64_t> parse_millis_flag(std::string_view flag, const std::string& text);
// ISO-8601, epoch ms, 'now' or a duration from now such as -1h (core::parse_time), >= 0.
core::Result<std::int64_t> parse_time_flag(std::string_view flag, const std::string& text,
                                           std::int64_t now_ms);
std::int64_t wall_now_ms();

// The -o value when given, parsed (rpk's relative times against now_ms), and checked against
// the --startup-* flags it would contradict. nullopt when -o was not given.
// Errors: kInvalidArgument naming -o and the contradicting flag.
core::Result<std::optional<consumer::OffsetAlias>> parse_offset_alias_flag(
    const StartupFlags& flags, const CLI::App& cmd, std::int64_t now_ms);

// True when any --startup-* flag was given (not -o, not --auto-offset-reset).
bool startup_flags_given(const CLI::App& cmd);

// The startup spec: the alias' startup part when -o gave one, else the --startup-* flags (a
// timestamp or specific-offsets flag implies its mode), else `default_mode` with origin
// `default_origin`. `default_mode` nullopt: a startup mode is required (usage error naming
// --startup-mode). --auto-offset-reset applies to group-offsets and specific-offsets only.
// Errors: kInvalidArgument naming the flag.
core::Result<consumer::StartupSpec> startup_spec_from_flags(
    const StartupFlags& flags, const CLI::App& cmd, std::int64_t now_ms,
    const std::optional<consumer::OffsetAlias>& alias,
    std::optional<consumer::StartupMode> default_mode, std::string_view default_origin);

// The group: -g (`flag`), or group.id from -X/-F. Errors: kInvalidArgument when they contradict.
core::Result<std::string> group_from_flags(const std::string& flag, const kafka::Config& config);

// Warns on stderr when auto.offset.reset comes from -X/-F: Flink forces it per startup mode.
void warn_if_auto_offset_reset_configured(const kafka::Config& config);

}  // namespace tidemark::cli
