// ArrivalOrderSink: partitions merged by Kafka timestamp (ties to the lower partition), each
// partition's own order kept, nothing released while an unfinished partition could still bring
// an earlier record, partition ends passed on only at the end, and copies that outlive the
// consumer's buffers.
#include "tidemark/consumer/arrival_order.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tidemark::consumer {
namespace {

// Remembers what reached it, as "p<partition>@<timestamp>" (and the values).
class Recorder : public RecordSink {
 public:
  core::Status write(const DecodedRecord& r) override {
    std::string where = "p";
    where += std::to_string(r.message->partition);
    where += '@';
    where += std::to_string(r.message->timestamp_ms);
    seen.push_back(where);
    values.push_back(r.message->value ? std::string(*r.message->value) : "<null>");
    keys.push_back(r.message->key ? std::string(*r.message->key) : "<null>");
    if (!r.message->headers.empty()) {
      headers.push_back(std::string(r.message->headers[0].name) + "=" +
                        std::string(r.message->headers[0].value));
    }
    if (r.event != nullptr) event_times.push_back(core::event_time_of(*r.event));
    errors.push_back(std::string(r.error));
    return core::Status();
  }
  core::Status flush() override {
    ++flushes;
    return core::Status();
  }
  void on_assigned(std::span<const std::int32_t> p) override {
    assigned.insert(assigned.end(), p.begin(), p.end());
  }
  void on_finished(std::int32_t p) override { finished.push_back(p); }

  std::vector<std::string> seen, values, keys, headers, errors;
  std::vector<std::int64_t> event_times;
  std::vector<std::int32_t> assigned, finished;
  int flushes = 0;
};

// Writes one record with the given partition and timestamp through `sink`.
void write(RecordSink& sink, std::int32_t partition, std::int64_t timestamp,
           std::int64_t offset = 0) {
  kafka::ConsumedMessage m;
  m.topic = "t";
  m.partition = partition;
  m.offset = offset;
  m.timestamp_ms = timestamp;
  m.timestamp_type = kafka::TimestampType::kCreateTime;
  DecodedRecord r;
  r.message = &m;
  r.value_kind = ValueKind::kNull;
  ASSERT_TRUE(sink.write(r).ok());
}

TEST(ArrivalOrderSink, MergesByTimestampOnceEveryPartitionHasARecord) {
  Recorder inner;
  ArrivalOrderSink merge(inner);
  const std::vector<std::int32_t> parts{0, 1};
  merge.on_assigned(parts);
  EXPECT_EQ(inner.assigned, parts);
  write(merge, 0, 100);
  write(merge, 0, 300);
  EXPECT_TRUE(inner.seen.empty()) << "partition 1 could still bring an earlier record";
  EXPECT_EQ(merge.waiting(), 2u);
  write(merge, 1, 200);
  EXPECT_EQ(inner.seen, (std::vector<std::string>{"p0@100", "p1@200"}));
  merge.on_finished(1);
  EXPECT_EQ(inner.seen, (std::vector<std::string>{"p0@100", "p1@200", "p0@300"}));
  EXPECT_TRUE(inner.finished.empty()) << "ends are passed on only when everything is released";
  merge.on_finished(0);
  EXPECT_EQ(inner.finished, parts);
  EXPECT_EQ(merge.waiting(), 0u);
  EXPECT_EQ(merge.max_waiting(), 3u);
}

TEST(ArrivalOrderSink, TiesGoToTheLowerPartitionAndEachPartitionKeepsItsOrder) {
  Recorder inner;
  ArrivalOrderSink merge(inner);
  merge.on_assigned(std::vector<std::int32_t>{0, 1, 2});
  write(merge, 2, 100);
  write(merge, 1, 100);
  write(merge, 0, 500);  // partition 0's timestamps go back: 500, then 50
  write(merge, 0, 50, 1);
  ASSERT_TRUE(merge.flush().ok());
  EXPECT_EQ(inner.seen, (std::vector<std::string>{"p1@100", "p2@100", "p0@500", "p0@50"}));
  EXPECT_EQ(inner.flushes, 1);
}

TEST(ArrivalOrderSink, AFinishedPartitionNoLongerHoldsTheOthersBack) {
  Recorder inner;
  ArrivalOrderSink merge(inner);
  merge.on_assigned(std::vector<std::int32_t>{0, 1});
  merge.on_finished(1);  // empty from the start
  write(merge, 0, 10);
  write(merge, 0, 20);
  EXPECT_EQ(inner.seen, (std::vector<std::string>{"p0@10", "p0@20"}));
}

TEST(ArrivalOrderSink, FlushReleasesWhatWaitsInMergeOrder) {
  Recorder inner;
  ArrivalOrderSink merge(inner);
  merge.on_assigned(std::vector<std::int32_t>{0, 1, 2});
  write(merge, 1, 30);
  write(merge, 0, 40);
  write(merge, 1, 35);
  EXPECT_TRUE(inner.seen.empty());
  ASSERT_TRUE(merge.flush().ok());  // an interrupted run: nothing read is lost
  EXPECT_EQ(inner.seen, (std::vector<std::string>{"p1@30", "p1@35", "p0@40"}));
  EXPECT_TRUE(inner.finished.empty());
}

TEST(ArrivalOrderSink, CopiesOutliveTheConsumersBuffers) {
  Recorder inner;
  ArrivalOrderSink merge(inner);
  merge.on_assigned(std::vector<std::int32_t>{0, 1});
  {
    std::string value = "{\"test_data\":1}";
    std::string key = "k1";
    std::string name = "h";
    std::string hv = "v";
    std::vector<kafka::ConsumedHeader> headers{{name, hv, false}};
    core::Event event = core::LabEvent{1, 1234};
    std::string error = "none";
    kafka::ConsumedMessage m;
    m.topic = "t";
    m.partition = 0;
    m.offset = 7;
    m.timestamp_ms = 100;
    m.key = std::string_view(key);
    m.value = std::string_view(value);
    m.headers = headers;
    DecodedRecord r;
    r.message = &m;
    r.value_kind = ValueKind::kEvent;
    r.event = &event;
    r.error = error;
    ASSERT_TRUE(merge.write(r).ok());
    // The consumer reuses its buffers for the next record.
    value.assign(value.size(), 'x');
    key.assign(key.size(), 'x');
    name.assign(name.size(), 'x');
    hv.assign(hv.size(), 'x');
    event = core::LabEvent{9, 9};
    error.assign(error.size(), 'x');
  }
  merge.on_finished(1);
  ASSERT_EQ(inner.seen.size(), 1u);
  EXPECT_EQ(inner.values[0], "{\"test_data\":1}");
  EXPECT_EQ(inner.keys[0], "k1");
  EXPECT_EQ(inner.headers[0], "h=v");
  EXPECT_EQ(inner.event_times[0], 1234);
  EXPECT_EQ(inner.errors[0], "none");
}

}  // namespace
}  // namespace tidemark::consumer
