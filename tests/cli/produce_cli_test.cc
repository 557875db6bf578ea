// `tidemark produce` as users run it, without Kafka: --dry-run output, reproducibility, and
// every bad flag value being a usage error (exit 2) that names the value.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::RunResult;

RunResult run(const std::string& args, bool merge_stderr = true) {
  return tidemark::testing::run_tidemark(args, merge_stderr
                                                   ? tidemark::testing::Stderr::kMerged
                                                   : tidemark::testing::Stderr::kDiscarded);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const std::string kDry =
    "produce --dry-run --clock simulated --start 2026-01-01T00:00:00Z --seed 1 ";

TEST(ProduceCli, DryRunPrintsOneJsonLinePerEvent) {
  RunResult r = run(kDry + "-c 3 --event lab --format json", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  std::int64_t expected_ts = 1767225600000;  // 2026-01-01T00:00:00Z, 1 ms apart at rate 0
  for (const std::string& line : lines) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.contains("test_data"));
    EXPECT_EQ(j["event_timestamp"].get<std::int64_t>(), expected_ts++);
  }
}

TEST(ProduceCli, DryRunSummaryHasFingerprintAndSeed) {
  RunResult r = run(kDry + "-c 10 --event web --format json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("10 records sent, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" ms 99.9th."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fingerprint "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("seed 1"), std::string::npos) << r.out;
}

TEST(ProduceCli, SameSeedIsByteIdenticalOtherSeedIsNot) {
  const std::string args = "-c 50 --event taxi --format protobuf";
  RunResult a = run(kDry + args, false);
  RunResult b = run(kDry + args, false);
  RunResult c = run(
      "produce --dry-run --clock simulated --start 2026-01-01T00:00:00Z --seed 2 " + args, false);
  ASSERT_EQ(a.exit_code, 0);
  EXPECT_EQ(lines_of(a.out).size(), 50u);
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  // Binary formats are base64, one per line.
  for (const std::string& line : lines_of(a.out)) {
    EXPECT_EQ(
        line.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
        std::string::npos);
  }
}

TEST(ProduceCli, ShardsSplitTheDryRunStream) {
  RunResult whole = run(kDry + "-c 10 --event lab", false);
  RunResult s0 = run(kDry + "-c 10 --event lab --instance 0/2", false);
  RunResult s1 = run(kDry + "-c 10 --event lab --instance 1/2", false);
  const auto w = lines_of(whole.out);
  const auto a = lines_of(s0.out);
  const auto b = lines_of(s1.out);
  ASSERT_EQ(w.size(), 10u);
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(b.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(a[i], w[2 * i]);
    EXPECT_EQ(b[i], w[2 * i + 1]);
  }
}

// Every flag of `tidemark produce` that takes a value, with values it must refuse: exit 2 and a
// message naming the flag and the value. All of them fail before any broker is contacted.
TEST(ProduceCli, BadFlagValuesAreUsageErrorsNamingTheFlagAndTheValue) {
  struct Case {
    std::string flags;
    std::string flag;   // as the message names it
    std::string value;  // as the message quotes it ("" when the flag alone is the point)
  };
  const std::string csv = std::string(TIDEMARK_TEST_DATA_DIR) + "/green_tripdata_sample.csv";
  const std::vector<Case> cases = {
      {"--dry-run -t 'bad topic'", "-t/--topic", "bad topic"},
      {"--dry-run --event car", "--event", "car"},
      {"--dry-run --format avro", "--format", "avro"},
      {"--dry-run --seed abc", "--seed", "abc"},
      {"--dry-run --seed -1", "--seed", "-1"},
      {"--dry-run --clock sundial", "--clock", "sundial"},
      {"--dry-run --clock simulated --start yesterday", "--start", "yesterday"},
      {"--dry-run --clock simulated --speed fast", "--speed", "fast"},
      {"--dry-run --clock simulated --speed 0", "--speed", "0"},
      {"--dry-run --record-timestamp log", "--record-timestamp", "log"},
      {"--dry-run --rate abc", "--rate", "abc"},
      {"--dry-run --rate -5", "--rate", "-5"},
      {"--dry-run -c -5", "-c/--count", "-5"},
      {"--dry-run -c many", "-c/--count", "many"},
      {"--dry-run --duration 5", "--duration", "5"},
      {"--dry-run --duration soon", "--duration", "soon"},
      {"--dry-run --instance 3/2", "--instance", "3/2"},
      {"--dry-run --instance 1/0", "--instance", "1/0"},
      {"--dry-run --instance one", "--instance", "one"},
      {"--dry-run --event taxi --from-csv /nonexistent.csv", "--from-csv", "/nonexistent.csv"},
      {"--dry-run --event taxi --from-csv " + csv + " --on-bad-row maybe", "--on-bad-row",
       "maybe"},
      {"--dry-run --key-field nope", "--key-field", "nope"},
      {"--dry-run --key some", "--key", "some"},
      {"--dry-run -H novalue", "-H", "novalue"},
      {"--dry-run -H =x", "-H", "=x"},
      {"--dry-run --out-of-order soon", "--out-of-order", "soon"},
      {"--dry-run --out-of-order -5s", "--out-of-order", "-5s"},
      {"--dry-run --late-fraction 2 --late-by 1s..2s", "--late-fraction", "2"},
      {"--dry-run --late-fraction lots --late-by 1s..2s", "--late-fraction", "lots"},
      {"--dry-run --late-fraction 0.1 --late-by 5s..1s", "--late-by", "5s..1s"},
      {"--dry-run --late-fraction 0.1 --late-by 5s", "--late-by", "5s"},
      {"--dry-run --idle-partition x --idle-after 1s", "--idle-partition", "x"},
      {"--dry-run --idle-partition -1 --idle-after 1s", "--idle-partition", "-1"},
      {"--dry-run --idle-partition 1 --idle-after soon", "--idle-after", "soon"},
      {"--dry-run -c 1 --manifest /nonexistent/m.jsonl", "--manifest", "/nonexistent/m.jsonl"},
      {"--dry-run -c 1 --stats-json /nonexistent/s.json", "--stats-json", "/nonexistent/s.json"},
      {"--dry-run --event taxi --csv-out /nonexistent/t.csv", "--csv-out", "/nonexistent/t.csv"},
      {"-t t -b embedded -X nokey", "-X", "nokey"},
      {"-t t -b embedded -X no.such.property=1", "-X", "no.such.property"},
      {"-t t -b embedded -X linger.ms=soon", "-X", "soon"},
      {"-t t -b embedded -F /nonexistent.properties", "-F", "/nonexistent.properties"},
      {"-t t -b embedded -z rar", "-z", "rar"},
      {"-t t -b embedded --partitions 0", "--partitions", "0"},
      {"-t t -b embedded --partitions x", "--partitions", "x"},
      {"-t t -b embedded --partitions 10001", "--partitions", "10001"},
  };
  for (const Case& c : cases) {
    RunResult r = run("produce " + c.flags);
    EXPECT_EQ(r.exit_code, 2) << c.flags << "\n" << r.out;
    EXPECT_NE(r.out.find(c.flag), std::string::npos) << c.flags << "\n" << r.out;
    EXPECT_NE(r.out.find(c.value), std::string::npos) << c.flags << "\n" << r.out;
    EXPECT_EQ(r.out.find("records sent"), std::string::npos) << c.flags << "\n" << r.out;
  }
}

TEST(ProduceCli, InconsistentFlagsAreUsageErrors) {
  for (const std::string flags :
       {"--late-fraction 0.1", "--late-by 1s..2s", "--start now", "--csv-out /tmp/x.csv",
        "--event lab --from-csv /nonexistent.csv", "-b embedded -t t", "-X linger.ms=5",
        "-z lz4", "--partitions 2", "--idle-partition 1", "--idle-after 1s",
        "--idle-partition 1 --idle-after 1s", "--on-bad-row skip", "--key none --key-field ip",
        "--speed 2"}) {
    RunResult r = run("produce --dry-run " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.out;
  }
  RunResult partitions = run("produce -t t -b localhost:1 --partitions 2");
  EXPECT_EQ(partitions.exit_code, 2) << partitions.out;
  EXPECT_NE(partitions.out.find("--partitions applies only with -b embedded"), std::string::npos)
      << partitions.out;
  RunResult no_topic = run("produce -c 1");
  EXPECT_EQ(no_topic.exit_code, 2) << no_topic.out;
  EXPECT_NE(no_topic.out.find("--topic"), std::string::npos) << no_topic.out;
}

TEST(ProduceCli, HelpDocumentsDryRunEncoding) {
  RunResult r = run("produce --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("base64"), std::string::npos);
  EXPECT_NE(r.out.find("--dry-run"), std::string::npos);
}

}  // namespace
