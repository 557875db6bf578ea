// `tidemark offsets` and `tidemark offsets set` without a broker: every bad flag value is a
// usage error (exit 2) naming the flag, found before any broker is contacted; a missing broker
// is a runtime error with a hint. The runs against a broker are in
// tests/integration/offsets_test.cc.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

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

void expect_usage_errors(const std::string& prefix,
                         const std::vector<std::pair<std::string, std::string>>& cases) {
  for (const auto& [flags, named] : cases) {
    // Nothing listens on port 1: each case must be rejected before any broker is asked.
    RunResult r = run(prefix + " " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.out;
    EXPECT_NE(r.out.find(named), std::string::npos) << flags << "\n" << r.out;
    EXPECT_EQ(r.out.find("nothing answers"), std::string::npos) << flags << "\n" << r.out;
  }
}

TEST(OffsetsCli, BadFlagValuesAreUsageErrorsNamingTheFlag) {
  expect_usage_errors("offsets -b 127.0.0.1:1",
                      {
                          {"", "--topic"},
                          {"-t 'bad topic!'", "--topic"},
                          {"-t t --at soon", "--at"},
                          {"-t t --at 1969-12-31T00:00:00Z", "--at"},
                          {"-t t --output yaml", "--output"},
                          {"-t t -X nokey", "-X"},
                          {"-t t -F /nonexistent/client.properties", "-F"},
                          {"-t t -g a -X group.id=b", "group.id"},
                          {"-t t --startup-mode earliest-offset", "--startup-mode"},
                      });
  // -b embedded would start an empty broker: nothing to show.
  RunResult embedded = run("offsets -b embedded -t t");
  EXPECT_EQ(embedded.exit_code, 2) << embedded.out;
  EXPECT_NE(embedded.out.find("-b embedded"), std::string::npos) << embedded.out;
  EXPECT_NE(embedded.out.find("tidemark broker"), std::string::npos) << embedded.out;
}

TEST(OffsetsCli, SetBadFlagValuesAreUsageErrorsNamingTheFlag) {
  expect_usage_errors(
      "offsets set -b 127.0.0.1:1",
      {
          {"-g g -o end", "--topic"},
          {"-t t -g g", "--startup-mode"},
          {"-t t --startup-mode earliest-offset", "-g/--group"},
          {"-t t -g g --startup-mode newest", "--startup-mode"},
          {"-t t -g g --startup-mode timestamp", "--startup-timestamp-millis"},
          {"-t t -g g --startup-mode specific-offsets", "--startup-specific-offsets"},
          {"-t t -g g --startup-timestamp-millis abc", "--startup-timestamp-millis"},
          {"-t t -g g --startup-timestamp yesterdayish", "--startup-timestamp"},
          {"-t t -g g --startup-specific-offsets 'partition:0,offset:-1'",
           "--startup-specific-offsets"},
          {"-t t -g g --startup-mode latest-offset --startup-timestamp-millis 5",
           "--startup-timestamp-millis"},
          {"-t t -g g --startup-mode latest-offset --auto-offset-reset earliest",
           "--auto-offset-reset"},
          {"-t t -g g --startup-mode group-offsets --auto-offset-reset maybe",
           "--auto-offset-reset"},
          {"-t t -g g -o sometime", "-o"},
          {"-t t -g g -o e@5", "-o e@5 says only where to stop"},
          {"-t t -g g -o :end", "-o :end also says where to stop"},
          {"-t t -g g -o @-2h:-1h", "also says where to stop"},
          {"-t t -g g -o beginning --startup-mode latest-offset", "--startup-mode"},
          {"-t t -g g -o end --partitions 1,x", "--partitions"},
          {"-t t -g g -o end --partitions ''", "--partitions"},
          {"-t t -g g -o end --partitions=-1", "--partitions"},
          {"-t t -g g -o end --execute --dry-run", "--dry-run"},
          {"-t t -g g -o end --output yaml", "--output"},
          {"-t t -g a -X group.id=b -o end", "group.id"},
          {"-t t -g g -o end -X no.such.property=1", "no.such.property"},
      });
}

TEST(OffsetsCli, SetRefusesTheEmbeddedBroker) {
  RunResult r = run("offsets set -b embedded -t t -g g -o end");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("-b embedded"), std::string::npos) << r.out;
}

TEST(OffsetsCli, OptionsBeforeSetAreNamed) {
  RunResult r = run("offsets -t t set -g g -o end -b 127.0.0.1:1");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--topic before 'set'"), std::string::npos) << r.out;
}

TEST(OffsetsCli, NoBrokerIsARuntimeErrorWithAHint) {
  RunResult view = run("offsets -b 127.0.0.1:1 -t t");
  EXPECT_EQ(view.exit_code, 1) << view.out;
  EXPECT_NE(view.out.find("nothing answers at 127.0.0.1:1"), std::string::npos) << view.out;
  RunResult set = run("offsets set -b 127.0.0.1:1 -t t -g g -o end");
  EXPECT_EQ(set.exit_code, 1) << set.out;
  EXPECT_NE(set.out.find("nothing answers at 127.0.0.1:1"), std::string::npos) << set.out;
}

TEST(OffsetsCli, HelpNamesOffsetsUnambiguouslyAndTeaches) {
  RunResult view = run("offsets --help");
  EXPECT_EQ(view.exit_code, 0) << view.out;
  for (const char* text : {"HIGH-WATERMARK-OFFSET", "LOW-WATERMARK-OFFSET", "LOG-END-OFFSET",
                           "--at", "Examples", "Exit codes", "docs/offsets.md"}) {
    EXPECT_NE(view.out.find(text), std::string::npos) << text;
  }
  RunResult set = run("offsets set --help");
  EXPECT_EQ(set.exit_code, 0) << set.out;
  for (const char* text : {"--execute", "--dry-run", "scan.startup.mode", "--partitions",
                           "--reset-offsets", "group-offsets", "Examples", "Exit codes"}) {
    EXPECT_NE(set.out.find(text), std::string::npos) << text;
  }
}

}  // namespace
