// The resolver: Flink's start and stop rules (reference sections 1.3, 1.4 and the checklist in
// section 4) applied to facts the consumer has already read. Kept apart from Kafka so that every
// fallback (no commit, out of range, no record after a time, unlisted partition) is a plain
// function of numbers, unit-tested one rule at a time, and explained in words the user sees.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tidemark/consumer/offset_spec.h"

namespace tidemark::consumer {
namespace {

using std::to_string;

// A start or stop for one partition and the words that explain it. For a start, no offset means
// the position needed a reset but the strategy is none; `no_commit` says whether the cause was a
// missing committed offset (rather than an offset out of range).
struct Position {
  std::optional<std::int64_t> offset;
  std::string why;
  bool no_commit = false;
};

std::string group_text(std::string_view group) { return "group " + core::quoted(group); }

// ---- checks on the spec itself, before any partition ----

std::string written_as(const std::string& origin) {
  return origin.empty() ? "" : " (" + origin + ")";
}

int extension_count(const StartupSpec& spec) {
  return static_cast<int>(spec.every_partition_offset.has_value()) +
         static_cast<int>(spec.from_end.has_value()) +
         static_cast<int>(spec.from_beginning.has_value());
}

bool has_extension(const StartupSpec& spec) { return extension_count(spec) > 0; }

core::Status check_no_negative(const SpecificOffsets& offsets, std::string_view what) {
  for (const auto& [partition, offset] : offsets) {
    if (offset < 0) {
      return core::invalid_argument(std::string(what) + ": offset " + to_string(offset) +
                                    " for partition " + to_string(partition) + " is negative");
    }
  }
  return core::Status();
}

core::Status check_startup_extensions(const StartupSpec& spec) {
  const std::string where = "startup" + written_as(spec.origin);
  if (spec.mode != StartupMode::kSpecificOffsets || extension_count(spec) > 1 ||
      !spec.specific.empty()) {
    return core::invalid_argument(where +
                                  ": an offset in every partition (-o N, -N, +N) is one "
                                  "startup choice on its own; it cannot be combined with "
                                  "another one or with --startup-specific-offsets");
  }
  for (const auto& value : {spec.every_partition_offset, spec.from_end, spec.from_beginning}) {
    if (value && *value < 0) {
      return core::invalid_argument(where + ": " + to_string(*value) + " is negative");
    }
  }
  return core::Status();
}

core::Status check_startup(const StartupSpec& spec, std::string_view group) {
  const std::string name =
      "startup mode " + std::string(to_string(spec.mode)) + written_as(spec.origin);
  if (has_extension(spec)) return check_startup_extensions(spec);
  switch (spec.mode) {
    case StartupMode::kGroupOffsets:
      if (group.empty()) {
        return core::invalid_argument(name +
                                      " reads the committed offsets of a consumer group: "
                                      "pass -g/--group (Flink: group.id is required)");
      }
      break;
    case StartupMode::kTimestamp:
      if (spec.timestamp_ms < 0) {
        return core::invalid_argument(name + ": timestamp " + to_string(spec.timestamp_ms) +
                                      " is negative; Kafka reads negative timestamps as "
                                      "special requests");
      }
      break;
    case StartupMode::kSpecificOffsets:
      if (spec.specific.empty()) {
        return core::invalid_argument(name +
                                      " needs --startup-specific-offsets "
                                      "(Flink: 'scan.startup.specific-offsets' is required in "
                                      "'specific-offsets' startup mode)");
      }
      return check_no_negative(spec.specific, name);
    default:
      break;
  }
  return core::Status();
}

core::Status check_bounded(const BoundedSpec& spec, std::string_view group) {
  const std::string name =
      "bounded mode " + std::string(to_string(spec.mode)) + written_as(spec.origin);
  if (spec.every_partition_offset && (spec.mode != BoundedMode::kSpecificOffsets ||
                                      !spec.specific.empty() || *spec.every_partition_offset < 0)) {
    return core::invalid_argument(name +
                                  ": a stop offset in every partition (-o :N, N:M) needs "
                                  "bounded mode specific-offsets, no listed offsets and N >= 0");
  }
  switch (spec.mode) {
    case BoundedMode::kGroupOffsets:
      if (group.empty()) {
        return core::invalid_argument(name +
                                      " stops at the committed offsets of a consumer "
                                      "group: pass -g/--group");
      }
      break;
    case BoundedMode::kTimestamp:
      if (spec.timestamp_ms < 0) {
        return core::invalid_argument(name + ": timestamp " + to_string(spec.timestamp_ms) +
                                      " is negative; Kafka reads negative timestamps as "
                                      "special requests");
      }
      break;
    case BoundedMode::kSpecificOffsets:
      if (spec.specific.empty() && !spec.every_partition_offset) {
        return core::invalid_argument(name +
                                      " needs --bounded-specific-offsets "
                                      "(Flink: 'scan.bounded.specific-offsets' is required in "
                                      "'specific-offsets' bounded mode)");
      }
      return check_no_negative(spec.specific, name);
    default:
      break;
  }
  return core::Status();
}

// ---- timestamp lookups, once per partition and time ----

class TimeLookups {
 public:
  explicit TimeLookups(const OffsetForTime& lookup) : lookup_(lookup) {}

  core::Result<TimestampLookup> find(std::int32_t partition, std::int64_t timestamp_ms) {
    const auto key = std::make_pair(partition, timestamp_ms);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    if (!lookup_) return core::internal_error("a timestamp mode was resolved without a lookup");
    auto found = lookup_(partition, timestamp_ms);
    if (!found.ok()) {
      return found.status().with_context("partition " + to_string(partition) +
                                         ": offset for timestamp " + to_string(timestamp_ms));
    }
    // Kafka answers -1 when no record qualifies; Flink drops negative answers the same way.
    if (found->offset && *found->offset < 0) found->offset.reset();
    cache_.emplace(key, *found);
    return *found;
  }

 private:
  const OffsetForTime& lookup_;
  std::map<std::pair<std::int32_t, std::int64_t>, TimestampLookup> cache_;
};

std::string scan_note(const TimestampLookup& found) {
  return found.by_scan ? " (found by scanning)" : "";
}

// ---- start positions ----

// Where the consumer goes when there is no usable position: the reset strategy, as the Kafka
// consumer applies auto.offset.reset (none: no position, the caller reports it).
Position reset(OffsetResetStrategy strategy, const PartitionFacts& f, std::string why,
               bool no_commit = false) {
  switch (strategy) {
    case OffsetResetStrategy::kEarliest:
      return {f.low, why + ", auto.offset.reset earliest: log start offset " + to_string(f.low)};
    case OffsetResetStrategy::kLatest:
      return {f.high, why + ", auto.offset.reset latest: end offset " + to_string(f.high)};
    case OffsetResetStrategy::kNone:
      break;
  }
  return {std::nullopt, std::move(why), no_commit};
}

// A concrete offset the consumer seeks to. Beyond the end or below the log start the fetch
// answers OFFSET_OUT_OF_RANGE and the strategy decides; equal to the end is valid (it waits).
Position seek(std::int64_t offset, std::string what, OffsetResetStrategy strategy,
              const PartitionFacts& f) {
  if (offset > f.high) {
    return reset(strategy, f, what + " is beyond end offset " + to_string(f.high));
  }
  if (offset < f.low) {
    return reset(strategy, f, what + " is below log start offset " + to_string(f.low));
  }
  return {offset, std::move(what)};
}

// rpk/kcat offsets in every partition are clamped rather than reset (docs/startup-modes.md).
Position clamp(std::int64_t offset, std::string what, const PartitionFacts& f) {
  if (offset < f.low) {
    return {f.low, what + " is below log start offset " + to_string(f.low) + ": clamped to it"};
  }
  if (offset > f.high) {
    return {f.high, what + " is beyond end offset " + to_string(f.high) + ": clamped to it"};
  }
  return {offset, std::move(what)};
}

Position start_group(const StartupSpec& spec, const PartitionFacts& f, std::string_view group) {
  if (!f.committed) {
    return reset(spec.reset, f, group_text(group) + " has no committed offset", true);
  }
  return seek(*f.committed,
              "committed offset " + to_string(*f.committed) + " of " + group_text(group),
              spec.reset, f);
}

core::Result<Position> start_timestamp(const StartupSpec& spec, const PartitionFacts& f,
                                       TimeLookups& lookups) {
  auto found = lookups.find(f.partition, spec.timestamp_ms);
  if (!found.ok()) return found.status();
  if (!found->offset) {
    return Position{f.high, "no record at or after it" + scan_note(*found) +
                                ", start at end offset " + to_string(f.high)};
  }
  const std::int64_t offset = *found->offset;
  if (offset < f.low) {  // truncated since the lookup: Flink's strategy for timestamp is latest
    return reset(OffsetResetStrategy::kLatest, f,
                 "offset " + to_string(offset) + " found for it is below log start offset " +
                     to_string(f.low));
  }
  return Position{
      offset, "first record at or after it is at offset " + to_string(offset) + scan_note(*found)};
}

Position start_extension(const StartupSpec& spec, const PartitionFacts& f) {
  if (spec.every_partition_offset) {
    const std::int64_t n = *spec.every_partition_offset;
    return clamp(n, "offset " + to_string(n) + " in every partition", f);
  }
  if (spec.from_end) {
    const std::int64_t n = *spec.from_end;
    const std::string what = to_string(n) + " before end offset " + to_string(f.high);
    if (n > f.high - f.low) {
      return {f.low, what + " is below log start offset " + to_string(f.low) + ": clamped to it"};
    }
    return {f.high - n, what + ": offset " + to_string(f.high - n)};
  }
  const std::int64_t n = *spec.from_beginning;
  const std::string what = to_string(n) + " after log start offset " + to_string(f.low);
  if (n > f.high - f.low) {
    return {f.high, what + " is beyond end offset " + to_string(f.high) + ": clamped to it"};
  }
  return {f.low + n, what + ": offset " + to_string(f.low + n)};
}

Position start_specific(const StartupSpec& spec, const PartitionFacts& f, std::string_view group) {
  if (has_extension(spec)) return start_extension(spec, f);
  if (auto it = spec.specific.find(f.partition); it != spec.specific.end()) {
    return seek(it->second, "listed offset " + to_string(it->second), spec.reset, f);
  }
  if (group.empty()) {
    return reset(spec.reset, f, "partition not listed, no group (-g) for a committed offset", true);
  }
  if (!f.committed) {
    return reset(spec.reset, f,
                 "partition not listed, " + group_text(group) + " has no committed offset", true);
  }
  return seek(*f.committed,
              "partition not listed, committed offset " + to_string(*f.committed) + " of " +
                  group_text(group),
              spec.reset, f);
}

core::Result<Position> start_of(const StartupSpec& spec, const PartitionFacts& f,
                                std::string_view group, TimeLookups& lookups) {
  switch (spec.mode) {
    case StartupMode::kEarliestOffset:
      return Position{f.low, "log start offset " + to_string(f.low)};
    case StartupMode::kLatestOffset:
      return Position{f.high, "end offset " + to_string(f.high) + ", read before consuming"};
    case StartupMode::kGroupOffsets:
      return start_group(spec, f, group);
    case StartupMode::kTimestamp:
      return start_timestamp(spec, f, lookups);
    case StartupMode::kSpecificOffsets:
      return start_specific(spec, f, group);
  }
  return core::internal_error("unknown startup mode");
}

std::string startup_label(const StartupSpec& spec) {
  if (has_extension(spec) && !spec.origin.empty()) return spec.origin;
  if (spec.mode == StartupMode::kTimestamp) return "timestamp " + to_string(spec.timestamp_ms);
  return std::string(to_string(spec.mode));
}

// ---- stop positions (no reset strategy applies to a stop) ----

Position stop_group(const PartitionFacts& f, std::string_view group) {
  if (!f.committed) return {std::nullopt, "", true};
  return {*f.committed, "committed offset " + to_string(*f.committed) + " of " + group_text(group)};
}

core::Result<Position> stop_timestamp(const BoundedSpec& spec, const PartitionFacts& f,
                                      TimeLookups& lookups) {
  auto found = lookups.find(f.partition, spec.timestamp_ms);
  if (!found.ok()) return found.status();
  if (!found->offset) {
    return Position{f.high, "no record at or after it" + scan_note(*found) +
                                ", stop at end offset " + to_string(f.high)};
  }
  return Position{*found->offset, "first record at or after it is at offset " +
                                      to_string(*found->offset) + scan_note(*found) + ", excluded"};
}

Position stop_specific(const BoundedSpec& spec, const PartitionFacts& f, std::string_view group) {
  if (spec.every_partition_offset) {  // rpk's :N and N:M never wait beyond the current end
    const std::int64_t n = *spec.every_partition_offset;
    const std::string what = "offset " + to_string(n) + " in every partition";
    if (n > f.high) {
      return {f.high, what + " is beyond end offset " + to_string(f.high) +
                          ": stop at the end offset, as rpk does"};
    }
    return {n, what};
  }
  if (auto it = spec.specific.find(f.partition); it != spec.specific.end()) {
    const std::string what = "listed offset " + to_string(it->second);
    if (it->second > f.high) {
      return {it->second,
              what + " is beyond end offset " + to_string(f.high) + ": waits until it is written"};
    }
    return {it->second, what};
  }
  if (!group.empty() && f.committed) {
    return {*f.committed, "partition not listed, committed offset " + to_string(*f.committed) +
                              " of " + group_text(group)};
  }
  const std::string no_commit = group.empty() ? "no group (-g) for a committed offset"
                                              : group_text(group) + " has no committed offset";
  return {f.low, "partition not listed, " + no_commit + ": stop at the beginning offset " +
                     to_string(f.low) + " (nothing is read)"};
}

core::Result<Position> stop_of(const BoundedSpec& spec, const PartitionFacts& f,
                               std::string_view group, TimeLookups& lookups) {
  switch (spec.mode) {
    case BoundedMode::kUnbounded:
      return Position{std::nullopt, ""};
    case BoundedMode::kLatestOffset:
      return Position{f.high, "end offset " + to_string(f.high) + ", read before consuming"};
    case BoundedMode::kGroupOffsets:
      return stop_group(f, group);
    case BoundedMode::kTimestamp:
      return stop_timestamp(spec, f, lookups);
    case BoundedMode::kSpecificOffsets:
      return stop_specific(spec, f, group);
  }
  return core::internal_error("unknown bounded mode");
}

std::string bounded_label(const BoundedSpec& spec) {
  if (spec.mode == BoundedMode::kTimestamp) return "timestamp " + to_string(spec.timestamp_ms);
  return std::string(to_string(spec.mode));
}

// ---- errors that name every partition at once ----

std::string partition_list(const std::vector<std::int32_t>& partitions) {
  std::string out;
  for (const std::int32_t p : partitions) {
    if (!out.empty()) out += ", ";
    out += to_string(p);
  }
  return out;
}

core::Status no_start_error(const StartupSpec& spec, std::string_view group,
                            const std::vector<std::pair<std::int32_t, Position>>& unresolved) {
  bool any_no_commit = false;
  std::string detail;
  for (const auto& [partition, position] : unresolved) {
    if (!detail.empty()) detail += "; ";
    detail += "partition " + to_string(partition) + ": " + position.why;
    any_no_commit = any_no_commit || position.no_commit;
  }
  std::string hint = "pass --auto-offset-reset earliest|latest";
  if (spec.mode == StartupMode::kGroupOffsets) {
    hint += " or commit offsets for " + group_text(group) + " first";
  }
  const std::string message = "startup mode " + std::string(to_string(spec.mode)) +
                              written_as(spec.origin) +
                              " with auto.offset.reset none has no start for " + detail +
                              " (Flink fails the job here); " + hint;
  return any_no_commit ? core::not_found(message) : core::out_of_range(message);
}

core::Status no_stop_error(std::string_view group, const std::vector<std::int32_t>& partitions) {
  const bool one = partitions.size() == 1;
  return core::not_found(
      "bounded mode group-offsets: " + std::string(one ? "partition " : "partitions ") +
      partition_list(partitions) + " should stop at committed offset, but " +
      "there is no committed offset of " + (one ? "this partition" : "these partitions") + " for " +
      group_text(group));
}

PartitionRange range_of(const PartitionFacts& f, const StartupSpec& startup, Position start,
                        const BoundedSpec& bounded, Position stop) {
  PartitionRange range;
  range.partition = f.partition;
  range.start = *start.offset;
  range.start_rule = startup_label(startup) + ": " + start.why;
  range.stop = stop.offset;
  range.stop_rule = bounded.mode == BoundedMode::kUnbounded
                        ? "unbounded"
                        : bounded_label(bounded) + ": " + stop.why;
  if (range.empty()) {
    range.stop_rule += "; start " + to_string(range.start) + " >= stop " + to_string(*range.stop) +
                       ": nothing to read";
  }
  return range;
}

}  // namespace

core::Result<std::vector<PartitionRange>> resolve_ranges(const StartupSpec& startup,
                                                         const BoundedSpec& bounded,
                                                         std::span<const PartitionFacts> facts,
                                                         std::string_view group,
                                                         const OffsetForTime& offset_for_time) {
  TIDEMARK_RETURN_IF_ERROR(check_startup(startup, group));
  TIDEMARK_RETURN_IF_ERROR(check_bounded(bounded, group));
  TimeLookups lookups(offset_for_time);
  std::vector<PartitionRange> ranges;
  std::vector<std::pair<std::int32_t, Position>> no_start;
  std::vector<std::int32_t> no_stop;
  for (const PartitionFacts& f : facts) {
    auto start = start_of(startup, f, group, lookups);
    if (!start.ok()) return start.status();
    auto stop = stop_of(bounded, f, group, lookups);
    if (!stop.ok()) return stop.status();
    if (!start->offset) no_start.emplace_back(f.partition, *start);
    if (stop->no_commit) no_stop.push_back(f.partition);
    if (start->offset && !stop->no_commit) {
      ranges.push_back(range_of(f, startup, *start, bounded, *stop));
    }
  }
  if (!no_start.empty()) return no_start_error(startup, group, no_start);
  if (!no_stop.empty()) return no_stop_error(group, no_stop);
  return ranges;
}

}  // namespace tidemark::consumer
