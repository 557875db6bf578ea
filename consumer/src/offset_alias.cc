// kcat's and rpk's -o values, translated into Flink's startup and bounded modes. Users arrive
// with kcat or rpk habits; reading their -o and printing the Flink flags it means teaches the
// Flink vocabulary while keeping the muscle memory. The forms and their meaning are listed in
// docs/startup-modes.md, with the places where the two tools disagree and which one wins here.
#include <string>
#include <string_view>

#include "tidemark/consumer/offset_spec.h"
#include "tidemark/core/time.h"

namespace tidemark::consumer {
namespace {

constexpr std::string_view kForms =
    "beginning|start|oldest, end|newest, stored, N, +N, -N, N:, :N, N:M, N-M, N:end, :end, "
    "s@MS, e@MS, @T, @T:, @:T, @T1:T2, @T:end";
constexpr std::string_view kTimeForms =
    "13 digits (epoch ms), 10 digits (epoch s), YYYY-MM-DD (UTC), YYYY-MM-DDTHH:MM:SS[.fff]Z, "
    "or a duration from now such as -1h, -30m or 1h30m";

core::Status alias_error(std::string_view text, const std::string& detail) {
  return core::invalid_argument("-o " + core::quoted(text) + ": " + detail);
}

core::Status not_an_offset(std::string_view text) {
  return alias_error(
      text, "not an offset; the forms are " + std::string(kForms) + " (docs/startup-modes.md)");
}

// A non-negative decimal of ASCII digits that fits int64; no sign, no spaces.
std::optional<std::int64_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, c - '0', &value)) {
      return std::nullopt;
    }
  }
  return value;
}

std::string origin_of(std::string_view text) { return "-o " + std::string(text); }

// ---- the pieces an alias is built from, each with its Flink flags ----

struct Part {
  std::optional<StartupSpec> startup;
  std::optional<BoundedSpec> bounded;
  std::string flags;
};

StartupSpec startup_of(StartupMode mode, std::string_view text) {
  StartupSpec spec;
  spec.mode = mode;
  spec.origin = origin_of(text);
  return spec;
}

BoundedSpec bounded_of(BoundedMode mode, std::string_view text) {
  BoundedSpec spec;
  spec.mode = mode;
  spec.origin = origin_of(text);
  return spec;
}

Part earliest(std::string_view text) {
  return {startup_of(StartupMode::kEarliestOffset, text), {}, "--startup-mode earliest-offset"};
}

Part latest(std::string_view text) {
  return {startup_of(StartupMode::kLatestOffset, text), {}, "--startup-mode latest-offset"};
}

Part stored(std::string_view text) {
  return {
      startup_of(StartupMode::kGroupOffsets, text), {}, "--startup-mode group-offsets -g GROUP"};
}

Part start_at_time(std::string_view text, std::int64_t ms) {
  StartupSpec spec = startup_of(StartupMode::kTimestamp, text);
  spec.timestamp_ms = ms;
  return {spec, {}, "--startup-mode timestamp --startup-timestamp-millis " + std::to_string(ms)};
}

std::string every_partition(std::string_view flag, std::int64_t offset) {
  const std::string n = std::to_string(offset);
  return std::string(flag) + " 'partition:0,offset:" + n + ";partition:1,offset:" + n +
         ";...' (offset " + n + " in every partition)";
}

// kcat/rpk N: the same offset in every partition; out of range it is clamped (resolver).
Part start_at_offset(std::string_view text, std::int64_t offset) {
  StartupSpec spec = startup_of(StartupMode::kSpecificOffsets, text);
  spec.reset = OffsetResetStrategy::kEarliest;
  spec.every_partition_offset = offset;
  return {
      spec,
      {},
      "--startup-mode specific-offsets " + every_partition("--startup-specific-offsets", offset)};
}

Part start_from_end(std::string_view text, std::int64_t count) {
  StartupSpec spec = startup_of(StartupMode::kSpecificOffsets, text);
  spec.reset = OffsetResetStrategy::kEarliest;
  spec.from_end = count;
  return {spec,
          {},
          "no Flink flag: --startup-mode specific-offsets at end offset - " +
              std::to_string(count) + " in every partition"};
}

Part start_from_beginning(std::string_view text, std::int64_t count) {
  StartupSpec spec = startup_of(StartupMode::kSpecificOffsets, text);
  spec.reset = OffsetResetStrategy::kEarliest;
  spec.from_beginning = count;
  return {spec,
          {},
          "no Flink flag: --startup-mode specific-offsets at log start offset + " +
              std::to_string(count) + " in every partition"};
}

Part stop_at_end(std::string_view text) {
  return {{}, bounded_of(BoundedMode::kLatestOffset, text), "--bounded-mode latest-offset"};
}

Part stop_at_time(std::string_view text, std::int64_t ms) {
  BoundedSpec spec = bounded_of(BoundedMode::kTimestamp, text);
  spec.timestamp_ms = ms;
  return {{}, spec, "--bounded-mode timestamp --bounded-timestamp-millis " + std::to_string(ms)};
}

Part stop_at_offset(std::string_view text, std::int64_t offset) {
  BoundedSpec spec = bounded_of(BoundedMode::kSpecificOffsets, text);
  spec.every_partition_offset = offset;
  return {{},
          spec,
          "--bounded-mode specific-offsets " +
              every_partition("--bounded-specific-offsets", offset) + ", capped at the end offset"};
}

OffsetAlias alias_of(Part start, Part stop = {}) {
  OffsetAlias alias;
  alias.startup = std::move(start.startup);
  alias.bounded = std::move(stop.bounded);
  alias.flink_equivalent = start.flags;
  if (!stop.flags.empty()) {
    if (!alias.flink_equivalent.empty()) alias.flink_equivalent += ' ';
    alias.flink_equivalent += stop.flags;
  }
  return alias;
}

// ---- rpk's offset ranges: N, N:, :N, N:M, N-M, N:end, N-end ----

core::Result<OffsetAlias> parse_offset_range(std::string_view text) {
  if (const auto n = parse_count(text)) return alias_of(start_at_offset(text, *n));
  if (text.ends_with(':')) {
    if (const auto n = parse_count(text.substr(0, text.size() - 1))) {
      return alias_of(start_at_offset(text, *n));
    }
  }
  if (text.starts_with(':')) {
    const auto n = parse_count(text.substr(1));
    if (!n) return not_an_offset(text);
    return alias_of(earliest(text), stop_at_offset(text, *n));
  }
  std::size_t split = text.find(':');
  if (split == std::string_view::npos) split = text.find('-');
  if (split == std::string_view::npos) return not_an_offset(text);
  const auto from = parse_count(text.substr(0, split));
  const std::string_view to_text = text.substr(split + 1);
  if (!from) return not_an_offset(text);
  if (to_text == "end") return alias_of(start_at_offset(text, *from), stop_at_end(text));
  const auto to = parse_count(to_text);
  if (!to) return not_an_offset(text);
  if (*to <= *from) {
    return alias_error(text, "the stop offset " + std::to_string(*to) +
                                 " must be greater than the start offset " + std::to_string(*from) +
                                 " (the stop is exclusive)");
  }
  return alias_of(start_at_offset(text, *from), stop_at_offset(text, *to));
}

// ---- rpk's times: @T, @T:, @:T, @T1:T2, @T:end ----

struct TimeHalf {
  std::size_t length = 0;  // characters of the text it used
  std::int64_t ms = 0;
  bool is_end = false;    // the word "end"
  bool absolute = false;  // an instant rather than a duration
};

std::size_t leading_digits(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
  return n;
}

// `length` characters form the whole half: the text ends there or a ':' follows.
bool half_ends_at(std::string_view text, std::size_t length) {
  return text.size() == length || (text.size() > length && text[length] == ':');
}

bool is_date_at_start(std::string_view text) {
  if (text.size() < 10) return false;
  for (std::size_t i = 0; i < 10; ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? text[i] != '-' : (text[i] < '0' || text[i] > '9')) return false;
  }
  return true;
}

core::Result<TimeHalf> parse_duration_half(std::string_view whole, std::string_view text,
                                           std::int64_t base_ms) {
  const std::string_view half = text.substr(0, text.find(':'));
  std::string_view duration = half;
  const bool negative = duration.starts_with('-');
  if (negative || duration.starts_with('+')) duration.remove_prefix(1);
  auto millis = core::parse_duration(duration);
  if (!millis.ok()) {
    return alias_error(whole,
                       core::quoted(half) + " is not a time; a time is " + std::string(kTimeForms));
  }
  TimeHalf result{half.size(), 0, false, false};
  const bool overflow = negative ? __builtin_sub_overflow(base_ms, *millis, &result.ms)
                                 : __builtin_add_overflow(base_ms, *millis, &result.ms);
  if (overflow) return alias_error(whole, core::quoted(half) + " is too far from now");
  return result;
}

// One side of an rpk time range, read from the front of `text` the way rpk reads it (RFC3339
// times contain ':' themselves, so the text cannot simply be split on ':' first).
core::Result<TimeHalf> parse_time_half(std::string_view whole, std::string_view text,
                                       std::int64_t base_ms) {
  const std::size_t digits = leading_digits(text);
  if (digits == 13 && half_ends_at(text, 13)) {
    return TimeHalf{13, *parse_count(text.substr(0, 13)), false, true};
  }
  if (digits == 10 && half_ends_at(text, 10)) {
    return TimeHalf{10, *parse_count(text.substr(0, 10)) * 1000, false, true};
  }
  if (is_date_at_start(text) && half_ends_at(text, 10)) {
    auto ms = core::parse_datetime(std::string(text.substr(0, 10)) + " 00:00:00");
    if (!ms.ok()) return alias_error(whole, ms.status().message());
    return TimeHalf{10, *ms, false, true};
  }
  if (is_date_at_start(text) && text.size() > 10 && (text[10] == 'T' || text[10] == 't')) {
    const std::size_t zone = text.find_first_of("Zz");
    if (zone == std::string_view::npos) {
      return alias_error(whole, core::quoted(text) + " is not a time: an RFC3339 time ends in Z");
    }
    auto ms = core::parse_iso8601(text.substr(0, zone + 1));
    if (!ms.ok()) return alias_error(whole, ms.status().message());
    return TimeHalf{zone + 1, *ms, false, true};
  }
  if (text.starts_with("end") && half_ends_at(text, 3)) return TimeHalf{3, 0, true, false};
  return parse_duration_half(whole, text, base_ms);
}

core::Status check_not_before_epoch(std::string_view whole, const TimeHalf& half) {
  if (half.is_end || half.ms >= 0) return core::Status();
  return alias_error(whole, "the time " + std::to_string(half.ms) +
                                " is before 1970-01-01T00:00:00Z; Kafka reads negative "
                                "timestamps as special requests");
}

core::Result<OffsetAlias> parse_time_range(std::string_view whole, std::int64_t now_ms) {
  std::string_view rest = whole.substr(1);  // after '@'
  std::optional<TimeHalf> start;
  if (!rest.starts_with(':')) {
    if (rest.empty()) return alias_error(whole, "a time is missing after '@'");
    auto first = parse_time_half(whole, rest, now_ms);
    if (!first.ok()) return first.status();
    if (first->is_end)
      return alias_error(whole, "'end' can only be the stop: use -o end or @T:end");
    TIDEMARK_RETURN_IF_ERROR(check_not_before_epoch(whole, *first));
    start = *first;
    rest.remove_prefix(first->length);
    if (rest.empty() || rest == ":") return alias_of(start_at_time(whole, start->ms));
    if (!rest.starts_with(':')) {
      return alias_error(whole, "unexpected " + core::quoted(rest) + " after the start time");
    }
  }
  rest.remove_prefix(1);  // the ':' between start and stop
  if (rest.empty()) return alias_error(whole, "a time is missing after ':'");
  // rpk: a duration as the stop counts from an absolute start, otherwise from now.
  const std::int64_t base = start && start->absolute ? start->ms : now_ms;
  auto stop = parse_time_half(whole, rest, base);
  if (!stop.ok()) return stop.status();
  if (stop->length != rest.size()) {
    return alias_error(
        whole, "unexpected " + core::quoted(rest.substr(stop->length)) + " after the stop time");
  }
  TIDEMARK_RETURN_IF_ERROR(check_not_before_epoch(whole, *stop));
  Part from = start ? start_at_time(whole, start->ms) : earliest(whole);
  return alias_of(std::move(from),
                  stop->is_end ? stop_at_end(whole) : stop_at_time(whole, stop->ms));
}

// ---- kcat's s@MS and e@MS ----

core::Result<std::int64_t> parse_kcat_millis(std::string_view text) {
  const auto ms = parse_count(text.substr(2));
  if (!ms) {
    return alias_error(
        text, core::quoted(text.substr(2)) + " is not a timestamp in epoch milliseconds (>= 0)");
  }
  return *ms;
}

}  // namespace

core::Result<OffsetAlias> parse_offset_alias(std::string_view text, std::int64_t now_ms) {
  if (text == "beginning" || text == "start" || text == "oldest") return alias_of(earliest(text));
  if (text == "end" || text == "newest") return alias_of(latest(text));
  if (text == "stored") return alias_of(stored(text));
  if (text == ":end") return alias_of(earliest(text), stop_at_end(text));
  if (text.starts_with("s@") || text.starts_with("e@")) {
    auto ms = parse_kcat_millis(text);
    if (!ms.ok()) return ms.status();
    return text[0] == 's' ? alias_of(start_at_time(text, *ms))
                          : alias_of({}, stop_at_time(text, *ms));
  }
  if (text.starts_with('@')) return parse_time_range(text, now_ms);
  if (text.starts_with('+') || text.starts_with('-')) {
    const auto n = parse_count(text.substr(1));
    if (!n) return not_an_offset(text);
    return alias_of(text[0] == '+' ? start_from_beginning(text, *n) : start_from_end(text, *n));
  }
  return parse_offset_range(text);
}

}  // namespace tidemark::consumer
