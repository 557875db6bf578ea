// producer::EventProducer: the `tidemark produce` loop, independent of the command line.
//
// One run: generate (EventGenerator::make_into into a reused Event, or read trips from a CSV
// file), pace (RateLimiter), optionally hold back (DisorderBuffer), serialize (the chosen
// Serializer into a reused string), key (KeySpec), add headers, and hand each record to a Sink:
// a kafka::Producer (KafkaSink), standard output (DryRunSink) or a green-taxi CSV file
// (TaxiCsvSink). Delivery reports come back from the sink and are counted exactly; failures are
// counted and the first few remembered. The fingerprint folds in every emitted record's key and
// payload in emission order.
//
// Sequence numbers: an event's `seq` is its index in the global event sequence (so with
// `--instance i/N` the seqs of one instance are i, i+N, i+2N, ...). It is the record's
// `tidemark-seq` header, the DeliveryReport opaque and the manifest's `seq`; the seqs of the N
// shards of a run are disjoint and their union is the seqs of the unsharded run. With N > 1 every
// record also carries `tidemark-instance: i/N`, so a reader knows which seqs to expect.
//
// Counts and rate are for the whole (global) stream: `count` events in total, of which this
// instance emits its share; `rate` events/s in total, each instance pacing its own events on the
// global schedule (event k is due at k / rate), which is also the schedule of the simulated clock.
//
// Manifest lines (`--manifest FILE`) are written when the delivery report arrives, so the
// partition is the one the broker acknowledged (librdkafka's partitioner chooses it); their order
// is delivery order. A record that failed has "partition":-1. Dry runs write partition -1.
//
// An idle partition (`--idle-partition P --idle-after D`, IdlePartition below) makes partition P
// go quiet so that a Flink watermark, the minimum over partitions, stalls until P is declared
// idle. The idle point is event time: origin + D, where the origin is the event time of global
// event 0 (the simulated clock's start; the run's start with the wall clock; the first CSV row).
// As soon as a record with event time >= the idle point is emitted, P receives nothing more:
// every later record is given an explicit partition, the one the client's partitioner would pick
// for its key, or, when that is P (or the partitioner would pick at random, as for null keys),
// one of the other partitions, chosen by a hash of the key (so a key stays on one partition) or
// by seq for null keys. Nothing is skipped, so every seq is still produced; a keyed record moved
// off P carries the header `tidemark-redirected-from: P`, and with an idle partition each
// manifest line has "redirected_from" (P or null) beside the partition the broker acknowledged.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tidemark/core/events.h"
#include "tidemark/core/status.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/producer/clock.h"
#include "tidemark/producer/csv_reader.h"
#include "tidemark/producer/disorder.h"
#include "tidemark/producer/generator.h"
#include "tidemark/producer/latency_histogram.h"
#include "tidemark/producer/sharding.h"
#include "tidemark/serializers/serializer.h"

namespace tidemark::producer {

// Where records go. One thread drives a Sink.
class Sink {
 public:
  using DeliveryFn = std::function<void(const kafka::DeliveryReport&)>;
  virtual ~Sink() = default;

  // Called (on the driving thread) once per record accepted by send(), now or later.
  void set_delivery_callback(DeliveryFn fn) { on_delivery_ = std::move(fn); }

  // Hands one record over; `event` is the event it was serialized from. Views are valid only
  // during the call. An error means the record was not accepted.
  virtual core::Status send(const kafka::OutgoingRecord& record, const core::Event& event) = 0;
  // Serves pending delivery reports without blocking.
  virtual void poll() {}
  // Delivers everything accepted so far (every delivery report served). `interrupted`: the run
  // was stopped by a signal; flush what is in flight for a bounded time.
  virtual core::Status finish(bool interrupted) = 0;
  // Records accepted but not yet reported.
  virtual std::size_t in_flight() const { return 0; }

 protected:
  DeliveryFn on_delivery_;
};

// A kafka::Producer. finish() flushes; when interrupted (or when a flush is interrupted) it
// flushes for at most `interrupt_flush_ms`, then purges what is left (reported as failed).
class KafkaSink final : public Sink {
 public:
  explicit KafkaSink(kafka::Producer& producer, int interrupt_flush_ms = 10000);
  core::Status send(const kafka::OutgoingRecord& record, const core::Event& event) override;
  void poll() override;
  core::Status finish(bool interrupted) override;
  std::size_t in_flight() const override;

 private:
  kafka::Producer& producer_;
  int interrupt_flush_ms_;
};

// `--dry-run`: writes each payload to `out` (not owned), one per line: as is when `base64` is
// false (the JSON formats), else base64 (standard alphabet, padded). Every record is reported
// delivered at once (partition -1, offset -1, latency 0).
class DryRunSink final : public Sink {
 public:
  DryRunSink(std::FILE* out, bool base64) : out_(out), base64_(base64) {}
  core::Status send(const kafka::OutgoingRecord& record, const core::Event& event) override;
  core::Status finish(bool interrupted) override;

 private:
  std::FILE* out_;
  bool base64_;
  std::string line_;
};

// `--dry-run --csv-out FILE`: writes each taxi trip with a TaxiCsvWriter (not owned).
class TaxiCsvSink final : public Sink {
 public:
  explicit TaxiCsvSink(TaxiCsvWriter& writer) : writer_(writer) {}
  core::Status send(const kafka::OutgoingRecord& record, const core::Event& event) override;
  core::Status finish(bool interrupted) override;

 private:
  TaxiCsvWriter& writer_;
};

// Standard base64 (RFC 4648, with padding), appended to `out`.
void append_base64(std::string& out, std::string_view bytes);

// Which timestamp the Kafka record carries (CreateTime).
//   kEventTime: the event's time (so Kafka timestamps show the disorder too);
//   kWall:      the wall clock when the record is sent;
//   kSend:      the producer's clock when the record is sent: with a simulated clock (generated
//               events), the simulated time of the newest event generated so far (so a held-back
//               event carries a later timestamp than its event time, deterministically); with
//               the wall clock or a CSV file, the wall clock. Replays that simulate arrival
//               (`tidemark consume --processing-time record-timestamp`) use it.
enum class RecordTimestamp : std::uint8_t { kEventTime, kWall, kSend };

struct ProducerProgress {
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  std::uint64_t bytes = 0;
  std::size_t in_flight = 0;
  double elapsed_s = 0;
};

// `--idle-partition P --idle-after D` (see the top of this file).
struct IdlePartition {
  std::int32_t partition = 0;        // P
  std::int64_t after_ms = 0;         // D, event time after the stream's origin
  std::int32_t partition_count = 0;  // the topic's, at least 2
  // The partition the client's partitioner gives a key (nullopt: it would pick at random, as for
  // null keys). Called on the producing thread. Required.
  std::function<std::optional<std::int32_t>(std::optional<std::string_view> key)> partition_of;
};

struct EventProducerOptions {
  std::string topic;
  core::EventType type = core::EventType::kLab;
  const serializers::Serializer* serializer = nullptr;  // required
  std::uint64_t seed = 0;
  KeySpec key = KeySpec::default_for(core::EventType::kLab);
  EventClock clock = EventClock::wall();
  RecordTimestamp record_timestamp = RecordTimestamp::kEventTime;
  double rate = 0;                          // events/s for the whole stream, 0 = unlimited
  std::optional<std::uint64_t> count;       // events in the whole stream; none = unbounded
  std::optional<std::int64_t> duration_ms;  // stop after this much wall time
  Shard shard;
  DisorderOptions disorder;  // seed is set from `seed` by run()
  std::vector<std::pair<std::string, std::string>> extra_headers;  // -H k=v
  // false (`--no-headers`): records carry no tidemark headers (content-type,
  // tidemark-event-type, tidemark-seq, tidemark-instance, tidemark-delay-ms,
  // tidemark-redirected-from; the
  // manifest still records redirected_from), only extra_headers, as kcat and the
  // lab's Python producer send them. With librdkafka 2.0.2 every header costs an allocation on
  // send and a cache miss in the batch writer, so this about doubles the records/s
  // (docs/benchmarks.md); consumers then need to be told the format.
  bool tidemark_headers = true;
  TaxiCsvSource* csv_source = nullptr;  // --from-csv (taxi): trips come from here, not generated
  std::FILE* manifest = nullptr;        // --manifest: one JSON line per delivered event
  std::optional<IdlePartition> idle;    // --idle-partition P --idle-after D
  std::size_t max_remembered_errors = 5;
  // Called about 4 times a second from the producing thread (the live progress line).
  std::function<void(const ProducerProgress&)> progress;
  // Called once on the producing thread before the first event with the origin of the --rate
  // schedule: event k (its global index, the record's opaque) is due at origin + k / rate (all at
  // the origin when unlimited). Lets a benchmark measure latency from each record's intended
  // send time, so a stall shows in the latencies instead of delaying the sends that follow it.
  std::function<void(std::chrono::steady_clock::time_point origin)> on_schedule_start;
};

struct ProducerStats {
  std::uint64_t generated = 0;  // events made (or read) by this instance
  std::uint64_t sent = 0;       // records accepted by the sink
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;  // failed deliveries (including records the sink refused)
  std::uint64_t bytes = 0;   // payload bytes of accepted records
  std::uint64_t csv_rows_skipped = 0;
  // Acknowledged records per partition (index = partition id), from the delivery reports.
  std::vector<std::uint64_t> acked_by_partition;
  // --idle-partition: the idle point (event time) and whether it was reached, and the keyed
  // records whose partition would have been the idle one and went elsewhere.
  std::optional<std::int64_t> idle_at_ms;
  bool idle_reached = false;
  std::uint64_t idle_redirected = 0;
  // Filled by the caller (RetentionCheck): records the broker dropped from the start of each
  // partition during the run, by partition id; written by to_json() when not empty.
  std::vector<std::pair<std::int32_t, std::int64_t>> dropped_by_broker;
  std::vector<std::string> first_errors;  // failed deliveries' messages, at most max_remembered
  double elapsed_s = 0;
  // Delivery latency of acknowledged records (DeliveryReport::latency_us), in milliseconds.
  double latency_avg_ms = 0, latency_max_ms = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, p999_ms = 0;
  std::string fingerprint;  // 16 hex digits
  std::uint64_t seed = 0;
  bool interrupted = false;

  double records_per_s() const {
    return elapsed_s > 0 ? static_cast<double>(acked) / elapsed_s : 0;
  }
  double mb_per_s() const {
    return elapsed_s > 0 ? static_cast<double>(bytes) / (1024.0 * 1024.0) / elapsed_s : 0;
  }
  // kafka-producer-perf-test's summary line (without a line break).
  std::string summary_line() const;
  // The machine-readable summary (one JSON object, no line break).
  std::string to_json() const;
};

// Sets stats' latency fields (avg, max, p50, p95, p99, p99.9 in ms) from delivery latencies kept
// in a histogram (fixed memory however long a run is: EventProducer and `perf produce
// --baseline`'s plain loop both fill one), as kafka-producer-perf-test computes them: the value
// at index floor(q * n) of the sorted latencies, as its bucket's lower bound (exact below 2 ms,
// within 0.1% above); avg and max exact. Leaves the fields at 0 when it is empty.
void set_latency_stats(const LatencyHistogram& latencies, ProducerStats& stats);

class EventProducer {
 public:
  // Errors: kInvalidArgument for inconsistent options (no serializer, a bad disorder setting, a
  // CSV source for a type other than taxi, an idle partition outside 0..partition_count-1, a
  // topic of fewer than 2 partitions, a negative idle delay or no partition_of).
  static core::Result<std::unique_ptr<EventProducer>> create(EventProducerOptions options);

  // Produces until the count is reached, the duration has passed, the CSV file ends, or `stop`
  // becomes true; then drains the disorder buffer (unless stopped) and finishes the sink.
  // Returns the statistics; the status is an error only when the run could not go on (a CSV
  // error under --on-bad-row fail, the sink refusing a record, a manifest write failing);
  // failed deliveries are in the stats, not the status.
  core::Status run(Sink& sink, const std::atomic<bool>* stop, ProducerStats& stats);

 private:
  explicit EventProducer(EventProducerOptions options);
  EventProducerOptions options_;
};

}  // namespace tidemark::producer
