// The `json` format, tidemark's fast path: a hand-written writer that appends straight into the
// output buffer, and a simdjson On-Demand reader.
//
// What it writes is exactly what the `json-nlohmann` reference format (json_nlohmann.cc) writes,
// byte for byte, so either decodes the other and tests can compare them directly:
//   * keys in field-table order, compact (no spaces), ASCII only;
//   * strings escaped as nlohmann's dump(-1, ' ', true) and Python's json.dumps(ensure_ascii=True)
//     do: \" \\ \b \f \n \r \t, other bytes below 0x20 and 0x7F as \u00XX, every non-ASCII code
//     point as \uXXXX (lowercase hex; astral code points as a UTF-16 surrogate pair);
//   * integers in decimal, doubles as the shortest digits that read back to the same double
//     (std::to_chars), laid out as nlohmann lays them out (see append_double).
// Invalid UTF-8 is found while escaping, in the same pass.
//
// The reader accepts any JSON object with the required keys in any order: unknown keys are
// skipped, time fields also accept integer epoch milliseconds (other producers write those),
// and anything else wrong is kMalformed with the field named. Like every On-Demand reader it
// validates what it reads: the values of unknown keys are skipped structurally, not checked
// token by token (the whole input is still checked to be UTF-8 and to have balanced strings),
// so a malformed number inside an ignored key passes here while json-nlohmann refuses it.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "factories.h"
#include "tidemark/core/events.h"
#include "tidemark/core/status.h"
#include "tidemark/core/time.h"

namespace tidemark::serializers {
namespace {

using core::EventType;
using core::FieldInfo;
using core::GeoData;
using core::LabEvent;
using core::Status;
using core::TaxiTrip;
using core::WebEvent;
namespace od = simdjson::ondemand;

// ---- field indices -------------------------------------------------------------------------
// The code below writes and reads each struct member at a fixed index of its field table; these
// asserts tie the indices to the table, so a reordered or renamed table fails to compile here
// instead of writing keys out of order. Key text itself always comes from the table.

namespace lab {
inline constexpr std::size_t kTestData = 0, kEventTimestamp = 1;
static_assert(core::kLabFields[kTestData].name == "test_data");
static_assert(core::kLabFields[kEventTimestamp].name == "event_timestamp");
static_assert(core::kLabFields[kEventTimestamp].json_time == core::JsonTime::kEpochMillis);
}  // namespace lab

namespace geo {
inline constexpr std::size_t kCountry = 0, kState = 1, kCity = 2;
static_assert(core::kGeoDataFields[kCountry].name == "country");
static_assert(core::kGeoDataFields[kState].name == "state");
static_assert(core::kGeoDataFields[kCity].name == "city");
}  // namespace geo

namespace web {
inline constexpr std::size_t kUrl = 0, kReferrer = 1, kUserAgent = 2, kHost = 3, kIp = 4,
                             kGeodata = 5, kEventTime = 6;
static_assert(core::kWebFields[kUrl].name == "url");
static_assert(core::kWebFields[kReferrer].name == "referrer");
static_assert(core::kWebFields[kUserAgent].name == "user_agent");
static_assert(core::kWebFields[kHost].name == "host");
static_assert(core::kWebFields[kIp].name == "ip");
static_assert(core::kWebFields[kGeodata].name == "geodata");
static_assert(core::kWebFields[kEventTime].name == "event_time");
static_assert(core::kWebFields[kEventTime].json_time == core::JsonTime::kIso8601);
}  // namespace web

namespace taxi {
inline constexpr std::size_t kPickup = 0, kDropoff = 1, kPu = 2, kDo = 3, kPassengers = 4,
                             kDistance = 5, kTip = 6;
static_assert(core::kTaxiFields[kPickup].name == "lpep_pickup_datetime");
static_assert(core::kTaxiFields[kDropoff].name == "lpep_dropoff_datetime");
static_assert(core::kTaxiFields[kPu].name == "PULocationID");
static_assert(core::kTaxiFields[kDo].name == "DOLocationID");
static_assert(core::kTaxiFields[kPassengers].name == "passenger_count");
static_assert(core::kTaxiFields[kPassengers].nullable);
static_assert(core::kTaxiFields[kDistance].name == "trip_distance");
static_assert(core::kTaxiFields[kTip].name == "tip_amount");
static_assert(core::kTaxiFields[kPickup].json_time == core::JsonTime::kDateTime);
static_assert(core::kTaxiFields[kDropoff].json_time == core::JsonTime::kDateTime);
}  // namespace taxi

// ---- key prefixes, built from the field tables at compile time ------------------------------
// Field i's prefix is `{"name":` for the first field and `,"name":` for the others, so writing a
// key is one append.

template <std::size_t N>
constexpr bool names_need_no_escaping(const std::array<FieldInfo, N>& fields) {
  for (const FieldInfo& f : fields) {
    if (f.name.empty()) return false;
    for (char c : f.name) {
      const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_';
      if (!plain) return false;
    }
  }
  return true;
}

template <std::size_t N>
constexpr std::size_t key_prefix_bytes(const std::array<FieldInfo, N>& fields) {
  std::size_t n = 0;
  for (const FieldInfo& f : fields) n += f.name.size() + 4;  // { or ,  "  name  "  :
  return n;
}

template <std::size_t N, std::size_t Bytes>
struct KeyPrefixes {
  std::array<char, Bytes> text{};
  std::array<std::size_t, N + 1> start{};
  std::string_view operator[](std::size_t i) const noexcept {
    return {text.data() + start[i], start[i + 1] - start[i]};
  }
};

template <std::size_t Bytes, std::size_t N>
constexpr KeyPrefixes<N, Bytes> make_key_prefixes(const std::array<FieldInfo, N>& fields) {
  KeyPrefixes<N, Bytes> keys;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < N; ++i) {
    keys.start[i] = pos;
    keys.text[pos++] = i == 0 ? '{' : ',';
    keys.text[pos++] = '"';
    for (char c : fields[i].name) keys.text[pos++] = c;
    keys.text[pos++] = '"';
    keys.text[pos++] = ':';
  }
  keys.start[N] = pos;
  return keys;
}

static_assert(names_need_no_escaping(core::kLabFields));
static_assert(names_need_no_escaping(core::kWebFields));
static_assert(names_need_no_escaping(core::kGeoDataFields));
static_assert(names_need_no_escaping(core::kTaxiFields));

inline constexpr auto kLabKeys = make_key_prefixes<key_prefix_bytes(core::kLabFields)>(core::kLabFields);
inline constexpr auto kWebKeys = make_key_prefixes<key_prefix_bytes(core::kWebFields)>(core::kWebFields);
inline constexpr auto kGeoKeys =
    make_key_prefixes<key_prefix_bytes(core::kGeoDataFields)>(core::kGeoDataFields);
inline constexpr auto kTaxiKeys =
    make_key_prefixes<key_prefix_bytes(core::kTaxiFields)>(core::kTaxiFields);

// "web.user_agent", "web.geodata.city": how error messages name a field (slow path only).
std::string field_path(EventType type, const FieldInfo& field, const FieldInfo* parent = nullptr) {
  std::string path(core::event_type_name(type));
  path += '.';
  if (parent != nullptr) {
    path += parent->name;
    path += '.';
  }
  path += field.name;
  return path;
}

// ---- writer ----------------------------------------------------------------------------------

// 1 for the bytes a JSON string cannot carry as they are under ensure_ascii: controls, the quote,
// the backslash, DEL and every non-ASCII byte.
constexpr std::array<bool, 256> make_needs_work_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x7F;
  return t;
}
inline constexpr std::array<bool, 256> kNeedsWork = make_needs_work_table();

// Offset of the first byte at or after `i` that needs escaping (or is non-ASCII), or `n`.
inline std::size_t find_needs_work(const unsigned char* s, std::size_t i, std::size_t n) noexcept {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i del = _mm_set1_epi8(0x7F);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" also catches every non-ASCII byte.
    const __m128i hits = _mm_or_si128(
        _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, quote)),
        _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, del)));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i < n && !kNeedsWork[s[i]]) ++i;
  return i;
}

inline constexpr char kHex[] = "0123456789abcdef";

inline void append_u_escape(std::string& out, std::uint32_t unit) {
  const char esc[6] = {'\\', 'u', kHex[(unit >> 12) & 0xF], kHex[(unit >> 8) & 0xF],
                       kHex[(unit >> 4) & 0xF], kHex[unit & 0xF]};
  out.append(esc, 6);
}

// Appends `text` as a JSON string literal (quotes included). Returns std::string_view::npos, or
// the offset of the first byte that does not start well-formed UTF-8 (the same offset
// core::find_invalid_utf8 reports); `out` is then partly written.
std::size_t append_json_string(std::string& out, std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  out.push_back('"');
  std::size_t i = 0;
  while (true) {
    const std::size_t run_end = find_needs_work(s, i, n);
    out.append(text.data() + i, run_end - i);
    i = run_end;
    if (i == n) break;
    const unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '"': out.append("\\\"", 2); break;
        case '\\': out.append("\\\\", 2); break;
        case '\b': out.append("\\b", 2); break;
        case '\f': out.append("\\f", 2); break;
        case '\n': out.append("\\n", 2); break;
        case '\r': out.append("\\r", 2); break;
        case '\t': out.append("\\t", 2); break;
        default: append_u_escape(out, c); break;  // other controls and DEL
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: validate as core::find_invalid_utf8 does (RFC 3629: no overlongs,
    // no surrogates, nothing above U+10FFFF) and decode in the same step.
    std::size_t len;
    std::uint32_t cp;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (n - i < len) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    cp = (cp << 6) | (s[i + 1] & 0x3Fu);
    for (std::size_t k = 2; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    if (cp < 0x10000) {
      append_u_escape(out, cp);
    } else {
      cp -= 0x10000;
      append_u_escape(out, 0xD800 + (cp >> 10));
      append_u_escape(out, 0xDC00 + (cp & 0x3FF));
    }
    i += len;
  }
  out.push_back('"');
  return std::string_view::npos;
}

template <typename Int>
inline void append_int(std::string& out, Int value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(result.ptr - buf));
}

// Appends a finite double the way nlohmann's dump() writes one (its detail::to_chars), which
// is also Python's repr() except in one decade (below):
//   * the digits are the shortest that read back to the same double (std::to_chars; nlohmann
//     uses Grisu2, which gives the same digits except in rare cases, see json_nlohmann.cc);
//   * with the decimal point at position n of the k digits (value = 0.d1d2...dk * 10^n):
//       -4 < n <= 0     "0.000ddd"
//       0 < n < k <= 15 "ddd.ddd"        (n <= 15)
//       k <= n <= 15    "ddd000.0"       (integral values keep a ".0": 18.0 stays 18.0)
//       otherwise       "d.ddde+XX"     (exponent with a sign and at least two digits)
//     Python switches to the exponent form only at n > 16, so 1e15 <= |v| < 1e16 is
//     "1e+15" here and in nlohmann but "1000000000000000.0" in Python; both read back the same.
//   * zero is "0.0" or "-0.0".
inline void append_double(std::string& out, double value) {
  if (value == 0) {
    if (std::signbit(value)) {
      out.append("-0.0", 4);
    } else {
      out.append("0.0", 3);
    }
    return;
  }
  // Scientific form gives the shortest round-trip digits and the exponent directly:
  // "-d.ddde+XX" or "de-XXX".
  char sci[32];
  const auto result = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific);
  const char* p = sci;
  const char* const end = result.ptr;
  const bool negative = *p == '-';
  if (negative) ++p;
  char digits[24];
  int k = 0;
  const char* q = p;
  for (; q < end && *q != 'e'; ++q) {
    if (*q != '.') digits[k++] = *q;
  }
  int exponent = 0;
  std::from_chars(q + 1 + (q[1] == '+' ? 1 : 0), end, exponent);
  const int n = exponent + 1;  // position of the decimal point relative to the digits
  constexpr int kMinExp = -4;  // nlohmann's (and Python's) lower bound for fixed notation
  constexpr int kMaxExp = std::numeric_limits<double>::digits10;  // 15: nlohmann's upper bound

  char buf[48];
  char* w = buf;
  if (negative) *w++ = '-';
  if (k <= n && n <= kMaxExp) {
    std::memcpy(w, digits, static_cast<std::size_t>(k));
    w += k;
    for (int z = k; z < n; ++z) *w++ = '0';
    *w++ = '.';
    *w++ = '0';
  } else if (0 < n && n <= kMaxExp) {
    std::memcpy(w, digits, static_cast<std::size_t>(n));
    w += n;
    *w++ = '.';
    std::memcpy(w, digits + n, static_cast<std::size_t>(k - n));
    w += k - n;
  } else if (kMinExp < n && n <= 0) {
    *w++ = '0';
    *w++ = '.';
    for (int z = 0; z < -n; ++z) *w++ = '0';
    std::memcpy(w, digits, static_cast<std::size_t>(k));
    w += k;
  } else {
    // to_chars' scientific form is already nlohmann's: "d.ddde+XX", exponent of 2+ digits.
    out.append(sci, static_cast<std::size_t>(end - sci));
    return;
  }
  out.append(buf, static_cast<std::size_t>(w - buf));
}

Status invalid_utf8(EventType type, const FieldInfo& field, std::size_t offset,
                    const FieldInfo* parent = nullptr) {
  return core::invalid_argument(field_path(type, field, parent) + " is not valid UTF-8 (byte " +
                                std::to_string(offset) + ")");
}

Status not_finite(EventType type, const FieldInfo& field, double value) {
  return core::invalid_argument(field_path(type, field) + " is " +
                                (std::isnan(value) ? "NaN" : "infinite") +
                                ", which JSON cannot represent");
}

Status not_formattable(EventType type, const FieldInfo& field, std::int64_t millis) {
  return core::invalid_argument(field_path(type, field) + " " + std::to_string(millis) +
                                " is outside the years 0000..9999 that JSON text can carry");
}

// Writes key `i` of `keys` and the string value; false (with `status` set) on invalid UTF-8.
template <typename Keys>
inline bool write_string_field(std::string& out, const Keys& keys, std::size_t i,
                               std::string_view value, EventType type, const FieldInfo& field,
                               Status& status, const FieldInfo* parent = nullptr) {
  out.append(keys[i]);
  const std::size_t bad = append_json_string(out, value);
  if (bad == std::string_view::npos) return true;
  status = invalid_utf8(type, field, bad, parent);
  return false;
}

Status encode_lab(const LabEvent& e, std::string& out) {
  out.append(kLabKeys[lab::kTestData]);
  append_int(out, e.test_data);
  out.append(kLabKeys[lab::kEventTimestamp]);
  append_int(out, e.event_timestamp);
  out.push_back('}');
  return {};
}

Status encode_web(const WebEvent& e, std::string& out) {
  constexpr EventType kType = EventType::kWeb;
  const auto& f = core::kWebFields;
  const auto& g = core::kGeoDataFields;
  if (!core::is_formattable(e.event_time)) {
    return not_formattable(kType, f[web::kEventTime], e.event_time);
  }
  out.reserve(e.url.size() + e.referrer.size() + e.user_agent.size() + e.host.size() +
              e.ip.size() + e.geodata.country.size() + e.geodata.state.size() +
              e.geodata.city.size() + 192);
  Status status;
  if (!write_string_field(out, kWebKeys, web::kUrl, e.url, kType, f[web::kUrl], status) ||
      !write_string_field(out, kWebKeys, web::kReferrer, e.referrer, kType, f[web::kReferrer],
                          status) ||
      !write_string_field(out, kWebKeys, web::kUserAgent, e.user_agent, kType,
                          f[web::kUserAgent], status) ||
      !write_string_field(out, kWebKeys, web::kHost, e.host, kType, f[web::kHost], status) ||
      !write_string_field(out, kWebKeys, web::kIp, e.ip, kType, f[web::kIp], status)) {
    return status;
  }
  out.append(kWebKeys[web::kGeodata]);
  const FieldInfo* geodata = &f[web::kGeodata];
  if (!write_string_field(out, kGeoKeys, geo::kCountry, e.geodata.country, kType, g[geo::kCountry],
                          status, geodata) ||
      !write_string_field(out, kGeoKeys, geo::kState, e.geodata.state, kType, g[geo::kState],
                          status, geodata) ||
      !write_string_field(out, kGeoKeys, geo::kCity, e.geodata.city, kType, g[geo::kCity], status,
                          geodata)) {
    return status;
  }
  out.push_back('}');
  out.append(kWebKeys[web::kEventTime]);
  out.push_back('"');
  core::append_iso8601(out, e.event_time);
  out.append("\"}", 2);
  return {};
}

Status encode_taxi(const TaxiTrip& e, std::string& out) {
  constexpr EventType kType = EventType::kTaxi;
  const auto& f = core::kTaxiFields;
  if (!core::is_formattable(e.lpep_pickup_datetime)) {
    return not_formattable(kType, f[taxi::kPickup], e.lpep_pickup_datetime);
  }
  if (!core::is_formattable(e.lpep_dropoff_datetime)) {
    return not_formattable(kType, f[taxi::kDropoff], e.lpep_dropoff_datetime);
  }
  if (!std::isfinite(e.trip_distance)) return not_finite(kType, f[taxi::kDistance], e.trip_distance);
  if (!std::isfinite(e.tip_amount)) return not_finite(kType, f[taxi::kTip], e.tip_amount);
  out.append(kTaxiKeys[taxi::kPickup]);
  out.push_back('"');
  core::append_datetime(out, e.lpep_pickup_datetime);
  out.push_back('"');
  out.append(kTaxiKeys[taxi::kDropoff]);
  out.push_back('"');
  core::append_datetime(out, e.lpep_dropoff_datetime);
  out.push_back('"');
  out.append(kTaxiKeys[taxi::kPu]);
  append_int(out, e.pu_location_id);
  out.append(kTaxiKeys[taxi::kDo]);
  append_int(out, e.do_location_id);
  out.append(kTaxiKeys[taxi::kPassengers]);
  if (e.passenger_count) {
    append_int(out, *e.passenger_count);
  } else {
    out.append("null", 4);
  }
  out.append(kTaxiKeys[taxi::kDistance]);
  append_double(out, e.trip_distance);
  out.append(kTaxiKeys[taxi::kTip]);
  append_double(out, e.tip_amount);
  out.push_back('}');
  return {};
}

// ---- reader ----------------------------------------------------------------------------------

Status bad_field(EventType type, const FieldInfo& field, std::string_view problem,
                 const FieldInfo* parent = nullptr) {
  std::string message = field_path(type, field, parent);
  message += ' ';
  message += problem;
  return core::malformed(std::move(message));
}

Status bad_json(simdjson::error_code error) {
  return core::malformed(std::string("not a valid JSON object: ") + simdjson::error_message(error));
}

// The index in `fields` of the key of `field`, or -1 when the key is unknown. Keys are compared
// raw first (no copy; the field names contain nothing to escape), expected-next-field first, and
// unescaped only when that fails (an escaped or unknown key).
template <std::size_t N>
int match_key(od::field& field, const std::array<FieldInfo, N>& fields, std::size_t expected,
              simdjson::error_code& error) {
  const od::raw_json_string raw = field.key();
  // unsafe_is_equal reads at most name.size() + 1 bytes, which the padding guarantees.
  if (expected < N && raw.unsafe_is_equal(fields[expected].name)) return static_cast<int>(expected);
  for (std::size_t i = 0; i < N; ++i) {
    if (i != expected && raw.unsafe_is_equal(fields[i].name)) return static_cast<int>(i);
  }
  std::string_view key;
  error = field.unescaped_key().get(key);
  if (error) return -1;
  for (std::size_t i = 0; i < N; ++i) {
    if (key == fields[i].name) return static_cast<int>(i);
  }
  return -1;
}

// Reads an integer value into `out` after checking it fits in Int.
template <typename Int>
Status read_int(od::value& value, EventType type, const FieldInfo& field, Int& out) {
  std::int64_t v = 0;
  const simdjson::error_code error = value.get_int64().get(v);
  if (error == simdjson::NUMBER_OUT_OF_RANGE) {
    return bad_field(type, field, "is out of range");
  }
  if (error) return bad_field(type, field, "is not an integer");
  if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max()) {
    return bad_field(type, field,
                     std::to_string(v) + (sizeof(Int) == 4 ? " is out of int32 range"
                                                            : " is out of range"));
  }
  out = static_cast<Int>(v);
  return {};
}

Status read_double(od::value& value, EventType type, const FieldInfo& field, double& out) {
  if (value.get_double().get(out)) return bad_field(type, field, "is not a number");
  return {};
}

Status read_string(od::value& value, EventType type, const FieldInfo& field, std::string& out,
                   const FieldInfo* parent = nullptr) {
  // Most strings have no escapes: then the bytes between the quotes are the value (simdjson's
  // first pass has already checked the whole input for valid UTF-8 and unescaped control
  // characters) and are copied once, straight from the input, skipping the unescape pass.
  std::string_view token = value.raw_json_token();  // the string and any whitespace after it
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"' &&
      std::memchr(token.data() + 1, '\\', token.size() - 2) == nullptr) {
    od::raw_json_string raw;
    if (value.get_raw_json_string().get(raw)) {  // consumes the value
      return bad_field(type, field, "is not a valid string", parent);
    }
    out.assign(token.data() + 1, token.size() - 2);
    return {};
  }
  std::string_view text;
  if (value.get_string().get(text)) return bad_field(type, field, "is not a valid string", parent);
  out.assign(text.data(), text.size());
  return {};
}

inline bool two_digits(const char* p, int& out) noexcept {
  const unsigned a = static_cast<unsigned char>(p[0]) - '0';
  const unsigned b = static_cast<unsigned char>(p[1]) - '0';
  if (a > 9 || b > 9) return false;
  out = static_cast<int>(a * 10 + b);
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// The exact text the writer produces ("2026-11-23T10:15:30.123Z", "2019-10-01 00:26:02",
// "2019-10-01 00:26:02.500"), parsed without allocating. Anything else, including dates the
// fast path does not bother to judge, returns false and goes to core's full parsers, so the set
// of accepted strings is exactly core's.
bool parse_canonical_time(std::string_view s, core::JsonTime kind, std::int64_t& millis) noexcept {
  const char* p = s.data();
  bool has_millis;
  if (kind == core::JsonTime::kIso8601) {
    if (s.size() != 24 || p[10] != 'T' || p[19] != '.' || p[23] != 'Z') return false;
    has_millis = true;
  } else {
    if (s.size() == 23) {
      if (p[19] != '.') return false;
      has_millis = true;
    } else if (s.size() == 19) {
      has_millis = false;
    } else {
      return false;
    }
    if (p[10] != ' ') return false;
  }
  if (p[4] != '-' || p[7] != '-' || p[13] != ':' || p[16] != ':') return false;
  int y_hi, y_lo, mo, d, h, mi, sec, ms_hi = 0, ms_lo = 0;
  if (!two_digits(p, y_hi) || !two_digits(p + 2, y_lo) || !two_digits(p + 5, mo) ||
      !two_digits(p + 8, d) || !two_digits(p + 11, h) || !two_digits(p + 14, mi) ||
      !two_digits(p + 17, sec)) {
    return false;
  }
  if (has_millis) {
    // ".mmm": one digit then two.
    const unsigned first = static_cast<unsigned char>(p[20]) - '0';
    if (first > 9 || !two_digits(p + 21, ms_lo)) return false;
    ms_hi = static_cast<int>(first);
  }
  const int year = y_hi * 100 + y_lo;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return false;
  static constexpr int kDaysInMonth[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDaysInMonth[mo - 1]) return false;
  if (mo == 2 && d == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))) return false;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  millis = ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms_hi * 100 + ms_lo;
  return true;
}

// A time field: the writer's string form, or integer epoch milliseconds.
Status read_time(od::value& value, EventType type, const FieldInfo& field, std::int64_t& out) {
  od::json_type kind;
  if (value.type().get(kind)) return bad_field(type, field, "is not valid JSON");
  if (kind == od::json_type::number) return read_int(value, type, field, out);
  if (kind != od::json_type::string || field.json_time == core::JsonTime::kEpochMillis) {
    return bad_field(type, field,
                     field.json_time == core::JsonTime::kEpochMillis
                         ? "is not an integer (epoch milliseconds)"
                         : "is neither a time string nor integer epoch milliseconds");
  }
  std::string_view text;
  if (value.get_string().get(text)) return bad_field(type, field, "is not a valid string");
  if (parse_canonical_time(text, field.json_time, out)) return {};
  core::Result<std::int64_t> parsed = field.json_time == core::JsonTime::kIso8601
                                          ? core::parse_iso8601(text)
                                          : core::parse_datetime(text);
  if (!parsed.ok()) return bad_field(type, field, "is not a valid time: " + parsed.status().message());
  out = *parsed;
  return {};
}

// Iterates the fields of `object` once, calling `on_field(index, value)` for each known key;
// unknown keys are skipped. Requires every non-nullable field; `seen` reports which were present.
template <std::size_t N, typename OnField>
Status for_each_field(od::object& object, const std::array<FieldInfo, N>& fields, EventType type,
                      const FieldInfo* parent, OnField&& on_field) {
  static_assert(N <= 32);
  std::uint32_t seen = 0;
  std::size_t expected = 0;
  for (auto field_result : object) {
    simdjson::error_code error = field_result.error();
    if (error) return bad_json(error);
    // Used in place: copying the field out costs a store-forwarding stall per key.
    od::field& field = field_result.value_unsafe();
    const int index = match_key(field, fields, expected, error);
    if (error) return bad_json(error);
    if (index < 0) continue;  // an unknown key: its value is skipped by the iteration
    const auto i = static_cast<std::size_t>(index);
    seen |= 1u << i;
    expected = i + 1;
    TIDEMARK_RETURN_IF_ERROR(on_field(i, field.value()));
  }
  for (std::size_t i = 0; i < N; ++i) {
    if ((seen & (1u << i)) == 0 && !fields[i].nullable) {
      return bad_field(type, fields[i], "is missing", parent);
    }
  }
  return {};
}

Status read_lab(od::object& object, LabEvent& e) {
  constexpr EventType kType = EventType::kLab;
  const auto& f = core::kLabFields;
  return for_each_field(object, f, kType, nullptr, [&](std::size_t i, od::value& v) -> Status {
    switch (i) {
      case lab::kTestData: return read_int(v, kType, f[i], e.test_data);
      case lab::kEventTimestamp: return read_time(v, kType, f[i], e.event_timestamp);
    }
    return {};
  });
}

Status read_geodata(od::value& value, GeoData& g) {
  constexpr EventType kType = EventType::kWeb;
  const FieldInfo* parent = &core::kWebFields[web::kGeodata];
  const auto& f = core::kGeoDataFields;
  od::object object;
  if (value.get_object().get(object)) {
    return bad_field(kType, *parent, "is not a JSON object");
  }
  return for_each_field(object, f, kType, parent, [&](std::size_t i, od::value& v) -> Status {
    switch (i) {
      case geo::kCountry: return read_string(v, kType, f[i], g.country, parent);
      case geo::kState: return read_string(v, kType, f[i], g.state, parent);
      case geo::kCity: return read_string(v, kType, f[i], g.city, parent);
    }
    return {};
  });
}

Status read_web(od::object& object, WebEvent& e) {
  constexpr EventType kType = EventType::kWeb;
  const auto& f = core::kWebFields;
  return for_each_field(object, f, kType, nullptr, [&](std::size_t i, od::value& v) -> Status {
    switch (i) {
      case web::kUrl: return read_string(v, kType, f[i], e.url);
      case web::kReferrer: return read_string(v, kType, f[i], e.referrer);
      case web::kUserAgent: return read_string(v, kType, f[i], e.user_agent);
      case web::kHost: return read_string(v, kType, f[i], e.host);
      case web::kIp: return read_string(v, kType, f[i], e.ip);
      case web::kGeodata: return read_geodata(v, e.geodata);
      case web::kEventTime: return read_time(v, kType, f[i], e.event_time);
    }
    return {};
  });
}

Status read_taxi(od::object& object, TaxiTrip& e) {
  constexpr EventType kType = EventType::kTaxi;
  const auto& f = core::kTaxiFields;
  return for_each_field(object, f, kType, nullptr, [&](std::size_t i, od::value& v) -> Status {
    switch (i) {
      case taxi::kPickup: return read_time(v, kType, f[i], e.lpep_pickup_datetime);
      case taxi::kDropoff: return read_time(v, kType, f[i], e.lpep_dropoff_datetime);
      case taxi::kPu: return read_int(v, kType, f[i], e.pu_location_id);
      case taxi::kDo: return read_int(v, kType, f[i], e.do_location_id);
      case taxi::kPassengers: {
        bool is_null = false;
        if (v.is_null().get(is_null)) return bad_field(kType, f[i], "is not valid JSON");
        if (is_null) {
          e.passenger_count.reset();
          return {};
        }
        std::int32_t count = 0;
        TIDEMARK_RETURN_IF_ERROR(read_int(v, kType, f[i], count));
        e.passenger_count = count;
        return {};
      }
      case taxi::kDistance: return read_double(v, kType, f[i], e.trip_distance);
      case taxi::kTip: return read_double(v, kType, f[i], e.tip_amount);
    }
    return {};
  });
}

// simdjson needs SIMDJSON_PADDING readable bytes after the input; Kafka's buffers give no such
// promise, so the input is copied into a padded buffer. The parser and the buffer are
// per-thread and reused (the serializer itself stays immutable and thread-safe); inputs larger
// than kMaxReusedBytes get a one-off parser so a single huge record does not pin its memory.
struct ParseScratch {
  od::parser parser;
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;  // usable bytes, padding excluded

  const char* load(std::string_view bytes) {
    if (bytes.size() > capacity) {
      const std::size_t grown = std::max(bytes.size(), std::max<std::size_t>(capacity * 2, 1024));
      buffer = std::make_unique_for_overwrite<char[]>(grown + simdjson::SIMDJSON_PADDING);
      capacity = grown;
    }
    if (!bytes.empty()) std::memcpy(buffer.get(), bytes.data(), bytes.size());
    std::memset(buffer.get() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
    return buffer.get();
  }
};

inline constexpr std::size_t kMaxReusedBytes = 1 << 20;

core::Result<core::Event> decode_with(ParseScratch& scratch, std::string_view bytes,
                                      EventType type) {
  const char* data = scratch.load(bytes);
  od::document doc;
  simdjson::error_code error =
      scratch.parser.iterate(data, bytes.size(), bytes.size() + simdjson::SIMDJSON_PADDING).get(doc);
  if (error) return bad_json(error);
  od::object object;
  error = doc.get_object().get(object);
  if (error == simdjson::INCORRECT_TYPE) return core::malformed("not a JSON object");
  if (error) return bad_json(error);

  core::Event event;
  Status status;
  switch (type) {
    case EventType::kLab: status = read_lab(object, event.emplace<LabEvent>()); break;
    case EventType::kWeb: status = read_web(object, event.emplace<WebEvent>()); break;
    case EventType::kTaxi: status = read_taxi(object, event.emplace<TaxiTrip>()); break;
    default: return core::malformed("unknown event type");
  }
  if (!status.ok()) return status;
  // The object has been read to its closing brace; anything but whitespace after it is an error.
  // (simdjson 3.0's document has no at_end(): current_location() is OUT_OF_BOUNDS there.)
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return core::malformed("trailing content after the JSON object");
  }
  return event;
}

class JsonSerializer final : public Serializer {
 public:
  std::string_view name() const noexcept override { return "json"; }
  std::string_view content_type() const noexcept override { return "application/json"; }
  std::string_view description() const noexcept override {
    return "JSON, compact and ASCII-only; hand-written writer, simdjson On-Demand reader";
  }

  core::Status encode(const core::Event& event, std::string& out) const override {
    out.clear();
    switch (event.index()) {
      case 0: return encode_lab(*std::get_if<LabEvent>(&event), out);
      case 1: return encode_web(*std::get_if<WebEvent>(&event), out);
      case 2: return encode_taxi(*std::get_if<TaxiTrip>(&event), out);
    }
    return core::internal_error("json: event holds no value");
  }

  core::Result<core::Event> decode(std::string_view bytes, core::EventType type) const override {
    if (bytes.size() > kMaxReusedBytes) {
      auto scratch = std::make_unique<ParseScratch>();
      return decode_with(*scratch, bytes, type);
    }
    thread_local ParseScratch scratch;
    return decode_with(scratch, bytes, type);
  }
};

}  // namespace

std::unique_ptr<Serializer> make_json_serializer() { return std::make_unique<JsonSerializer>(); }

}  // namespace tidemark::serializers
