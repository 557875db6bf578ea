// `tidemark demo` on the command line without running it (the run is in
// tests/integration/demo_test.cc): it is the first command `tidemark --help` lists, its help
// says what it does and which flags it takes, and bad flags are usage errors.
#include <gtest/gtest.h>

#include <string>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::run_tidemark;
using tidemark::testing::RunResult;

TEST(DemoCli, IsTheFirstCommandListed) {
  const RunResult r = run_tidemark("--help");
  ASSERT_EQ(r.exit_code, 0);
  const std::size_t demo = r.out.find("  demo");
  ASSERT_NE(demo, std::string::npos) << r.out;
  EXPECT_LT(demo, r.out.find("  produce")) << r.out;
}

TEST(DemoCli, HelpSaysWhatItDoesAndWhereFilesGo) {
  const RunResult r = run_tidemark("demo --help");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* text : {"--out", "./tidemark-demo", "--seed", "no broker needed",
                           "startup modes", "watermarks", "Exit codes"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  }
}

TEST(DemoCli, UnknownFlagsAreUsageErrors) {
  const RunResult r = run_tidemark("demo --events 5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--events"), std::string::npos) << r.out;
}

}  // namespace
