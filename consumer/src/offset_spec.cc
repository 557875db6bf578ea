// Mode names and parsing of Flink's startup/bounded options; the resolver of offset_spec.h.
#include "tidemark/consumer/offset_spec.h"

#include <array>
#include <utility>

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

}  // namespace

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
