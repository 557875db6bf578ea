// The tidemark binary as users run it: exit codes, --help, --version, and `formats` output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::RunResult;

RunResult run(const std::string& args) { return tidemark::testing::run_tidemark(args); }

TEST(Cli, VersionNamesTidemarkAndItsLibraries) {
  RunResult r = run("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("tidemark "), std::string::npos);
  EXPECT_NE(r.out.find("protobuf"), std::string::npos);
  EXPECT_NE(r.out.find("thrift"), std::string::npos);
}

// The binary's allocator (cli/CMakeLists.txt): mimalloc in a normal build, and really the one in
// use (mimalloc, when asked, reports its start-up), glibc's malloc in sanitizer builds.
TEST(Cli, VersionNamesTheAllocatorInUse) {
  RunResult r = tidemark::testing::run_tidemark_split("--version", "MIMALLOC_VERBOSE=1 ");
  EXPECT_EQ(r.exit_code, 0);
#ifdef TIDEMARK_EXPECT_MIMALLOC
  EXPECT_NE(r.out.find("allocator: mimalloc 2."), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("mimalloc: process init"), std::string::npos) << r.err;
#else
  EXPECT_NE(r.out.find("allocator: glibc malloc"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("mimalloc:"), std::string::npos) << r.err;
#endif
}

TEST(Cli, HelpListsSubcommandsAndExitCodes) {
  RunResult r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("formats"), std::string::npos);
  EXPECT_NE(r.out.find("130 interrupted"), std::string::npos);
  RunResult sub = run("formats --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("--output"), std::string::npos);
}

TEST(Cli, UnknownFlagIsAUsageErrorNamingTheFlag) {
  RunResult r = run("formats --frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--frobnicate"), std::string::npos) << r.out;
}

TEST(Cli, UnknownSubcommandIsAUsageErrorNamingIt) {
  RunResult r = run("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("frobnicate"), std::string::npos) << r.out;
}

TEST(Cli, NoSubcommandIsAUsageError) {
  RunResult r = run("");
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, BadOutputStyleIsAUsageErrorNamingTheValue) {
  RunResult r = run("formats --output xml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("xml"), std::string::npos) << r.out;
}

TEST(Cli, FormatsOnAPipeWritesOneJsonLinePerFormat) {
  RunResult r = run("formats");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < r.out.size()) {
    const std::size_t end = r.out.find('\n', start);
    const auto line = nlohmann::json::parse(r.out.substr(start, end - start));
    names.push_back(line["name"]);
    EXPECT_GT(line["sample_bytes"]["lab"].get<int>(), 0);
    EXPECT_GT(line["sample_bytes"]["web"].get<int>(), 0);
    EXPECT_GT(line["sample_bytes"]["taxi"].get<int>(), 0);
    EXPECT_FALSE(line["content_type"].get<std::string>().empty());
    start = end + 1;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"json", "json-nlohmann", "protobuf", "thrift-binary",
                                             "thrift-compact"}));
}

TEST(Cli, FormatsTableShowsEveryFormatAndItsContentType) {
  RunResult r = run("formats --output table");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("FORMAT"), std::string::npos);
  EXPECT_NE(r.out.find("application/vnd.apache.thrift.compact"), std::string::npos);
  EXPECT_NE(r.out.find("json-nlohmann"), std::string::npos);
}

}  // namespace
