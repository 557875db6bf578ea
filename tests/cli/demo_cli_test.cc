// `tidemark demo` on the command line without running it (the run is in
// tests/integration/demo_test.cc): it is the first command `tidemark --help` lists, its help
// says what it does and which flags it takes, and bad flags are usage errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;
};

RunResult run(const std::string& args) {
  const std::string command = std::string(TIDEMARK_BINARY) + " " + args + " 2>&1";
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

TEST(DemoCli, IsTheFirstCommandListed) {
  const RunResult r = run("--help");
  ASSERT_EQ(r.exit_code, 0);
  const std::size_t demo = r.out.find("  demo");
  ASSERT_NE(demo, std::string::npos) << r.out;
  EXPECT_LT(demo, r.out.find("  produce")) << r.out;
}

TEST(DemoCli, HelpSaysWhatItDoesAndWhereFilesGo) {
  const RunResult r = run("demo --help");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* text : {"--out", "./tidemark-demo", "--seed", "no broker needed",
                           "startup modes", "watermarks", "Exit codes"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  }
}

TEST(DemoCli, UnknownFlagsAreUsageErrors) {
  const RunResult r = run("demo --events 5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--events"), std::string::npos) << r.out;
}

}  // namespace
