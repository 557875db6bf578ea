// EventTimePipeline: the order in which the watermark tracker and the window operator see
// records and watermarks, and the end result for the lab's aggregation against what Flink SQL
// writes (worked by hand from ../shared/reference/flink-kafka-semantics.md, and against an
// independent brute-force model of the same rules on random disorder).
#include "tidemark/consumer/event_time_pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace tidemark::consumer {
namespace {

constexpr std::int64_t kT0 = 1767261600000;  // 2026-01-01T10:00:00Z
constexpr std::int64_t kSec = 1000;
constexpr std::int64_t kMin = 60 * kSec;

EventTimeOptions sql_per_record(std::int64_t delay, std::int64_t window = kMin) {
  EventTimeOptions o;
  o.watermark.delay_ms = delay;
  o.watermark.per_record = true;
  o.window = WindowOptions{};
  o.window->tumble.size_ms = window;
  return o;
}

EventTimePipeline make(const EventTimeOptions& o, std::vector<std::int32_t> partitions) {
  core::Result<EventTimePipeline> p = EventTimePipeline::create(o, partitions, 0);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return std::move(*p);
}

using Row =
    std::tuple<std::int64_t, std::int64_t, std::string, std::int64_t>;  // start, end, key, count

std::vector<Row> rows(const std::vector<WindowResult>& fired) {
  std::vector<Row> out;
  for (const WindowResult& r : fired)
    out.emplace_back(r.window_start, r.window_end, r.key, r.count);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(EventTimePipeline, LabAggregationMatchesFlinkSqlForOneMinuteTumbleByKey) {
  // Flink SQL, one source reader (parallelism 1) over a 2-partition topic,
  //   WATERMARK FOR ts AS ts - INTERVAL '10' SECOND, scan.watermark.emit.strategy = 'on-event'
  //   SELECT window_start, window_end, k, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts),
  //          INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k
  // The on-event strategy updates the combined watermark after each record, which is what
  // tidemark's per-record mode does (without idleness). Hand-worked, times as s after 10:00:00:
  struct In {
    std::int32_t partition;
    std::int64_t second;
    const char* key;
    bool late;
    bool dropped;
    std::int64_t watermark_after;  // s, or kNone
  };
  constexpr std::int64_t kNone = kNoWatermark;
  const std::vector<In> input = {
      {0, 5, "a", false, false, kNone},  // p1 has no records: no watermark
      {1, 10, "b", false, false, -5},    // min(5-10, 10-10) = -5
      {0, 50, "a", false, false, 0},     // min(40, 0)
      {1, 30, "a", false, false, 20},    // min(40, 20)
      {0, 72, "b", false, false, 20},    // min(62, 20)
      {1, 65, "a", false, false, 55},    // min(62, 55)
      {0, 58, "b", false, false, 55},    // 58 > 55: on time
      {1, 75, "b", false, false, 62},    // min(62, 65) = 62 >= 59.999: [10:00, 10:01) fires
      {0, 40, "a", true, true, 62},      // 40 <= 62 and its window fired: dropped
      {0, 119, "a", false, false, 65},   // min(109, 65)
      {1, 121, "a", false, false, 109},  // min(109, 111)
      {1, 90, "b", true, false, 109},    // late (90 <= 109) but [10:01, 10:02) is open: counted
      {0, 140, "b", false, false, 111},  // min(130, 111)
  };
  EventTimePipeline p = make(sql_per_record(10 * kSec), {0, 1});
  std::vector<WindowResult> fired;
  std::int64_t offset = 0;
  for (const In& in : input) {
    const RecordOutcome o =
        p.on_record(in.partition, offset, kT0 + in.second * kSec, in.key, offset, fired);
    SCOPED_TRACE("record at +" + std::to_string(in.second) + "s");
    EXPECT_EQ(o.late, in.late);
    EXPECT_EQ(o.window == WindowVerdict::kDropped, in.dropped);
    EXPECT_EQ(o.watermark,
              in.watermark_after == kNone ? kNoWatermark : kT0 + in.watermark_after * kSec);
    ++offset;
  }
  // The first window fired when the 8th record lifted the watermark to 10:01:02.
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].watermark, kT0 + 62 * kSec);
  p.end_of_input(fired);
  const std::vector<Row> expected = {
      {kT0, kT0 + kMin, "a", 3},
      {kT0, kT0 + kMin, "b", 2},
      {kT0 + kMin, kT0 + 2 * kMin, "a", 2},
      {kT0 + kMin, kT0 + 2 * kMin, "b", 3},
      {kT0 + 2 * kMin, kT0 + 3 * kMin, "a", 1},
      {kT0 + 2 * kMin, kT0 + 3 * kMin, "b", 1},
  };
  EXPECT_EQ(rows(fired), expected);
  EXPECT_EQ(p.windows()->dropped(), 1);
  for (std::size_t i = 2; i < fired.size(); ++i) {
    EXPECT_EQ(fired[i].cause, FiringCause::kEndOfInput);
    EXPECT_EQ(fired[i].watermark, kMaxWatermark);
  }
}

// The same rules written as plainly as possible, with no ticks, events or state machines:
// per-record watermark = min over partitions of (max event time so far - delay), defined once
// every partition has a record; a record is dropped when its window's end - 1 <= the
// watermark before it; a window fires at the first watermark after its first record that
// reaches end - 1, else at end of input.
struct Oracle {
  std::vector<Row> results;
  std::map<std::tuple<std::int64_t, std::string>, std::int64_t> firing_watermark;
  std::vector<bool> late, dropped;
};

struct Rec {
  std::int32_t partition;
  std::int64_t ts;
  std::string key;
};

Oracle brute_force(const std::vector<Rec>& recs, int partitions, std::int64_t delay,
                   std::int64_t size) {
  Oracle o;
  std::vector<std::int64_t> watermark_after(recs.size(), kNoWatermark);
  std::vector<std::int64_t> watermark_before(recs.size(), kNoWatermark);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    for (int pass = 0; pass < 2; ++pass) {
      const std::size_t upto = pass == 0 ? i : i + 1;  // records seen before / after record i
      std::int64_t w = kMaxWatermark;
      for (int p = 0; p < partitions; ++p) {
        std::int64_t max = kNoWatermark;
        for (std::size_t j = 0; j < upto; ++j) {
          if (recs[j].partition == p) max = std::max(max, recs[j].ts);
        }
        w = max == kNoWatermark ? kNoWatermark : std::min(w, max - delay);
      }
      (pass == 0 ? watermark_before : watermark_after)[i] = w;
    }
  }
  std::map<std::tuple<std::int64_t, std::string>, std::int64_t> counts;
  std::map<std::int64_t, std::size_t> first_record;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const std::int64_t start = recs[i].ts - ((recs[i].ts % size) + size) % size;
    const std::int64_t w = watermark_before[i];
    o.late.push_back(w != kNoWatermark && recs[i].ts <= w);
    const bool drop = w != kNoWatermark && start + size - 1 <= w;
    o.dropped.push_back(drop);
    if (drop) continue;
    ++counts[{start, recs[i].key}];
    first_record.try_emplace(start, i);
  }
  for (const auto& [k, count] : counts) {
    const auto& [start, key] = k;
    o.results.emplace_back(start, start + size, key, count);
    std::int64_t fired_at = kMaxWatermark;
    for (std::size_t j = first_record[start]; j < recs.size(); ++j) {
      if (watermark_after[j] != kNoWatermark && watermark_after[j] >= start + size - 1) {
        fired_at = watermark_after[j];
        break;
      }
    }
    o.firing_watermark[k] = fired_at;
  }
  std::sort(o.results.begin(), o.results.end());
  return o;
}

TEST(EventTimePipeline, AgreesWithABruteForceModelOnRandomDisorder) {
  for (const std::uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> partition(0, 3);
    std::uniform_int_distribution<std::int64_t> jitter(-20 * kSec, 2 * kSec);
    std::uniform_int_distribution<int> key(0, 2);
    std::bernoulli_distribution very_late(0.03);
    std::vector<Rec> recs;
    std::int64_t clock = kT0;
    for (int i = 0; i < 600; ++i) {
      clock += 700;
      std::int64_t ts = clock + jitter(rng);
      if (very_late(rng)) ts -= 2 * kMin;
      recs.push_back({partition(rng), ts, std::string(1, static_cast<char>('a' + key(rng)))});
    }
    const std::int64_t delay = 5 * kSec;
    const Oracle expected = brute_force(recs, 4, delay, kMin);

    EventTimePipeline p = make(sql_per_record(delay), {0, 1, 2, 3});
    std::vector<WindowResult> fired;
    std::int64_t late = 0, dropped = 0;
    for (std::size_t i = 0; i < recs.size(); ++i) {
      const RecordOutcome o =
          p.on_record(recs[i].partition, static_cast<std::int64_t>(i), recs[i].ts, recs[i].key,
                      static_cast<std::int64_t>(i), fired);
      EXPECT_EQ(o.late, expected.late[i]) << "record " << i;
      EXPECT_EQ(o.window == WindowVerdict::kDropped, expected.dropped[i]) << "record " << i;
      late += o.late;
      dropped += o.window == WindowVerdict::kDropped;
    }
    p.end_of_input(fired);
    EXPECT_EQ(rows(fired), expected.results);
    for (const WindowResult& r : fired) {
      EXPECT_EQ(r.watermark, expected.firing_watermark.at({r.window_start, r.key}))
          << r.window_start << " " << r.key;
    }
    EXPECT_GT(late, 0);  // the data must exercise lateness and drops, or the test proves little
    EXPECT_GT(dropped, 0);
    EXPECT_EQ(p.windows()->dropped(), dropped);
  }
}

TEST(EventTimePipeline, PerRecordTickFiresTheRecordsOwnWindowWithTheRecordCounted) {
  // Flink emits the record first and feeds the generator afterwards: the record that lifts the
  // watermark to its own window's end - 1 is in the window when it fires.
  EventTimeOptions o = sql_per_record(0);
  EventTimePipeline p = make(o, {0});
  std::vector<WindowResult> fired;
  const RecordOutcome r = p.on_record(0, 0, 59999, "", 0, fired);
  EXPECT_EQ(r.window, WindowVerdict::kAccepted);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].count, 1);
  EXPECT_EQ(fired[0].watermark, 59999);
}

TEST(EventTimePipeline, PeriodicTicksDueBeforeARecordFireWindowsBeforeItArrives) {
  EventTimeOptions o = sql_per_record(0);
  o.watermark.per_record = false;
  o.watermark.interval_ms = 200;
  EventTimePipeline p = make(o, {0});
  std::vector<WindowResult> fired;
  EXPECT_EQ(p.on_record(0, 0, 59999, "", 0, fired).window, WindowVerdict::kAccepted);
  EXPECT_TRUE(fired.empty());  // no tick yet
  // The tick at 200 emits 59999 and fires [0, 60000) before this record is seen: dropped.
  const RecordOutcome r = p.on_record(0, 1, 30000, "", 250, fired);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].count, 1);
  EXPECT_EQ(r.window, WindowVerdict::kDropped);
  EXPECT_TRUE(r.late);
  EXPECT_EQ(r.watermark_before, 59999);
}

TEST(EventTimePipeline, IdlePartitionHoldsWindowsUntilItsTimeout) {
  // Partition 1 goes quiet; with the idle timeout the window fires once it is declared idle;
  // without, only at end of input.
  for (const bool idleness : {false, true}) {
    EventTimeOptions o = sql_per_record(0);
    o.watermark.per_record = false;
    o.watermark.interval_ms = 100;
    o.watermark.idle_timeout_ms = idleness ? 1000 : 0;
    EventTimePipeline p = make(o, {0, 1});
    std::vector<WindowResult> fired;
    p.on_record(1, 0, 1000, "", 0, fired);
    for (std::int64_t now = 10; now <= 3000; now += 10) {
      p.on_record(0, now, 1000 + now * 100, "", now, fired);
    }
    if (idleness) {
      // p1 idle at 200 (timer start) + 1100 = 1300: by then p0 is past 10:01.
      ASSERT_FALSE(fired.empty());
      EXPECT_EQ(fired[0].window_start, 0);
      EXPECT_GE(fired[0].watermark, 59999);
      EXPECT_TRUE(p.tracker().partition(1)->idle);
    } else {
      EXPECT_TRUE(fired.empty());
      EXPECT_NE(p.tracker().explain(3000).find("held back by partition 1"), std::string::npos);
      p.end_of_input(fired);
      EXPECT_FALSE(fired.empty());
      EXPECT_EQ(fired[0].cause, FiringCause::kEndOfInput);
    }
  }
}

TEST(EventTimePipeline, WorksWithoutWindows) {
  EventTimeOptions o;
  o.watermark.per_record = true;
  EventTimePipeline p = make(o, {0});
  std::vector<WindowResult> fired;
  const RecordOutcome r = p.on_record(0, 7, 5000, "", 0, fired);
  EXPECT_EQ(r.watermark, 5000);
  EXPECT_EQ(r.window, WindowVerdict::kAccepted);
  EXPECT_EQ(p.windows(), nullptr);
  p.end_of_input(fired);
  EXPECT_TRUE(fired.empty());
  EXPECT_EQ(p.tracker().watermark(), kMaxWatermark);
}

}  // namespace
}  // namespace tidemark::consumer
