// `tidemark verify` against topics written by `tidemark produce` (the binary) and by a
// kafka::Producer writing hand-made seq headers, on a broker in this test process: a whole run
// passes (exit 0), and each way a stream can be damaged is found and located: a gap (as a
// range), a lost tail (only with -c), a lost producer instance (only with -c), a second run into
// the same topic (duplicates at their partition and offset), reordering (reported, explained by
// the producer's disorder, not a failure), foreign and malformed records (counted, not
// verified). The startup and bounded modes choose what is read.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/testing/run_tidemark.h"

namespace tidemark {
namespace {

using testing::RunResult;

class VerifyCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start({});
    ASSERT_TRUE(b.ok()) << b.status().message();
    broker_ = std::move(*b).release();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  static std::string b() { return "-b " + broker_->bootstrap() + " "; }

  static void topic(const std::string& name, int partitions) {
    ASSERT_TRUE(broker_->create_topic(name, partitions).ok());
  }

  static void produce(const std::string& args) {
    RunResult r = testing::run_tidemark("produce " + b() + args + " -X log_level=0");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }

  // `verify` with JSON on stdout (parsed) and the messages on stderr.
  static std::pair<int, nlohmann::json> verify_json(const std::string& args, std::string* err) {
    RunResult r = testing::run_tidemark_split("verify " + b() + args + " --output json");
    if (err != nullptr) *err = r.err;
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return {r.exit_code, j};
  }

  // Writes records with the given tidemark headers (nullopt: header left out) to `partition`.
  struct Hand {
    std::optional<std::string> seq;
    std::optional<std::string> instance;
    bool delay = false;
  };
  static void write(const std::string& topic, std::int32_t partition,
                    const std::vector<Hand>& records) {
    kafka::Config config(kafka::ClientRole::kProducer);
    core::Result<std::unique_ptr<kafka::Producer>> p =
        kafka::Producer::create(config, broker_->bootstrap());
    ASSERT_TRUE(p.ok()) << p.status().message();
    for (const Hand& h : records) {
      std::vector<kafka::RecordHeader> headers;
      if (h.seq) headers.push_back({"tidemark-seq", *h.seq});
      if (h.instance) headers.push_back({"tidemark-instance", *h.instance});
      if (h.delay) headers.push_back({"tidemark-delay-ms", "0"});
      kafka::OutgoingRecord r;
      r.topic = topic;
      r.partition = partition;
      r.value = "x";
      r.headers = headers;
      ASSERT_TRUE((*p)->send(r).ok());
    }
    ASSERT_TRUE((*p)->flush(10000).ok());
  }

  static std::vector<Hand> seqs(std::uint64_t first, std::uint64_t last) {
    std::vector<Hand> out;
    for (std::uint64_t s = first; s <= last; ++s) out.push_back({std::to_string(s), {}, false});
    return out;
  }

  static kafka::EmbeddedBroker* broker_;
};

kafka::EmbeddedBroker* VerifyCli::broker_ = nullptr;

TEST_F(VerifyCli, AWholeRunPassesWithAndWithoutTheCount) {
  topic("whole", 4);
  produce("-t whole -c 5000 --seed 1 --event web --format protobuf");
  std::string err;
  auto [code, j] = verify_json("-t whole", &err);
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["records_read"], 5000);
  EXPECT_EQ(j["verified"], 5000);
  EXPECT_EQ(j["instances"][0]["instance"], "0/1");
  EXPECT_EQ(j["instances"][0]["checked"]["last"], 4999);
  EXPECT_EQ(j["instances"][0]["checked"]["bound"], "max_seq");
  EXPECT_NE(err.find("verify: OK"), std::string::npos) << err;
  EXPECT_NE(err.find("a lost tail cannot be seen without -c N"), std::string::npos) << err;

  std::tie(code, j) = verify_json("-t whole -c 5000", &err);
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(j["instances"][0]["checked"]["bound"], "count");
  EXPECT_NE(err.find("all 5000 events of the stream"), std::string::npos) << err;

  // The table names the instance, the checked range and the result.
  RunResult t = testing::run_tidemark("verify " + b() + "-t whole -c 5000 --output table");
  EXPECT_EQ(t.exit_code, 0) << t.out;
  EXPECT_NE(t.out.find("0..4999 (-c)"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("ok"), std::string::npos) << t.out;
}

TEST_F(VerifyCli, ALostTailIsFoundOnlyWithTheCount) {
  topic("short", 2);
  produce("-t short -c 800 --seed 2");
  std::string err;
  EXPECT_EQ(verify_json("-t short", &err).first, 0) << err;
  auto [code, j] = verify_json("-t short -c 1000", &err);
  EXPECT_EQ(code, 1) << err;
  EXPECT_EQ(j["missing"], 200);
  EXPECT_EQ(j["instances"][0]["missing_ranges"][0]["first"], 800);
  EXPECT_EQ(j["instances"][0]["missing_ranges"][0]["last"], 999);
  EXPECT_NE(err.find("verify: FAILED: 200 seq(s) missing"), std::string::npos) << err;
  // And the other way round: a -c below the run makes the extra seqs "beyond".
  std::tie(code, j) = verify_json("-t short -c 700", &err);
  EXPECT_EQ(code, 1) << err;
  EXPECT_EQ(j["beyond_count"], 100);
}

TEST_F(VerifyCli, AGapIsReportedAsARangeAndForeignAndMalformedRecordsAreCounted) {
  topic("gappy", 1);
  std::vector<Hand> records = seqs(0, 49);
  const std::vector<Hand> rest = seqs(60, 99);  // 50..59 lost
  records.insert(records.end(), rest.begin(), rest.end());
  records.push_back({std::nullopt, std::nullopt, false});  // another tool's record
  records.push_back({std::string("12x"), std::nullopt, false});
  write("gappy", 0, records);
  std::string err;
  auto [code, j] = verify_json("-t gappy", &err);
  EXPECT_EQ(code, 1) << err;
  EXPECT_EQ(j["missing"], 10);
  EXPECT_EQ(j["instances"][0]["missing_ranges"][0]["first"], 50);
  EXPECT_EQ(j["instances"][0]["missing_ranges"][0]["last"], 59);
  EXPECT_EQ(j["without_seq"], 1);
  EXPECT_EQ(j["malformed"], 1);
  EXPECT_EQ(j["first_malformed"][0]["offset"], 91);
  RunResult t = testing::run_tidemark("verify " + b() + "-t gappy --output table");
  EXPECT_NE(t.out.find("10 seq(s) missing in 1 range(s); first: 50..59 (10)"), std::string::npos)
      << t.out;
  EXPECT_NE(t.out.find("1 record(s) without a tidemark-seq header"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("malformed at partition 0 offset 91: tidemark-seq '12x'"), std::string::npos)
      << t.out;
}

TEST_F(VerifyCli, ASecondRunIntoTheSameTopicIsDuplicatesWithTheirPositions) {
  topic("twice", 1);
  produce("-t twice -c 300 --seed 3");
  produce("-t twice -c 300 --seed 3");
  std::string err;
  auto [code, j] = verify_json("-t twice --max-offenders 2", &err);
  EXPECT_EQ(code, 1) << err;
  EXPECT_EQ(j["duplicates"], 300);
  EXPECT_EQ(j["missing"], 0);
  ASSERT_EQ(j["instances"][0]["first_duplicates"].size(), 2u);
  EXPECT_EQ(j["instances"][0]["first_duplicates"][0]["seq"], 0);
  EXPECT_EQ(j["instances"][0]["first_duplicates"][0]["partition"], 0);
  EXPECT_EQ(j["instances"][0]["first_duplicates"][0]["offset"], 300);
  RunResult t =
      testing::run_tidemark("verify " + b() + "-t twice --max-offenders 2 --output table");
  EXPECT_NE(t.out.find("seq 1 again at partition 0 offset 301"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("... 298 more duplicate(s)"), std::string::npos) << t.out;
}

TEST_F(VerifyCli, ShardedRunsAreCheckedPerInstanceAndALostInstanceNeedsTheCount) {
  topic("shards", 3);
  produce("-t shards -c 3000 --seed 4 --instance 0/3");
  produce("-t shards -c 3000 --seed 4 --instance 2/3");  // instance 1/3 never ran
  std::string err;
  auto [code, j] = verify_json("-t shards", &err);
  EXPECT_EQ(code, 0) << err;  // nothing says instance 1/3 existed
  ASSERT_EQ(j["instances"].size(), 2u);
  EXPECT_EQ(j["instances"][0]["instance"], "0/3");
  EXPECT_EQ(j["instances"][0]["records"], 1000);
  EXPECT_EQ(j["instances"][1]["instance"], "2/3");
  std::tie(code, j) = verify_json("-t shards -c 3000", &err);
  EXPECT_EQ(code, 1) << err;
  ASSERT_EQ(j["instances"].size(), 3u);
  EXPECT_EQ(j["instances"][1]["instance"], "1/3");
  EXPECT_EQ(j["instances"][1]["records"], 0);
  EXPECT_EQ(j["instances"][1]["missing"], 1000);
  EXPECT_EQ(j["instances"][1]["missing_ranges"][0]["first"], 1);
  EXPECT_EQ(j["instances"][1]["missing_ranges"][0]["last"], 2998);
}

TEST_F(VerifyCli, DisorderIsReorderingExplainedAndNotAFailure) {
  topic("disorder", 1);
  produce(
      "-t disorder -c 2000 --seed 5 --clock simulated --start 2026-01-01T00:00:00Z --rate "
      "1000000 --out-of-order 200ms");
  std::string err;
  auto [code, j] = verify_json("-t disorder -c 2000", &err);
  EXPECT_EQ(code, 0) << err;
  EXPECT_GT(j["reordered"].get<int>(), 0);
  EXPECT_EQ(j["instances"][0]["reordered_explained"], j["reordered"]);
  EXPECT_NE(err.find("reordered (not a failure)"), std::string::npos) << err;
  RunResult t = testing::run_tidemark("verify " + b() + "-t disorder --output table");
  EXPECT_NE(t.out.find("held back by the producer's disorder"), std::string::npos) << t.out;

  // Without the delay header the same reordering is unexplained (another writer's doing).
  topic("shuffled", 1);
  write("shuffled", 0, {{"0", {}, false}, {"2", {}, false}, {"1", {}, false}});
  std::tie(code, j) = verify_json("-t shuffled", &err);
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(j["reordered"], 1);
  EXPECT_EQ(j["instances"][0]["reordered_explained"], 0);
  EXPECT_EQ(j["instances"][0]["first_reorderings"][0]["record"]["offset"], 2);
  EXPECT_EQ(j["instances"][0]["first_reorderings"][0]["after"]["seq"], 2);
}

TEST_F(VerifyCli, TheModesChooseWhatIsRead) {
  topic("modes", 1);
  write("modes", 0, seqs(0, 99));
  std::string err;
  // Stop at offset 40: seqs 0..39, nothing missing up to the largest read.
  auto [code, j] = verify_json("-t modes --bounded-specific-offsets 'partition:0,offset:40'", &err);
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(j["records_read"], 40);
  EXPECT_NE(err.find("bounded specific-offsets"), std::string::npos) << err;
  // Start at offset 10 (kcat's -o 10): seqs 0..9 are not read, so they are missing.
  std::tie(code, j) = verify_json("-t modes -o 10", &err);
  EXPECT_EQ(code, 1) << err;
  EXPECT_EQ(j["records_read"], 90);
  EXPECT_EQ(j["instances"][0]["missing_ranges"][0]["last"], 9);
  // latest-offset start: nothing to read, nothing proven.
  std::tie(code, j) = verify_json("-t modes --startup-mode latest-offset", &err);
  EXPECT_EQ(code, 1) << err;
  EXPECT_EQ(j["records_read"], 0);
  EXPECT_NE(err.find("nothing to verify"), std::string::npos) << err;
}

}  // namespace
}  // namespace tidemark
