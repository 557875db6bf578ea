// The resolver, one test per rule of reference sections 1.3 (start), 1.4 (stop) and the
// checklist of section 4, driven by plain PartitionFacts values and an OffsetForTime lambda.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tidemark/consumer/offset_spec.h"

namespace tidemark::consumer {
namespace {

constexpr std::int64_t kT = 1700000000000;

PartitionFacts facts(std::int32_t partition, std::int64_t low, std::int64_t high,
                     std::optional<std::int64_t> committed = std::nullopt) {
  return {partition, low, high, committed};
}

// A lookup that must not be called: the non-timestamp modes never look up a time.
core::Result<TimestampLookup> no_lookup(std::int32_t partition, std::int64_t ms) {
  ADD_FAILURE() << "unexpected timestamp lookup for partition " << partition << " at " << ms;
  return TimestampLookup{};
}

OffsetForTime answer(std::optional<std::int64_t> offset, bool by_scan = false) {
  return [=](std::int32_t, std::int64_t) -> core::Result<TimestampLookup> {
    return TimestampLookup{offset, by_scan};
  };
}

StartupSpec startup(StartupMode mode) {
  StartupSpec spec;
  spec.mode = mode;
  return spec;
}

BoundedSpec bounded(BoundedMode mode) {
  BoundedSpec spec;
  spec.mode = mode;
  return spec;
}

StartupSpec startup_group(OffsetResetStrategy reset) {
  StartupSpec spec = startup(StartupMode::kGroupOffsets);
  spec.reset = reset;
  return spec;
}

StartupSpec startup_time(std::int64_t ms) {
  StartupSpec spec = startup(StartupMode::kTimestamp);
  spec.timestamp_ms = ms;
  return spec;
}

StartupSpec startup_specific(SpecificOffsets offsets,
                             OffsetResetStrategy reset = OffsetResetStrategy::kEarliest) {
  StartupSpec spec = startup(StartupMode::kSpecificOffsets);
  spec.specific = std::move(offsets);
  spec.reset = reset;
  return spec;
}

BoundedSpec bounded_time(std::int64_t ms) {
  BoundedSpec spec = bounded(BoundedMode::kTimestamp);
  spec.timestamp_ms = ms;
  return spec;
}

BoundedSpec bounded_specific(SpecificOffsets offsets) {
  BoundedSpec spec = bounded(BoundedMode::kSpecificOffsets);
  spec.specific = std::move(offsets);
  return spec;
}

core::Result<std::vector<PartitionRange>> resolve(const StartupSpec& start, const BoundedSpec& stop,
                                                  const std::vector<PartitionFacts>& all,
                                                  std::string_view group = "",
                                                  const OffsetForTime& lookup = no_lookup) {
  return resolve_ranges(start, stop, all, group, lookup);
}

PartitionRange resolve_one(const StartupSpec& start, const BoundedSpec& stop,
                           const PartitionFacts& f, std::string_view group = "",
                           const OffsetForTime& lookup = no_lookup) {
  auto ranges = resolve(start, stop, {f}, group, lookup);
  EXPECT_TRUE(ranges.ok()) << ranges.status().message();
  if (!ranges.ok() || ranges->size() != 1) return {};
  return ranges->front();
}

PartitionRange start_only(const StartupSpec& start, const PartitionFacts& f,
                          std::string_view group = "", const OffsetForTime& lookup = no_lookup) {
  return resolve_one(start, bounded(BoundedMode::kUnbounded), f, group, lookup);
}

PartitionRange stop_only(const BoundedSpec& stop, const PartitionFacts& f,
                         std::string_view group = "", const OffsetForTime& lookup = no_lookup) {
  return resolve_one(startup(StartupMode::kEarliestOffset), stop, f, group, lookup);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// ---- earliest-offset ----

TEST(ResolveStart, EarliestStartsAtTheLogStartOffset) {
  const PartitionRange r = start_only(startup(StartupMode::kEarliestOffset), facts(0, 10, 120));
  EXPECT_EQ(r.start, 10);
  EXPECT_FALSE(r.stop.has_value());
  EXPECT_EQ(r.start_rule, "earliest-offset: log start offset 10");
  EXPECT_EQ(r.stop_rule, "unbounded");
  EXPECT_FALSE(r.empty());
}

TEST(ResolveStart, EarliestOnAnEmptyTruncatedPartitionStartsAtItsLogStart) {
  EXPECT_EQ(start_only(startup(StartupMode::kEarliestOffset), facts(0, 7, 7)).start, 7);
  EXPECT_EQ(start_only(startup(StartupMode::kEarliestOffset), facts(0, 0, 0)).start, 0);
}

// ---- latest-offset ----

TEST(ResolveStart, LatestStartsAtTheEndOffsetReadBefore) {
  const PartitionRange r = start_only(startup(StartupMode::kLatestOffset), facts(0, 10, 120));
  EXPECT_EQ(r.start, 120);
  EXPECT_EQ(r.start_rule, "latest-offset: end offset 120, read before consuming");
}

// ---- group-offsets ----

TEST(ResolveStart, GroupOffsetsStartAtTheCommittedOffset) {
  const PartitionRange r =
      start_only(startup_group(OffsetResetStrategy::kNone), facts(0, 10, 120, 42), "g");
  EXPECT_EQ(r.start, 42);
  EXPECT_EQ(r.start_rule, "group-offsets: committed offset 42 of group 'g'");
}

TEST(ResolveStart, GroupOffsetsCommitEqualToTheEndIsValid) {
  EXPECT_EQ(
      start_only(startup_group(OffsetResetStrategy::kNone), facts(0, 10, 120, 120), "g").start,
      120);
  EXPECT_EQ(start_only(startup_group(OffsetResetStrategy::kNone), facts(0, 10, 120, 10), "g").start,
            10);
}

TEST(ResolveStart, GroupOffsetsWithoutCommitUseEarliestReset) {
  const PartitionRange r =
      start_only(startup_group(OffsetResetStrategy::kEarliest), facts(0, 10, 120), "g");
  EXPECT_EQ(r.start, 10);
  EXPECT_EQ(r.start_rule,
            "group-offsets: group 'g' has no committed offset, auto.offset.reset earliest: log "
            "start offset 10");
}

TEST(ResolveStart, GroupOffsetsWithoutCommitUseLatestReset) {
  const PartitionRange r =
      start_only(startup_group(OffsetResetStrategy::kLatest), facts(0, 0, 10), "g");
  EXPECT_EQ(r.start, 10);
  EXPECT_EQ(r.start_rule,
            "group-offsets: group 'g' has no committed offset, auto.offset.reset latest: end "
            "offset 10");
}

TEST(ResolveStart, GroupOffsetsWithoutCommitAndResetNoneFailNamingEveryPartition) {
  auto ranges = resolve(startup_group(OffsetResetStrategy::kNone), bounded(BoundedMode::kUnbounded),
                        {facts(0, 0, 10), facts(1, 0, 10, 5), facts(2, 0, 10)}, "g");
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kNotFound);
  const std::string& message = ranges.status().message();
  EXPECT_TRUE(contains(message, "partition 0: group 'g' has no committed offset")) << message;
  EXPECT_TRUE(contains(message, "partition 2: group 'g' has no committed offset")) << message;
  EXPECT_FALSE(contains(message, "partition 1")) << message;
  EXPECT_TRUE(contains(message, "--auto-offset-reset earliest|latest")) << message;
  EXPECT_TRUE(contains(message, "auto.offset.reset none")) << message;
}

TEST(ResolveStart, GroupOffsetsCommitBeyondTheEndIsReset) {
  const PartitionRange r =
      start_only(startup_group(OffsetResetStrategy::kEarliest), facts(0, 10, 120, 500), "g");
  EXPECT_EQ(r.start, 10);
  EXPECT_EQ(r.start_rule,
            "group-offsets: committed offset 500 of group 'g' is beyond end offset 120, "
            "auto.offset.reset earliest: log start offset 10");
}

TEST(ResolveStart, GroupOffsetsCommitBelowTheLogStartIsReset) {
  const PartitionRange r =
      start_only(startup_group(OffsetResetStrategy::kLatest), facts(0, 10, 120, 3), "g");
  EXPECT_EQ(r.start, 120);
  EXPECT_TRUE(
      contains(r.start_rule, "committed offset 3 of group 'g' is below log start offset 10"))
      << r.start_rule;
}

TEST(ResolveStart, GroupOffsetsCommitOutOfRangeWithResetNoneFails) {
  auto ranges = resolve(startup_group(OffsetResetStrategy::kNone), bounded(BoundedMode::kUnbounded),
                        {facts(0, 10, 120, 500)}, "g");
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kOutOfRange);
  EXPECT_TRUE(contains(ranges.status().message(),
                       "partition 0: committed offset 500 of group 'g' is beyond end offset 120"))
      << ranges.status().message();
  EXPECT_TRUE(contains(ranges.status().message(), "--auto-offset-reset"));
}

TEST(ResolveStart, GroupOffsetsWithoutGroupNameTheGroupFlag) {
  auto ranges = resolve(startup_group(OffsetResetStrategy::kEarliest),
                        bounded(BoundedMode::kUnbounded), {facts(0, 0, 10, 5)});
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(ranges.status().message(), "-g/--group")) << ranges.status().message();
}

TEST(ResolveStart, GroupErrorsNameHowTheModeWasWritten) {
  StartupSpec spec = startup_group(OffsetResetStrategy::kNone);
  spec.origin = "-o stored";
  auto ranges = resolve(spec, bounded(BoundedMode::kUnbounded), {facts(0, 0, 10)});
  ASSERT_FALSE(ranges.ok());
  EXPECT_TRUE(contains(ranges.status().message(), "(-o stored)")) << ranges.status().message();
}

// ---- timestamp ----

TEST(ResolveStart, TimestampStartsAtTheFirstRecordAtOrAfterIt) {
  std::vector<std::pair<std::int32_t, std::int64_t>> calls;
  const OffsetForTime lookup = [&](std::int32_t p,
                                   std::int64_t ms) -> core::Result<TimestampLookup> {
    calls.emplace_back(p, ms);
    return TimestampLookup{42, false};
  };
  const PartitionRange r = start_only(startup_time(kT), facts(3, 10, 120), "", lookup);
  EXPECT_EQ(r.start, 42);
  EXPECT_EQ(r.start_rule, "timestamp 1700000000000: first record at or after it is at offset 42");
  EXPECT_EQ(calls, (std::vector<std::pair<std::int32_t, std::int64_t>>{{3, kT}}));
}

TEST(ResolveStart, TimestampWithoutSuchRecordStartsAtTheEndOffsetReadBefore) {
  const PartitionRange r =
      start_only(startup_time(kT), facts(0, 10, 120), "", answer(std::nullopt));
  EXPECT_EQ(r.start, 120);
  EXPECT_EQ(r.start_rule,
            "timestamp 1700000000000: no record at or after it, start at end offset 120");
}

TEST(ResolveStart, TimestampOnAnEmptyPartitionStartsAtZero) {
  // Flink's testTimestampOffsetsInitializerForEmptyPartitions: empty partitions start at 0.
  EXPECT_EQ(start_only(startup_time(kT), facts(0, 0, 0), "", answer(std::nullopt)).start, 0);
}

TEST(ResolveStart, TimestampNegativeAnswerMeansNoRecordAsFlinkDrops) {
  EXPECT_EQ(start_only(startup_time(kT), facts(0, 0, 50), "", answer(-1)).start, 50);
}

TEST(ResolveStart, TimestampFoundByScanSaysSo) {
  EXPECT_EQ(start_only(startup_time(kT), facts(0, 0, 50), "", answer(7, true)).start_rule,
            "timestamp 1700000000000: first record at or after it is at offset 7 (found by "
            "scanning)");
  EXPECT_EQ(
      start_only(startup_time(kT), facts(0, 0, 50), "", answer(std::nullopt, true)).start_rule,
      "timestamp 1700000000000: no record at or after it (found by scanning), start at end "
      "offset 50");
}

TEST(ResolveStart, TimestampOffsetBelowTheLogStartResetsToLatest) {
  const PartitionRange r = start_only(startup_time(kT), facts(0, 10, 50), "", answer(4));
  EXPECT_EQ(r.start, 50);
  EXPECT_TRUE(contains(r.start_rule, "auto.offset.reset latest: end offset 50")) << r.start_rule;
}

TEST(ResolveStart, TimestampLookupErrorsNameThePartition) {
  const OffsetForTime failing = [](std::int32_t, std::int64_t) -> core::Result<TimestampLookup> {
    return core::Status(core::StatusCode::kTimeout, "ListOffsets timed out");
  };
  auto ranges =
      resolve(startup_time(kT), bounded(BoundedMode::kUnbounded), {facts(4, 0, 9)}, "", failing);
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kTimeout);
  EXPECT_TRUE(contains(ranges.status().message(), "partition 4")) << ranges.status().message();
  EXPECT_TRUE(contains(ranges.status().message(), "ListOffsets timed out"));
}

TEST(ResolveStart, NegativeTimestampIsRejected) {
  auto ranges = resolve(startup_time(-1), bounded(BoundedMode::kUnbounded), {facts(0, 0, 9)});
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(ranges.status().message(), "-1")) << ranges.status().message();
}

TEST(ResolveStart, SameTimeForStartAndStopIsLookedUpOncePerPartition) {
  int calls = 0;
  const OffsetForTime lookup = [&](std::int32_t, std::int64_t) -> core::Result<TimestampLookup> {
    ++calls;
    return TimestampLookup{5, false};
  };
  auto ranges =
      resolve(startup_time(kT), bounded_time(kT), {facts(0, 0, 9), facts(1, 0, 9)}, "", lookup);
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE((*ranges)[0].empty());
}

// ---- specific-offsets ----

TEST(ResolveStart, SpecificStartsAtTheListedOffset) {
  const PartitionRange r = start_only(startup_specific({{0, 42}}), facts(0, 10, 120));
  EXPECT_EQ(r.start, 42);
  EXPECT_EQ(r.start_rule, "specific-offsets: listed offset 42");
}

TEST(ResolveStart, SpecificListedOffsetEqualToTheEndIsValid) {
  EXPECT_EQ(start_only(startup_specific({{0, 120}}), facts(0, 10, 120)).start, 120);
}

TEST(ResolveStart, SpecificListedOffsetBeyondTheEndRereadsFromTheLogStart) {
  const PartitionRange r = start_only(startup_specific({{0, 121}}), facts(0, 10, 120));
  EXPECT_EQ(r.start, 10);
  EXPECT_EQ(r.start_rule,
            "specific-offsets: listed offset 121 is beyond end offset 120, auto.offset.reset "
            "earliest: log start offset 10");
}

TEST(ResolveStart, SpecificListedOffsetBelowTheLogStartGoesToTheLogStart) {
  // Flink's testKafkaSourceEmptyResultOnDeletedOffsets: start 1, records deleted up to 3,
  // stop 3: the reset goes to 3 = stop, so nothing is read.
  const PartitionRange r =
      resolve_one(startup_specific({{0, 1}}), bounded_specific({{0, 3}}), facts(0, 3, 5));
  EXPECT_EQ(r.start, 3);
  EXPECT_EQ(r.stop, 3);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(contains(r.start_rule, "listed offset 1 is below log start offset 3"))
      << r.start_rule;
}

TEST(ResolveStart, SpecificOutOfRangeWithResetNoneFails) {
  auto ranges = resolve(startup_specific({{0, 500}}, OffsetResetStrategy::kNone),
                        bounded(BoundedMode::kUnbounded), {facts(0, 0, 120)});
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kOutOfRange);
  EXPECT_TRUE(contains(ranges.status().message(), "listed offset 500 is beyond end offset 120"));
}

TEST(ResolveStart, SpecificUnlistedPartitionUsesTheCommittedOffset) {
  const PartitionRange r = start_only(startup_specific({{0, 1}}), facts(1, 0, 120, 42), "g");
  EXPECT_EQ(r.start, 42);
  EXPECT_EQ(r.start_rule,
            "specific-offsets: partition not listed, committed offset 42 of group 'g'");
}

TEST(ResolveStart, SpecificUnlistedPartitionWithoutCommitUsesTheStrategy) {
  const PartitionRange r = start_only(startup_specific({{0, 1}}), facts(1, 5, 120), "g");
  EXPECT_EQ(r.start, 5);
  EXPECT_EQ(r.start_rule,
            "specific-offsets: partition not listed, group 'g' has no committed offset, "
            "auto.offset.reset earliest: log start offset 5");
  EXPECT_EQ(
      start_only(startup_specific({{0, 1}}, OffsetResetStrategy::kLatest), facts(1, 5, 120), "g")
          .start,
      120);
}

TEST(ResolveStart, SpecificUnlistedPartitionWithoutGroupIgnoresCommitsAndUsesTheStrategy) {
  const PartitionRange r = start_only(startup_specific({{0, 1}}), facts(1, 5, 120, 42));
  EXPECT_EQ(r.start, 5);
  EXPECT_TRUE(contains(r.start_rule, "no group (-g)")) << r.start_rule;
}

TEST(ResolveStart, SpecificUnlistedCommitOutOfRangeIsReset) {
  const PartitionRange r = start_only(startup_specific({{0, 1}}), facts(1, 5, 120, 900), "g");
  EXPECT_EQ(r.start, 5);
  EXPECT_TRUE(contains(r.start_rule, "committed offset 900 of group 'g' is beyond end offset 120"));
}

TEST(ResolveStart, SpecificUnlistedWithoutCommitAndResetNoneFails) {
  auto ranges = resolve(startup_specific({{0, 1}}, OffsetResetStrategy::kNone),
                        bounded(BoundedMode::kUnbounded),
                        {facts(0, 0, 9), facts(1, 0, 9), facts(2, 0, 9, 4)}, "g");
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kNotFound);
  const std::string& message = ranges.status().message();
  EXPECT_TRUE(contains(message, "partition 1: partition not listed")) << message;
  EXPECT_FALSE(contains(message, "partition 2")) << message;
  EXPECT_TRUE(contains(message, "--auto-offset-reset")) << message;
}

TEST(ResolveStart, SpecificListedPartitionsTheTopicLacksAreIgnored) {
  auto ranges = resolve(startup_specific({{0, 1}, {7, 3}}), bounded(BoundedMode::kUnbounded),
                        {facts(0, 0, 9)});
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  ASSERT_EQ(ranges->size(), 1u);
  EXPECT_EQ((*ranges)[0].start, 1);
}

TEST(ResolveStart, SpecificWithoutOffsetsIsInvalid) {
  auto ranges = resolve(startup_specific({}), bounded(BoundedMode::kUnbounded), {facts(0, 0, 9)});
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(ranges.status().message(), "--startup-specific-offsets"));
}

TEST(ResolveStart, SpecificNegativeOffsetIsInvalid) {
  auto ranges =
      resolve(startup_specific({{0, -2}}), bounded(BoundedMode::kUnbounded), {facts(0, 0, 9)});
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kInvalidArgument);
}

// ---- kcat/rpk offsets in every partition: clamped ----

StartupSpec every(std::int64_t n) {
  StartupSpec spec = startup(StartupMode::kSpecificOffsets);
  spec.every_partition_offset = n;
  spec.origin = "-o " + std::to_string(n);
  return spec;
}

TEST(ResolveStart, OffsetInEveryPartitionIsClampedIntoTheLog) {
  const std::vector<PartitionFacts> all{facts(0, 0, 100), facts(1, 60, 100), facts(2, 0, 30)};
  auto ranges = resolve(every(50), bounded(BoundedMode::kUnbounded), all);
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  EXPECT_EQ((*ranges)[0].start, 50);
  EXPECT_EQ((*ranges)[0].start_rule, "-o 50: offset 50 in every partition");
  EXPECT_EQ((*ranges)[1].start, 60);
  EXPECT_EQ((*ranges)[1].start_rule,
            "-o 50: offset 50 in every partition is below log start offset 60: clamped to it");
  EXPECT_EQ((*ranges)[2].start, 30);
  EXPECT_EQ((*ranges)[2].start_rule,
            "-o 50: offset 50 in every partition is beyond end offset 30: clamped to it");
}

TEST(ResolveStart, FromEndIsNBeforeTheEndClampedToTheLogStart) {
  StartupSpec spec = startup(StartupMode::kSpecificOffsets);
  spec.from_end = 10;
  spec.origin = "-o -10";
  auto ranges =
      resolve(spec, bounded(BoundedMode::kUnbounded), {facts(0, 0, 120), facts(1, 115, 120)});
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  EXPECT_EQ((*ranges)[0].start, 110);
  EXPECT_EQ((*ranges)[0].start_rule, "-o -10: 10 before end offset 120: offset 110");
  EXPECT_EQ((*ranges)[1].start, 115);
  EXPECT_EQ((*ranges)[1].start_rule,
            "-o -10: 10 before end offset 120 is below log start offset 115: clamped to it");
}

TEST(ResolveStart, FromEndZeroIsTheEnd) {
  StartupSpec spec = startup(StartupMode::kSpecificOffsets);
  spec.from_end = 0;
  EXPECT_EQ(start_only(spec, facts(0, 3, 9)).start, 9);
}

TEST(ResolveStart, FromBeginningIsNAfterTheLogStartClampedToTheEnd) {
  StartupSpec spec = startup(StartupMode::kSpecificOffsets);
  spec.from_beginning = 3;
  auto ranges =
      resolve(spec, bounded(BoundedMode::kUnbounded), {facts(0, 10, 120), facts(1, 0, 2)});
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  EXPECT_EQ((*ranges)[0].start, 13);
  EXPECT_EQ((*ranges)[0].start_rule, "specific-offsets: 3 after log start offset 10: offset 13");
  EXPECT_EQ((*ranges)[1].start, 2);
  EXPECT_TRUE(contains((*ranges)[1].start_rule, "beyond end offset 2: clamped to it"));
}

TEST(ResolveStart, HugeRelativeOffsetsDoNotOverflow) {
  StartupSpec spec = startup(StartupMode::kSpecificOffsets);
  spec.from_beginning = INT64_MAX;
  EXPECT_EQ(start_only(spec, facts(0, 10, 20)).start, 20);
  spec.from_beginning.reset();
  spec.from_end = INT64_MAX;
  EXPECT_EQ(start_only(spec, facts(0, 10, 20)).start, 10);
}

TEST(ResolveStart, EveryPartitionOffsetNeedsSpecificModeAlone) {
  StartupSpec spec = every(5);
  spec.mode = StartupMode::kEarliestOffset;
  EXPECT_EQ(resolve(spec, bounded(BoundedMode::kUnbounded), {facts(0, 0, 9)}).status().code(),
            core::StatusCode::kInvalidArgument);
  spec = every(5);
  spec.from_end = 2;
  EXPECT_EQ(resolve(spec, bounded(BoundedMode::kUnbounded), {facts(0, 0, 9)}).status().code(),
            core::StatusCode::kInvalidArgument);
  spec = every(5);
  spec.specific = {{0, 1}};
  EXPECT_EQ(resolve(spec, bounded(BoundedMode::kUnbounded), {facts(0, 0, 9)}).status().code(),
            core::StatusCode::kInvalidArgument);
  spec = every(-1);
  EXPECT_EQ(resolve(spec, bounded(BoundedMode::kUnbounded), {facts(0, 0, 9)}).status().code(),
            core::StatusCode::kInvalidArgument);
}

// ---- bounded modes ----

TEST(ResolveStop, UnboundedHasNoStop) {
  const PartitionRange r = stop_only(bounded(BoundedMode::kUnbounded), facts(0, 0, 9));
  EXPECT_FALSE(r.stop.has_value());
  EXPECT_EQ(r.stop_rule, "unbounded");
}

TEST(ResolveStop, LatestStopsAtTheEndOffsetReadBefore) {
  const PartitionRange r = stop_only(bounded(BoundedMode::kLatestOffset), facts(0, 0, 120));
  EXPECT_EQ(r.stop, 120);
  EXPECT_EQ(r.stop_rule, "latest-offset: end offset 120, read before consuming");
}

TEST(ResolveStop, GroupOffsetsStopAtTheCommittedOffset) {
  const PartitionRange r =
      stop_only(bounded(BoundedMode::kGroupOffsets), facts(0, 0, 120, 42), "g");
  EXPECT_EQ(r.stop, 42);
  EXPECT_EQ(r.stop_rule, "group-offsets: committed offset 42 of group 'g'");
}

TEST(ResolveStop, GroupOffsetsWithoutCommitFailWithFlinksMessage) {
  auto ranges = resolve(startup(StartupMode::kEarliestOffset), bounded(BoundedMode::kGroupOffsets),
                        {facts(0, 0, 9), facts(1, 0, 9, 3)}, "g");
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(ranges.status().message(),
            "bounded mode group-offsets: partition 0 should stop at committed offset, but there "
            "is no committed offset of this partition for group 'g'");
  auto two = resolve(startup(StartupMode::kEarliestOffset), bounded(BoundedMode::kGroupOffsets),
                     {facts(0, 0, 9), facts(2, 0, 9)}, "g");
  ASSERT_FALSE(two.ok());
  EXPECT_TRUE(contains(two.status().message(), "partitions 0, 2 should stop"))
      << two.status().message();
}

TEST(ResolveStop, GroupOffsetsWithoutGroupNameTheGroupFlag) {
  auto ranges = resolve(startup(StartupMode::kEarliestOffset), bounded(BoundedMode::kGroupOffsets),
                        {facts(0, 0, 9, 3)});
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(ranges.status().message(), "-g/--group"));
}

TEST(ResolveStop, TimestampStopsBeforeTheFirstRecordAtOrAfterIt) {
  // Flink's testKafkaSourceSinkWithBoundedTimestamp: records ts 0, 3, 7 at offsets 0..2, T = 5:
  // the stop is offset 2 (exclusive), so ts 0 and 3 are emitted.
  const OffsetForTime lookup = [](std::int32_t, std::int64_t ms) -> core::Result<TimestampLookup> {
    EXPECT_EQ(ms, 5);
    return TimestampLookup{2, false};
  };
  const PartitionRange r = stop_only(bounded_time(5), facts(0, 0, 3), "", lookup);
  EXPECT_EQ(r.start, 0);
  EXPECT_EQ(r.stop, 2);
  EXPECT_EQ(r.stop_rule, "timestamp 5: first record at or after it is at offset 2, excluded");
}

TEST(ResolveStop, TimestampWithoutSuchRecordStopsAtTheEndOffset) {
  const PartitionRange r = stop_only(bounded_time(kT), facts(0, 0, 3), "", answer(std::nullopt));
  EXPECT_EQ(r.stop, 3);
  EXPECT_EQ(r.stop_rule, "timestamp 1700000000000: no record at or after it, stop at end offset 3");
}

TEST(ResolveStop, NegativeTimestampIsRejected) {
  auto ranges = resolve(startup(StartupMode::kEarliestOffset), bounded_time(-5), {facts(0, 0, 3)});
  EXPECT_EQ(ranges.status().code(), core::StatusCode::kInvalidArgument);
}

TEST(ResolveStop, SpecificStopsAtTheListedOffset) {
  // Flink's testKafkaSourceSinkWithBoundedSpecificOffsets: stop 2 on 3 records reads 0 and 1.
  const PartitionRange r = stop_only(bounded_specific({{0, 2}}), facts(0, 0, 3));
  EXPECT_EQ(r.start, 0);
  EXPECT_EQ(r.stop, 2);
  EXPECT_EQ(r.stop_rule, "specific-offsets: listed offset 2");
}

TEST(ResolveStop, SpecificStopBeyondTheEndWaitsForIt) {
  const PartitionRange r = stop_only(bounded_specific({{0, 500}}), facts(0, 0, 3));
  EXPECT_EQ(r.stop, 500);
  EXPECT_EQ(
      r.stop_rule,
      "specific-offsets: listed offset 500 is beyond end offset 3: waits until it is written");
}

TEST(ResolveStop, SpecificUnlistedPartitionStopsAtTheCommittedOffset) {
  // The reference's section 5.4: the docs say "not consumed", the code reads up to the commit.
  const PartitionRange r = stop_only(bounded_specific({{0, 2}}), facts(1, 0, 9, 4), "g");
  EXPECT_EQ(r.stop, 4);
  EXPECT_FALSE(r.empty());
  EXPECT_EQ(r.stop_rule, "specific-offsets: partition not listed, committed offset 4 of group 'g'");
}

TEST(ResolveStop, SpecificUnlistedPartitionWithoutCommitStopsAtTheBeginning) {
  const PartitionRange r = stop_only(bounded_specific({{0, 2}}), facts(1, 3, 9), "g");
  EXPECT_EQ(r.start, 3);
  EXPECT_EQ(r.stop, 3);
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(contains(r.stop_rule, "stop at the beginning offset 3")) << r.stop_rule;
  EXPECT_TRUE(contains(r.stop_rule, "nothing to read")) << r.stop_rule;
  EXPECT_EQ(stop_only(bounded_specific({{0, 2}}), facts(1, 3, 9, 4)).stop, 3);  // no group
}

TEST(ResolveStop, SpecificWithoutOffsetsIsInvalid) {
  auto ranges =
      resolve(startup(StartupMode::kEarliestOffset), bounded_specific({}), {facts(0, 0, 3)});
  ASSERT_FALSE(ranges.ok());
  EXPECT_TRUE(contains(ranges.status().message(), "--bounded-specific-offsets"));
}

TEST(ResolveStop, OffsetInEveryPartitionIsCappedAtTheEndAsRpkDoes) {
  BoundedSpec spec = bounded(BoundedMode::kSpecificOffsets);
  spec.every_partition_offset = 50;
  auto ranges =
      resolve(startup(StartupMode::kEarliestOffset), spec, {facts(0, 0, 100), facts(1, 0, 30)});
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  EXPECT_EQ((*ranges)[0].stop, 50);
  EXPECT_EQ((*ranges)[1].stop, 30);
  EXPECT_TRUE(contains((*ranges)[1].stop_rule, "beyond end offset 30: stop at the end offset"));
}

TEST(ResolveStop, StartAtOrAfterStopIsEmpty) {
  const PartitionRange r = resolve_one(startup(StartupMode::kLatestOffset),
                                       bounded(BoundedMode::kLatestOffset), facts(0, 0, 7));
  EXPECT_EQ(r.start, 7);
  EXPECT_EQ(r.stop, 7);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.stop_rule,
            "latest-offset: end offset 7, read before consuming; start 7 >= stop 7: "
            "nothing to read");
  const PartitionRange past =
      resolve_one(startup_specific({{0, 5}}), bounded_specific({{0, 2}}), facts(0, 0, 7));
  EXPECT_TRUE(past.empty());
}

TEST(ResolveStop, EarliestToLatestOnAnEmptyPartitionIsEmpty) {
  EXPECT_TRUE(resolve_one(startup(StartupMode::kEarliestOffset),
                          bounded(BoundedMode::kLatestOffset), facts(0, 0, 0))
                  .empty());
}

TEST(ResolveRanges, OneRangePerPartitionInTheOrderGiven) {
  auto ranges = resolve(startup(StartupMode::kEarliestOffset), bounded(BoundedMode::kLatestOffset),
                        {facts(2, 1, 5), facts(0, 0, 9), facts(1, 4, 4)});
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  ASSERT_EQ(ranges->size(), 3u);
  EXPECT_EQ((*ranges)[0].partition, 2);
  EXPECT_EQ((*ranges)[1].partition, 0);
  EXPECT_EQ((*ranges)[2].partition, 1);
  EXPECT_EQ((*ranges)[0].start, 1);
  EXPECT_EQ((*ranges)[0].stop, 5);
  EXPECT_TRUE((*ranges)[2].empty());
}

TEST(ResolveRanges, NoPartitionsGiveNoRanges) {
  auto ranges =
      resolve(startup(StartupMode::kEarliestOffset), bounded(BoundedMode::kUnbounded), {});
  ASSERT_TRUE(ranges.ok());
  EXPECT_TRUE(ranges->empty());
}

TEST(ResolveRanges, AliasesResolveEndToEnd) {
  auto alias = parse_offset_alias("10:20", 0);
  ASSERT_TRUE(alias.ok());
  auto ranges = resolve(*alias->startup, *alias->bounded, {facts(0, 0, 100), facts(1, 15, 18)});
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  EXPECT_EQ((*ranges)[0].start, 10);
  EXPECT_EQ((*ranges)[0].stop, 20);
  EXPECT_EQ((*ranges)[0].start_rule, "-o 10:20: offset 10 in every partition");
  EXPECT_EQ((*ranges)[1].start, 15);
  EXPECT_EQ((*ranges)[1].stop, 18);
}

}  // namespace
}  // namespace tidemark::consumer
