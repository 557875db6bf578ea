// The `tidemark consume` binary against a broker: a `tidemark broker` process for the --explain
// table, the start table, JSON Lines and kcat -f output, -c against a bounded end (exit 3) and
// decode failures (exit 1); -b embedded for Ctrl-C (exit 130 after the summary).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
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

TEST(ConsumeCliInterrupt, CtrlCExitsWith130AfterTheSummary) {
  const std::string out = ::testing::TempDir() + "consume_sigint.txt";
  const std::string command = std::string(TIDEMARK_BINARY) +
                              " consume -b embedded -t idle --partitions 2 > " + out + " 2>&1";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  std::FILE* f = std::fopen(out.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string text(1 << 16, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  EXPECT_NE(text.find("0 records"), std::string::npos) << text;
  EXPECT_NE(text.find("partition 1: position 0"), std::string::npos) << text;
  EXPECT_NE(text.find("interrupted"), std::string::npos) << text;
}

// ---- against a `tidemark broker` process ----

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

class ConsumeCliBrokerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    port_ = free_port();
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      const std::string port = std::to_string(port_);
      std::freopen("/dev/null", "w", stdout);
      std::freopen("/dev/null", "w", stderr);
      ::execl(TIDEMARK_BINARY, TIDEMARK_BINARY, "broker", "--port", port.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    bootstrap_ = "127.0.0.1:" + std::to_string(port_);
    // 20 lab events over 4 partitions, 1 ms apart from 2026-01-01T00:00:00Z: keyed by test_data,
    // since keyless records all stick to one partition when they are sent within
    // sticky.partitioning.linger.ms.
    for (int i = 0; i < 50; ++i) {
      RunResult r = run("produce -b " + bootstrap_ +
                        " -t lab -c 20 --key-field test_data --clock simulated"
                        " --start 2026-01-01T00:00:00Z --seed 3");
      if (r.exit_code == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "the broker did not come up";
  }
  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  static std::string consume(const std::string& args) {
    return "consume -b " + bootstrap_ + " " + args;
  }

  static inline pid_t pid_ = -1;
  static inline int port_ = 0;
  static inline std::string bootstrap_;
};

TEST_F(ConsumeCliBrokerTest, ExplainPrintsOneRowPerPartitionWithRulesAndExits) {
  RunResult r = run(consume("-t lab --startup-timestamp-millis 1767225600010 -e --explain"), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<std::string> lines = lines_of(r.out);
  std::size_t header = 0;
  while (header < lines.size() && lines[header].rfind("PARTITION", 0) != 0) ++header;
  ASSERT_LT(header + 4, lines.size()) << r.out;
  for (const char* column :
       {"LOW", "HIGH", "COMMITTED", "START", "STOP", "START RULE", "STOP RULE"}) {
    EXPECT_NE(lines[header].find(column), std::string::npos) << column;
  }
  EXPECT_EQ(lines.size(), header + 5) << r.out;  // 4 partitions, nothing read
  // The unkeyed events land where librdkafka's sticky partitioner puts them, which depends on
  // timing (slow builds such as the TSan one spread them differently): a partition that holds
  // records is scanned (the embedded broker cannot look up times), an empty one needs no lookup.
  std::size_t scanned = 0;
  for (std::size_t i = header + 1; i < lines.size(); ++i) {
    EXPECT_NE(lines[i].find("timestamp 1767225600010: "), std::string::npos) << lines[i];
    std::istringstream columns(lines[i]);
    std::int64_t partition = -1, low = -1, high = -1;
    columns >> partition >> low >> high;
    ASSERT_FALSE(columns.fail()) << lines[i];
    if (high > low) {
      EXPECT_NE(lines[i].find("(found by scanning)"), std::string::npos) << lines[i];
      ++scanned;
    } else {
      EXPECT_NE(lines[i].find("no record at or after it, start at end offset"), std::string::npos)
          << lines[i];
    }
    EXPECT_NE(lines[i].find("latest-offset: end offset"), std::string::npos) << lines[i];
  }
  EXPECT_GE(scanned, 1u) << r.out;  // the 20 events are somewhere
  EXPECT_NE(r.out.find("auto.offset.reset: latest"), std::string::npos) << r.out;
}

TEST_F(ConsumeCliBrokerTest, ExplainShowsTheGroupsCommittedOffsets) {
  RunResult c = run(consume("-t lab -g explained --commit -o beginning -c 3 --output none"));
  ASSERT_EQ(c.exit_code, 0) << c.out;
  RunResult r = run(consume("-t lab -g explained --startup-mode group-offsets "
                            "--auto-offset-reset earliest -e --explain"),
                    false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // -c 3 committed 3 records' worth, spread over one or two partitions; the others have none.
  EXPECT_NE(r.out.find("group-offsets: committed offset "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("group 'explained' has no committed offset, auto.offset.reset earliest"),
            std::string::npos)
      << r.out;
}

TEST_F(ConsumeCliBrokerTest, JsonLinesEnvelopesAndTheStartTableOnStderr) {
  RunResult r = run(consume("-t lab -e"), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 20u) << r.out;
  for (const std::string& line : lines) {
    const nlohmann::json j = nlohmann::json::parse(line);
    // nlohmann sorts object keys, so the order is checked on the line itself.
    EXPECT_EQ(j["timestamp_type"], "CreateTime");
    EXPECT_EQ(j["value"]["event_timestamp"], j["timestamp"]);
    EXPECT_EQ(line.rfind("{\"topic\":\"lab\",\"partition\":", 0), 0u) << line;
    EXPECT_LT(line.find("\"headers\":"), line.find("\"value\":")) << line;
  }
  RunResult with_stderr = run(consume("-t lab -e --output none"));
  EXPECT_NE(with_stderr.out.find("PARTITION"), std::string::npos) << with_stderr.out;
  EXPECT_NE(with_stderr.out.find("20 records"), std::string::npos) << with_stderr.out;
}

TEST_F(ConsumeCliBrokerTest, KcatFormatTokens) {
  RunResult r = run(consume("-t lab -e -f '%t/%p/%o %T %s\\n'"), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 20u) << r.out;
  EXPECT_EQ(lines[0].rfind("lab/", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(" {\"test_data\":"), std::string::npos) << lines[0];
}

TEST_F(ConsumeCliBrokerTest, CountNotReachedBeforeTheBoundedEndIsIncomplete) {
  RunResult r = run(consume("-t lab -e -c 25 --output none"));
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("20 of the 25"), std::string::npos) << r.out;
  RunResult ok = run(consume("-t lab -e -c 5 --output none"));
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("5 records"), std::string::npos) << ok.out;
}

TEST_F(ConsumeCliBrokerTest, DecodeErrorWithFailExitsOne) {
  // A record written by another tool that is not the --format it is read with.
  if (std::system("command -v kcat > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "kcat is not installed (apt install kcat)";
  }
  const std::string produce = "printf 'not json\\n' | kcat -P -b " + bootstrap_ + " -t raw -p 0";
  ASSERT_EQ(std::system(produce.c_str()), 0);
  RunResult skip = run(consume("-t raw -e --format json --event lab"), false);
  EXPECT_EQ(skip.exit_code, 0) << skip.out;
  EXPECT_NE(skip.out.find("\"value_error\":"), std::string::npos) << skip.out;
  RunResult fail = run(consume("-t raw -e --format json --event lab --on-decode-error fail"));
  EXPECT_EQ(fail.exit_code, 1) << fail.out;
  EXPECT_NE(fail.out.find("does not decode"), std::string::npos) << fail.out;
}

}  // namespace
