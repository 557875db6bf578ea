// consumer::TopicVerifier: `tidemark verify`'s work, independent of the command line. It reads a
// topic's resolved ranges (Flink's startup and bounded modes, as `consume` does, through an
// EventConsumer, without decoding values) and feeds every record's tidemark-seq,
// tidemark-instance and tidemark-delay-ms headers with its partition and offset to a
// SequenceVerifier (sequence_verifier.h says what missing, duplicated and reordered mean).
//
// The default range is what the topic holds now: earliest-offset to latest-offset. A bounded
// mode is required: an unbounded read would never finish the report.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "tidemark/consumer/event_consumer.h"
#include "tidemark/consumer/offset_spec.h"
#include "tidemark/consumer/sequence_verifier.h"
#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"

namespace tidemark::consumer {

struct TopicVerifierOptions {
  std::string topic;
  std::string group;    // for group-offsets starts or stops; empty: none
  StartupSpec startup;  // default earliest-offset
  BoundedSpec bounded = latest_offset_bound();
  SequenceVerifierOptions sequence;
  int query_timeout_ms = 30000;

  static BoundedSpec latest_offset_bound() {
    BoundedSpec b;
    b.mode = BoundedMode::kLatestOffset;
    return b;
  }
};

struct TopicVerification {
  ConsumeStats stats;     // records read, per-partition progress, how the read ended
  SequenceReport report;  // what the records' seqs say
};

class TopicVerifier {
 public:
  // Creates the Kafka clients (nothing connects yet). Errors: kInvalidArgument for an unbounded
  // range ("verify needs an end") and whatever EventConsumer::create reports.
  static core::Result<std::unique_ptr<TopicVerifier>> create(const kafka::Config& config,
                                                             std::string bootstrap,
                                                             TopicVerifierOptions options);
  ~TopicVerifier();
  TopicVerifier(const TopicVerifier&) = delete;
  TopicVerifier& operator=(const TopicVerifier&) = delete;

  // Resolves the ranges (EventConsumer::plan and its errors: a missing topic is kNotFound).
  core::Result<ConsumePlan> plan();

  // Reads the planned ranges to their stops and fills `out` (also when interrupted by `stop`
  // or interrupt(): the report then covers what was read, and out.stats.end says so).
  // Errors: EventConsumer::run's (a partition that cannot be read, a fatal consumer error).
  core::Status run(const ConsumePlan& plan, const std::atomic<bool>* stop, TopicVerification& out);

  // Makes run() end soon; async-signal-safe.
  void interrupt() noexcept;

 private:
  struct Impl;
  explicit TopicVerifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tidemark::consumer
