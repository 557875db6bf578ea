// The Flink lab's own Python producer, unchanged, against `tidemark broker`: kafka-python
// (Debian's python3-kafka, run with /usr/bin/python3) with bootstrap_servers=['localhost:PORT']
// and a json.dumps value serializer, sending {"test_data": i, "event_timestamp": ms} to
// test-topic. The standalone broker is the built binary, as users start it; the records are read
// back with a plain librdkafka consumer and decoded with tidemark's own JSON decoder.
//
// Also the common taxi variant of it: csv.DictReader over the green-taxi CSV, each row sent
// through json.dumps unconverted, so every value is a string; both JSON readers decode those
// rows as Flink's JSON format does (docs/formats.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "read_back.h"
#include "subprocess.h"
#include "tidemark/core/events.h"
#include "tidemark/producer/csv_reader.h"
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

// Why the lab's producer cannot run here, or empty when it can.
std::string python_kafka_missing() {
  if (::access(kPython, X_OK) != 0) {
    return "/usr/bin/python3 is not installed; the lab's producer needs it "
           "(scripts/install-deps.sh installs python3-kafka)";
  }
  std::unique_ptr<Subprocess> probe = Subprocess::start({kPython, "-c", "import kafka"});
  if (probe == nullptr || probe->wait(30s).value_or(-1) != 0) {
    return "python3-kafka (kafka-python) is not installed for /usr/bin/python3: "
           "apt-get install python3-kafka, or run scripts/install-deps.sh";
  }
  return {};
}

// `tidemark broker` on a free port, as a lab user starts it; nullptr (with the reason reported)
// when it did not come up.
std::unique_ptr<Subprocess> start_standalone_broker(int& port) {
  port = testing::free_tcp_port();
  EXPECT_GT(port, 0);
  if (port <= 0) return nullptr;
  std::unique_ptr<Subprocess> broker =
      Subprocess::start({TIDEMARK_BINARY, "broker", "--port", std::to_string(port)});
  EXPECT_NE(broker, nullptr);
  if (broker == nullptr) return nullptr;
  if (!broker->wait_for_stdout("bootstrap:  localhost:" + std::to_string(port), 15s)) {
    ADD_FAILURE() << "tidemark broker did not start: " << broker->out() << broker->err();
    return nullptr;
  }
  return broker;
}

TEST(LabPythonProducer, SendsToTidemarkBrokerUnchangedAndEveryRecordReadsBack) {
  if (const std::string missing = python_kafka_missing(); !missing.empty()) GTEST_SKIP() << missing;

  int port = 0;
  const std::unique_ptr<Subprocess> broker = start_standalone_broker(port);
  ASSERT_NE(broker, nullptr);

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

// A lab producer for the taxi data: csv.DictReader rows sent through json.dumps as they are, so
// every value is a string ("trip_distance": "5.88"); the key is the row's number. The CSV path
// is argv[1].
std::string dict_reader_producer_script(int port) {
  return R"PY(
import csv
import json
import sys

from kafka import KafkaProducer

producer = KafkaProducer(
    bootstrap_servers=['localhost:)PY" +
         std::to_string(port) + R"PY('],
    value_serializer=lambda data: json.dumps(data).encode('utf-8')
)

columns = ['VendorID', 'lpep_pickup_datetime', 'lpep_dropoff_datetime', 'PULocationID',
           'DOLocationID', 'passenger_count', 'trip_distance', 'tip_amount']
with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
    for i, row in enumerate(csv.DictReader(f)):
        producer.send('taxi-strings', key=str(i).encode(), value={c: row[c] for c in columns})
producer.flush()
producer.close()
)PY";
}

TEST(LabPythonProducer, TaxiRowsSentAsCsvDictReaderStringsDecodeAsFlinkReadsThem) {
  if (const std::string missing = python_kafka_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const std::string csv = std::string(TIDEMARK_TEST_DATA_DIR) + "/green_tripdata_sample.csv";
  // The trips tidemark's own CSV reader makes of the same file: what each row must decode to.
  std::vector<core::TaxiTrip> trips;
  {
    auto source = producer::TaxiCsvSource::open(csv);
    ASSERT_TRUE(source.ok()) << source.status().to_string();
    for (;;) {
      auto trip = (*source)->next();
      ASSERT_TRUE(trip.ok()) << trip.status().to_string();
      if (!trip->has_value()) break;
      trips.push_back(**trip);
    }
  }
  ASSERT_GE(trips.size(), 10u);

  int port = 0;
  const std::unique_ptr<Subprocess> broker = start_standalone_broker(port);
  ASSERT_NE(broker, nullptr);
  std::unique_ptr<Subprocess> python =
      Subprocess::start({kPython, "-c", dict_reader_producer_script(port), csv});
  ASSERT_NE(python, nullptr);
  ASSERT_EQ(python->wait(90s).value_or(-1), 0) << python->out() << python->err();

  const std::vector<testing::ReadRecord> records =
      testing::read_back("localhost:" + std::to_string(port), "taxi-strings", 4, trips.size());
  ASSERT_EQ(records.size(), trips.size());
  const serializers::SerializerRegistry registry = serializers::make_builtin_registry();
  std::size_t decoded = 0;
  std::size_t refused = 0;
  for (const testing::ReadRecord& r : records) {
    ASSERT_TRUE(r.key.has_value());
    const std::size_t row = std::stoul(*r.key);
    ASSERT_LT(row, trips.size());
    EXPECT_NE(r.value.find(R"("trip_distance": ")"), std::string::npos) << r.value;
    for (const char* format : {"json", "json-nlohmann"}) {
      core::Result<core::Event> event =
          registry.find(format)->decode(r.value, core::EventType::kTaxi);
      if (trips[row].passenger_count.has_value()) {
        ASSERT_TRUE(event.ok()) << format << ": " << r.value << ": " << event.status().message();
        EXPECT_EQ(std::get<core::TaxiTrip>(*event), trips[row]) << format << ": " << r.value;
        ++decoded;
      } else {
        // A dispatch trip's blank passenger_count arrives as "": Integer.parseInt("") fails the
        // record in Flink too.
        ASSERT_FALSE(event.ok()) << format << ": " << r.value;
        EXPECT_EQ(event.status(), core::malformed("taxi.passenger_count '' is not an integer"))
            << format << ": " << r.value;
        ++refused;
      }
    }
  }
  const auto dispatch = static_cast<std::size_t>(std::count_if(
      trips.begin(), trips.end(), [](const core::TaxiTrip& t) { return !t.passenger_count; }));
  EXPECT_GT(dispatch, 0u);  // the sample has blank passenger_count cells
  EXPECT_EQ(refused, 2 * dispatch);
  EXPECT_EQ(decoded, 2 * (trips.size() - dispatch));

  broker->signal(SIGINT);
  EXPECT_EQ(broker->wait(15s).value_or(-1), 130) << broker->err();
}

}  // namespace
}  // namespace tidemark
