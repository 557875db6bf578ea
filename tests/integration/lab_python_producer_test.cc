// The Flink lab's own Python producer, unchanged, against `tidemark broker`: kafka-python
// (Debian's python3-kafka, run with /usr/bin/python3) with bootstrap_servers=['localhost:PORT']
// and a json.dumps value serializer, sending {"test_data": i, "event_timestamp": ms} to
// test-topic. The standalone broker is the built binary, as users start it; the records are read
// back with a plain librdkafka consumer and decoded with tidemark's own JSON decoder.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "read_back.h"
#include "subprocess.h"
#include "tidemark/core/events.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark {
namespace {

using testing::Subprocess;
using namespace std::chrono_literals;

constexpr const char* kPython = "/usr/bin/python3";
constexpr int kRecords = 500;

// The lab's producer (its notebook's cells), with the port and count filled in; it prints the
// millisecond time its records start at, so the test can check every value.
std::string lab_producer_script(int port) {
  return R"PY(
import json
import time

from kafka import KafkaProducer

def json_serializer(data):
    return json.dumps(data).encode('utf-8')

server = 'localhost:)PY" +
         std::to_string(port) + R"PY('

producer = KafkaProducer(
    bootstrap_servers=[server],
    value_serializer=json_serializer
)

t0 = int(time.time() * 1000)
print(t0, flush=True)
topic_name = 'test-topic'
for i in range()PY" +
         std::to_string(kRecords) + R"PY():
    message = {'test_data': i, 'event_timestamp': t0 + i}
    producer.send(topic_name, value=message)
producer.flush()
producer.close()
)PY";
}

TEST(LabPythonProducer, SendsToTidemarkBrokerUnchangedAndEveryRecordReadsBack) {
  if (::access(kPython, X_OK) != 0) {
    GTEST_SKIP() << "/usr/bin/python3 is not installed; the lab's producer needs it "
                    "(scripts/install-deps.sh installs python3-kafka)";
  }
  {
    std::unique_ptr<Subprocess> probe = Subprocess::start({kPython, "-c", "import kafka"});
    ASSERT_NE(probe, nullptr);
    if (probe->wait(30s).value_or(-1) != 0) {
      GTEST_SKIP() << "python3-kafka (kafka-python) is not installed for /usr/bin/python3: "
                      "apt-get install python3-kafka, or run scripts/install-deps.sh";
    }
  }

  const int port = testing::free_tcp_port();
  ASSERT_GT(port, 0);
  std::unique_ptr<Subprocess> broker =
      Subprocess::start({TIDEMARK_BINARY, "broker", "--port", std::to_string(port)});
  ASSERT_NE(broker, nullptr);
  ASSERT_TRUE(broker->wait_for_stdout("bootstrap:  localhost:" + std::to_string(port), 15s))
      << broker->out() << broker->err();

  std::unique_ptr<Subprocess> python =
      Subprocess::start({kPython, "-c", lab_producer_script(port)});
  ASSERT_NE(python, nullptr);
  ASSERT_EQ(python->wait(90s).value_or(-1), 0) << python->out() << python->err();
  const std::int64_t t0 = std::stoll(python->out());

  // test-topic was auto-created by the producer's metadata request: 4 partitions.
  const std::string bootstrap = "localhost:" + std::to_string(port);
  const std::vector<testing::ReadRecord> records =
      testing::read_back(bootstrap, "test-topic", 4, kRecords);
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kRecords));

  const serializers::SerializerRegistry registry = serializers::make_builtin_registry();
  const serializers::Serializer* json = registry.find("json");
  ASSERT_NE(json, nullptr);
  std::map<std::int32_t, std::int64_t> seen;  // test_data -> event_timestamp
  for (const testing::ReadRecord& r : records) {
    EXPECT_FALSE(r.key.has_value());
    EXPECT_EQ(r.timestamp_type, RD_KAFKA_TIMESTAMP_CREATE_TIME);  // kafka-python stamps send time
    EXPECT_GE(r.timestamp, t0 - 1000);
    core::Result<core::Event> event = json->decode(r.value, core::EventType::kLab);
    ASSERT_TRUE(event.ok()) << r.value << ": " << event.status().message();
    const auto& lab = std::get<core::LabEvent>(*event);
    EXPECT_EQ(r.value, "{\"test_data\": " + std::to_string(lab.test_data) +
                           ", \"event_timestamp\": " + std::to_string(lab.event_timestamp) + "}");
    EXPECT_TRUE(seen.emplace(lab.test_data, lab.event_timestamp).second)
        << "test_data " << lab.test_data << " twice";
  }
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kRecords));
  for (const auto& [i, ts] : seen) {
    EXPECT_EQ(ts, t0 + i) << "test_data " << i;
  }
  EXPECT_EQ(seen.begin()->first, 0);
  EXPECT_EQ(seen.rbegin()->first, kRecords - 1);

  broker->signal(SIGINT);
  EXPECT_EQ(broker->wait(15s).value_or(-1), 130) << broker->err();
}

}  // namespace
}  // namespace tidemark
