// Replaying records in the order they were written to Kafka (--processing-time record-timestamp).
//
// A consumer gets each partition's records in offset order, but how partitions interleave
// depends on fetch sizes and timing, so a watermark computed over a replayed topic differs from
// run to run. ArrivalOrderSink sits in front of another RecordSink and hands records on as a
// k-way merge of the partitions by Kafka record timestamp (ties: partition, then offset): a
// record is released once every partition that is still being read has a record waiting, so the
// result is the same on every run and reproduces when the records were written (with CreateTime
// set at send time, or LogAppendTime). Each partition's own order is kept even where its
// timestamps go backwards.
//
// Records are copied while they wait. A partition that reached its stop no longer holds the
// others back. Partition ends are passed on only once everything is released (all together, as
// if the topic had been read live and the input ended then), so a partition that went quiet
// keeps counting in the watermark until the end, as it would have while the records were being
// written. flush() releases whatever is still waiting, in merge order. Meant for bounded replays:
// memory grows with how far apart the partitions' timelines are. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "tidemark/consumer/record_output.h"

namespace tidemark::consumer {

class ArrivalOrderSink : public RecordSink {
 public:
  explicit ArrivalOrderSink(RecordSink& inner);
  ~ArrivalOrderSink() override;

  core::Status write(const DecodedRecord& record) override;
  // Releases everything still waiting (merge order), then flushes the inner sink.
  core::Status flush() override;
  // Writes out what the inner sink was given; records held back for merging are not written
  // (so `tidemark consume` refuses --commit with this sink).
  core::Status sync() override { return inner_.sync(); }
  void on_assigned(std::span<const std::int32_t> partitions) override;
  void on_finished(std::int32_t partition) override;
  core::Status on_tick() override { return inner_.on_tick(); }

  // Records waiting for other partitions.
  std::size_t waiting() const noexcept { return waiting_; }
  // The most that ever waited at once.
  std::size_t max_waiting() const noexcept { return max_waiting_; }

 private:
  struct Owned;
  struct Lane {
    std::int32_t partition = 0;
    bool finished = false;
    std::deque<std::unique_ptr<Owned>> queue;
  };
  Lane& lane(std::int32_t partition);
  // Releases while every unfinished lane has a record waiting (all lanes when `all`).
  core::Status release(bool all);
  void pass_on_finished();

  RecordSink& inner_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // sorted by partition
  std::size_t waiting_ = 0;
  std::size_t max_waiting_ = 0;
  bool finished_passed_ = false;
  core::Status error_;  // the first inner write error (on_finished cannot return one)
};

}  // namespace tidemark::consumer
