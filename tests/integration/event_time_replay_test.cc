// Event time on real replays: the producer writes a topic with known disorder (out-of-order and
// late-by-design events, ground truth in its manifest), EventConsumer reads it back through
// EventTimeSink, and the late flags, drop flags and window results are compared with what the
// manifest implies, computed here from scratch (a running maximum and the window arithmetic; no
// tidemark event-time code). One partition keeps the arrival order equal to the produce order,
// so the expectations follow from the manifest alone.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "read_back.h"
#include "tidemark/consumer/event_consumer.h"
#include "tidemark/consumer/event_time_output.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark {
namespace {

constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kWindow = 60000;

struct ManifestLine {
  std::uint64_t seq = 0;
  std::int32_t partition = -1;
  std::int64_t event_time = 0;
  std::int64_t delay_ms = 0;
};

std::int64_t floor_window(std::int64_t ts) { return ts - (((ts % kWindow) + kWindow) % kWindow); }

class EventTimeReplayBase : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = serializers::make_builtin_registry();
    core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start({});
    ASSERT_TRUE(b.ok()) << b.status().message();
    broker_ = std::move(*b);
  }

  // Produces `count` lab events into a one-partition topic and returns the manifest, in
  // delivery order (= offset order on one partition).
  std::vector<ManifestLine> produce(
      const std::string& topic, std::uint64_t count,
      producer::RecordTimestamp timestamps = producer::RecordTimestamp::kEventTime) {
    EXPECT_TRUE(broker_->create_topic(topic, 1).ok());
    producer::EventProducerOptions o;
    o.topic = topic;
    o.type = core::EventType::kLab;
    o.serializer = registry_.find("json");
    o.seed = 1234;
    o.key = producer::KeySpec::default_for(core::EventType::kLab);
    o.clock = *producer::EventClock::simulated(*core::parse_iso8601("2026-01-01T10:00:00Z"), 100,
                                               0);  // one event every 100 ms of event time
    o.count = count;
    o.record_timestamp = timestamps;
    o.disorder.out_of_order_ms = 3000;
    o.disorder.late_fraction = 0.05;
    o.disorder.late_min_ms = 5000;
    o.disorder.late_max_ms = 80000;
    std::FILE* manifest = std::tmpfile();
    EXPECT_NE(manifest, nullptr);
    o.manifest = manifest;
    kafka::Config config(kafka::ClientRole::kProducer);
    EXPECT_TRUE(config.set_override("log_level", "3").ok());
    core::Result<std::unique_ptr<kafka::Producer>> p =
        kafka::Producer::create(config, broker_->bootstrap());
    EXPECT_TRUE(p.ok());
    core::Result<std::unique_ptr<producer::EventProducer>> ep =
        producer::EventProducer::create(std::move(o));
    EXPECT_TRUE(ep.ok()) << ep.status().message();
    producer::KafkaSink sink(**p);
    producer::ProducerStats stats;
    EXPECT_TRUE((*ep)->run(sink, nullptr, stats).ok());
    EXPECT_EQ(stats.acked, count);
    std::vector<ManifestLine> lines;
    std::rewind(manifest);
    char buf[512];
    while (std::fgets(buf, sizeof buf, manifest) != nullptr) {
      const nlohmann::json j = nlohmann::json::parse(buf);
      lines.push_back({j["seq"].get<std::uint64_t>(), j["partition"].get<std::int32_t>(),
                       j["event_time"].get<std::int64_t>(), j["delay_ms"].get<std::int64_t>()});
    }
    std::fclose(manifest);
    return lines;
  }

  // Replays the topic (earliest to the end offsets) with per-record watermarks and 1-minute
  // windows; returns the output lines.
  std::vector<nlohmann::json> replay(const std::string& topic, std::int64_t delay,
                                     consumer::WatermarkStyle style) {
    consumer::EventTimeOutputOptions eo;
    eo.event_time.watermark.delay_ms = delay;
    eo.event_time.watermark.style = style;
    eo.event_time.watermark.per_record = true;
    eo.event_time.window = consumer::WindowOptions{consumer::TumbleSpec{kWindow, 0}, 0};
    char* data = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&data, &size);
    core::Result<std::unique_ptr<consumer::EventTimeSink>> sink = consumer::EventTimeSink::create(
        eo, registry_.find("json"), consumer::RecordStyle::kJson, std::nullopt, out, out);
    EXPECT_TRUE(sink.ok()) << sink.status().message();

    consumer::ConsumeOptions o;
    o.topic = topic;
    o.bounded.mode = consumer::BoundedMode::kLatestOffset;
    o.decode.registry = &registry_;
    kafka::Config config(kafka::ClientRole::kConsumer);
    EXPECT_TRUE(config.set_override("fetch.wait.max.ms", "20").ok());
    EXPECT_TRUE(config.set_override("log_level", "3").ok());
    core::Result<std::unique_ptr<consumer::EventConsumer>> ec =
        consumer::EventConsumer::create(config, broker_->bootstrap(), std::move(o));
    EXPECT_TRUE(ec.ok()) << ec.status().message();
    core::Result<consumer::ConsumePlan> plan = (*ec)->plan();
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    consumer::ConsumeStats stats;
    EXPECT_TRUE((*ec)->run(&*plan, **sink, nullptr, stats).ok());
    EXPECT_EQ(stats.end, consumer::ConsumeEnd::kBoundedEnd);
    EXPECT_TRUE((*sink)->end_of_input().ok());
    EXPECT_TRUE((*sink)->flush().ok());
    std::fclose(out);
    std::vector<nlohmann::json> lines;
    std::istringstream in(std::string(data, size));
    std::free(data);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

  serializers::SerializerRegistry registry_;
  std::unique_ptr<kafka::EmbeddedBroker> broker_;
};

class EventTimeReplayTest : public EventTimeReplayBase,
                            public ::testing::WithParamInterface<consumer::WatermarkStyle> {};
using SendTimestampTest = EventTimeReplayBase;

TEST_P(EventTimeReplayTest, LateFlagsAndWindowCountsMatchTheManifest) {
  constexpr std::int64_t kDelay = 4000;
  const bool sql = GetParam() == consumer::WatermarkStyle::kSql;
  const std::string topic = sql ? "replay-sql" : "replay-datastream";
  const std::vector<ManifestLine> manifest = produce(topic, 3000);
  ASSERT_EQ(manifest.size(), 3000u);
  const std::vector<nlohmann::json> out = replay(topic, kDelay, GetParam());

  // ---- what the manifest implies, from scratch ----
  // The combined watermark of one partition after each record: max event time - B (SQL) or
  // - B - 1 ms (DataStream), per record.
  const std::int64_t minus = sql ? kDelay : kDelay + 1;
  struct Expected {
    std::int64_t event_time;
    bool late;
    bool dropped;
    std::int64_t watermark_after;
  };
  std::vector<Expected> expected;
  struct Win {
    std::int64_t count = 0;
    std::int64_t dropped = 0;
    bool fired = false;
    std::int64_t fired_by = 0;
  };
  std::map<std::int64_t, Win> windows;  // by start
  std::vector<std::int64_t> firing_order;
  std::int64_t max_ts = kNone;
  for (const ManifestLine& m : manifest) {
    const std::int64_t before = max_ts == kNone ? kNone : max_ts - minus;
    const bool late = before != kNone && m.event_time <= before;
    const std::int64_t start = floor_window(m.event_time);
    const bool dropped = before != kNone && start + kWindow - 1 <= before;
    if (dropped) {
      ++windows[start].dropped;
    } else {
      ++windows[start].count;
    }
    max_ts = max_ts == kNone ? m.event_time : std::max(max_ts, m.event_time);
    const std::int64_t after = max_ts - minus;
    for (auto& [s, w] : windows) {
      if (!w.fired && w.count > 0 && s + kWindow - 1 <= after) {
        w.fired = true;
        w.fired_by = after;
        firing_order.push_back(s);
      }
    }
    expected.push_back({m.event_time, late, dropped, after});
    // The producer's ground truth says the same: delay_ms is how far the event is behind the
    // largest event time before it.
    EXPECT_EQ(late, m.delay_ms >= minus) << "seq " << m.seq;
  }
  for (auto& [s, w] : windows) {
    if (!w.fired && w.count > 0) firing_order.push_back(s);  // end of input: MAX
  }

  // ---- what the replay wrote ----
  std::size_t record = 0;
  std::size_t window = 0;
  std::int64_t late = 0;
  std::int64_t dropped = 0;
  std::int64_t late_counted = 0;
  for (const nlohmann::json& line : out) {
    if (line.contains("type")) {
      ASSERT_EQ(line["type"], "window");
      ASSERT_LT(window, firing_order.size());
      const std::int64_t start = firing_order[window++];
      const Win& w = windows[start];
      EXPECT_EQ(line["window_start"].get<std::int64_t>(), start);
      EXPECT_EQ(line["window_end"].get<std::int64_t>(), start + kWindow);
      EXPECT_EQ(line["count"].get<std::int64_t>(), w.count) << line.dump();
      EXPECT_TRUE(line["key"].is_null());
      if (w.fired) {
        EXPECT_EQ(line["watermark"].get<std::int64_t>(), w.fired_by) << line.dump();
        EXPECT_EQ(line["cause"], "watermark");
      } else {
        EXPECT_EQ(line["watermark"].get<std::int64_t>(), std::numeric_limits<std::int64_t>::max());
        EXPECT_EQ(line["cause"], "end-of-input");
      }
      continue;
    }
    ASSERT_LT(record, expected.size());
    const Expected& e = expected[record];
    EXPECT_EQ(line["offset"].get<std::int64_t>(), static_cast<std::int64_t>(record));
    EXPECT_EQ(line["event_time"].get<std::int64_t>(), e.event_time);
    EXPECT_EQ(line["late"].get<bool>(), e.late) << line.dump();
    EXPECT_EQ(line["dropped"].get<bool>(), e.dropped) << line.dump();
    EXPECT_EQ(line["watermark"].get<std::int64_t>(), e.watermark_after) << line.dump();
    late += e.late ? 1 : 0;
    dropped += e.dropped ? 1 : 0;
    late_counted += e.late && !e.dropped ? 1 : 0;
    ++record;
  }
  EXPECT_EQ(record, manifest.size());
  EXPECT_EQ(window, firing_order.size());
  // Not vacuous: the data has every case.
  EXPECT_GT(late, 50);
  EXPECT_GT(dropped, 20);
  EXPECT_GT(late_counted, 10);
  EXPECT_GE(windows.size(), 5u);
}

// --record-timestamp send: the CreateTime is the simulated producer's clock when it sent the
// record (the newest generated event's time), so held-back events carry a later timestamp than
// their event time, timestamps never go back, and the replay with --processing-time
// record-timestamp sees the records arrive when they were sent.
TEST_F(SendTimestampTest, SendTimestampsAreTheSimulatedProducersClock) {
  const std::vector<ManifestLine> manifest =
      produce("send-times", 2000, producer::RecordTimestamp::kSend);
  const std::vector<testing::ReadRecord> records =
      testing::read_back(broker_->bootstrap(), "send-times", 1, 2000);
  ASSERT_EQ(records.size(), 2000u);
  const std::int64_t first = *core::parse_iso8601("2026-01-01T10:00:00Z");
  std::int64_t previous = kNone;
  std::int64_t max_event_time = kNone;
  int later = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const testing::ReadRecord& r = records[i];
    const std::int64_t event_time = manifest[i].event_time;
    max_event_time = std::max(max_event_time, event_time);
    EXPECT_GE(r.timestamp, max_event_time) << "offset " << i;  // sent after it was generated
    EXPECT_GE(r.timestamp, previous) << "offset " << i;
    EXPECT_EQ((r.timestamp - first) % 100, 0) << "a generation step of the simulated clock";
    later += r.timestamp > event_time ? 1 : 0;
    previous = r.timestamp;
  }
  EXPECT_GT(later, 500) << "held-back events are sent later than their event time";
  EXPECT_EQ(records.back().timestamp, first + 1999 * 100) << "the drain at the end";
}

INSTANTIATE_TEST_SUITE_P(Styles, EventTimeReplayTest,
                         ::testing::Values(consumer::WatermarkStyle::kSql,
                                           consumer::WatermarkStyle::kDataStream),
                         [](const ::testing::TestParamInfo<consumer::WatermarkStyle>& p) {
                           return p.param == consumer::WatermarkStyle::kSql ? "Sql" : "DataStream";
                         });

}  // namespace
}  // namespace tidemark
