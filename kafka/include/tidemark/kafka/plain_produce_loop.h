// kafka::run_plain_produce_loop: the baseline `tidemark perf produce --baseline` measures
// tidemark against (issue 3: tidemark's generate + serialize + produce must reach at least 80% of
// the events/s of a plain librdkafka loop producing the same pre-serialized payloads).
//
// It is deliberately the smallest honest producer loop librdkafka's own examples write:
// rd_kafka_new() with the same kafka::Config tidemark's Producer uses (so idempotence, acks=all,
// linger.ms, batch sizes, compression and every -X/-F setting are identical), one
// rd_kafka_topic_t, then for each record rd_kafka_produce(RD_KAFKA_PARTITION_UA,
// RD_KAFKA_MSG_F_COPY, value, key) followed by rd_kafka_poll(rk, 0); on a full queue it polls
// for 100 ms and retries (never drops); at the end rd_kafka_flush(). The delivery report callback
// counts acknowledgements and failures and hands rd_kafka_message_latency() to the caller's
// observer (`perf produce` fills the same producer::LatencyHistogram tidemark's own loop fills,
// so both print percentiles by one rule, in fixed memory).
//
// rd_kafka_produce() takes no headers and no timestamp. A record that has either (the "same
// records" variant: tidemark's content-type, event-type and seq headers and its CreateTime) goes
// through rd_kafka_producev() instead, with a header list built for it as librdkafka requires
// (rd_kafka_headers_new + rd_kafka_header_add; librdkafka takes ownership). Measuring both
// separates tidemark's own cost from the cost of what it sends.
//
// Thread-safety: one call runs one producer on the calling thread; concurrent calls are
// independent.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/producer.h"  // RecordHeader

namespace tidemark::kafka {

// One pre-serialized record; the views must stay valid for the whole call.
struct PlainRecord {
  std::optional<std::string_view> key;  // nullopt: a null key (the partitioner spreads records)
  std::string_view value;
  std::span<const RecordHeader> headers;  // empty: none (rd_kafka_produce)
  std::int64_t timestamp_ms = 0;          // CreateTime; 0: librdkafka stamps "now"
};

struct PlainLoopResult {
  std::uint64_t sent = 0;    // records rd_kafka_produce() accepted
  std::uint64_t acked = 0;   // delivery reports without error
  std::uint64_t failed = 0;  // delivery reports with an error
  std::uint64_t bytes = 0;   // value bytes of accepted records
  double elapsed_s = 0;      // from the first produce call to the end of the flush
  std::string first_error;  // the first failed delivery's error, if any
};

// Takes the delivery latency (rd_kafka_message_latency, microseconds) of an acknowledged record.
// Called in delivery order on the thread running the loop (librdkafka serves delivery reports
// inside rd_kafka_poll and rd_kafka_flush); an exception it throws is dropped (nothing may leave
// a librdkafka callback).
using LatencyObserver = std::function<void(std::int64_t latency_us)>;

// Produces every record of `records` once to `topic` and waits for every delivery report, giving
// each acknowledged record's latency to `on_latency` (when set). `bootstrap` as for
// Producer::create (non-empty overrides bootstrap.servers).
// Errors: kInvalidArgument for a bad topic name, bootstrap or configuration; kKafka when
// librdkafka refuses a record for another reason than a full queue; kTimeout when the flush
// does not complete within `flush_timeout_ms` (negative: no limit). Failed deliveries are in the
// result, not the status.
core::Result<PlainLoopResult> run_plain_produce_loop(const Config& config,
                                                     const std::string& bootstrap,
                                                     std::string_view topic,
                                                     std::span<const PlainRecord> records,
                                                     int flush_timeout_ms = -1,
                                                     const LatencyObserver& on_latency = {});

}  // namespace tidemark::kafka
