// Did the broker keep what was produced? A producer run can outlive the data it wrote: the
// embedded broker (librdkafka's mock cluster) keeps at most 5 MiB or 100,000 batches per
// partition and drops the oldest, and a real broker's retention can do the same on a long run.
// Either way the partition's low watermark offset (log start offset) moves up. RetentionCheck
// reads every partition's low watermark offset before the run and again after it, and names the
// partitions the run wrote to whose start moved: how many records (offsets) were dropped, so the
// summary never pretends the data is still there.
//
// Offsets, not times: a low watermark offset is an offset, never an event time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"
#include "tidemark/kafka/metadata.h"

namespace tidemark::producer {

struct PartitionDrop {
  std::int32_t partition = 0;
  std::int64_t low_before = 0;  // low watermark offset at start (0 for a partition not there yet)
  std::int64_t low_after = 0;   // and at the end
  // Records dropped from the start of the partition during the run (offsets low_before ..
  // low_after - 1; they may include records other producers wrote meanwhile).
  std::int64_t dropped() const noexcept { return low_after - low_before; }
};

class RetentionCheck {
 public:
  // Reads the low watermark offset of every partition of `topic`. A topic that does not exist
  // yet counts as empty: every partition starts at offset 0. Errors: those of
  // AdminClient::query_topic_watermarks other than kNotFound.
  static core::Result<RetentionCheck> start(kafka::AdminClient& admin, std::string topic,
                                            int timeout_ms);

  // The partitions with acknowledged records (acked_by_partition[p] > 0) whose low watermark
  // offset is now above its value at start(), in partition order; empty when nothing was
  // dropped. Errors: those of AdminClient::query_topic_watermarks.
  core::Result<std::vector<PartitionDrop>> finish(kafka::AdminClient& admin,
                                                  std::span<const std::uint64_t> acked_by_partition,
                                                  int timeout_ms) const;

  const std::string& topic() const noexcept { return topic_; }

 private:
  RetentionCheck(std::string topic, std::vector<std::int64_t> low_before)
      : topic_(std::move(topic)), low_before_(std::move(low_before)) {}
  std::string topic_;
  std::vector<std::int64_t> low_before_;
};

// One paragraph for the summary: how many records were dropped, on which partitions, and what to
// do (more partitions, compression, a real broker). Empty for no drops.
std::string describe_drops(std::string_view topic, const std::vector<PartitionDrop>& drops);

}  // namespace tidemark::producer
