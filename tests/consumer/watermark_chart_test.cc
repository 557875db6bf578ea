// The SVG chart of a watermark trace: a real XML parse (python3's xml.etree, the standard
// library's parser, run as a separate process) plus checks of the elements it must contain.
#include "tidemark/consumer/watermark_chart.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <random>

#include "tidemark/consumer/event_time_pipeline.h"

namespace tidemark::consumer {
namespace {

constexpr std::int64_t kT0 = 1767261600000;  // 2026-01-01T10:00:00Z

std::string temp_path(std::string_view name) {
  static int counter = 0;
  return ::testing::TempDir() + "tidemark_chart_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + "_" + std::string(name);
}

// Parses the SVG with python3's xml.etree and prints what it found: "root <tag>", one
// "id <id>" per element id, "class <class>" per class, "circles-in <id> <n>", "title <text>".
// Returns the output, or "parse error ..." / "" if the parse failed.
std::string parse_svg(const std::string& svg) {
  const std::string svg_path = temp_path("chart.svg");
  const std::string script_path = temp_path("check.py");
  std::ofstream(svg_path, std::ios::binary) << svg;
  std::ofstream(script_path) << R"PY(
import sys
import xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    print("parse error", e)
    sys.exit(3)
print("root", root.tag.replace(NS, ""))
print("title", root.find(NS + "title").text)
for el in root.iter():
    if el.get("id"):
        print("id", el.get("id"))
        print("circles-in", el.get("id"), len(el.findall(NS + "circle")))
    if el.get("class"):
        print("class", el.get("class"))
)PY";
  const std::string command = "/usr/bin/python3 " + script_path + " " + svg_path + " 2>&1";
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "failed: " + out;
  return out;
}

bool has_line(const std::string& out, const std::string& line) {
  return out.find(line + "\n") != std::string::npos;
}

// Four partitions, 4 s of disorder, a few very late records, partition 3 goes quiet after a
// while, SQL watermark with 5 s delay and a 30 s idle timeout, one-minute windows by key.
TraceData scenario(std::size_t records, std::string* csv_path = nullptr) {
  EventTimeOptions o;
  o.watermark.delay_ms = 5000;
  o.watermark.interval_ms = 200;
  o.watermark.idle_timeout_ms = 30000;
  o.window = WindowOptions{};
  core::Result<EventTimePipeline> made =
      EventTimePipeline::create(o, std::vector<std::int32_t>{0, 1, 2, 3}, 0);
  EXPECT_TRUE(made.ok());
  EventTimePipeline& p = *made;
  const std::string path =
      csv_path != nullptr && !csv_path->empty() ? *csv_path : temp_path("s.csv");
  EXPECT_TRUE(p.open_trace(path).ok());
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::int64_t> jitter(-4000, 0);
  std::bernoulli_distribution very_late(0.02);
  std::vector<WindowResult> fired;
  std::vector<std::int64_t> offsets(4, 0);
  for (std::size_t i = 0; i < records; ++i) {
    const std::int64_t now = static_cast<std::int64_t>(i) * 100;  // 10 records/s
    std::int32_t partition = static_cast<std::int32_t>(i % 4);
    if (partition == 3 && i > records / 3 && i < records * 2 / 3) partition = 2;  // 3 is quiet
    std::int64_t ts = kT0 + now + jitter(rng);
    if (very_late(rng)) ts -= 40000;
    p.on_record(partition, offsets[static_cast<std::size_t>(partition)]++, ts,
                i % 2 == 0 ? "even" : "odd", now, fired);
  }
  p.end_of_input(fired);
  EXPECT_TRUE(p.close_trace().ok());
  core::Result<TraceData> data = read_watermark_trace(path);
  EXPECT_TRUE(data.ok()) << data.status().to_string();
  return std::move(*data);
}

TEST(WatermarkChart, IsWellFormedXmlWithEveryPart) {
  const TraceData trace = scenario(3000);
  ASSERT_FALSE(trace.statuses.empty());  // partition 3 went idle
  ChartStats stats;
  ChartOptions options;
  options.source = "trace.csv";
  const std::string svg = render_watermark_chart(trace, options, &stats);
  const std::string out = parse_svg(svg);
  ASSERT_TRUE(has_line(out, "root svg")) << out;
  for (const char* id : {"title", "x-axis", "y-axis", "records", "late-records", "dropped-records",
                         "watermark", "window-firings", "legend", "idle-periods", "end-of-input"}) {
    EXPECT_TRUE(has_line(out, std::string("id ") + id)) << id << "\n" << out.substr(0, 2000);
  }
  for (int p = 0; p < 4; ++p) {
    EXPECT_TRUE(has_line(out, "class partition-" + std::to_string(p))) << p;
  }
  EXPECT_TRUE(has_line(out, "class window-firing"));
  EXPECT_TRUE(has_line(out, "circles-in late-records " + std::to_string(stats.late))) << stats.late;
  EXPECT_GT(stats.late, 0u);
  EXPECT_GT(stats.dropped, 0u);
  EXPECT_EQ(stats.points_drawn, 3000u);
  EXPECT_FALSE(stats.thinned);
  // Readable UTC times on the axis, never a 1970 "no watermark".
  EXPECT_NE(svg.find(">10:00<"), std::string::npos);
  EXPECT_NE(svg.find("event time (UTC, 2026-01-01)"), std::string::npos);
  EXPECT_EQ(svg.find("1970"), std::string::npos);
  EXPECT_NE(svg.find("end of input: watermark MAX"), std::string::npos);
}

TEST(WatermarkChart, ThinsLargeTracesButKeepsEveryLateRecord) {
  const TraceData trace = scenario(60000);
  ChartOptions options;
  options.max_points = 3000;
  ChartStats stats;
  const std::string svg = render_watermark_chart(trace, options, &stats);
  EXPECT_TRUE(stats.thinned);
  EXPECT_LE(stats.points_drawn, 3000u);
  EXPECT_GT(stats.points_drawn, 1000u);  // the envelope survives
  ASSERT_LT(stats.late, 1500u);
  const std::string out = parse_svg(svg);
  EXPECT_TRUE(has_line(out, "circles-in late-records " + std::to_string(stats.late))) << stats.late;
  EXPECT_NE(svg.find("showing "), std::string::npos);
  EXPECT_LT(svg.size(), 1500000u);
}

TEST(WatermarkChart, EscapesTitleAndKeys) {
  TraceData trace;
  trace.records.push_back(
      TraceRecord{0, 0, 0, kT0, kNoWatermark, kNoWatermark, false, TraceDropped::kUnknown, 0});
  trace.windows.push_back(TraceWindow{
      1, WindowResult{kT0, kT0 + 60000, "<k&\"'>", 1, kMaxWatermark, 1, FiringCause::kEndOfInput},
      0});
  ChartOptions options;
  options.title = "Run <1> & \"quotes\" \x01 \xff";
  const std::string svg = render_watermark_chart(trace, options);
  const std::string out = parse_svg(svg);
  ASSERT_TRUE(has_line(out, "root svg")) << out;
  EXPECT_TRUE(has_line(out, "title Run <1> & \"quotes\" \xEF\xBF\xBD \xEF\xBF\xBD")) << out;
}

TEST(WatermarkChart, WithoutAnyWatermarkDrawsNoLine) {
  TraceData trace;
  for (std::int64_t i = 0; i < 5; ++i) {
    trace.records.push_back(TraceRecord{i, 0, i, kT0 + i * 1000, kNoWatermark, kNoWatermark, false,
                                        TraceDropped::kUnknown, i});
  }
  const std::string svg = render_watermark_chart(trace, ChartOptions{});
  const std::string out = parse_svg(svg);
  ASSERT_TRUE(has_line(out, "root svg")) << out;
  EXPECT_FALSE(has_line(out, "id watermark"));
  EXPECT_EQ(svg.find("1970"), std::string::npos);
}

TEST(WatermarkChart, ExtremeEventTimesStayOnTheChart) {
  TraceData trace;
  const std::int64_t times[] = {kNoWatermark + 1, -1, kT0, kMaxWatermark - 1};
  for (std::int64_t i = 0; i < 4; ++i) {
    trace.records.push_back(TraceRecord{i, 0, i, times[i], kNoWatermark, kNoWatermark, false,
                                        TraceDropped::kUnknown, i});
  }
  trace.watermarks.push_back(TraceWatermark{2, kMaxWatermark - 7, 2});
  const std::string svg = render_watermark_chart(trace, ChartOptions{});
  const std::string out = parse_svg(svg);
  ASSERT_TRUE(has_line(out, "root svg")) << out;
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  // Every dot lies within the drawing, whatever the time.
  const std::size_t d = svg.find("d=\"", svg.find("class=\"partition-0\""));
  ASSERT_NE(d, std::string::npos);
  const std::string path = svg.substr(d + 3, svg.find('"', d + 3) - d - 3);
  std::size_t numbers = 0;
  for (std::size_t i = 0; i < path.size();) {
    if (std::isdigit(static_cast<unsigned char>(path[i])) || path[i] == '-') {
      std::size_t used = 0;
      const double v = std::stod(path.substr(i), &used);
      EXPECT_GE(v, 0.0) << path;
      EXPECT_LE(v, 1200.0) << path;
      ++numbers;
      i += used;
    } else {
      ++i;
    }
  }
  EXPECT_EQ(numbers, 4u * 3u) << path;           // x, y and the h0 of each of the 4 dots
  EXPECT_EQ(svg.find(">-"), std::string::npos);  // no raw negative millis as tick labels
}

TEST(WatermarkChart, EmptyTraceSaysSo) {
  const std::string svg = render_watermark_chart(TraceData{}, ChartOptions{});
  const std::string out = parse_svg(svg);
  ASSERT_TRUE(has_line(out, "root svg")) << out;
  EXPECT_TRUE(has_line(out, "id empty"));
  EXPECT_NE(svg.find("no records in this trace"), std::string::npos);
}

TEST(WatermarkChart, XmlEscapingHelper) {
  std::string out;
  append_xml_escaped(out, "a<b>&\"c'\td\x02");
  EXPECT_EQ(out, "a&lt;b&gt;&amp;&quot;c&apos;\td\xEF\xBF\xBD");
}

}  // namespace
}  // namespace tidemark::consumer
