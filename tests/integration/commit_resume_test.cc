// A consumer with --commit, stopped in the middle of a stream and started again with
// group-offsets, resumes where it committed: together the two runs read every record, and the
// second reads again only what at-least-once allows. Both runs are the built `tidemark consume`
// against a broker in this test process, while `tidemark produce` is still writing.
//
// * Stopped with SIGINT: consume commits what it wrote before it exits, so nothing is read twice.
// * Killed with SIGKILL (a crash: no chance to commit): the second run re-reads exactly the
//   records the first wrote after its last periodic commit, and nothing is lost; the test prints
//   how many. This is also the test that consume writes its output out before it commits:
//   records committed while still in the output's buffer would be lost with the process.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "consume_fixture.h"
#include "subprocess.h"
#include "tidemark/kafka/consumer.h"
#include "tidemark/kafka/embedded_broker.h"

namespace tidemark {
namespace {

using testing::Subprocess;
using namespace std::chrono_literals;

constexpr int kPartitions = 4;
constexpr int kRecords = 120'000;
constexpr char kTopic[] = "resume";
constexpr char kGroup[] = "resume-group";

using Offsets = std::map<std::int32_t, std::vector<std::int64_t>>;  // partition -> offsets read

// Parses `-f '%p %o\n'` lines; a torn last line (the process was killed mid-write) is ignored.
Offsets parse_offsets(const std::string& out) {
  Offsets read;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;  // no newline after it: torn
    std::int32_t p = 0;
    long long o = 0;
    if (std::sscanf(line.c_str(), "%d %lld", &p, &o) == 2) read[p].push_back(o);
  }
  return read;
}

std::size_t count(const Offsets& o) {
  std::size_t n = 0;
  for (const auto& [p, offsets] : o) n += offsets.size();
  return n;
}

class CommitResume : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto started = kafka::EmbeddedBroker::start({});
    ASSERT_TRUE(started.ok()) << started.status().message();
    broker_ = std::move(*started);
    ASSERT_TRUE(broker_->create_topic(kTopic, kPartitions).ok());
  }

  std::vector<std::string> consume(bool bounded) const {
    std::vector<std::string> args = {TIDEMARK_BINARY, "consume", "-b", broker_->bootstrap(),
                                     "-t", kTopic, "-g", kGroup, "--startup-mode",
                                     "group-offsets", "--auto-offset-reset", "earliest",
                                     "--commit", "--commit-interval", "1s", "-f", "%p %o\n",
                                     "-X", "log_level=0"};
    if (bounded) args.push_back("-e");
    return args;
  }

  std::map<std::int32_t, std::int64_t> committed() const {
    kafka::ConsumerOptions co;
    co.group = kGroup;
    auto c = kafka::Consumer::create(testing::test_consumer_config(), broker_->bootstrap(), co);
    EXPECT_TRUE(c.ok()) << c.status().message();
    std::map<std::int32_t, std::int64_t> out;
    if (!c.ok()) return out;
    std::vector<std::int32_t> ids;
    for (std::int32_t p = 0; p < kPartitions; ++p) ids.push_back(p);
    auto r = (*c)->committed(kTopic, ids);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return out;
    for (std::int32_t p = 0; p < kPartitions; ++p) {
      out[p] = (*r)[static_cast<std::size_t>(p)].value_or(0);
    }
    return out;
  }

  std::unique_ptr<kafka::EmbeddedBroker> broker_;
};

TEST_P(CommitResume, SecondRunStartsAtTheCommitAndTogetherTheyReadEverything) {
  const int stop_signal = GetParam();
  const char* how = stop_signal == SIGINT ? "SIGINT" : "SIGKILL";

  // Writing for about 3 s (keys spread the records over the partitions).
  std::unique_ptr<Subprocess> producer = Subprocess::start(
      {TIDEMARK_BINARY, "produce", "-b", broker_->bootstrap(), "-t", kTopic, "-c",
       std::to_string(kRecords), "--rate", "40000", "--key-field", "test_data", "-z", "lz4",
       "-X", "log_level=0"});
  ASSERT_NE(producer, nullptr);

  // The first run reads along and is stopped after about a second of it.
  std::unique_ptr<Subprocess> first = Subprocess::start(consume(/*bounded=*/false));
  ASSERT_NE(first, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (first->out().size() < 200'000 && std::chrono::steady_clock::now() < deadline &&
         !first->wait(0ms)) {
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(1200ms);  // past at least one periodic commit
  first->signal(stop_signal);
  const std::optional<int> first_code = first->wait(60s);
  ASSERT_TRUE(first_code.has_value());
  EXPECT_EQ(*first_code, stop_signal == SIGINT ? 130 : 128 + SIGKILL) << first->err();

  const std::optional<int> produced = producer->wait(120s);
  ASSERT_TRUE(produced.has_value());
  ASSERT_EQ(*produced, 0) << producer->err();

  const std::map<std::int32_t, std::int64_t> resume_at = committed();
  const Offsets first_read = parse_offsets(first->out());
  ASSERT_GT(count(first_read), 0u) << first->err();
  ASSERT_LT(count(first_read), static_cast<std::size_t>(kRecords))
      << "the first run read everything before it was stopped; nothing to resume";

  // The second run starts at the committed offsets and reads to the end.
  std::unique_ptr<Subprocess> second = Subprocess::start(consume(/*bounded=*/true));
  ASSERT_NE(second, nullptr);
  const std::optional<int> second_code = second->wait(120s);
  ASSERT_TRUE(second_code.has_value());
  ASSERT_EQ(*second_code, 0) << second->err();
  const Offsets second_read = parse_offsets(second->out());

  std::size_t read_again = 0;
  std::size_t after_commit = 0;  // records the first run wrote at or after the committed offset
  std::size_t total = 0;
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    SCOPED_TRACE("partition " + std::to_string(p));
    const std::vector<std::int64_t>& a = first_read.count(p) ? first_read.at(p) : std::vector<std::int64_t>{};
    const std::vector<std::int64_t>& b = second_read.count(p) ? second_read.at(p) : std::vector<std::int64_t>{};
    // The second run starts exactly at the commit, and each run reads its partition in order.
    if (!b.empty()) {
      EXPECT_EQ(b.front(), resume_at.at(p));
    }
    for (std::size_t i = 1; i < a.size(); ++i) ASSERT_EQ(a[i], a[i - 1] + 1);
    for (std::size_t i = 1; i < b.size(); ++i) ASSERT_EQ(b[i], b[i - 1] + 1);
    // Nothing lost: the first run read 0..x from the start, the second from the commit on, and
    // the commit is never beyond what the first run wrote out.
    if (!a.empty()) {
      EXPECT_EQ(a.front(), 0);
    }
    const std::int64_t first_end = a.empty() ? 0 : a.back() + 1;
    EXPECT_LE(resume_at.at(p), first_end) << "committed beyond what the first run wrote: lost";
    const std::set<std::int64_t> in_first(a.begin(), a.end());
    for (std::int64_t o : b) read_again += in_first.count(o);
    for (std::int64_t o : a) after_commit += o >= resume_at.at(p) ? 1 : 0;
    std::set<std::int64_t> all(a.begin(), a.end());
    all.insert(b.begin(), b.end());
    total += all.size();
    if (!all.empty()) {
      EXPECT_EQ(*all.rbegin() + 1, static_cast<std::int64_t>(all.size()));
    }
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kRecords));
  // Read twice: exactly what the first run wrote after its last commit...
  EXPECT_EQ(read_again, after_commit);
  // ...which is nothing when it could commit on its way out.
  if (stop_signal == SIGINT) {
    EXPECT_EQ(read_again, 0u);
  }
  std::printf(
      "%s after %zu records: the second run read %zu, of which %zu again (written after the "
      "first run's last commit; --commit-interval 1s)\n",
      how, count(first_read), count(second_read), read_again);
}

INSTANTIATE_TEST_SUITE_P(Stops, CommitResume, ::testing::Values(SIGINT, SIGKILL),
                         [](const ::testing::TestParamInfo<int>& stop) {
                           return std::string(stop.param == SIGINT ? "Sigint" : "Sigkill");
                         });

}  // namespace
}  // namespace tidemark
