// The startup and bounded mode flags that `consume` and `verify` share: Flink's option names
// (--startup-mode, --startup-timestamp[-millis], --startup-specific-offsets,
// --auto-offset-reset, --bounded-mode, --bounded-timestamp[-millis], --bounded-specific-offsets),
// kcat's -e, and kcat's/rpk's -o, turned into consumer::StartupSpec and BoundedSpec with the
// origin of each (which flag, or the command's default) for the plan printed at start.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "tidemark/consumer/offset_spec.h"
#include "tidemark/core/status.h"

namespace tidemark::cli {

struct OffsetFlags {
  std::string startup_mode;
  std::string startup_timestamp_millis;
  std::string startup_timestamp;
  std::string startup_specific_offsets;
  std::string auto_offset_reset;
  std::string bounded_mode;
  std::string bounded_timestamp_millis;
  std::string bounded_timestamp;
  std::string bounded_specific_offsets;
  bool exit_at_end = false;
  std::string offset_alias;
};

// What a command does when no flag says where to start or stop.
struct OffsetDefaults {
  consumer::StartupMode startup = consumer::StartupMode::kEarliestOffset;
  std::string startup_origin = "default";
  consumer::BoundedMode bounded = consumer::BoundedMode::kUnbounded;
  std::string bounded_origin = "default";
};

struct OffsetSpecs {
  consumer::StartupSpec startup;
  consumer::BoundedSpec bounded;
  std::string alias_equivalent;  // what -o means in Flink's flags, when -o was given
};

// Adds the flags to `cmd` (their help names the defaults).
void add_offset_flags(CLI::App& cmd, OffsetFlags& f, const OffsetDefaults& defaults);

// The specs the flags given on `cmd` describe. Errors (kInvalidArgument, usage errors) name the
// flag and the value: contradicting flags, a mode without its value, bad times or offsets.
core::Result<OffsetSpecs> build_offset_specs(const OffsetFlags& f, CLI::App& cmd,
                                             std::int64_t now_ms, const OffsetDefaults& defaults);

}  // namespace tidemark::cli
