// `tidemark consume --subscribe` stopped with Ctrl-C while it is joining its group exits 130 like
// any interrupted consume. With librdkafka 2.0.2 a member whose group had chosen the
// cooperative-sticky assignor but whose assignment had not come yet aborted at exit
// (rd_kafka_sticky_assignor_state_destroy: assertion `assignor_state', upstream issue 4312):
// exit 134 and a core dump for a user who pressed Ctrl-C at the wrong moment. The broker here
// holds the SyncGroup answer back, so the run is always in that window when the signal comes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "subprocess.h"
#include "tidemark/kafka/embedded_broker.h"

namespace tidemark {
namespace {

using testing::Subprocess;

TEST(SubscribeInterrupt, CtrlCWhileTheAssignmentIsPendingExits130) {
  auto started = kafka::EmbeddedBroker::start({});
  ASSERT_TRUE(started.ok()) << started.status().message();
  std::unique_ptr<kafka::EmbeddedBroker> broker = std::move(*started);
  ASSERT_TRUE(broker->create_topic("joining", 2).ok());
  const kafka::InjectedResponse slow_sync{kafka::BrokerError::kNone, 30000};
  ASSERT_TRUE(
      broker->push_broker_responses(1, kafka::KafkaApi::kSyncGroup, {&slow_sync, 1}).ok());
  std::unique_ptr<Subprocess> consume =
      Subprocess::start({TIDEMARK_BINARY, "consume", "-b", broker->bootstrap(), "-t", "joining",
                         "-g", "joiners", "--subscribe", "-X", "log_level=0"});
  ASSERT_NE(consume, nullptr);
  // The SyncGroup request has reached the broker once its held-back answer is taken.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::size_t left = 1;
  while (left != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    core::Result<std::size_t> r =
        broker->pending_broker_responses(1, kafka::KafkaApi::kSyncGroup);
    ASSERT_TRUE(r.ok()) << r.status().message();
    left = *r;
    ASSERT_FALSE(consume->wait(std::chrono::milliseconds(0))) << consume->err();
  }
  ASSERT_EQ(left, 0u) << "tidemark consume never sent SyncGroup; stderr:\n" << consume->err();
  consume->signal(SIGINT);
  const std::optional<int> code = consume->wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << "still running 20 s after SIGINT";
  EXPECT_EQ(*code, 130) << consume->err();
  EXPECT_EQ(consume->err().find("Assertion"), std::string::npos) << consume->err();
}

}  // namespace
}  // namespace tidemark
