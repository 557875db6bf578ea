// kafka::AdminClient and wait_for_broker against the embedded broker (and against nothing).
#include "tidemark/kafka/metadata.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/kafka/producer.h"

namespace tidemark::kafka {
namespace {

using core::StatusCode;
using Clock = std::chrono::steady_clock;

std::unique_ptr<EmbeddedBroker> start_broker(EmbeddedBrokerOptions options) {
  core::Result<std::unique_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(options);
  EXPECT_TRUE(broker.ok()) << broker.status().message();
  return broker.ok() ? std::move(*broker) : nullptr;
}

std::unique_ptr<AdminClient> make_admin(const EmbeddedBroker& broker,
                                        ClientRole role = ClientRole::kProducer) {
  core::Result<std::unique_ptr<AdminClient>> a = AdminClient::create(Config(role),
                                                                     broker.bootstrap());
  EXPECT_TRUE(a.ok()) << a.status().message();
  return a.ok() ? std::move(*a) : nullptr;
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(AdminClient, DescribesPartitionsAndLeaders) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({3, {{"spread", 6}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<AdminClient> admin = make_admin(*broker);
  ASSERT_NE(admin, nullptr);

  core::Result<TopicInfo> info = admin->describe_topic("spread", 5000);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->name, "spread");
  ASSERT_EQ(info->partitions.size(), 6u);
  for (std::size_t i = 0; i < info->partitions.size(); ++i) {
    const PartitionInfo& p = info->partitions[i];
    EXPECT_EQ(p.id, static_cast<int32_t>(i));
    EXPECT_GE(p.leader, 1);
    EXPECT_LE(p.leader, 3);
    EXPECT_EQ(p.replicas.size(), 3u);
    EXPECT_TRUE(p.error.ok()) << p.error.message();
  }

  core::Result<ClusterInfo> cluster = admin->describe_cluster(5000);
  ASSERT_TRUE(cluster.ok()) << cluster.status().message();
  ASSERT_EQ(cluster->brokers.size(), 3u);
  EXPECT_EQ(cluster->brokers[0].id, 1);
  EXPECT_EQ(cluster->brokers[0].host + ":" + std::to_string(cluster->brokers[0].port),
            broker->broker_addresses()[0]);
}

TEST(AdminClient, UnknownTopicIsNotFoundAndNotCreated) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({});
  ASSERT_NE(broker, nullptr);
  for (ClientRole role : {ClientRole::kProducer, ClientRole::kConsumer}) {
    std::unique_ptr<AdminClient> admin = make_admin(*broker, role);
    ASSERT_NE(admin, nullptr);
    core::Result<TopicInfo> info = admin->describe_topic("no-such-topic", 5000);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(info.status().message(),
              "topic 'no-such-topic' does not exist on " + broker->bootstrap());
    core::Result<WatermarkOffsets> w = admin->query_watermarks("no-such-topic", 0, 5000);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), StatusCode::kNotFound) << w.status().message();
  }
  // Asking did not auto-create it.
  EXPECT_TRUE(broker->create_topic("no-such-topic", 1).ok());

  std::unique_ptr<AdminClient> admin = make_admin(*broker);
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->describe_topic("bad name", 1000).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(AdminClient, WatermarksCountTheProducedRecordsPerPartition) {
  constexpr int kPartitions = 4;
  constexpr int kRecords = 1000;
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{"counted", kPartitions}}});
  ASSERT_NE(broker, nullptr);

  Config config(ClientRole::kProducer);
  core::Result<std::unique_ptr<Producer>> producer = Producer::create(config, broker->bootstrap());
  ASSERT_TRUE(producer.ok()) << producer.status().message();
  std::vector<int64_t> per_partition(kPartitions, 0);
  (*producer)->set_delivery_handler([&](const DeliveryReport& r) {
    ASSERT_TRUE(r.error.ok()) << r.error.message();
    ++per_partition.at(static_cast<std::size_t>(r.partition));
  });
  for (int i = 0; i < kRecords; ++i) {
    std::string key = std::to_string(i);
    key.insert(0, 1, 'k');  // not "k" + ...: GCC 12 warns falsely (-Wrestrict)
    OutgoingRecord r;
    r.topic = "counted";
    r.key = key;
    r.value = "v";
    ASSERT_TRUE((*producer)->send(r).ok());
  }
  ASSERT_TRUE((*producer)->flush(10000).ok());

  // The producer-role client asks with librdkafka's default read_committed (the last stable
  // offset), the consumer-role one with the consumer default read_uncommitted (the high
  // watermark); without transactions both are the record count.
  for (ClientRole role : {ClientRole::kProducer, ClientRole::kConsumer}) {
    std::unique_ptr<AdminClient> admin = make_admin(*broker, role);
    ASSERT_NE(admin, nullptr);
    EXPECT_EQ(admin->isolation_level(), role == ClientRole::kProducer
                                            ? IsolationLevel::kReadCommitted
                                            : IsolationLevel::kReadUncommitted);
    core::Result<std::vector<WatermarkOffsets>> all =
        admin->query_topic_watermarks("counted", 5000);
    ASSERT_TRUE(all.ok()) << all.status().message();
    ASSERT_EQ(all->size(), static_cast<std::size_t>(kPartitions));
    int64_t total = 0;
    for (int p = 0; p < kPartitions; ++p) {
      const WatermarkOffsets& w = (*all)[static_cast<std::size_t>(p)];
      EXPECT_EQ(w.low, 0) << "partition " << p;
      EXPECT_EQ(w.high, per_partition[static_cast<std::size_t>(p)]) << "partition " << p;
      EXPECT_EQ(w.isolation, admin->isolation_level());
      total += w.high;
    }
    EXPECT_EQ(total, kRecords);

    core::Result<WatermarkOffsets> one = admin->query_watermarks("counted", 2, 5000);
    ASSERT_TRUE(one.ok()) << one.status().message();
    EXPECT_EQ(one->high, per_partition[2]);
  }
}

TEST(AdminClient, UnknownPartitionIsNotFound) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({1, {{"two", 2}}});
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<AdminClient> admin = make_admin(*broker, ClientRole::kConsumer);
  ASSERT_NE(admin, nullptr);
  const auto start = Clock::now();
  core::Result<WatermarkOffsets> w = admin->query_watermarks("two", 9, 3000);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kNotFound) << w.status().message();
  EXPECT_NE(w.status().message().find("'two'[9]"), std::string::npos) << w.status().message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(admin->query_watermarks("two", -1, 1000).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(WaitForBroker, FindsTheEmbeddedBroker) {
  std::unique_ptr<EmbeddedBroker> broker = start_broker({2, {}});
  ASSERT_NE(broker, nullptr);
  core::Result<ClusterInfo> info =
      wait_for_broker(Config(ClientRole::kProducer), broker->bootstrap(), 3000);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->brokers.size(), 2u);
  EXPECT_GE(info->answered_by, 1);
  EXPECT_LT(info->elapsed_ms, 3000);
}

TEST(WaitForBroker, ClosedPortSaysWhatToDoWithinTheTimeout) {
  const std::string bootstrap = "127.0.0.1:" + std::to_string(closed_port());
  const auto start = Clock::now();
  core::Result<ClusterInfo> info = wait_for_broker(Config(ClientRole::kProducer), bootstrap, 1500);
  const auto took = Clock::now() - start;
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kIo) << info.status().message();
  EXPECT_EQ(info.status().message().rfind("nothing answers at " + bootstrap + ": ", 0), 0u)
      << info.status().message();
  EXPECT_NE(info.status().message().find("Connection refused"), std::string::npos)
      << info.status().message();
  EXPECT_NE(info.status().message().find(
                "(start one with `tidemark broker`, or use -b embedded)"),
            std::string::npos)
      << info.status().message();
  EXPECT_LT(took, std::chrono::milliseconds(2500));
}

TEST(WaitForBroker, RemoteAddressHintsAtTheNetwork) {
  // 192.0.2.0/24 is reserved for documentation: nothing answers there.
  core::Result<ClusterInfo> info =
      wait_for_broker(Config(ClientRole::kConsumer), "192.0.2.1:9092", 800);
  ASSERT_FALSE(info.ok());
  EXPECT_TRUE(info.status().code() == StatusCode::kTimeout ||
              info.status().code() == StatusCode::kIo)
      << info.status().to_string();
  EXPECT_NE(info.status().message().find("192.0.2.1:9092"), std::string::npos);
  EXPECT_NE(info.status().message().find("check -b"), std::string::npos)
      << info.status().message();
}

TEST(ApplyBootstrap, MinusBBeatsTheFileButNotADifferentMinusX) {
  Config config(ClientRole::kConsumer);
  ASSERT_TRUE(config.load_properties("bootstrap.servers=cloud:9092\n", "c.properties").ok());
  ASSERT_TRUE(apply_bootstrap(config, "localhost:9092").ok());
  EXPECT_EQ(config.entry("bootstrap.servers")->origin, "-b");
  EXPECT_EQ(config.get("bootstrap.servers"), "localhost:9092");

  Config empty(ClientRole::kConsumer);
  EXPECT_EQ(apply_bootstrap(empty, "").code(), StatusCode::kInvalidArgument);

  Config x(ClientRole::kConsumer);
  ASSERT_TRUE(x.apply_x_option("bootstrap.servers=a:9092").ok());
  EXPECT_TRUE(apply_bootstrap(x, "").ok());
  EXPECT_TRUE(apply_bootstrap(x, "a:9092").ok());
  const core::Status conflict = apply_bootstrap(x, "b:9092");
  EXPECT_EQ(conflict.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(conflict.message(),
            "-b b:9092 contradicts -X bootstrap.servers=a:9092: give the brokers once");
}

}  // namespace
}  // namespace tidemark::kafka
