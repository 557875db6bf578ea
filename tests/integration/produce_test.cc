// producer::EventProducer against the embedded broker, read back with a plain librdkafka
// consumer: headers, CreateTime, keys, reproducibility by seed, sharding, and the disorder
// ground truth in the tidemark-delay-ms header.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "read_back.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/metadata.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/producer/csv_reader.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/producer/fingerprint.h"
#include "tidemark/producer/retention_check.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::producer {
namespace {

using Clock = std::chrono::steady_clock;

using tidemark::testing::read_back;
using tidemark::testing::ReadRecord;

// The value of "event_timestamp" in a lab JSON payload.
std::int64_t lab_event_timestamp(const std::string& json) {
  const std::string field = "\"event_timestamp\":";
  const std::size_t at = json.find(field);
  if (at == std::string::npos) return -1;
  return std::stoll(json.substr(at + field.size()));
}

// CRC-32 (IEEE, as librdkafka's rd_crc32): the hash of librdkafka's default partitioner,
// consistent_random, for non-empty keys.
std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

class ProduceTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = serializers::make_builtin_registry(); }

  // Starts a broker with `topic` (if not yet running) and produces into it. `prepare` may
  // adjust the options with the producer at hand (e.g. an idle partition's partitioner).
  ProducerStats produce(
      const std::string& topic, int partitions, EventProducerOptions options,
      const std::function<void(EventProducerOptions&, kafka::Producer&)>& prepare = {}) {
    if (!broker_) {
      core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start({});
      EXPECT_TRUE(b.ok()) << b.status().message();
      broker_ = std::move(*b);
    }
    if (partitions > 0) {  // 0: the topic exists already
      core::Status created = broker_->create_topic(topic, partitions);
      EXPECT_TRUE(created.ok()) << created.message();
    }
    kafka::Config config(kafka::ClientRole::kProducer);
    EXPECT_TRUE(config.set_override("message.timeout.ms", "15000").ok());
    core::Result<std::unique_ptr<kafka::Producer>> p =
        kafka::Producer::create(config, broker_->bootstrap());
    EXPECT_TRUE(p.ok()) << p.status().message();
    options.topic = topic;
    if (prepare) prepare(options, **p);
    core::Result<std::unique_ptr<EventProducer>> ep = EventProducer::create(std::move(options));
    EXPECT_TRUE(ep.ok()) << ep.status().message();
    KafkaSink sink(**p);
    ProducerStats stats;
    std::atomic<bool> stop{false};
    core::Status st = (*ep)->run(sink, &stop, stats);
    EXPECT_TRUE(st.ok()) << st.message();
    return stats;
  }

  EventProducerOptions lab_options(std::uint64_t seed, std::uint64_t count) {
    EventProducerOptions o;
    o.type = core::EventType::kLab;
    o.serializer = registry_.find("json");
    o.seed = seed;
    o.key = KeySpec::default_for(core::EventType::kLab);
    o.clock = *EventClock::simulated(*core::parse_iso8601("2026-01-01T00:00:00Z"), 1.0, 0);
    o.count = count;
    return o;
  }

  serializers::SerializerRegistry registry_;
  std::unique_ptr<kafka::EmbeddedBroker> broker_;
};

TEST_F(ProduceTest, LabJsonRecordsCarryHeadersEventTimeAndNoKey) {
  const ProducerStats stats = produce("lab", 4, lab_options(42, 1000));
  EXPECT_EQ(stats.sent, 1000u);
  EXPECT_EQ(stats.acked, 1000u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.fingerprint.size(), 16u);
  EXPECT_GT(stats.p50_ms, 0.0);

  const std::vector<ReadRecord> records = read_back(broker_->bootstrap(), "lab", 4, 1000);
  ASSERT_EQ(records.size(), 1000u);
  std::set<std::uint64_t> seqs;
  for (const ReadRecord& r : records) {
    EXPECT_EQ(r.header("content-type"), std::optional<std::string>("application/json"));
    EXPECT_EQ(r.header("tidemark-event-type"), std::optional<std::string>("lab"));
    ASSERT_TRUE(r.header("tidemark-seq").has_value());
    seqs.insert(std::stoull(*r.header("tidemark-seq")));
    EXPECT_FALSE(r.header("tidemark-delay-ms").has_value());
    EXPECT_FALSE(r.header("tidemark-instance").has_value());  // unsharded: 0/1 goes unsaid
    EXPECT_FALSE(r.key.has_value());
    EXPECT_EQ(r.timestamp_type, RD_KAFKA_TIMESTAMP_CREATE_TIME);
    EXPECT_EQ(r.timestamp, lab_event_timestamp(r.value)) << r.value;
  }
  EXPECT_EQ(seqs.size(), 1000u);
  EXPECT_EQ(*seqs.begin(), 0u);
  EXPECT_EQ(*seqs.rbegin(), 999u);
}

TEST_F(ProduceTest, NoHeadersSendsOnlyTheUsersHeaders) {
  EventProducerOptions o = lab_options(42, 200);
  o.tidemark_headers = false;
  o.extra_headers = {{"lab", "week-3"}};
  const ProducerStats stats = produce("bare", 1, std::move(o));
  EXPECT_EQ(stats.acked, 200u);
  const std::vector<ReadRecord> records = read_back(broker_->bootstrap(), "bare", 1, 200);
  ASSERT_EQ(records.size(), 200u);
  for (const ReadRecord& r : records) {
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.header("lab"), std::optional<std::string>("week-3"));
    EXPECT_EQ(r.timestamp, lab_event_timestamp(r.value)) << r.value;
  }
  // The payloads are those of the run with headers: the same seed gives the same fingerprint.
  EXPECT_EQ(stats.fingerprint, produce("with-headers", 1, lab_options(42, 200)).fingerprint);
}

TEST_F(ProduceTest, SameSeedSameFingerprintOtherSeedDiffers) {
  const ProducerStats a = produce("seed-a", 4, lab_options(7, 500));
  const ProducerStats b = produce("seed-b", 4, lab_options(7, 500));
  const ProducerStats c = produce("seed-c", 4, lab_options(8, 500));
  EXPECT_EQ(a.acked, 500u);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_NE(a.fingerprint, c.fingerprint);
}

TEST_F(ProduceTest, TwoShardsUnionIsTheWholeRun) {
  auto web = [&](std::optional<Shard> shard) {
    EventProducerOptions o = lab_options(11, 1001);
    o.type = core::EventType::kWeb;
    o.key = KeySpec::default_for(core::EventType::kWeb);
    if (shard) o.shard = *shard;
    return o;
  };
  const ProducerStats whole = produce("whole", 2, web(std::nullopt));
  const ProducerStats s0 = produce("shards", 2, web(Shard{0, 2}));
  const ProducerStats s1 = produce("shards", 0, web(Shard{1, 2}));
  EXPECT_EQ(whole.acked, 1001u);
  EXPECT_EQ(s0.acked, 501u);
  EXPECT_EQ(s1.acked, 500u);

  // Compare as multisets of (seq, record hash).
  auto summarize = [](const std::vector<ReadRecord>& records) {
    std::multiset<std::pair<std::uint64_t, std::uint64_t>> out;
    for (const ReadRecord& r : records) {
      std::optional<std::string_view> key;
      if (r.key) key = *r.key;
      out.emplace(std::stoull(r.header("tidemark-seq").value_or("0")),
                  Fingerprint::record_hash(key, r.value));
    }
    return out;
  };
  const std::vector<ReadRecord> a = read_back(broker_->bootstrap(), "whole", 2, 1001);
  const std::vector<ReadRecord> b = read_back(broker_->bootstrap(), "shards", 2, 1001);
  ASSERT_EQ(a.size(), 1001u);
  ASSERT_EQ(b.size(), 1001u);
  for (const ReadRecord& r : a) {
    ASSERT_TRUE(r.key.has_value());  // web: keyed by ip
    // On the partition librdkafka's default partitioner (consistent_random) gives the key.
    EXPECT_EQ(r.partition, static_cast<std::int32_t>(crc32(*r.key) % 2)) << "key " << *r.key;
    EXPECT_FALSE(r.header("tidemark-instance").has_value());
  }
  // Each shard's records say which instance wrote them, and that instance owns their seq.
  for (const ReadRecord& r : b) {
    const std::uint64_t seq = std::stoull(r.header("tidemark-seq").value_or("0"));
    EXPECT_EQ(r.header("tidemark-instance"),
              std::optional<std::string>(seq % 2 == 0 ? "0/2" : "1/2"));
  }
  EXPECT_EQ(summarize(a), summarize(b));
}

TEST_F(ProduceTest, DelayHeaderIsTheGroundTruthOfArrivalOrder) {
  EventProducerOptions o = lab_options(5, 3000);
  o.disorder.out_of_order_ms = 200;
  o.disorder.late_fraction = 0.05;
  o.disorder.late_min_ms = 300;
  o.disorder.late_max_ms = 600;
  const ProducerStats stats = produce("disorder", 1, o);  // one partition: arrival = send order
  EXPECT_EQ(stats.acked, 3000u);
  const std::vector<ReadRecord> records = read_back(broker_->bootstrap(), "disorder", 1, 3000);
  ASSERT_EQ(records.size(), 3000u);
  std::optional<std::int64_t> max_seen;
  std::size_t delayed = 0;
  std::size_t late = 0;
  std::set<std::uint64_t> seqs;
  for (const ReadRecord& r : records) {
    const std::int64_t t = lab_event_timestamp(r.value);
    EXPECT_EQ(r.timestamp, t);
    const std::int64_t truth = max_seen && *max_seen > t ? *max_seen - t : 0;
    ASSERT_TRUE(r.header("tidemark-delay-ms").has_value());
    EXPECT_EQ(std::stoll(*r.header("tidemark-delay-ms")), truth);
    if (truth > 0) ++delayed;
    if (truth >= 300) ++late;
    if (!max_seen || t > *max_seen) max_seen = t;
    seqs.insert(std::stoull(*r.header("tidemark-seq")));
  }
  EXPECT_EQ(seqs.size(), 3000u);
  EXPECT_GT(delayed, 100u);
  EXPECT_GT(late, 50u);
}

// Binds an idle partition to the producer's own partitioner, as `tidemark produce` does.
std::function<void(EventProducerOptions&, kafka::Producer&)> idle_partition(
    std::int32_t partition, std::int64_t after_ms, std::int32_t partitions) {
  return [=](EventProducerOptions& o, kafka::Producer& p) {
    const std::string topic = o.topic;
    o.idle = IdlePartition{partition, after_ms, partitions,
                           [&p, topic, partitions](std::optional<std::string_view> key) {
                             return p.partition_for_key(topic, key, partitions);
                           }};
  };
}

// Keyed web events, out of order by up to 300 ms, partition 1 of 3 idle after 2 s of event time
// (event k is at start + k ms): from the idle point on, partition 1 gets nothing, the others go
// on, every seq is still there, and each key stays where librdkafka's partitioner puts it unless
// it belonged to partition 1 (then the header says so).
TEST_F(ProduceTest, IdlePartitionGetsNothingAfterTheIdlePointWhileOthersContinue) {
  const std::int64_t start = *core::parse_iso8601("2026-01-01T00:00:00Z");
  const std::int64_t idle_at = start + 2000;
  EventProducerOptions o = lab_options(21, 4000);
  o.type = core::EventType::kWeb;
  o.key = KeySpec::default_for(core::EventType::kWeb);
  o.disorder.out_of_order_ms = 300;
  const ProducerStats stats = produce("idle-web", 3, o, idle_partition(1, 2000, 3));
  EXPECT_EQ(stats.acked, 4000u);
  ASSERT_TRUE(stats.idle_at_ms.has_value());
  EXPECT_EQ(*stats.idle_at_ms, idle_at);
  EXPECT_TRUE(stats.idle_reached);

  const std::vector<ReadRecord> records = read_back(broker_->bootstrap(), "idle-web", 3, 4000);
  ASSERT_EQ(records.size(), 4000u);
  std::set<std::uint64_t> seqs;
  std::map<std::int32_t, std::int64_t> max_time;
  std::uint64_t redirected = 0;
  std::size_t on_idle_partition = 0;
  for (const ReadRecord& r : records) {
    ASSERT_TRUE(r.key.has_value());
    seqs.insert(std::stoull(r.header("tidemark-seq").value_or("0")));
    if (!max_time.count(r.partition) || r.timestamp > max_time[r.partition]) {
      max_time[r.partition] = r.timestamp;
    }
    const auto natural = static_cast<std::int32_t>(crc32(*r.key) % 3);
    if (r.partition == 1) {
      ++on_idle_partition;
      EXPECT_LT(r.timestamp, idle_at) << "seq " << *r.header("tidemark-seq");
    }
    if (r.header("tidemark-redirected-from")) {
      ++redirected;
      EXPECT_EQ(*r.header("tidemark-redirected-from"), "1");
      EXPECT_EQ(natural, 1);
      EXPECT_NE(r.partition, 1);
      EXPECT_GE(r.timestamp, idle_at - 300);  // only after the idle point (minus the disorder)
    } else {
      EXPECT_EQ(r.partition, natural) << "key " << *r.key;
    }
  }
  EXPECT_EQ(seqs.size(), 4000u);  // nothing skipped
  EXPECT_GT(on_idle_partition, 300u);
  EXPECT_GT(redirected, 300u);
  EXPECT_EQ(redirected, stats.idle_redirected);
  EXPECT_GE(max_time[0], start + 3900);  // the others continue to the end
  EXPECT_GE(max_time[2], start + 3900);
  ASSERT_EQ(stats.acked_by_partition.size(), 3u);
  EXPECT_EQ(stats.acked_by_partition[1], on_idle_partition);
}

// Lab events have no key: before the idle point librdkafka spreads them, after it tidemark
// spreads them over the partitions other than the idle one.
TEST_F(ProduceTest, IdlePartitionWorksForUnkeyedEvents) {
  const std::int64_t idle_at = *core::parse_iso8601("2026-01-01T00:00:00Z") + 1000;
  const ProducerStats stats =
      produce("idle-lab", 4, lab_options(22, 3000), idle_partition(2, 1000, 4));
  EXPECT_EQ(stats.acked, 3000u);
  EXPECT_EQ(stats.idle_redirected, 0u);  // nothing keyed to move
  const std::vector<ReadRecord> records = read_back(broker_->bootstrap(), "idle-lab", 4, 3000);
  ASSERT_EQ(records.size(), 3000u);
  std::map<std::int32_t, std::size_t> after;
  std::set<std::uint64_t> seqs;
  for (const ReadRecord& r : records) {
    seqs.insert(std::stoull(r.header("tidemark-seq").value_or("0")));
    if (lab_event_timestamp(r.value) >= idle_at) ++after[r.partition];
  }
  EXPECT_EQ(seqs.size(), 3000u);
  EXPECT_EQ(after.count(2), 0u);
  for (const std::int32_t p : {0, 1, 3}) EXPECT_GT(after[p], 500u) << "partition " << p;
}

TEST_F(ProduceTest, IdlePartitionOptionsAreChecked) {
  auto with_idle = [&](std::int32_t partition, std::int64_t after, std::int32_t count) {
    EventProducerOptions o = lab_options(1, 1);
    o.idle = IdlePartition{partition, after, count,
                           [](std::optional<std::string_view>) { return std::nullopt; }};
    return EventProducer::create(std::move(o)).status();
  };
  EXPECT_EQ(with_idle(4, 0, 4).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(with_idle(-1, 0, 4).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(with_idle(0, 0, 1).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(with_idle(0, -5, 2).code(), core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(with_idle(1, 0, 2).ok());
}

// The mock cluster keeps at most 5 MiB per partition: ~11 MB of web events into one partition
// make it drop the oldest, and RetentionCheck counts exactly the offsets that are gone.
TEST_F(ProduceTest, RetentionCheckCountsWhatTheBrokerDropped) {
  core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start({});
  ASSERT_TRUE(b.ok()) << b.status().message();
  broker_ = std::move(*b);
  kafka::Config config(kafka::ClientRole::kProducer);
  core::Result<std::unique_ptr<kafka::AdminClient>> admin =
      kafka::AdminClient::create(config, broker_->bootstrap());
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  ASSERT_TRUE(broker_->create_topic("small", 2).ok());
  ASSERT_TRUE(broker_->create_topic("full", 1).ok());

  core::Result<RetentionCheck> small = RetentionCheck::start(**admin, "small", 5000);
  core::Result<RetentionCheck> full = RetentionCheck::start(**admin, "full", 5000);
  core::Result<RetentionCheck> later = RetentionCheck::start(**admin, "not-yet", 5000);
  ASSERT_TRUE(small.ok()) << small.status().message();
  ASSERT_TRUE(full.ok()) << full.status().message();
  ASSERT_TRUE(later.ok()) << later.status().message();  // a missing topic starts at 0

  EventProducerOptions web = lab_options(3, 30000);
  web.type = core::EventType::kWeb;
  web.key = KeySpec::default_for(core::EventType::kWeb);
  const ProducerStats full_stats = produce("full", 0, web);
  const ProducerStats small_stats = produce("small", 0, lab_options(3, 1000));
  ASSERT_EQ(full_stats.acked, 30000u);
  ASSERT_GT(full_stats.bytes, 2 * 5 * 1024 * 1024u);

  core::Result<std::vector<PartitionDrop>> none =
      small->finish(**admin, small_stats.acked_by_partition, 5000);
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(describe_drops("small", *none), "");

  core::Result<std::vector<PartitionDrop>> drops =
      full->finish(**admin, full_stats.acked_by_partition, 5000);
  ASSERT_TRUE(drops.ok()) << drops.status().message();
  ASSERT_EQ(drops->size(), 1u);
  const PartitionDrop& d = drops->front();
  EXPECT_EQ(d.partition, 0);
  EXPECT_EQ(d.low_before, 0);
  core::Result<kafka::WatermarkOffsets> w = (*admin)->query_watermarks("full", 0, 5000);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(d.low_after, w->low);
  EXPECT_GT(d.dropped(), 10000);
  EXPECT_EQ(w->high, 30000);
  // What is left to read is exactly what was not dropped.
  const std::vector<ReadRecord> left =
      read_back(broker_->bootstrap(), "full", 1, static_cast<std::size_t>(30000 - d.dropped()));
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left.front().offset, d.low_after);

  const std::string text = describe_drops("full", *drops);
  EXPECT_NE(text.find(std::to_string(d.dropped()) + " record(s)"), std::string::npos) << text;
  EXPECT_NE(text.find("partition 0"), std::string::npos) << text;
  EXPECT_NE(text.find("more partitions"), std::string::npos) << text;
  EXPECT_NE(text.find("-z"), std::string::npos) << text;
  EXPECT_NE(text.find("real broker"), std::string::npos) << text;
}

// CSV replay of green-taxi fixtures in the real column layout (BOM, CRLF, quoted fields, blank
// passenger_count, bad rows): what arrives in Kafka is exactly the file's trips, in file order on
// one partition, with CreateTime = dropoff time, keyed by PULocationID, a blank passenger_count
// as JSON null, and bad rows skipped and counted (or fatal, naming the line).
TEST_F(ProduceTest, CsvReplayArrivesTripForTripWithBadRowsSkippedAndCounted) {
  const std::string dir = TIDEMARK_TEST_DATA_DIR;
  const serializers::Serializer* json = registry_.find("json");
  auto replay = [&](const std::string& topic, const std::string& file, BadRowPolicy policy,
                    core::Status* status) {
    TaxiCsvOptions csv;
    csv.on_bad_row = policy;
    core::Result<std::unique_ptr<TaxiCsvSource>> source = TaxiCsvSource::open(dir + "/" + file, csv);
    EXPECT_TRUE(source.ok()) << source.status().message();
    EventProducerOptions o = lab_options(1, 0);
    o.count.reset();
    o.type = core::EventType::kTaxi;
    o.key = KeySpec::default_for(core::EventType::kTaxi);
    o.csv_source = source->get();
    if (!broker_) {
      core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start({});
      EXPECT_TRUE(b.ok());
      broker_ = std::move(*b);
    }
    EXPECT_TRUE(broker_->create_topic(topic, 1).ok());
    kafka::Config config(kafka::ClientRole::kProducer);
    core::Result<std::unique_ptr<kafka::Producer>> p =
        kafka::Producer::create(config, broker_->bootstrap());
    EXPECT_TRUE(p.ok());
    o.topic = topic;
    core::Result<std::unique_ptr<EventProducer>> ep = EventProducer::create(std::move(o));
    EXPECT_TRUE(ep.ok()) << ep.status().message();
    KafkaSink sink(**p);
    ProducerStats stats;
    *status = (*ep)->run(sink, nullptr, stats);
    return stats;
  };
  // The trips the file holds, read by the CSV source on its own.
  auto trips_of = [&](const std::string& file) {
    TaxiCsvOptions csv;
    csv.on_bad_row = BadRowPolicy::kSkip;
    std::vector<core::TaxiTrip> trips;
    core::Result<std::unique_ptr<TaxiCsvSource>> source = TaxiCsvSource::open(dir + "/" + file, csv);
    EXPECT_TRUE(source.ok());
    for (;;) {
      core::Result<std::optional<core::TaxiTrip>> t = (*source)->next();
      EXPECT_TRUE(t.ok());
      if (!t.ok() || !*t) break;
      trips.push_back(**t);
    }
    return trips;
  };
  auto check_topic = [&](const std::string& topic, const std::vector<core::TaxiTrip>& expected) {
    const std::vector<ReadRecord> records =
        read_back(broker_->bootstrap(), topic, 1, expected.size());
    ASSERT_EQ(records.size(), expected.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      const ReadRecord& r = records[i];
      core::Result<core::Event> e = json->decode(r.value, core::EventType::kTaxi);
      ASSERT_TRUE(e.ok()) << r.value;
      EXPECT_EQ(std::get<core::TaxiTrip>(*e), expected[i]) << r.value;
      EXPECT_EQ(r.timestamp, expected[i].lpep_dropoff_datetime);
      EXPECT_EQ(r.key, std::optional<std::string>(std::to_string(expected[i].pu_location_id)));
      EXPECT_EQ(r.header("tidemark-seq"), std::optional<std::string>(std::to_string(i)))
          << "seq counts delivered trips of a file without bad rows";
      const bool blank = !expected[i].passenger_count.has_value();
      EXPECT_EQ(r.value.find("\"passenger_count\":null") != std::string::npos, blank) << r.value;
    }
  };

  core::Status status;
  const std::vector<core::TaxiTrip> sample = trips_of("green_tripdata_sample.csv");
  ASSERT_EQ(sample.size(), 13u);
  const ProducerStats s = replay("csv-sample", "green_tripdata_sample.csv", BadRowPolicy::kFail,
                                 &status);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(s.acked, 13u);
  EXPECT_EQ(s.csv_rows_skipped, 0u);
  check_topic("csv-sample", sample);

  const std::vector<core::TaxiTrip> good = trips_of("green_tripdata_bad_rows.csv");
  ASSERT_EQ(good.size(), 4u);
  const ProducerStats skipped = replay("csv-skip", "green_tripdata_bad_rows.csv",
                                       BadRowPolicy::kSkip, &status);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(skipped.acked, 4u);
  EXPECT_EQ(skipped.csv_rows_skipped, 6u);
  const std::vector<ReadRecord> records = read_back(broker_->bootstrap(), "csv-skip", 1, 4);
  ASSERT_EQ(records.size(), 4u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    core::Result<core::Event> e = json->decode(records[i].value, core::EventType::kTaxi);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(std::get<core::TaxiTrip>(*e), good[i]);
  }

  const ProducerStats failed = replay("csv-fail", "green_tripdata_bad_rows.csv",
                                      BadRowPolicy::kFail, &status);
  EXPECT_EQ(status.code(), core::StatusCode::kMalformed);
  EXPECT_NE(status.message().find("green_tripdata_bad_rows.csv:3:"), std::string::npos)
      << status.message();
  EXPECT_EQ(failed.acked, 1u);  // the row before the bad one was delivered, nothing after
}

}  // namespace
}  // namespace tidemark::producer
