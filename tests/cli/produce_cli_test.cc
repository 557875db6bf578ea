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

namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout (and stderr when merged)
};

RunResult run(const std::string& args, bool merge_stderr = true) {
  const std::string command =
      std::string(TIDEMARK_BINARY) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  RunResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
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

TEST(ProduceCli, BadFlagValuesAreUsageErrorsNamingTheValue) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"-c -5", "-5"},
      {"--rate abc", "abc"},
      {"--format avro", "avro"},
      {"--event car", "car"},
      {"--instance 3/2", "3/2"},
      {"--late-fraction 0.1 --late-by 5s..1s", "5s..1s"},
      {"--late-fraction 2 --late-by 1s..2s", "2"},
      {"--duration 5", "5"},
      {"--clock sundial", "sundial"},
      {"--clock simulated --speed fast", "fast"},
      {"--start yesterday --clock simulated", "yesterday"},
      {"--key-field nope", "nope"},
      {"-H novalue", "novalue"},
      {"--record-timestamp log", "log"},
  };
  for (const auto& [flags, value] : cases) {
    RunResult r = run("produce --dry-run " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.out;
    EXPECT_NE(r.out.find(value), std::string::npos) << flags << "\n" << r.out;
  }
}

TEST(ProduceCli, InconsistentFlagsAreUsageErrors) {
  for (const std::string flags :
       {"--late-fraction 0.1", "--late-by 1s..2s", "--start now", "--csv-out /tmp/x.csv",
        "--event lab --from-csv /nonexistent.csv", "-b embedded -t t"}) {
    RunResult r = run("produce --dry-run " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.out;
  }
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
