// `tidemark ddl` as users run it: the lab's own table for lab events, the column types Flink's
// formats need for every event type, the watermark interval, the connector options, and every
// bad flag being a usage error (exit 2) that names the flag.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::RunResult;

RunResult run(const std::string& args, bool merge_stderr = true) {
  return tidemark::testing::run_tidemark(args, merge_stderr
                                                   ? tidemark::testing::Stderr::kMerged
                                                   : tidemark::testing::Stderr::kDiscarded);
}

// The statement without the comment lines above it.
std::string statement(const std::string& out) {
  const std::size_t at = out.find("CREATE TABLE");
  return at == std::string::npos ? "" : out.substr(at);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DdlCli, LabTableIsTheLabsOwn) {
  // The Flink lab's source table (its start_job.py), column for column.
  RunResult r = run("ddl -t test-topic --event lab --format json", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(statement(r.out),
            "CREATE TABLE events (\n"
            "    test_data INTEGER,\n"
            "    event_timestamp BIGINT,\n"
            "    event_watermark AS TO_TIMESTAMP_LTZ(event_timestamp, 3),\n"
            "    WATERMARK FOR event_watermark AS event_watermark - INTERVAL '5' SECOND\n"
            ") WITH (\n"
            "    'connector' = 'kafka',\n"
            "    'topic' = 'test-topic',\n"
            "    'properties.bootstrap.servers' = 'localhost:9092',\n"
            "    'scan.startup.mode' = 'earliest-offset',\n"
            "    'format' = 'json'\n"
            ");\n")
      << r.out;
}

TEST(DdlCli, WebJsonReadsIsoTimesAsTimestampLtz) {
  RunResult r = run("ddl -t web --event web", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string s = statement(r.out);
  EXPECT_TRUE(contains(s,
                       "CREATE TABLE web_events (\n"
                       "    url STRING,\n"
                       "    referrer STRING,\n"
                       "    user_agent STRING,\n"
                       "    host STRING,\n"
                       "    ip STRING,\n"
                       "    geodata ROW<country STRING, state STRING, city STRING>,\n"
                       "    event_time TIMESTAMP_LTZ(3),\n"
                       "    WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND\n"))
      << s;
  // "2026-11-23T10:15:30.123Z": Flink parses the 'Z' only as TIMESTAMP_LTZ under ISO-8601.
  EXPECT_TRUE(contains(s, "'json.timestamp-format.standard' = 'ISO-8601'")) << s;
}

TEST(DdlCli, TaxiJsonReadsSqlDatetimesAsTimestamp) {
  RunResult r = run("ddl -t trips --event taxi", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string s = statement(r.out);
  EXPECT_TRUE(contains(s,
                       "CREATE TABLE taxi_trips (\n"
                       "    lpep_pickup_datetime TIMESTAMP(3),\n"
                       "    lpep_dropoff_datetime TIMESTAMP(3),\n"
                       "    PULocationID INTEGER,\n"
                       "    DOLocationID INTEGER,\n"
                       "    passenger_count INTEGER,\n"
                       "    trip_distance DOUBLE,\n"
                       "    tip_amount DOUBLE,\n"
                       "    WATERMARK FOR lpep_dropoff_datetime AS lpep_dropoff_datetime - "
                       "INTERVAL '5' SECOND\n"))
      << s;
  // "YYYY-MM-DD HH:MM:SS" is the default 'SQL' standard: no option needed.
  EXPECT_FALSE(contains(s, "json.timestamp-format.standard")) << s;
}

TEST(DdlCli, ProtobufTimesAreBigintWithAComputedRowtimeAndTheGeneratedClass) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"lab", "event_watermark AS TO_TIMESTAMP_LTZ(event_timestamp, 3)"},
      {"web", "event_watermark AS TO_TIMESTAMP_LTZ(event_time, 3)"},
      {"taxi", "event_watermark AS TO_TIMESTAMP_LTZ(lpep_dropoff_datetime, 3)"},
  };
  const std::vector<std::string> classes = {"Events$LabEvent", "Events$WebEvent",
                                            "Events$TaxiTrip"};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    RunResult r = run("ddl -t t --format protobuf --event " + cases[i].first, false);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const std::string s = statement(r.out);
    EXPECT_TRUE(contains(s, cases[i].second)) << s;
    EXPECT_TRUE(contains(s,
                         "WATERMARK FOR event_watermark AS event_watermark - INTERVAL '5' "
                         "SECOND"))
        << s;
    EXPECT_TRUE(contains(s, "'format' = 'protobuf'")) << s;
    EXPECT_TRUE(
        contains(s, "'protobuf.message-class-name' = 'tidemark.events.v1." + classes[i] + "'"))
        << s;
    EXPECT_FALSE(contains(s, "TIMESTAMP(3)")) << s;  // no time is a string in protobuf
  }
  RunResult web = run("ddl -t t --format protobuf --event web", false);
  EXPECT_TRUE(contains(web.out, "    event_time BIGINT,\n")) << web.out;
}

TEST(DdlCli, ThriftHasNoFlinkFormatSoTheTableReadsRawBytesWithTheKafkaTimestamp) {
  for (const std::string format : {"thrift-binary", "thrift-compact"}) {
    RunResult r = run("ddl -t t --event web --format " + format);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(contains(r.out, "Flink has no Thrift format")) << r.out;
    EXPECT_TRUE(contains(r.out,
                         "    payload BYTES,\n"
                         "    event_watermark TIMESTAMP_LTZ(3) METADATA FROM 'timestamp',\n"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "'format' = 'raw'")) << r.out;
    EXPECT_TRUE(
        contains(r.out, format == "thrift-compact" ? "TCompactProtocol" : "TBinaryProtocol"))
        << r.out;
  }
}

TEST(DdlCli, WatermarkDelayBecomesAnIntervalInTheUnitThatSaysItExactly) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"5s", "event_watermark - INTERVAL '5' SECOND\n"},
      {"1500ms", "event_watermark - INTERVAL '1.5' SECOND\n"},
      {"1ms", "event_watermark - INTERVAL '0.001' SECOND\n"},
      {"90s", "event_watermark - INTERVAL '90' SECOND\n"},
      {"2m", "event_watermark - INTERVAL '2' MINUTE\n"},
      {"125s", "event_watermark - INTERVAL '2:05' MINUTE TO SECOND\n"},
      {"100m", "event_watermark - INTERVAL '1:40:00' HOUR TO SECOND\n"},
      {"3h", "event_watermark - INTERVAL '3' HOUR\n"},
      {"2d", "event_watermark - INTERVAL '2' DAY\n"},
      {"0", "WATERMARK FOR event_watermark AS event_watermark\n"},
  };
  for (const auto& [delay, expected] : cases) {
    RunResult r = run("ddl -t t --watermark-delay " + delay, false);
    ASSERT_EQ(r.exit_code, 0) << delay << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, expected)) << delay << "\n" << r.out;
  }
}

TEST(DdlCli, ConnectorOptionsFollowTheFlags) {
  RunResult ts =
      run("ddl -t t -b broker:29092 --startup-mode timestamp --startup-timestamp-millis "
          "1700000000000 --bounded-mode latest-offset --idle-timeout 30s --ignore-parse-errors",
          false);
  ASSERT_EQ(ts.exit_code, 0) << ts.out;
  EXPECT_TRUE(contains(ts.out, "'properties.bootstrap.servers' = 'broker:29092'")) << ts.out;
  EXPECT_TRUE(contains(ts.out,
                       "'scan.startup.mode' = 'timestamp',\n"
                       "    'scan.startup.timestamp-millis' = '1700000000000',\n"
                       "    'scan.bounded.mode' = 'latest-offset',\n"))
      << ts.out;
  EXPECT_TRUE(contains(ts.out, "'scan.watermark.idle-timeout' = '30 s'")) << ts.out;
  EXPECT_TRUE(contains(ts.out, "'json.ignore-parse-errors' = 'true'")) << ts.out;

  RunResult iso =
      run("ddl -t t --startup-mode timestamp --startup-timestamp 2023-11-14T22:13:20Z", false);
  ASSERT_EQ(iso.exit_code, 0) << iso.out;
  EXPECT_TRUE(contains(iso.out, "'scan.startup.timestamp-millis' = '1700000000000'")) << iso.out;

  RunResult offsets =
      run("ddl -t t --startup-mode specific-offsets --startup-specific-offsets "
          "'partition:0,offset:42;partition:1,offset:300'",
          false);
  ASSERT_EQ(offsets.exit_code, 0) << offsets.out;
  EXPECT_TRUE(contains(offsets.out,
                       "'scan.startup.specific-offsets' = "
                       "'partition:0,offset:42;partition:1,offset:300'"))
      << offsets.out;

  // Quotes in values are doubled, as SQL string literals need.
  RunResult group =
      run("ddl -t t --startup-mode group-offsets -g \"lab's group\" --auto-offset-reset earliest",
          false);
  ASSERT_EQ(group.exit_code, 0) << group.out;
  EXPECT_TRUE(contains(group.out, "'properties.group.id' = 'lab''s group'")) << group.out;
  EXPECT_TRUE(contains(group.out, "'properties.auto.offset.reset' = 'earliest'")) << group.out;
  EXPECT_TRUE(contains(group.out, "'scan.startup.mode' = 'group-offsets'")) << group.out;

  RunResult named = run("ddl -t t --table select", false);
  EXPECT_TRUE(contains(named.out, "CREATE TABLE `select` (")) << named.out;
}

TEST(DdlCli, BadFlagsAreUsageErrorsNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--event lab", "--topic"},
      {"-t t --event car", "car"},
      {"-t t --format avro", "avro"},
      {"-t 'bad topic'", "--topic"},
      {"-t t --watermark-delay soon", "--watermark-delay"},
      {"-t t --watermark-delay 100d", "--watermark-delay"},
      {"-t t --idle-timeout 0", "--idle-timeout"},
      {"-t t --idle-timeout x", "--idle-timeout"},
      {"-t t --startup-mode beginning", "--startup-mode"},
      {"-t t --startup-mode timestamp", "--startup-timestamp"},
      {"-t t --startup-mode timestamp --startup-timestamp-millis -5", "--startup-timestamp-millis"},
      {"-t t --startup-mode timestamp --startup-timestamp-millis 1 --startup-timestamp now",
       "--startup-timestamp"},
      {"-t t --startup-mode timestamp --startup-timestamp someday", "--startup-timestamp"},
      {"-t t --startup-timestamp-millis 5", "--startup-timestamp-millis"},
      {"-t t --startup-mode specific-offsets", "--startup-specific-offsets"},
      {"-t t --startup-specific-offsets partition:0,offset:1", "--startup-specific-offsets"},
      {"-t t --bounded-mode forever", "--bounded-mode"},
      {"-t t --bounded-mode timestamp", "--bounded-timestamp-millis"},
      {"-t t --bounded-timestamp-millis 5", "--bounded-timestamp-millis"},
      {"-t t --bounded-mode specific-offsets", "--bounded-specific-offsets"},
      {"-t t --startup-mode specific-offsets --startup-specific-offsets 'partition: 0,offset:1'",
       "partition: 0"},
      {"-t t --startup-mode specific-offsets --startup-specific-offsets 'partition:0,offset:-1'",
       "--startup-specific-offsets"},
      {"-t t --bounded-mode specific-offsets --bounded-specific-offsets ';partition:0,offset:1'",
       "--bounded-specific-offsets"},
      {"-t t --startup-mode group-offsets", "--group"},
      {"-t t --bounded-mode group-offsets", "--group"},
      {"-t t --auto-offset-reset smallest", "--auto-offset-reset"},
      {"-t t --format thrift-binary --ignore-parse-errors", "--ignore-parse-errors"},
      {"-t t -b embedded", "-b embedded"},
      {"-t t --table ''", "--table"},
  };
  for (const auto& [flags, named] : cases) {
    RunResult r = run("ddl " + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, named)) << flags << "\n" << r.out;
    EXPECT_FALSE(contains(r.out, "CREATE TABLE")) << flags << "\n" << r.out;
  }
}

TEST(DdlCli, HelpTeachesTheFlinkOptions) {
  RunResult r = run("ddl --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "scan.startup.mode")) << r.out;
  EXPECT_TRUE(contains(r.out, "WATERMARK FOR")) << r.out;
  EXPECT_TRUE(contains(r.out, "Thrift")) << r.out;
}

}  // namespace
