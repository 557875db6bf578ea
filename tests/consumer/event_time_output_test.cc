// EventTimeSink, the event-time output of `tidemark consume`, on hand-made records (no broker):
// the envelope's event_time/watermark/late/dropped members, window result lines where Flink emits
// them (before the record for a periodic tick, after it for its own watermark), the -f prefixes,
// typed group keys, records without an event time, idleness on the record-timestamp clock, the
// trace, and the live view's labels.
#include "tidemark/consumer/event_time_output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::consumer {
namespace {

constexpr std::int64_t kT0 = 1767261600000;  // 2026-01-01T10:00:00Z
constexpr std::int64_t kSec = 1000;
constexpr std::int64_t kMin = 60 * kSec;

// A FILE* writing into memory.
class MemFile {
 public:
  MemFile() : file_(open_memstream(&data_, &size_)) {}
  ~MemFile() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(data_);
  }
  std::FILE* get() const { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }
  std::vector<std::string> lines() {
    std::vector<std::string> out;
    std::istringstream in(text());
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

class EventTimeSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = serializers::make_builtin_registry(); }
  const serializers::Serializer* json() { return registry_.find("json"); }

  // Per-record watermarks on the record-timestamp clock: deterministic.
  static EventTimeOutputOptions per_record(std::int64_t delay, bool window) {
    EventTimeOutputOptions o;
    o.event_time.watermark.delay_ms = delay;
    o.event_time.watermark.per_record = true;
    if (window) o.event_time.window = WindowOptions{TumbleSpec{kMin, 0}, 0};
    o.clock = ProcessingClock::kRecordTimestamp;
    return o;
  }

  std::unique_ptr<EventTimeSink> sink(EventTimeOutputOptions o, RecordStyle style,
                                      std::FILE* records, std::FILE* windows,
                                      std::optional<KcatFormat> format = std::nullopt) {
    core::Result<std::unique_ptr<EventTimeSink>> s =
        EventTimeSink::create(std::move(o), json(), style, std::move(format), records, windows);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Writes a lab event with this event time; the Kafka timestamp (processing time on the
  // record-timestamp clock) defaults to the event time.
  void lab(EventTimeSink& s, std::int32_t partition, std::int64_t offset, std::int64_t event_time,
           std::int64_t kafka_ts = -2, std::int32_t test_data = 7) {
    core::Event e = core::LabEvent{test_data, event_time};
    write_event(s, partition, offset, e, kafka_ts == -2 ? event_time : kafka_ts);
  }
  void write_event(EventTimeSink& s, std::int32_t partition, std::int64_t offset,
                   const core::Event& e, std::int64_t kafka_ts) {
    kafka::ConsumedMessage m;
    m.topic = "lab";
    m.partition = partition;
    m.offset = offset;
    m.timestamp_ms = kafka_ts;
    m.timestamp_type = kafka::TimestampType::kCreateTime;
    m.value = std::string_view("{}");
    DecodedRecord r;
    r.message = &m;
    r.value_kind = ValueKind::kEvent;
    r.event = &e;
    r.event_type = core::event_type_of(e);
    r.serializer = json();
    ASSERT_TRUE(s.write(r).ok());
  }

  serializers::SerializerRegistry registry_;
};

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST_F(EventTimeSinkTest, EnvelopeGainsEventTimeWatermarkAndLate) {
  MemFile out;
  auto s = sink(per_record(10 * kSec, false), RecordStyle::kJson, out.get(), out.get());
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0);                  // watermark after: kT0 - 10 s
  lab(*s, 0, 1, kT0 - 10 * kSec);      // exactly at the watermark: late (ts <= W)
  lab(*s, 0, 2, kT0 - 10 * kSec + 1);  // 1 ms above: on time
  ASSERT_TRUE(s->flush().ok());
  const std::vector<std::string> lines = out.lines();
  ASSERT_EQ(lines.size(), 3u) << out.text();
  const std::string w = std::to_string(kT0 - 10 * kSec);
  EXPECT_TRUE(ends_with(lines[0], ",\"event_time\":" + std::to_string(kT0) + ",\"watermark\":" + w +
                                      ",\"late\":false}"))
      << lines[0];
  EXPECT_TRUE(
      ends_with(lines[1], ",\"event_time\":" + w + ",\"watermark\":" + w + ",\"late\":true}"))
      << lines[1];
  EXPECT_TRUE(ends_with(lines[2], ",\"late\":false}")) << lines[2];
  EXPECT_EQ(lines[0].rfind("{\"topic\":\"lab\",\"partition\":0,\"offset\":0,", 0), 0u) << lines[0];
  EXPECT_EQ(s->counts().late, 1);
  EXPECT_EQ(s->counts().with_time, 3);
}

TEST_F(EventTimeSinkTest, NoWatermarkYetIsNullWhileAPartitionHasNoRecords) {
  MemFile out;
  auto s = sink(per_record(0, false), RecordStyle::kJson, out.get(), out.get());
  s->on_assigned(std::vector<std::int32_t>{0, 1});
  lab(*s, 0, 0, kT0);
  lab(*s, 1, 0, kT0 + kSec);
  ASSERT_TRUE(s->flush().ok());
  const std::vector<std::string> lines = out.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(ends_with(lines[0], "\"watermark\":null,\"late\":false}")) << lines[0];
  EXPECT_TRUE(ends_with(lines[1], "\"watermark\":" + std::to_string(kT0) + ",\"late\":false}"))
      << lines[1];
}

TEST_F(EventTimeSinkTest, WindowLinesFollowTheRecordWhoseWatermarkFiredThem) {
  MemFile out;
  auto s = sink(per_record(0, true), RecordStyle::kJson, out.get(), out.get());
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0 + 10 * kSec);
  lab(*s, 0, 1, kT0 + 65 * kSec);  // watermark 10:01:05 >= 10:00:59.999: [10:00, 10:01) fires
  lab(*s, 0, 2, kT0 + 20 * kSec);  // its window has fired: late and dropped
  ASSERT_TRUE(s->end_of_input().ok());
  ASSERT_TRUE(s->flush().ok());
  const std::vector<std::string> lines = out.lines();
  ASSERT_EQ(lines.size(), 5u) << out.text();
  EXPECT_TRUE(ends_with(lines[0], "\"late\":false,\"dropped\":false}")) << lines[0];
  EXPECT_TRUE(ends_with(lines[1], "\"late\":false,\"dropped\":false}")) << lines[1];
  EXPECT_EQ(lines[2],
            "{\"type\":\"window\",\"window_start\":" + std::to_string(kT0) +
                ",\"window_end\":" + std::to_string(kT0 + kMin) +
                ",\"key\":null,\"count\":1,\"watermark\":" + std::to_string(kT0 + 65 * kSec) +
                ",\"firing\":1,\"cause\":\"watermark\"}");
  EXPECT_TRUE(ends_with(lines[3], "\"late\":true,\"dropped\":true}")) << lines[3];
  // End of input: MAX fires the rest.
  EXPECT_EQ(lines[4], "{\"type\":\"window\",\"window_start\":" + std::to_string(kT0 + kMin) +
                          ",\"window_end\":" + std::to_string(kT0 + 2 * kMin) +
                          ",\"key\":null,\"count\":1,\"watermark\":9223372036854775807,"
                          "\"firing\":1,\"cause\":\"end-of-input\"}");
  const EventTimeCounts c = s->counts();
  EXPECT_EQ(c.dropped, 1);
  EXPECT_EQ(c.window_results, 2);
  EXPECT_EQ(c.open_windows, 0u);
  EXPECT_TRUE(c.ended);
}

TEST_F(EventTimeSinkTest, APeriodicTickFiresWindowsBeforeTheNextRecord) {
  MemFile out;
  EventTimeOutputOptions o = per_record(0, true);
  o.event_time.watermark.per_record = false;
  o.event_time.watermark.interval_ms = 1000;  // ticks at 2000, 3000, ... of record timestamps
  auto s = sink(o, RecordStyle::kJson, out.get(), out.get());
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0 + 30 * kSec, 1000);
  lab(*s, 0, 1, kT0 + 70 * kSec, 1500);  // no tick yet: the watermark is still none
  lab(*s, 0, 2, kT0 + 80 * kSec, 5000);  // the tick at 2000 fires [10:00, 10:01) first
  ASSERT_TRUE(s->flush().ok());
  const std::vector<std::string> lines = out.lines();
  ASSERT_EQ(lines.size(), 4u) << out.text();
  EXPECT_TRUE(ends_with(lines[1], "\"watermark\":null,\"late\":false,\"dropped\":false}"))
      << lines[1];
  EXPECT_EQ(lines[2].rfind("{\"type\":\"window\"", 0), 0u) << lines[2];
  EXPECT_NE(lines[2].find("\"watermark\":" + std::to_string(kT0 + 70 * kSec)), std::string::npos)
      << lines[2];
  EXPECT_EQ(lines[3].rfind("{\"topic\"", 0), 0u) << lines[3];
}

TEST_F(EventTimeSinkTest, WindowResultsCanGoToTheirOwnFile) {
  MemFile out;
  MemFile windows;
  auto s = sink(per_record(0, true), RecordStyle::kJson, out.get(), windows.get());
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0);
  lab(*s, 0, 1, kT0 + kMin);
  ASSERT_TRUE(s->end_of_input().ok());
  ASSERT_TRUE(s->flush().ok());
  EXPECT_EQ(out.lines().size(), 2u);
  EXPECT_EQ(out.text().find("\"type\""), std::string::npos);
  EXPECT_EQ(windows.lines().size(), 2u) << windows.text();
}

TEST_F(EventTimeSinkTest, WithoutRecordOutputOnlyWindowLinesAreWritten) {
  MemFile out;
  auto s = sink(per_record(0, true), RecordStyle::kNone, nullptr, out.get());
  std::vector<WindowResult> seen;
  s->set_window_callback([&seen](const WindowResult& r) { seen.push_back(r); });
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0);
  ASSERT_TRUE(s->end_of_input().ok());
  ASSERT_TRUE(s->flush().ok());
  ASSERT_EQ(out.lines().size(), 1u);
  EXPECT_EQ(out.lines()[0].rfind("{\"type\":\"window\"", 0), 0u);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].count, 1);
}

TEST_F(EventTimeSinkTest, KcatLinesOfLateRecordsArePrefixed) {
  MemFile out;
  core::Result<KcatFormat> format = KcatFormat::parse("%o\\n");
  ASSERT_TRUE(format.ok());
  auto s = sink(per_record(0, true), RecordStyle::kKcat, out.get(), out.get(), *format);
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0 + 30 * kSec);
  lab(*s, 0, 1, kT0 + 10 * kSec);  // late, its window still open: counted
  lab(*s, 0, 2, kT0 + 61 * kSec);  // fires [10:00, 10:01)
  lab(*s, 0, 3, kT0 + 20 * kSec);  // late and dropped
  ASSERT_TRUE(s->flush().ok());
  const std::vector<std::string> lines = out.lines();
  ASSERT_EQ(lines.size(), 5u) << out.text();
  EXPECT_EQ(lines[0], "0");
  EXPECT_EQ(lines[1], "LATE 1");
  EXPECT_EQ(lines[2], "2");
  EXPECT_EQ(lines[3].rfind("{\"type\":\"window\"", 0), 0u);
  EXPECT_EQ(lines[4], "LATE DROPPED 3");
}

TEST_F(EventTimeSinkTest, GroupKeysAreTypedJsonValues) {
  MemFile out;
  EventTimeOutputOptions by_data = per_record(0, true);
  by_data.group_by = *EventField::any("test_data");
  auto s = sink(by_data, RecordStyle::kNone, nullptr, out.get());
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0, -2, 5);
  lab(*s, 0, 1, kT0 + 1, -2, 5);
  lab(*s, 0, 2, kT0 + 2, -2, 6);
  ASSERT_TRUE(s->end_of_input().ok());
  ASSERT_TRUE(s->flush().ok());
  const std::string text = out.text();
  EXPECT_NE(text.find("\"key\":5,\"count\":2"), std::string::npos) << text;
  EXPECT_NE(text.find("\"key\":6,\"count\":1"), std::string::npos) << text;

  MemFile out2;
  EventTimeOutputOptions by_ip = per_record(0, true);
  by_ip.group_by = *EventField::any("ip");
  auto w = sink(by_ip, RecordStyle::kNone, nullptr, out2.get());
  w->on_assigned(std::vector<std::int32_t>{0});
  core::WebEvent web = std::get<core::WebEvent>(core::sample_event(core::EventType::kWeb));
  web.event_time = kT0;
  web.ip = "10.0.0.\"1";
  write_event(*w, 0, 0, core::Event(web), kT0);
  lab(*w, 0, 1, kT0 + 1);  // lab events have no ip: the key is null
  ASSERT_TRUE(w->end_of_input().ok());
  ASSERT_TRUE(w->flush().ok());
  const std::string text2 = out2.text();
  EXPECT_NE(text2.find("\"key\":\"10.0.0.\\\"1\",\"count\":1"), std::string::npos) << text2;
  EXPECT_NE(text2.find("\"key\":null,\"count\":1"), std::string::npos) << text2;
}

TEST_F(EventTimeSinkTest, RecordsWithoutAnEventTimeAreWrittenWithNullAndCounted) {
  MemFile out;
  auto s = sink(per_record(0, true), RecordStyle::kJson, out.get(), out.get());
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0);
  kafka::ConsumedMessage m;
  m.topic = "lab";
  m.offset = 1;
  m.timestamp_ms = kT0;
  m.timestamp_type = kafka::TimestampType::kCreateTime;
  m.value = std::string_view("not json");
  DecodedRecord raw;
  raw.message = &m;
  raw.value_kind = ValueKind::kRaw;
  ASSERT_TRUE(s->write(raw).ok());
  DecodedRecord bad = raw;
  bad.value_kind = ValueKind::kDecodeError;
  bad.serializer = json();
  bad.error = "broken";
  ASSERT_TRUE(s->write(bad).ok());
  ASSERT_TRUE(s->write(bad).ok());
  ASSERT_TRUE(s->flush().ok());
  const std::vector<std::string> lines = out.lines();
  ASSERT_EQ(lines.size(), 4u);
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_TRUE(ends_with(lines[i], "\"event_time\":null,\"watermark\":" + std::to_string(kT0) +
                                        ",\"late\":null,\"dropped\":null}"))
        << lines[i];
  }
  const EventTimeCounts c = s->counts();
  EXPECT_EQ(c.with_time, 1);
  EXPECT_EQ(c.without_time_total(), 3);
  EXPECT_EQ(c.without_time[static_cast<std::size_t>(MissingEventTime::kNotAnEvent)], 1);
  EXPECT_EQ(c.without_time[static_cast<std::size_t>(MissingEventTime::kDecodeError)], 2);
  EXPECT_EQ(s->pipeline()->tracker().records(), 1) << "they are not fed to the watermarks";
}

TEST_F(EventTimeSinkTest, IdlenessIsMeasuredOnTheRecordTimestampClock) {
  MemFile out;
  EventTimeOutputOptions o = per_record(0, false);
  o.event_time.watermark.idle_timeout_ms = 10 * kSec;
  auto s = sink(o, RecordStyle::kJson, out.get(), out.get());
  s->on_assigned(std::vector<std::int32_t>{0, 1});
  lab(*s, 1, 0, kT0);  // partition 1's only record
  // Partition 0 goes on, one record a second: partition 1 holds the watermark at kT0 until it
  // has been silent for more than 10 s of record timestamps.
  for (int i = 1; i <= 15; ++i) lab(*s, 0, i, kT0 + i * kSec);
  ASSERT_TRUE(s->flush().ok());
  const std::vector<std::string> lines = out.lines();
  ASSERT_EQ(lines.size(), 16u);
  EXPECT_TRUE(ends_with(lines[5], "\"watermark\":" + std::to_string(kT0) + ",\"late\":false}"))
      << lines[5];
  EXPECT_TRUE(
      ends_with(lines[15], "\"watermark\":" + std::to_string(kT0 + 15 * kSec) + ",\"late\":false}"))
      << lines[15];
  const PartitionWatermarkState* p1 = s->pipeline()->tracker().partition(1);
  ASSERT_NE(p1, nullptr);
  EXPECT_TRUE(p1->idle);
}

TEST_F(EventTimeSinkTest, TraceIsWrittenForTheChart) {
  char dir[] = "/tmp/tidemark-et-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/trace.csv";
  EventTimeOutputOptions o = per_record(0, true);
  o.trace_path = path;
  auto s = sink(o, RecordStyle::kNone, nullptr, nullptr);
  s->on_assigned(std::vector<std::int32_t>{0});
  lab(*s, 0, 0, kT0);
  lab(*s, 0, 1, kT0 + kMin);
  ASSERT_TRUE(s->end_of_input().ok());
  ASSERT_TRUE(s->close_trace().ok());
  core::Result<TraceData> trace = read_watermark_trace(path);
  ASSERT_TRUE(trace.ok()) << trace.status().to_string();
  EXPECT_EQ(trace->records.size(), 2u);
  EXPECT_EQ(trace->windows.size(), 2u);
  std::remove(path.c_str());
  ::rmdir(dir);
}

TEST_F(EventTimeSinkTest, AnUnwritableTraceIsRefusedAtCreation) {
  EventTimeOutputOptions o = per_record(0, false);
  o.trace_path = "/nonexistent/dir/trace.csv";
  core::Result<std::unique_ptr<EventTimeSink>> s =
      EventTimeSink::create(o, json(), RecordStyle::kNone, std::nullopt, nullptr, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/nonexistent/dir/trace.csv"), std::string::npos);
}

TEST_F(EventTimeSinkTest, GroupingWithoutAWindowIsRefused) {
  EventTimeOutputOptions o = per_record(0, false);
  o.group_by = *EventField::any("ip");
  EXPECT_FALSE(
      EventTimeSink::create(o, json(), RecordStyle::kNone, std::nullopt, nullptr, nullptr).ok());
}

TEST_F(EventTimeSinkTest, LiveViewKeepsOffsetsAndEventTimesApartAndSaysWhyItIsStuck) {
  auto s = sink(per_record(5 * kSec, false), RecordStyle::kNone, nullptr, nullptr);
  s->on_assigned(std::vector<std::int32_t>{0, 1});
  lab(*s, 0, 41, kT0);
  LiveView view = s->live_view();
  ASSERT_EQ(view.rows.size(), 2u);
  EXPECT_EQ(view.rows[0].position, 42);
  EXPECT_EQ(view.rows[0].records, 1);
  EXPECT_EQ(view.rows[0].max_event_time, kT0);
  EXPECT_EQ(view.rows[0].watermark, kT0 - 5 * kSec);
  EXPECT_FALSE(view.rows[1].position.has_value());
  view.rows[0].high_watermark_offset = 50;
  const std::vector<std::string> lines = render_live_view(view);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_NE(lines[0].find("HIGH-WATERMARK OFFSET"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("EVENT-TIME WATERMARK"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("   8  "), std::string::npos) << "lag 50 - 42\n" << lines[1];
  EXPECT_NE(lines[1].find("2026-01-01T09:59:55.000Z"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("none"), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find("combined event-time watermark: none"), std::string::npos) << lines[3];
  EXPECT_NE(lines[4].find("stuck: partition 1 has no records yet"), std::string::npos) << lines[4];
}

}  // namespace
}  // namespace tidemark::consumer
