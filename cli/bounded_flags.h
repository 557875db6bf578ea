// The bounded flags shared by `tidemark consume` and `tidemark verify`: Flink's scan.bounded.*
// options (--bounded-mode, --bounded-timestamp-millis, --bounded-timestamp,
// --bounded-specific-offsets) and kcat's -e, declared once and turned into a
// consumer::BoundedSpec with the same checks and messages in both commands (the startup side is
// startup_flags.h).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "startup_flags.h"
#include "tidemark/consumer/offset_spec.h"
#include "tidemark/core/status.h"

namespace tidemark::cli {

struct BoundedFlags {
  std::string bounded_mode;
  std::string bounded_timestamp_millis;
  std::string bounded_timestamp;
  std::string bounded_specific_offsets;
  bool exit_at_end = false;
};

// --bounded-mode (its help ends with `mode_help`, e.g. which mode is the default),
// --bounded-timestamp-millis, --bounded-timestamp, --bounded-specific-offsets and
// -e/--exit-at-end.
void add_bounded_options(CLI::App& cmd, BoundedFlags& flags, const std::string& mode_help);

// The bounded spec: the alias' bounded part when -o gave one (any bounded flag beside it is a
// usage error naming both), else the flags (a timestamp or specific-offsets flag implies its
// mode, -e is latest-offset), else `default_mode` with origin `default_origin`.
// Errors: kInvalidArgument naming the flag.
core::Result<consumer::BoundedSpec> bounded_spec_from_flags(
    const BoundedFlags& flags, const StartupFlags& start, const CLI::App& cmd, std::int64_t now_ms,
    const std::optional<consumer::OffsetAlias>& alias, consumer::BoundedMode default_mode,
    std::string_view default_origin);

}  // namespace tidemark::cli
