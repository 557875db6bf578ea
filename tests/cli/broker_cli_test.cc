// `tidemark broker` flags as users type them: every bad value is a usage error (exit 2) whose
// message names the flag, before any broker starts listening.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::RunResult;

RunResult run(const std::string& args) {
  // `timeout`: a bad value that slipped through would start a broker that waits for Ctrl-C.
  return tidemark::testing::run_command("timeout 20 " + std::string(TIDEMARK_BINARY) + " " + args +
                                        " 2>&1");
}

TEST(BrokerCli, BadFlagValuesAreUsageErrorsNamingTheFlag) {
  struct Case {
    std::string flags;
    std::string named;
  };
  const std::vector<Case> cases = {
      {"--port 70000", "--port"},
      {"--port -1", "--port"},
      {"--port x", "--port"},
      {"--brokers 0", "--brokers"},
      {"--brokers 65", "--brokers"},
      {"--brokers many", "--brokers"},
      {"--partitions 0", "--partitions"},
      {"--partitions x", "--partitions"},
      {"--topic a:0", "--topic 'a:0'"},
      {"--topic a:x", "--topic 'a:x'"},
      {"--topic a:99999", "--topic 'a:99999'"},
      {"--topic 'bad topic'", "--topic 'bad topic'"},
      {"--topic ''", "--topic"},
      {"--topic a --topic a:2", "--topic 'a' is given twice"},
      {"--listen ''", "--listen"},
      {"--port 19097 --listen 999.1.1.1", "--listen"},
      {"--port 0 --listen 127.0.0.1", "--listen"},
  };
  for (const Case& c : cases) {
    RunResult r = run("broker " + c.flags);
    EXPECT_EQ(r.exit_code, 2) << c.flags << "\n" << r.out;
    EXPECT_NE(r.out.find(c.named), std::string::npos) << c.flags << "\n" << r.out;
    EXPECT_EQ(r.out.find("broker running"), std::string::npos) << c.flags << "\n" << r.out;
  }
}

TEST(BrokerCli, HelpStatesTheLimits) {
  RunResult r = run("broker --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("5 MiB or 100,000 batches"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--port"), std::string::npos) << r.out;
}

}  // namespace
