// `tidemark perf consume` as users run it on the embedded broker: kafka-consumer-perf-test's
// columns with the right count, the detailed-stats lines, records seeded without headers decoded
// by --format/--event, and bad flags as usage errors (exit 2) naming the flag.
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

const char* const kHeader =
    "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
    "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
const char* const kDetailedHeader =
    "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
    "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
#define TIME_RE R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3})"
const std::regex kSummary("^" TIME_RE ", " TIME_RE
                          R"(, [0-9.]+, [0-9.]+, (\d+), [0-9.]+, \d+, \d+, [0-9.]+, [0-9.]+$)");
const std::regex kDetailed("^" TIME_RE
                           R"(, 0, [0-9.]+, [0-9.]+, (\d+), [0-9.]+, 0, \d+, [0-9.]+, [0-9.]+$)");

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "tidemark_perf_consume_" + name;
}

TEST(PerfConsumeCli, PrintsTheConsumerPerfTestColumnsWithTheCount) {
  const std::string stats = temp_path("stats.json");
  std::remove(stats.c_str());
  auto r = run_tidemark("perf consume -t perf-test --messages 3000 --stats-json " + stats, false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;  // stdout is the header and one line
  EXPECT_EQ(lines[0], kHeader);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[1], m, kSummary)) << lines[1];
  EXPECT_EQ(m[1], "3000");

  std::ifstream in(stats);
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["records"], 3000);
  EXPECT_EQ(j["decode_errors"], 0);
  EXPECT_EQ(j["partitions"], 4);
  EXPECT_EQ(j["broker"], "embedded");
  // Lab JSON events are ~48 bytes each, no keys.
  EXPECT_GT(j["bytes"].get<std::int64_t>(), 3000 * 40);
  EXPECT_LT(j["bytes"].get<std::int64_t>(), 3000 * 60);
}

TEST(PerfConsumeCli, DetailedStatsPrintALinePerIntervalAndTheRestAtTheEnd) {
  auto r = run_tidemark(
      "perf consume -t perf-test --messages 5000 --show-detailed-stats --reporting-interval 100",
      false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], kDetailedHeader);
  std::smatch m;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    ASSERT_TRUE(std::regex_match(lines[i], m, kDetailed)) << lines[i];
  }
  EXPECT_EQ(m[1], "5000");  // the last line carries the total

  auto hidden = run_tidemark("perf consume -t perf-test --messages 500 --hide-header", false);
  ASSERT_EQ(hidden.exit_code, 0) << hidden.out;
  const auto values = lines_of(hidden.out);
  ASSERT_EQ(values.size(), 1u) << hidden.out;
  EXPECT_TRUE(std::regex_match(values[0], kSummary)) << values[0];
}

TEST(PerfConsumeCli, RecordsSeededWithoutHeadersAreDecodedByFormatAndEvent) {
  const std::string stats = temp_path("no_headers.json");
  std::remove(stats.c_str());
  auto r = run_tidemark(
      "perf consume -t web --event web --format protobuf --no-headers -z zstd --partitions 2 "
      "--messages 1500 --stats-json " +
      stats);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("seeded 1500 web events as protobuf (zstd, no headers)"), std::string::npos)
      << r.out;
  std::ifstream in(stats);
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["records"], 1500);
  EXPECT_EQ(j["decode_errors"], 0);  // a wrong decoder would fail on every record
  EXPECT_EQ(j["partitions"], 2);
}

TEST(PerfConsumeCli, TooMuchForTheEmbeddedBrokerIsSaidBeforeMeasuring) {
  // ~11 MB of uncompressed web events into one partition, which keeps 5 MiB.
  auto r = run_tidemark("perf consume -t full --event web --partitions 1 -z none --messages 30000");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("kept only"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--partitions"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("start.time"), std::string::npos) << r.out;
}

struct BadFlag {
  const char* args;
  const char* named;
};

class PerfConsumeBadFlag : public ::testing::TestWithParam<BadFlag> {};

TEST_P(PerfConsumeBadFlag, IsAUsageErrorNamingTheFlag) {
  auto r = run_tidemark(std::string("perf consume ") + GetParam().args);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(GetParam().named), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("start.time"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Values, PerfConsumeBadFlag,
    ::testing::Values(
        BadFlag{"--messages 10", "-t/--topic"}, BadFlag{"-t 'bad topic'", "-t/--topic"},
        BadFlag{"-t t --messages lots", "--messages 'lots'"},
        BadFlag{"-t t --messages 0", "--messages '0'"}, BadFlag{"-t t --event car", "--event"},
        BadFlag{"-t t --format avro", "--format"},
        BadFlag{"-t t --partitions 0", "--partitions '0'"}, BadFlag{"-t t -z rar", "rar"},
        BadFlag{"-t t --seed x", "--seed 'x'"},
        BadFlag{"-t t --show-detailed-stats --reporting-interval 50", "--reporting-interval"},
        BadFlag{"-t t --reporting-interval 500", "--show-detailed-stats"},
        BadFlag{"-t t -X nokey", "nokey"}, BadFlag{"-t t -X linger.ms=soon", "soon"},
        BadFlag{"-t t -F /nonexistent.properties", "/nonexistent.properties"},
        BadFlag{"-t t --stats-json /nonexistent/s.json", "/nonexistent/s.json"},
        BadFlag{"-t t --from-latest", "--from-latest"}, BadFlag{"-t t --group g", "--group"},
        BadFlag{"-t t --timeout 10000", "--timeout"},
        BadFlag{"-t t -b localhost:1 --partitions 2", "--partitions"},
        BadFlag{"-t t -b localhost:1 --no-headers", "--no-headers"}));

TEST(PerfConsumeCli, HelpTeachesTheColumnsAndTheMapping) {
  auto r = run_tidemark("perf consume --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--messages"), std::string::npos);
  EXPECT_NE(r.out.find("rebalance.time.ms"), std::string::npos);
  EXPECT_NE(r.out.find("kcat"), std::string::npos);
  EXPECT_NE(r.out.find("--show-detailed-stats"), std::string::npos);
}

}  // namespace
