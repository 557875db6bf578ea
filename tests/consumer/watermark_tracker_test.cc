// WatermarkTracker against ../shared/reference/flink-kafka-semantics.md Part 2: formulas (2.2,
// 2.3), per-partition generation and the combined minimum (2.4), idleness timing (2.5), no
// regression (2.6), lateness (2.7) and end of input (2.8). Every test drives a simulated
// processing clock; none sleeps.
#include "tidemark/consumer/watermark_tracker.h"

#include <gtest/gtest.h>

#include <vector>

namespace tidemark::consumer {
namespace {

WatermarkOptions per_record(std::int64_t delay, WatermarkStyle style = WatermarkStyle::kSql) {
  WatermarkOptions o;
  o.delay_ms = delay;
  o.style = style;
  o.per_record = true;
  return o;
}

WatermarkOptions periodic(std::int64_t delay, std::int64_t interval, std::int64_t idle = 0) {
  WatermarkOptions o;
  o.delay_ms = delay;
  o.interval_ms = interval;
  o.idle_timeout_ms = idle;
  return o;
}

WatermarkTracker make(const WatermarkOptions& o, std::vector<std::int32_t> partitions,
                      std::int64_t start = 0) {
  core::Result<WatermarkTracker> t = WatermarkTracker::create(o, partitions, start);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return std::move(*t);
}

// ---- formulas ----

TEST(WatermarkTracker, SqlStyleIsMaxEventTimeMinusDelayWithoutMinusOne) {
  WatermarkTracker t = make(per_record(5000), {0});
  EXPECT_EQ(t.on_record(0, 10000, 0).watermark, 5000);
  EXPECT_EQ(t.on_record(0, 12000, 1).watermark, 7000);
  EXPECT_EQ(t.on_record(0, 11000, 2).watermark, 7000);  // the max, not the last
  EXPECT_EQ(t.partition(0)->max_event_time, 12000);
}

TEST(WatermarkTracker, DataStreamStyleSubtractsOneMoreMillisecond) {
  WatermarkTracker t = make(per_record(5000, WatermarkStyle::kDataStream), {0});
  EXPECT_EQ(t.on_record(0, 10000, 0).watermark, 4999);
  EXPECT_EQ(t.on_record(0, 12000, 1).watermark, 6999);
}

TEST(WatermarkTracker, DataStreamWithZeroDelayIsMonotonousTimestamps) {
  WatermarkTracker t = make(per_record(0, WatermarkStyle::kDataStream), {0});
  EXPECT_EQ(t.on_record(0, 10000, 0).watermark, 9999);  // forMonotonousTimestamps: max - 1
  WatermarkTracker sql = make(per_record(0), {0});
  EXPECT_EQ(sql.on_record(0, 10000, 0).watermark, 10000);  // WATERMARK FOR ts AS ts
}

TEST(WatermarkTracker, EventTimesNearTheMinimumSaturateToNoWatermark) {
  WatermarkTracker t = make(per_record(5000), {0});
  EXPECT_EQ(t.on_record(0, kNoWatermark + 10, 0).watermark, kNoWatermark);
  EXPECT_EQ(t.on_record(0, -1, 1).watermark, -5001);  // Kafka's "no timestamp" passes through
}

TEST(WatermarkTracker, NoWatermarkIsExplicitAndNeverPrintedAsATime) {
  WatermarkTracker t = make(per_record(0), {0});
  EXPECT_EQ(t.watermark(), kNoWatermark);
  const std::string text = format_watermark(t.watermark());
  EXPECT_NE(text.find("none"), std::string::npos);
  EXPECT_EQ(text.find("1970"), std::string::npos);
  EXPECT_EQ(text.find("-292"), std::string::npos);
  EXPECT_EQ(format_watermark(kMaxWatermark), "MAX (end of input)");
  EXPECT_EQ(format_watermark(1732345678901), "2024-11-23T07:07:58.901Z");
}

// ---- emission ----

TEST(WatermarkTracker, PeriodicEmissionWaitsForTheNextTick) {
  WatermarkTracker t = make(periodic(1000, 200), {0}, /*start=*/0);
  const RecordVerdict v = t.on_record(0, 10000, 50);
  EXPECT_EQ(v.watermark, kNoWatermark);  // generators emit only on ticks
  EXPECT_EQ(t.on_processing_time(199), kNoWatermark);
  EXPECT_EQ(t.on_processing_time(200), 9000);  // first tick one interval after the start
  EXPECT_EQ(t.on_record(0, 20000, 250).watermark, 9000);
  EXPECT_EQ(t.on_processing_time(399), 9000);
  EXPECT_EQ(t.on_processing_time(400), 19000);
  EXPECT_EQ(t.ticks(), 2);
}

TEST(WatermarkTracker, TicksDueBeforeARecordRunBeforeItIsJudged) {
  WatermarkTracker t = make(periodic(0, 200), {0});
  EXPECT_FALSE(t.on_record(0, 10000, 10).late);
  // The tick at 200 emits 10000 before this record (arrives at 450) is judged.
  const RecordVerdict v = t.on_record(0, 10000, 450);
  EXPECT_EQ(v.watermark_before, 10000);
  EXPECT_TRUE(v.late);
}

TEST(WatermarkTracker, PerRecordEmissionUpdatesAfterEveryRecord) {
  WatermarkTracker t = make(per_record(0), {0});
  const RecordVerdict a = t.on_record(0, 1000, 0);
  EXPECT_EQ(a.watermark_before, kNoWatermark);
  EXPECT_EQ(a.watermark, 1000);
  const RecordVerdict b = t.on_record(0, 2000, 0);  // same processing time: still a tick
  EXPECT_EQ(b.watermark_before, 1000);
  EXPECT_EQ(b.watermark, 2000);
  EXPECT_EQ(t.ticks(), 2);
}

// ---- per-partition and combined ----

TEST(WatermarkTracker, CombinedWatermarkIsTheMinimumOverPartitions) {
  WatermarkTracker t = make(per_record(0), {0, 1});
  t.on_record(0, 5000, 0);
  t.on_record(1, 3000, 1);
  EXPECT_EQ(t.watermark(), 3000);
  t.on_record(0, 9000, 2);
  EXPECT_EQ(t.watermark(), 3000);
  t.on_record(1, 7000, 3);
  EXPECT_EQ(t.watermark(), 7000);
  EXPECT_EQ(t.partition(0)->watermark, 9000);
  EXPECT_EQ(t.partition(1)->watermark, 7000);
  EXPECT_EQ(t.holding_partitions(), std::vector<std::int32_t>{1});
}

TEST(WatermarkTracker, PartitionWithoutRecordsHoldsTheCombinedWatermarkAtNone) {
  WatermarkTracker t = make(per_record(0), {0, 1, 2, 3});
  for (int i = 0; i < 100; ++i) t.on_record(i % 3, 1000 * i, i);  // partition 3 never
  EXPECT_EQ(t.watermark(), kNoWatermark);
  EXPECT_EQ(t.holding_partitions(), std::vector<std::int32_t>{3});
  const std::string why = t.explain(100);
  EXPECT_NE(why.find("partition 3 has no records yet"), std::string::npos) << why;
  EXPECT_NE(why.find("idle detection off"), std::string::npos) << why;
}

TEST(WatermarkTracker, ExplainNamesThePartitionHoldingItBack) {
  WatermarkTracker t = make(per_record(0), {0, 1, 2, 3});
  t.on_record(0, 50000, 0);
  t.on_record(1, 50000, 1);
  t.on_record(2, 50000, 2);
  t.on_record(3, 10000, 3);
  const std::string why = t.explain(4);
  EXPECT_EQ(why.find("held back by partition 3"), 0u) << why;
  EXPECT_NE(why.find("idle detection off"), std::string::npos) << why;
}

TEST(WatermarkTracker, PartitionWithoutRecordsStopsHoldingOnceIdle) {
  // Interval 200, idle timeout 1000. Partition 1 never gets a record: its timer starts at the
  // first tick (200) and it is idle at the first tick c with c - 200 > 1000, i.e. c = 1400.
  WatermarkTracker t = make(periodic(0, 200, 1000), {0, 1}, 0);
  std::int64_t now = 0;
  for (; now < 1400; now += 100) t.on_record(0, 100000 + now, now);
  EXPECT_EQ(t.on_processing_time(1399), kNoWatermark);
  EXPECT_FALSE(t.partition(1)->idle);
  EXPECT_EQ(t.on_processing_time(1400), 100000 + 1300);
  EXPECT_TRUE(t.partition(1)->idle);
  EXPECT_FALSE(t.partition(0)->idle);
}

TEST(WatermarkTracker, IdlenessTimingFollowsFlinksFormula) {
  // Last event at 250 (between ticks c0 = 200 and c1 = 400); c1 sees the activity and resets;
  // the timer starts at c2 = 600; idle at c2 + (floor(T/I) + 1) * I = 600 + 6 * 200 = 1800.
  WatermarkTracker t = make(periodic(0, 200, 1000), {0, 1}, 0);
  for (std::int64_t now = 0; now <= 1700; now += 50) {
    t.on_record(0, 90000 + now, now);
    if (now == 250) t.on_record(1, 5000, now);
  }
  t.on_processing_time(1799);
  EXPECT_FALSE(t.partition(1)->idle);
  EXPECT_EQ(t.watermark(), 5000);
  t.on_processing_time(1800);
  EXPECT_TRUE(t.partition(1)->idle);
  EXPECT_EQ(t.watermark(), 90000 + 1700);
}

TEST(WatermarkTracker, ExactlyAtTheTimeoutIsNotYetIdle) {
  // Interval 250, timeout 1000: the timer starts at 250 (first tick, no records ever); at
  // 1250 the elapsed time equals the timeout (not idle: the check is strictly greater); the
  // next tick, 1500, declares it idle.
  WatermarkTracker u = make(periodic(0, 250, 1000), {0, 1}, 0);
  for (std::int64_t now = 0; now <= 1250; now += 50) u.on_record(0, 70000, now);
  EXPECT_FALSE(u.partition(1)->idle);
  EXPECT_EQ(u.watermark(), kNoWatermark);
  u.on_processing_time(1499);
  EXPECT_FALSE(u.partition(1)->idle);
  u.on_processing_time(1500);
  EXPECT_TRUE(u.partition(1)->idle);
  EXPECT_EQ(u.watermark(), 70000);
}

TEST(WatermarkTracker, ActivityResumingMakesThePartitionCountAgainAtTheNextTick) {
  WatermarkTracker t = make(periodic(0, 100, 500), {0, 1}, 0);
  t.on_record(1, 20000, 0);
  for (std::int64_t now = 0; now <= 2000; now += 50) t.on_record(0, 60000 + now, now);
  ASSERT_TRUE(t.partition(1)->idle);
  const std::int64_t before = t.watermark();
  EXPECT_EQ(before, 61950);  // the tick at 2000 ran before the record at 2000
  // A record clears the generator's idle flag at once; the partition rejoins the minimum at
  // the next tick, when its generator emits again.
  t.on_record(1, 30000, 2010);
  EXPECT_FALSE(t.partition(1)->generator_idle);
  EXPECT_TRUE(t.partition(1)->idle);
  t.on_processing_time(2100);
  EXPECT_FALSE(t.partition(1)->idle);
  EXPECT_EQ(t.partition(1)->watermark, 30000);
  // Its watermark is far below the combined one, which does not go back.
  EXPECT_EQ(t.watermark(), 61950);
  EXPECT_EQ(t.holding_partitions(), std::vector<std::int32_t>{1});
  EXPECT_NE(t.explain(2100).find("never goes back"), std::string::npos) << t.explain(2100);
  // It holds the combined watermark until it passes it.
  t.on_record(1, 70000, 2150);
  t.on_record(0, 80000, 2160);
  t.on_processing_time(2200);
  EXPECT_EQ(t.watermark(), 70000);
}

TEST(WatermarkTracker, AllPartitionsIdleFlushesTheirMaximum) {
  WatermarkTracker t = make(periodic(0, 100, 300), {0, 1}, 0);
  t.on_record(0, 5000, 10);
  t.on_record(1, 9000, 20);
  t.on_processing_time(100);
  EXPECT_EQ(t.watermark(), 5000);
  t.on_processing_time(10000);
  EXPECT_TRUE(t.all_idle());
  EXPECT_EQ(t.watermark(), 9000);  // FLINK-38454: the maximum
  EXPECT_NE(t.explain(10000).find("all partitions idle"), std::string::npos);
}

TEST(WatermarkTracker, AllPartitionsIdleHoldsInOlderFlink) {
  WatermarkOptions o = periodic(0, 100, 300);
  o.all_idle = AllIdleBehavior::kHold;
  WatermarkTracker t = make(o, {0, 1}, 0);
  t.on_record(0, 5000, 10);
  t.on_record(1, 9000, 20);
  t.on_processing_time(10000);
  EXPECT_TRUE(t.all_idle());
  EXPECT_EQ(t.watermark(), 5000);
}

TEST(WatermarkTracker, WatermarkNeverDecreases) {
  WatermarkTracker t = make(per_record(0), {0});
  t.on_record(0, 9000, 0);
  t.on_record(0, 1000, 1);
  EXPECT_EQ(t.watermark(), 9000);
  EXPECT_EQ(t.partition(0)->watermark, 9000);
  // A partition assigned later starts at no watermark: it holds the combined one but cannot
  // lower it.
  t.add_partition(1);
  t.on_record(0, 10000, 2);
  EXPECT_EQ(t.watermark(), 9000);
  t.on_record(1, 500, 3);
  EXPECT_EQ(t.watermark(), 9000);
  EXPECT_EQ(t.partition(1)->watermark, 500);
}

TEST(WatermarkTracker, FinishedPartitionNoLongerHoldsTheWatermark) {
  WatermarkTracker t = make(per_record(0), {0, 1});
  t.on_record(0, 50000, 0);
  t.on_record(1, 1000, 1);
  EXPECT_EQ(t.watermark(), 1000);
  t.finish_partition(1);
  t.on_record(0, 60000, 2);
  EXPECT_EQ(t.watermark(), 60000);
  EXPECT_TRUE(t.partition(1)->finished);
}

TEST(WatermarkTracker, AFinishedPartitionAssignedAgainCountsFromScratch) {
  // A group member loses partition 1 in a rebalance (finished) and gets it back later.
  WatermarkTracker t = make(per_record(0), {0, 1});
  t.on_record(0, 50000, 0);
  t.on_record(1, 1000, 1);
  t.finish_partition(1);
  t.on_record(0, 60000, 2);
  EXPECT_EQ(t.watermark(), 60000);
  t.add_partition(1);
  const PartitionWatermarkState* p = t.partition(1);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->finished);
  EXPECT_EQ(p->records, 0);
  EXPECT_EQ(p->watermark, kNoWatermark);
  t.on_record(0, 70000, 3);
  EXPECT_EQ(t.watermark(), 60000) << "partition 1 holds it again, without lowering it";
  t.on_record(1, 80000, 4);
  EXPECT_EQ(t.watermark(), 70000);
  EXPECT_EQ(t.partitions().size(), 2u);
  t.add_partition(0);  // known and active: nothing changes
  EXPECT_EQ(t.partition(0)->records, 3);
}

TEST(WatermarkTracker, UnassignedPartitionIsRegisteredAtItsFirstRecord) {
  WatermarkTracker t = make(per_record(0), {0});
  t.on_record(0, 5000, 0);
  t.on_record(7, 2000, 1);
  ASSERT_NE(t.partition(7), nullptr);
  EXPECT_EQ(t.watermark(), 5000);  // 7 joined below but cannot lower it
  EXPECT_EQ(t.partitions().size(), 2u);
}

// ---- lateness ----

TEST(WatermarkTracker, RecordAtExactlyTheWatermarkIsLate) {
  WatermarkTracker t = make(per_record(0), {0});
  t.on_record(0, 10000, 0);
  EXPECT_TRUE(t.on_record(0, 10000, 1).late);   // ts <= W
  EXPECT_FALSE(t.on_record(0, 10001, 2).late);  // ts > W
  EXPECT_TRUE(t.on_record(0, 9999, 3).late);
  EXPECT_EQ(t.late_records(), 2);
  EXPECT_EQ(t.partition(0)->late_records, 2);
}

TEST(WatermarkTracker, NothingIsLateBeforeTheFirstWatermark) {
  WatermarkTracker t = make(per_record(0), {0, 1});
  t.on_record(0, 10000, 0);
  EXPECT_FALSE(t.on_record(0, -5, 1).late);
}

TEST(WatermarkTracker, DataStreamRecordAtMaxMinusDelayIsStillOnTime) {
  // Reference 2.2: with the -1, a record with ts = max - B is still on time.
  WatermarkTracker t = make(per_record(5000, WatermarkStyle::kDataStream), {0});
  t.on_record(0, 20000, 0);
  EXPECT_FALSE(t.on_record(0, 15000, 1).late);
  WatermarkTracker sql = make(per_record(5000), {0});
  sql.on_record(0, 20000, 0);
  EXPECT_TRUE(sql.on_record(0, 15000, 1).late);
}

// ---- end of input ----

TEST(WatermarkTracker, EndOfInputEmitsMax) {
  WatermarkTracker t = make(per_record(0), {0, 1});
  t.on_record(0, 5000, 0);
  EXPECT_EQ(t.watermark(), kNoWatermark);  // partition 1 holds it
  EXPECT_EQ(t.end_of_input(), kMaxWatermark);
  EXPECT_TRUE(t.ended());
  EXPECT_TRUE(t.on_record(0, 6000, 1).late);
  EXPECT_EQ(t.watermark(), kMaxWatermark);
}

// ---- per-record mode with idleness measured in records ----

TEST(WatermarkTracker, PerRecordModeMeasuresIdlenessInTheCallersClock) {
  // Processing time = arrival index: the timeout counts records. Partition 1 gets record 0,
  // then only partition 0 records arrive. Tick after record 1 (t=1): no activity on 1 since
  // the tick at t=0 -> the timer starts at 1; idle at the first tick t with t - 1 > 3: t = 5.
  WatermarkOptions o = per_record(0);
  o.idle_timeout_ms = 3;
  WatermarkTracker t = make(o, {0, 1});
  t.on_record(1, 1000, 0);
  for (std::int64_t i = 1; i <= 4; ++i) {
    t.on_record(0, 5000 + i, i);
    EXPECT_FALSE(t.partition(1)->idle) << i;
    EXPECT_EQ(t.watermark(), 1000) << i;
  }
  t.on_record(0, 5005, 5);
  EXPECT_TRUE(t.partition(1)->idle);
  EXPECT_EQ(t.watermark(), 5005);
}

TEST(WatermarkTracker, JumpingTheClockGivesTheSameResultAsSmallSteps) {
  // The tracker skips ticks that cannot change anything; that must not change any decision.
  WatermarkOptions o = periodic(2000, 200, 1500);
  WatermarkTracker fine = make(o, {0, 1, 2}, 0);
  WatermarkTracker coarse = make(o, {0, 1, 2}, 0);
  fine.set_event_log(true);
  coarse.set_event_log(true);
  for (WatermarkTracker* t : {&fine, &coarse}) {
    t->on_record(0, 10000, 10);
    t->on_record(1, 12000, 30);
    t->on_record(2, 11000, 700);
  }
  for (std::int64_t now = 700; now <= 20000; ++now) fine.on_processing_time(now);
  coarse.on_processing_time(20000);
  ASSERT_EQ(fine.events().size(), coarse.events().size());
  for (std::size_t i = 0; i < fine.events().size(); ++i) {
    EXPECT_EQ(fine.events()[i].kind, coarse.events()[i].kind) << i;
    EXPECT_EQ(fine.events()[i].partition, coarse.events()[i].partition) << i;
    EXPECT_EQ(fine.events()[i].watermark, coarse.events()[i].watermark) << i;
    EXPECT_EQ(fine.events()[i].processing_time, coarse.events()[i].processing_time) << i;
  }
  EXPECT_EQ(fine.ticks(), coarse.ticks());
  EXPECT_EQ(fine.watermark(), coarse.watermark());
  EXPECT_TRUE(coarse.all_idle());
  // Partition 0 last had activity at 10: reset at 200, timer at 400, idle at 2000.
  EXPECT_EQ(coarse.events().front().kind, TrackerEventKind::kWatermark);
  bool saw_idle_0 = false;
  for (const TrackerEvent& e : coarse.events()) {
    if (e.kind == TrackerEventKind::kPartitionIdle && e.partition == 0) {
      EXPECT_EQ(e.processing_time, 2000);
      saw_idle_0 = true;
    }
  }
  EXPECT_TRUE(saw_idle_0);
}

// ---- options ----

TEST(WatermarkOptions, ParsesTheIntervalFlag) {
  WatermarkOptions o;
  ASSERT_TRUE(parse_watermark_interval("per-record", o).ok());
  EXPECT_TRUE(o.per_record);
  ASSERT_TRUE(parse_watermark_interval("1s", o).ok());
  EXPECT_FALSE(o.per_record);
  EXPECT_EQ(o.interval_ms, 1000);
  const core::Status zero = parse_watermark_interval("0", o);
  EXPECT_EQ(zero.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(zero.message().find("per-record"), std::string::npos);
  const core::Status bad = parse_watermark_interval("fast", o);
  EXPECT_NE(bad.message().find("'fast'"), std::string::npos) << bad.message();
}

TEST(WatermarkOptions, ParsesStyleAndIdleTimeout) {
  EXPECT_EQ(*parse_watermark_style("sql"), WatermarkStyle::kSql);
  EXPECT_EQ(*parse_watermark_style("datastream"), WatermarkStyle::kDataStream);
  EXPECT_NE(parse_watermark_style("flink").status().message().find("'flink'"), std::string::npos);
  WatermarkOptions o;
  ASSERT_TRUE(parse_idle_timeout("30s", o).ok());
  EXPECT_EQ(o.idle_timeout_ms, 30000);
  ASSERT_TRUE(parse_idle_timeout("off", o).ok());
  EXPECT_EQ(o.idle_timeout_ms, 0);
  EXPECT_FALSE(parse_idle_timeout("-1s", o).ok());
}

TEST(WatermarkOptions, RejectsInvalidValues) {
  WatermarkOptions o;
  o.delay_ms = -1;
  EXPECT_FALSE(WatermarkTracker::create(o, std::vector<std::int32_t>{0}, 0).ok());
  o = WatermarkOptions{};
  o.interval_ms = 0;
  EXPECT_FALSE(WatermarkTracker::create(o, std::vector<std::int32_t>{0}, 0).ok());
  o = WatermarkOptions{};
  EXPECT_FALSE(WatermarkTracker::create(o, std::vector<std::int32_t>{0, 0}, 0).ok());
  EXPECT_FALSE(WatermarkTracker::create(o, std::vector<std::int32_t>{-1}, 0).ok());
}

TEST(WatermarkOptions, DescribeSaysWhichFormulaIsInForce) {
  WatermarkOptions o = periodic(5000, 200);
  const std::string sql = describe(o);
  EXPECT_NE(sql.find("INTERVAL '5' SECOND"), std::string::npos) << sql;
  EXPECT_NE(sql.find("every 200ms"), std::string::npos) << sql;
  EXPECT_NE(sql.find("idle timeout off"), std::string::npos) << sql;
  o.style = WatermarkStyle::kDataStream;
  o.per_record = true;
  o.idle_timeout_ms = 30000;
  const std::string ds = describe(o);
  EXPECT_NE(ds.find("forBoundedOutOfOrderness(5s)"), std::string::npos) << ds;
  EXPECT_NE(ds.find("- 1ms"), std::string::npos) << ds;
  EXPECT_NE(ds.find("per-record"), std::string::npos) << ds;
  EXPECT_NE(ds.find("idle timeout 30s"), std::string::npos) << ds;
}

}  // namespace
}  // namespace tidemark::consumer
