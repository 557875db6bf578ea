// Mode names and their one-line descriptions. The names are Flink's own, so a value copied from
// a Flink DDL works as a flag; the parsers of offset_spec.h live in specific_offsets.cc and
// offset_alias.cc, the resolver in offset_resolver.cc.
#include "tidemark/consumer/offset_spec.h"

#include <array>
#include <string>
#include <utility>

#include "tidemark/core/time.h"

namespace tidemark::consumer {
namespace {

constexpr std::array<std::pair<StartupMode, std::string_view>, 5> kStartupNames{{
    {StartupMode::kEarliestOffset, "earliest-offset"},
    {StartupMode::kLatestOffset, "latest-offset"},
    {StartupMode::kGroupOffsets, "group-offsets"},
    {StartupMode::kTimestamp, "timestamp"},
    {StartupMode::kSpecificOffsets, "specific-offsets"},
}};
constexpr std::array<std::pair<BoundedMode, std::string_view>, 5> kBoundedNames{{
    {BoundedMode::kUnbounded, "unbounded"},
    {BoundedMode::kLatestOffset, "latest-offset"},
    {BoundedMode::kGroupOffsets, "group-offsets"},
    {BoundedMode::kTimestamp, "timestamp"},
    {BoundedMode::kSpecificOffsets, "specific-offsets"},
}};
constexpr std::array<std::pair<OffsetResetStrategy, std::string_view>, 3> kResetNames{{
    {OffsetResetStrategy::kEarliest, "earliest"},
    {OffsetResetStrategy::kLatest, "latest"},
    {OffsetResetStrategy::kNone, "none"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                         Enum value) noexcept {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "?";
}

template <typename Enum, std::size_t N>
core::Result<Enum> parse_name(const std::array<std::pair<Enum, std::string_view>, N>& names,
                              std::string_view what, std::string_view text) {
  for (const auto& [v, name] : names) {
    if (name == text) return v;
  }
  std::string valid;
  for (const auto& [v, name] : names) {
    if (!valid.empty()) valid += ", ";
    valid += name;
  }
  return core::invalid_argument(std::string(what) + " " + core::quoted(text) +
                                " is not one of: " + valid);
}

std::string timestamp_text(std::int64_t ms) {
  std::string out = "timestamp " + std::to_string(ms);
  if (core::is_formattable(ms)) out += " (" + core::format_iso8601(ms) + ")";
  return out;
}

std::string every_partition_text(const StartupSpec& spec) {
  if (spec.every_partition_offset) {
    return "offset " + std::to_string(*spec.every_partition_offset) + " in every partition";
  }
  if (spec.from_end) {
    return std::to_string(*spec.from_end) + " before the end offset in every partition";
  }
  return std::to_string(*spec.from_beginning) + " after the log start offset in every partition";
}

}  // namespace

std::string describe(const StartupSpec& spec) {
  const std::string mode(to_string(spec.mode));
  switch (spec.mode) {
    case StartupMode::kGroupOffsets:
      return mode + ", auto.offset.reset " + std::string(to_string(spec.reset));
    case StartupMode::kTimestamp:
      return timestamp_text(spec.timestamp_ms);
    case StartupMode::kSpecificOffsets:
      if (spec.every_partition_offset || spec.from_end || spec.from_beginning) {
        return mode + ": " + every_partition_text(spec);
      }
      return mode + " " + format_specific_offsets(spec.specific) + ", auto.offset.reset " +
             std::string(to_string(spec.reset));
    default:
      return mode;
  }
}

std::string describe(const BoundedSpec& spec) {
  const std::string mode(to_string(spec.mode));
  switch (spec.mode) {
    case BoundedMode::kTimestamp:
      return timestamp_text(spec.timestamp_ms);
    case BoundedMode::kSpecificOffsets:
      if (spec.every_partition_offset) {
        return mode + ": offset " + std::to_string(*spec.every_partition_offset) +
               " in every partition, capped at the end offset";
      }
      return mode + " " + format_specific_offsets(spec.specific);
    default:
      return mode;
  }
}

std::string_view to_string(StartupMode mode) noexcept { return name_of(kStartupNames, mode); }
std::string_view to_string(BoundedMode mode) noexcept { return name_of(kBoundedNames, mode); }
std::string_view to_string(OffsetResetStrategy strategy) noexcept {
  return name_of(kResetNames, strategy);
}

core::Result<StartupMode> parse_startup_mode(std::string_view text) {
  return parse_name(kStartupNames, "startup mode", text);
}
core::Result<BoundedMode> parse_bounded_mode(std::string_view text) {
  return parse_name(kBoundedNames, "bounded mode", text);
}
core::Result<OffsetResetStrategy> parse_offset_reset(std::string_view text) {
  return parse_name(kResetNames, "auto.offset.reset strategy", text);
}

}  // namespace tidemark::consumer
