#include "tidemark/consumer/event_time_source.h"

#include <charconv>
#include <type_traits>
#include <variant>

namespace tidemark::consumer {

namespace {

using core::EventType;
using core::FieldType;

// The field tables' order, which the switches below rely on.
static_assert(core::kLabFields[0].name == "test_data" &&
              core::kLabFields[1].name == "event_timestamp");
static_assert(core::kWebFields[0].name == "url" && core::kWebFields[4].name == "ip" &&
              core::kWebFields[5].name == "geodata" && core::kWebFields[6].name == "event_time");
static_assert(core::kTaxiFields[0].name == "lpep_pickup_datetime" &&
              core::kTaxiFields[1].name == "lpep_dropoff_datetime" &&
              core::kTaxiFields[4].name == "passenger_count" &&
              core::kTaxiFields[6].name == "tip_amount");
static_assert(core::kGeoDataFields[0].name == "country" &&
              core::kGeoDataFields[1].name == "state" && core::kGeoDataFields[2].name == "city");

constexpr std::string_view kGeoPrefix = "geodata.";

bool is_numeric(FieldType t) noexcept {
  return t == FieldType::kInt32 || t == FieldType::kInt64 || t == FieldType::kDouble ||
         t == FieldType::kTime;
}

std::string all_names(bool times_only) {
  std::string names;
  for (EventType type : core::kAllEventTypes) {
    for (const core::FieldInfo& f : core::fields_of(type)) {
      if (times_only && f.type != FieldType::kTime) continue;
      if (f.type == FieldType::kStruct) {
        for (const core::FieldInfo& g : core::kGeoDataFields) {
          names += names.empty() ? "" : ", ";
          names += std::string(core::event_type_name(type)) + "." + std::string(f.name) + "." +
                   std::string(g.name);
        }
        continue;
      }
      names += names.empty() ? "" : ", ";
      names += std::string(core::event_type_name(type)) + "." + std::string(f.name);
    }
  }
  return names;
}

void set_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.assign(buf, r.ptr);
}

}  // namespace

std::string_view to_string(EventTimeSource source) noexcept {
  return source == EventTimeSource::kField ? "field" : "record";
}

core::Result<EventTimeSource> parse_event_time_source(std::string_view text) {
  if (text == "field") return EventTimeSource::kField;
  if (text == "record") return EventTimeSource::kRecordTimestamp;
  return core::invalid_argument(
      core::quoted(text) +
      " is not an event-time source (valid: field = the event's own time field, record = the "
      "Kafka record timestamp)");
}

core::Result<EventField> EventField::any(std::string_view name) {
  EventField f;
  f.name_ = std::string(name);
  bool found = false;
  bool is_struct = false;
  for (EventType type : core::kAllEventTypes) {
    const auto fields = core::fields_of(type);
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const core::FieldInfo& info = fields[i];
      if (info.type == FieldType::kStruct) {
        if (name == info.name) is_struct = true;
        if (name.size() > kGeoPrefix.size() && name.substr(0, kGeoPrefix.size()) == kGeoPrefix) {
          const std::string_view sub = name.substr(kGeoPrefix.size());
          for (std::size_t j = 0; j < core::kGeoDataFields.size(); ++j) {
            if (sub == core::kGeoDataFields[j].name) {
              f.index_[static_cast<std::size_t>(type)] = static_cast<int>(i);
              f.sub_ = static_cast<int>(j);
              f.numeric_ = false;
              found = true;
            }
          }
        }
        continue;
      }
      if (name == info.name) {
        f.index_[static_cast<std::size_t>(type)] = static_cast<int>(i);
        f.numeric_ = is_numeric(info.type);
        found = true;
      }
    }
  }
  if (!found) {
    return core::invalid_argument("field " + core::quoted(name) +
                                  (is_struct ? " is a structure; name one of its fields"
                                             : " is not a field of any event type") +
                                  " (valid: " + all_names(false) +
                                  "; give the name without the type)");
  }
  return f;
}

core::Result<EventField> EventField::time(std::string_view name) {
  core::Result<EventField> f = any(name);
  if (!f.ok()) {
    return core::invalid_argument("field " + core::quoted(name) +
                                  " is not a time field of any event type (time fields: " +
                                  all_names(true) + "; give the name without the type)");
  }
  for (EventType type : core::kAllEventTypes) {
    const int i = f->index_[static_cast<std::size_t>(type)];
    if (i < 0) continue;
    if (core::fields_of(type)[static_cast<std::size_t>(i)].type != FieldType::kTime) {
      return core::invalid_argument("field " + core::quoted(name) + " of " +
                                    std::string(core::event_type_name(type)) +
                                    " events is not a time (time fields: " + all_names(true) +
                                    "; give the name without the type)");
    }
  }
  return f;
}

std::optional<std::int64_t> EventField::integer_of(const core::Event& event) const noexcept {
  const int i = index_[event.index()];
  if (i < 0) return std::nullopt;
  return std::visit(
      [i](const auto& e) -> std::optional<std::int64_t> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::LabEvent>) {
          return i == 0 ? std::int64_t{e.test_data} : e.event_timestamp;
        } else if constexpr (std::is_same_v<T, core::WebEvent>) {
          if (i == 6) return e.event_time;
          return std::nullopt;
        } else {
          switch (i) {
            case 0:
              return e.lpep_pickup_datetime;
            case 1:
              return e.lpep_dropoff_datetime;
            case 2:
              return std::int64_t{e.pu_location_id};
            case 3:
              return std::int64_t{e.do_location_id};
            case 4:
              if (e.passenger_count) return std::int64_t{*e.passenger_count};
              return std::nullopt;
            default:
              return std::nullopt;
          }
        }
      },
      event);
}

bool EventField::text_of(const core::Event& event, std::string& out) const {
  out.clear();
  const int i = index_[event.index()];
  if (i < 0) return false;
  return std::visit(
      [&](const auto& e) -> bool {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::LabEvent>) {
          set_int(out, i == 0 ? std::int64_t{e.test_data} : e.event_timestamp);
          return true;
        } else if constexpr (std::is_same_v<T, core::WebEvent>) {
          switch (i) {
            case 0:
              out.assign(e.url);
              return true;
            case 1:
              out.assign(e.referrer);
              return true;
            case 2:
              out.assign(e.user_agent);
              return true;
            case 3:
              out.assign(e.host);
              return true;
            case 4:
              out.assign(e.ip);
              return true;
            case 5:
              out.assign(sub_ == 0   ? e.geodata.country
                         : sub_ == 1 ? e.geodata.state
                                     : e.geodata.city);
              return true;
            default:
              set_int(out, e.event_time);
              return true;
          }
        } else {
          if (i == 5 || i == 6) {
            char buf[32];
            const auto r =
                std::to_chars(buf, buf + sizeof buf, i == 5 ? e.trip_distance : e.tip_amount);
            out.assign(buf, r.ptr);
            return true;
          }
          const std::optional<std::int64_t> v = integer_of(event);
          if (!v) return false;
          set_int(out, *v);
          return true;
        }
      },
      event);
}

std::string describe(const EventTimeSpec& spec) {
  if (spec.source == EventTimeSource::kRecordTimestamp) {
    return "event time: the Kafka record timestamp (--event-time record; Flink DataStream's "
           "default)";
  }
  if (spec.field) return "event time: field " + spec.field->name() + " (--event-time-field)";
  return "event time: each event's own time field (lab.event_timestamp, web.event_time, "
         "taxi.lpep_dropoff_datetime)";
}

std::string_view to_string(MissingEventTime why) noexcept {
  switch (why) {
    case MissingEventTime::kNone:
      return "has an event time";
    case MissingEventTime::kNotAnEvent:
      return "not an event";
    case MissingEventTime::kDecodeError:
      return "does not decode";
    case MissingEventTime::kNoField:
      return "its event type has no such field";
    case MissingEventTime::kNoTimestamp:
      return "no Kafka timestamp";
  }
  return "?";
}

MissingEventTime record_event_time(const DecodedRecord& record, const EventTimeSpec& spec,
                                   std::int64_t& out) noexcept {
  if (spec.source == EventTimeSource::kRecordTimestamp) {
    if (record.message == nullptr || record.message->timestamp_ms < 0 ||
        record.message->timestamp_type == kafka::TimestampType::kNotAvailable) {
      return MissingEventTime::kNoTimestamp;
    }
    out = record.message->timestamp_ms;
    return MissingEventTime::kNone;
  }
  switch (record.value_kind) {
    case ValueKind::kEvent:
      break;
    case ValueKind::kDecodeError:
      return MissingEventTime::kDecodeError;
    case ValueKind::kNull:
    case ValueKind::kRaw:
      return MissingEventTime::kNotAnEvent;
  }
  if (!spec.field) {
    out = core::event_time_of(*record.event);
    return MissingEventTime::kNone;
  }
  const std::optional<std::int64_t> v = spec.field->integer_of(*record.event);
  if (!v) return MissingEventTime::kNoField;
  out = *v;
  return MissingEventTime::kNone;
}

}  // namespace tidemark::consumer
