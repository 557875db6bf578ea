// Where a replay starts and where it stops: Flink's scan.startup.mode and scan.bounded.mode as
// values, the parsers for the ways users write them (Flink's options, kcat's and rpk's -o), and
// the resolver that turns a spec plus one partition's facts (watermark offsets, committed offset,
// offset for a time) into concrete start and stop offsets and the rule that chose each.
//
// This module is pure: no Kafka here. The consumer gathers the facts from a broker and calls
// resolve_ranges(); the rules themselves (fallbacks, resets, exclusive stops) live only here, so
// they are unit-tested one by one against ../shared/reference/flink-kafka-semantics.md Part 1.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"

namespace tidemark::consumer {

// Flink's names: earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets.
enum class StartupMode { kEarliestOffset, kLatestOffset, kGroupOffsets, kTimestamp, kSpecificOffsets };
// Flink's names: unbounded, latest-offset, group-offsets, timestamp, specific-offsets.
enum class BoundedMode { kUnbounded, kLatestOffset, kGroupOffsets, kTimestamp, kSpecificOffsets };
// auto.offset.reset as Flink's OffsetResetStrategy: earliest, latest, none.
enum class OffsetResetStrategy { kEarliest, kLatest, kNone };

std::string_view to_string(StartupMode mode) noexcept;
std::string_view to_string(BoundedMode mode) noexcept;
std::string_view to_string(OffsetResetStrategy strategy) noexcept;
// Errors: kInvalidArgument naming the text and listing the valid names.
core::Result<StartupMode> parse_startup_mode(std::string_view text);
core::Result<BoundedMode> parse_bounded_mode(std::string_view text);
core::Result<OffsetResetStrategy> parse_offset_reset(std::string_view text);

// partition -> offset, as Flink's scan.*.specific-offsets option gives it.
using SpecificOffsets = std::map<std::int32_t, std::int64_t>;

// Parses 'partition:0,offset:42;partition:1,offset:300' with exactly Flink's acceptance rules
// (KafkaConnectorOptionsUtil.parseSpecificOffsets, reference section 1.1), except that negative
// offsets are rejected with their own message (a precaution the reference recommends).
// `option` is the flag name used in messages (e.g. "--startup-specific-offsets").
// Errors: kInvalidArgument naming the option, the whole value and the offending piece.
core::Result<SpecificOffsets> parse_specific_offsets(std::string_view option, std::string_view text);
// The same map written back in Flink's syntax ("partition:0,offset:42;partition:1,offset:300"),
// ascending by partition, for --explain and flink_equivalent.
std::string format_specific_offsets(const SpecificOffsets& offsets);

struct StartupSpec {
  StartupMode mode = StartupMode::kEarliestOffset;
  std::int64_t timestamp_ms = 0;  // kTimestamp (>= 0)
  SpecificOffsets specific;       // kSpecificOffsets
  // kGroupOffsets: Flink's default is none (fail when a partition has no committed offset).
  // kSpecificOffsets: the strategy for unlisted partitions without a commit and for listed
  // offsets out of range; Flink SQL uses earliest.
  OffsetResetStrategy reset = OffsetResetStrategy::kNone;
  // kcat's and rpk's -o N (the same absolute offset in every partition) and -o -N (N before the
  // end in every partition): tidemark extensions of kSpecificOffsets, resolved per partition.
  std::optional<std::int64_t> every_partition_offset;
  std::optional<std::int64_t> from_end;
  // rpk's -o +N (N after the log start offset in every partition), the same kind of extension.
  // At most one of the three is set, and only with mode kSpecificOffsets and an empty `specific`.
  // All three are clamped into [log start offset, end offset] (docs/startup-modes.md).
  std::optional<std::int64_t> from_beginning;
  // How the user wrote it, for the explain table: "--startup-mode timestamp", "-o s@1700000000000".
  std::string origin;
};

struct BoundedSpec {
  BoundedMode mode = BoundedMode::kUnbounded;
  std::int64_t timestamp_ms = 0;  // kTimestamp (>= 0)
  SpecificOffsets specific;       // kSpecificOffsets
  // rpk's -o :N and -o N:M (stop before offset M in every partition, clamped to the end offset
  // as rpk does): a tidemark extension of kSpecificOffsets, set only with an empty `specific`.
  std::optional<std::int64_t> every_partition_offset;
  std::string origin;
};

// One line for the explain table and logs: the mode with its parameters, e.g.
// "timestamp 1700000000000 (2023-11-14T22:13:20.000Z)" or
// "specific-offsets partition:0,offset:42, auto.offset.reset earliest".
std::string describe(const StartupSpec& spec);
std::string describe(const BoundedSpec& spec);

// What one -o value means (kcat: beginning|end|stored|N|-N|s@MS|e@MS; rpk: start|oldest|end|
// newest|N|+N|-N|N:|:N|N:M|N-M|N:end|:end|@T|@T:|@:T|@T1:T2|@T:end), expressed as the Flink
// modes it maps to. `startup` is unset for e@MS (it only says where to stop); `bounded` is set
// when the alias also says where to stop (e@MS, :N, N:M, :end, @:T, @T1:T2, @T:end).
// `flink_equivalent` is the one-line translation shown in --help, the explain table and
// docs/startup-modes.md, e.g. "--startup-mode timestamp --startup-timestamp-millis 1700000000000".
struct OffsetAlias {
  std::optional<StartupSpec> startup;
  std::optional<BoundedSpec> bounded;
  std::string flink_equivalent;
};
// `now_ms` resolves relative times (rpk's @-1h). Errors: kInvalidArgument naming "-o" and the text.
core::Result<OffsetAlias> parse_offset_alias(std::string_view text, std::int64_t now_ms);

// One partition as the consumer saw it before resolving, read in Flink's order (end offsets
// before any timestamp lookup). Offsets only: never event times.
struct PartitionFacts {
  std::int32_t partition = 0;
  std::int64_t low = 0;                  // log start offset (low watermark offset)
  std::int64_t high = 0;                 // high watermark offset, read before any lookup
  std::optional<std::int64_t> committed; // the group's committed offset, when there is one
};

// Listed partitions that `facts` does not have. Flink ignores them silently (reference 1.1
// rule 7); the CLI uses this to warn about a typo instead.
std::vector<std::int32_t> unknown_partitions(const SpecificOffsets& offsets,
                                             std::span<const PartitionFacts> facts);

// Offset of the first record whose timestamp is >= timestamp_ms (Kafka's ListOffsets by time),
// or nullopt when there is none; by_scan says the broker could not answer and the consumer
// scanned the partition instead (the embedded broker), so the explain table can say so.
struct TimestampLookup {
  std::optional<std::int64_t> offset;
  bool by_scan = false;
};
using OffsetForTime =
    std::function<core::Result<TimestampLookup>(std::int32_t partition, std::int64_t timestamp_ms)>;

struct PartitionRange {
  std::int32_t partition = 0;
  std::int64_t start = 0;
  std::optional<std::int64_t> stop;  // exclusive; nullopt = unbounded
  // Why, in one phrase each, e.g. "timestamp 1700000000000: no record at or after it, start at
  // end offset 120" or "specific-offsets: partition not listed, committed offset 42 of group g".
  std::string start_rule;
  std::string stop_rule;
  // start >= stop: nothing to read, the partition is finished at once.
  bool empty() const noexcept { return stop && start >= *stop; }
};

// Applies Flink's rules (reference sections 1.3 and 1.4) to every partition in `facts`.
// `group` may be empty; the group modes then fail. `offset_for_time` is called only for the
// timestamp modes, once per partition and time.
// Errors: kInvalidArgument for a spec that cannot apply (group-offsets without a group, missing
// timestamp or offsets, a negative timestamp or offset); kNotFound for group-offsets or
// specific-offsets with reset none when partitions have no committed offset (naming them all and
// the --auto-offset-reset flag), and for bounded group-offsets without a commit (Flink's
// message); kOutOfRange when reset is none and the only problem is a committed or listed start
// offset out of range; errors of offset_for_time are passed on naming the partition.
// The rule texts and every fallback are listed in docs/startup-modes.md.
core::Result<std::vector<PartitionRange>> resolve_ranges(const StartupSpec& startup,
                                                         const BoundedSpec& bounded,
                                                         std::span<const PartitionFacts> facts,
                                                         std::string_view group,
                                                         const OffsetForTime& offset_for_time);

}  // namespace tidemark::consumer
