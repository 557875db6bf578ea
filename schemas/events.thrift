// tidemark's event types in Thrift. Field names and ids follow the field tables in
// core/include/tidemark/core/events.h (schemas/README.md lists them); a test checks the ids on
// the wire against the tables. All times are i64 epoch milliseconds, UTC.

// C++: protobuf's generated classes own tidemark::events::v1 (same message names), so Thrift's
// structs live one namespace further in.
namespace cpp tidemark.events.v1.thrift_gen
namespace java tidemark.events.v1
namespace py tidemark.events.v1

// The lab's test-topic event.
struct LabEvent {
  1: required i32 test_data,
  2: required i64 event_timestamp,  // epoch ms; event time
}

struct GeoData {
  1: required string country,
  2: required string state,
  3: required string city,
}

// A web page view.
struct WebEvent {
  1: required string url,
  2: required string referrer,
  3: required string user_agent,
  4: required string host,
  5: required string ip,
  6: required GeoData geodata,
  7: required i64 event_time,  // epoch ms; event time
}

// One NYC green-taxi trip (the seven columns labs keep).
struct TaxiTrip {
  1: required i64 lpep_pickup_datetime,   // epoch ms
  2: required i64 lpep_dropoff_datetime,  // epoch ms; event time
  3: required i32 PULocationID,
  4: required i32 DOLocationID,
  5: optional i32 passenger_count,        // blank in dispatch trips
  6: required double trip_distance,
  7: required double tip_amount,
}
