// Nothing lost under faults: one million small events produced by tidemark's EventProducer
// (the code path of `tidemark produce`: idempotent producer, acks=all) into a three-broker
// embedded cluster while a seeded schedule injects faults: brokers going down and coming back,
// produce requests answered with leader-change, timeout and replica errors or with a dropped
// connection, slow responses, added round-trip time, and partition leaders moving. The topic is
// then read back by an independent plain-librdkafka consumer and checked with the
// SequenceVerifier and against every acknowledgement: the producer's summary says everything
// was acknowledged (failed == 0), every record the broker acknowledged with an offset is at that
// partition and offset, and no record dropped by the mock's retention (low watermarks 0).
//
// librdkafka 2.0.2's mock checks the idempotent producer's sequence numbers only for
// transactional producers, so three things a real broker prevents can happen there, and are
// counted apart rather than hidden: a batch written twice when the mock dropped its own response
// (a connection cut while the response was queued), a batch librdkafka reports delivered
// without an offset (it infers the write from a later batch's acknowledgement, which a real
// broker gives only in sequence order) although the mock never wrote it, and a failed batch
// whose retry the mock writes behind a later one (reordering). The schedule keeps them rare (no
// connection cut while a delayed response is due); anything else is a failure.
//
// A second, smaller run injects a fault that is fatal by design (the broker refusing batches
// with INVALID_RECORD): the records of those batches fail, and exactly those are missing.
//
// TIDEMARK_FAULT_SEED=<n> replays another schedule; the seed is printed either way.
// TIDEMARK_FAULT_DEBUG=<librdkafka debug contexts> (e.g. eos,msg,broker) turns the producer's
// debug log on, for looking into a failure.
// docs/reliability.md ("Nothing lost") has the figures and what the mock cannot simulate.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "read_back.h"
#include "tidemark/consumer/sequence_verifier.h"
#include "tidemark/consumer/topic_verifier.h"
#include "tidemark/core/time.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/metadata.h"
#include "tidemark/kafka/producer.h"
#include "tidemark/producer/event_producer.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark {
namespace {

using Clock = std::chrono::steady_clock;
using kafka::BrokerError;
using kafka::EmbeddedBroker;
using kafka::KafkaApi;

std::uint64_t fault_seed() {
  if (const char* s = std::getenv("TIDEMARK_FAULT_SEED"); s != nullptr && *s != '\0') {
    return std::strtoull(s, nullptr, 10);
  }
  return 20261127;
}

// "[partition]@offset" (built step by step: GCC 12 warns falsely on chains of + here).
std::string position(std::int32_t partition, std::int64_t offset) {
  std::string out(1, '[');
  out += std::to_string(partition);
  out += "]@";
  out += std::to_string(offset);
  return out;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The fault schedule: one fault at a time, each undone before the next, with random pauses.
class FaultSchedule {
 public:
  enum Kind {
    kBrokerDown,
    kProduceErrors,
    kDisconnect,
    kSlowResponses,
    kRoundTrip,
    kLeaderMove,
    kKinds
  };

  FaultSchedule(EmbeddedBroker& broker, std::string topic, int partitions, std::uint64_t seed)
      : broker_(broker), topic_(std::move(topic)), partitions_(partitions), rng_(seed) {}

  void run(const std::atomic<bool>& done) {
    // Rounds of every chosen kind in a seeded random order, so each kind occurs.
    std::vector<Kind> round = kinds_;
    while (!done.load()) {
      std::shuffle(round.begin(), round.end(), rng_);
      for (const Kind kind : round) {
        if (!pause(between(40, 200), done)) break;
        inject(kind, done);
      }
    }
    // Leave a healthy cluster behind.
    for (int b = 1; b <= broker_.broker_count(); ++b) {
      expect_ok(broker_.set_broker_up(b));
      expect_ok(broker_.set_round_trip_time(b, 0));
    }
  }

  std::string summary() const {
    static constexpr std::array<const char*, kKinds> kNames = {
        "broker down/up",       "produce error bursts",   "dropped connections",
        "slow-response bursts", "round-trip-time spells", "leader moves"};
    std::string out;
    for (int k = 0; k < kKinds; ++k) {
      if (!out.empty()) out += ", ";
      out += std::to_string(counts_[k]) + " " + kNames[k];
    }
    out += "; " + std::to_string(errors_pushed_) + " produce requests answered with an error";
    return out;
  }
  int total() const {
    int n = 0;
    for (const int c : counts_) n += c;
    return n;
  }
  const std::array<int, kKinds>& counts() const { return counts_; }

 private:
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // Sleeps `ms` unless the run ends first; false when it ended.
  static bool pause(int ms, const std::atomic<bool>& done) {
    const Clock::time_point until = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < until) {
      if (done.load()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  static void expect_ok(const core::Status& st) { EXPECT_TRUE(st.ok()) << st.message(); }

  // Queues answers for the broker's next produce requests and waits (up to 3 s) until its
  // produce requests have used them, so that injected errors never pile up faster than the
  // client meets them (a backlog would turn a burst into a long outage).
  void push_and_wait(int broker, const std::vector<kafka::InjectedResponse>& responses,
                     const std::atomic<bool>& done) {
    expect_ok(broker_.push_broker_responses(broker, KafkaApi::kProduce, responses));
    for (const kafka::InjectedResponse& r : responses) {
      if (r.error != BrokerError::kNone) ++errors_pushed_;
    }
    const Clock::time_point until = Clock::now() + std::chrono::seconds(3);
    while (Clock::now() < until && !done.load()) {
      core::Result<std::size_t> left = broker_.pending_broker_responses(broker, KafkaApi::kProduce);
      if (!left.ok() || *left == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // A broker that lost no connection in the last 10 s, if any. librdkafka doubles a broker's
  // reconnect backoff (up to reconnect.backoff.max.ms, 10 s) for each connection lost within
  // 10 s of the previous attempt, so cutting one broker's connections more often than that
  // turns a flapping broker into an outage of several seconds per cut; the schedule spaces them.
  std::optional<int> connection_victim() {
    const Clock::time_point now = Clock::now();
    std::vector<int> candidates;
    for (int b = 1; b <= broker_.broker_count(); ++b) {
      auto it = last_cut_.find(b);
      if (it == last_cut_.end() || now - it->second > std::chrono::seconds(10)) {
        candidates.push_back(b);
      }
    }
    if (candidates.empty()) return std::nullopt;
    const int b =
        candidates[static_cast<std::size_t>(between(0, static_cast<int>(candidates.size()) - 1))];
    last_cut_[b] = now;
    return b;
  }

  void inject(Kind kind, const std::atomic<bool>& done) {
    int broker = between(1, broker_.broker_count());
    if (kind == kBrokerDown || kind == kDisconnect) {
      const std::optional<int> victim = connection_victim();
      if (!victim) return;  // every broker was cut recently: skip this one
      broker = *victim;
      // Never cut a connection while a delayed response may still be due: the mock would drop
      // it after writing the batch, and, unlike a real broker, write the producer's retry again
      // (it checks idempotent sequence numbers only for transactional producers).
      const auto wait =
          std::chrono::duration_cast<std::chrono::milliseconds>(quiet_from_ - Clock::now());
      if (wait.count() > 0 && !pause(static_cast<int>(wait.count()), done)) return;
    }
    switch (kind) {
      case kBrokerDown:
        expect_ok(broker_.set_broker_down(broker));
        pause(between(100, 600), done);
        expect_ok(broker_.set_broker_up(broker));
        break;
      case kProduceErrors: {
        static constexpr std::array<BrokerError, 6> kRetriable = {
            BrokerError::kNotLeaderForPartition, BrokerError::kRequestTimedOut,
            BrokerError::kNotEnoughReplicas,     BrokerError::kNotEnoughReplicasAfterAppend,
            BrokerError::kLeaderNotAvailable,    BrokerError::kKafkaStorageError};
        std::vector<kafka::InjectedResponse> errors(static_cast<std::size_t>(between(1, 6)));
        for (kafka::InjectedResponse& e : errors) {
          e.error = kRetriable[static_cast<std::size_t>(between(0, 5))];
        }
        push_and_wait(broker, errors, done);
        break;
      }
      case kDisconnect: {
        const std::vector<kafka::InjectedResponse> cut{{BrokerError::kDisconnect, 0}};
        push_and_wait(broker, cut, done);
        break;
      }
      case kSlowResponses: {
        std::vector<kafka::InjectedResponse> slow(static_cast<std::size_t>(between(1, 5)));
        for (kafka::InjectedResponse& r : slow) r.delay_ms = between(50, 400);
        push_and_wait(broker, slow, done);
        quiet_from_ = Clock::now() + std::chrono::milliseconds(500);
        break;
      }
      case kRoundTrip:
        expect_ok(broker_.set_round_trip_time(broker, between(20, 200)));
        pause(between(200, 800), done);
        expect_ok(broker_.set_round_trip_time(broker, 0));
        quiet_from_ = Clock::now() + std::chrono::milliseconds(300);
        break;
      case kLeaderMove:
        expect_ok(broker_.move_partition_leader(topic_, between(0, partitions_ - 1), broker));
        break;
      case kKinds:
        break;
    }
    ++counts_[kind];
  }

  EmbeddedBroker& broker_;
  std::string topic_;
  int partitions_;
  std::mt19937_64 rng_;
  std::array<int, kKinds> counts_{};
  int errors_pushed_ = 0;
  std::map<int, Clock::time_point> last_cut_;
  Clock::time_point quiet_from_;  // no delayed response is due after this
  std::vector<Kind> kinds_ = {kBrokerDown,    kProduceErrors, kDisconnect,
                              kSlowResponses, kRoundTrip,     kLeaderMove};
};

// tidemark's KafkaSink, unchanged, with each acknowledgement's partition and offset noted on
// the way to the EventProducer (what `tidemark produce --manifest` writes).
class AckRecordingSink final : public producer::Sink {
 public:
  AckRecordingSink(kafka::Producer& producer, std::uint64_t count)
      : inner_(producer), acked_at_(count, {-1, kNotAcked}) {
    inner_.set_delivery_callback([this](const kafka::DeliveryReport& report) {
      if (report.error.ok() && report.opaque < acked_at_.size()) {
        if (acked_at_[report.opaque].first >= 0) ++acked_twice_;
        acked_at_[report.opaque] = {report.partition, report.offset};
        if (report.offset < 0) ++acked_without_offset_;
      }
      if (on_delivery_) on_delivery_(report);
    });
  }
  core::Status send(const kafka::OutgoingRecord& record, const core::Event& event) override {
    return inner_.send(record, event);
  }
  void poll() override { inner_.poll(); }
  core::Status finish(bool interrupted) override { return inner_.finish(interrupted); }
  std::size_t in_flight() const override { return inner_.in_flight(); }

  static constexpr std::int64_t kNotAcked = std::numeric_limits<std::int64_t>::min();
  // seq -> (partition, offset) of its acknowledgement: offset -1001 (RD_KAFKA_OFFSET_INVALID)
  // when acknowledged without an offset, kNotAcked when not acknowledged.
  const std::vector<std::pair<std::int32_t, std::int64_t>>& acked_at() const { return acked_at_; }
  std::uint64_t acked_twice() const { return acked_twice_; }
  // Acknowledged with offset -1: librdkafka inferred the write from a later batch's ack.
  std::uint64_t acked_without_offset() const { return acked_without_offset_; }

 private:
  producer::KafkaSink inner_;
  std::vector<std::pair<std::int32_t, std::int64_t>> acked_at_;
  std::uint64_t acked_twice_ = 0;
  std::uint64_t acked_without_offset_ = 0;
};

// What the read-back found, beside the SequenceVerifier's report.
struct ReadBack {
  consumer::SequenceReport report;
  // Records of seqs the broker acknowledged with an offset, found exactly there.
  std::uint64_t at_acked_position = 0;
  // Records of seqs librdkafka reported delivered without an offset: an idempotent producer
  // treats a batch whose answer it lost (or that failed with a retriable error) as written
  // once a later batch of the same partition is acknowledged, because a real broker accepts
  // batches only in sequence order. The mock does not check sequences of non-transactional
  // producers, so such a batch may never have been written: these are the ones found...
  std::uint64_t inferred_present = 0;
  // ...and these the ones missing (counted from the whole seq range, not just the report's
  // first ranges).
  std::uint64_t inferred_missing = 0;
  // Seqs acknowledged with an offset but not found: a real loss, never explained away.
  std::uint64_t confirmed_missing = 0;
  std::string first_confirmed_missing;
  // Seqs never acknowledged (failed deliveries) and not in the topic.
  std::uint64_t unacknowledged_missing = 0;
  // Extra copies of a record acknowledged with an offset: same seq, same partition, at a lower
  // offset than the acknowledged copy. The mock wrote a batch, lost its response (a connection
  // cut while the response was still queued) and wrote the retry again: a real broker answers
  // such a retry from the idempotent producer's sequence numbers instead.
  std::uint64_t unacked_earlier_copies = 0;
  std::uint64_t other_copies = 0;  // anything else: never explained away
  std::string first_other;         // where the first of those was
};

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = serializers::make_builtin_registry(); }

  void start(int brokers, int partitions) {
    kafka::EmbeddedBrokerOptions options;
    options.brokers = brokers;
    options.topics.push_back({topic_, partitions});
    core::Result<std::unique_ptr<EmbeddedBroker>> b = EmbeddedBroker::start(options);
    ASSERT_TRUE(b.ok()) << b.status().message();
    broker_ = std::move(*b);
    partitions_ = partitions;
  }

  // What librdkafka's statistics say the faults did to the client, summed over brokers.
  struct ClientEffects {
    std::int64_t disconnects = 0;  // connections lost
    std::int64_t errors = 0;       // requests that failed (txerrs + rxerrs)
  };

  // Keeps the latest statistics of `producer` in `effects` (the counters are cumulative).
  static void watch(kafka::Producer& producer, ClientEffects& effects) {
    producer.set_statistics_handler([&effects](std::string_view json) {
      const nlohmann::json stats = nlohmann::json::parse(json, nullptr, false);
      if (stats.is_discarded() || !stats.contains("brokers")) return;
      ClientEffects now;
      for (const auto& [name, b] : stats["brokers"].items()) {
        if (b.value("nodeid", -1) < 0) continue;  // bootstrap entries
        now.disconnects += b.value("disconnects", std::int64_t{0});
        now.errors += b.value("txerrs", std::int64_t{0}) + b.value("rxerrs", std::int64_t{0});
      }
      effects = now;
    });
  }

  std::unique_ptr<kafka::Producer> make_producer() {
    // tidemark's producer defaults (enable.idempotence=true, acks=all, librdkafka's retries and
    // timeouts), as `tidemark produce -z lz4` sets them: compression keeps a million records
    // with their headers well under the mock's 5 MiB per partition. Logging is off because
    // refused connections are the point here.
    kafka::Config config(kafka::ClientRole::kProducer);
    EXPECT_TRUE(config.set_override("compression.type", "lz4").ok());
    if (const char* d = std::getenv("TIDEMARK_FAULT_DEBUG"); d != nullptr) {
      EXPECT_TRUE(config.set_override("debug", d).ok());
    } else {
      EXPECT_TRUE(config.set_override("log_level", "0").ok());
    }
    EXPECT_TRUE(config.set_override("statistics.interval.ms", "200").ok());
    core::Result<std::unique_ptr<kafka::Producer>> p =
        kafka::Producer::create(config, broker_->bootstrap());
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? std::move(*p) : nullptr;
  }

  producer::EventProducerOptions options(std::uint64_t count) {
    producer::EventProducerOptions o;
    o.topic = topic_;
    o.type = core::EventType::kLab;
    o.serializer = registry_.find("json");
    o.seed = 7;
    o.key = producer::KeySpec::default_for(core::EventType::kLab);
    o.clock =
        *producer::EventClock::simulated(*core::parse_iso8601("2026-01-01T00:00:00Z"), 1.0, 0);
    o.count = count;
    return o;
  }

  // Low watermark offsets (all must be 0: the mock dropped nothing) and the records the topic
  // holds (sum of high - low).
  std::uint64_t records_in_topic() {
    core::Result<std::unique_ptr<kafka::AdminClient>> admin = kafka::AdminClient::create(
        kafka::Config(kafka::ClientRole::kConsumer), broker_->bootstrap());
    EXPECT_TRUE(admin.ok()) << admin.status().message();
    if (!admin.ok()) return 0;
    core::Result<std::vector<kafka::WatermarkOffsets>> w =
        (*admin)->query_topic_watermarks(topic_, 10000);
    EXPECT_TRUE(w.ok()) << w.status().message();
    if (!w.ok()) return 0;
    std::uint64_t total = 0;
    for (std::size_t p = 0; p < w->size(); ++p) {
      EXPECT_EQ((*w)[p].low, 0) << "the mock dropped records of partition " << p;
      total += static_cast<std::uint64_t>((*w)[p].high - (*w)[p].low);
    }
    return total;
  }

  // Reads the topic back, checks the seqs (the stream had `count` events) and compares every
  // record with the acknowledgement of its seq. Remembers where each seq was first read, to
  // say where a gap or a repeat sits when one is found.
  ReadBack read_back(std::uint64_t count, std::uint64_t in_topic,
                     const std::vector<std::pair<std::int32_t, std::int64_t>>& acked_at) {
    ReadBack out;
    consumer::SequenceVerifier verifier(consumer::SequenceVerifierOptions{.count = count});
    first_seen_.assign(count, {-1, -1});
    const std::size_t read = testing::read_back_each(
        broker_->bootstrap(), topic_, partitions_, in_topic, [&](const rd_kafka_message_t& m) {
          const std::optional<std::string_view> seq = testing::header_of(m, "tidemark-seq");
          verifier.add_record(seq, testing::header_of(m, "tidemark-instance"),
                              testing::header_of(m, "tidemark-delay-ms").has_value(), m.partition,
                              m.offset);
          const std::uint64_t k =
              seq ? std::strtoull(std::string(*seq).c_str(), nullptr, 10) : count;
          if (k >= count) return;
          if (first_seen_[k].first < 0) first_seen_[k] = {m.partition, m.offset};
          if (m.partition >= 0 && m.offset >= 0) {
            auto& log = logs_[m.partition];
            if (log.size() <= static_cast<std::size_t>(m.offset)) {
              log.resize(static_cast<std::size_t>(m.offset) + 1, count);
            }
            log[static_cast<std::size_t>(m.offset)] = k;
          }
          const auto [p, o] = acked_at[k];
          const bool first_copy = first_seen_[k] == std::pair{m.partition, m.offset};
          if (o >= 0 && p == m.partition && o == m.offset) {
            ++out.at_acked_position;
          } else if (o >= 0 && p == m.partition && m.offset < o) {
            ++out.unacked_earlier_copies;
          } else if (o < 0 && first_copy) {
            ++out.inferred_present;
          } else if (out.other_copies++ == 0) {
            out.first_other = "seq " + std::to_string(k) + " read at " +
                              position(m.partition, m.offset) + ", acknowledged at " +
                              position(p, o);
          }
        });
    for (std::uint64_t k = 0; k < count; ++k) {
      if (first_seen_[k].first >= 0) continue;
      if (acked_at[k].second == AckRecordingSink::kNotAcked) {
        ++out.unacknowledged_missing;
      } else if (acked_at[k].second < 0) {
        ++out.inferred_missing;
      } else if (out.confirmed_missing++ == 0) {
        out.first_confirmed_missing = "seq " + std::to_string(k) + " acknowledged at " +
                                      position(acked_at[k].first, acked_at[k].second);
      }
    }
    EXPECT_EQ(read, in_topic);
    out.report = verifier.report();
    return out;
  }

  // Reads the whole topic as `tidemark verify -t faults -c count` does.
  consumer::TopicVerification verify_like_the_cli(std::uint64_t count) {
    consumer::TopicVerification out;
    consumer::TopicVerifierOptions o;
    o.topic = topic_;
    o.sequence.count = count;
    core::Result<std::unique_ptr<consumer::TopicVerifier>> v = consumer::TopicVerifier::create(
        kafka::Config(kafka::ClientRole::kConsumer), broker_->bootstrap(), std::move(o));
    EXPECT_TRUE(v.ok()) << v.status().message();
    if (!v.ok()) return out;
    core::Result<consumer::ConsumePlan> plan = (*v)->plan();
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    if (!plan.ok()) return out;
    const core::Status st = (*v)->run(*plan, nullptr, out);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(out.stats.end, consumer::ConsumeEnd::kBoundedEnd);
    return out;
  }

  // What the topic holds at an acknowledged position.
  std::string held_at(std::pair<std::int32_t, std::int64_t> pos) const {
    auto it = logs_.find(pos.first);
    if (pos.first < 0) return "never acknowledged";
    std::string out = "acknowledged at " + position(pos.first, pos.second) + ", which holds ";
    if (it == logs_.end() || pos.second < 0 ||
        static_cast<std::size_t>(pos.second) >= it->second.size()) {
      return out + "nothing (beyond what was read)";
    }
    return out + "seq " + std::to_string(it->second[static_cast<std::size_t>(pos.second)]);
  }

  // Where the seqs around the first gap and the first copy of the first repeat were read.
  std::string where(const consumer::SequenceReport& report,
                    const std::vector<std::pair<std::int32_t, std::int64_t>>& acked_at) const {
    auto at = [&](std::uint64_t seq) {
      if (seq >= first_seen_.size() || first_seen_[seq].first < 0) return std::string("unread");
      return position(first_seen_[seq].first, first_seen_[seq].second);
    };
    std::string out;
    for (const consumer::InstanceReport& r : report.instances) {
      if (!r.missing_ranges.empty()) {
        const consumer::SeqRange& g = r.missing_ranges.front();
        out += "gap " + std::to_string(g.first) + ".." + std::to_string(g.last) + ": seq " +
               std::to_string(g.first - 1) + " at " + at(g.first - 1) + ", seq " +
               std::to_string(g.last + 1) + " at " + at(g.last + 1) + "; seq " +
               std::to_string(g.first) + " " +
               (g.first < acked_at.size() ? held_at(acked_at[g.first]) : std::string("?")) +
               ", seq " + std::to_string(g.last) + " " +
               (g.last < acked_at.size() ? held_at(acked_at[g.last]) : std::string("?")) + ". ";
      }
      if (!r.first_duplicates.empty()) {
        const consumer::SeqPosition& d = r.first_duplicates.front();
        out += "repeat of seq " + std::to_string(d.seq) + " at " + position(d.partition, d.offset) +
               ", first read at " + at(d.seq) + ". ";
      }
    }
    return out;
  }

  serializers::SerializerRegistry registry_;
  std::string topic_ = "faults";
  int partitions_ = 0;
  std::unique_ptr<EmbeddedBroker> broker_;
  std::vector<std::pair<std::int32_t, std::int64_t>> first_seen_;
  std::map<std::int32_t, std::vector<std::uint64_t>> logs_;  // partition -> seq by offset
};

TEST_F(FaultsTest, MillionEventsUnderInjectedFaultsLoseNothingAcknowledged) {
  constexpr std::uint64_t kEvents = 1000000;
  constexpr int kBrokers = 3;
  constexpr int kPartitions = 16;
  const std::uint64_t seed = fault_seed();
  std::printf("fault schedule seed %llu (TIDEMARK_FAULT_SEED to replay another)\n",
              static_cast<unsigned long long>(seed));
  start(kBrokers, kPartitions);
  ASSERT_NE(broker_, nullptr);
  std::unique_ptr<kafka::Producer> kafka_producer = make_producer();
  ASSERT_NE(kafka_producer, nullptr);
  ClientEffects effects;
  watch(*kafka_producer, effects);
  producer::EventProducerOptions o = options(kEvents);
  o.rate = 100000;  // ~10 s, so the schedule has time for its faults whatever the machine
  core::Result<std::unique_ptr<producer::EventProducer>> ep =
      producer::EventProducer::create(std::move(o));
  ASSERT_TRUE(ep.ok()) << ep.status().message();

  FaultSchedule faults(*broker_, topic_, kPartitions, seed);
  std::atomic<bool> done{false};
  std::thread injector([&] { faults.run(done); });

  const Clock::time_point start = Clock::now();
  AckRecordingSink sink(*kafka_producer, kEvents);
  producer::ProducerStats stats;
  std::atomic<bool> stop{false};
  const core::Status st = (*ep)->run(sink, &stop, stats);
  done.store(true);
  injector.join();
  const double produce_s = seconds_since(start);
  ASSERT_TRUE(st.ok()) << st.message();

  const Clock::time_point read_start = Clock::now();
  const std::uint64_t in_topic = records_in_topic();
  const ReadBack back = read_back(kEvents, in_topic, sink.acked_at());
  const consumer::SequenceReport& report = back.report;
  const double read_s = seconds_since(read_start);
  std::printf(
      "%llu events produced in %.1f s under %d faults (%s); the client lost %lld "
      "connections; delivery latency p99 %.1f ms, max %.1f ms\n",
      static_cast<unsigned long long>(stats.sent), produce_s, faults.total(),
      faults.summary().c_str(), static_cast<long long>(effects.disconnects), stats.p99_ms,
      stats.latency_max_ms);
  std::printf(
      "producer: %llu acknowledged (%llu without an offset), %llu failed; topic: %llu "
      "records, read back and verified in %.1f s: %llu missing, %llu duplicated, %llu "
      "reordered\n",
      static_cast<unsigned long long>(stats.acked),
      static_cast<unsigned long long>(sink.acked_without_offset()),
      static_cast<unsigned long long>(stats.failed), static_cast<unsigned long long>(in_topic),
      read_s, static_cast<unsigned long long>(report.missing()),
      static_cast<unsigned long long>(report.duplicates()),
      static_cast<unsigned long long>(report.reordered()));
  std::printf(
      "mock artifacts (a real broker checks idempotent sequence numbers): %llu records "
      "acknowledged without an offset never written, %llu written twice, %llu written "
      "behind a later batch\n",
      static_cast<unsigned long long>(back.inferred_missing),
      static_cast<unsigned long long>(back.unacked_earlier_copies),
      static_cast<unsigned long long>(report.reordered()));

  // `tidemark verify -c 1000000` (the same code, consumer::TopicVerifier) finds what the
  // witness found.
  const Clock::time_point verify_start = Clock::now();
  const consumer::TopicVerification verified = verify_like_the_cli(kEvents);
  std::printf(
      "tidemark verify -c %llu: %llu records read in %.1f s, %llu missing, %llu "
      "duplicated, %llu reordered\n",
      static_cast<unsigned long long>(kEvents),
      static_cast<unsigned long long>(verified.stats.records), seconds_since(verify_start),
      static_cast<unsigned long long>(verified.report.missing()),
      static_cast<unsigned long long>(verified.report.duplicates()),
      static_cast<unsigned long long>(verified.report.reordered()));
  EXPECT_EQ(verified.stats.records, in_topic);
  EXPECT_EQ(verified.report.verified(), report.verified());
  EXPECT_EQ(verified.report.missing(), report.missing());
  EXPECT_EQ(verified.report.duplicates(), report.duplicates());
  EXPECT_EQ(verified.report.reordered(), report.reordered());
  EXPECT_EQ(verified.report.ok(), back.inferred_missing == 0 && back.unacked_earlier_copies == 0);

  // The producer's summary: everything generated was sent and acknowledged, once each.
  EXPECT_EQ(stats.generated, kEvents);
  EXPECT_EQ(stats.sent, kEvents);
  EXPECT_EQ(stats.acked, kEvents);
  EXPECT_EQ(stats.failed, 0u) << (stats.first_errors.empty() ? "" : stats.first_errors[0]);
  EXPECT_EQ(sink.acked_twice(), 0u);
  // Nothing the broker acknowledged is lost: every seq acknowledged with an offset is in the
  // topic, at that partition and offset.
  EXPECT_EQ(back.confirmed_missing, 0u) << back.first_confirmed_missing;
  EXPECT_EQ(back.at_acked_position, kEvents - sink.acked_without_offset())
      << where(report, sink.acked_at());
  // What deviates is only what the mock's missing sequence checks explain (see ReadBack):
  // seqs librdkafka acknowledged by inference and the mock never wrote, and earlier copies of
  // batches whose response the mock dropped. Nothing else is in the topic.
  EXPECT_EQ(back.other_copies, 0u) << back.first_other;
  EXPECT_EQ(back.inferred_present + back.inferred_missing, sink.acked_without_offset());
  EXPECT_EQ(report.missing(), back.inferred_missing) << where(report, sink.acked_at());
  EXPECT_EQ(report.duplicates(), back.unacked_earlier_copies) << where(report, sink.acked_at());
  EXPECT_EQ(in_topic, stats.acked - back.inferred_missing + back.unacked_earlier_copies);
  EXPECT_EQ(report.verified(), in_topic);
  EXPECT_EQ(report.malformed, 0u);
  // Order within a partition is not asserted: a real broker keeps an idempotent producer's
  // batches in sequence order by refusing a batch that arrives after a failed one
  // (OUT_OF_ORDER_SEQUENCE_NUMBER); the mock writes it, and the failed batch's retry lands
  // behind it. The count is printed above (reordering is never a failure for verify either).
  // The schedule really injected every kind of fault, and the client felt them.
  for (const int c : faults.counts()) EXPECT_GT(c, 0) << faults.summary();
  EXPECT_GT(effects.disconnects, 0);
}

TEST_F(FaultsTest, BatchesRefusedByDesignFailExactlyTheRecordsMissingFromTheTopic) {
  constexpr std::uint64_t kEvents = 50000;
  constexpr int kPartitions = 8;
  start(1, kPartitions);
  ASSERT_NE(broker_, nullptr);
  std::unique_ptr<kafka::Producer> kafka_producer = make_producer();
  ASSERT_NE(kafka_producer, nullptr);
  producer::EventProducerOptions o = options(kEvents);
  o.rate = 50000;  // spread over ~1 s so the refusals hit batches in the middle of the run
  core::Result<std::unique_ptr<producer::EventProducer>> ep =
      producer::EventProducer::create(std::move(o));
  ASSERT_TRUE(ep.ok()) << ep.status().message();

  // A background thread refuses a few produce requests while the run goes on.
  std::atomic<bool> done{false};
  std::thread injector([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::array<BrokerError, 3> refused{
        BrokerError::kInvalidRecord, BrokerError::kInvalidRecord, BrokerError::kInvalidRecord};
    broker_->push_request_errors(KafkaApi::kProduce, refused);
    while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  AckRecordingSink sink(*kafka_producer, kEvents);
  producer::ProducerStats stats;
  std::atomic<bool> stop{false};
  const core::Status st = (*ep)->run(sink, &stop, stats);
  done.store(true);
  injector.join();
  ASSERT_TRUE(st.ok()) << st.message();

  const std::uint64_t in_topic = records_in_topic();
  const ReadBack back = read_back(kEvents, in_topic, sink.acked_at());
  const consumer::SequenceReport& report = back.report;
  std::printf(
      "%llu sent, %llu acknowledged, %llu failed by design; %llu in the topic, %llu "
      "missing in %llu ranges\n",
      static_cast<unsigned long long>(stats.sent), static_cast<unsigned long long>(stats.acked),
      static_cast<unsigned long long>(stats.failed), static_cast<unsigned long long>(in_topic),
      static_cast<unsigned long long>(report.missing()),
      static_cast<unsigned long long>(report.instances.at(0).missing_range_count));
  EXPECT_EQ(stats.sent, kEvents);
  EXPECT_GT(stats.failed, 0u);
  EXPECT_EQ(stats.acked + stats.failed, stats.sent);
  ASSERT_FALSE(stats.first_errors.empty());
  EXPECT_NE(stats.first_errors[0].find("failed to validate record"), std::string::npos)
      << stats.first_errors[0];
  // Every failed seq is missing, every seq acknowledged with an offset is where its ack says,
  // and nothing else deviates but what the mock's missing sequence checks explain (ReadBack).
  EXPECT_EQ(back.unacknowledged_missing, stats.failed);
  EXPECT_EQ(back.confirmed_missing, 0u) << back.first_confirmed_missing;
  EXPECT_EQ(back.other_copies, 0u) << back.first_other;
  EXPECT_EQ(back.at_acked_position + back.inferred_present, stats.acked);
  EXPECT_EQ(report.missing(), stats.failed + back.inferred_missing);
  EXPECT_EQ(report.duplicates(), back.unacked_earlier_copies);
  EXPECT_EQ(in_topic, stats.acked - back.inferred_missing + back.unacked_earlier_copies);
  // The failed ones are the batches of the three refused requests (a request carries one batch
  // per partition it has records for), each a run of consecutive seqs.
  EXPECT_GE(report.instances.at(0).missing_range_count, 1u);
  EXPECT_LE(report.instances.at(0).missing_range_count, 3u * kPartitions);
}

}  // namespace
}  // namespace tidemark
