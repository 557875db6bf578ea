// `tidemark chart` as users run it: a trace in, an SVG out that parses as XML, and clear
// messages with the documented exit codes for bad input (1) and bad flags (2).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::run_command;
using tidemark::testing::RunResult;

RunResult run(const std::string& args, bool merge_stderr = true) {
  return tidemark::testing::run_tidemark(args, merge_stderr
                                                   ? tidemark::testing::Stderr::kMerged
                                                   : tidemark::testing::Stderr::kDiscarded);
}

std::string temp_dir() {
  static int counter = 0;
  const std::string dir = ::testing::TempDir() + "tidemark_chart_cli_" +
                          std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::filesystem::create_directories(dir);
  return dir;
}

const std::string kHeader =
    "kind,arrival,partition,offset,event_time,watermark,partition_watermark,late,dropped,"
    "processing_time,window_start,window_end,key,count,firing,cause\n";

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string good_trace() {
  return kHeader +
         "record,0,0,0,1767261601000,none,1767261601000,0,0,0,,,,,,\n"
         "record,1,1,0,1767261661000,1767261601000,1767261661000,0,0,1,,,,,,\n"
         "watermark,2,,,,1767261601000,,,,1,,,,,,\n"
         "record,2,0,1,1767261600500,1767261601000,1767261601000,1,0,2,,,,,,\n"
         "record,3,0,2,1767261670000,1767261661000,1767261670000,0,0,3,,,,,,\n"
         "watermark,4,,,,1767261661000,,,,3,,,,,,\n"
         "window,4,,,,1767261661000,,,,3,1767261600000,1767261660000,a,2,1,watermark\n"
         "watermark,4,,,,max,,,,3,,,,,,\n"
         "window,4,,,,max,,,,3,1767261660000,1767261720000,a,1,1,end-of-input\n";
}

bool parses_as_xml(const std::string& svg_path) {
  const RunResult r = run_command(
      "/usr/bin/python3 -c \"import sys, xml.etree.ElementTree as ET; "
      "root = ET.parse(sys.argv[1]).getroot(); "
      "sys.exit(0 if root.tag == '{http://www.w3.org/2000/svg}svg' else 1)\" " +
      svg_path + " 2>&1");
  return r.exit_code == 0;
}

TEST(ChartCli, WritesAnSvgThatParsesAsXml) {
  const std::string dir = temp_dir();
  const std::string trace = write(dir, "trace.csv", good_trace());
  const RunResult r = run("chart " + trace + " -o " + dir + "/out.svg --title 'Run <1>'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("4 records"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 late"), std::string::npos) << r.out;
  EXPECT_TRUE(parses_as_xml(dir + "/out.svg"));
}

TEST(ChartCli, DefaultOutputIsTheTracePathWithSvg) {
  const std::string dir = temp_dir();
  const std::string trace = write(dir, "run.csv", good_trace());
  const RunResult r = run("chart " + trace);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir + "/run.svg"));
  EXPECT_TRUE(parses_as_xml(dir + "/run.svg"));
}

TEST(ChartCli, DashWritesTheSvgToStdout) {
  const std::string dir = temp_dir();
  const std::string trace = write(dir, "trace.csv", good_trace());
  const RunResult r = run("chart " + trace + " -o -", /*merge_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("<?xml", 0), 0u);
  EXPECT_NE(r.out.find("</svg>"), std::string::npos);
}

TEST(ChartCli, MissingTraceFileExitsOneNamingIt) {
  const RunResult r = run("chart /nonexistent/trace.csv -o /tmp/x.svg");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("'/nonexistent/trace.csv' does not exist"), std::string::npos) << r.out;
}

TEST(ChartCli, FileThatIsNotATraceExitsOneNamingLineOne) {
  const std::string dir = temp_dir();
  const std::string trace = write(dir, "bad.csv", "a,b,c\n1,2,3\n");
  const RunResult r = run("chart " + trace);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("bad.csv line 1: not a tidemark watermark trace"), std::string::npos)
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad.svg"));
}

TEST(ChartCli, BadRowExitsOneNamingLineAndColumn) {
  const std::string dir = temp_dir();
  const std::string trace = write(
      dir, "row.csv",
      kHeader +
          "record,0,0,0,1000,none,none,0,0,0,,,,,,\nrecord,1,0,1,10:00,none,none,0,0,1,,,,,,\n");
  const RunResult r = run("chart " + trace);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("row.csv line 3, column 'event_time': '10:00' is not an integer"),
            std::string::npos)
      << r.out;
}

TEST(ChartCli, UnwritableOutputExitsOne) {
  const std::string dir = temp_dir();
  const std::string trace = write(dir, "trace.csv", good_trace());
  const RunResult r = run("chart " + trace + " -o /nonexistent/dir/out.svg");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/dir/out.svg"), std::string::npos) << r.out;
}

TEST(ChartCli, BadFlagsAreUsageErrors) {
  EXPECT_EQ(run("chart").exit_code, 2);
  const std::string dir = temp_dir();
  const std::string trace = write(dir, "trace.csv", good_trace());
  const RunResult points = run("chart " + trace + " --max-points 5");
  EXPECT_EQ(points.exit_code, 2) << points.out;
  EXPECT_NE(points.out.find("--max-points"), std::string::npos) << points.out;
  EXPECT_EQ(run("chart " + trace + " --width wide").exit_code, 2);
}

TEST(ChartCli, HelpTeachesWithExamplesAndExitCodes) {
  const RunResult r = run("chart --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--watermark-trace"), std::string::npos) << r.out;
}

}  // namespace
