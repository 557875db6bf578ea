// `tidemark verify` as users run it, without a broker holding data: bad flags are usage errors
// naming the flag, an unbounded range is refused, an empty topic proves nothing (exit 1), and
// --help teaches. The runs against produced topics are in tests/integration/verify_cli_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::RunResult;

RunResult run(const std::string& args) { return tidemark::testing::run_tidemark(args); }

TEST(VerifyCli, BadFlagValuesAreUsageErrorsNamingTheFlag) {
  // Each is rejected before any broker is contacted (nothing listens on port 1).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "--topic"},
      {"-t 'bad topic!'", "--topic"},
      {"-t t -c -5", "-c/--count"},
      {"-t t -c lots", "-c/--count"},
      {"-t t --max-offenders x", "--max-offenders"},
      {"-t t --max-offenders 1000001", "--max-offenders"},
      {"-t t --startup-mode newest", "--startup-mode"},
      {"-t t --startup-mode group-offsets", "-g/--group"},
      {"-t t --startup-timestamp soon", "--startup-timestamp"},
      {"-t t --bounded-mode unbounded", "unbounded never ends"},
      {"-t t --bounded-mode forever", "--bounded-mode"},
      {"-t t --bounded-specific-offsets 'partition:0;offset:1'", "--bounded-specific-offsets"},
      {"-t t -o sometime", "-o"},
      {"-t t --output yaml", "--output"},
      {"-t t --partitions 3", "--partitions"},
      {"-t t -X nokey", "-X"},
      {"-t t -g a -X group.id=b", "group.id"},
  };
  for (const auto& [flags, named] : cases) {
    RunResult r = run("verify -b 127.0.0.1:1 " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.out;
    EXPECT_NE(r.out.find(named), std::string::npos) << flags << "\n" << r.out;
    EXPECT_EQ(r.out.find("nothing answers"), std::string::npos) << flags << "\n" << r.out;
  }
}

TEST(VerifyCli, NoBrokerIsARuntimeErrorWithAHint) {
  RunResult r = run("verify -b 127.0.0.1:1 -t t");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("nothing answers at 127.0.0.1:1"), std::string::npos) << r.out;
}

TEST(VerifyCli, AnEmptyTopicProvesNothing) {
  RunResult r = run("verify -b embedded -t empty --output table");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("'empty': 0 records read from 4 partition(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no record carries a tidemark-seq header"), std::string::npos) << r.out;
}

TEST(VerifyCli, WithACountAnEmptyTopicMissesEverySeq) {
  RunResult r = run("verify -b embedded -t empty -c 100 --output table");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("100 seq(s) missing in 1 range(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0..99 (100)"), std::string::npos) << r.out;
}

TEST(VerifyCli, HelpTeachesTheChecksTheModesAndExitCodes) {
  RunResult r = run("verify --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text :
       {"tidemark-seq", "tidemark-instance", "scan.startup.mode", "scan.bounded.mode",
        "default latest-offset", "-c,--count", "Examples", "Exit codes", "tidemark-delay-ms"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  }
}

TEST(VerifyCli, IsListedAmongTheCommands) {
  RunResult r = run("--help");
  EXPECT_NE(r.out.find("verify"), std::string::npos) << r.out;
}

}  // namespace
