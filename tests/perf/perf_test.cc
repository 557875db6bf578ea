// The measurement library: spreads, batch sizes, the round-trip guard, the serializer bench's
// ranking, the SVG charts and the recording sink the perf baseline feeds on.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tidemark/perf/bar_chart.h"
#include "tidemark/perf/recording_sink.h"
#include "tidemark/perf/serializer_bench.h"
#include "tidemark/perf/spread.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::perf {
namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Spread, MedianOfOddAndEvenCountsWithRange) {
  const std::vector<double> odd = {5, 1, 3};
  const Spread a = spread_of(odd);
  EXPECT_EQ(a.median, 3);
  EXPECT_EQ(a.min, 1);
  EXPECT_EQ(a.max, 5);
  const std::vector<double> even = {4, 1, 3, 10};
  EXPECT_EQ(spread_of(even).median, 3.5);
  const Spread none = spread_of(std::vector<double>{});
  EXPECT_EQ(none.median, 0);
  EXPECT_EQ(none.max, 0);
}

TEST(MeasureSizes, BatchesByEventCountAndByBytes) {
  const std::vector<std::string> encoded(10, std::string(100, 'a'));
  BatchSpec by_events;
  by_events.max_events = 3;
  core::Result<SizeStats> a = measure_sizes(encoded, by_events);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->batches, 4u);  // 3 + 3 + 3 + 1
  EXPECT_EQ(a->bytes_per_event, 100);
  ASSERT_EQ(a->compressed_per_event.size(), 4u);
  EXPECT_EQ(a->compressed_per_event[0].first, "lz4");
  for (const auto& [codec, bytes] : a->compressed_per_event) {
    EXPECT_LT(bytes, 100) << codec << " should compress a run of one letter";
  }
  BatchSpec by_bytes;
  by_bytes.max_bytes = 250;  // two events fit, a third would not
  core::Result<SizeStats> b = measure_sizes(encoded, by_bytes);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->batches, 5u);
  // Bigger batches compress better: one batch of all ten beats batches of one.
  BatchSpec single;
  single.max_events = 1;
  core::Result<SizeStats> c = measure_sizes(encoded, single);
  core::Result<SizeStats> d = measure_sizes(encoded, BatchSpec{});
  ASSERT_TRUE(c.ok() && d.ok());
  EXPECT_LT(d->compressed_per_event[1].second, c->compressed_per_event[1].second);
  EXPECT_FALSE(measure_sizes(std::vector<std::string>{}, BatchSpec{}).ok());
}

// A format that silently loses the event time: the guard must refuse to time it.
class LossySerializer final : public serializers::Serializer {
 public:
  std::string_view name() const noexcept override { return "lossy"; }
  std::string_view content_type() const noexcept override { return "application/x-lossy"; }
  std::string_view description() const noexcept override { return "drops event times"; }
  core::Status encode(const core::Event& event, std::string& out) const override {
    out = std::to_string(std::get<core::LabEvent>(event).test_data);
    return {};
  }
  core::Result<core::Event> decode(std::string_view bytes, core::EventType) const override {
    core::LabEvent e;
    e.test_data = std::stoi(std::string(bytes));
    return core::Event(e);
  }
};

TEST(EncodeChecked, RefusesAFormatWhoseRoundTripDiffers) {
  const std::vector<core::Event> events = seeded_events(core::EventType::kLab, 1, 5);
  LossySerializer lossy;
  core::Result<std::vector<std::string>> r = encode_checked(lossy, events);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("lossy lab event 0"), std::string::npos)
      << r.status().message();
}

TEST(SeededEvents, AreReproducibleAndSpacedByTheStep) {
  const auto a = seeded_events(core::EventType::kWeb, 9, 3);
  const auto b = seeded_events(core::EventType::kWeb, 9, 3);
  EXPECT_EQ(a, b);
  EXPECT_EQ(core::event_time_of(a[1]) - core::event_time_of(a[0]), kBenchStepMs);
  EXPECT_NE(seeded_events(core::EventType::kWeb, 10, 3), a);
}

TEST(RunSerializerBench, MeasuresEveryPairAndRanksTheFastestAsOne) {
  const serializers::SerializerRegistry registry = serializers::make_builtin_registry();
  SerializerBenchOptions o;
  for (const auto& s : registry.all()) o.formats.push_back(s.get());
  o.types = {core::EventType::kLab, core::EventType::kTaxi};
  o.events = 50;
  o.timing.repetitions = 2;
  o.timing.min_time_s = 0.001;
  std::size_t progress_calls = 0;
  o.progress = [&progress_calls](const BenchProgress& p) {
    ++progress_calls;
    EXPECT_LE(p.done, p.total);
  };
  core::Result<std::vector<EventTypeResult>> r = run_serializer_bench(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(progress_calls, o.formats.size() * 2 * 3 + 1);
  for (const EventTypeResult& t : *r) {
    EXPECT_EQ(t.events, 50u);
    ASSERT_EQ(t.formats.size(), o.formats.size());
    double min_encode = 1e9, min_decode = 1e9;
    for (const FormatResult& f : t.formats) {
      EXPECT_GT(f.sizes.bytes_per_event, 0);
      EXPECT_GT(f.encode.ns_per_event.median, 0);
      EXPECT_LE(f.encode.ns_per_event.min, f.encode.ns_per_event.median);
      EXPECT_GE(f.encode.ns_per_event.max, f.encode.ns_per_event.median);
      EXPECT_GT(f.decode.mb_per_s.median, 0);
      EXPECT_GE(f.encode_ratio_to_fastest, 1.0);
      EXPECT_GE(f.decode_ratio_to_fastest, 1.0);
      min_encode = std::min(min_encode, f.encode_ratio_to_fastest);
      min_decode = std::min(min_decode, f.decode_ratio_to_fastest);
    }
    EXPECT_DOUBLE_EQ(min_encode, 1.0);
    EXPECT_DOUBLE_EQ(min_decode, 1.0);
  }
  // protobuf writes a lab event in fewer bytes than JSON, as `tidemark formats` shows.
  const auto& lab = (*r)[0].formats;
  double json = 0, protobuf = 0;
  for (const FormatResult& f : lab) {
    if (f.format == "json") json = f.sizes.bytes_per_event;
    if (f.format == "protobuf") protobuf = f.sizes.bytes_per_event;
  }
  EXPECT_LT(protobuf, json);
}

TEST(RunSerializerBench, RejectsInconsistentOptions) {
  const serializers::SerializerRegistry registry = serializers::make_builtin_registry();
  SerializerBenchOptions o;
  o.types = {core::EventType::kLab};
  EXPECT_EQ(run_serializer_bench(o).status().code(), core::StatusCode::kInvalidArgument);
  o.formats = {registry.all().front().get()};
  const std::vector<core::Event> trips = seeded_events(core::EventType::kTaxi, 1, 3);
  o.taxi_records = &trips;  // CSV rows with --event lab
  EXPECT_EQ(run_serializer_bench(o).status().code(), core::StatusCode::kInvalidArgument);
}

TEST(BarChartSvg, DrawsOneBarPerValueAndEscapesText) {
  BarChart chart;
  chart.title = "sizes <of> \"formats\" & more";
  chart.unit = "bytes";
  chart.groups = {"json", "protobuf", "thrift"};
  chart.series = {"raw", "lz4"};
  chart.values = {{48, 9, 19}, {8, 6.8, 7.3}};
  const std::string svg = grouped_bar_charts_svg({chart, chart}, "two & charts");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  // Per chart: 6 bars (each with a <title>) and 2 legend swatches; plus the background.
  EXPECT_EQ(count_of(svg, "<rect "), 2u * (6 + 2) + 1);
  EXPECT_EQ(count_of(svg, "<title>"), 12u);
  EXPECT_NE(svg.find("sizes &lt;of&gt; &quot;formats&quot; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find("two &amp; charts"), std::string::npos);
  EXPECT_EQ(svg.find("<of>"), std::string::npos);
  EXPECT_NE(svg.find(">48.0<"), std::string::npos);  // the value written on its bar
}

TEST(RecordingSink, KeepsEveryRecordWithOrWithoutItsHeaders) {
  RecordingSink sink;
  std::size_t delivered = 0;
  sink.set_delivery_callback([&delivered](const kafka::DeliveryReport&) { ++delivered; });
  const std::vector<kafka::RecordHeader> headers = {{"content-type", "application/json"}};
  kafka::OutgoingRecord a;
  a.topic = "t";
  a.key = std::string_view("k1");
  a.value = "v1";
  a.headers = headers;
  a.timestamp_ms = 42;
  kafka::OutgoingRecord b;
  b.topic = "t";
  b.value = "v2";
  const core::Event event = core::LabEvent{};
  ASSERT_TRUE(sink.send(a, event).ok());
  ASSERT_TRUE(sink.send(b, event).ok());
  EXPECT_EQ(delivered, 2u);
  const RecordedRecords full = sink.records(false);
  ASSERT_EQ(full.records.size(), 2u);
  EXPECT_EQ(full.records[0].key, "k1");
  EXPECT_EQ(full.records[0].value, "v1");
  ASSERT_EQ(full.records[0].headers.size(), 1u);
  EXPECT_EQ(full.records[0].headers[0].name, "content-type");
  EXPECT_EQ(full.records[0].headers[0].value, "application/json");
  EXPECT_EQ(full.records[0].timestamp_ms, 42);
  EXPECT_FALSE(full.records[1].key.has_value());
  EXPECT_TRUE(full.records[1].headers.empty());
  const RecordedRecords bare = sink.records(true);
  EXPECT_TRUE(bare.records[0].headers.empty());
  EXPECT_EQ(bare.records[0].timestamp_ms, 0);
  EXPECT_EQ(bare.records[1].value, "v2");
}

}  // namespace
}  // namespace tidemark::perf
