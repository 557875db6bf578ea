// `tidemark perf consume -b` against a broker it did not seed: every record up to the end
// offsets, decoded by its headers or by --format/--event, decode errors counted and named, and
// --messages beyond what is there as exit 3.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "consume_fixture.h"

namespace tidemark {
namespace {

using testing::lab_records;
using testing::produce_records;
using testing::SeedRecord;
using testing::start_broker;

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr
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

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

class PerfConsumeBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = start_broker();
    ASSERT_NE(broker_, nullptr);
    ASSERT_TRUE(broker_->create_topic("lab", 2).ok());
    // 300 records with tidemark's headers, 200 without (as kcat sends them), one that claims to
    // be a JSON lab event and is not.
    std::vector<SeedRecord> records = lab_records(0, 300, 1700000000000);
    for (SeedRecord r : lab_records(1, 200, 1700000000000)) {
      r.headers.clear();
      records.push_back(std::move(r));
    }
    SeedRecord bad;
    bad.partition = 1;
    bad.timestamp_ms = 1700000001000;
    bad.value = "{\"test_data\":";
    bad.headers = {{"content-type", "application/json"}, {"tidemark-event-type", "lab"}};
    records.push_back(bad);
    produce_records(broker_->bootstrap(), "lab", records);
  }
  std::string stats_path() const { return ::testing::TempDir() + "perf_consume_broker.json"; }
  std::unique_ptr<kafka::EmbeddedBroker> broker_;
};

TEST_F(PerfConsumeBrokerTest, ReadsEveryRecordToTheEndAndCountsDecodeErrors) {
  RunResult r =
      run("perf consume -b " + broker_->bootstrap() + " -t lab --stats-json " + stats_path());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("tidemark: warning: 1 record(s) did not decode"), std::string::npos)
      << r.out;
  const nlohmann::json j = read_json(stats_path());
  EXPECT_EQ(j["records"], 501);
  EXPECT_EQ(j["messages"], nullptr);
  EXPECT_EQ(j["decode_errors"], 1);  // records without headers are not events here: not errors
  EXPECT_EQ(j["partitions"], 2);
}

TEST_F(PerfConsumeBrokerTest, RecordsOfOtherProducersDecodeByFormatAndEvent) {
  RunResult r = run("perf consume -b " + broker_->bootstrap() +
                    " -t lab --format thrift-binary --event lab --stats-json " + stats_path());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // The 200 JSON records without headers fail as thrift: the fallback really decoded them.
  EXPECT_EQ(read_json(stats_path())["decode_errors"], 201);

  r = run("perf consume -b " + broker_->bootstrap() + " -t lab --format json --event lab " +
          "--stats-json " + stats_path());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_json(stats_path())["decode_errors"], 1);
}

TEST_F(PerfConsumeBrokerTest, MessagesStopsEarlyOrIsIncomplete) {
  RunResult some = run("perf consume -b " + broker_->bootstrap() +
                       " -t lab --messages 100 --hide-header --stats-json " + stats_path());
  ASSERT_EQ(some.exit_code, 0) << some.out;
  EXPECT_EQ(read_json(stats_path())["records"], 100);

  RunResult more = run("perf consume -b " + broker_->bootstrap() + " -t lab --messages 600");
  EXPECT_EQ(more.exit_code, 3) << more.out;
  EXPECT_NE(more.out.find("incomplete: 501 of the 600 records asked for (--messages): the topic "
                          "had 501 records to read"),
            std::string::npos)
      << more.out;

  RunResult missing = run("perf consume -b " + broker_->bootstrap() + " -t nothing-here");
  EXPECT_EQ(missing.exit_code, 1) << missing.out;
  EXPECT_NE(missing.out.find("nothing-here"), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace tidemark
