// The embedded broker (librdkafka's mock cluster) and the bootstrap forwarder, driven by plain
// librdkafka clients as any lab tool would drive them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tidemark/kafka/bootstrap_forwarder.h"
#include "tidemark/kafka/embedded_broker.h"

namespace tidemark::kafka {
namespace {

using core::StatusCode;
using Props = std::vector<std::pair<std::string, std::string>>;

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
using Client = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

// Short timeouts: everything here is local, and a hang should fail the test quickly.
const Props kCommon = {{"socket.timeout.ms", "10000"},
                       {"log_level", "3"},
                       {"topic.metadata.refresh.interval.ms", "1000"}};

void count_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* counts = static_cast<std::map<std::string, int>*>(opaque);
  ++(*counts)[msg->err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : rd_kafka_err2name(msg->err)];
}

Client make_client(rd_kafka_type_t type, const std::string& bootstrap, Props props,
                   void* opaque = nullptr) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  props.insert(props.begin(), kCommon.begin(), kCommon.end());
  props.emplace_back("bootstrap.servers", bootstrap);
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << k << ": " << errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf, count_delivery);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    ADD_FAILURE() << "rd_kafka_new: " << errstr;
    rd_kafka_conf_destroy(conf);
  }
  return Client(rk);
}

// Produces `per_partition` records to each of `partitions` partitions and waits for every
// delivery report. Returns the delivery outcome counts ("ok" -> n, or error names).
std::map<std::string, int> produce(const std::string& bootstrap, const std::string& topic,
                                   int partitions, int per_partition) {
  std::map<std::string, int> counts;
  Client producer = make_client(RD_KAFKA_PRODUCER, bootstrap,
                                {{"enable.idempotence", "true"},
                                 {"acks", "all"},
                                 {"linger.ms", "1"},
                                 {"message.timeout.ms", "10000"}},
                                &counts);
  if (!producer) return counts;
  for (int p = 0; p < partitions; ++p) {
    for (int i = 0; i < per_partition; ++i) {
      const std::string value = "{\"test_data\":" + std::to_string(i) + "}";
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err) ++counts[std::string("produce:") + rd_kafka_err2name(err)];
    }
  }
  const rd_kafka_resp_err_t err = rd_kafka_flush(producer.get(), 10000);
  if (err) ++counts[std::string("flush:") + rd_kafka_err2name(err)];
  return counts;
}

// Partition count of `topic` as the cluster reports it (-1 on error).
int partition_count(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int count = -1;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      count = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return count;
}

// Reads every partition of `topic` from the beginning until `expected` records arrived (or
// 10 s passed); returns the records per partition.
std::map<int, int> consume(const std::string& bootstrap, const std::string& topic, int partitions,
                           int expected) {
  std::map<int, int> per_partition;
  Client consumer = make_client(RD_KAFKA_CONSUMER, bootstrap,
                                {{"group.id", "tidemark-broker-test"},
                                 {"enable.auto.commit", "false"},
                                 {"auto.offset.reset", "earliest"},
                                 {"fetch.wait.max.ms", "50"}});
  if (!consumer) return per_partition;
  // Learn the partition leaders first: assigning before the client knows them costs the mock
  // cluster's 0.5 s retry delay.
  EXPECT_EQ(partition_count(consumer.get(), topic), partitions);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  EXPECT_EQ(rd_kafka_assign(consumer.get(), assignment), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(assignment);

  int total = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (total < expected && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer.get(), 100);
    if (msg == nullptr) continue;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++per_partition[msg->partition];
      ++total;
    } else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ADD_FAILURE() << "consume: " << rd_kafka_message_errstr(msg);
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_consumer_close(consumer.get());
  return per_partition;
}

std::unique_ptr<EmbeddedBroker> start_broker(EmbeddedBrokerOptions options) {
  core::Result<std::unique_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(options);
  EXPECT_TRUE(broker.ok()) << broker.status().message();
  return broker.ok() ? std::move(*broker) : nullptr;
}

TEST(EmbeddedBroker, ProducedRecordsCanBeReadBack) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{"lab-events", 3}}});
  ASSERT_NE(broker, nullptr);
  EXPECT_EQ(broker->bootstrap().rfind("127.0.0.1:", 0), 0u) << broker->bootstrap();

  const std::map<std::string, int> delivered = produce(broker->bootstrap(), "lab-events", 3, 7);
  EXPECT_EQ(delivered, (std::map<std::string, int>{{"ok", 21}}));

  const std::map<int, int> read = consume(broker->bootstrap(), "lab-events", 3, 21);
  EXPECT_EQ(read, (std::map<int, int>{{0, 7}, {1, 7}, {2, 7}}));
}

TEST(EmbeddedBroker, HighWatermarkOffsetsCountTheRecords) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{"counted", 3}}});
  ASSERT_NE(broker, nullptr);
  ASSERT_EQ(produce(broker->bootstrap(), "counted", 3, 5)["ok"], 15);
  Client client = make_client(RD_KAFKA_CONSUMER, broker->bootstrap(), {{"group.id", "wm"}});
  ASSERT_TRUE(client);
  for (int p = 0; p < 3; ++p) {
    int64_t low = -1;
    int64_t high = -1;
    ASSERT_EQ(rd_kafka_query_watermark_offsets(client.get(), "counted", p, &low, &high, 5000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(low, 0) << "partition " << p;
    EXPECT_EQ(high, 5) << "partition " << p;
  }
}

TEST(EmbeddedBroker, ListsOneAddressPerBroker) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({3, {{"spread", 6}}});
  ASSERT_NE(broker, nullptr);
  EXPECT_EQ(broker->broker_count(), 3);
  const std::vector<std::string> addresses = broker->broker_addresses();
  ASSERT_EQ(addresses.size(), 3u);
  for (const std::string& a : addresses) {
    core::Result<HostPort> hp = parse_host_port(a);
    ASSERT_TRUE(hp.ok()) << a;
    EXPECT_EQ(hp->host, "127.0.0.1");
    EXPECT_NE(hp->port, 0);
  }
  EXPECT_EQ(produce(broker->bootstrap(), "spread", 6, 2)["ok"], 12);
}

TEST(EmbeddedBroker, AutoCreatedTopicsGetFourPartitions) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({});
  ASSERT_NE(broker, nullptr);
  Client producer = make_client(RD_KAFKA_PRODUCER, broker->bootstrap(), {});
  ASSERT_TRUE(producer);
  EXPECT_EQ(partition_count(producer.get(), "never-created"),
            EmbeddedBroker::kAutoCreatePartitions);
  // Once auto-created, the topic exists for create_topic too.
  EXPECT_EQ(broker->create_topic("never-created", 1).code(), StatusCode::kInvalidArgument);
}

TEST(EmbeddedBroker, CreatesTopicsWhileRunning) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({});
  ASSERT_NE(broker, nullptr);
  ASSERT_TRUE(broker->create_topic("later", 2).ok());
  const core::Status again = broker->create_topic("later", 2);
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(again.message().find("'later' already exists"), std::string::npos);
  Client producer = make_client(RD_KAFKA_PRODUCER, broker->bootstrap(), {});
  ASSERT_TRUE(producer);
  EXPECT_EQ(partition_count(producer.get(), "later"), 2);
}

TEST(EmbeddedBroker, RejectsBadOptionsBeforeStarting) {
  struct Case {
    EmbeddedBrokerOptions options;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {{0, {}}, "broker count 0"},
      {{EmbeddedBroker::kMaxBrokers + 1, {}}, "broker count"},
      {{1, {{"t", 0}}}, "'t': partition count 0"},
      {{1, {{"bad name", 1}}}, "'bad name'"},
      {{1, {{"..", 1}}}, "'..'"},
      {{1, {{"", 1}}}, "empty"},
      {{1, {{"twice", 1}, {"twice", 2}}}, "'twice' is listed twice"},
  };
  for (const Case& c : cases) {
    core::Result<std::unique_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(c.options);
    ASSERT_FALSE(broker.ok()) << c.mentions;
    EXPECT_EQ(broker.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(broker.status().message().find(c.mentions), std::string::npos)
        << broker.status().message();
  }
}

std::unique_ptr<BootstrapForwarder> forward_to(const EmbeddedBroker& broker,
                                               std::uint16_t listen_port) {
  core::Result<HostPort> first = parse_host_port(broker.broker_addresses().at(0));
  EXPECT_TRUE(first.ok());
  BootstrapForwarderOptions options;
  options.listen_port = listen_port;
  options.target_host = first->host;
  options.target_port = first->port;
  core::Result<std::unique_ptr<BootstrapForwarder>> f = BootstrapForwarder::start(options);
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? std::move(*f) : nullptr;
}

TEST(BootstrapForwarder, CarriesClientsToTheEmbeddedBroker) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({2, {{"via-forwarder", 3}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<BootstrapForwarder> forwarder = forward_to(*broker, 0);
  ASSERT_NE(forwarder, nullptr);
  const std::string bootstrap = "127.0.0.1:" + std::to_string(forwarder->port());

  EXPECT_EQ(produce(bootstrap, "via-forwarder", 3, 4), (std::map<std::string, int>{{"ok", 12}}));
  EXPECT_EQ(consume(bootstrap, "via-forwarder", 3, 12),
            (std::map<int, int>{{0, 4}, {1, 4}, {2, 4}}));
  EXPECT_GE(forwarder->connections_accepted(), 2u);  // one bootstrap per client at least
}

TEST(BootstrapForwarder, TakenPortGivesAnIoErrorNamingIt) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<BootstrapForwarder> first = forward_to(*broker, 0);
  ASSERT_NE(first, nullptr);

  core::Result<HostPort> target = parse_host_port(broker->broker_addresses().at(0));
  ASSERT_TRUE(target.ok());
  BootstrapForwarderOptions options;
  options.listen_port = first->port();
  options.target_host = target->host;
  options.target_port = target->port;
  core::Result<std::unique_ptr<BootstrapForwarder>> second = BootstrapForwarder::start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIo);
  EXPECT_EQ(second.status().message(),
            "port " + std::to_string(first->port()) +
                " on 127.0.0.1 is in use (is another broker running? use --port)");
}

}  // namespace
}  // namespace tidemark::kafka
