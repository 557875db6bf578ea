// The event model: the three built-in event types as plain structs, `Event` as a variant of them,
// and one field table per type.
//
// The field tables are the single description of each type that the serializers, the IDL files
// (schemas/), the JSON Schemas and the tests share: a conformance test compares each table with
// the protobuf descriptor, the Thrift wire ids and the JSON Schema files, so none can drift.
// All times are int64 epoch milliseconds (UTC); a field table says how JSON writes each one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "tidemark/core/status.h"

namespace tidemark::core {

enum class EventType : std::uint8_t { kLab = 0, kWeb = 1, kTaxi = 2 };
inline constexpr std::array<EventType, 3> kAllEventTypes{EventType::kLab, EventType::kWeb,
                                                        EventType::kTaxi};

// "lab", "web", "taxi": the names used on the command line and in the tidemark-event-type header.
std::string_view event_type_name(EventType type) noexcept;
// Parses one of those names; the error names the text and lists the valid names.
Result<EventType> parse_event_type(std::string_view text);

// The lab's test-topic event: {"test_data": 42, "event_timestamp": 1732345678901}.
struct LabEvent {
  std::int32_t test_data = 0;
  std::int64_t event_timestamp = 0;  // epoch ms; the event time
  friend bool operator==(const LabEvent&, const LabEvent&) = default;
};

struct GeoData {
  std::string country;
  std::string state;
  std::string city;
  friend bool operator==(const GeoData&, const GeoData&) = default;
};

// A web page view. String fields are UTF-8 text; serializers reject invalid UTF-8.
struct WebEvent {
  std::string url;
  std::string referrer;
  std::string user_agent;
  std::string host;
  std::string ip;
  GeoData geodata;
  std::int64_t event_time = 0;  // epoch ms; JSON writes ISO-8601 UTC with milliseconds
  friend bool operator==(const WebEvent&, const WebEvent&) = default;
};

// One NYC green-taxi trip, the seven columns labs keep. JSON names are the CSV's column names.
struct TaxiTrip {
  std::int64_t lpep_pickup_datetime = 0;   // epoch ms; JSON "YYYY-MM-DD HH:MM:SS"
  std::int64_t lpep_dropoff_datetime = 0;  // epoch ms; the event time
  std::int32_t pu_location_id = 0;         // JSON "PULocationID"
  std::int32_t do_location_id = 0;         // JSON "DOLocationID"
  std::optional<std::int32_t> passenger_count;  // blank in dispatch trips: missing, never 0
  double trip_distance = 0;
  double tip_amount = 0;
  friend bool operator==(const TaxiTrip&, const TaxiTrip&) = default;
};

using Event = std::variant<LabEvent, WebEvent, TaxiTrip>;

EventType event_type_of(const Event& event) noexcept;
// The event's own event-time field (lab.event_timestamp, web.event_time,
// taxi.lpep_dropoff_datetime), epoch ms.
std::int64_t event_time_of(const Event& event) noexcept;

// ---- field tables ----------------------------------------------------------------------------

enum class FieldType : std::uint8_t {
  kInt32,
  kInt64,
  kDouble,
  kString,
  kTime,    // int64 epoch ms in protobuf/Thrift; JSON representation given by JsonTime
  kStruct,  // web.geodata (fields in kGeoDataFields)
};

enum class JsonTime : std::uint8_t {
  kNotATime,
  kEpochMillis,  // JSON integer, e.g. 1732345678901
  kIso8601,      // JSON string "2026-11-23T10:15:30.123Z"
  kDateTime,     // JSON string "2019-10-01 00:26:02" (".mmm" appended only when ms != 0)
};

struct FieldInfo {
  std::string_view name;  // JSON key, protobuf field name and Thrift field name
  FieldType type;
  int proto_number;
  int thrift_id;
  bool nullable;  // missing allowed: JSON null, proto3 optional, Thrift optional
  JsonTime json_time;
  std::string_view cpp_type;  // for schemas/README.md and error messages
};

inline constexpr std::array<FieldInfo, 2> kLabFields{{
    {"test_data", FieldType::kInt32, 1, 1, false, JsonTime::kNotATime, "int32_t"},
    {"event_timestamp", FieldType::kTime, 2, 2, false, JsonTime::kEpochMillis, "int64_t (epoch ms)"},
}};

inline constexpr std::array<FieldInfo, 3> kGeoDataFields{{
    {"country", FieldType::kString, 1, 1, false, JsonTime::kNotATime, "std::string"},
    {"state", FieldType::kString, 2, 2, false, JsonTime::kNotATime, "std::string"},
    {"city", FieldType::kString, 3, 3, false, JsonTime::kNotATime, "std::string"},
}};

inline constexpr std::array<FieldInfo, 7> kWebFields{{
    {"url", FieldType::kString, 1, 1, false, JsonTime::kNotATime, "std::string"},
    {"referrer", FieldType::kString, 2, 2, false, JsonTime::kNotATime, "std::string"},
    {"user_agent", FieldType::kString, 3, 3, false, JsonTime::kNotATime, "std::string"},
    {"host", FieldType::kString, 4, 4, false, JsonTime::kNotATime, "std::string"},
    {"ip", FieldType::kString, 5, 5, false, JsonTime::kNotATime, "std::string"},
    {"geodata", FieldType::kStruct, 6, 6, false, JsonTime::kNotATime, "GeoData"},
    {"event_time", FieldType::kTime, 7, 7, false, JsonTime::kIso8601, "int64_t (epoch ms)"},
}};

inline constexpr std::array<FieldInfo, 7> kTaxiFields{{
    {"lpep_pickup_datetime", FieldType::kTime, 1, 1, false, JsonTime::kDateTime, "int64_t (epoch ms)"},
    {"lpep_dropoff_datetime", FieldType::kTime, 2, 2, false, JsonTime::kDateTime, "int64_t (epoch ms)"},
    {"PULocationID", FieldType::kInt32, 3, 3, false, JsonTime::kNotATime, "int32_t"},
    {"DOLocationID", FieldType::kInt32, 4, 4, false, JsonTime::kNotATime, "int32_t"},
    {"passenger_count", FieldType::kInt32, 5, 5, true, JsonTime::kNotATime, "std::optional<int32_t>"},
    {"trip_distance", FieldType::kDouble, 6, 6, false, JsonTime::kNotATime, "double"},
    {"tip_amount", FieldType::kDouble, 7, 7, false, JsonTime::kNotATime, "double"},
}};

// How error messages name a field: "web.user_agent", or with the enclosing struct field as
// `parent`, "web.geodata.city".
std::string field_path(EventType type, const FieldInfo& field, const FieldInfo* parent = nullptr);

// The field table of a type, in declaration (and JSON key) order.
std::span<const FieldInfo> fields_of(EventType type) noexcept;

struct EventTypeInfo {
  EventType type;
  std::string_view name;             // "lab"
  std::string_view message_name;     // protobuf message / Thrift struct name: "LabEvent"
  std::string_view event_time_field; // "event_timestamp"
  std::string_view default_key_field;  // "" when the type has no default key
};
const EventTypeInfo& event_type_info(EventType type) noexcept;

// A fixed, realistic example of each type (the README's sample events and `tidemark formats`).
const Event& sample_event(EventType type);

}  // namespace tidemark::core
