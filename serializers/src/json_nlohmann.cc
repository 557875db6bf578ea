// The `json-nlohmann` format: the reference implementation of tidemark's JSON, written the
// obvious way with nlohmann::json. It exists to check the fast `json` format (json.cc) against a
// well-known library and to show, in the benchmarks, what the fast path buys.
//
// Encode builds an ordered_json (keys in field-table order) and calls dump(-1, ' ', true):
// compact, ASCII-only. Decode parses with exceptions disabled and extracts each field with the
// same rules and the same messages as the fast reader.
//
// Byte identity with `json`: integers, strings (escaping), null and key order are identical by
// construction. Doubles are identical in layout (json.cc's Chunk::put_double copies nlohmann's
// rules: fixed notation for 1e-4 <= |v| < 1e15, "d.ddde+XX" otherwise, ".0" on integral
// values, "-0.0"), and in digits whenever nlohmann's Grisu2 finds the shortest round-trip
// digits, which std::to_chars always finds. Grisu2 does not always: measured over
// 2,000,000 doubles each, the texts differ for 0.14% of arbitrary bit patterns, 0.08% of
// uniformly random values in [0, 50) and 0.15% of values with six decimal places, and for none
// of the values with up to four decimal places (fares, distances, tips). Where they differ,
// nlohmann writes one digit more (41.402093962072676 where json writes 41.40209396207268) or
// rounds the last of 17 digits the other way. Both texts read back to the same double, so each
// reader decodes the other's output to an equal event (json_test.cc checks this on random bit
// patterns).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "factories.h"
#include "json_doubles.h"
#include "json_integers.h"
#include "tidemark/core/events.h"
#include "tidemark/core/status.h"
#include "tidemark/core/time.h"
#include "tidemark/core/utf8.h"

namespace tidemark::serializers {
namespace {

using core::EventType;
using core::FieldInfo;
using core::JsonTime;
using core::Status;
using nlohmann::json;
using nlohmann::ordered_json;

using core::field_path;

// ---- encode ----------------------------------------------------------------------------------

// Builds the JSON value of one field; the messages match json.cc's.
Status string_value(EventType type, const FieldInfo& field, const std::string& text,
                    ordered_json& value, const FieldInfo* parent = nullptr) {
  // dump() would throw type_error 316 on invalid UTF-8 without saying which field; check first.
  const std::size_t bad = core::find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    return core::invalid_argument(field_path(type, field, parent) + " is not valid UTF-8 (byte " +
                                  std::to_string(bad) + ")");
  }
  value = text;
  return {};
}

Status double_value(EventType type, const FieldInfo& field, double number, ordered_json& value) {
  // dump() writes NaN and infinities as null, which would not read back: refuse them.
  if (!std::isfinite(number)) {
    return core::invalid_argument(field_path(type, field) + " is " +
                                  (std::isnan(number) ? "NaN" : "infinite") +
                                  ", which JSON cannot represent");
  }
  value = number;
  return {};
}

Status time_value(EventType type, const FieldInfo& field, std::int64_t millis,
                  ordered_json& value) {
  switch (field.json_time) {
    case JsonTime::kEpochMillis:
    case JsonTime::kNotATime:
      value = millis;
      return {};
    case JsonTime::kIso8601:
    case JsonTime::kDateTime:
      break;
  }
  if (!core::is_formattable(millis)) {
    return core::invalid_argument(field_path(type, field) + " " + std::to_string(millis) +
                                  " is outside the years 0000..9999 that JSON text can carry");
  }
  value = field.json_time == JsonTime::kIso8601 ? core::format_iso8601(millis)
                                                : core::format_datetime(millis);
  return {};
}

Status build(const core::LabEvent& e, ordered_json& j) {
  const auto& f = core::kLabFields;
  j[std::string(f[0].name)] = e.test_data;
  return time_value(EventType::kLab, f[1], e.event_timestamp, j[std::string(f[1].name)]);
}

Status build(const core::WebEvent& e, ordered_json& j) {
  constexpr EventType kType = EventType::kWeb;
  const auto& f = core::kWebFields;
  const auto& g = core::kGeoDataFields;
  const std::string* strings[] = {&e.url, &e.referrer, &e.user_agent, &e.host, &e.ip};
  for (std::size_t i = 0; i < 5; ++i) {
    TIDEMARK_RETURN_IF_ERROR(string_value(kType, f[i], *strings[i], j[std::string(f[i].name)]));
  }
  ordered_json& geodata = j[std::string(f[5].name)];
  geodata = ordered_json::object();
  const std::string* geo_strings[] = {&e.geodata.country, &e.geodata.state, &e.geodata.city};
  for (std::size_t i = 0; i < 3; ++i) {
    TIDEMARK_RETURN_IF_ERROR(
        string_value(kType, g[i], *geo_strings[i], geodata[std::string(g[i].name)], &f[5]));
  }
  return time_value(kType, f[6], e.event_time, j[std::string(f[6].name)]);
}

Status build(const core::TaxiTrip& e, ordered_json& j) {
  constexpr EventType kType = EventType::kTaxi;
  const auto& f = core::kTaxiFields;
  TIDEMARK_RETURN_IF_ERROR(
      time_value(kType, f[0], e.lpep_pickup_datetime, j[std::string(f[0].name)]));
  TIDEMARK_RETURN_IF_ERROR(
      time_value(kType, f[1], e.lpep_dropoff_datetime, j[std::string(f[1].name)]));
  j[std::string(f[2].name)] = e.pu_location_id;
  j[std::string(f[3].name)] = e.do_location_id;
  if (e.passenger_count) {
    j[std::string(f[4].name)] = *e.passenger_count;
  } else {
    j[std::string(f[4].name)] = nullptr;
  }
  TIDEMARK_RETURN_IF_ERROR(double_value(kType, f[5], e.trip_distance, j[std::string(f[5].name)]));
  return double_value(kType, f[6], e.tip_amount, j[std::string(f[6].name)]);
}

// ---- decode ----------------------------------------------------------------------------------

Status bad_field(EventType type, const FieldInfo& field, std::string_view problem,
                 const FieldInfo* parent = nullptr) {
  std::string message = field_path(type, field, parent);
  message += ' ';
  message += problem;
  return core::malformed(std::move(message));
}

// An integer written as a string, read as Flink's Long.parseLong / Integer.parseInt of the
// trimmed text (json_integers.h).
template <typename Int>
Status get_integer_text(const json& value, EventType type, const FieldInfo& field, Int& out) {
  const std::string& text = value.get_ref<const std::string&>();
  const internal::IntegerText result = internal::parse_integer_text(text, out);
  if (result == internal::IntegerText::kOk) return {};
  return bad_field(type, field, internal::integer_text_problem<Int>(text, result));
}

// Any JSON integer that fits in int64 (nlohmann keeps non-negative ones as uint64); a number
// with a fraction or an exponent truncated as Flink does, or an integer written as a string
// (json_integers.h).
Status get_int64(const json& value, EventType type, const FieldInfo& field, std::int64_t& out) {
  if (value.is_string()) return get_integer_text(value, type, field, out);
  if (value.is_number_float()) {
    if (internal::truncate_to_integer(value.get<double>(), out)) return {};
    return bad_field(type, field, "is out of range");
  }
  if (!value.is_number_integer()) return bad_field(type, field, "is not an integer");
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return bad_field(type, field, "is out of range");
    }
    out = static_cast<std::int64_t>(u);
  } else {
    out = value.get<std::int64_t>();
  }
  return {};
}

Status get_int32(const json& value, EventType type, const FieldInfo& field, std::int32_t& out) {
  if (value.is_string()) return get_integer_text(value, type, field, out);
  if (value.is_number_float()) {
    if (internal::truncate_to_integer(value.get<double>(), out)) return {};
    return bad_field(type, field, "is out of range");
  }
  std::int64_t v = 0;
  TIDEMARK_RETURN_IF_ERROR(get_int64(value, type, field, v));
  if (v < std::numeric_limits<std::int32_t>::min() ||
      v > std::numeric_limits<std::int32_t>::max()) {
    return bad_field(type, field, std::to_string(v) + " is out of int32 range");
  }
  out = static_cast<std::int32_t>(v);
  return {};
}

// A JSON number, or a double written as a string, read as Flink's Double.parseDouble of the
// trimmed text, finite values only (json_doubles.h).
Status get_double(const json& value, EventType type, const FieldInfo& field, double& out) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    const internal::DoubleText result = internal::parse_double_text(text, out);
    if (result == internal::DoubleText::kOk) return {};
    return bad_field(type, field, internal::double_text_problem(text, result));
  }
  if (!value.is_number()) return bad_field(type, field, "is not a number");
  out = value.get<double>();
  return {};
}

Status get_string(const json& value, EventType type, const FieldInfo& field, std::string& out,
                  const FieldInfo* parent = nullptr) {
  if (!value.is_string()) return bad_field(type, field, "is not a valid string", parent);
  out = value.get_ref<const std::string&>();
  return {};
}

// A time text for string-form fields, integer epoch milliseconds for any time field; an
// epoch-millisecond field (BIGINT in Flink's DDL) also reads an integer written as a string.
Status get_time(const json& value, EventType type, const FieldInfo& field, std::int64_t& out) {
  if (value.is_number() || (value.is_string() && field.json_time == JsonTime::kEpochMillis)) {
    return get_int64(value, type, field, out);
  }
  if (!value.is_string() || field.json_time == JsonTime::kEpochMillis) {
    return bad_field(type, field,
                     field.json_time == JsonTime::kEpochMillis
                         ? "is not an integer (epoch milliseconds)"
                         : "is neither a time string nor integer epoch milliseconds");
  }
  const std::string& text = value.get_ref<const std::string&>();
  core::Result<std::int64_t> parsed = field.json_time == JsonTime::kIso8601
                                          ? core::parse_iso8601(text)
                                          : core::parse_datetime(text);
  if (!parsed.ok())
    return bad_field(type, field, "is not a valid time: " + parsed.status().message());
  out = *parsed;
  return {};
}

// The member `field` of `object`, or nullptr (with `status` set unless the field is nullable).
const json* member(const json& object, EventType type, const FieldInfo& field, Status& status,
                   const FieldInfo* parent = nullptr) {
  const auto it = object.find(field.name);
  if (it != object.end()) return &*it;
  if (!field.nullable) status = bad_field(type, field, "is missing", parent);
  return nullptr;
}

// Checks every required field is present first (the fast reader reports a wrong type before a
// missing field only when the wrong one comes first; both report kMalformed).
#define TIDEMARK_MEMBER(var, object, type, field, parent)              \
  Status var##_status;                                                 \
  const json* var = member(object, type, field, var##_status, parent); \
  if (!var##_status.ok()) return var##_status

Status read(const json& j, core::LabEvent& e) {
  constexpr EventType kType = EventType::kLab;
  const auto& f = core::kLabFields;
  TIDEMARK_MEMBER(test_data, j, kType, f[0], nullptr);
  TIDEMARK_RETURN_IF_ERROR(get_int32(*test_data, kType, f[0], e.test_data));
  TIDEMARK_MEMBER(timestamp, j, kType, f[1], nullptr);
  return get_time(*timestamp, kType, f[1], e.event_timestamp);
}

Status read(const json& j, core::WebEvent& e) {
  constexpr EventType kType = EventType::kWeb;
  const auto& f = core::kWebFields;
  const auto& g = core::kGeoDataFields;
  std::string* strings[] = {&e.url, &e.referrer, &e.user_agent, &e.host, &e.ip};
  for (std::size_t i = 0; i < 5; ++i) {
    TIDEMARK_MEMBER(value, j, kType, f[i], nullptr);
    TIDEMARK_RETURN_IF_ERROR(get_string(*value, kType, f[i], *strings[i]));
  }
  TIDEMARK_MEMBER(geodata, j, kType, f[5], nullptr);
  if (!geodata->is_object()) return bad_field(kType, f[5], "is not a JSON object");
  std::string* geo_strings[] = {&e.geodata.country, &e.geodata.state, &e.geodata.city};
  for (std::size_t i = 0; i < 3; ++i) {
    TIDEMARK_MEMBER(value, *geodata, kType, g[i], &f[5]);
    TIDEMARK_RETURN_IF_ERROR(get_string(*value, kType, g[i], *geo_strings[i], &f[5]));
  }
  TIDEMARK_MEMBER(event_time, j, kType, f[6], nullptr);
  return get_time(*event_time, kType, f[6], e.event_time);
}

Status read(const json& j, core::TaxiTrip& e) {
  constexpr EventType kType = EventType::kTaxi;
  const auto& f = core::kTaxiFields;
  TIDEMARK_MEMBER(pickup, j, kType, f[0], nullptr);
  TIDEMARK_RETURN_IF_ERROR(get_time(*pickup, kType, f[0], e.lpep_pickup_datetime));
  TIDEMARK_MEMBER(dropoff, j, kType, f[1], nullptr);
  TIDEMARK_RETURN_IF_ERROR(get_time(*dropoff, kType, f[1], e.lpep_dropoff_datetime));
  TIDEMARK_MEMBER(pu, j, kType, f[2], nullptr);
  TIDEMARK_RETURN_IF_ERROR(get_int32(*pu, kType, f[2], e.pu_location_id));
  TIDEMARK_MEMBER(dropoff_location, j, kType, f[3], nullptr);
  TIDEMARK_RETURN_IF_ERROR(get_int32(*dropoff_location, kType, f[3], e.do_location_id));
  TIDEMARK_MEMBER(passengers, j, kType, f[4], nullptr);  // nullable: absent is fine
  if (passengers == nullptr || passengers->is_null()) {
    e.passenger_count.reset();
  } else {
    std::int32_t count = 0;
    TIDEMARK_RETURN_IF_ERROR(get_int32(*passengers, kType, f[4], count));
    e.passenger_count = count;
  }
  TIDEMARK_MEMBER(distance, j, kType, f[5], nullptr);
  TIDEMARK_RETURN_IF_ERROR(get_double(*distance, kType, f[5], e.trip_distance));
  TIDEMARK_MEMBER(tip, j, kType, f[6], nullptr);
  return get_double(*tip, kType, f[6], e.tip_amount);
}

#undef TIDEMARK_MEMBER

class JsonNlohmannSerializer final : public Serializer {
 public:
  std::string_view name() const noexcept override { return "json-nlohmann"; }
  std::string_view content_type() const noexcept override { return "application/json"; }
  std::string_view description() const noexcept override {
    return "JSON via nlohmann::json: the reference the fast json is tested and benchmarked against";
  }

  core::Status encode(const core::Event& event, std::string& out) const override {
    try {
      ordered_json j = ordered_json::object();
      Status status = std::visit([&j](const auto& e) { return build(e, j); }, event);
      if (!status.ok()) return status;
      const std::string text = j.dump(-1, ' ', /*ensure_ascii=*/true);
      out.assign(text);  // keeps out's capacity, as the interface promises
      return {};
    } catch (const json::exception& e) {
      // Not expected (UTF-8 is checked above), but no exception may leave the adapter.
      return core::invalid_argument(std::string("json-nlohmann: ") + e.what());
    } catch (const std::exception& e) {
      return core::internal_error(std::string("json-nlohmann: ") + e.what());
    }
  }

  core::Result<core::Event> decode(std::string_view bytes, core::EventType type) const override {
    try {
      // nlohmann's lexer takes a NUL byte for the end of the input (for C strings), even when
      // given the length, and would accept `{...}<NUL>anything`. A raw NUL is never valid JSON
      // (not whitespace, not allowed unescaped in a string). Found by fuzz/json_differential.
      if (bytes.find('\0') != std::string_view::npos) return core::malformed("not valid JSON");
      // The DOM keeps the last of two equal keys; `json` refuses a known key given twice, so
      // the reference refuses any key given twice (found by fuzz/json_differential: an invalid
      // first value that a later one replaced). The keys of each open object are listed while
      // parsing.
      std::vector<std::vector<std::string>> open_objects;
      std::string duplicate;
      const json::parser_callback_t watch_keys = [&](int, json::parse_event_t event,
                                                     json& parsed) {
        if (event == json::parse_event_t::object_start) {
          open_objects.emplace_back();
        } else if (event == json::parse_event_t::object_end) {
          open_objects.pop_back();
        } else if (event == json::parse_event_t::key && duplicate.empty()) {
          std::vector<std::string>& keys = open_objects.back();
          const std::string& key = parsed.get_ref<const std::string&>();
          if (std::find(keys.begin(), keys.end(), key) != keys.end()) duplicate = key;
          keys.push_back(key);
        }
        return true;
      };
      const json j = json::parse(bytes, watch_keys, /*allow_exceptions=*/false);
      if (j.is_discarded()) return core::malformed("not valid JSON");
      if (!duplicate.empty()) {
        return core::malformed("key " + core::quoted(duplicate) + " appears twice in one object");
      }
      if (!j.is_object()) return core::malformed("not a JSON object");
      core::Event event;
      Status status;
      switch (type) {
        case EventType::kLab:
          status = read(j, event.emplace<core::LabEvent>());
          break;
        case EventType::kWeb:
          status = read(j, event.emplace<core::WebEvent>());
          break;
        case EventType::kTaxi:
          status = read(j, event.emplace<core::TaxiTrip>());
          break;
        default:
          return core::malformed("unknown event type");
      }
      if (!status.ok()) return status;
      return event;
    } catch (const json::exception& e) {
      return core::malformed(std::string("json-nlohmann: ") + e.what());
    } catch (const std::exception& e) {
      return core::internal_error(std::string("json-nlohmann: ") + e.what());
    }
  }
};

}  // namespace

std::unique_ptr<Serializer> make_json_nlohmann_serializer() {
  return std::make_unique<JsonNlohmannSerializer>();
}

}  // namespace tidemark::serializers
