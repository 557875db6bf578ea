// `tidemark bench kafka` end to end on the embedded broker with a few hundred records: a row per
// format in the table, JSON Lines on a pipe, the --json file, latency mode's end-to-end
// percentiles, and bad flag values as usage errors (exit 2) that name the flag.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "run_tidemark.h"

namespace {

using tidemark::testing::lines_of;
using tidemark::testing::run_tidemark;

const char* const kFormats[] = {"json", "json-nlohmann", "protobuf", "thrift-binary",
                                "thrift-compact"};

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "tidemark_bench_kafka_" + name;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(BenchKafkaCli, ATableRowPerFormatWithEveryRecordReadBack) {
  auto r = run_tidemark("bench kafka -c 300 --output table", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("lab: 300 records per format, as fast as possible (throughput mode)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("DELIVERY MS p50/p99/p99.9/max"), std::string::npos) << r.out;
  std::set<std::string> rows;
  for (const std::string& line : lines_of(r.out)) {
    for (const char* format : kFormats) {
      if (line.rfind(std::string(format) + " ", 0) == 0) {
        rows.insert(format);
        EXPECT_NE(line.find("300/300"), std::string::npos) << line;
      }
    }
  }
  EXPECT_EQ(rows.size(), 5u) << r.out;
}

TEST(BenchKafkaCli, JsonLinesOnAPipeAndTheJsonFile) {
  const std::string path = temp_path("throughput.json");
  std::remove(path.c_str());
  auto r = run_tidemark(
      "bench kafka --event web --format json,protobuf -c 200 -z lz4 --json " + path, false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  for (const std::string& line : lines) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j["event"], "web");
    EXPECT_EQ(j["consumed"], 200);
    EXPECT_EQ(j["complete"], true);
    EXPECT_EQ(j["latency"], "delivery");
  }
  const nlohmann::json doc = read_json(path);
  EXPECT_EQ(doc["tool"], "tidemark bench kafka");
  EXPECT_EQ(doc["configuration"]["mode"], "throughput");
  EXPECT_EQ(doc["configuration"]["compression"], "lz4");
  EXPECT_EQ(doc["configuration"]["broker"], "embedded");
  EXPECT_TRUE(doc["configuration"]["machine"].contains("libraries"));
  ASSERT_EQ(doc["results"].size(), 2u);
  const nlohmann::json& json_row = doc["results"][0];
  const nlohmann::json& proto_row = doc["results"][1];
  EXPECT_EQ(json_row["format"], "json");
  EXPECT_EQ(proto_row["format"], "protobuf");
  for (const nlohmann::json& row : doc["results"]) {
    EXPECT_EQ(row["sent"], 200);
    ASSERT_EQ(row["runs"].size(), 1u);
    EXPECT_EQ(row["runs"][0]["acked"], 200);
    EXPECT_EQ(row["decode_errors"], 0);
    EXPECT_GT(row["produce"]["records_per_s"]["median"].get<double>(), 0);
    EXPECT_GT(row["consume"]["records_per_s"]["median"].get<double>(), 0);
    EXPECT_GT(row["latency_ms"]["p50"].get<double>(), 0);
    EXPECT_TRUE(row["wire_bytes_per_record"].is_number()) << row.dump();
  }
  // Web events as protobuf are smaller than as JSON, raw and on the wire.
  EXPECT_LT(proto_row["payload_bytes_per_record"].get<double>(),
            json_row["payload_bytes_per_record"].get<double>());
  EXPECT_LT(proto_row["wire_bytes_per_record"].get<double>(),
            json_row["wire_bytes_per_record"].get<double>());
}

TEST(BenchKafkaCli, CompressionShrinksTheBytesOnTheWire) {
  auto plain = run_tidemark("bench kafka --format json -c 2000 --output json", false);
  auto zstd = run_tidemark("bench kafka --format json -c 2000 -z zstd --output json", false);
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  ASSERT_EQ(zstd.exit_code, 0) << zstd.out;
  const double raw = nlohmann::json::parse(lines_of(plain.out).at(0))["wire_bytes_per_record"];
  const double packed = nlohmann::json::parse(lines_of(zstd.out).at(0))["wire_bytes_per_record"];
  EXPECT_LT(packed * 2, raw) << raw << " vs " << packed;
}

TEST(BenchKafkaCli, LatencyModeMeasuresEndToEndFromTheIntendedSendTime) {
  const std::string path = temp_path("latency.json");
  std::remove(path.c_str());
  auto r = run_tidemark(
      "bench kafka --format json,thrift-compact --rate 2000 -c 400 --output table --json " + path,
      false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("at 2000 records/s (latency mode)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("END-TO-END MS p50/p99/p99.9/max"), std::string::npos) << r.out;
  const nlohmann::json doc = read_json(path);
  EXPECT_EQ(doc["configuration"]["mode"], "latency");
  for (const nlohmann::json& row : doc["results"]) {
    EXPECT_EQ(row["consumed"], 400);
    EXPECT_EQ(row["runs"][0]["missing"], 0);
    EXPECT_EQ(row["latency_ms"]["kind"], "end_to_end_from_intended_send");
    EXPECT_EQ(row["latency_ms"]["count"], 400);
    EXPECT_GT(row["latency_ms"]["p50"].get<double>(), 0);
    EXPECT_LE(row["latency_ms"]["p50"].get<double>(), row["latency_ms"]["max"].get<double>());
    // 400 records at 2000/s take about 0.2 s to send.
    EXPECT_GT(row["runs"][0]["produce"]["elapsed_s"].get<double>(), 0.15);
  }
}

TEST(BenchKafkaCli, RepeatRunsEveryFormatOnFreshTopicsAndReportsMedians) {
  const std::string path = temp_path("repeat.json");
  std::remove(path.c_str());
  auto r = run_tidemark(
      "bench kafka --format json,protobuf -c 300 --repeat 2 --output table --json " + path, false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("medians of 2 runs with (min-max)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("600/600"), std::string::npos) << r.out;
  const nlohmann::json doc = read_json(path);
  EXPECT_EQ(doc["configuration"]["repeat"], 2);
  std::set<std::string> topics;
  for (const nlohmann::json& row : doc["results"]) {
    ASSERT_EQ(row["runs"].size(), 2u);
    EXPECT_EQ(row["consumed"], 600);
    const nlohmann::json& rate = row["produce"]["records_per_s"];
    EXPECT_LE(rate["min"].get<double>(), rate["median"].get<double>());
    EXPECT_LE(rate["median"].get<double>(), rate["max"].get<double>());
    for (const nlohmann::json& run : row["runs"]) topics.insert(run["topic"]);
  }
  EXPECT_EQ(topics.size(), 4u);
}

struct BadFlag {
  const char* args;
  const char* named;
};

class BenchKafkaBadFlag : public ::testing::TestWithParam<BadFlag> {};

TEST_P(BenchKafkaBadFlag, IsAUsageErrorNamingTheFlag) {
  auto r = run_tidemark(std::string("bench kafka ") + GetParam().args);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(GetParam().named), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("PAYLOAD B/REC"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Values, BenchKafkaBadFlag,
    ::testing::Values(
        BadFlag{"--event car", "--event 'car'"}, BadFlag{"--format avro", "--format"},
        BadFlag{"--format json,json", "--format 'json'"}, BadFlag{"-c 0", "-c/--count '0'"},
        BadFlag{"--repeat 0", "--repeat '0'"}, BadFlag{"-c many", "-c/--count 'many'"},
        BadFlag{"--rate abc", "--rate"}, BadFlag{"--rate 0", "--rate '0'"},
        BadFlag{"--partitions 0", "--partitions '0'"},
        BadFlag{"-b localhost:1 --partitions 2", "--partitions"}, BadFlag{"-z rar", "rar"},
        BadFlag{"-X nokey", "nokey"}, BadFlag{"--producer-props linger.ms=soon", "soon"},
        BadFlag{"--consumer-props nokey", "nokey"}, BadFlag{"--seed -1", "--seed '-1'"},
        BadFlag{"--topic-prefix 'bad name'", "--topic-prefix"},
        BadFlag{"--json /nonexistent/k.json", "--json '/nonexistent/k.json'"}));

TEST(BenchKafkaCli, HelpTeachesTheModes) {
  auto r = run_tidemark("bench kafka --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--rate"), std::string::npos);
  EXPECT_NE(r.out.find("intended send time"), std::string::npos);
  EXPECT_NE(r.out.find("WIRE B/REC"), std::string::npos);
}

}  // namespace
