// `tidemark perf produce` as users run it: kafka-producer-perf-test's line with the right count,
// its flag spellings, the side-by-side baseline, and bad flag values as usage errors (exit 2)
// that name the flag.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "run_tidemark.h"

namespace {

using tidemark::testing::lines_of;
using tidemark::testing::run_tidemark;

// kafka-producer-perf-test's final line, with tidemark's sub-millisecond latencies.
const std::regex kPerfLine(
    R"(^(\d+) records sent, [0-9.]+ records/sec \([0-9.]+ MB/sec\), [0-9.]+ ms avg latency, )"
    R"([0-9.]+ ms max latency, [0-9.]+ ms 50th, [0-9.]+ ms 95th, [0-9.]+ ms 99th, )"
    R"([0-9.]+ ms 99\.9th\.$)");

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "tidemark_perf_" + name;
}

TEST(PerfProduceCli, PrintsThePerfTestLineWithTheCount) {
  auto r = run_tidemark("perf produce -t perf-test -c 2000 -b embedded --seed 3", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;  // stdout is exactly the perf-test line
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[0], m, kPerfLine)) << lines[0];
  EXPECT_EQ(m[1], "2000");
}

TEST(PerfProduceCli, AcceptsKafkaPerfTestSpellingsAndEmbeddedByDefault) {
  auto r = run_tidemark(
      "perf produce --topic perf-test --num-records 700 --throughput -1 "
      "--producer-props linger.ms=1 --seed 3",
      false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::smatch m;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  ASSERT_TRUE(std::regex_match(lines[0], m, kPerfLine)) << lines[0];
  EXPECT_EQ(m[1], "700");
}

TEST(PerfProduceCli, BaselineRunsThePlainLoopsSideBySideAndWritesStats) {
  const std::string stats = temp_path("baseline.json");
  std::remove(stats.c_str());
  auto r = run_tidemark(
      "perf produce -t perf-test -c 1500 --seed 3 --baseline --repeat 2 "
      "--event web --format protobuf --stats-json " +
          stats,
      false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::size_t perf_lines = 0;
  for (const std::string& line : lines_of(r.out)) {
    std::smatch m;
    if (std::regex_match(line, m, kPerfLine)) {
      ++perf_lines;
      EXPECT_EQ(m[1], "1500");
    } else {
      EXPECT_EQ(line.rfind("# ", 0), 0u) << "not a comment: " << line;
    }
  }
  EXPECT_EQ(perf_lines, 6u);  // 2 runs x (tidemark, plain payloads, plain records)
  EXPECT_NE(r.out.find("# tidemark / plain loop with the same payloads: median "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("# tidemark / plain loop with the same records: median "), std::string::npos)
      << r.out;

  std::ifstream in(stats);
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["event"], "web");
  EXPECT_EQ(j["format"], "protobuf");
  ASSERT_EQ(j["runs"].size(), 6u);
  EXPECT_EQ(j["runs"][0]["kind"], "tidemark");
  EXPECT_EQ(j["runs"][1]["kind"], "plain-payloads");
  EXPECT_EQ(j["runs"][2]["kind"], "plain-records");
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["stats"]["acked"], 1500);
    EXPECT_EQ(run["stats"]["failed"], 0);
    // Every kind reports its delivery latencies (the plain loops' through the same histogram).
    const nlohmann::json& latency = run["stats"]["latency_ms"];
    EXPECT_GT(latency["max"].get<double>(), 0) << run["kind"];
    EXPECT_GT(latency["p50"].get<double>(), 0) << run["kind"];
    EXPECT_LE(latency["p50"].get<double>(), latency["max"].get<double>()) << run["kind"];
  }
  EXPECT_GT(j["ratio_to_plain_payloads"]["median"].get<double>(), 0);
  EXPECT_GT(j["ratio_to_plain_records"]["median"].get<double>(), 0);
}

TEST(PerfProduceCli, NoHeadersIsAcceptedAndMeasured) {
  auto r = run_tidemark("perf produce -t perf-test -c 800 --no-headers --seed 3", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::smatch m;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  ASSERT_TRUE(std::regex_match(lines[0], m, kPerfLine)) << lines[0];
  EXPECT_EQ(m[1], "800");
}

TEST(PerfProduceCli, EveryRunRereadsTheCsvFile) {
  const std::string csv = std::string(TIDEMARK_TEST_DATA_DIR) + "/green_tripdata_sample.csv";
  auto r = run_tidemark("perf produce -t green-trips --event taxi --from-csv " + csv +
                            " --baseline --repeat 2 --seed 3",
                        false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::size_t perf_lines = 0;
  for (const std::string& line : lines_of(r.out)) {
    std::smatch m;
    if (!std::regex_match(line, m, kPerfLine)) continue;
    ++perf_lines;
    EXPECT_EQ(m[1], "13") << line;  // every row of the file, in every run and loop
  }
  EXPECT_EQ(perf_lines, 6u) << r.out;
}

// The produce flags and checks are shared with `tidemark produce` (cli/produce_options.cc): the
// idle partition, the report of records the broker dropped and the summary's JSON fields are
// there in every perf run too.
TEST(PerfProduceCli, IdlePartitionAndBrokerDropsAreReportedPerRun) {
  const std::string stats = temp_path("idle.json");
  std::remove(stats.c_str());
  auto idle = run_tidemark(
      "perf produce -t idle --partitions 3 -c 3000 --clock simulated --start "
      "2026-01-01T00:00:00Z --seed 4 --idle-partition 2 --idle-after 1s --stats-json " +
      stats);
  ASSERT_EQ(idle.exit_code, 0) << idle.out;
  EXPECT_NE(idle.out.find("idle partition 2: nothing written from event time "
                          "2026-01-01T00:00:01.000Z"),
            std::string::npos)
      << idle.out;
  {
    std::ifstream in(stats);
    const nlohmann::json j = nlohmann::json::parse(in);
    ASSERT_EQ(j["runs"].size(), 1u);
    EXPECT_EQ(j["runs"][0]["stats"]["idle_partition"]["reached"], true) << j.dump();
    EXPECT_EQ(j["runs"][0]["stats"]["acked"], 3000);
  }

  // ~11 MB of web events into one partition of the embedded broker, which keeps 5 MiB.
  std::remove(stats.c_str());
  auto full = run_tidemark(
      "perf produce -t full --partitions 1 --event web -c 30000 --seed 2 --stats-json " + stats);
  ASSERT_EQ(full.exit_code, 0) << full.out;
  EXPECT_NE(full.out.find("tidemark: warning: the broker dropped "), std::string::npos) << full.out;
  std::ifstream in(stats);
  const nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_TRUE(j["runs"][0]["stats"].contains("dropped_by_broker")) << j.dump();
  EXPECT_GT(j["runs"][0]["stats"]["dropped_by_broker"]["0"].get<std::int64_t>(), 10000);
}

struct BadFlag {
  const char* args;
  const char* named;  // what the message must name
};

class PerfProduceBadFlag : public ::testing::TestWithParam<BadFlag> {};

TEST_P(PerfProduceBadFlag, IsAUsageErrorNamingTheFlag) {
  auto r = run_tidemark(std::string("perf produce ") + GetParam().args);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(GetParam().named), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("records sent"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Values, PerfProduceBadFlag,
    ::testing::Values(
        BadFlag{"-t t --num-records lots", "--num-records"}, BadFlag{"-t t -c -5", "-c/--count"},
        BadFlag{"-t t --throughput fast", "--rate/--throughput"},
        BadFlag{"-t t --repeat 0", "--repeat"}, BadFlag{"-t t --record-size 100", "--record-size"},
        BadFlag{"-t t --baseline --rate 100", "--rate/--throughput"},
        BadFlag{"-t t --baseline --duration 1s", "--duration"}, BadFlag{"-c 10", "-t/--topic"},
        BadFlag{"-t t --event clicks", "--event"}, BadFlag{"-t t --format yaml", "--format"},
        BadFlag{"-t t --producer-props nonsense", "nonsense"},
        BadFlag{"-t t --dry-run", "--dry-run"}, BadFlag{"-t t --manifest m.jsonl", "--manifest"},
        BadFlag{"-t t --idle-partition x --idle-after 1s", "--idle-partition 'x'"},
        BadFlag{"-t t --idle-partition 1", "--idle-after"},
        BadFlag{"-t t --idle-partition 1 --idle-after soon", "--idle-after"},
        BadFlag{"-t t --partitions 2 --idle-partition 5 --idle-after 1s", "--idle-partition '5'"},
        BadFlag{"-t t --baseline --idle-partition 1 --idle-after 1s", "--idle-partition"},
        BadFlag{"-t t --stats-json /nonexistent/s.json", "--stats-json '/nonexistent/s.json'"},
        BadFlag{"-t t --event taxi --from-csv /nonexistent.csv", "--from-csv"},
        BadFlag{"-t t -X linger.ms=soon", "soon"}, BadFlag{"-t t -z rar", "rar"},
        BadFlag{"-t t -F /nonexistent.properties", "/nonexistent.properties"}));

TEST(PerfCli, NeedsASubcommand) {
  auto r = run_tidemark("perf");
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

TEST(PerfCli, HelpTeachesThePerfTestMapping) {
  auto r = run_tidemark("perf produce --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--num-records"), std::string::npos);
  EXPECT_NE(r.out.find("--record-size"), std::string::npos);
  EXPECT_NE(r.out.find("--baseline"), std::string::npos);
  EXPECT_NE(r.out.find("embedded"), std::string::npos);
}

}  // namespace
