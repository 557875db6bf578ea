// `tidemark consume` as users run it, without a broker: every bad flag value is a usage error
// (exit 2) naming the flag, and a missing broker is a runtime error with a hint. The runs against
// a broker are in tests/integration/consume_cli_test.cc.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
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

TEST(ConsumeCli, BadFlagValuesAreUsageErrorsNamingTheFlag) {
  // Each is rejected before any broker is contacted (nothing listens on port 1).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "--topic"},
      {"-t 'bad topic!'", "--topic"},
      {"-t t --startup-mode newest", "--startup-mode"},
      {"-t t --startup-timestamp-millis abc", "--startup-timestamp-millis"},
      {"-t t --startup-timestamp-millis=-5", "--startup-timestamp-millis"},
      {"-t t --startup-timestamp yesterdayish", "--startup-timestamp"},
      {"-t t --startup-specific-offsets 'partition:0,offset:-1'", "--startup-specific-offsets"},
      {"-t t --startup-specific-offsets 'partition: 0,offset:1'", "--startup-specific-offsets"},
      {"-t t --startup-specific-offsets 'p0=1'", "--startup-specific-offsets"},
      {"-t t --startup-mode timestamp", "--startup-timestamp-millis"},
      {"-t t --startup-mode specific-offsets", "--startup-specific-offsets"},
      {"-t t --startup-mode latest-offset --startup-timestamp-millis 5",
       "--startup-timestamp-millis"},
      {"-t t --startup-timestamp-millis 5 --startup-timestamp -1h", "--startup-timestamp"},
      {"-t t --startup-mode group-offsets --auto-offset-reset maybe", "--auto-offset-reset"},
      {"-t t --auto-offset-reset earliest", "--auto-offset-reset"},
      {"-t t --startup-mode group-offsets", "-g/--group"},
      {"-t t --bounded-mode forever", "--bounded-mode"},
      {"-t t --bounded-mode group-offsets", "-g/--group"},
      {"-t t --bounded-timestamp-millis 1.5", "--bounded-timestamp-millis"},
      {"-t t --bounded-timestamp soon", "--bounded-timestamp"},
      {"-t t --bounded-specific-offsets 'partition:0;offset:1'", "--bounded-specific-offsets"},
      {"-t t --bounded-mode timestamp", "--bounded-timestamp-millis"},
      {"-t t --bounded-mode specific-offsets", "--bounded-specific-offsets"},
      {"-t t -e --bounded-mode timestamp --bounded-timestamp-millis 5", "-e/--exit-at-end"},
      {"-t t -c -1", "-c/--count"},
      {"-t t -c many", "-c/--count"},
      {"-t t -o sometime", "-o"},
      {"-t t -o beginning --startup-mode latest-offset", "--startup-mode"},
      {"-t t -o s@5 --startup-timestamp-millis 6", "--startup-timestamp-millis"},
      {"-t t -o :end -e", "--exit-at-end"},
      {"-t t -o e@5 --bounded-mode latest-offset", "--bounded-mode"},
      {"-t t -o stored", "-g/--group"},
      {"-t t --commit", "--group"},
      {"-t t --commit-interval 5s", "--commit"},
      {"-t t -g g --commit --commit-interval often", "--commit-interval"},
      {"-t t --subscribe", "--group"},
      {"-t t -g g --subscribe -e", "--subscribe"},
      {"-t t -g g --subscribe --explain", "--subscribe"},
      {"-t t -g g --subscribe --startup-mode earliest-offset", "--subscribe"},
      {"-t t --format avro", "--format"},
      {"-t t --event car", "--event"},
      {"-t t --on-decode-error ignore", "--on-decode-error"},
      {"-t t --output table", "--output"},
      {"-t t -f '%z'", "-f"},
      {"-t t -f '%s' --output none", "--output none"},
      {"-t t --partitions 4", "--partitions"},
      {"-t t -X nokey", "-X"},
      {"-t t -X no.such.property=1", "no.such.property"},
      {"-t t -F /nonexistent/client.properties", "-F"},
      {"-t t -g a -X group.id=b", "group.id"},
      // event time, watermarks, windows
      {"-t t --event-time kafka", "--event-time"},
      {"-t t --event-time-field test_data", "--event-time-field"},
      {"-t t --event-time-field nope", "--event-time-field"},
      {"-t t --event-time record --event-time-field event_time", "--event-time-field"},
      {"-t t --watermark-delay 5x", "--watermark-delay"},
      {"-t t --watermark-delay=-5s", "--watermark-delay"},
      {"-t t --watermark-style flink", "--watermark-style"},
      {"-t t --watermark-interval 0", "--watermark-interval"},
      {"-t t --watermark-interval sometimes", "--watermark-interval"},
      {"-t t --idle-timeout forever", "--idle-timeout"},
      {"-t t --processing-time cpu", "--processing-time"},
      {"-t t --processing-time record-timestamp", "--processing-time record-timestamp"},
      {"-t t -g g --subscribe --processing-time record-timestamp", "--subscribe"},
      {"-t t --window hop:1m", "--window"},
      {"-t t --window tumble:0s", "--window"},
      {"-t t --window tumble:1m:2m", "--window"},
      {"-t t --window tumble", "--window"},
      {"-t t --group-by ip", "--group-by"},
      {"-t t --window tumble:1m --group-by geodata", "--group-by"},
      {"-t t --window tumble:1m --group-by nope", "--group-by"},
      {"-t t --allowed-lateness 5s", "--allowed-lateness"},
      {"-t t --window tumble:1m --allowed-lateness soon", "--allowed-lateness"},
      {"-t t --window-output w.jsonl", "--window-output"},
      {"-t t --window tumble:1m --window-output /nonexistent/dir/w.jsonl", "--window-output"},
      {"-t t --watermark-trace /nonexistent/dir/t.csv", "--watermark-trace"},
  };
  for (const auto& [flags, named] : cases) {
    RunResult r = run("consume -b 127.0.0.1:1 " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.out;
    EXPECT_NE(r.out.find(named), std::string::npos) << flags << "\n" << r.out;
    EXPECT_EQ(r.out.find("nothing answers"), std::string::npos) << flags << "\n" << r.out;
  }
}

TEST(ConsumeCli, EmbeddedPartitionCountIsChecked) {
  RunResult r = run("consume -b embedded -t t --partitions 0");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--partitions"), std::string::npos) << r.out;
}

TEST(ConsumeCli, FewerRecordsThanTheCountBeforeTheBoundedEndIsIncomplete) {
  RunResult r = run("consume -b embedded -t empty -c 5 -e");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("tidemark: incomplete: 0 of the 5 records asked for (-c): every partition "
                       "reached its stop\n"),
            std::string::npos)
      << r.out;
}

TEST(ConsumeCli, ConflictingOffsetAliasAndStartupModeNameBoth) {
  RunResult r = run("consume -b 127.0.0.1:1 -t t -o end --startup-mode earliest-offset");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("-o end"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--startup-mode"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--startup-mode latest-offset"), std::string::npos)
      << "the message should say what -o end means\n"
      << r.out;
}

TEST(ConsumeCli, NoBrokerIsARuntimeErrorWithAHint) {
  RunResult r = run("consume -b 127.0.0.1:1 -t t -e");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("nothing answers at 127.0.0.1:1"), std::string::npos) << r.out;
}

TEST(ConsumeCli, HelpTeachesTheEventTimeFlags) {
  RunResult r = run("consume --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text :
       {"--watermark-delay", "WATERMARK FOR ts AS ts - INTERVAL", "forBoundedOutOfOrderness",
        "--watermark-interval", "per-record", "table.exec.source.idle-timeout", "--window",
        "tumble:1m", "\"type\":\"window\"", "--group-by", "--allowed-lateness",
        "--watermark-trace", "tidemark chart", "--processing-time", "record-timestamp"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
}

TEST(ConsumeCli, HelpTeachesTheModesAndExitCodes) {
  RunResult r = run("consume --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text : {"scan.startup.mode", "scan.bounded.mode", "--explain", "kcat",
                           "Exit codes", "docs/startup-modes.md", "Examples"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
}

}  // namespace
