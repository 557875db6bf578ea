// `tidemark demo` as the README runs it: no broker, no arguments besides --out. It finishes, tells
// each part of the story, writes a trace, an SVG that an XML parser accepts (Python's
// xml.etree), the window results and the manifest, writes no escape codes on a pipe, and gives
// the same trace on every run with the same seed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::RunResult;

RunResult run(const std::string& command) { return tidemark::testing::run_command(command); }

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tidemark-demo-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  RunResult demo(const std::string& args) {
    return run(std::string(TIDEMARK_BINARY) + " demo " + args + " 2>" + dir_ + "/stderr.txt");
  }
  std::string dir_;
};

TEST_F(DemoTest, RunsToCompletionAndWritesTheTraceAndAValidSvg) {
  const std::string out_dir = dir_ + "/out";  // created by the demo
  const RunResult r = demo("--out " + out_dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << slurp(dir_ + "/stderr.txt");
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "escape codes on a pipe";
  EXPECT_EQ(r.out.find("MISMATCH"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(dir_ + "/stderr.txt").find('\x1b'), std::string::npos);
  for (const char* text : {"1. Producing 3000 lab events",
                           "2. Five ways to start reading",
                           "-- earliest-offset",
                           "-- latest-offset",
                           "-- group-offsets",
                           "-- timestamp",
                           "-- specific-offsets",
                           "PARTITION  LOW  HIGH  COMMITTED  START  STOP",
                           "3. Event time",
                           "first watermark",
                           "partition 3 idle",
                           "the watermark jumps",
                           "late record",
                           "dropped, its window",
                           "fires (watermark >=",
                           "end of input: the watermark becomes MAX",
                           "HIGH-WATERMARK OFFSET",
                           "EVENT-TIME WATERMARK",
                           "4. Files in",
                           "Summary",
                           "tidemark broker",
                           "tidemark produce -t tidemark-demo",
                           "tidemark consume -t tidemark-demo",
                           "tidemark chart trace.csv",
                           "COUNTED + DROPPED LATE = PRODUCED for every window"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  }

  const std::string trace = slurp(out_dir + "/trace.csv");
  EXPECT_EQ(trace.rfind("kind,arrival,partition,offset,event_time,watermark,partition_watermark,"
                        "late,dropped,processing_time,window_start,window_end,key,count,firing,"
                        "cause\n",
                        0),
            0u);
  EXPECT_NE(trace.find("\nidle,"), std::string::npos);
  EXPECT_NE(trace.find("\nwindow,"), std::string::npos);

  const std::string svg = out_dir + "/watermarks.svg";
  const RunResult xml =
      run("/usr/bin/python3 -c \"import sys, xml.etree.ElementTree as ET; "
          "r = ET.parse(sys.argv[1]).getroot(); "
          "print(r.tag); print(len(list(r.iter())))\" " +
          svg + " 2>&1");
  ASSERT_EQ(xml.exit_code, 0) << xml.out;
  EXPECT_EQ(xml.out.rfind("{http://www.w3.org/2000/svg}svg\n", 0), 0u) << xml.out;
  EXPECT_GT(std::stoi(xml.out.substr(xml.out.find('\n') + 1)), 50) << "a chart, not a stub";
  const std::string svg_text = slurp(svg);
  for (const char* text : {"partition 3", "combined watermark", "tidemark demo"}) {
    EXPECT_NE(svg_text.find(text), std::string::npos) << text;
  }

  std::istringstream windows(slurp(out_dir + "/windows.jsonl"));
  int results = 0;
  for (std::string line; std::getline(windows, line); ++results) {
    const nlohmann::json w = nlohmann::json::parse(line);
    EXPECT_EQ(w["type"], "window");
    EXPECT_EQ(w["window_end"].get<std::int64_t>() - w["window_start"].get<std::int64_t>(), 60000);
  }
  EXPECT_EQ(results, 5);
  std::istringstream manifest(slurp(out_dir + "/manifest.jsonl"));
  int events = 0;
  for (std::string line; std::getline(manifest, line);) ++events;
  EXPECT_EQ(events, 3000);
}

TEST_F(DemoTest, TheSameSeedGivesTheSameReplay) {
  ASSERT_EQ(demo("--out " + dir_ + "/a").exit_code, 0);
  ASSERT_EQ(demo("--out " + dir_ + "/b").exit_code, 0);
  EXPECT_EQ(slurp(dir_ + "/a/trace.csv"), slurp(dir_ + "/b/trace.csv"));
  EXPECT_EQ(slurp(dir_ + "/a/windows.jsonl"), slurp(dir_ + "/b/windows.jsonl"));
  ASSERT_EQ(demo("--out " + dir_ + "/c --seed 7").exit_code, 0);
  EXPECT_NE(slurp(dir_ + "/a/trace.csv"), slurp(dir_ + "/c/trace.csv"));
}

TEST_F(DemoTest, AnOutThatIsNotADirectoryIsAUsageError) {
  const std::string file = dir_ + "/file";
  std::ofstream(file) << "x";
  const RunResult r = demo("--out " + file);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(slurp(dir_ + "/stderr.txt").find("--out"), std::string::npos)
      << slurp(dir_ + "/stderr.txt");
  const RunResult seed = demo("--out " + dir_ + "/d --seed many");
  EXPECT_EQ(seed.exit_code, 2);
  EXPECT_NE(slurp(dir_ + "/stderr.txt").find("--seed"), std::string::npos);
}

}  // namespace
