// The watermark trace CSV: exact content written by EventTimePipeline, reading it back, and
// clear errors (with line numbers) for files that are not traces.
#include "tidemark/consumer/watermark_trace.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tidemark/consumer/event_time_pipeline.h"

namespace tidemark::consumer {
namespace {

std::string temp_path(std::string_view name) {
  static int counter = 0;
  return ::testing::TempDir() + "tidemark_trace_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + "_" + std::string(name);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WatermarkTrace, PipelineWritesOneRowPerRecordWatermarkChangeAndFiring) {
  EventTimeOptions o;
  o.watermark.per_record = true;
  o.window = WindowOptions{};
  core::Result<EventTimePipeline> made =
      EventTimePipeline::create(o, std::vector<std::int32_t>{0, 1}, 0);
  ASSERT_TRUE(made.ok());
  EventTimePipeline& p = *made;
  const std::string path = temp_path("trace.csv");
  ASSERT_TRUE(p.open_trace(path).ok());
  std::vector<WindowResult> fired;
  p.on_record(0, 0, 1000, "a", 0, fired);   // p1 has nothing: no watermark
  p.on_record(1, 0, 61000, "b", 1, fired);  // watermark min(1000, 61000)
  p.on_record(0, 1, 500, "a", 2, fired);    // late, window [0, 60000) still open
  p.on_record(0, 2, 70000, "a", 3, fired);  // watermark 61000: [0, 60000) fires
  p.end_of_input(fired);
  ASSERT_TRUE(p.close_trace().ok());
  EXPECT_EQ(slurp(path), std::string(kTraceHeader) +
                             "\n"
                             "record,0,0,0,1000,none,1000,0,0,0,,,,,,\n"
                             "record,1,1,0,61000,1000,61000,0,0,1,,,,,,\n"
                             "watermark,2,,,,1000,,,,1,,,,,,\n"
                             "record,2,0,1,500,1000,1000,1,0,2,,,,,,\n"
                             "record,3,0,2,70000,61000,70000,0,0,3,,,,,,\n"
                             "watermark,4,,,,61000,,,,3,,,,,,\n"
                             "window,4,,,,61000,,,,3,0,60000,a,2,1,watermark\n"
                             "watermark,4,,,,max,,,,3,,,,,,\n"
                             "window,4,,,,max,,,,3,60000,120000,a,1,1,end-of-input\n"
                             "window,4,,,,max,,,,3,60000,120000,b,1,1,end-of-input\n");
}

TEST(WatermarkTrace, IdleSwitchesAndDroppedRecordsAreTraced) {
  EventTimeOptions o;
  o.watermark.interval_ms = 100;
  o.watermark.idle_timeout_ms = 300;
  o.window = WindowOptions{};
  core::Result<EventTimePipeline> made =
      EventTimePipeline::create(o, std::vector<std::int32_t>{0, 1}, 0);
  ASSERT_TRUE(made.ok());
  EventTimePipeline& p = *made;
  const std::string path = temp_path("idle.csv");
  ASSERT_TRUE(p.open_trace(path).ok());
  std::vector<WindowResult> fired;
  p.on_record(0, 0, 70000, "", 0, fired);
  p.on_processing_time(1000, fired);          // p1 (never a record) idle at 500, p0 at 600
  p.on_record(0, 1, 10000, "", 1000, fired);  // the window [0, 60000) is gone: dropped
  ASSERT_TRUE(p.close_trace().ok());
  // The combined watermark in force at each switch: none while partition 1 held it, then 70000.
  const std::string text = slurp(path);
  EXPECT_NE(text.find("\nidle,1,1,,,none,none,,,500,,,,,,\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nidle,1,0,,,70000,70000,,,600,,,,,,\n"), std::string::npos) << text;
  core::Result<TraceData> data = read_watermark_trace(path);
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  ASSERT_EQ(data->statuses.size(), 2u);
  EXPECT_EQ(data->statuses[0].partition, 1);
  EXPECT_TRUE(data->statuses[0].idle);
  EXPECT_EQ(data->statuses[0].processing_time, 500);
  EXPECT_EQ(data->statuses[1].partition, 0);
  EXPECT_EQ(data->statuses[1].processing_time, 600);
  ASSERT_EQ(data->records.size(), 2u);
  EXPECT_EQ(data->records[1].dropped, TraceDropped::kDropped);
  EXPECT_TRUE(data->records[1].late);
  EXPECT_EQ(data->records[1].offset, 1);
  ASSERT_EQ(data->watermarks.size(), 1u);
  EXPECT_EQ(data->watermarks[0].watermark, 70000);
  EXPECT_EQ(data->watermarks[0].arrival, 1);
}

TEST(WatermarkTrace, KeysWithCommasQuotesAndNewlinesRoundTrip) {
  const std::string path = temp_path("keys.csv");
  {
    WatermarkTrace t;
    ASSERT_TRUE(t.open(path).ok());
    WindowResult r{0, 60000, "x,\"y\"\nz", 4, 59999, 2, FiringCause::kLateRecord};
    t.window(7, r, 12);
    t.record(0, 3, -1, 5, kNoWatermark, kNoWatermark, false, TraceDropped::kUnknown, 0);
    ASSERT_TRUE(t.close().ok());
  }
  EXPECT_NE(slurp(path).find("\"x,\"\"y\"\"\nz\""), std::string::npos) << slurp(path);
  core::Result<TraceData> data = read_watermark_trace(path);
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  ASSERT_EQ(data->windows.size(), 1u);
  EXPECT_EQ(data->windows[0].result.key, "x,\"y\"\nz");
  EXPECT_EQ(data->windows[0].result.firing, 2);
  EXPECT_EQ(data->windows[0].result.cause, FiringCause::kLateRecord);
  ASSERT_EQ(data->records.size(), 1u);
  EXPECT_EQ(data->records[0].offset, -1);
  EXPECT_EQ(data->records[0].watermark, kNoWatermark);
  EXPECT_EQ(data->records[0].dropped, TraceDropped::kUnknown);
}

TEST(WatermarkTrace, DisabledTraceWritesNothing) {
  WatermarkTrace t;
  EXPECT_FALSE(t.enabled());
  t.record(0, 0, 0, 0, 0, 0, false, TraceDropped::kUnknown, 0);
  EXPECT_TRUE(t.close().ok());
}

TEST(WatermarkTrace, OpenFailureNamesThePath) {
  WatermarkTrace t;
  const core::Status st = t.open("/nonexistent-dir/trace.csv");
  EXPECT_EQ(st.code(), core::StatusCode::kIo);
  EXPECT_NE(st.message().find("/nonexistent-dir/trace.csv"), std::string::npos);
}

TEST(WatermarkTraceReader, ErrorsNameTheLineAndColumn) {
  const std::string header = std::string(kTraceHeader) + "\n";
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "t.csv is empty"},
      {"a,b,c\n1,2,3\n", "t.csv line 1: not a tidemark watermark trace: the header has no 'kind'"},
      {header + "record,0,0,,1000,none,none,0,,0,,,,,,\nrecord,1,0,,abc,none,none,0,,0,,,,,,\n",
       "t.csv line 3, column 'event_time': 'abc' is not an integer"},
      {header + "record,0,0,,1000,none,none,0\n", "t.csv line 2: expected 16 fields"},
      {header + "bogus,0,,,,,,,,,,,,,,\n",
       "t.csv line 2, column 'kind': 'bogus' is not a row kind"},
      {header + "watermark,0,,,,soon,,,,0,,,,,,\n",
       "column 'watermark': 'soon' is not a watermark"},
      {header + "record,0,0,,1000,none,none,yes,,0,,,,,,\n", "column 'late': 'yes' is not 0 or 1"},
      {header + "record,0,-2,,1000,none,none,0,,0,,,,,,\n", "column 'partition': '-2'"},
      {header + "window,0,,,,5,,,,0,0,60000,\"k,0,1,watermark\n",
       "line 2: a quoted field is not closed"},
  };
  for (const Case& c : cases) {
    const core::Result<TraceData> r = parse_watermark_trace(c.text, "t.csv");
    ASSERT_FALSE(r.ok()) << c.expected;
    EXPECT_EQ(r.status().code(), core::StatusCode::kMalformed);
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << r.status().message();
  }
}

TEST(WatermarkTraceReader, FindsColumnsByNameAndSkipsBlankLines) {
  const std::string text =
      "event_time,kind,late,arrival,partition,watermark,extra\r\n"
      "1000,record,1,0,2,max,whatever\r\n"
      "\r\n";
  const core::Result<TraceData> r = parse_watermark_trace(text, "t.csv");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].event_time, 1000);
  EXPECT_EQ(r->records[0].partition, 2);
  EXPECT_EQ(r->records[0].watermark, kMaxWatermark);
  EXPECT_TRUE(r->records[0].late);
}

TEST(WatermarkTraceReader, MissingFileIsNotFound) {
  const core::Result<TraceData> r = read_watermark_trace("/nonexistent/trace.csv");
  EXPECT_EQ(r.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/trace.csv"), std::string::npos);
}

}  // namespace
}  // namespace tidemark::consumer
