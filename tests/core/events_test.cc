#include "tidemark/core/events.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "tidemark/core/time.h"
#include "tidemark/core/utf8.h"

namespace tidemark::core {
namespace {

TEST(EventType, HasStableNames) {
  EXPECT_EQ(event_type_name(EventType::kLab), "lab");
  EXPECT_EQ(event_type_name(EventType::kWeb), "web");
  EXPECT_EQ(event_type_name(EventType::kTaxi), "taxi");
}

TEST(EventType, ParsesEveryNameBack) {
  for (EventType type : kAllEventTypes) {
    const auto parsed = parse_event_type(event_type_name(type));
    ASSERT_TRUE(parsed.ok()) << event_type_name(type);
    EXPECT_EQ(*parsed, type);
  }
}

TEST(EventType, RejectsUnknownNamesNamingTheTextAndValidNames) {
  for (std::string_view text : {"", "Lab", "TAXI", "taxi ", " web", "trip", "labs"}) {
    const auto parsed = parse_event_type(text);
    ASSERT_FALSE(parsed.ok()) << "accepted '" << text << "'";
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    const std::string message = parsed.status().message();
    EXPECT_NE(message.find("'" + std::string(text) + "'"), std::string::npos) << message;
    for (EventType type : kAllEventTypes) {
      EXPECT_NE(message.find(event_type_name(type)), std::string::npos) << message;
    }
  }
}

TEST(EventType, ListsAllTypesOnceInEnumOrder) {
  ASSERT_EQ(kAllEventTypes.size(), 3u);
  for (std::size_t i = 0; i < kAllEventTypes.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kAllEventTypes[i]), i);
  }
}

TEST(EventType, IdentifiesEachVariantAlternative) {
  EXPECT_EQ(event_type_of(Event{LabEvent{}}), EventType::kLab);
  EXPECT_EQ(event_type_of(Event{WebEvent{}}), EventType::kWeb);
  EXPECT_EQ(event_type_of(Event{TaxiTrip{}}), EventType::kTaxi);
}

TEST(EventTime, ReadsLabEventTimestamp) {
  LabEvent lab;
  lab.test_data = 7;
  lab.event_timestamp = 1732345678901;
  EXPECT_EQ(event_time_of(Event{lab}), 1732345678901);
}

TEST(EventTime, ReadsWebEventTime) {
  WebEvent web;
  web.event_time = -5;
  EXPECT_EQ(event_time_of(Event{web}), -5);
}

TEST(EventTime, ReadsTaxiDropoffNotPickup) {
  TaxiTrip trip;
  trip.lpep_pickup_datetime = 1569889562000;
  trip.lpep_dropoff_datetime = 1569890398000;
  EXPECT_EQ(event_time_of(Event{trip}), 1569890398000);
}

TEST(FieldTables, HaveExpectedSizes) {
  EXPECT_EQ(fields_of(EventType::kLab).size(), 2u);
  EXPECT_EQ(fields_of(EventType::kWeb).size(), 7u);
  EXPECT_EQ(fields_of(EventType::kTaxi).size(), 7u);
  EXPECT_EQ(kGeoDataFields.size(), 3u);
  EXPECT_EQ(fields_of(EventType::kLab).data(), kLabFields.data());
  EXPECT_EQ(fields_of(EventType::kWeb).data(), kWebFields.data());
  EXPECT_EQ(fields_of(EventType::kTaxi).data(), kTaxiFields.data());
}

void ExpectUniqueIds(std::span<const FieldInfo> fields, std::string_view table) {
  std::set<std::string_view> names;
  std::set<int> proto_numbers;
  std::set<int> thrift_ids;
  for (const FieldInfo& field : fields) {
    EXPECT_FALSE(field.name.empty()) << table;
    EXPECT_FALSE(field.cpp_type.empty()) << table << "." << field.name;
    EXPECT_TRUE(names.insert(field.name).second) << table << " repeats name " << field.name;
    EXPECT_GT(field.proto_number, 0) << table << "." << field.name;
    EXPECT_LT(field.proto_number, 19000) << table << "." << field.name;  // below proto's reserved
    EXPECT_TRUE(proto_numbers.insert(field.proto_number).second)
        << table << " repeats proto number " << field.proto_number;
    EXPECT_GT(field.thrift_id, 0) << table << "." << field.name;
    EXPECT_TRUE(thrift_ids.insert(field.thrift_id).second)
        << table << " repeats thrift id " << field.thrift_id;
    // Exactly the time fields say how JSON writes them.
    EXPECT_EQ(field.type == FieldType::kTime, field.json_time != JsonTime::kNotATime)
        << table << "." << field.name;
  }
}

TEST(FieldTables, HaveUniqueNamesProtoNumbersAndThriftIds) {
  for (EventType type : kAllEventTypes) {
    ExpectUniqueIds(fields_of(type), event_type_name(type));
  }
  ExpectUniqueIds(kGeoDataFields, "geodata");
}

TEST(FieldTables, UseCsvColumnNamesForTaxi) {
  const auto fields = fields_of(EventType::kTaxi);
  EXPECT_EQ(fields[2].name, "PULocationID");
  EXPECT_EQ(fields[3].name, "DOLocationID");
  EXPECT_TRUE(fields[4].nullable);  // passenger_count
  EXPECT_EQ(fields[4].name, "passenger_count");
}

TEST(FieldTables, WriteTimesAsDocumented) {
  EXPECT_EQ(fields_of(EventType::kLab)[1].json_time, JsonTime::kEpochMillis);
  EXPECT_EQ(fields_of(EventType::kWeb)[6].json_time, JsonTime::kIso8601);
  EXPECT_EQ(fields_of(EventType::kTaxi)[0].json_time, JsonTime::kDateTime);
  EXPECT_EQ(fields_of(EventType::kTaxi)[1].json_time, JsonTime::kDateTime);
}

TEST(EventTypeInfo, NamesAnEventTimeFieldPresentInTheTable) {
  for (EventType type : kAllEventTypes) {
    const EventTypeInfo& info = event_type_info(type);
    EXPECT_EQ(info.type, type);
    EXPECT_EQ(info.name, event_type_name(type));
    EXPECT_FALSE(info.message_name.empty());
    bool found_time = false;
    bool found_key = info.default_key_field.empty();
    for (const FieldInfo& field : fields_of(type)) {
      if (field.name == info.event_time_field) {
        found_time = true;
        EXPECT_EQ(field.type, FieldType::kTime) << info.name;
      }
      if (field.name == info.default_key_field) found_key = true;
    }
    EXPECT_TRUE(found_time) << info.name << " lacks " << info.event_time_field;
    EXPECT_TRUE(found_key) << info.name << " lacks " << info.default_key_field;
  }
  EXPECT_EQ(event_type_info(EventType::kLab).message_name, "LabEvent");
  EXPECT_EQ(event_type_info(EventType::kWeb).message_name, "WebEvent");
  EXPECT_EQ(event_type_info(EventType::kTaxi).message_name, "TaxiTrip");
}

TEST(SampleEvent, HasTheRequestedType) {
  for (EventType type : kAllEventTypes) {
    EXPECT_EQ(event_type_of(sample_event(type)), type) << event_type_name(type);
  }
}

TEST(SampleEvent, IsStableAcrossCalls) {
  for (EventType type : kAllEventTypes) {
    EXPECT_EQ(&sample_event(type), &sample_event(type));
  }
}

TEST(SampleEvent, HasFormattableTimesAndValidText) {
  for (EventType type : kAllEventTypes) {
    EXPECT_TRUE(is_formattable(event_time_of(sample_event(type)))) << event_type_name(type);
  }
  const auto& web = std::get<WebEvent>(sample_event(EventType::kWeb));
  for (const std::string* text : {&web.url, &web.referrer, &web.user_agent, &web.host, &web.ip,
                                  &web.geodata.country, &web.geodata.state, &web.geodata.city}) {
    EXPECT_FALSE(text->empty());
    EXPECT_TRUE(is_valid_utf8(*text)) << *text;
  }
}

TEST(SampleEvent, MatchesTheDocumentedExamples) {
  EXPECT_EQ(std::get<LabEvent>(sample_event(EventType::kLab)), (LabEvent{42, 1732345678901}));
  const auto& trip = std::get<TaxiTrip>(sample_event(EventType::kTaxi));
  EXPECT_EQ(format_datetime(trip.lpep_pickup_datetime), "2019-10-01 00:26:02");
  EXPECT_EQ(format_datetime(trip.lpep_dropoff_datetime), "2019-10-01 00:39:58");
  EXPECT_EQ(trip.passenger_count, 1);
  EXPECT_LE(trip.lpep_pickup_datetime, trip.lpep_dropoff_datetime);
}

TEST(Events, CompareByValue) {
  TaxiTrip a;
  TaxiTrip b;
  EXPECT_EQ(a, b);
  b.passenger_count = 0;  // missing and 0 are different
  EXPECT_NE(a, b);
  WebEvent w1;
  WebEvent w2;
  w2.geodata.city = "Berlin";
  EXPECT_NE(w1, w2);
}

}  // namespace
}  // namespace tidemark::core
