#include "tidemark/core/events.h"

#include <type_traits>

namespace tidemark::core {
namespace {

constexpr std::array<EventTypeInfo, 3> kTypeInfo{{
    {EventType::kLab, "lab", "LabEvent", "event_timestamp", ""},
    {EventType::kWeb, "web", "WebEvent", "event_time", "ip"},
    {EventType::kTaxi, "taxi", "TaxiTrip", "lpep_dropoff_datetime", "PULocationID"},
}};

}  // namespace

std::string_view event_type_name(EventType type) noexcept { return event_type_info(type).name; }

const EventTypeInfo& event_type_info(EventType type) noexcept {
  return kTypeInfo[static_cast<std::size_t>(type)];
}

Result<EventType> parse_event_type(std::string_view text) {
  for (const auto& info : kTypeInfo) {
    if (info.name == text) return info.type;
  }
  return invalid_argument("unknown event type '" + std::string(text) + "' (valid: lab, web, taxi)");
}

EventType event_type_of(const Event& event) noexcept {
  return static_cast<EventType>(event.index());
}

std::int64_t event_time_of(const Event& event) noexcept {
  return std::visit(
      [](const auto& e) -> std::int64_t {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, LabEvent>) return e.event_timestamp;
        if constexpr (std::is_same_v<T, WebEvent>) return e.event_time;
        if constexpr (std::is_same_v<T, TaxiTrip>) return e.lpep_dropoff_datetime;
      },
      event);
}

std::string field_path(EventType type, const FieldInfo& field, const FieldInfo* parent) {
  std::string path(event_type_name(type));
  path += '.';
  if (parent != nullptr) {
    path += parent->name;
    path += '.';
  }
  path += field.name;
  return path;
}

std::span<const FieldInfo> fields_of(EventType type) noexcept {
  switch (type) {
    case EventType::kLab: return kLabFields;
    case EventType::kWeb: return kWebFields;
    case EventType::kTaxi: return kTaxiFields;
  }
  return {};
}

const Event& sample_event(EventType type) {
  static const std::array<Event, 3> kSamples{
      Event{LabEvent{42, 1732345678901}},
      Event{WebEvent{"https://shop.example.com/products/4711?ref=lab",
                     "https://www.google.com/search?q=kafka+flink",
                     "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/124.0 Safari/537.36",
                     "shop.example.com", "203.0.113.42", GeoData{"DE", "Berlin", "Berlin"},
                     1732345678901}},
      // 2019-10-01 00:26:02 -> 00:39:58, the first row of the lab's green-taxi file layout.
      Event{TaxiTrip{1569889562000, 1569890398000, 112, 196, 1, 5.88, 0.0}},
  };
  return kSamples[static_cast<std::size_t>(type)];
}

}  // namespace tidemark::core
