// TumblingWindows against ../shared/reference/flink-kafka-semantics.md 2.7 and 2.8: window
// assignment, firing at exactly end - 1, dropping late records, allowed lateness and the
// end-of-input flush.
#include "tidemark/consumer/tumbling_windows.h"

#include <gtest/gtest.h>

#include <vector>

namespace tidemark::consumer {
namespace {

constexpr std::int64_t kMin = 60000;

TumblingWindows make(std::int64_t size = kMin, std::int64_t lateness = 0, std::int64_t offset = 0) {
  WindowOptions o;
  o.tumble.size_ms = size;
  o.tumble.offset_ms = offset;
  o.allowed_lateness_ms = lateness;
  core::Result<TumblingWindows> w = TumblingWindows::create(o);
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  return std::move(*w);
}

TEST(TumblingWindows, StartUsesFloorModuloSoNegativeTimesWork) {
  const TumbleSpec minute{kMin, 0};
  EXPECT_EQ(TumblingWindows::window_start(0, minute), 0);
  EXPECT_EQ(TumblingWindows::window_start(59999, minute), 0);
  EXPECT_EQ(TumblingWindows::window_start(60000, minute), 60000);
  EXPECT_EQ(TumblingWindows::window_start(-1, minute), -60000);
  const TumbleSpec hour_offset{3600000, 15 * kMin};
  EXPECT_EQ(TumblingWindows::window_start(14 * kMin, hour_offset), 15 * kMin - 3600000);
  EXPECT_EQ(TumblingWindows::window_start(15 * kMin, hour_offset), 15 * kMin);
  const TumbleSpec day_minus_8h{86400000, -8 * 3600000};
  EXPECT_EQ(TumblingWindows::window_start(0, day_minus_8h), 16 * 3600000 - 86400000);
}

TEST(TumblingWindows, ParsesTheWindowFlag) {
  core::Result<TumbleSpec> m = parse_window_spec("tumble:1m");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size_ms, kMin);
  EXPECT_EQ(m->offset_ms, 0);
  core::Result<TumbleSpec> h = parse_window_spec("tumble:1h:15m");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->offset_ms, 15 * kMin);
  EXPECT_EQ(to_string(*h), "tumble:1h:15m");
  core::Result<TumbleSpec> d = parse_window_spec("tumble:1d:-8h");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->offset_ms, -8 * 3600000);
  EXPECT_EQ(to_string(*d), "tumble:1d:-8h");
  for (const char* bad :
       {"hop:1m", "tumble:", "tumble:0", "tumble:1m:1m", "tumble:1m:x", "tumble:5"}) {
    const core::Result<TumbleSpec> r = parse_window_spec(bad);
    EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().message();
  }
}

TEST(TumblingWindows, FiresExactlyWhenTheWatermarkReachesEndMinusOne) {
  TumblingWindows w = make();
  std::vector<WindowResult> fired;
  EXPECT_EQ(w.on_record(1000, "", fired), WindowVerdict::kAccepted);
  EXPECT_EQ(w.on_record(59999, "", fired), WindowVerdict::kAccepted);
  EXPECT_EQ(w.on_record(60000, "", fired), WindowVerdict::kAccepted);  // next window
  w.on_watermark(59998, fired);
  EXPECT_TRUE(fired.empty());
  w.on_watermark(59999, fired);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].window_start, 0);
  EXPECT_EQ(fired[0].window_end, 60000);
  EXPECT_EQ(fired[0].count, 2);
  EXPECT_EQ(fired[0].watermark, 59999);
  EXPECT_EQ(fired[0].firing, 1);
  EXPECT_EQ(fired[0].cause, FiringCause::kWatermark);
  EXPECT_EQ(w.open_windows(), 1u);  // [60000, 120000) is still open
}

TEST(TumblingWindows, LateRecordWhoseWindowIsOpenIsCounted) {
  // ts <= W makes a record late per the watermark contract, but its window [0, 60000) has not
  // fired (end - 1 = 59999 > W), so the window operator accepts it.
  TumblingWindows w = make();
  std::vector<WindowResult> fired;
  w.on_watermark(50000, fired);
  EXPECT_EQ(w.on_record(40000, "", fired), WindowVerdict::kAccepted);
  w.on_watermark(59999, fired);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].count, 1);
}

TEST(TumblingWindows, RecordForAFiredWindowIsDroppedWithoutAllowedLateness) {
  TumblingWindows w = make();
  std::vector<WindowResult> fired;
  w.on_record(30000, "", fired);
  w.on_watermark(59999, fired);
  EXPECT_EQ(w.on_record(59999, "", fired), WindowVerdict::kDropped);
  EXPECT_EQ(w.on_record(0, "", fired), WindowVerdict::kDropped);
  EXPECT_EQ(w.on_record(60000, "", fired), WindowVerdict::kAccepted);
  EXPECT_EQ(w.dropped(), 2);
  EXPECT_EQ(fired.size(), 1u);  // no second result for [0, 60000)
  EXPECT_EQ(w.open_windows(), 1u);
}

TEST(TumblingWindows, AllowedLatenessFiresAgainWithTheUpdatedCountThenDrops) {
  TumblingWindows w = make(kMin, /*lateness=*/10000);
  std::vector<WindowResult> fired;
  w.on_record(10000, "a", fired);
  w.on_record(20000, "a", fired);
  w.on_watermark(59999, fired);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].count, 2);
  // Within the allowed lateness (end - 1 <= W < end - 1 + L): added, fired again at once with
  // the whole window's contents (FIRE keeps state).
  w.on_watermark(65000, fired);
  EXPECT_EQ(fired.size(), 1u);
  EXPECT_EQ(w.on_record(30000, "a", fired), WindowVerdict::kLateFiring);
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[1].count, 3);
  EXPECT_EQ(fired[1].firing, 2);
  EXPECT_EQ(fired[1].cause, FiringCause::kLateRecord);
  EXPECT_EQ(fired[1].watermark, 65000);
  // A key new to the fired window fires at once too, as its own first result.
  EXPECT_EQ(w.on_record(30000, "b", fired), WindowVerdict::kLateFiring);
  EXPECT_EQ(fired[2].key, "b");
  EXPECT_EQ(fired[2].count, 1);
  EXPECT_EQ(fired[2].firing, 1);
  // At W = end - 1 + L - 1 still accepted; at end - 1 + L the state is cleaned up.
  w.on_watermark(69998, fired);
  EXPECT_EQ(w.on_record(1, "a", fired), WindowVerdict::kLateFiring);
  EXPECT_EQ(fired.back().count, 4);
  w.on_watermark(69999, fired);
  EXPECT_EQ(w.open_windows(), 0u);
  EXPECT_EQ(w.on_record(1, "a", fired), WindowVerdict::kDropped);
  EXPECT_EQ(w.dropped(), 1);
  EXPECT_EQ(w.late_firings(), 3);
  EXPECT_EQ(fired.size(), 4u);  // the watermark passing the cleanup time fires nothing
}

TEST(TumblingWindows, EndOfInputFlushesEveryPendingWindow) {
  TumblingWindows w = make();
  std::vector<WindowResult> fired;
  w.on_record(10000, "", fired);
  w.on_record(70000, "", fired);
  w.on_record(130000, "", fired);
  w.on_watermark(60000, fired);  // fires the first
  ASSERT_EQ(fired.size(), 1u);
  w.end_of_input(fired);
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[1].window_start, 60000);
  EXPECT_EQ(fired[2].window_start, 120000);
  EXPECT_EQ(fired[2].cause, FiringCause::kEndOfInput);
  EXPECT_EQ(fired[2].watermark, kMaxWatermark);
  EXPECT_EQ(w.open_windows(), 0u);
}

TEST(TumblingWindows, GroupsByKeyAndFiresInWindowThenKeyOrder) {
  TumblingWindows w = make();
  std::vector<WindowResult> fired;
  for (const char* key : {"x", "a", "x", "m", "x"}) w.on_record(5000, key, fired);
  w.on_record(65000, "a", fired);
  w.on_watermark(kMaxWatermark - 1, fired);
  ASSERT_EQ(fired.size(), 4u);
  EXPECT_EQ(fired[0].key, "a");
  EXPECT_EQ(fired[0].count, 1);
  EXPECT_EQ(fired[1].key, "m");
  EXPECT_EQ(fired[2].key, "x");
  EXPECT_EQ(fired[2].count, 3);
  EXPECT_EQ(fired[3].window_start, 60000);
  EXPECT_EQ(w.results(), 4);
}

TEST(TumblingWindows, WatermarkNeverGoesBack) {
  TumblingWindows w = make();
  std::vector<WindowResult> fired;
  w.on_watermark(100000, fired);
  w.on_watermark(10, fired);
  EXPECT_EQ(w.watermark(), 100000);
  EXPECT_EQ(w.on_record(50000, "", fired), WindowVerdict::kDropped);
}

TEST(TumblingWindows, TimestampsAtTheInt64EdgesAreDroppedNotCorrupted) {
  TumblingWindows w = make();
  std::vector<WindowResult> fired;
  EXPECT_EQ(w.on_record(kMaxWatermark - 5, "", fired), WindowVerdict::kDropped);
  EXPECT_EQ(w.on_record(kNoWatermark, "", fired), WindowVerdict::kDropped);
  EXPECT_EQ(w.open_windows(), 0u);
}

TEST(TumblingWindows, RejectsInvalidOptions) {
  WindowOptions o;
  o.tumble.size_ms = 0;
  EXPECT_FALSE(TumblingWindows::create(o).ok());
  o.tumble.size_ms = kMin;
  o.tumble.offset_ms = -kMin;
  EXPECT_FALSE(TumblingWindows::create(o).ok());
  o.tumble.offset_ms = 0;
  o.allowed_lateness_ms = -1;
  EXPECT_FALSE(TumblingWindows::create(o).ok());
}

}  // namespace
}  // namespace tidemark::consumer
