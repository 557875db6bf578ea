// Where a consumed record's event time comes from, and the value of a field of a decoded event
// (the event time with --event-time-field, the window key with --group-by).
//
// Event time, as Flink assigns it (reference 2.1):
//  * kField (tidemark's default, Flink SQL's rowtime column): the event's own time field
//    (lab.event_timestamp, web.event_time, taxi.lpep_dropoff_datetime; core::event_time_of), or
//    another time field named with --event-time-field;
//  * kRecordTimestamp (the DataStream KafkaSource default, or SQL `METADATA FROM 'timestamp'`):
//    the Kafka record timestamp (CreateTime or LogAppendTime).
// A record that has no event time (not an event, a decode error, an event type without the named
// field, a Kafka timestamp of -1) is never guessed: record_event_time() says why, and the caller
// writes it without one and counts it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tidemark/consumer/record_decoder.h"
#include "tidemark/core/events.h"
#include "tidemark/core/status.h"

namespace tidemark::consumer {

enum class EventTimeSource { kField, kRecordTimestamp };
std::string_view to_string(EventTimeSource source) noexcept;  // "field", "record"
// "field" or "record". Errors: kInvalidArgument naming the text and the valid values.
core::Result<EventTimeSource> parse_event_time_source(std::string_view text);

// A field of the built-in event types by its JSON name ("test_data", "ip", "geodata.city",
// "PULocationID", ...), resolved once per event type so that reading it is a switch. A topic may
// mix event types: the field then exists in some of them only.
class EventField {
 public:
  // Any field that is not a structure (web's geodata: name geodata.country/state/city).
  // Errors: kInvalidArgument naming the text and listing the valid names.
  static core::Result<EventField> any(std::string_view name);
  // A time field only (epoch ms in every format): event_timestamp, event_time,
  // lpep_pickup_datetime, lpep_dropoff_datetime. Errors: kInvalidArgument naming the text (and
  // saying when it is a field but not a time) and listing the time fields.
  static core::Result<EventField> time(std::string_view name);

  const std::string& name() const noexcept { return name_; }
  // Whether values are numbers (written as JSON numbers) rather than text.
  bool numeric() const noexcept { return numeric_; }
  // Whether events of `type` have the field.
  bool exists_in(core::EventType type) const noexcept {
    return index_[static_cast<std::size_t>(type)] >= 0;
  }

  // The value of a time field (or any integer field) of `event`, epoch ms; nullopt when the
  // event's type does not have it or the value is not an integer.
  std::optional<std::int64_t> integer_of(const core::Event& event) const noexcept;
  // The value as text (integers and times in decimal, doubles in their shortest exact form,
  // strings as they are) into `out`; false (out cleared) when the event's type does not have the
  // field or the value is missing (taxi passenger_count).
  bool text_of(const core::Event& event, std::string& out) const;

 private:
  EventField() = default;
  std::string name_;
  bool numeric_ = false;
  // Per event type (index = EventType): the index into core::fields_of(type), -1 if absent; and
  // for web geodata the index into core::kGeoDataFields.
  std::array<int, 3> index_{-1, -1, -1};
  int sub_ = -1;
};

// Where event time comes from (--event-time, --event-time-field).
struct EventTimeSpec {
  EventTimeSource source = EventTimeSource::kField;
  std::optional<EventField> field;  // kField: none = each event type's own time field
};

// One line for the start of a replay, e.g. "event time: each event's own time field
// (lab.event_timestamp, web.event_time, taxi.lpep_dropoff_datetime)" or "event time: the Kafka
// record timestamp (Flink DataStream's default)".
std::string describe(const EventTimeSpec& spec);

// Why a record has no event time.
enum class MissingEventTime : std::uint8_t {
  kNone,         // it has one
  kNotAnEvent,   // a null value or a value that is not an event (no format or type)
  kDecodeError,  // the value did not decode
  kNoField,      // the event's type has no such field
  kNoTimestamp,  // --event-time record, and the record has no timestamp (-1)
};
inline constexpr std::size_t kMissingEventTimeKinds = 5;
// "not an event", "does not decode", "has no <field> field", "no Kafka timestamp".
std::string_view to_string(MissingEventTime why) noexcept;

// The record's event time into `out`, or why there is none.
MissingEventTime record_event_time(const DecodedRecord& record, const EventTimeSpec& spec,
                                   std::int64_t& out) noexcept;

}  // namespace tidemark::consumer
