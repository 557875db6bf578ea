// `tidemark bench serializers` end to end on tiny inputs: the table or JSON Lines on stdout, the
// --json result file with its configuration, the --svg charts as valid XML, CSV rows as input,
// and bad flag values as usage errors (exit 2) that name the flag.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "run_tidemark.h"

namespace {

using tidemark::testing::lines_of;
using tidemark::testing::run_tidemark;

const std::string kTiny = "bench serializers -c 200 --repetitions 1 --min-time 1ms ";

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "tidemark_bench_" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(BenchSerializersCli, WritesJsonWithTheRunsConfigurationAndResults) {
  const std::string path = temp_path("results.json");
  std::remove(path.c_str());
  auto r = run_tidemark(kTiny + "--event lab --format json,protobuf --output json --json " + path,
                        false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;  // one JSON line per (type, format)
  for (const std::string& line : lines_of(r.out)) {
    const nlohmann::json l = nlohmann::json::parse(line);
    EXPECT_EQ(l["event_type"], "lab");
    EXPECT_GT(l["encode_ns"].get<double>(), 0);
  }

  const nlohmann::json j = nlohmann::json::parse(slurp(path));
  EXPECT_EQ(j["tool"], "tidemark bench serializers");
  const nlohmann::json& c = j["configuration"];
  EXPECT_EQ(c["seed"], 42);
  EXPECT_EQ(c["repetitions"], 1);
  EXPECT_EQ(c["events_per_type"], 200);
  EXPECT_EQ(c["source"], "generated");
  EXPECT_EQ(c["formats"], nlohmann::json({"json", "protobuf"}));
  EXPECT_EQ(c["event_types"], nlohmann::json({"lab"}));
  EXPECT_FALSE(c["machine"]["cpu_model"].get<std::string>().empty());
  EXPECT_FALSE(c["machine"]["compiler"].get<std::string>().empty());
  for (const char* lib :
       {"librdkafka", "protobuf", "thrift", "simdjson", "lz4", "zstd", "snappy"}) {
    EXPECT_TRUE(c["machine"]["libraries"].contains(lib)) << lib;
  }
  ASSERT_EQ(j["results"].size(), 1u);
  const nlohmann::json& lab = j["results"][0];
  EXPECT_EQ(lab["event_type"], "lab");
  EXPECT_EQ(lab["events"], 200);
  ASSERT_EQ(lab["formats"].size(), 2u);
  for (const auto& f : lab["formats"]) {
    EXPECT_GT(f["bytes_per_event"].get<double>(), 0);
    for (const char* codec : {"lz4", "zstd", "snappy", "gzip"}) {
      EXPECT_GT(f["compressed_bytes_per_event"][codec].get<double>(), 0) << codec;
    }
    for (const char* key :
         {"encode_ns_per_event", "decode_ns_per_event", "encode_mb_per_s", "decode_mb_per_s"}) {
      EXPECT_GT(f[key]["median"].get<double>(), 0) << key;
      EXPECT_LE(f[key]["min"].get<double>(), f[key]["max"].get<double>()) << key;
    }
    EXPECT_GE(f["encode_ratio_to_fastest"].get<double>(), 1.0);
  }
}

TEST(BenchSerializersCli, SvgIsValidXml) {
  if (std::system("/usr/bin/python3 -c 'import xml.etree.ElementTree' 2>/dev/null") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with xml.etree is needed to parse the SVG";
  }
  const std::string path = temp_path("charts.svg");
  std::remove(path.c_str());
  auto r = run_tidemark(kTiny + "--event all --output table --svg " + path);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("ENCODE NS/EV"), std::string::npos) << r.out;
  const std::string check =
      "/usr/bin/python3 -c \"import sys, xml.etree.ElementTree as E; "
      "root = E.parse(sys.argv[1]).getroot(); "
      "sys.exit(0 if root.tag == '{http://www.w3.org/2000/svg}svg' else 3)\" " +
      path;
  EXPECT_EQ(std::system(check.c_str()), 0) << slurp(path).substr(0, 500);
  const std::string svg = slurp(path);
  for (const char* title :
       {"lab: size per event", "web: encode and decode time", "taxi: size per event"}) {
    EXPECT_NE(svg.find(title), std::string::npos) << title;
  }
}

TEST(BenchSerializersCli, MeasuresTheRowsOfACsvFile) {
  const std::string path = temp_path("csv.json");
  const std::string csv = std::string(TIDEMARK_TEST_DATA_DIR) + "/green_tripdata_sample.csv";
  auto r = run_tidemark(
      "bench serializers --repetitions 1 --min-time 1ms --format json "
      "--output json --from-csv " +
          csv + " --json " + path,
      false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(slurp(path));
  EXPECT_EQ(j["configuration"]["source"], csv);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["event_type"], "taxi");
  // Every row of the file: 14 lines after the header, one row spanning two (a quoted line break).
  EXPECT_EQ(j["results"][0]["events"].get<std::size_t>(), 13u);
}

struct BadFlag {
  const char* args;
  const char* named;
};

class BenchSerializersBadFlag : public ::testing::TestWithParam<BadFlag> {};

TEST_P(BenchSerializersBadFlag, IsAUsageErrorNamingTheFlag) {
  auto r = run_tidemark(std::string("bench serializers ") + GetParam().args);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(GetParam().named), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Values, BenchSerializersBadFlag,
                         ::testing::Values(BadFlag{"--event clicks", "--event"},
                                           BadFlag{"--format json,yaml", "--format"},
                                           BadFlag{"--format json,json", "--format"},
                                           BadFlag{"-c 0", "-c/--count"},
                                           BadFlag{"--repetitions none", "--repetitions"},
                                           BadFlag{"--min-time 5", "--min-time"},
                                           BadFlag{"--batch-events 0", "--batch-events"},
                                           BadFlag{"--seed -1", "--seed"},
                                           BadFlag{"--event lab --from-csv x.csv", "--from-csv"},
                                           BadFlag{"--output yaml", "--output"}));

TEST(BenchCli, NeedsASubcommand) {
  auto r = run_tidemark("bench");
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

}  // namespace
