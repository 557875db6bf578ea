// The serializer measurements behind `tidemark bench serializers` and bench/serializers_bench:
// the same records through every selected format, size raw and after Kafka's batch codecs, and
// encode/decode cost as medians over repetitions with their range.
//
// What is measured, precisely:
//  * Input: seeded events from the producer's own generator (the traffic `tidemark produce`
//    sends), or the trips of a green-taxi CSV file. Every event is encoded and decoded back and
//    compared before anything is timed; a mismatch is an error, never a figure.
//  * Size: the raw bytes per event, and per codec (lz4, zstd, snappy, gzip at librdkafka's
//    default levels) the bytes per event after compressing consecutive encoded events in
//    batches of BatchSpec (default up to 1,000 events or 1 MB, librdkafka's batch.size: what a
//    busy producer's record batch holds). Kafka's per-batch and per-record framing is not
//    included.
//  * Time: one repetition runs whole passes over all events until TimingOptions::min_time_s has
//    passed (steady clock, wall time of the calling thread), giving ns/event and MB/s (of the
//    encoded bytes, for encode and decode alike); the Spread is over the repetitions.
//
// Thread-safety: the functions are reentrant; Serializers are thread-safe by contract.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tidemark/core/events.h"
#include "tidemark/core/status.h"
#include "tidemark/perf/spread.h"
#include "tidemark/serializers/serializer.h"

namespace tidemark::perf {

// Event time of the first generated event (2024-11-23T07:07:58.901Z); events are 100 ms apart.
inline constexpr std::int64_t kBenchStartMs = 1732345678901;
inline constexpr std::int64_t kBenchStepMs = 100;

// `count` events from producer::EventGenerator(type, seed): event i has time
// start_ms + i * step_ms.
std::vector<core::Event> seeded_events(core::EventType type, std::uint64_t seed, std::size_t count,
                                       std::int64_t start_ms = kBenchStartMs,
                                       std::int64_t step_ms = kBenchStepMs);

// Encodes every event and decodes it back, comparing with the original.
// Errors: the encoder's or decoder's status, or kInternal when a decoded event differs; the
// message names the format, event type and the event's index.
core::Result<std::vector<std::string>> encode_checked(const serializers::Serializer& serializer,
                                                      std::span<const core::Event> events);

// Consecutive encoded events form one batch until either limit is reached (at least one event
// per batch).
struct BatchSpec {
  std::size_t max_events = 1000;
  std::size_t max_bytes = 1000000;  // librdkafka's default batch.size
};

struct SizeStats {
  double bytes_per_event = 0;
  // (codec name, bytes per event after batch compression), in serializers::kAllCodecs order.
  std::vector<std::pair<std::string, double>> compressed_per_event;
  std::size_t batches = 0;
};

// Errors: kInvalidArgument for no events or a zero batch limit; a codec's kInternal.
core::Result<SizeStats> measure_sizes(std::span<const std::string> encoded, const BatchSpec& batch);

struct TimingOptions {
  int repetitions = 5;       // >= 1
  double min_time_s = 0.05;  // per repetition; at least one pass always runs
};

struct Timing {
  Spread ns_per_event;
  Spread mb_per_s;
};

// Times Serializer::encode over `events` (reusing one output string, as the producer does).
// Precondition: encode_checked() succeeded on the same events.
Timing time_encode(const serializers::Serializer& serializer, std::span<const core::Event> events,
                   const TimingOptions& timing);
// Times Serializer::decode over `encoded` (events of `type`).
Timing time_decode(const serializers::Serializer& serializer, std::span<const std::string> encoded,
                   core::EventType type, const TimingOptions& timing);

struct FormatResult {
  std::string format;
  SizeStats sizes;
  Timing encode;
  Timing decode;
  // Median ns/event divided by the fastest format's median for this event type (1 = fastest).
  double encode_ratio_to_fastest = 1;
  double decode_ratio_to_fastest = 1;
};

struct EventTypeResult {
  core::EventType type = core::EventType::kLab;
  std::size_t events = 0;
  std::vector<FormatResult> formats;  // in the order of SerializerBenchOptions::formats
};

struct BenchProgress {
  std::size_t done = 0;   // steps finished
  std::size_t total = 0;  // steps in the whole run
  std::string step;       // "web protobuf decode", ...
};

struct SerializerBenchOptions {
  std::vector<const serializers::Serializer*> formats;  // non-null, at least one
  std::vector<core::EventType> types;                   // at least one
  std::uint64_t seed = 42;
  std::size_t events = 10000;  // generated events per type
  // When set, the taxi records to measure instead of generated ones (the rows of a CSV file);
  // must then be non-empty and only taxi is measured.
  const std::vector<core::Event>* taxi_records = nullptr;
  BatchSpec batch;
  TimingOptions timing;
  // Called before each step and once at the end (done == total), on the calling thread.
  std::function<void(const BenchProgress&)> progress;
};

// Measures every (type, format) pair. Errors: kInvalidArgument for inconsistent options; the
// status of a failed round trip or codec.
core::Result<std::vector<EventTypeResult>> run_serializer_bench(
    const SerializerBenchOptions& options);

// Everything a result file records besides the figures.
struct BenchConfiguration {
  std::string tidemark_version;
  std::string source;  // "generated" or the CSV file's path
  std::uint64_t seed = 0;
  std::size_t events = 0;
  BatchSpec batch;
  TimingOptions timing;
  std::vector<std::string> formats;
  std::vector<std::string> event_types;
};

// The results as one JSON document: {"tool", "configuration" (with "machine": CPU model and
// count, compiler, build type, library versions), "results": [{"event_type", "events",
// "formats": [{"format", "bytes_per_event", "compressed_bytes_per_event": {codec: n},
// "encode_ns_per_event" / "decode_ns_per_event" / "encode_mb_per_s" / "decode_mb_per_s":
// {"median","min","max"}, "encode_ratio_to_fastest", "decode_ratio_to_fastest"}]}]}.
std::string serializer_bench_json(const BenchConfiguration& configuration,
                                  const std::vector<EventTypeResult>& results);

// Grouped bar charts as one self-contained SVG document: per event type, bytes per event (raw
// and per codec) and ns per event (encode, decode), one group of bars per format.
std::string serializer_bench_svg(const BenchConfiguration& configuration,
                                 const std::vector<EventTypeResult>& results);

}  // namespace tidemark::perf
