// Writes the seed corpora of the fuzz targets into DIR/<target>/ (run from scripts/fuzz.sh
// --seeds, or by hand: build-fuzz/fuzz/fuzz_make_seeds fuzz/corpus). Decode seeds are real
// encodings by each format of a few varied events, after the byte that chooses the event type;
// the other targets' seeds are typical and edge-case texts for their parsers. Small on purpose:
// libFuzzer grows its own corpus from these.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "tidemark/serializers/serializer_registry.h"

using namespace tidemark;
namespace fs = std::filesystem;

namespace {

void write_seeds(const fs::path& dir, const std::vector<std::string>& seeds) {
  fs::create_directories(dir);
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seed-%02zu", i);
    std::ofstream(dir / name, std::ios::binary) << seeds[i];
  }
}

std::vector<core::Event> seed_events() {
  std::vector<core::Event> events;
  for (core::EventType type : core::kAllEventTypes) events.push_back(core::sample_event(type));
  events.push_back(core::LabEvent{-2147483647 - 1, -62167219200000});
  core::WebEvent web = std::get<core::WebEvent>(core::sample_event(core::EventType::kWeb));
  web.url = "https://example.com/a\"b\\c\u00e9\U0001F600";
  web.referrer = "";
  web.geodata.city = "M\u00fcnchen\t\n";
  events.push_back(web);
  core::TaxiTrip taxi = std::get<core::TaxiTrip>(core::sample_event(core::EventType::kTaxi));
  taxi.passenger_count.reset();
  taxi.lpep_dropoff_datetime += 500;  // milliseconds in the datetime
  taxi.trip_distance = 1e300;
  taxi.tip_amount = -0.0;
  events.push_back(taxi);
  return events;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds DIR\n";
    return 2;
  }
  const fs::path root = argv[1];
  const serializers::SerializerRegistry registry = serializers::make_builtin_registry();
  // Taxi trips with doubles written as strings, read as Flink's Double.parseDouble of the trimmed
  // text: a csv.DictReader row sent through json.dumps (every value a string), then the other
  // accepted forms (sign, suffix, hex float, escaped whitespace, underflow) and refused ones.
  const std::vector<std::string> json_double_strings = {
      std::string(1, '\2') +
          "{\"VendorID\": \"2\", \"lpep_pickup_datetime\": \"2019-10-01 00:26:02\", "
          "\"lpep_dropoff_datetime\": \"2019-10-01 00:39:58\", \"PULocationID\": \"112\", "
          "\"DOLocationID\": \"196\", \"passenger_count\": \"1\", \"trip_distance\": \"5.88\", "
          "\"tip_amount\": \"0\"}",
      std::string(1, '\2') +
          "{\"lpep_pickup_datetime\":\"2019-10-01 00:26:02\",\"lpep_dropoff_datetime\":"
          "\"2019-10-01 00:39:58\",\"PULocationID\":1,\"DOLocationID\":2,\"passenger_count\":null,"
          "\"trip_distance\":\"\\t+.5E-3d \",\"tip_amount\":\"-0x1.8P1\"}",
      std::string(1, '\2') +
          "{\"lpep_pickup_datetime\":\"2019-10-01 00:26:02\",\"lpep_dropoff_datetime\":"
          "\"2019-10-01 00:39:58\",\"PULocationID\":1,\"DOLocationID\":2,\"passenger_count\":1,"
          "\"trip_distance\":\"1e-400\",\"tip_amount\":\"1.7976931348623157e308\"}",
      std::string(1, '\2') +
          "{\"lpep_pickup_datetime\":\"2019-10-01 00:26:02\",\"lpep_dropoff_datetime\":"
          "\"2019-10-01 00:39:58\",\"PULocationID\":1,\"DOLocationID\":2,\"passenger_count\":1,"
          "\"trip_distance\":\"NaN\",\"tip_amount\":\"1e400\"}",
  };
  for (const auto& format : registry.all()) {
    std::vector<std::string> seeds;
    for (const core::Event& event : seed_events()) {
      std::string bytes;
      if (!format->encode(event, bytes).ok()) continue;
      seeds.push_back(std::string(1, static_cast<char>(event.index())) + bytes);
    }
    if (format->content_type() == "application/json") {
      seeds.insert(seeds.end(), json_double_strings.begin(), json_double_strings.end());
    }
    std::string id(format->name());
    for (char& c : id) {
      if (c == '-') c = '_';
    }
    write_seeds(root / ("decode_" + id + "_fuzzer"), seeds);
  }

  std::vector<std::string> json;
  const serializers::Serializer* fast = registry.find("json");
  for (const core::Event& event : seed_events()) {
    std::string bytes;
    if (fast->encode(event, bytes).ok()) {
      json.push_back(std::string(1, static_cast<char>(event.index())) + bytes);
    }
  }
  json.push_back(std::string(1, '\0') +
                 "{ \"event_timestamp\" : 1732345678901 ,\n\t\"x\": [1, {\"a\": null}, 2.5e3],"
                 " \"test_data\": -7 }");
  json.push_back(std::string(1, '\2') +
                 "{\"lpep_pickup_datetime\":1569889562000,\"lpep_dropoff_datetime\":"
                 "\"2019-10-01 00:39:58.5\",\"PULocationID\":1,\"DOLocationID\":2,"
                 "\"passenger_count\":null,\"trip_distance\":1E2,\"tip_amount\":3}");
  json.push_back(std::string(1, '\1') +
                 "{\"url\":\"\\u0041\\ud83d\\ude00\",\"referrer\":\"r\",\"user_agent\":\"a\","
                 "\"host\":\"h\",\"ip\":\"i\",\"geodata\":{\"city\":\"y\",\"state\":\"s\","
                 "\"country\":\"c\"},\"event_time\":\"2024-11-23T08:07:58.901+01:00\"}");
  // Integers written as strings, read as Flink's Long.parseLong / Integer.parseInt of the
  // trimmed text.
  json.push_back(std::string(1, '\0') +
                 "{\"test_data\":\" +42\\t\",\"event_timestamp\":\"1732345678901\"}");
  json.push_back(std::string(1, '\2') +
                 "{\"lpep_pickup_datetime\":\"2019-10-01 00:26:02\",\"lpep_dropoff_datetime\":"
                 "\"2019-10-01 00:39:58\",\"PULocationID\":\"007\",\"DOLocationID\":\"-2\","
                 "\"passenger_count\":\"1\",\"trip_distance\":1.5,\"tip_amount\":0}");
  json.insert(json.end(), json_double_strings.begin(), json_double_strings.end());
  write_seeds(root / "json_differential_fuzzer", json);

  const std::string taxi_header =
      "VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,"
      "PULocationID,DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,"
      "tip_amount,tolls_amount,ehail_fee,improvement_surcharge,total_amount,payment_type,"
      "trip_type,congestion_surcharge\n";
  write_seeds(
      root / "csv_fuzzer",
      {std::string(1, '\x11') + taxi_header +
           "2,2019-10-01 00:26:02,2019-10-01 00:39:58,N,1,112,196,1,5.88,18,0.5,0.5,0,0,,"
           "0.3,19.3,2,1,0\n"
           "1,2019-10-01 00:18:11,2019-10-01 00:22:38,N,1,43,263,,.80,5,3.25,0.5,0,0,,0.3,"
           "9.05,2,1,2.75\r\n",
       std::string(1, '\x31') + "\xEF\xBB\xBF" + taxi_header +
           "2,bad,2019-10-01 00:39:58,N,1,112,196,1,5.88,18,0.5,0.5,0,0,,0.3,19.3,2,1,0",
       std::string(1, '\x01') + "a,b,c\n1,\"x,y\",\"say \"\"hi\"\"\"\n\n3,\"multi\nline\",z",
       std::string(1, '\x06') + "x,\"unterminated\n1,2,3\n\"a\"b,c\r\nd"});

  write_seeds(root / "time_fuzzer",
              {"2026-11-23T10:15:30.123Z", "2024-11-23T08:07:58.901+01:00", "2019-10-01 00:26:02",
               "2019-10-01 00:26:02.500", "0000-01-01T00:00:00Z", "9999-12-31 23:59:59.999999999",
               "1732345678901", "-62167219200000", "now", "-1h30m", "+15m", "250ms", "1m30s", "0",
               "2d", "106751991167d"});

  write_seeds(
      root / "properties_fuzzer",
      {"bootstrap.servers=localhost:9092\nacks=all\nlinger.ms=5\n",
       "# comment\n! other comment\n\nclient.id : tidemark\\\n   -lab\nmessage.max.bytes "
       "1000000\n",
       "sasl.password=very-secret-value\nsecurity.protocol=SASL_SSL\nsasl.mechanisms=PLAIN\n",
       "client.id=\\u0074ide\\tmark\\ \ncompression.type=zstd\r\n", "no.such.key=1\n",
       "acks=maybe\n", "batch.size\n"});

  write_seeds(root / "specific_offsets_fuzzer",
              {"partition:0,offset:42;partition:1,offset:300", "partition:0,offset:0",
               "partition:7,offset:9223372036854775807;", " partition : 1 , offset : 2 ",
               "partition:-1,offset:5", "partition:0,offset:1;partition:0,offset:2"});

  write_seeds(root / "offset_alias_fuzzer", {"beginning",
                                             "end",
                                             "stored",
                                             "42",
                                             "-10",
                                             "+5",
                                             "s@1700000000000",
                                             "e@1700000000000",
                                             "start",
                                             "oldest",
                                             "newest",
                                             "5:",
                                             ":10",
                                             "5:10",
                                             "5-10",
                                             "5:end",
                                             ":end",
                                             "@1700000000000",
                                             "@-1h",
                                             "@-1h:",
                                             "@:-1h",
                                             "@1700000000000:1700000060000",
                                             "@2024-11-23T07:07:58Z:end"});
  return 0;
}
