// consumer::EventConsumer: replays a topic the way Flink's Kafka source reads it.
//
// plan() gathers each partition's facts in Flink's order (low and high watermark offsets first,
// then the group's committed offsets when a group is given, then offsets for a time when a
// timestamp mode needs them) and hands them to resolve_ranges() (offset_spec.h), which applies
// the startup and bounded modes. The plan is what --explain prints.
//
// run() then assigns every partition at its resolved start (like Flink's reader, no group
// membership) and reads until every bounded partition is finished: a record is emitted only if
// its offset is below the partition's stop offset (exclusive), a partition is finished once its
// position reaches the stop (after its last record, or when the partition's end is reached
// beyond it), an empty range is finished at once, and the run ends when all are finished, after
// max_records records, or when `stop` is set. auto.offset.reset is forced per startup mode as
// Flink forces it (forced_auto_offset_reset()), so a position that turns out to be out of range
// between the lookup and the fetch (retention moved the log start) moves the way Flink's would.
// Each value is decoded (record_decoder.h) and written to a RecordSink (record_output.h).
//
// With `subscribe`, run() instead joins the group and reads the partitions the group assigns,
// starting at the group's committed offsets (unbounded), so several consumers share a topic.
//
// With `commit`, (last emitted offset + 1) of every partition that emitted records is committed
// to the group every commit_interval_ms, when a partition is revoked, and at the end (also after
// an interruption). A record that made the run fail (--on-decode-error fail) is not committed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tidemark/consumer/offset_spec.h"
#include "tidemark/consumer/record_decoder.h"
#include "tidemark/consumer/record_output.h"
#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/consumer.h"

namespace tidemark::consumer {

enum class DecodeErrorPolicy { kSkip, kFail };

// "skip" / "fail"; parse errors name the text and the valid names.
std::string_view to_string(DecodeErrorPolicy policy) noexcept;
core::Result<DecodeErrorPolicy> parse_decode_error_policy(std::string_view text);

struct ConsumeOptions {
  std::string topic;
  std::string group;  // empty: none (no committed offsets, no commit, no subscribe)
  StartupSpec startup;
  BoundedSpec bounded;
  std::optional<std::uint64_t> max_records;  // -c N
  bool commit = false;                       // needs a group
  int commit_interval_ms = 5000;
  bool subscribe = false;  // needs a group; startup group-offsets, bounded unbounded
  DecodeOptions decode;    // decode.registry is required
  DecodeErrorPolicy on_decode_error = DecodeErrorPolicy::kSkip;
  int query_timeout_ms = 30000;  // each offset query (watermarks, committed, offsets for times)
};

// The auto.offset.reset Flink forces for a startup mode (reference section 1.3): earliest for
// earliest-offset, latest for latest-offset and timestamp, the spec's strategy for
// group-offsets and specific-offsets (none is librdkafka's `error`).
kafka::AutoOffsetReset forced_auto_offset_reset(const StartupSpec& startup) noexcept;

struct PartitionPlan {
  PartitionFacts facts;
  PartitionRange range;
  // The offsets-for-time answers behind a timestamp start or stop (nullopt for other modes):
  // the offset of the first record at or after the time, or none, and whether the partition was
  // scanned because the broker cannot look offsets up by time (the embedded broker).
  std::optional<TimestampLookup> start_lookup;
  std::optional<TimestampLookup> stop_lookup;
};

struct ConsumePlan {
  std::string topic;
  std::string group;
  std::vector<PartitionPlan> partitions;  // sorted by partition id
  kafka::AutoOffsetReset auto_offset_reset = kafka::AutoOffsetReset::kError;
  bool bounded = false;  // a bounded mode is in force: the run ends when all are finished
};

struct PartitionProgress {
  std::int32_t partition = 0;
  std::int64_t start = -1;           // -1: unknown yet (subscribe: the group's committed offset)
  std::optional<std::int64_t> stop;  // exclusive
  std::int64_t position = -1;        // the next offset to read: last emitted + 1, else start
  std::uint64_t records = 0;
  bool finished = false;
  std::optional<std::int64_t> committed;  // the last offset this run committed
};

enum class ConsumeEnd {
  kBoundedEnd,   // every partition reached its stop offset
  kCount,        // max_records records were emitted
  kInterrupted,  // `stop` was set
  kFailed,       // run() returned an error
};

struct ConsumeStats {
  std::uint64_t records = 0;        // records written to the sink (decode errors included)
  std::uint64_t bytes = 0;          // key + value bytes of those records
  std::uint64_t decode_errors = 0;  // records written with value_error
  std::uint64_t commits = 0;        // successful commit requests
  std::uint64_t commit_failures = 0;
  double elapsed_s = 0;  // from the first poll to the end
  ConsumeEnd end = ConsumeEnd::kFailed;
  std::vector<PartitionProgress> partitions;  // sorted by partition id
};

class EventConsumer {
 public:
  // Creates the Kafka clients (nothing connects yet). Errors: kInvalidArgument for
  // inconsistent options (commit or subscribe without a group, subscribe with a bounded mode or
  // a startup mode other than group-offsets, no registry) and whatever kafka::Consumer::create
  // and AdminClient::create report.
  static core::Result<std::unique_ptr<EventConsumer>> create(const kafka::Config& config,
                                                             std::string bootstrap,
                                                             ConsumeOptions options);
  ~EventConsumer();
  EventConsumer(const EventConsumer&) = delete;
  EventConsumer& operator=(const EventConsumer&) = delete;

  // Facts and resolved ranges for every partition. Errors: kNotFound for a missing topic;
  // resolve_ranges()' errors (kInvalidArgument, kNotFound naming the partitions without a
  // committed offset); kTimeout / kIo / kKafka when the cluster does not answer.
  core::Result<ConsumePlan> plan();

  // Reads as described in the file comment; `plan` is required unless subscribing (then
  // ignored). `stop` may be null. `stats` is filled in also on error.
  // Errors: kMalformed for a decode error under DecodeErrorPolicy::kFail (naming topic,
  // partition and offset); kKafka for a partition that cannot be read (an out-of-range position
  // with reset none, a fatal consumer error) or a failed final commit; the sink's errors.
  core::Status run(const ConsumePlan* plan, RecordSink& sink, const std::atomic<bool>* stop,
                   ConsumeStats& stats);

  // Client-level warnings during run() (a broker down, a failed periodic commit): the run goes
  // on. Called on the consuming thread.
  void set_warning_handler(std::function<void(const core::Status&)> handler);

  // The underlying Kafka consumer (offset queries for other tools), valid as long as this.
  kafka::Consumer& kafka_consumer() noexcept;
  const ConsumeOptions& options() const noexcept;

  // Makes run() end soon as if `stop` were set; async-signal-safe.
  void interrupt() noexcept;

 private:
  struct Impl;
  explicit EventConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tidemark::consumer
