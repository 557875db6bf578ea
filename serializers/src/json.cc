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
//     (std::to_chars), laid out as nlohmann lays them out (see Chunk::put_double).
// Invalid UTF-8 is found while escaping, in the same pass.
//
// The reader accepts any JSON object with the required keys in any order: unknown keys are
// skipped, time fields also accept integer epoch milliseconds (other producers write those),
// integer fields read a fraction, an exponent or an integer written as a string as Flink's JSON
// format does (json_integers.h), double fields a number written as a string (json_doubles.h),
// and anything else wrong is kMalformed with the field named. Like every On-Demand reader it
// validates what it reads: the values of unknown keys are skipped structurally, not checked
// token by token (the whole input is still checked to be UTF-8 and to have balanced strings),
// so a malformed number inside an ignored key passes here while json-nlohmann refuses it.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <bit>
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
#include "json_doubles.h"
#include "json_integers.h"
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
      const bool plain =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
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

// A field name and its closing quote as it appears raw in the input (`name"`), as three
// little-endian words and masks, so the reader compares a key with three loads.
struct KeyWords {
  std::array<std::uint64_t, 3> word{};
  std::array<std::uint64_t, 3> mask{};
};
inline constexpr std::size_t kMaxKeyWordBytes = 24;

template <std::size_t N, std::size_t Bytes>
struct KeyPrefixes {
  std::array<char, Bytes> text{};
  std::array<std::size_t, N + 1> start{};
  std::array<KeyWords, N> words{};
  static constexpr std::size_t size() noexcept { return N; }
  // `{"name":` or `,"name":`
  std::string_view operator[](std::size_t i) const noexcept {
    return {text.data() + start[i], start[i + 1] - start[i]};
  }
  // `name"`: what a raw key in the input starts with when it is this field's name
  std::string_view name_and_quote(std::size_t i) const noexcept {
    return {text.data() + start[i] + 2, start[i + 1] - start[i] - 3};
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
    const std::size_t n = fields[i].name.size() + 1;  // name and closing quote
    for (std::size_t b = 0; b < n && b < kMaxKeyWordBytes; ++b) {
      const char c = b + 1 < n ? fields[i].name[b] : '"';
      keys.words[i].word[b / 8] |= std::uint64_t{static_cast<unsigned char>(c)} << (8 * (b % 8));
      keys.words[i].mask[b / 8] |= std::uint64_t{0xFF} << (8 * (b % 8));
    }
  }
  keys.start[N] = pos;
  return keys;
}

template <std::size_t N>
constexpr bool names_fit_key_words(const std::array<FieldInfo, N>& fields) {
  for (const FieldInfo& f : fields) {
    if (f.name.size() + 1 > kMaxKeyWordBytes) return false;
  }
  return true;
}
static_assert(std::endian::native == std::endian::little, "KeyWords assume little-endian loads");
static_assert(names_fit_key_words(core::kLabFields) && names_fit_key_words(core::kWebFields) &&
              names_fit_key_words(core::kGeoDataFields) && names_fit_key_words(core::kTaxiFields));

static_assert(names_need_no_escaping(core::kLabFields));
static_assert(names_need_no_escaping(core::kWebFields));
static_assert(names_need_no_escaping(core::kGeoDataFields));
static_assert(names_need_no_escaping(core::kTaxiFields));

inline constexpr auto kLabKeys =
    make_key_prefixes<key_prefix_bytes(core::kLabFields)>(core::kLabFields);
inline constexpr auto kWebKeys =
    make_key_prefixes<key_prefix_bytes(core::kWebFields)>(core::kWebFields);
inline constexpr auto kGeoKeys =
    make_key_prefixes<key_prefix_bytes(core::kGeoDataFields)>(core::kGeoDataFields);
inline constexpr auto kTaxiKeys =
    make_key_prefixes<key_prefix_bytes(core::kTaxiFields)>(core::kTaxiFields);

using core::field_path;

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
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, quote)),
                     _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, del)));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i < n && !kNeedsWork[s[i]]) ++i;
  return i;
}

inline constexpr char kHex[] = "0123456789abcdef";

// The letter of the two-character escape of an ASCII byte (\" \\ \b \f \n \r \t), or 0 for the
// bytes written as \u00XX.
constexpr std::array<char, 128> make_short_escapes() {
  std::array<char, 128> t{};
  t['"'] = '"';
  t['\\'] = '\\';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  return t;
}
inline constexpr std::array<char, 128> kShortEscapes = make_short_escapes();

inline void append_u_escape(std::string& out, std::uint32_t unit) {
  char escape[6] = {'\\', 'u'};
  for (int k = 0; k < 4; ++k) escape[2 + k] = kHex[(unit >> (12 - 4 * k)) & 0xF];
  out.append(escape, 6);
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
      const char short_escape = kShortEscapes[c];
      if (short_escape != 0) {
        const char escape[2] = {'\\', short_escape};
        out.append(escape, 2);
      } else {
        append_u_escape(out, c);  // other controls and DEL
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

// Bounded pieces (keys, numbers, null) are put into a stack buffer and reach `out` in one
// append: many small appends cost a memmove call each.
class Chunk {
 public:
  static constexpr std::size_t kCapacity = 512;

  // For the short texts written here, two overlapping fixed-size copies beat a memcpy call.
  void put(std::string_view text) noexcept {
    const char* src = text.data();
    const std::size_t n = text.size();
    if (n >= 16 && n <= 32) {
      std::memcpy(p_, src, 16);
      std::memcpy(p_ + n - 16, src + n - 16, 16);
    } else if (n >= 8 && n < 16) {
      std::memcpy(p_, src, 8);
      std::memcpy(p_ + n - 8, src + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(p_, src, 4);
      std::memcpy(p_ + n - 4, src + n - 4, 4);
    } else {
      std::memcpy(p_, src, n);
    }
    p_ += n;
  }
  void put(char c) noexcept { *p_++ = c; }
  template <typename Int>
  void put_int(Int value) noexcept {
    p_ = std::to_chars(p_, p_ + 24, value).ptr;
  }
  void put_double(double value) noexcept;
  void flush_to(std::string& out) {
    out.append(buf_, static_cast<std::size_t>(p_ - buf_));
    p_ = buf_;
  }

 private:
  char buf_[kCapacity];
  char* p_ = buf_;
};

// Writes a finite double the way nlohmann's dump() writes one (its detail::to_chars), which
// is also Python's repr() except in one decade (below):
//   * the digits are the shortest that read back to the same double (std::to_chars; nlohmann
//     uses Grisu2, which gives the same digits except in rare cases, see json_nlohmann.cc);
//   * with the decimal point at position n of the k digits (value = 0.d1d2...dk * 10^n):
//       -4 < n <= 0     "0.000ddd"
//       0 < n < k, n <= 15  "ddd.ddd"
//       k <= n <= 15    "ddd000.0"       (integral values keep a ".0": 18.0 stays 18.0)
//       otherwise       "d.ddde+XX"      (exponent with a sign and at least two digits)
//     Python switches to the exponent form only at n > 16, so 1e15 <= |v| < 1e16 is
//     "1e+15" here and in nlohmann but "1000000000000000.0" in Python; both read back the same.
//   * zero is "0.0" or "-0.0".
// At most 24 characters ("-2.2250738585072014e-308").
void Chunk::put_double(double value) noexcept {
  if (value == 0) {
    put(std::signbit(value) ? std::string_view("-0.0") : std::string_view("0.0"));
    return;
  }
  // Fast path for the common case of fares, distances and tips: a value that is exactly the
  // double nearest to some cents/100. Below 1e13 doubles are closer together than 0.005, so no
  // other decimal with at most two places maps to the same double, and "units.cc" with trailing
  // zeros dropped (keeping one, as "18.0") is the shortest text that reads back to it: what
  // std::to_chars would find, without its cost.
  if (std::fabs(value) < 1e13) {
    const double scaled = value * 100;
    const auto cents = static_cast<std::int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    if (static_cast<double>(cents) / 100 == value) {
      const std::uint64_t magnitude =
          cents < 0 ? static_cast<std::uint64_t>(-cents) : static_cast<std::uint64_t>(cents);
      if (cents < 0) *p_++ = '-';
      p_ = std::to_chars(p_, p_ + 24, magnitude / 100).ptr;
      const auto fraction = static_cast<unsigned>(magnitude % 100);
      *p_++ = '.';
      *p_++ = static_cast<char>('0' + fraction / 10);
      if (fraction % 10 != 0) *p_++ = static_cast<char>('0' + fraction % 10);
      return;
    }
  }
  // Scientific form gives the shortest round-trip digits and the exponent directly:
  // "-d.ddde+XX" or "de-XXX".
  char sci[32];
  const char* const end =
      std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific).ptr;
  const char* p = sci;
  const bool negative = *p == '-';
  if (negative) ++p;
  char digits[24];
  int k = 0;
  for (; p < end && *p != 'e'; ++p) {
    if (*p != '.') digits[k++] = *p;
  }
  // p is at 'e'; the exponent is "+XX", "-XX" or "+XXX".
  int exponent = 0;
  for (const char* q = p + 2; q < end; ++q) exponent = exponent * 10 + (*q - '0');
  if (p[1] == '-') exponent = -exponent;
  const int n = exponent + 1;  // position of the decimal point relative to the digits
  constexpr int kMinExp = -4;  // nlohmann's (and Python's) lower bound for fixed notation
  constexpr int kMaxExp = std::numeric_limits<double>::digits10;  // 15: nlohmann's upper bound

  if (kMinExp < n && n <= kMaxExp && negative) *p_++ = '-';
  if (k <= n && n <= kMaxExp) {
    std::memcpy(p_, digits, static_cast<std::size_t>(k));
    p_ += k;
    for (int z = k; z < n; ++z) *p_++ = '0';
    *p_++ = '.';
    *p_++ = '0';
  } else if (0 < n && n <= kMaxExp) {
    std::memcpy(p_, digits, static_cast<std::size_t>(n));
    p_ += n;
    *p_++ = '.';
    std::memcpy(p_, digits + n, static_cast<std::size_t>(k - n));
    p_ += k - n;
  } else if (kMinExp < n && n <= 0) {
    *p_++ = '0';
    *p_++ = '.';
    for (int z = 0; z < -n; ++z) *p_++ = '0';
    std::memcpy(p_, digits, static_cast<std::size_t>(k));
    p_ += k;
  } else {
    // to_chars' scientific form is already nlohmann's: "-d.ddde+XX", exponent of 2+ digits.
    put(std::string_view(sci, static_cast<std::size_t>(end - sci)));
  }
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
  Chunk chunk;
  chunk.put(kLabKeys[lab::kTestData]);
  chunk.put_int(e.test_data);
  chunk.put(kLabKeys[lab::kEventTimestamp]);
  chunk.put_int(e.event_timestamp);
  chunk.put('}');
  chunk.flush_to(out);
  return {};
}

Status encode_web(const WebEvent& e, std::string& out) {
  constexpr EventType kType = EventType::kWeb;
  const auto& f = core::kWebFields;
  const auto& g = core::kGeoDataFields;
  if (!core::is_formattable(e.event_time)) {
    return not_formattable(kType, f[web::kEventTime], e.event_time);
  }
  out.reserve(e.url.size() + e.referrer.size() + e.user_agent.size() + e.host.size() + e.ip.size() +
              e.geodata.country.size() + e.geodata.state.size() + e.geodata.city.size() + 192);
  Status status;
  if (!write_string_field(out, kWebKeys, web::kUrl, e.url, kType, f[web::kUrl], status) ||
      !write_string_field(out, kWebKeys, web::kReferrer, e.referrer, kType, f[web::kReferrer],
                          status) ||
      !write_string_field(out, kWebKeys, web::kUserAgent, e.user_agent, kType, f[web::kUserAgent],
                          status) ||
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
  if (!std::isfinite(e.trip_distance))
    return not_finite(kType, f[taxi::kDistance], e.trip_distance);
  if (!std::isfinite(e.tip_amount)) return not_finite(kType, f[taxi::kTip], e.tip_amount);
  // Keys and names, 2 x 24-character numbers and 3 x 11-character integers: well under 512.
  static_assert(key_prefix_bytes(core::kTaxiFields) + 2 * 24 + 3 * 11 + 16 < Chunk::kCapacity);
  Chunk chunk;
  chunk.put(kTaxiKeys[taxi::kPickup]);
  chunk.put('"');
  chunk.flush_to(out);
  core::append_datetime(out, e.lpep_pickup_datetime);
  chunk.put('"');
  chunk.put(kTaxiKeys[taxi::kDropoff]);
  chunk.put('"');
  chunk.flush_to(out);
  core::append_datetime(out, e.lpep_dropoff_datetime);
  chunk.put('"');
  chunk.put(kTaxiKeys[taxi::kPu]);
  chunk.put_int(e.pu_location_id);
  chunk.put(kTaxiKeys[taxi::kDo]);
  chunk.put_int(e.do_location_id);
  chunk.put(kTaxiKeys[taxi::kPassengers]);
  if (e.passenger_count) {
    chunk.put_int(*e.passenger_count);
  } else {
    chunk.put("null");
  }
  chunk.put(kTaxiKeys[taxi::kDistance]);
  chunk.put_double(e.trip_distance);
  chunk.put(kTaxiKeys[taxi::kTip]);
  chunk.put_double(e.tip_amount);
  chunk.put('}');
  chunk.flush_to(out);
  return {};
}

// ---- reader ----------------------------------------------------------------------------------
// The readers return bool and set `status` only on failure, so the success path builds no
// Status (and no std::string) per field.

bool fail(Status& status, Status error) {
  status = std::move(error);
  return false;
}

Status bad_field(EventType type, const FieldInfo& field, std::string_view problem,
                 const FieldInfo* parent = nullptr) {
  std::string message = field_path(type, field, parent);
  message += ' ';
  message += problem;
  return core::malformed(std::move(message));
}

Status duplicate_key(std::string_view key) {
  return core::malformed("key " + core::quoted(std::string(key)) + " appears twice in one object");
}

Status bad_json(simdjson::error_code error) {
  return core::malformed(std::string("not a valid JSON object: ") + simdjson::error_message(error));
}

// Whether the raw key at `raw` (just after its opening quote, inside the padded input) is the
// field described by `k`. Reads 24 bytes from `raw`: within the input and its
// SIMDJSON_PADDING, since `raw` lies inside the input.
inline bool key_equals(const char* raw, const KeyWords& k) noexcept {
  std::uint64_t a, b, c;
  std::memcpy(&a, raw, 8);
  std::memcpy(&b, raw + 8, 8);
  std::memcpy(&c, raw + 16, 8);
  return (((a ^ k.word[0]) & k.mask[0]) | ((b ^ k.word[1]) & k.mask[1]) |
          ((c ^ k.word[2]) & k.mask[2])) == 0;
}

// The field index of the key of `field`, or -1 when the key is unknown. Keys are compared raw
// (no copy; the field names contain nothing to escape), the expected next field first, and
// unescaped only when that fails (an escaped or unknown key).
template <typename Keys>
int match_key(od::field& field, const Keys& keys, std::size_t expected,
              simdjson::error_code& error) {
  constexpr std::size_t kCount = Keys::size();
  const char* raw = field.key().raw();
  if (expected < kCount && key_equals(raw, keys.words[expected])) {
    return static_cast<int>(expected);
  }
  for (std::size_t i = 0; i < kCount; ++i) {
    if (i != expected && key_equals(raw, keys.words[i])) return static_cast<int>(i);
  }
  std::string_view key;
  error = field.unescaped_key().get(key);
  if (error) return -1;
  for (std::size_t i = 0; i < kCount; ++i) {
    const std::string_view want = keys.name_and_quote(i);
    if (key == want.substr(0, want.size() - 1)) return static_cast<int>(i);
  }
  return -1;
}

inline std::uint64_t load_word(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

template <typename Int>
bool read_int_general(od::value& value, EventType type, const FieldInfo& field, Int& out,
                      Status& status);

// An integer that fits in Int.
template <typename Int>
bool read_int(od::value& value, EventType type, const FieldInfo& field, Int& out, Status& status) {
  static_assert(sizeof(Int) >= 4);
  // Fast path: a token of 1 to 18 digits without a leading zero that fits Int, parsed here and
  // left unconsumed for the object's iteration to step over, as it steps over unknown keys.
  // Anything else (signs, whitespace, exponents, long numbers, out of range) goes through
  // simdjson, which also words the errors.
  const std::string_view token = value.raw_json_token();
  if (token.size() - 1 < 18 && (token[0] != '0' || token.size() == 1)) {
    std::uint64_t n = 0;
    bool digits = true;
    for (char c : token) {
      const unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
      digits &= d <= 9;
      n = n * 10 + d;
    }
    if (digits && n <= static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) {
      out = static_cast<Int>(n);
      return true;
    }
  }
  return read_int_general(value, type, field, out, status);
}

// Everything but the fast path, out of line so that the fast path stays small.
template <typename Int>
[[gnu::noinline]] bool read_int_general(od::value& value, EventType type, const FieldInfo& field,
                                        Int& out, Status& status) {
  if (*value.raw_json_token().data() == '"') {
    // An integer written as a string: read as Flink's Long.parseLong / Integer.parseInt of the
    // trimmed text (json_integers.h).
    std::string_view text;
    if (value.get_string().get(text)) {
      return fail(status, bad_field(type, field, "is not a valid string"));
    }
    const internal::IntegerText result = internal::parse_integer_text(text, out);
    if (result == internal::IntegerText::kOk) return true;
    return fail(status, bad_field(type, field, internal::integer_text_problem<Int>(text, result)));
  }
  std::int64_t v = 0;
  const simdjson::error_code error = value.get_int64().get(v);
  if (error) {
    // A number with a fraction or an exponent: truncated as Flink's JSON format does
    // (json_integers.h). A failed get_int64 leaves the value unconsumed.
    double d = 0;
    if (error != simdjson::NUMBER_OUT_OF_RANGE && !value.get_double().get(d)) {
      if (internal::truncate_to_integer(d, out)) return true;
      return fail(status, bad_field(type, field, "is out of range"));
    }
    return fail(status, bad_field(type, field,
                                  error == simdjson::NUMBER_OUT_OF_RANGE ? "is out of range"
                                                                         : "is not an integer"));
  }
  if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max()) {
    return fail(status, bad_field(type, field, std::to_string(v) + " is out of int32 range"));
  }
  out = static_cast<Int>(v);
  return true;
}

bool read_double_general(od::value& value, EventType type, const FieldInfo& field, double& out,
                         Status& status);

bool read_double(od::value& value, EventType type, const FieldInfo& field, double& out,
                 Status& status) {
  // simdjson's own parser: an exact fast path for plain decimals here measured no faster.
  if (value.get_double().get(out)) return read_double_general(value, type, field, out, status);
  return true;
}

// Anything that is not a JSON number, out of line so that the number path stays small. A failed
// get_double leaves the value unconsumed.
[[gnu::noinline]] bool read_double_general(od::value& value, EventType type, const FieldInfo& field,
                                           double& out, Status& status) {
  if (*value.raw_json_token().data() == '"') {
    // A double written as a string: read as Flink's Double.parseDouble of the trimmed text,
    // finite values only (json_doubles.h).
    std::string_view text;
    if (value.get_string().get(text)) {
      return fail(status, bad_field(type, field, "is not a valid string"));
    }
    const internal::DoubleText result = internal::parse_double_text(text, out);
    if (result == internal::DoubleText::kOk) return true;
    return fail(status, bad_field(type, field, internal::double_text_problem(text, result)));
  }
  return fail(status, bad_field(type, field, "is not a number"));
}

// Offset from `s` of the first byte that is a quote, a backslash or below 0x20. Such a byte
// must exist within the padded input (every string in it was found closed by stage 1), and
// whole 16-byte blocks are read: `s` lies inside the input, so they stay within its
// SIMDJSON_PADDING.
inline std::size_t find_string_stop(const char* s) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i max_control = _mm_set1_epi8(0x1F);
  for (std::size_t i = 0;; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v));  // unsigned v <= 0x1F
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#else
  std::size_t i = 0;
  while (s[i] != '"' && s[i] != '\\' && static_cast<unsigned char>(s[i]) >= 0x20) ++i;
  return i;
#endif
}

// A string, as a view into the padded input when it holds nothing to unescape, else into the
// parser's buffer (either is valid until the parser's next document). `plain` says the whole
// input holds no backslash and no byte below 0x20 (ParseScratch::load finds out while copying).
bool read_text(od::value& value, EventType type, const FieldInfo& field, std::string_view& out,
               Status& status, bool plain, const FieldInfo* parent = nullptr) {
  // Fast paths: a string without escapes (or control bytes, which get_string judges) is its raw
  // bytes, already checked to be UTF-8 by stage 1; skip it without unescaping a copy.
  if (plain) {
    // No escapes anywhere: the token (from the opening quote to the next structural character)
    // is the string and, when the input has spaces between tokens, those spaces; anything else
    // after the closing quote would have been a structural character of its own. So in compact
    // input the token ends with the closing quote, and the string is known without a scan.
    const std::string_view token = value.raw_json_token();
    od::raw_json_string skipped;
    if (token.size() >= 2 && token.front() == '"' && token.back() == '"' &&
        !value.get_raw_json_string().get(skipped)) [[likely]] {
      out = token.substr(1, token.size() - 2);
      return true;
    }
  }
  const char* raw = value.raw_json_token().data();
  if (*raw == '"') {
    const std::size_t stop = find_string_stop(raw + 1);
    od::raw_json_string skipped;
    if (raw[1 + stop] == '"' && !value.get_raw_json_string().get(skipped)) [[likely]] {
      out = std::string_view(raw + 1, stop);
      return true;
    }
  }
  if (value.get_string().get(out)) {
    return fail(status, bad_field(type, field, "is not a valid string", parent));
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date in years 0000..9999 (H. Hinnant's
// days_from_civil, shifted by one 400-year era so that all arithmetic is unsigned and every
// division is by a constant).
constexpr std::int64_t days_from_civil(unsigned y, unsigned m, unsigned d) noexcept {
  constexpr unsigned kEraDays = 146097;
  y = y + 400 - (m <= 2 ? 1u : 0u);
  const unsigned era = y / 400;
  const unsigned yoe = y - era * 400;
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * kEraDays + doe - 719468 - kEraDays;
}
static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(days_from_civil(0, 1, 1) == -719528);
static_assert(days_from_civil(9999, 12, 31) == 2932896);

// An 8-byte pattern for parsing fixed-layout text a word at a time: 'd' marks a digit, any
// other character must appear as it is.
struct WordPattern {
  std::uint64_t digit_mask = 0;    // 0xFF on digit bytes
  std::uint64_t literal_mask = 0;  // 0xFF on literal bytes
  std::uint64_t literal = 0;       // the literal bytes
};

constexpr WordPattern word_pattern(std::string_view pattern) {
  WordPattern p;
  for (std::size_t i = 0; i < 8; ++i) {
    const std::uint64_t byte = std::uint64_t{0xFF} << (8 * i);
    if (pattern[i] == 'd') {
      p.digit_mask |= byte;
    } else {
      p.literal_mask |= byte;
      p.literal |= std::uint64_t{static_cast<unsigned char>(pattern[i])} << (8 * i);
    }
  }
  return p;
}

// Whether `w` matches `pattern`; `digits` gets the digit values (other bytes 0).
inline bool match_word(std::uint64_t w, const WordPattern& pattern,
                       std::uint64_t& digits) noexcept {
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  const std::uint64_t d = w & pattern.digit_mask;
  const std::uint64_t zeros = 0x3030303030303030ULL & pattern.digit_mask;
  // A digit byte is 0x30..0x39: its high nibble is 3, and stays 3 after adding 6.
  const bool ok = ((w & pattern.literal_mask) == pattern.literal) & ((d & kHigh) == zeros) &
                  (((d + (0x0606060606060606ULL & pattern.digit_mask)) & kHigh) == zeros);
  digits = d - zeros;
  return ok;
}

// Byte i of the result is 10 * digit[i] + digit[i + 1]: two-digit numbers at every offset.
inline std::uint64_t digit_pairs(std::uint64_t digits) noexcept {
  return digits * 10 + (digits >> 8);
}
inline unsigned byte_at(std::uint64_t w, int i) noexcept {
  return static_cast<unsigned>((w >> (8 * i)) & 0xFF);
}

// The days since 1970-01-01 of the last date parsed on this thread, keyed by its text
// ("YYYY-MM-DD" as loaded: the first word and the two day bytes). Consecutive records of a
// stream mostly share their date (a taxi trip's pickup and dropoff nearly always do), so the
// date's checks and calendar arithmetic run once per day of data rather than once per field.
// Starts as a true entry (1970-01-01 is day 0) so that every hit is a validated date; constant-
// initialized, so the thread_local costs no guard.
constexpr std::uint64_t little_endian_word(std::string_view text) noexcept {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    w |= std::uint64_t{static_cast<unsigned char>(text[i])} << (8 * i);
  }
  return w;
}
struct DateMemo {
  std::uint64_t date_word = little_endian_word("1970-01-");
  std::uint16_t day_bytes = static_cast<std::uint16_t>(little_endian_word("01"));
  std::int64_t days = 0;
};
static_assert(days_from_civil(1970, 1, 1) == 0);
constinit thread_local DateMemo date_memo;

// The days since 1970-01-01 of the date in p[0..10) ("YYYY-MM-DD"), or false when it is not a
// valid date of years 0000..9999.
[[gnu::always_inline]] inline bool parse_canonical_date(const char* p,
                                                        std::int64_t& days) noexcept {
  static constexpr WordPattern kDate = word_pattern("dddd-dd-");
  const std::uint64_t word = load_word(p);
  std::uint16_t day_text;
  std::memcpy(&day_text, p + 8, 2);
  DateMemo& memo = date_memo;
  if (word == memo.date_word && day_text == memo.day_bytes) [[likely]] {
    days = memo.days;
    return true;
  }
  std::uint64_t date;
  const unsigned d0 = static_cast<unsigned>(day_text & 0xFF) - '0';
  const unsigned d1 = static_cast<unsigned>(day_text >> 8) - '0';
  if (!match_word(word, kDate, date) || d0 > 9 || d1 > 9) return false;
  const std::uint64_t date_pairs = digit_pairs(date);
  const unsigned year = byte_at(date_pairs, 0) * 100 + byte_at(date_pairs, 2);
  const unsigned month = byte_at(date_pairs, 5);
  const unsigned day = d0 * 10 + d1;
  static constexpr unsigned char kDaysInMonth[13] = {0,  31, 29, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  if (month - 1 > 11 || day - 1 >= kDaysInMonth[month]) return false;
  if (month == 2 && day == 29 && !((year & 3) == 0 && (year % 100 != 0 || year % 400 == 0))) {
    return false;
  }
  days = days_from_civil(year, month, day);
  memo = {word, day_text, days};
  return true;
}

// The exact text the writer produces, of Length characters: "2026-11-23T10:15:30.123Z" (24,
// ISO-8601), "2019-10-01 00:26:02" (19) or "2019-10-01 00:26:02.500" (23), parsed a word at a
// time without allocating. Anything else, including dates the fast path does not bother to
// judge, returns false and goes to core's full parsers, so the set of accepted strings is
// exactly core's.
template <std::size_t Length>
[[gnu::always_inline]] inline bool parse_canonical(const char* p, std::int64_t& millis) noexcept {
  static_assert(Length == 24 || Length == 19 || Length == 23);
  static constexpr WordPattern kIsoTime = word_pattern("Tdd:dd:d");        // bytes 10..18
  static constexpr WordPattern kIsoEnd = word_pattern(":dd.dddZ");         // bytes 16..24
  static constexpr WordPattern kDateTimeTime = word_pattern(" dd:dd:d");   // bytes 10..18
  static constexpr WordPattern kDateTimeEnd = word_pattern("dd:dd:dd");    // bytes 11..19
  static constexpr WordPattern kDateTimeMsEnd = word_pattern("d:dd.ddd");  // bytes 15..23
  std::uint64_t time, end;
  unsigned second, ms;
  bool ok;
  if constexpr (Length == 24) {
    const bool time_ok = match_word(load_word(p + 10), kIsoTime, time);
    ok = time_ok & match_word(load_word(p + 16), kIsoEnd, end);  // no branch between the two
    const std::uint64_t pairs = digit_pairs(end);
    second = byte_at(pairs, 1);
    ms = byte_at(pairs, 4) * 10 + byte_at(end, 6);
  } else if constexpr (Length == 19) {
    const bool time_ok = match_word(load_word(p + 10), kDateTimeTime, time);
    ok = time_ok & match_word(load_word(p + 11), kDateTimeEnd, end);
    second = byte_at(digit_pairs(end), 6);
    ms = 0;
  } else {
    const bool time_ok = match_word(load_word(p + 10), kDateTimeTime, time);
    ok = time_ok & match_word(load_word(p + 15), kDateTimeMsEnd, end);
    const std::uint64_t pairs = digit_pairs(end);
    second = byte_at(pairs, 2);
    ms = byte_at(pairs, 5) * 10 + byte_at(end, 7);
  }
  const std::uint64_t time_pairs = digit_pairs(time);
  const unsigned hour = byte_at(time_pairs, 1);
  const unsigned minute = byte_at(time_pairs, 4);
  std::int64_t days;
  if (!ok || hour > 23 || minute > 59 || second > 59 || !parse_canonical_date(p, days))
      [[unlikely]] {
    return false;
  }
  millis = ((days * 24 + hour) * 60 + minute) * 60000 + second * 1000 + ms;
  return true;
}

bool parse_canonical_time(std::string_view s, core::JsonTime kind, std::int64_t& millis) noexcept {
  if (kind == core::JsonTime::kIso8601)
    return s.size() == 24 && parse_canonical<24>(s.data(), millis);
  if (s.size() == 19) return parse_canonical<19>(s.data(), millis);
  if (s.size() == 23) return parse_canonical<23>(s.data(), millis);
  return false;
}

// A time field: the writer's form (a string, or an integer for epoch-millisecond fields), or
// integer epoch milliseconds for string-form fields too (other producers write those). An
// epoch-millisecond field is a BIGINT in Flink's DDL, so it also reads an integer written as a
// string ("1732345678901"); a string in a string-form field is always a time text.
bool read_time_general(od::value& value, EventType type, const FieldInfo& field, std::int64_t& out,
                       Status& status);

bool read_time(od::value& value, EventType type, const FieldInfo& field, std::int64_t& out,
               Status& status) {
  if (field.json_time != core::JsonTime::kEpochMillis) {
    // The writer's own form in compact JSON, parsed straight from the input: the token runs
    // from the opening quote to the next structural character, so it is the quoted string
    // exactly (no whitespace after it) and its length tells the form. If the text between the
    // quotes parses as a canonical time, every byte of it is a digit or a separator: nothing to
    // unescape. Anything else takes the general path below.
    const std::string_view token = value.raw_json_token();
    const char* raw = token.data();
    bool parsed = false;
    if (token.size() >= 21 && raw[0] == '"' && token.back() == '"') {
      if (field.json_time == core::JsonTime::kIso8601) {
        parsed = token.size() == 26 && parse_canonical<24>(raw + 1, out);
      } else if (token.size() == 21) {
        parsed = parse_canonical<19>(raw + 1, out);
      } else {
        parsed = token.size() == 25 && parse_canonical<23>(raw + 1, out);
      }
    }
    od::raw_json_string skipped;
    if (parsed && !value.get_raw_json_string().get(skipped)) [[likely]] {
      return true;
    }
  }
  return read_time_general(value, type, field, out, status);
}

// Everything but the fast path, out of line so that the fast path stays small.
[[gnu::noinline]] bool read_time_general(od::value& value, EventType type, const FieldInfo& field,
                                         std::int64_t& out, Status& status) {
  const bool text_form = field.json_time != core::JsonTime::kEpochMillis;
  std::string_view text;
  if (!text_form || value.get_string().get(text)) {
    od::json_type kind;
    if (value.type().get(kind)) return fail(status, bad_field(type, field, "is not valid JSON"));
    // Epoch-millisecond fields (BIGINT in Flink) also take an integer written as a string.
    if (kind == od::json_type::number || (!text_form && kind == od::json_type::string)) {
      return read_int(value, type, field, out, status);
    }
    return fail(status, bad_field(type, field,
                                  !text_form ? "is not an integer (epoch milliseconds)"
                                  : kind == od::json_type::string
                                      ? "is not a valid string"
                                      : "is neither a time string nor integer epoch milliseconds"));
  }
  if (parse_canonical_time(text, field.json_time, out)) return true;
  core::Result<std::int64_t> parsed = field.json_time == core::JsonTime::kIso8601
                                          ? core::parse_iso8601(text)
                                          : core::parse_datetime(text);
  if (!parsed.ok()) {
    return fail(status,
                bad_field(type, field, "is not a valid time: " + parsed.status().message()));
  }
  out = *parsed;
  return true;
}

// Iterates the fields of `object` once, calling `on_field(index, value)` (which returns false
// after setting `status`) for each known key; unknown keys are skipped. Requires every
// non-nullable field.
template <std::size_t N, typename Keys, typename OnField>
bool for_each_field(od::object& object, const std::array<FieldInfo, N>& fields, const Keys& keys,
                    EventType type, const FieldInfo* parent, Status& status, OnField&& on_field) {
  static_assert(Keys::size() == N);
  static_assert(N <= 32);
  std::uint32_t seen = 0;
  std::size_t expected = 0;
  for (auto field_result : object) {
    simdjson::error_code error = field_result.error();
    if (error) return fail(status, bad_json(error));
    // Used in place: copying the field out costs a store-forwarding stall per key.
    od::field& field = field_result.value_unsafe();
    const int index = match_key(field, keys, expected, error);
    if (error) return fail(status, bad_json(error));
    if (index < 0) continue;  // an unknown key: the iteration skips its value
    const auto i = static_cast<std::size_t>(index);
    // A key given twice is refused (as json-nlohmann refuses it): which of the two values
    // counts is not defined by JSON, and a reader must not pick one silently.
    if ((seen >> i) & 1u) [[unlikely]] {
      return fail(status, duplicate_key(fields[i].name));
    }
    seen |= 1u << i;
    expected = i + 1;
    if (!on_field(i, field.value())) return false;
  }
  constexpr std::uint32_t kAll = N == 32 ? ~0u : (1u << N) - 1;
  if (seen != kAll) {
    for (std::size_t i = 0; i < N; ++i) {
      if ((seen & (1u << i)) == 0 && !fields[i].nullable) {
        return fail(status, bad_field(type, fields[i], "is missing", parent));
      }
    }
  }
  return true;
}

bool read_lab(od::object& object, core::Event& event, Status& status) {
  constexpr EventType kType = EventType::kLab;
  const auto& f = core::kLabFields;
  LabEvent e;
  const bool ok =
      for_each_field(object, f, kLabKeys, kType, nullptr, status, [&](std::size_t i, od::value& v) {
        return i == lab::kTestData ? read_int(v, kType, f[i], e.test_data, status)
                                   : read_time(v, kType, f[i], e.event_timestamp, status);
      });
  if (ok) event.emplace<LabEvent>(e);
  return ok;
}

// Geodata strings are collected as views and copied into the event once its object is read.
bool read_geodata(od::value& value, std::string_view (&texts)[3], Status& status, bool plain) {
  constexpr EventType kType = EventType::kWeb;
  const FieldInfo* parent = &core::kWebFields[web::kGeodata];
  const auto& f = core::kGeoDataFields;
  od::object object;
  if (value.get_object().get(object)) {
    return fail(status, bad_field(kType, *parent, "is not a JSON object"));
  }
  return for_each_field(object, f, kGeoKeys, kType, parent, status,
                        [&](std::size_t i, od::value& v) {
                          return read_text(v, kType, f[i], texts[i], status, plain, parent);
                        });
}

bool read_web(od::object& object, core::Event& event, Status& status, bool plain) {
  constexpr EventType kType = EventType::kWeb;
  const auto& f = core::kWebFields;
  // Filled in place, each string assigned once from its view. An event that already holds a
  // WebEvent (decode_into with the caller's event) keeps its strings' capacity: no allocation
  // per record once they are long enough. Every field is required, so a successful read leaves
  // nothing of the previous event behind; on failure the event's content is unspecified.
  WebEvent* held = std::get_if<WebEvent>(&event);
  WebEvent& e = held != nullptr ? *held : event.emplace<WebEvent>();
  std::string* const strings[5] = {&e.url, &e.referrer, &e.user_agent, &e.host, &e.ip};
  static_assert(web::kUrl == 0 && web::kReferrer == 1 && web::kUserAgent == 2 && web::kHost == 3 &&
                web::kIp == 4);
  std::string_view geo_texts[3];
  const bool ok =
      for_each_field(object, f, kWebKeys, kType, nullptr, status, [&](std::size_t i, od::value& v) {
        switch (i) {
          case web::kGeodata:
            return read_geodata(v, geo_texts, status, plain);
          case web::kEventTime:
            return read_time(v, kType, f[i], e.event_time, status);
          default: {
            std::string_view text;
            if (!read_text(v, kType, f[i], text, status, plain)) return false;
            strings[i]->assign(text);
            return true;
          }
        }
      });
  if (!ok) return false;
  e.geodata.country.assign(geo_texts[geo::kCountry]);
  e.geodata.state.assign(geo_texts[geo::kState]);
  e.geodata.city.assign(geo_texts[geo::kCity]);
  return true;
}

bool read_taxi(od::object& object, core::Event& event, Status& status) {
  constexpr EventType kType = EventType::kTaxi;
  const auto& f = core::kTaxiFields;
  // Filled in place: a local copied in at the end would be reloaded with wide loads right after
  // its narrow stores (a store-forwarding stall). On failure the caller discards the event.
  TaxiTrip& e = event.emplace<TaxiTrip>();
  return for_each_field(
      object, f, kTaxiKeys, kType, nullptr, status, [&](std::size_t i, od::value& v) {
        switch (i) {
          case taxi::kPickup:
            return read_time(v, kType, f[i], e.lpep_pickup_datetime, status);
          case taxi::kDropoff:
            return read_time(v, kType, f[i], e.lpep_dropoff_datetime, status);
          case taxi::kPu:
            return read_int(v, kType, f[i], e.pu_location_id, status);
          case taxi::kDo:
            return read_int(v, kType, f[i], e.do_location_id, status);
          case taxi::kPassengers: {
            bool is_null = false;
            // Only a token starting with 'n' can be null: skip the check for numbers.
            if (*v.raw_json_token().data() == 'n' && v.is_null().get(is_null)) {
              return fail(status, bad_field(kType, f[i], "is not valid JSON"));
            }
            if (is_null) {
              e.passenger_count.reset();
              return true;
            }
            std::int32_t count = 0;
            if (!read_int(v, kType, f[i], count, status)) return false;
            e.passenger_count = count;
            return true;
          }
          case taxi::kDistance:
            return read_double(v, kType, f[i], e.trip_distance, status);
          default:
            return read_double(v, kType, f[i], e.tip_amount, status);
        }
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
  bool plain = false;        // the loaded input holds no backslash and no byte below 0x20

  // Copies `bytes` into the padded buffer; with `check_plain`, also sets `plain` (only web
  // events have strings worth it).
  const char* load(std::string_view bytes, bool check_plain) {
    if (!buffer || bytes.size() > capacity) {  // the first call may be for an empty input
      const std::size_t grown = std::max(bytes.size(), std::max<std::size_t>(capacity * 2, 1024));
      buffer = std::make_unique_for_overwrite<char[]>(grown + simdjson::SIMDJSON_PADDING);
      capacity = grown;
    }
    if (check_plain) {
      plain = copy_and_check_plain(buffer.get(), bytes.data(), bytes.size());
    } else {
      plain = false;
      if (!bytes.empty()) std::memcpy(buffer.get(), bytes.data(), bytes.size());
    }
    std::memset(buffer.get() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
    return buffer.get();
  }

  // Copies n bytes and says whether none is a backslash or below 0x20, in one pass: the copy is
  // needed anyway, and one check of the whole input spares a scan of every string in it (for
  // compact JSON: no whitespace, no escapes, as tidemark and most producers write it).
  static bool copy_and_check_plain(char* dst, const char* src, std::size_t n) noexcept {
#if defined(__SSE2__)
    if (n >= 16) {
      const __m128i backslash = _mm_set1_epi8('\\');
      const __m128i max_control = _mm_set1_epi8(0x1F);
      __m128i hits = _mm_setzero_si128();
      auto step = [&](std::size_t i) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), v);
        hits = _mm_or_si128(hits, _mm_or_si128(_mm_cmpeq_epi8(v, backslash),
                                               _mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v)));
      };
      std::size_t i = 0;
      for (; i + 16 <= n; i += 16) step(i);
      if (i < n) step(n - 16);  // the last 16 bytes, overlapping what is already done
      return _mm_movemask_epi8(hits) == 0;
    }
#endif
    bool ok = true;
    for (std::size_t i = 0; i < n; ++i) {
      dst[i] = src[i];
      ok &= src[i] != '\\' && static_cast<unsigned char>(src[i]) >= 0x20;
    }
    return ok;
  }
};

inline constexpr std::size_t kMaxReusedBytes = 1 << 20;

// One per thread, shared by decode() and decode_into().
ParseScratch& thread_scratch() {
  thread_local ParseScratch scratch;
  return scratch;
}

// Decodes into `event`, which the caller owns (inside the Result decode() returns, so the event
// is built in place rather than moved through temporaries; or the caller's reused event).
Status decode_document(ParseScratch& scratch, std::string_view bytes, EventType type,
                       core::Event& event) {
  const char* data = scratch.load(bytes, type == EventType::kWeb);
  od::document doc;
  simdjson::error_code error =
      scratch.parser.iterate(data, bytes.size(), bytes.size() + simdjson::SIMDJSON_PADDING)
          .get(doc);
  if (error) return bad_json(error);
  od::object object;
  error = doc.get_object().get(object);
  if (error == simdjson::INCORRECT_TYPE) return core::malformed("not a JSON object");
  if (error) return bad_json(error);

  Status status;
  bool ok = false;
  switch (type) {
    case EventType::kLab:
      ok = read_lab(object, event, status);
      break;
    case EventType::kWeb:
      ok = read_web(object, event, status, scratch.plain);
      break;
    case EventType::kTaxi:
      ok = read_taxi(object, event, status);
      break;
    default:
      return core::malformed("unknown event type");
  }
  if (!ok) return status;
  // The object has been read to its closing brace; anything but whitespace after it is an error.
  // (simdjson 3.0's document has no at_end(): current_location() is OUT_OF_BOUNDS there.)
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return core::malformed("trailing content after the JSON object");
  }
  return {};
}

core::Result<core::Event> decode_with(ParseScratch& scratch, std::string_view bytes,
                                      EventType type) {
  core::Result<core::Event> result{core::Event{}};
  Status status = decode_document(scratch, bytes, type, *result);
  if (!status.ok()) result = std::move(status);
  return result;  // one return of one variable: built in the caller's slot (NRVO)
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
      case 0:
        return encode_lab(*std::get_if<LabEvent>(&event), out);
      case 1:
        return encode_web(*std::get_if<WebEvent>(&event), out);
      case 2:
        return encode_taxi(*std::get_if<TaxiTrip>(&event), out);
    }
    return core::internal_error("json: event holds no value");
  }

  core::Result<core::Event> decode(std::string_view bytes, core::EventType type) const override {
    if (bytes.size() > kMaxReusedBytes) {
      auto scratch = std::make_unique<ParseScratch>();
      return decode_with(*scratch, bytes, type);
    }
    return decode_with(thread_scratch(), bytes, type);
  }

  core::Status decode_into(std::string_view bytes, core::EventType type,
                           core::Event& event) const override {
    if (bytes.size() > kMaxReusedBytes) {
      auto scratch = std::make_unique<ParseScratch>();
      return decode_document(*scratch, bytes, type, event);
    }
    return decode_document(thread_scratch(), bytes, type, event);
  }
};

}  // namespace

std::unique_ptr<Serializer> make_json_serializer() { return std::make_unique<JsonSerializer>(); }

}  // namespace tidemark::serializers
