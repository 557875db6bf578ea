// Cost per record of the event-time side of a replay (consumer::EventTimePipeline): the
// watermark tracker alone and with one-minute tumbling windows, in periodic (Flink's default,
// 200 ms) and per-record emission, over 4 partitions of lab-like records (10 records/ms of
// processing time, up to 5 s of disorder, 1% very late). The target is that watermarks
// and windows add at most 15% to `tidemark consume` throughput; compare these ns/record with
// consume's per-record cost. Run: build/bench/event_time_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "tidemark/consumer/event_time_output.h"
#include "tidemark/consumer/event_time_pipeline.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::bench {
namespace {

using consumer::EventTimeOptions;
using consumer::EventTimePipeline;
using consumer::WindowResult;

struct Input {
  std::int32_t partition;
  std::int64_t event_time;
  std::int64_t processing_time;
  std::string key;
};

const std::vector<Input>& inputs() {
  static const std::vector<Input> records = [] {
    std::vector<Input> out;
    std::mt19937 rng(42);
    std::uniform_int_distribution<std::int64_t> jitter(-5000, 0);
    std::bernoulli_distribution very_late(0.01);
    std::uniform_int_distribution<int> partition(0, 3);
    std::uniform_int_distribution<int> key(0, 9);
    constexpr std::int64_t kT0 = 1732345678901;
    for (std::int64_t i = 0; i < (1 << 20); ++i) {
      std::int64_t ts = kT0 + i + jitter(rng);  // 1000 records per second of event time
      if (very_late(rng)) ts -= 120000;
      std::string k = "k";
      k += std::to_string(key(rng));
      out.push_back({partition(rng), ts, i / 10, std::move(k)});
    }
    return out;
  }();
  return records;
}

void run(benchmark::State& state, bool per_record, bool windows, bool keyed) {
  EventTimeOptions o;
  o.watermark.delay_ms = 5000;
  o.watermark.per_record = per_record;
  o.watermark.idle_timeout_ms = 30000;
  if (windows) o.window = consumer::WindowOptions{};
  const std::vector<Input>& in = inputs();
  const std::vector<std::int32_t> partitions = {0, 1, 2, 3};
  auto made = EventTimePipeline::create(o, partitions, 0);
  if (!made.ok()) {
    state.SkipWithError(made.status().message().c_str());
    return;
  }
  EventTimePipeline pipeline = std::move(*made);
  std::vector<WindowResult> fired;
  std::size_t i = 0;
  std::int64_t base = 0;  // keeps times increasing when the input wraps around
  std::int64_t late = 0;
  for (auto _ : state) {
    const Input& r = in[i];
    const consumer::RecordOutcome out =
        pipeline.on_record(r.partition, static_cast<std::int64_t>(i), r.event_time + base,
                           keyed ? r.key : "", r.processing_time + base, fired);
    late += out.late;
    fired.clear();
    if (++i == in.size()) {
      i = 0;
      base += in.back().processing_time * 10 + 1000000;
    }
  }
  benchmark::DoNotOptimize(late);
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(run, watermarks_periodic, false, false, false);
BENCHMARK_CAPTURE(run, watermarks_per_record, true, false, false);
BENCHMARK_CAPTURE(run, watermarks_windows_periodic, false, true, false);
BENCHMARK_CAPTURE(run, watermarks_windows_by_key_periodic, false, true, true);
BENCHMARK_CAPTURE(run, watermarks_windows_by_key_per_record, true, true, true);

// What `tidemark consume --output none` adds per record with event-time flags: the whole
// EventTimeSink::write (event time from the decoded lab event, the wall processing clock, the
// pipeline, the group key) against the NullSink the plain consume uses, on decoded records.
void sink(benchmark::State& state, bool event_time, bool windows, bool keyed, bool per_record) {
  static const serializers::SerializerRegistry registry = serializers::make_builtin_registry();
  const std::vector<Input>& in = inputs();
  std::unique_ptr<consumer::RecordSink> out;
  if (event_time) {
    consumer::EventTimeOutputOptions o;
    o.event_time.watermark.delay_ms = 5000;
    o.event_time.watermark.per_record = per_record;
    if (windows) o.event_time.window = consumer::WindowOptions{};
    if (keyed) o.group_by = *consumer::EventField::any("test_data");
    auto made = consumer::EventTimeSink::create(
        o, registry.find("json"), consumer::RecordStyle::kNone, std::nullopt, nullptr, nullptr);
    if (!made.ok()) {
      state.SkipWithError(made.status().message().c_str());
      return;
    }
    out = std::move(*made);
  } else {
    out = std::make_unique<consumer::NullSink>();
  }
  const std::vector<std::int32_t> partitions = {0, 1, 2, 3};
  out->on_assigned(partitions);
  // As in the consumer: one message and one event, rewritten for every record (the decoder
  // decodes into the same Event each time).
  kafka::ConsumedMessage message;
  message.topic = "lab";
  message.timestamp_type = kafka::TimestampType::kCreateTime;
  core::Event event = core::LabEvent{};
  consumer::DecodedRecord r;
  r.message = &message;
  r.event = &event;
  r.value_kind = consumer::ValueKind::kEvent;
  r.event_type = core::EventType::kLab;
  std::size_t i = 0;
  std::int64_t base = 0;  // later event times on every pass, so the watermark keeps moving
  for (auto _ : state) {
    const Input& x = in[i];
    message.partition = x.partition;
    message.offset = static_cast<std::int64_t>(i);
    message.timestamp_ms = x.event_time + base;
    std::get<core::LabEvent>(event) =
        core::LabEvent{static_cast<std::int32_t>(i % 100), x.event_time + base};
    benchmark::DoNotOptimize(out->write(r));
    if (++i == in.size()) {
      i = 0;
      base += 10000000;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(sink, consume_none_plain, false, false, false, false);
BENCHMARK_CAPTURE(sink, consume_none_watermarks, true, false, false, false);
BENCHMARK_CAPTURE(sink, consume_none_watermarks_windows, true, true, false, false);
BENCHMARK_CAPTURE(sink, consume_none_watermarks_windows_by_key, true, true, true, false);
BENCHMARK_CAPTURE(sink, consume_none_per_record_windows, true, true, false, true);

}  // namespace
}  // namespace tidemark::bench

BENCHMARK_MAIN();
