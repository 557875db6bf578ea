// kafka::Producer: the one place tidemark hands records to librdkafka (the EventProducer, the
// perf runs and the tests drive it).
//
// It is a thin, fast wrapper over one librdkafka producer handle:
//  * send() enqueues a record (topic, optional partition, optional key, value, CreateTime,
//    headers, the caller's 64-bit `opaque`), copying the bytes, so the caller's buffers can be
//    reused at once. A full local queue is backpressure, never a drop: send() serves delivery
//    reports until there is room, for at most ProducerOptions::queue_full_timeout_ms.
//  * Delivery reports come back through the handler set with set_delivery_handler(), on the
//    thread that calls poll(), flush(), purge_and_close() or a send() that waits for room, with
//    the caller's opaque, the partition and offset, and the delivery latency.
//  * The configuration is entirely kafka::Config's (DESIGN.md, "Kafka configuration, written
//    once"): enable.idempotence=true and acks=all unless the user says otherwise, and
//    librdkafka's own defaults for everything else (linger.ms=5, batch.size, the
//    consistent_random partitioner, ...). The Producer adds nothing of its own: a tuned value
//    would silently differ from what kcat or the lab's Python producer do with the same flags.
//
// Threading: one thread drives a Producer (send, poll, flush, purge_and_close and the
// set_*_handler calls). counters(), in_flight(), last_error() and interrupt() may be called
// from any thread; interrupt() is async-signal-safe. Handlers run on the driving thread and must
// not call back into the Producer except counters()/in_flight().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"

namespace tidemark::kafka {

// One record header. Kafka header names are strings and values are bytes.
struct RecordHeader {
  std::string_view name;
  std::string_view value;
};

// A record to send. Every view needs to stay valid only for the duration of send(): the bytes
// are copied into librdkafka's queue.
struct OutgoingRecord {
  std::string_view topic;
  std::optional<std::int32_t> partition;  // nullopt: librdkafka's configured partitioner picks
  std::optional<std::string_view> key;    // nullopt: a null key; an empty view: an empty key
  std::string_view value;                 // always a non-null value (possibly empty)
  std::int64_t timestamp_ms = 0;          // CreateTime, epoch ms; 0: librdkafka uses "now"
  std::span<const RecordHeader> headers;  // in order; names may repeat, as Kafka allows
  std::uint64_t opaque = 0;               // returned as is in the DeliveryReport (a sequence number)
};

// What a record's timestamp means (Kafka's message.timestamp.type, per topic).
enum class TimestampType {
  kNotAvailable,
  kCreateTime,     // set by the producer (OutgoingRecord::timestamp_ms, or "now")
  kLogAppendTime,  // set by the broker when it appended the record
};

// The outcome of one record accepted by send(). All views are valid only during the handler call.
struct DeliveryReport {
  std::uint64_t opaque = 0;       // OutgoingRecord::opaque
  std::string_view topic;
  std::int32_t partition = -1;    // -1 when the record failed before a partition was chosen
  std::int64_t offset = -1;       // -1 on failure (or with acks=0)
  // The record's timestamp after delivery: the CreateTime sent, unless the broker reported a
  // LogAppendTime in its produce response. (librdkafka 2.0.2's mock cluster, the embedded
  // broker, reports LogAppendTime 1234 for every record although it stores the CreateTime;
  // consumers read the CreateTime back.)
  std::int64_t timestamp_ms = -1;
  TimestampType timestamp_type = TimestampType::kNotAvailable;
  // Microseconds from the moment librdkafka accepted the record (inside send(), after any
  // wait for room in a full queue) to this report, on librdkafka's monotonic clock
  // (rd_kafka_message_latency). The wait for room is backpressure, not delivery latency.
  std::int64_t latency_us = 0;
  // OK when the broker acknowledged the record. Otherwise kKafka with librdkafka's words,
  // naming the topic and partition, e.g. "delivery to 'lab'[2] failed: Local: Message timed
  // out"; records dropped by purge_and_close() fail with "Local: Purged in queue"/"... in flight".
  core::Status error;
};

// Monotonic counts since create(). acked + failed == sent once in_flight() is 0.
struct ProducerCounters {
  std::uint64_t sent = 0;      // records accepted by send()
  std::uint64_t acked = 0;     // delivery reports with OK status
  std::uint64_t failed = 0;    // delivery reports with an error (including purged records)
  std::uint64_t rejected = 0;  // send() calls that returned an error (never enqueued)
  std::uint64_t queue_full_waits = 0;    // send() calls that found the local queue full
  std::uint64_t handler_exceptions = 0;  // exceptions thrown by a handler, caught and dropped
};

struct ProducerOptions {
  // How long one send() may wait for room in a full local queue (queue.buffering.max.messages
  // / .kbytes) while serving delivery reports. Negative: wait until there is room or until
  // interrupt(). The queue drains as the broker acknowledges records, or as records time out
  // after message.timeout.ms when no broker answers.
  int queue_full_timeout_ms = 30000;
};

class Producer {
 public:
  // Creates the librdkafka producer. The record path never logs; librdkafka's own logging is
  // left as configured (log_level, debug).
  //
  // `bootstrap` is the -b value. Non-empty: it becomes bootstrap.servers in the -X layer (origin
  // "-b"), so it beats a properties file, whose bootstrap.servers is often a different cluster
  // the user did not mean this time. If -X bootstrap.servers is also set to something else, that
  // is a contradiction on the command line and an error rather than a silent pick. Empty: the
  // Config must have bootstrap.servers (from -F or -X).
  //
  // Errors: kInvalidArgument for a missing or conflicting bootstrap, an invalid option or a
  // setting librdkafka rejects when the client is created (its message, e.g. for
  // enable.idempotence=true with acks=1); kKafka when librdkafka cannot create the handle.
  // Nothing connects yet: an unreachable broker shows up as delivery failures or flush() timing
  // out (see wait_for_broker() in metadata.h to check first).
  static core::Result<std::unique_ptr<Producer>> create(const Config& config,
                                                        std::string bootstrap,
                                                        const ProducerOptions& options = {});

  // Drops whatever is still queued without delivery reports (call flush() or
  // purge_and_close() first to account for every record) and destroys the handle.
  ~Producer();

  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Called once per record accepted by send(), in librdkafka's order (per partition, the send
  // order). Replaces any previous handler; set it before the first send(). Exceptions thrown by
  // the handler are caught and counted in ProducerCounters::handler_exceptions.
  void set_delivery_handler(std::function<void(const DeliveryReport&)> handler);

  // Passes librdkafka's statistics JSON through (STATISTICS.md), emitted every
  // statistics.interval.ms (a Config setting; 0, the default, means never) from poll()/flush().
  void set_statistics_handler(std::function<void(std::string_view json)> handler);

  // Client-level errors librdkafka reports from poll()/flush() (a broker connection refused,
  // all brokers down, authentication failed); `fatal` is true when the producer can no longer
  // deliver (an idempotence guarantee broken). These usually recover by themselves; records
  // fail only through their delivery reports. The latest is also kept in last_error().
  void set_error_handler(std::function<void(const core::Status& error, bool fatal)> handler);

  // Enqueues one record. On a full local queue, serves delivery reports (calling the handler)
  // and retries, for at most ProducerOptions::queue_full_timeout_ms.
  // Errors (the record is not enqueued and counts as rejected):
  //  * kInvalidArgument: a topic name Kafka does not allow, a negative partition;
  //  * kKafka: librdkafka refused the record (an unknown partition of a topic whose metadata is
  //    known, a record larger than message.max.bytes, a fatal producer error), with its
  //    message and the topic/partition;
  //  * kTimeout: the queue stayed full for queue_full_timeout_ms (with the last client error,
  //    e.g. the broker refusing connections);
  //  * kCancelled: interrupt() was called while waiting for room, or the producer is closed.
  core::Status send(const OutgoingRecord& record);

  // Serves queued delivery reports and statistics/error callbacks, waiting up to timeout_ms
  // (0: do not wait, negative: until one arrives).
  void poll(int timeout_ms);

  // Sends everything queued now (ignoring linger.ms) and waits until every delivery report has
  // been served. Errors: kTimeout "N record(s) still in flight after T ms" (plus the last client
  // error, if any) when timeout_ms passed first (negative: no limit); kCancelled when
  // interrupt() was called. Failed deliveries are not errors here: they are in the reports and
  // counters.
  core::Status flush(int timeout_ms);

  // For the Ctrl-C path: flushes for up to flush_timeout_ms (ignoring interrupt()), then purges
  // whatever is left, queued or in flight, serves the resulting failure reports, and closes the
  // producer: later send() calls return kCancelled. OK when every record was delivered before
  // the purge; kTimeout "purged N record(s) not delivered within T ms" otherwise (the purged
  // ones were reported as failed; in-flight ones may still have reached the broker).
  core::Status purge_and_close(int flush_timeout_ms);

  // Makes a send() waiting for room or a flush() return kCancelled soon (within ~100 ms), and
  // every later one too. Async-signal-safe; callable from any thread.
  void interrupt() noexcept;

  // Records (and callbacks) librdkafka still holds: queued, in flight, or reported but not yet
  // served by poll() (rd_kafka_outq_len). Thread-safe.
  std::size_t in_flight() const;

  // A consistent-enough snapshot (each field read atomically). Thread-safe.
  ProducerCounters counters() const;

  // The latest client-level error librdkafka reported (see set_error_handler), or OK.
  // Thread-safe.
  core::Status last_error() const;

  // bootstrap.servers as used.
  const std::string& bootstrap() const noexcept;

  // The number of partitions of `topic`, from this producer's own metadata request, waiting up
  // to timeout_ms for the topic to have partitions with leaders. Asking is what producing does
  // first, so a broker that creates topics on first use (the embedded broker, Kafka with
  // auto.create.topics.enable) creates it here too. Driving thread only.
  // Errors: kInvalidArgument for a bad topic name; kNotFound "topic 'x' does not exist on
  // <bootstrap>" when the broker says so and does not create it; kTimeout when no usable answer
  // came within timeout_ms; kKafka for other errors (e.g. not authorized), in librdkafka's words.
  core::Result<std::int32_t> partition_count(std::string_view topic, int timeout_ms);

  // The partition this producer's configured partitioner (the `partitioner` property, default
  // consistent_random) gives a record with `key` when the topic has `partition_count`
  // partitions, or nullopt when that partitioner would pick one at random (null keys under the
  // *_random partitioners, empty keys under consistent_random, every key under random).
  // Driving thread only.
  std::optional<std::int32_t> partition_for_key(std::string_view topic,
                                                std::optional<std::string_view> key,
                                                std::int32_t partition_count);

 private:
  struct Impl;
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tidemark::kafka
