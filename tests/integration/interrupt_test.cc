// Interruption: the built `tidemark produce` is stopped with SIGINT or SIGTERM at seeded random
// moments (from the moment it is set up, when it prints its random seed, to well into the
// stream), 24 times, against a broker in this test process. Each time: exit code 130, the summary
// printed, no delivery failed, and the topic holds exactly the acknowledged records: every seq the
// run acknowledged, each once, and nothing else (the SequenceVerifier finds no gap up to the
// largest seq, no duplicate, and as many records as the printed count).
//
// The runs vary what is produced (lab or web events, JSON or protobuf), how fast (unlimited,
// 20,000/s, 100,000/s; lz4 at the higher rates so the mock's 5 MiB per partition holds a second
// of them) and the instance (0/1 or 1/3, whose seqs are 1, 4, 7, ...). A signal in the first
// milliseconds of the process, before tidemark has set up its handlers, ends it the default way
// (status 128+N, nothing sent); docs/reliability.md says so and this test starts its clock at
// the "tidemark: seed" line, printed once the handlers are in place.
// TIDEMARK_INTERRUPT_SEED=<n> replays another schedule; the seed is printed either way.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "read_back.h"
#include "subprocess.h"
#include "tidemark/consumer/sequence_verifier.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/metadata.h"

namespace tidemark {
namespace {

using testing::Subprocess;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::uint64_t interrupt_seed() {
  if (const char* s = std::getenv("TIDEMARK_INTERRUPT_SEED"); s != nullptr && *s != '\0') {
    return std::strtoull(s, nullptr, 10);
  }
  return 20261127;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The count in the summary's "N records sent," (-1 when there is none).
std::int64_t printed_sent(const std::string& err) {
  static const std::regex kSummary(R"((\d+) records sent, )");
  std::smatch m;
  if (!std::regex_search(err, m, kSummary)) return -1;
  return std::stoll(m[1].str());
}

struct Watermarks {
  std::int64_t records = 0;  // sum of high - low
  bool all_low_zero = true;
};

Watermarks watermarks(const std::string& bootstrap, const std::string& topic) {
  Watermarks out;
  core::Result<std::unique_ptr<kafka::AdminClient>> admin =
      kafka::AdminClient::create(kafka::Config(kafka::ClientRole::kConsumer), bootstrap);
  EXPECT_TRUE(admin.ok()) << admin.status().message();
  if (!admin.ok()) return out;
  core::Result<std::vector<kafka::WatermarkOffsets>> w =
      (*admin)->query_topic_watermarks(topic, 10000);
  EXPECT_TRUE(w.ok()) << w.status().message();
  if (!w.ok()) return out;
  for (const kafka::WatermarkOffsets& o : *w) {
    out.records += o.high - o.low;
    out.all_low_zero = out.all_low_zero && o.low == 0;
  }
  return out;
}

struct InterruptRun {
  int signal_number = SIGINT;
  int delay_ms = 0;  // after the process started
  std::vector<std::string> args;
  std::string what;  // for messages
};

TEST(Interrupt, SignalsAtRandomMomentsLoseNothingAcknowledged) {
  constexpr int kRuns = 24;
  constexpr int kPartitions = 16;
  const std::uint64_t seed = interrupt_seed();
  std::printf("interruption schedule seed %llu (TIDEMARK_INTERRUPT_SEED to replay another)\n",
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  auto between = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> started = kafka::EmbeddedBroker::start({});
  ASSERT_TRUE(started.ok()) << started.status().message();
  const std::unique_ptr<kafka::EmbeddedBroker> broker = std::move(*started);

  // Half SIGINT, half SIGTERM, in a seeded order.
  std::vector<int> signals(kRuns, SIGINT);
  std::fill(signals.begin() + kRuns / 2, signals.end(), SIGTERM);
  std::shuffle(signals.begin(), signals.end(), rng);

  char dir_template[] = "/tmp/tidemark-interrupt-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;

  std::int64_t total_acked = 0;
  std::int64_t min_acked = -1, max_acked = 0;
  const Clock::time_point all_start = Clock::now();
  for (int i = 0; i < kRuns; ++i) {
    const std::string topic = "interrupt-" + std::to_string(i);
    ASSERT_TRUE(broker->create_topic(topic, kPartitions).ok());
    const std::string stats_path = dir + "/stats-" + std::to_string(i) + ".json";
    InterruptRun run;
    run.signal_number = signals[static_cast<std::size_t>(i)];
    // After the producer is set up: sometimes at once, mostly somewhere in the first second.
    run.delay_ms = between(0, 3) == 0 ? between(0, 30) : between(30, 1000);
    const bool web = between(0, 1) == 1;
    const bool protobuf = between(0, 1) == 1;
    const int speed = between(0, 2);
    const bool sharded = between(0, 3) == 0;
    run.args = {TIDEMARK_BINARY,
                "produce",
                "-b",
                broker->bootstrap(),
                "-t",
                topic,
                "--event",
                web ? "web" : "lab",
                "--format",
                protobuf ? "protobuf" : "json",
                "--stats-json",
                stats_path,
                "-X",
                "log_level=0"};
    if (speed == 0) run.args.insert(run.args.end(), {"-z", "lz4"});
    if (speed == 1) run.args.insert(run.args.end(), {"--rate", "20000"});
    if (speed == 2) run.args.insert(run.args.end(), {"--rate", "100000", "-z", "lz4"});
    if (sharded) run.args.insert(run.args.end(), {"--instance", "1/3"});
    run.what = std::string("run ") + std::to_string(i) + " (" +
               (run.signal_number == SIGINT ? "SIGINT" : "SIGTERM") + " " +
               std::to_string(run.delay_ms) + " ms after set-up; " + (web ? "web" : "lab") + ", " +
               (protobuf ? "protobuf" : "json") + ", " +
               (speed == 0   ? "unlimited lz4"
                : speed == 1 ? "20000/s"
                             : "100000/s lz4") +
               (sharded ? ", instance 1/3" : "") + ")";
    SCOPED_TRACE(run.what);

    std::unique_ptr<Subprocess> p = Subprocess::start(run.args);
    ASSERT_NE(p, nullptr);
    const Clock::time_point ready_deadline = Clock::now() + 15s;
    while (p->err().find("tidemark: seed ") == std::string::npos && Clock::now() < ready_deadline &&
           !p->wait(0ms)) {
      std::this_thread::sleep_for(1ms);
    }
    ASSERT_NE(p->err().find("tidemark: seed "), std::string::npos) << p->err();
    std::this_thread::sleep_for(std::chrono::milliseconds(run.delay_ms));
    p->signal(run.signal_number);
    const std::optional<int> code = p->wait(60s);
    ASSERT_TRUE(code.has_value()) << "still running 60 s after the signal";
    const std::string err = p->err();
    EXPECT_EQ(*code, 130) << err;
    EXPECT_NE(err.find("tidemark: interrupted"), std::string::npos) << err;
    EXPECT_EQ(err.find("not delivered"), std::string::npos) << err;

    const nlohmann::json stats = nlohmann::json::parse(slurp(stats_path), nullptr, false);
    ASSERT_FALSE(stats.is_discarded()) << "no --stats-json written; stderr: " << err;
    EXPECT_EQ(stats["interrupted"], true);
    EXPECT_EQ(stats["failed"], 0) << stats.dump();
    const std::int64_t acked = stats["acked"].get<std::int64_t>();
    EXPECT_EQ(stats["sent"].get<std::int64_t>(), acked);
    EXPECT_EQ(printed_sent(err), acked) << err;  // the printed count is the acknowledged one
    total_acked += acked;
    min_acked = min_acked < 0 ? acked : std::min(min_acked, acked);
    max_acked = std::max(max_acked, acked);

    // The topic holds exactly the acknowledged records, none dropped by the broker...
    const Watermarks w = watermarks(broker->bootstrap(), topic);
    EXPECT_TRUE(w.all_low_zero);
    EXPECT_EQ(w.records, acked);
    // ...and they are the seqs the run emitted, each once, with no gap: instance i/N emits
    // i, i+N, ... in order, so an interrupted run's acknowledged seqs are its first `acked`.
    consumer::SequenceVerifier verifier;
    const std::size_t read = testing::read_back_each(
        broker->bootstrap(), topic, kPartitions, static_cast<std::size_t>(acked),
        [&](const rd_kafka_message_t& m) {
          verifier.add_record(
              testing::header_of(m, "tidemark-seq"), testing::header_of(m, "tidemark-instance"),
              testing::header_of(m, "tidemark-delay-ms").has_value(), m.partition, m.offset);
        });
    EXPECT_EQ(static_cast<std::int64_t>(read), acked);
    const consumer::SequenceReport report = verifier.report();
    if (acked == 0) {
      EXPECT_TRUE(report.instances.empty());
      continue;
    }
    EXPECT_TRUE(report.ok()) << report.to_json();
    ASSERT_EQ(report.instances.size(), 1u) << report.to_json();
    const consumer::InstanceReport& r = report.instances[0];
    EXPECT_EQ(r.instance.to_string(), sharded ? "1/3" : "0/1");
    EXPECT_EQ(static_cast<std::int64_t>(r.distinct), acked);
    EXPECT_EQ(static_cast<std::int64_t>(r.expected), acked);
    EXPECT_EQ(r.reordered, 0u);
  }
  std::printf(
      "%d interrupted runs (%d SIGINT, %d SIGTERM) in %.1f s: %lld records acknowledged "
      "in all (%lld to %lld per run), every one in its topic once, nothing else there\n",
      kRuns, static_cast<int>(std::count(signals.begin(), signals.end(), SIGINT)),
      static_cast<int>(std::count(signals.begin(), signals.end(), SIGTERM)),
      std::chrono::duration<double>(Clock::now() - all_start).count(),
      static_cast<long long>(total_acked), static_cast<long long>(min_acked),
      static_cast<long long>(max_acked));
  for (int i = 0; i < kRuns; ++i)
    std::remove((dir + "/stats-" + std::to_string(i) + ".json").c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace tidemark
