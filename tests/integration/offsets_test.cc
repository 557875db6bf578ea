// `tidemark offsets` and `tidemark offsets set` (the binary) against an embedded broker in this
// process, with records whose offsets and timestamps are known and commits made with
// kafka::Consumer: the low/high watermark offsets, committed offsets and lag (checked against a
// plain librdkafka witness where retention moved the log start), --at through the scan
// fallback, a dry run that changes nothing, --execute that moves the group, `tidemark consume
// --startup-mode group-offsets` starting there, and the refusal while the group has members.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "consume_fixture.h"
#include "subprocess.h"
#include "tidemark/kafka/consumer.h"

namespace tidemark {
namespace {

using testing::lab_records;
using testing::produce_records;
using testing::SeedRecord;
using testing::start_broker;
using testing::Subprocess;
using testing::test_consumer_config;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kBase = 1'700'000'000'000;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : lines_of(text)) out.push_back(nlohmann::json::parse(line));
  return out;
}

// The whitespace-separated cells of the table row that starts with `first`.
std::vector<std::string> row_of(const std::string& table, const std::string& first,
                                std::size_t first_column = 0) {
  for (const std::string& line : lines_of(table)) {
    std::istringstream in(line);
    std::vector<std::string> cells;
    for (std::string c; in >> c;) cells.push_back(c);
    if (cells.size() > first_column && cells[first_column] == first) return cells;
  }
  return {};
}

class OffsetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = start_broker();
    ASSERT_NE(broker_, nullptr);
    // 'lab': partition 0 has 5 records at kBase + 0, 1000, ..., 4000; partition 1 has 3 at
    // kBase + 10000, 11000, 12000; partition 2 is empty. Group 'g' committed 2 in partition 0.
    ASSERT_TRUE(broker_->create_topic("lab", 3).ok());
    std::vector<SeedRecord> records = lab_records(0, 5, kBase);
    for (const SeedRecord& r : lab_records(1, 3, kBase + 10000)) records.push_back(r);
    produce_records(broker_->bootstrap(), "lab", records);
    commit("g", "lab", {{0, 2}});
  }

  RunResult tidemark(std::vector<std::string> args) {
    args.insert(args.begin(), TIDEMARK_BINARY);
    args.insert(args.end(), {"-b", broker_->bootstrap()});  // last: after `set` too
    RunResult r;
    std::unique_ptr<Subprocess> p = Subprocess::start(args);
    if (p == nullptr) {
      ADD_FAILURE() << "cannot start " << TIDEMARK_BINARY;
      return r;
    }
    const std::optional<int> code = p->wait(std::chrono::seconds(60));
    if (!code) ADD_FAILURE() << "tidemark did not end within 60 s";
    r.exit_code = code.value_or(-1);
    r.out = p->out();
    r.err = p->err();
    return r;
  }

  std::unique_ptr<kafka::Consumer> group_consumer(const std::string& group) {
    kafka::ConsumerOptions o;
    o.group = group;
    o.auto_offset_reset = kafka::AutoOffsetReset::kEarliest;
    core::Result<std::unique_ptr<kafka::Consumer>> c =
        kafka::Consumer::create(test_consumer_config(), broker_->bootstrap(), o);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(*c) : nullptr;
  }

  void commit(const std::string& group, const std::string& topic,
              std::vector<kafka::PartitionOffset> offsets) {
    std::unique_ptr<kafka::Consumer> c = group_consumer(group);
    ASSERT_NE(c, nullptr);
    const core::Status st = c->commit(topic, offsets);
    ASSERT_TRUE(st.ok()) << st.message();
  }

  std::vector<std::optional<std::int64_t>> committed(const std::string& group,
                                                     const std::string& topic, int partitions) {
    std::unique_ptr<kafka::Consumer> c = group_consumer(group);
    std::vector<std::int32_t> ids;
    for (int p = 0; p < partitions; ++p) ids.push_back(p);
    core::Result<std::vector<std::optional<std::int64_t>>> r = c->committed(topic, ids);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<std::optional<std::int64_t>>{};
  }

  std::unique_ptr<kafka::EmbeddedBroker> broker_;
};

using Committed = std::vector<std::optional<std::int64_t>>;

// ---- tidemark offsets ----

TEST_F(OffsetsTest, JsonLinesGiveWatermarkOffsetsCommittedOffsetAndLag) {
  RunResult r = tidemark({"offsets", "-t", "lab", "-g", "g"});  // stdout is a file: JSON Lines
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<nlohmann::json> rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  const std::vector<std::tuple<int, int, nlohmann::json, nlohmann::json>> expected{
      {0, 5, 2, 3}, {0, 3, nullptr, nullptr}, {0, 0, nullptr, nullptr}};
  for (std::size_t p = 0; p < rows.size(); ++p) {
    const auto& [low, high, committed_offset, lag] = expected[p];
    EXPECT_EQ(rows[p]["topic"], "lab");
    EXPECT_EQ(rows[p]["partition"], p);
    EXPECT_EQ(rows[p]["low_watermark_offset"], low) << rows[p];
    EXPECT_EQ(rows[p]["high_watermark_offset"], high) << rows[p];
    EXPECT_EQ(rows[p]["group"], "g");
    EXPECT_EQ(rows[p]["committed_offset"], committed_offset) << rows[p];
    EXPECT_EQ(rows[p]["lag"], lag) << rows[p];
    EXPECT_FALSE(rows[p].contains("offset_at_time"));
  }
  // The total goes to stderr so that stdout stays one kind of line.
  EXPECT_NE(r.err.find("total: 3 partitions, 8 offsets between the low and high watermark "
                       "offsets, lag 3 (over the 1 of 3 partitions with a committed offset)"),
            std::string::npos)
      << r.err;

  // Without a group: no committed offset, no lag.
  RunResult plain = tidemark({"offsets", "-t", "lab"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::vector<nlohmann::json> plain_rows = json_lines(plain.out);
  ASSERT_EQ(plain_rows.size(), 3u);
  EXPECT_FALSE(plain_rows[0].contains("committed_offset"));
  EXPECT_FALSE(plain_rows[0].contains("lag"));
}

TEST_F(OffsetsTest, TableLabelsEveryOffsetAndEndsWithATotalLine) {
  RunResult r = tidemark({"offsets", "-t", "lab", "-g", "g", "--output", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* column : {"PARTITION", "LOW-WATERMARK-OFFSET", "HIGH-WATERMARK-OFFSET",
                             "COMMITTED-OFFSET", "LAG"}) {
    EXPECT_NE(r.out.find(column), std::string::npos) << column << "\n" << r.out;
  }
  EXPECT_EQ(row_of(r.out, "0"), (std::vector<std::string>{"0", "0", "5", "2", "3"})) << r.out;
  EXPECT_EQ(row_of(r.out, "1"), (std::vector<std::string>{"1", "0", "3", "-", "-"})) << r.out;
  EXPECT_EQ(row_of(r.out, "2"), (std::vector<std::string>{"2", "0", "0", "-", "-"})) << r.out;
  EXPECT_EQ(lines_of(r.out).back(),
            "total: 3 partitions, 8 offsets between the low and high watermark offsets, lag 3 "
            "(over the 1 of 3 partitions with a committed offset)")
      << r.out;
  EXPECT_NE(r.out.find("topic 'lab' on " + broker_->bootstrap() + ", group 'g'"),
            std::string::npos)
      << r.out;
}

TEST_F(OffsetsTest, RetentionDroppedDataShowsInTheLowWatermarkOffset) {
  // The mock keeps 5 MiB per partition: 80 records of 100 KiB drop the oldest batches.
  ASSERT_TRUE(broker_->create_topic("big", 1).ok());
  std::vector<SeedRecord> big;
  for (int i = 0; i < 80; ++i) {
    SeedRecord s;
    s.timestamp_ms = kBase + i;
    s.value = std::string(100 * 1024, static_cast<char>('a' + i % 26));
    big.push_back(std::move(s));
  }
  produce_records(broker_->bootstrap(), "big", big);
  commit("g", "big", {{0, 10}});  // below the log start now
  // A plain librdkafka handle as the witness.
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", broker_->bootstrap().c_str(), errstr,
                    sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  ASSERT_NE(rk, nullptr) << errstr;
  std::int64_t low = -1;
  std::int64_t high = -1;
  ASSERT_EQ(rd_kafka_query_watermark_offsets(rk, "big", 0, &low, &high, 10000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  ASSERT_GT(low, 10) << "the mock did not drop anything";

  RunResult r = tidemark({"offsets", "-t", "big", "-g", "g"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<nlohmann::json> rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["low_watermark_offset"], low);
  EXPECT_EQ(rows[0]["high_watermark_offset"], 80);
  EXPECT_EQ(high, 80);
  EXPECT_EQ(rows[0]["committed_offset"], 10);
  EXPECT_EQ(rows[0]["lag"], 70);  // high watermark offset - committed offset, as Kafka's tool
}

TEST_F(OffsetsTest, AtGivesTheOffsetForATimeFoundByScanningOnTheEmbeddedBroker) {
  RunResult r = tidemark({"offsets", "-t", "lab", "--at", std::to_string(kBase + 1500)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[0]["at_timestamp"], kBase + 1500);
  EXPECT_EQ(rows[0]["offset_at_time"], 2);  // the first record at or after it: ts 2000
  EXPECT_EQ(rows[0]["found_by"], "scan");   // the mock answers ListOffsets by time with -1
  EXPECT_EQ(rows[1]["offset_at_time"], 0);  // every record is later
  EXPECT_EQ(rows[1]["found_by"], "scan");
  EXPECT_EQ(rows[2]["offset_at_time"], nullptr);  // empty
  EXPECT_EQ(rows[2]["found_by"], nullptr);

  // Equal counts (>=), ISO-8601 works, and after every record there is nothing.
  RunResult equal = tidemark({"offsets", "-t", "lab", "--at", "2023-11-14T22:13:22.000Z"});  // +2000
  ASSERT_EQ(equal.exit_code, 0) << equal.err;
  rows = json_lines(equal.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["offset_at_time"], 2);
  EXPECT_EQ(rows[1]["offset_at_time"], 0);

  RunResult after = tidemark(
      {"offsets", "-t", "lab", "--at", std::to_string(kBase + 20000), "--output", "table"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  for (const char* column : {"OFFSET-AT-TIME", "FOUND-BY"}) {
    EXPECT_NE(after.out.find(column), std::string::npos) << column;
  }
  EXPECT_EQ(row_of(after.out, "0"), (std::vector<std::string>{"0", "0", "5", "-", "scan"}))
      << after.out;
  EXPECT_NE(after.out.find("-: no record at or after 2023-11-14T22:13:40.000Z"),
            std::string::npos)
      << after.out;

  RunResult relative = tidemark({"offsets", "-t", "lab", "--at", "-1h"});  // records are from 2023
  ASSERT_EQ(relative.exit_code, 0) << relative.err;
  for (const nlohmann::json& row : json_lines(relative.out)) {
    EXPECT_EQ(row["offset_at_time"], nullptr) << row;
  }
}

TEST_F(OffsetsTest, UnknownTopicIsARuntimeError) {
  RunResult r = tidemark({"offsets", "-t", "nosuch"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("'nosuch' does not exist"), std::string::npos) << r.err;
}

// ---- tidemark offsets set ----

TEST_F(OffsetsTest, SetDryRunPrintsCurrentAndNewAndCommitsNothing) {
  RunResult r = tidemark({"offsets", "set", "-g", "g", "-t", "lab", "--startup-mode",
                    "latest-offset", "--output", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("GROUP  TOPIC  PARTITION  CURRENT  NEW  RULE"), std::string::npos)
      << r.out;
  std::vector<std::string> row = row_of(r.out, "0", 2);
  ASSERT_GE(row.size(), 5u) << r.out;
  row.resize(5);
  EXPECT_EQ(row, (std::vector<std::string>{"g", "lab", "0", "2", "5"})) << r.out;
  EXPECT_NE(r.out.find("latest-offset: end offset 5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dry run: nothing was committed"), std::string::npos) << r.out;
  // The embedded broker cannot describe groups: said, not hidden.
  EXPECT_NE(r.err.find("cannot describe consumer groups"), std::string::npos) << r.err;
  EXPECT_EQ(committed("g", "lab", 3), (Committed{2, std::nullopt, std::nullopt}));

  RunResult json = tidemark({"offsets", "set", "-g", "g", "-t", "lab", "-o", "beginning"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const std::vector<nlohmann::json> rows = json_lines(json.out);
  ASSERT_EQ(rows.size(), 3u) << json.out;
  EXPECT_EQ(rows[0]["current_offset"], 2);
  EXPECT_EQ(rows[0]["new_offset"], 0);
  EXPECT_EQ(rows[1]["current_offset"], nullptr);
  EXPECT_EQ(rows[0]["executed"], false);
  EXPECT_NE(json.err.find("dry run"), std::string::npos) << json.err;
  EXPECT_EQ(committed("g", "lab", 3), (Committed{2, std::nullopt, std::nullopt}));
}

TEST_F(OffsetsTest, SetExecuteMovesTheGroupAndConsumeStartsThere) {
  // Where --startup-mode timestamp would start: 3 in partition 0 (ts 3000), 0 in partition 1
  // (every record is later), 0 in the empty partition 2 (its end offset).
  RunResult r = tidemark({"offsets", "set", "-g", "g", "-t", "lab", "--startup-timestamp-millis",
                    std::to_string(kBase + 3000), "--execute", "--output", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("done: group 'g' now has these committed offsets in 3 partitions"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(found by scanning)"), std::string::npos) << r.out;
  EXPECT_EQ(committed("g", "lab", 3), (Committed{3, 0, 0}));

  RunResult c = tidemark({"consume", "-t", "lab", "-g", "g", "--startup-mode", "group-offsets", "-e"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::set<std::pair<int, int>> read;
  for (const nlohmann::json& row : json_lines(c.out)) {
    read.insert({row["partition"].get<int>(), row["offset"].get<int>()});
  }
  EXPECT_EQ(read, (std::set<std::pair<int, int>>{{0, 3}, {0, 4}, {1, 0}, {1, 1}, {1, 2}}));
}

TEST_F(OffsetsTest, SetPartitionsMovesOnlyThoseAndKcatAliasesWork) {
  RunResult r = tidemark({"offsets", "set", "-g", "g", "-t", "lab", "-o", "-1", "--partitions", "1",
                    "--execute"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<nlohmann::json> rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(rows[0]["partition"], 1);
  EXPECT_EQ(rows[0]["new_offset"], 2);  // one before end offset 3
  EXPECT_EQ(rows[0]["executed"], true);
  EXPECT_EQ(committed("g", "lab", 3), (Committed{2, 2, std::nullopt}));

  RunResult bad = tidemark({"offsets", "set", "-g", "g", "-t", "lab", "-o", "end", "--partitions",
                      "0,7"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--partitions '0,7': topic 'lab' has no partition 7"),
            std::string::npos)
      << bad.err;
}

TEST_F(OffsetsTest, SetFollowsFlinkFallbacksIncludingResetNone) {
  // group-offsets with reset none fails as Flink fails, naming the partitions and the flag.
  RunResult none = tidemark(
      {"offsets", "set", "-g", "g", "-t", "lab", "--startup-mode", "group-offsets"});
  EXPECT_EQ(none.exit_code, 1) << none.err;
  EXPECT_NE(none.err.find("--auto-offset-reset"), std::string::npos) << none.err;
  // With a reset strategy: committed where there is a commit, else the strategy.
  RunResult latest = tidemark({"offsets", "set", "-g", "g", "-t", "lab", "--startup-mode",
                         "group-offsets", "--auto-offset-reset", "latest"});
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  const std::vector<nlohmann::json> rows = json_lines(latest.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["new_offset"], 2);
  EXPECT_EQ(rows[1]["new_offset"], 3);
  // specific-offsets: a listed offset beyond the end re-reads from the log start (Flink SQL).
  RunResult specific = tidemark({"offsets", "set", "-g", "g", "-t", "lab",
                           "--startup-specific-offsets", "partition:0,offset:99"});
  ASSERT_EQ(specific.exit_code, 0) << specific.err;
  const std::vector<nlohmann::json> srows = json_lines(specific.out);
  ASSERT_EQ(srows.size(), 3u);
  EXPECT_EQ(srows[0]["new_offset"], 0);
  EXPECT_NE(srows[0]["rule"].get<std::string>().find("beyond end offset 5"), std::string::npos)
      << srows[0];
  EXPECT_EQ(committed("g", "lab", 3), (Committed{2, std::nullopt, std::nullopt}));
}

TEST_F(OffsetsTest, SetExecuteIsRefusedInPlainWordsWhileTheGroupHasMembers) {
  std::unique_ptr<kafka::Consumer> member = group_consumer("busy");
  ASSERT_NE(member, nullptr);
  ASSERT_TRUE(member->subscribe("lab").ok());
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline && member->assignment().size() < 3) (void)member->poll(50);
  ASSERT_EQ(member->assignment().size(), 3u);

  RunResult r = tidemark({"offsets", "set", "-g", "busy", "-t", "lab", "--startup-mode",
                    "earliest-offset", "--execute"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the group has active members"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Unknown member"), std::string::npos) << r.err;  // librdkafka's words
  EXPECT_EQ(r.out, "");  // no table claiming anything was done
  EXPECT_TRUE(member->close().ok());
}

}  // namespace
}  // namespace tidemark
