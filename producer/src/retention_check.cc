#include "tidemark/producer/retention_check.h"

#include <utility>

namespace tidemark::producer {

core::Result<RetentionCheck> RetentionCheck::start(kafka::AdminClient& admin, std::string topic,
                                                   int timeout_ms) {
  core::Result<std::vector<kafka::WatermarkOffsets>> w =
      admin.query_topic_watermarks(topic, timeout_ms);
  std::vector<std::int64_t> low;
  if (w.ok()) {
    for (const kafka::WatermarkOffsets& o : *w) low.push_back(o.low < 0 ? 0 : o.low);
  } else if (w.status().code() != core::StatusCode::kNotFound) {
    return w.status();
  }
  return RetentionCheck(std::move(topic), std::move(low));
}

core::Result<std::vector<PartitionDrop>> RetentionCheck::finish(
    kafka::AdminClient& admin, std::span<const std::uint64_t> acked_by_partition,
    int timeout_ms) const {
  core::Result<std::vector<kafka::WatermarkOffsets>> w =
      admin.query_topic_watermarks(topic_, timeout_ms);
  if (!w.ok()) return w.status();
  std::vector<PartitionDrop> drops;
  for (std::size_t p = 0; p < w->size() && p < acked_by_partition.size(); ++p) {
    if (acked_by_partition[p] == 0) continue;
    const std::int64_t before = p < low_before_.size() ? low_before_[p] : 0;
    const std::int64_t after = (*w)[p].low;
    if (after > before) {
      drops.push_back(PartitionDrop{static_cast<std::int32_t>(p), before, after});
    }
  }
  return drops;
}

std::string describe_drops(std::string_view topic, const std::vector<PartitionDrop>& drops) {
  if (drops.empty()) return "";
  std::int64_t total = 0;
  std::string where;
  for (const PartitionDrop& d : drops) {
    total += d.dropped();
    if (!where.empty()) where += ", ";
    where += std::to_string(d.partition) + " (" + std::to_string(d.dropped()) + ": offsets " +
             std::to_string(d.low_before) + ".." + std::to_string(d.low_after - 1) + ")";
  }
  std::string text = "the broker dropped " + std::to_string(total) + " record(s) from the start " +
                     "of topic '" + std::string(topic) + "' during this run: its log start " +
                     "offset (low watermark offset) moved up on partition" +
                     (drops.size() == 1 ? " " : "s ") + where + ". They were acknowledged " +
                     "but can no longer be read. The embedded broker (`tidemark broker`, " +
                     "-b embedded) keeps at most 5 MiB or 100,000 batches per partition; to keep " +
                     "every record, spread them over more partitions (--partitions with -b " +
                     "embedded, `tidemark broker --topic NAME:PARTITIONS`), compress them (-z " +
                     "lz4 or zstd), or use a real broker (-b HOST:9092).";
  return text;
}

}  // namespace tidemark::producer
