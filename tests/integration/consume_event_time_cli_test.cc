// `tidemark produce` then `tidemark consume` with watermarks and windows, as processes against an
// embedded broker: four partitions with out-of-order and late events and a partition that goes
// idle, replayed with --processing-time record-timestamp. The consumer's output is checked
// against an independent model written here from the specification (per-partition max - delay,
// Flink's idleness timer on per-record ticks, the minimum over active partitions that never goes
// back, windows firing at end - 1 and dropping records whose window fired) fed with the records
// in the order the consumer wrote them, and against the producer's manifest (every event read
// once; per window and key, counted + dropped = produced). Also: the same output on every run,
// -f's LATE markers, --window-output, and the summary.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/testing/run_tidemark.h"

namespace {

constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kDelay = 5000;
constexpr std::int64_t kIdle = 15000;
constexpr std::int64_t kWindow = 60000;

using tidemark::testing::run_command;
using tidemark::testing::RunResult;

// Runs the binary; stdout is captured, stderr goes to `stderr_path` (or /dev/null).
RunResult run(const std::string& args, const std::string& stderr_path = "/dev/null") {
  return run_command(std::string(TIDEMARK_BINARY) + " " + args + " 2>" + stderr_path);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::int64_t floor_window(std::int64_t ts) { return ts - (((ts % kWindow) + kWindow) % kWindow); }

// The specification, written out for this test: one reader owning every partition, a tick after
// each record at that record's processing time (per-record mode).
class Model {
 public:
  explicit Model(std::vector<std::int32_t> partitions) {
    for (std::int32_t p : partitions) parts_[p] = Part{};
  }
  struct Verdict {
    bool late = false;
    bool dropped = false;
    std::int64_t watermark = kNone;  // combined, after the record
  };
  Verdict record(std::int32_t partition, std::int64_t ts, const std::string& key,
                 std::int64_t now) {
    Verdict v;
    v.late = combined_ != kNone && ts <= combined_;
    const std::int64_t start = floor_window(ts);
    if (combined_ != kNone && start + kWindow - 1 <= combined_) {
      v.dropped = true;
      ++dropped_[{start, key}];
    } else {
      ++open_[start][key];
    }
    Part& p = parts_[partition];
    p.max = p.records == 0 ? ts : std::max(p.max, ts);
    ++p.records;
    ++p.activity;
    tick(now);
    v.watermark = combined_;
    return v;
  }
  void end_of_input() {
    combined_ = kMax;
    fire();
  }
  // (window start, key) -> (count, firing watermark)
  std::map<std::pair<std::int64_t, std::string>, std::pair<std::int64_t, std::int64_t>> fired;
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> dropped_;

 private:
  struct Part {
    std::int64_t records = 0;
    std::int64_t max = 0;
    std::int64_t watermark = kNone;
    std::int64_t activity = 0;
    std::int64_t checked = 0;
    bool timer = false;
    std::int64_t timer_start = 0;
    bool idle = false;
  };
  void tick(std::int64_t now) {
    for (auto& [id, p] : parts_) {
      // WatermarksWithIdleness / IdlenessTimer.checkIfIdle.
      bool idle = false;
      if (p.activity != p.checked) {
        p.checked = p.activity;
        p.timer = false;
      } else if (!p.timer) {
        p.timer = true;
        p.timer_start = now;
      } else {
        idle = now - p.timer_start > kIdle;
      }
      if (idle) {
        p.idle = true;
      } else {
        p.idle = false;
        if (p.records > 0) p.watermark = std::max(p.watermark, p.max - kDelay);
      }
    }
    bool any_active = false;
    std::int64_t candidate = kMax;
    std::int64_t flush = kNone;
    for (const auto& [id, p] : parts_) {
      flush = std::max(flush, p.watermark);
      if (p.idle) continue;
      any_active = true;
      candidate = std::min(candidate, p.watermark);
    }
    if (!any_active) candidate = flush;  // all idle: current Flink flushes the maximum
    if (candidate != kNone && candidate > combined_) combined_ = candidate;
    fire();
  }
  void fire() {
    for (auto it = open_.begin(); it != open_.end();) {
      if (combined_ == kNone || it->first + kWindow - 1 > combined_) break;
      for (const auto& [key, count] : it->second) fired[{it->first, key}] = {count, combined_};
      it = open_.erase(it);
    }
  }

  std::map<std::int32_t, Part> parts_;
  std::int64_t combined_ = kNone;
  std::map<std::int64_t, std::map<std::string, std::int64_t>> open_;
};

class ConsumeEventTimeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    core_dir_ = "/tmp/tidemark-et-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(core_dir_.data()), nullptr);
    tidemark::kafka::EmbeddedBrokerOptions o;
    o.topics.push_back({"et", 4});
    auto b = tidemark::kafka::EmbeddedBroker::start(o);
    ASSERT_TRUE(b.ok()) << b.status().message();
    broker_ = std::move(*b).release();
    const RunResult p = run("produce -b " + broker_->bootstrap() +
                            " -t et -c 4000 --clock simulated --start 2026-01-01T10:00:00Z "
                            "--speed 100 --key-field test_data --out-of-order 5s "
                            "--late-fraction 0.03 --late-by 20s..90s --idle-partition 3 "
                            "--idle-after 2m --record-timestamp send --seed 11 --manifest " +
                            core_dir_ + "/manifest.jsonl");
    ASSERT_EQ(p.exit_code, 0);
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
    std::system(("rm -rf " + core_dir_).c_str());
  }
  static std::string consume(const std::string& args) {
    return "consume -b " + broker_->bootstrap() + " -t et -e " + args;
  }
  static std::string path(const std::string& name) { return core_dir_ + "/" + name; }

  static inline tidemark::kafka::EmbeddedBroker* broker_ = nullptr;
  static inline std::string core_dir_;
};

const std::string kReplay =
    "--watermark-delay 5s --watermark-interval per-record --idle-timeout 15s "
    "--processing-time record-timestamp --window tumble:1m --group-by test_data";

TEST_F(ConsumeEventTimeCli, ReplayMatchesTheSpecificationAndTheManifest) {
  const RunResult r = run(consume(kReplay), path("stderr.txt"));
  ASSERT_EQ(r.exit_code, 0) << slurp(path("stderr.txt"));
  const std::vector<nlohmann::json> lines = json_lines(r.out);

  // The manifest: what was produced, by seq.
  std::map<std::uint64_t, nlohmann::json> produced;
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> produced_per_window;
  {
    std::istringstream in(slurp(path("manifest.jsonl")));
    for (std::string line; std::getline(in, line);) {
      nlohmann::json m = nlohmann::json::parse(line);
      const std::int64_t ts = m["event_time"];
      ++produced_per_window[{floor_window(ts), m["key"].get<std::string>()}];
      const std::uint64_t seq = m["seq"];
      produced[seq] = std::move(m);
    }
  }
  ASSERT_EQ(produced.size(), 4000u);

  Model model({0, 1, 2, 3});
  std::set<std::uint64_t> seen;
  std::int64_t last_timestamp = kNone;
  std::int64_t late = 0, dropped = 0, late_counted = 0;
  std::vector<nlohmann::json> windows;
  for (const nlohmann::json& line : lines) {
    if (line.contains("type")) {
      windows.push_back(line);
      continue;
    }
    // Arrival order: the partitions merged by Kafka timestamp.
    const std::int64_t timestamp = line["timestamp"];
    EXPECT_GE(timestamp, last_timestamp) << line.dump();
    last_timestamp = timestamp;
    std::uint64_t seq = 0;
    std::int64_t delay = 0;
    for (const nlohmann::json& h : line["headers"]) {
      if (h["key"] == "tidemark-seq") seq = std::stoull(h["value"].get<std::string>());
      if (h["key"] == "tidemark-delay-ms") delay = std::stoll(h["value"].get<std::string>());
    }
    ASSERT_TRUE(produced.count(seq)) << line.dump();
    const nlohmann::json& m = produced[seq];
    EXPECT_TRUE(seen.insert(seq).second) << "seq " << seq << " read twice";
    EXPECT_EQ(line["partition"], m["partition"]);
    EXPECT_EQ(line["event_time"], m["event_time"]);
    EXPECT_EQ(delay, m["delay_ms"].get<std::int64_t>());

    const std::string key = line["value"]["test_data"].dump();
    const Model::Verdict v = model.record(line["partition"], line["event_time"], key, timestamp);
    EXPECT_EQ(line["late"].get<bool>(), v.late) << line.dump();
    EXPECT_EQ(line["dropped"].get<bool>(), v.dropped) << line.dump();
    const std::int64_t written =
        line["watermark"].is_null() ? kNone : line["watermark"].get<std::int64_t>();
    EXPECT_EQ(written, v.watermark) << line.dump();
    late += v.late;
    dropped += v.dropped;
    late_counted += v.late && !v.dropped;
  }
  model.end_of_input();
  EXPECT_EQ(seen.size(), 4000u);

  // Window results: exactly the model's, each once.
  std::map<std::pair<std::int64_t, std::string>, std::pair<std::int64_t, std::int64_t>> written;
  for (const nlohmann::json& w : windows) {
    EXPECT_EQ(w["window_end"].get<std::int64_t>() - w["window_start"].get<std::int64_t>(), kWindow);
    EXPECT_EQ(w["firing"], 1);
    const auto k = std::make_pair(w["window_start"].get<std::int64_t>(), w["key"].dump());
    EXPECT_TRUE(written
                    .emplace(k, std::make_pair(w["count"].get<std::int64_t>(),
                                               w["watermark"].get<std::int64_t>()))
                    .second)
        << w.dump();
  }
  EXPECT_EQ(written, model.fired);
  // Against the manifest: every produced event is counted in its window or dropped.
  for (const auto& [k, n] : produced_per_window) {
    const std::int64_t counted = model.fired.count(k) ? model.fired.at(k).first : 0;
    const std::int64_t lost = model.dropped_.count(k) ? model.dropped_.at(k) : 0;
    EXPECT_EQ(counted + lost, n) << "window " << k.first << " key " << k.second;
  }
  // Not vacuous: late records, drops, late records still counted, and the idle partition.
  EXPECT_GT(late, 30);
  EXPECT_GT(dropped, 10);
  EXPECT_GT(late_counted, 3);
  const std::string err = slurp(path("stderr.txt"));
  EXPECT_NE(
      err.find("event time: 4000 records in the watermarks, " + std::to_string(late) + " late"),
      std::string::npos)
      << err;
  EXPECT_NE(err.find(std::to_string(dropped) + " dropped by the window"), std::string::npos) << err;
  EXPECT_NE(err.find("watermark MAX (end of input)"), std::string::npos) << err;
  EXPECT_NE(err.find("window: tumble:1m, grouped by test_data"), std::string::npos) << err;
  EXPECT_EQ(err.find('\x1b'), std::string::npos) << "no live view (escape codes) on a pipe";
}

TEST_F(ConsumeEventTimeCli, TheLiveViewIsDrawnOnATerminal) {
  if (::access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "script(1) is not installed";
  // script(1) runs the consumer on a pseudo-terminal and copies what it draws to stdout. The
  // read is unbounded (it stays and refreshes) and ends with Ctrl-C after 2 s.
  auto on_terminal = [](const std::string& flags) {
    const std::string inner = "/usr/bin/timeout --preserve-status -s INT 2 " +
                              std::string(TIDEMARK_BINARY) + " consume -b " + broker_->bootstrap() +
                              " -t et " + flags;
    return run_command("/usr/bin/script -qec '" + inner + "' /dev/null 2>&1");
  };
  const RunResult r = on_terminal("--watermark-delay 5s --idle-timeout 1s --output none");
  ASSERT_EQ(r.exit_code, 130) << r.out;
  EXPECT_NE(r.out.find("\x1b["), std::string::npos) << "redrawn in place";
  for (const char* text : {"PARTITION", "POSITION", "HIGH-WATERMARK OFFSET", "LAG",
                           "MAX EVENT TIME", "EVENT-TIME WATERMARK", "STATE",
                           "combined event-time watermark:", "strategy: SQL WATERMARK", "idle"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  }
  // --no-live-view, and records printed to the same terminal, switch it off.
  for (const char* flags :
       {"--watermark-delay 5s --output none --no-live-view", "--watermark-delay 5s"}) {
    const RunResult quiet = on_terminal(flags);
    EXPECT_EQ(quiet.exit_code, 130) << quiet.out;
    EXPECT_EQ(quiet.out.find("EVENT-TIME WATERMARK"), std::string::npos) << flags;
    EXPECT_NE(quiet.out.find("records"), std::string::npos) << "the summary\n" << quiet.out;
  }
}

TEST_F(ConsumeEventTimeCli, RecordTimestampReplaysAreTheSameOnEveryRun) {
  const std::string args = kReplay + " --watermark-trace ";
  const RunResult a = run(consume(args + path("a.csv")));
  const RunResult b = run(consume(args + path("b.csv")));
  ASSERT_EQ(a.exit_code, 0);
  ASSERT_EQ(b.exit_code, 0);
  EXPECT_EQ(a.out, b.out);
  const std::string trace = slurp(path("a.csv"));
  EXPECT_EQ(trace, slurp(path("b.csv")));
  EXPECT_EQ(trace.rfind("kind,arrival,partition,offset,event_time,watermark", 0), 0u);
  EXPECT_NE(trace.find("\nidle,"), std::string::npos) << "partition 3 should have gone idle";
  // `tidemark chart` draws it.
  const RunResult chart = run("chart " + path("a.csv") + " -o " + path("a.svg"));
  EXPECT_EQ(chart.exit_code, 0);
  EXPECT_NE(slurp(path("a.svg")).find("<svg"), std::string::npos);
}

TEST_F(ConsumeEventTimeCli, TextOutputMarksLateRecordsAndWindowsCanGoToAFile) {
  const RunResult r =
      run(consume(kReplay + " -f '%p:%o\\n' --window-output " + path("windows.jsonl")));
  ASSERT_EQ(r.exit_code, 0);
  std::int64_t plain = 0, late = 0, dropped = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("LATE DROPPED ", 0) == 0) {
      ++dropped;
    } else if (line.rfind("LATE ", 0) == 0) {
      ++late;
    } else {
      EXPECT_NE(line.find(':'), std::string::npos) << line;
      EXPECT_EQ(line.find('{'), std::string::npos) << "window lines went to the file: " << line;
      ++plain;
    }
  }
  EXPECT_EQ(plain + late + dropped, 4000);
  EXPECT_GT(dropped, 0);
  EXPECT_GT(late, 0);
  const std::vector<nlohmann::json> windows = json_lines(slurp(path("windows.jsonl")));
  ASSERT_FALSE(windows.empty());
  for (const nlohmann::json& w : windows) EXPECT_EQ(w["type"], "window");
}

TEST_F(ConsumeEventTimeCli, RecordsWithoutAnEventTimeAreCountedNotFatal) {
  // Lab events have no lpep_pickup_datetime: every record is written with "event_time":null,
  // nothing reaches the watermarks, and the summary says why.
  const RunResult r = run(
      consume("--event-time-field lpep_pickup_datetime --window tumble:1m -c 3"), path("err1.txt"));
  EXPECT_EQ(r.exit_code, 0) << slurp(path("err1.txt"));
  const std::vector<nlohmann::json> lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  for (const nlohmann::json& line : lines) {
    EXPECT_TRUE(line["event_time"].is_null()) << line.dump();
    EXPECT_TRUE(line["late"].is_null()) << line.dump();
    EXPECT_TRUE(line["watermark"].is_null()) << line.dump();
  }
  const std::string err = slurp(path("err1.txt"));
  EXPECT_NE(err.find("3 records without an event time"), std::string::npos) << err;
  EXPECT_NE(err.find("3 its event type has no such field"), std::string::npos) << err;
}

}  // namespace
