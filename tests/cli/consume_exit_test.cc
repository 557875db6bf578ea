// consume_support's exit_code_for_end in-process: the one rule consume, perf consume and verify
// turn a run's end into an exit code and its stderr line with (docs/errors.md).
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>
#include <string>

#include "cli_common.h"
#include "consume_support.h"

namespace tidemark::cli {
namespace {

struct Ended {
  int code;
  std::string err;
};

Ended end_with(consumer::ConsumeEnd end, std::uint64_t records,
               std::optional<std::uint64_t> wanted, const ConsumeEndWording& wording) {
  consumer::ConsumeStats stats;
  stats.end = end;
  stats.records = records;
  std::ostringstream err;
  std::streambuf* const saved = std::cerr.rdbuf(err.rdbuf());
  const int code = exit_code_for_end(stats, wanted, wording);
  std::cerr.rdbuf(saved);
  return {code, err.str()};
}

const ConsumeEndWording kConsume{.count_flag = "-c",
                                 .short_reason = "every partition reached its stop"};

TEST(ConsumeExit, InterruptedIs130WithOrWithoutANote) {
  Ended plain = end_with(consumer::ConsumeEnd::kInterrupted, 7, 10, kConsume);
  EXPECT_EQ(plain.code, kExitInterrupted);
  EXPECT_EQ(plain.err, "tidemark: interrupted\n");
  Ended noted = end_with(consumer::ConsumeEnd::kInterrupted, 7, std::nullopt,
                         {.interrupted_note = "the report covers the 7 records read so far"});
  EXPECT_EQ(noted.code, kExitInterrupted);
  EXPECT_EQ(noted.err, "tidemark: interrupted: the report covers the 7 records read so far\n");
}

TEST(ConsumeExit, TheBoundedEndBeforeTheCountIsIncompleteNamingTheFlag) {
  Ended short_run = end_with(consumer::ConsumeEnd::kBoundedEnd, 3, 5, kConsume);
  EXPECT_EQ(short_run.code, kExitIncomplete);
  EXPECT_EQ(short_run.err,
            "tidemark: incomplete: 3 of the 5 records asked for (-c): every partition reached "
            "its stop\n");
}

TEST(ConsumeExit, TheBoundedEndWithEnoughOrNoCountIsDoneQuietly) {
  for (const std::optional<std::uint64_t> wanted : {std::optional<std::uint64_t>(5),
                                                    std::optional<std::uint64_t>(4),
                                                    std::optional<std::uint64_t>()}) {
    Ended e = end_with(consumer::ConsumeEnd::kBoundedEnd, 5, wanted, kConsume);
    EXPECT_EQ(e.code, kExitOk);
    EXPECT_EQ(e.err, "");
  }
  Ended counted = end_with(consumer::ConsumeEnd::kCount, 5, 5, kConsume);
  EXPECT_EQ(counted.code, kExitOk);
  EXPECT_EQ(counted.err, "");
}

TEST(ConsumeExit, AFailedEndIsAFailure) {
  EXPECT_EQ(end_with(consumer::ConsumeEnd::kFailed, 0, std::nullopt, kConsume).code, kExitFailure);
}

}  // namespace
}  // namespace tidemark::cli
