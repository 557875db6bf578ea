// Measuring the Kafka path with tidemark's own clients, for `tidemark perf consume` and
// `tidemark bench kafka`: records generated and serialized by producer::EventProducer, sent
// through a broker, read back and decoded by consumer::EventConsumer.
//
//  * CountingSink: the consumer's RecordSink for a measurement: counts records, key + value
//    bytes and decode errors, optionally keeps every record's receive time, and reports progress
//    at an interval (kafka-consumer-perf-test's --show-detailed-stats).
//  * produce_events(): N events of one type and format into a topic, timed as `tidemark produce`
//    times itself, with the bytes the producer put on the wire (librdkafka's txbytes: record
//    batches after compression, with their request framing) and, on request, where each record
//    landed (partition and offset, by its seq).
//  * run_kafka_bench(): one format's round trip. Throughput mode (no rate): produce N as fast as
//    possible, then read them back from the start. Latency mode (a rate): a consumer reads while
//    the producer sends at the fixed rate; each record's end-to-end latency runs from its
//    *intended* send time (the rate schedule: origin + seq / rate) to the moment the consumer
//    handed it over decoded, so a stall anywhere (producer, broker, consumer) shows in the
//    percentiles instead of merely delaying the records after it (coordinated omission).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tidemark/consumer/record_output.h"
#include "tidemark/core/events.h"
#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"
#include "tidemark/perf/spread.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::perf {

using SteadyClock = std::chrono::steady_clock;

// Percentiles of latency samples. The value for quantile q is the sample at index floor(q * n)
// of the sorted samples, as kafka-producer-perf-test computes it.
struct LatencySummary {
  std::uint64_t count = 0;
  double avg_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

// From samples in nanoseconds (reordered). All zero for no samples.
LatencySummary summarize_latencies(std::vector<std::int64_t>& samples_ns);

// The consumer side of a measurement. Not thread-safe: EventConsumer calls it on its thread;
// read totals() after run() returned (or from that thread).
class CountingSink final : public consumer::RecordSink {
 public:
  struct Totals {
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;  // key + value bytes, as kafka-consumer-perf-test counts them
    std::uint64_t decode_errors = 0;
    std::optional<SteadyClock::time_point> first;  // when the first record was handed over
  };
  using Reporter = std::function<void(const Totals& totals, SteadyClock::time_point now)>;

  // Calls `report` from the consuming thread about every `interval` (on the loop's ticks, which
  // come at least every ~100 ms).
  void set_reporter(std::chrono::milliseconds interval, Reporter report);
  // Keeps the receive time of every record (a clock read per record), for received().
  void keep_receive_times() { keep_times_ = true; }

  core::Status write(const consumer::DecodedRecord& record) override;
  core::Status on_tick() override;

  const Totals& totals() const noexcept { return totals_; }
  // The records so far, readable from any thread while the consumer runs.
  std::uint64_t records_so_far() const noexcept {
    return records_so_far_.load(std::memory_order_relaxed);
  }
  // When partition/offset was handed over (keep_receive_times() only).
  std::optional<SteadyClock::time_point> received(std::int32_t partition,
                                                  std::int64_t offset) const;
  // Whether the consumer loop has ticked at least once (it has been polling for ~100 ms).
  bool ticked() const noexcept { return ticked_.load(std::memory_order_acquire); }

 private:
  struct PartitionTimes {
    std::int64_t base = -1;
    std::vector<std::int64_t> ns;  // receive time since the epoch of SteadyClock, -1: not seen
  };
  Totals totals_;
  bool keep_times_ = false;
  std::vector<PartitionTimes> times_;
  std::chrono::milliseconds interval_{0};
  Reporter report_;
  std::optional<SteadyClock::time_point> last_report_;
  std::atomic<std::uint64_t> records_so_far_{0};
  std::atomic<bool> ticked_{false};
};

// Where produce_events() records went, by seq (the event's global index).
struct RecordPlacement {
  std::int32_t partition = -1;  // -1: not delivered
  std::int64_t offset = -1;
};

struct ProduceRun {
  producer::EventProducerOptions options;  // type, serializer, topic, count, rate, seed, headers
  kafka::Config config{kafka::ClientRole::kProducer};
  std::string bootstrap;
  const std::atomic<bool>* stop = nullptr;
  bool record_placements = false;  // fill ProduceOutcome::placements (needs options.count)
};

struct ProduceOutcome {
  producer::ProducerStats stats;  // elapsed_s: first record to last acknowledgement
  // Bytes the producer sent to the brokers (librdkafka's txbytes over all broker connections);
  // -1 when librdkafka's statistics did not arrive.
  std::int64_t wire_bytes = -1;
  std::optional<SteadyClock::time_point> schedule_origin;  // see on_schedule_start
  std::vector<RecordPlacement> placements;                 // index: seq
  // Records the broker dropped from the start of a partition during the run (retention; the
  // embedded broker keeps 5 MiB or 100,000 batches per partition), by partition.
  std::vector<std::pair<std::int32_t, std::int64_t>> dropped_by_broker;
};

// Produces with EventProducer through a kafka::Producer created from `run.config` (statistics
// are switched on for the wire bytes). `on_started`, when given, is called on this thread once
// the producer exists and the topic's metadata is known (the topic is created then where the
// broker creates topics on first use), before the first record. Errors: those of
// Producer::create, the metadata lookup and EventProducer::run; failed deliveries are counted in
// stats, not errors.
core::Result<ProduceOutcome> produce_events(ProduceRun run,
                                            const std::function<void()>& on_started = {});

struct KafkaBenchOptions {
  const serializers::SerializerRegistry* registry = nullptr;  // for decoding; required
  const serializers::Serializer* format = nullptr;            // required
  core::EventType event = core::EventType::kLab;
  std::uint64_t count = 100000;
  double rate = 0;  // records per second; 0: throughput mode
  std::uint64_t seed = 1;
  bool tidemark_headers = true;  // false: the consumer decodes by `format` and `event`
  std::string topic;             // fresh (or empty); exists or is created on first use
  kafka::Config producer_config{kafka::ClientRole::kProducer};
  kafka::Config consumer_config{kafka::ClientRole::kConsumer};
  std::string bootstrap;
  const std::atomic<bool>* stop = nullptr;
  // Latency mode: how long the consumer may go without a new record, after the producer
  // finished, before the round trip is called incomplete.
  int settle_timeout_ms = 15000;
};

struct KafkaBenchResult {
  ProduceOutcome produce;
  std::uint64_t consumed = 0;
  std::uint64_t consumed_bytes = 0;
  std::uint64_t decode_errors = 0;
  // Throughput mode: the consume phase (from the start of reading to the last record). Latency
  // mode: from the first record received to the last.
  double consume_s = 0;
  std::optional<LatencySummary> end_to_end;  // latency mode: intended send -> decoded
  std::uint64_t missing = 0;                 // latency mode: delivered but never read back
  bool interrupted = false;

  double produce_records_per_s() const { return produce.stats.records_per_s(); }
  double produce_mb_per_s() const { return produce.stats.mb_per_s(); }
  double consume_records_per_s() const {
    return consume_s > 0 ? static_cast<double>(consumed) / consume_s : 0;
  }
  double consume_mb_per_s() const {
    return consume_s > 0 ? static_cast<double>(consumed_bytes) / (1024.0 * 1024.0) / consume_s : 0;
  }
  // Every record was acknowledged and read back.
  bool complete() const {
    return produce.stats.failed == 0 && produce.stats.acked == produce.stats.sent &&
           consumed >= produce.stats.acked;
  }
};

// End-to-end latency samples (ns): for every delivered record (placements[seq].partition >= 0)
// that was read back, received - (origin + seq / rate). The intended send time comes from the
// schedule, never from when the record was actually sent: a record held up by a stall counts the
// whole stall. Delivered records never read back are counted in `missing`.
using ReceivedFn = std::function<std::optional<SteadyClock::time_point>(std::int32_t partition,
                                                                        std::int64_t offset)>;
std::vector<std::int64_t> end_to_end_samples(SteadyClock::time_point origin, double rate,
                                             const std::vector<RecordPlacement>& placements,
                                             const ReceivedFn& received, std::uint64_t& missing);

// One format's round trip (see the file comment). Errors: kInvalidArgument for missing options;
// the clients' errors. An incomplete round trip (records dropped by the broker, never read back,
// failed deliveries) is not an error: see KafkaBenchResult::complete().
core::Result<KafkaBenchResult> run_kafka_bench(const KafkaBenchOptions& options);

// The latency a row reports: end to end (intended send -> decoded) in latency mode, else the
// producer's delivery latency (send -> acknowledgement, librdkafka's), as kafka-producer-perf-test
// reports it. p90 is not kept for the delivery latency (-1).
struct RowLatency {
  bool end_to_end = false;
  LatencySummary summary;
};
RowLatency latency_of(const KafkaBenchResult& result);

// `tidemark bench kafka --json`: the run's configuration (with the machine) and every row.
struct KafkaBenchConfiguration {
  std::string tidemark_version;
  std::string broker;   // "embedded" or the bootstrap servers
  int partitions = -1;  // of each topic (-1: as the cluster creates them)
  std::string compression;
  std::uint64_t count = 0;
  double rate = 0;
  std::uint64_t seed = 0;
  bool tidemark_headers = true;
  int repeat = 1;
};

// One event type and format, measured `repeat` times (each run on a fresh topic).
struct KafkaBenchRow {
  std::string event;
  std::string format;
  std::vector<std::string> topics;  // one per run
  std::vector<KafkaBenchResult> runs;
};

// What a row's runs add up to: medians with ranges, the latency percentiles' medians.
struct KafkaBenchSummary {
  Spread produce_records_per_s, produce_mb_per_s, consume_records_per_s, consume_mb_per_s;
  double payload_bytes_per_record = 0;
  double wire_bytes_per_record = -1;  // median over the runs that have it; -1: none
  RowLatency latency;                 // each field the median over the runs
  std::uint64_t sent = 0, consumed = 0, decode_errors = 0;  // summed over the runs
  bool complete = true;                                     // every run
};
KafkaBenchSummary summarize(const KafkaBenchRow& row);

std::string kafka_bench_json(const KafkaBenchConfiguration& configuration,
                             const std::vector<KafkaBenchRow>& rows);

}  // namespace tidemark::perf
