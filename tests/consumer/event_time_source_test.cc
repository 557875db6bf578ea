// Where a record's event time comes from (--event-time, --event-time-field) and reading fields
// of the built-in events (--group-by): every event type, every reason a record has no event time.
#include "tidemark/consumer/event_time_source.h"

#include <gtest/gtest.h>

#include <string>

namespace tidemark::consumer {
namespace {

DecodedRecord event_record(const kafka::ConsumedMessage& m, const core::Event& e) {
  DecodedRecord r;
  r.message = &m;
  r.value_kind = ValueKind::kEvent;
  r.event = &e;
  r.event_type = core::event_type_of(e);
  return r;
}

TEST(EventField, FindsFieldsOfEveryTypeByTheirJsonNames) {
  for (const char* name : {"test_data", "event_timestamp", "url", "ip", "geodata.city",
                           "geodata.country", "event_time", "PULocationID", "passenger_count",
                           "trip_distance", "lpep_dropoff_datetime"}) {
    core::Result<EventField> f = EventField::any(name);
    ASSERT_TRUE(f.ok()) << name << ": " << f.status().message();
    EXPECT_EQ(f->name(), name);
  }
  core::Result<EventField> ip = EventField::any("ip");
  ASSERT_TRUE(ip.ok());
  EXPECT_TRUE(ip->exists_in(core::EventType::kWeb));
  EXPECT_FALSE(ip->exists_in(core::EventType::kLab));
  EXPECT_FALSE(ip->numeric());
  EXPECT_TRUE(EventField::any("PULocationID")->numeric());
  EXPECT_TRUE(EventField::any("trip_distance")->numeric());
}

TEST(EventField, UnknownNamesAndStructuresAreRefusedWithTheValidNames) {
  core::Result<EventField> nope = EventField::any("nope");
  ASSERT_FALSE(nope.ok());
  EXPECT_EQ(nope.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(nope.status().message().find("'nope'"), std::string::npos);
  EXPECT_NE(nope.status().message().find("web.geodata.city"), std::string::npos);
  core::Result<EventField> geo = EventField::any("geodata");
  ASSERT_FALSE(geo.ok());
  EXPECT_NE(geo.status().message().find("structure"), std::string::npos);
  EXPECT_FALSE(EventField::any("geodata.street").ok());
  EXPECT_FALSE(EventField::any("").ok());
}

TEST(EventField, EventTimeFieldsMustBeTimes) {
  for (const char* name :
       {"event_timestamp", "event_time", "lpep_pickup_datetime", "lpep_dropoff_datetime"}) {
    EXPECT_TRUE(EventField::time(name).ok()) << name;
  }
  core::Result<EventField> data = EventField::time("test_data");
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.status().message().find("not a time"), std::string::npos);
  EXPECT_NE(data.status().message().find("lab.event_timestamp"), std::string::npos);
  EXPECT_FALSE(EventField::time("ip").ok());
  EXPECT_FALSE(EventField::time("nope").ok());
}

TEST(EventField, ReadsValuesAsIntegersAndText) {
  const core::Event& lab = core::sample_event(core::EventType::kLab);
  const core::Event& web = core::sample_event(core::EventType::kWeb);
  const core::Event& taxi = core::sample_event(core::EventType::kTaxi);
  std::string text;

  EXPECT_EQ(EventField::any("test_data")->integer_of(lab), 42);
  EXPECT_TRUE(EventField::any("test_data")->text_of(lab, text));
  EXPECT_EQ(text, "42");
  EXPECT_EQ(EventField::time("event_time")->integer_of(web), 1732345678901);
  EXPECT_TRUE(EventField::any("geodata.city")->text_of(web, text));
  EXPECT_EQ(text, "Berlin");
  EXPECT_TRUE(EventField::any("ip")->text_of(web, text));
  EXPECT_EQ(text, "203.0.113.42");
  EXPECT_EQ(EventField::time("lpep_pickup_datetime")->integer_of(taxi), 1569889562000);
  EXPECT_TRUE(EventField::any("trip_distance")->text_of(taxi, text));
  EXPECT_EQ(text, "5.88");
  EXPECT_TRUE(EventField::any("PULocationID")->text_of(taxi, text));
  EXPECT_EQ(text, "112");

  // Another type's field, and a missing value.
  EXPECT_FALSE(EventField::any("ip")->text_of(lab, text));
  EXPECT_TRUE(text.empty());
  EXPECT_FALSE(EventField::time("event_time")->integer_of(lab).has_value());
  core::TaxiTrip no_count = std::get<core::TaxiTrip>(taxi);
  no_count.passenger_count.reset();
  EXPECT_FALSE(EventField::any("passenger_count")->text_of(core::Event(no_count), text));
}

TEST(RecordEventTime, DefaultIsEachTypesOwnTimeField) {
  kafka::ConsumedMessage m;
  m.timestamp_ms = 5;
  m.timestamp_type = kafka::TimestampType::kCreateTime;
  EventTimeSpec spec;
  std::int64_t ts = 0;
  for (core::EventType type : core::kAllEventTypes) {
    const core::Event& e = core::sample_event(type);
    EXPECT_EQ(record_event_time(event_record(m, e), spec, ts), MissingEventTime::kNone);
    EXPECT_EQ(ts, core::event_time_of(e));
  }
  EXPECT_EQ(ts, 1569890398000);  // taxi: the drop-off time
}

TEST(RecordEventTime, NamedFieldAndRecordTimestamp) {
  kafka::ConsumedMessage m;
  m.timestamp_ms = 1700000000123;
  m.timestamp_type = kafka::TimestampType::kLogAppendTime;
  const core::Event& taxi = core::sample_event(core::EventType::kTaxi);
  const core::Event& lab = core::sample_event(core::EventType::kLab);
  std::int64_t ts = 0;

  EventTimeSpec pickup;
  pickup.field = *EventField::time("lpep_pickup_datetime");
  EXPECT_EQ(record_event_time(event_record(m, taxi), pickup, ts), MissingEventTime::kNone);
  EXPECT_EQ(ts, 1569889562000);
  EXPECT_EQ(record_event_time(event_record(m, lab), pickup, ts), MissingEventTime::kNoField);

  EventTimeSpec kafka_time;
  kafka_time.source = EventTimeSource::kRecordTimestamp;
  EXPECT_EQ(record_event_time(event_record(m, lab), kafka_time, ts), MissingEventTime::kNone);
  EXPECT_EQ(ts, 1700000000123);
  // Not an event at all: the Kafka timestamp still is an event time.
  DecodedRecord raw;
  raw.message = &m;
  raw.value_kind = ValueKind::kRaw;
  EXPECT_EQ(record_event_time(raw, kafka_time, ts), MissingEventTime::kNone);
  kafka::ConsumedMessage no_ts;
  no_ts.timestamp_ms = -1;
  no_ts.timestamp_type = kafka::TimestampType::kNotAvailable;
  raw.message = &no_ts;
  EXPECT_EQ(record_event_time(raw, kafka_time, ts), MissingEventTime::kNoTimestamp);
}

TEST(RecordEventTime, RecordsThatAreNotEventsHaveNone) {
  kafka::ConsumedMessage m;
  EventTimeSpec spec;
  std::int64_t ts = 77;
  DecodedRecord r;
  r.message = &m;
  r.value_kind = ValueKind::kRaw;
  EXPECT_EQ(record_event_time(r, spec, ts), MissingEventTime::kNotAnEvent);
  r.value_kind = ValueKind::kNull;
  EXPECT_EQ(record_event_time(r, spec, ts), MissingEventTime::kNotAnEvent);
  r.value_kind = ValueKind::kDecodeError;
  EXPECT_EQ(record_event_time(r, spec, ts), MissingEventTime::kDecodeError);
  EXPECT_EQ(ts, 77);  // untouched
  EXPECT_EQ(to_string(MissingEventTime::kDecodeError), "does not decode");
}

TEST(EventTimeSourceParse, NamesTheValidValues) {
  EXPECT_EQ(*parse_event_time_source("field"), EventTimeSource::kField);
  EXPECT_EQ(*parse_event_time_source("record"), EventTimeSource::kRecordTimestamp);
  core::Result<EventTimeSource> bad = parse_event_time_source("kafka");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'kafka'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("record"), std::string::npos);
  EXPECT_NE(describe(EventTimeSpec{}).find("lab.event_timestamp"), std::string::npos);
}

}  // namespace
}  // namespace tidemark::consumer
