// kafka::Consumer: the one place tidemark reads records from librdkafka (tidemark consume, the
// offsets tool, perf consume and the tests drive it through consumer::EventConsumer or
// directly).
//
// Two ways to get partitions, as in Flink and kcat:
//  * assign(): the caller says which partitions to read and from which offset, and nothing is
//    joined (Flink's reader uses KafkaConsumer.assign(); kcat -C without -G). The partitions
//    are read through librdkafka's simple consumer API (rd_kafka_consume_start_queue onto one
//    queue), which needs no group.id, so a run without -g never talks to a group coordinator.
//  * subscribe(): the consumer joins `group` with librdkafka's balanced assignment
//    (cooperative-sticky unless partition.assignment.strategy is set), so several consumers
//    split a topic's partitions; newly assigned partitions start at the group's committed offset,
//    else at auto.offset.reset. A rebalance handler hears about assigned and revoked partitions
//    (to commit before a partition moves on).
//
// Configuration is the caller's kafka::Config (role kConsumer: enable.auto.commit=false,
// enable.auto.offset.store=false, isolation.level=read_uncommitted); the Consumer adds only what
// it needs itself: group.id (when a group is given), auto.offset.reset (Flink forces it per
// startup mode; ConsumerOptions::auto_offset_reset) and enable.partition.eof=true (the bounded
// stop rule needs to see a partition's fetch position reach its end, also when no record sits
// at the last offsets, e.g. a transaction marker).
//
// Offset queries the offset resolver needs are here too: committed offsets of the group
// (OffsetFetch, without joining), and offsets for a time (ListOffsets by timestamp) with a
// fallback for brokers that cannot answer it (librdkafka 2.0.2's mock cluster, the embedded
// broker, answers -1 everywhere): detected by a lookup at timestamp 0 on a non-empty partition
// answering -1, then answered by scanning the partition from its low watermark offset for the
// first record whose timestamp is >= T, bounded by the high watermark offset read before.
//
// Threading: one thread drives a Consumer. interrupt() may be called from any thread and is
// async-signal-safe; assignment() may be called from any thread. Views in a PollEvent stay valid until the next poll() or close().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/producer.h"  // TimestampType

namespace tidemark::kafka {

// Start markers for assign(), with librdkafka's meaning (and values).
inline constexpr std::int64_t kOffsetBeginning = -2;  // the log start offset
inline constexpr std::int64_t kOffsetEnd = -1;        // the end offset when the fetch starts
inline constexpr std::int64_t kOffsetStored = -1000;  // the group's committed offset, else reset

// What happens when a fetch position is out of range (or, for kOffsetStored, when the group has
// no committed offset): librdkafka's auto.offset.reset. Flink's "none" is kError here: the
// partition reports an error event instead of moving.
enum class AutoOffsetReset { kEarliest, kLatest, kError };

// "earliest" / "latest" / "error" (librdkafka's names).
std::string_view auto_offset_reset_name(AutoOffsetReset reset) noexcept;

struct ConsumerOptions {
  // The consumer group: needed for commit(), committed() and subscribe(). Empty: no group.
  std::string group;
  AutoOffsetReset auto_offset_reset = AutoOffsetReset::kError;
  // How many records one fetch from librdkafka's queue may return to poll() at a time.
  int batch_size = 512;
};

// One header of a consumed record. Kafka header values may be null.
struct ConsumedHeader {
  std::string_view name;
  std::string_view value;
  bool value_is_null = false;
};

// A consumed record. Views point into librdkafka's buffers: valid until the next poll().
struct ConsumedMessage {
  std::string_view topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = -1;  // -1 when the record has none
  TimestampType timestamp_type = TimestampType::kNotAvailable;
  std::optional<std::string_view> key;      // nullopt: a null key
  std::optional<std::string_view> value;    // nullopt: a null value (a tombstone)
  std::span<const ConsumedHeader> headers;  // in record order; names may repeat
};

enum class PollEventKind {
  kNone,          // nothing within the timeout
  kMessage,       // `message` is a record
  kPartitionEnd,  // `partition` reached its end: the fetch position is `offset` (the HW)
  kError,         // `error`, see `error_kind`
};

enum class PollErrorKind {
  kTransient,    // a client-level problem librdkafka retries (broker down, ...): a warning
  kOffsetReset,  // `partition` has an out-of-range position (or no committed offset) and the
                 // reset is kError: the partition stops; `offset` is the position tried (or -1)
  kPartition,    // another error about `partition` (unknown partition, not authorized, ...)
  kFatal,        // the consumer cannot continue
};

struct PollEvent {
  PollEventKind kind = PollEventKind::kNone;
  ConsumedMessage message;      // kMessage
  std::int32_t partition = -1;  // kPartitionEnd, kError (-1: not about one partition)
  std::int64_t offset = -1;     // kPartitionEnd: the end offset reached; kError: see kind
  core::Status error;           // kError (kKafka, with librdkafka's words)
  PollErrorKind error_kind = PollErrorKind::kTransient;
};

struct PartitionOffset {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

enum class RebalanceKind { kAssigned, kRevoked };

// Partitions of the subscribed topic that this member got or is about to lose. For kRevoked
// the handler runs before the partitions are given up (the last chance to commit them).
struct RebalanceEvent {
  RebalanceKind kind = RebalanceKind::kAssigned;
  std::string_view topic;
  std::span<const std::int32_t> partitions;
  bool lost = false;  // kRevoked: the membership was lost (commits will fail)
};

// The answer of offset_for_time(): the offset of the first record whose timestamp is >= T, or
// nullopt when there is none; by_scan when the broker could not answer and the partition was
// scanned instead.
struct OffsetForTimeAnswer {
  std::optional<std::int64_t> offset;
  bool by_scan = false;
};

class Consumer {
 public:
  // Creates the librdkafka consumer; `bootstrap` as in apply_bootstrap() (metadata.h). Nothing
  // connects yet. Errors: kInvalidArgument for a missing or conflicting bootstrap or a setting
  // librdkafka rejects when the client is created; kKafka when it cannot create the handle.
  static core::Result<std::unique_ptr<Consumer>> create(const Config& config, std::string bootstrap,
                                                        const ConsumerOptions& options = {});

  // Stops fetching and destroys the handle without committing (see close()).
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Starts reading these partitions of `topic` at the given offsets (>= 0, or a k* marker);
  // adds to what is already assigned. One topic per consumer. Fetches the cluster metadata first
  // (a partition whose leader is unknown starts late). Errors: kInvalidArgument for a second
  // topic, a negative partition, an offset that is neither >= 0 nor a marker, a partition
  // assigned twice, or after subscribe(); kKafka when librdkafka refuses.
  core::Status assign(std::string_view topic, std::span<const PartitionOffset> starts);

  // Stops reading these partitions (records of them already fetched may still come out of
  // poll(); the caller ignores them). Unknown partitions are ignored.
  core::Status unassign(std::span<const std::int32_t> partitions);

  // The partitions currently assigned (by assign() or the group), sorted. Safe to call from any
  // thread while another drives the consumer (a group member's assignment changes inside poll()).
  std::vector<std::int32_t> assignment() const;

  // Joins the group and subscribes to `topic`. Errors: kInvalidArgument without a group or after
  // assign(); kKafka when librdkafka refuses.
  core::Status subscribe(std::string_view topic);

  // Called from poll() (and close()) on every rebalance, before the consumer changes its
  // assignment for kRevoked and after for kAssigned. Exceptions are caught and dropped.
  void set_rebalance_handler(std::function<void(const RebalanceEvent&)> handler);

  // The next event: a record, a partition end, an error, or kNone after timeout_ms (0: do not
  // wait). The returned reference and its views are valid until the next poll() or close().
  const PollEvent& poll(int timeout_ms);

  // librdkafka's position of a partition: the offset after the last record poll() returned
  // (librdkafka may count records fetched ahead in the current batch), or nullopt when nothing
  // was consumed. Errors: kInvalidArgument for an unassigned partition.
  core::Result<std::optional<std::int64_t>> position(std::int32_t partition) const;

  // The partition's high watermark offset as of the last fetch response (librdkafka's cached
  // value, no request: rd_kafka_get_watermark_offsets), for progress displays; nullopt while
  // unknown (nothing fetched yet) or when the partition is not of the consumer's topic.
  // Cheap; call it on the consuming thread.
  std::optional<std::int64_t> cached_high_watermark(std::int32_t partition) const;

  // Commits offsets (the next offset to read: last emitted + 1) for the group, synchronously.
  // Works with assign() (a standalone member) and subscribe(). Errors: kInvalidArgument without
  // a group; kKafka naming the partitions the broker refused, or the request failure; without
  // subscribe(), a group that has members (a generation) refuses the commit (UNKNOWN_MEMBER_ID
  // and kin), and the message says so in plain words.
  core::Status commit(std::string_view topic, std::span<const PartitionOffset> offsets,
                      int timeout_ms = 10000);

  // The group's committed offsets for these partitions (OffsetFetch; the consumer does not join
  // the group for it), in the order asked, nullopt where the group has none. Errors:
  // kInvalidArgument without a group; kTimeout / kKafka when the coordinator does not answer.
  core::Result<std::vector<std::optional<std::int64_t>>> committed(
      std::string_view topic, std::span<const std::int32_t> partitions, int timeout_ms = 10000);

  // Kafka's ListOffsets by timestamp for one partition whose watermark offsets were read before
  // as [low, high): the offset of the first record with timestamp >= timestamp_ms, or nullopt.
  // An empty partition (high <= low) answers nullopt without asking. When the broker cannot
  // answer (see the file comment; detected once per consumer) the partition is scanned from
  // `low` with a separate handle, up to `high` (exclusive), and by_scan is set.
  // Errors: kInvalidArgument for a negative timestamp; kTimeout when the broker or the scan
  // takes longer than timeout_ms; kKafka for what the broker refuses.
  core::Result<OffsetForTimeAnswer> offset_for_time(std::string_view topic, std::int32_t partition,
                                                    std::int64_t timestamp_ms, std::int64_t low,
                                                    std::int64_t high, int timeout_ms = 30000);

  // Leaves the group (subscribe: revoked partitions go through the rebalance handler first) or
  // stops the assigned partitions. Idempotent. Errors: kKafka when leaving the group failed.
  core::Status close();

  // Makes a waiting poll() return kNone soon (within ~100 ms); async-signal-safe.
  void interrupt() noexcept;

  const std::string& group() const noexcept;
  const std::string& bootstrap() const noexcept;

 private:
  struct Impl;
  explicit Consumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tidemark::kafka
