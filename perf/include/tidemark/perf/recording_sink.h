// perf::RecordingSink: a producer::Sink that keeps every record (key, value, headers, CreateTime)
// in memory, so that `tidemark perf produce --baseline` can hand exactly what tidemark's own
// loop produces (same generator, seed, format, keys and headers) to the plain librdkafka loop
// (kafka::run_plain_produce_loop), generated before that loop's clock starts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tidemark/kafka/plain_produce_loop.h"
#include "tidemark/producer/event_producer.h"

namespace tidemark::perf {

// Records as the plain loop takes them; `records` views into `headers` and the sink's memory.
struct RecordedRecords {
  std::vector<kafka::RecordHeader> headers;
  std::vector<kafka::PlainRecord> records;
};

class RecordingSink final : public producer::Sink {
 public:
  // Copies the record; reports it delivered at once (partition -1).
  core::Status send(const kafka::OutgoingRecord& record, const core::Event& event) override;
  core::Status finish(bool interrupted) override;

  std::size_t size() const noexcept { return entries_.size(); }

  // The records in send order, valid until the next send() or the sink's destruction.
  // `payloads_only`: keys and values alone (what rd_kafka_produce sends); otherwise also the
  // headers and CreateTime each record was sent with.
  RecordedRecords records(bool payloads_only) const;

 private:
  struct Span {
    std::size_t offset = 0;
    std::size_t size = 0;
  };
  struct Entry {
    bool has_key = false;
    Span key;
    Span value;
    std::size_t first_header = 0;  // index into header_spans_ (name, value pairs)
    std::size_t header_count = 0;
    std::int64_t timestamp_ms = 0;
  };
  Span append(std::string_view bytes);

  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<std::pair<Span, Span>> header_spans_;
};

}  // namespace tidemark::perf
