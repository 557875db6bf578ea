#include "tidemark/core/time.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace tidemark::core {
namespace {

constexpr std::int64_t kMillisPerSecond = 1000;
constexpr std::int64_t kMillisPerMinute = 60 * kMillisPerSecond;
constexpr std::int64_t kMillisPerHour = 60 * kMillisPerMinute;
constexpr std::int64_t kMillisPerDay = 24 * kMillisPerHour;

// ---- civil calendar (proleptic Gregorian), after Howard Hinnant's public-domain algorithms ----
// http://howardhinnant.github.io/date_algorithms.html. Both are exact for every int64 day count
// that an int64 millisecond instant can produce, and handle years <= 0 via floor division by era.

constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

constexpr CivilDate civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                       // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;               // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                  // [1, 12]
  return {y + (m <= 2), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(0, 1, 1) * kMillisPerDay == kMinFormattableMillis);
static_assert((days_from_civil(9999, 12, 31) + 1) * kMillisPerDay - 1 == kMaxFormattableMillis);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);

constexpr bool is_leap_year(std::int64_t y) noexcept {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned char kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

// ---- formatting -------------------------------------------------------------------------------

struct Civil {
  CivilDate date;
  unsigned hour, minute, second, millis;
};

inline Civil split(std::int64_t millis) noexcept {
  std::int64_t days = millis / kMillisPerDay;
  std::int64_t rem = millis % kMillisPerDay;
  if (rem < 0) {  // floor, so instants before 1970 land on the right day
    rem += kMillisPerDay;
    --days;
  }
  const auto r = static_cast<unsigned>(rem);
  return {civil_from_days(days), r / 3600000, r / 60000 % 60, r / 1000 % 60, r % 1000};
}

inline char* put2(char* p, unsigned v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

inline char* put3(char* p, unsigned v) noexcept {
  p[0] = static_cast<char>('0' + v / 100);
  p[1] = static_cast<char>('0' + v / 10 % 10);
  p[2] = static_cast<char>('0' + v % 10);
  return p + 3;
}

// Writes "YYYY-MM-DD" + sep + "HH:MM:SS"; returns the end. The buffer must hold 19 chars plus
// room for an expanded year: outside 0000..9999 (a precondition violation) the year is written
// as ISO 8601's expanded form "+10000" / "-0001" rather than garbage.
char* put_civil(char* p, const Civil& c, char sep) noexcept {
  std::int64_t y = c.date.year;
  if (y >= 0 && y <= 9999) [[likely]] {
    const auto uy = static_cast<unsigned>(y);
    p = put2(p, uy / 100);
    p = put2(p, uy % 100);
  } else {
    *p++ = y < 0 ? '-' : '+';
    std::uint64_t mag = y < 0 ? 0 - static_cast<std::uint64_t>(y) : static_cast<std::uint64_t>(y);
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + mag % 10);
      mag /= 10;
    } while (mag != 0);
    while (n < 4) digits[n++] = '0';
    while (n > 0) *p++ = digits[--n];
  }
  *p++ = '-';
  p = put2(p, c.date.month);
  *p++ = '-';
  p = put2(p, c.date.day);
  *p++ = sep;
  p = put2(p, c.hour);
  *p++ = ':';
  p = put2(p, c.minute);
  *p++ = ':';
  p = put2(p, c.second);
  return p;
}

// 19 for "YYYY-MM-DD HH:MM:SS", ".mmm" and "Z", and an expanded year of up to 20 digits + sign.
constexpr std::size_t kFormatBufferSize = 48;

// ---- parsing ----------------------------------------------------------------------------------
// The internal parsers return an empty string on success or the reason for failure; the public
// functions wrap the reason with the quoted text and the expected form.

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string describe_char(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return "end of text";
  const char c = text[pos];
  if (c == ' ') return "a space";
  if (c >= 0x21 && c <= 0x7e) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

// Reads exactly `n` digits at `pos`.
bool read_digits(std::string_view t, std::size_t& pos, int n, unsigned& value) noexcept {
  if (pos + static_cast<std::size_t>(n) > t.size()) return false;
  unsigned v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = t[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  value = v;
  pos += n;
  return true;
}

std::string expected_digits(std::string_view t, std::size_t pos, int n, const char* what) {
  return "expected " + std::to_string(n) + "-digit " + what + " at position " +
         std::to_string(pos) + ", found " + describe_char(t, pos);
}

std::string expect_char(std::string_view t, std::size_t& pos, char c) {
  if (pos < t.size() && t[pos] == c) {
    ++pos;
    return {};
  }
  return std::string("expected '") + c + "' at position " + std::to_string(pos) + ", found " +
         describe_char(t, pos);
}

std::string two_digits(unsigned v) {
  char buf[2];
  put2(buf, v);
  return std::string(buf, 2);
}

// Parses "YYYY-MM-DD" <sep> "HH:MM:SS" ["." 1-9 digits] from `pos`, leaving `pos` after it.
// `iso` accepts 'T', 't' or ' ' as the separator; otherwise only ' '.
std::string parse_civil(std::string_view t, std::size_t& pos, bool iso, Civil& c) {
  unsigned year, month, day, hour, minute, second;
  std::string err;
  if (!read_digits(t, pos, 4, year)) return expected_digits(t, pos, 4, "year");
  if (!(err = expect_char(t, pos, '-')).empty()) return err;
  if (!read_digits(t, pos, 2, month)) return expected_digits(t, pos, 2, "month");
  if (!(err = expect_char(t, pos, '-')).empty()) return err;
  if (!read_digits(t, pos, 2, day)) return expected_digits(t, pos, 2, "day");
  if (pos < t.size() && (t[pos] == ' ' || (iso && (t[pos] == 'T' || t[pos] == 't')))) {
    ++pos;
  } else {
    return std::string(iso ? "expected 'T' or ' '" : "expected ' '") +
           " between date and time at position " + std::to_string(pos) + ", found " +
           describe_char(t, pos);
  }
  if (!read_digits(t, pos, 2, hour)) return expected_digits(t, pos, 2, "hour");
  if (!(err = expect_char(t, pos, ':')).empty()) return err;
  if (!read_digits(t, pos, 2, minute)) return expected_digits(t, pos, 2, "minute");
  if (!(err = expect_char(t, pos, ':')).empty()) return err;
  if (!read_digits(t, pos, 2, second)) return expected_digits(t, pos, 2, "second");

  unsigned millis = 0;
  if (pos < t.size() && t[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < t.size() && is_digit(t[pos])) {
      if (pos - start < 3) millis = millis * 10 + static_cast<unsigned>(t[pos] - '0');
      ++pos;
    }
    const std::size_t n = pos - start;
    if (n == 0 || n > 9) {
      return "expected 1 to 9 fraction digits after '.', found " + std::to_string(n);
    }
    for (std::size_t i = n; i < 3; ++i) millis *= 10;  // ".5" is 500 ms
  }

  if (month < 1 || month > 12) return "month " + two_digits(month) + " is not 01..12";
  if (day < 1 || day > days_in_month(year, month)) {
    return "day " + two_digits(day) + " does not exist in " + two_digits(year / 100) +
           two_digits(year % 100) + "-" + two_digits(month);
  }
  if (hour > 23) return "hour " + two_digits(hour) + " is not 00..23";
  if (minute > 59) return "minute " + two_digits(minute) + " is not 00..59";
  if (second > 59) return "second " + two_digits(second) + " is not 00..59";
  c = {{year, month, day}, hour, minute, second, millis};
  return {};
}

std::int64_t civil_to_millis(const Civil& c) noexcept {
  return days_from_civil(c.date.year, c.date.month, c.date.day) * kMillisPerDay +
         static_cast<std::int64_t>(c.hour) * kMillisPerHour +
         static_cast<std::int64_t>(c.minute) * kMillisPerMinute +
         static_cast<std::int64_t>(c.second) * kMillisPerSecond + c.millis;
}

constexpr const char kIsoExpected[] =
    "expected YYYY-MM-DDTHH:MM:SS[.fff] and Z or +hh:mm/-hh:mm, e.g. 2026-11-23T10:15:30.123Z";
constexpr const char kDateTimeExpected[] =
    "expected YYYY-MM-DD HH:MM:SS[.fff] (UTC), e.g. 2019-10-01 00:26:02";

Status iso_error(std::string_view text, const std::string& reason) {
  return invalid_argument("invalid ISO-8601 time " + quoted(text) + ": " + reason + " (" +
                          kIsoExpected + ")");
}

// Parses a non-negative "<digits><unit>..." duration; returns a reason on failure.
std::string parse_duration_impl(std::string_view t, std::int64_t& result) {
  if (t.empty()) return "empty duration";
  if (t == "0") {
    result = 0;
    return {};
  }
  if (t[0] == '+' || t[0] == '-') return "a duration has no sign";

  struct Unit {
    std::string_view name;
    std::int64_t millis;
  };
  // Largest first; each unit may appear once, in this order, so "1h30m" is the only spelling
  // of that duration besides "90m" and typos like "1m1m" or "30s1m" are caught.
  static constexpr Unit kUnits[] = {{"d", kMillisPerDay},
                                    {"h", kMillisPerHour},
                                    {"m", kMillisPerMinute},
                                    {"s", kMillisPerSecond},
                                    {"ms", 1}};
  constexpr int kNumUnits = 5;
  int next_unit = 0;  // index into kUnits of the smallest unit not yet passed
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < t.size()) {
    const std::size_t num_start = pos;
    std::int64_t value = 0;
    bool overflow = false;
    while (pos < t.size() && is_digit(t[pos])) {
      overflow |= __builtin_mul_overflow(value, 10, &value);
      overflow |= __builtin_add_overflow(value, t[pos] - '0', &value);
      ++pos;
    }
    if (pos == num_start) {
      return "expected a number at position " + std::to_string(pos) + ", found " +
             describe_char(t, pos);
    }
    if (pos < t.size() && (t[pos] == '.' || t[pos] == ',')) {
      return "fractions are not supported (write 1m30s, not 1.5m)";
    }
    const std::size_t unit_start = pos;
    while (pos < t.size() &&
           ((t[pos] >= 'a' && t[pos] <= 'z') || (t[pos] >= 'A' && t[pos] <= 'Z'))) {
      ++pos;
    }
    const std::string_view number = t.substr(num_start, unit_start - num_start);
    if (unit_start == pos) {
      if (pos == t.size()) {
        return "missing unit after " + std::string(number) + " (units: ms, s, m, h, d)";
      }
      return "expected a unit (ms, s, m, h, d) at position " + std::to_string(pos) + ", found " +
             describe_char(t, pos);
    }
    const std::string_view unit = t.substr(unit_start, pos - unit_start);
    int u = 0;
    while (u < kNumUnits && kUnits[u].name != unit) ++u;
    if (u == kNumUnits) {
      return "unknown unit '" + std::string(unit) + "' (units: ms, s, m, h, d)";
    }
    if (u < next_unit) {
      return "unit '" + std::string(unit) +
             "' is repeated or out of order (write units largest first, each once: 1d2h3m4s5ms)";
    }
    next_unit = u + 1;
    overflow |= __builtin_mul_overflow(value, kUnits[u].millis, &value);
    overflow |= __builtin_add_overflow(total, value, &total);
    if (overflow) return "too large for int64 milliseconds";
  }
  result = total;
  return {};
}

// Parses an optionally negative decimal integer; returns a reason on failure.
std::string parse_epoch_impl(std::string_view t, std::int64_t& result) {
  if (t.empty()) return "empty text";
  std::size_t pos = 0;
  const bool negative = t[0] == '-';
  if (negative) ++pos;
  if (pos == t.size()) return "expected digits after '-'";
  // Accumulate negatively so that INT64_MIN parses.
  std::int64_t value = 0;
  for (; pos < t.size(); ++pos) {
    if (!is_digit(t[pos])) {
      return "expected a digit at position " + std::to_string(pos) + ", found " +
             describe_char(t, pos);
    }
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_sub_overflow(value, t[pos] - '0', &value)) {
      return "out of the int64 range";
    }
  }
  if (!negative) {
    if (value == std::numeric_limits<std::int64_t>::min()) return "out of the int64 range";
    value = -value;
  }
  result = value;
  return {};
}

bool all_digits(std::string_view t) noexcept {
  if (t.empty()) return false;
  for (char c : t) {
    if (!is_digit(c)) return false;
  }
  return true;
}

}  // namespace

// ---- ISO-8601 -----------------------------------------------------------------------------------

Result<std::int64_t> parse_iso8601(std::string_view text) {
  std::size_t pos = 0;
  Civil c;
  std::string err = parse_civil(text, pos, /*iso=*/true, c);
  if (!err.empty()) return iso_error(text, err);

  std::int64_t offset_millis = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    ++pos;
    unsigned oh, om;
    if (!read_digits(text, pos, 2, oh)) {
      return iso_error(text, expected_digits(text, pos, 2, "offset hour"));
    }
    if (!(err = expect_char(text, pos, ':')).empty()) return iso_error(text, err);
    if (!read_digits(text, pos, 2, om)) {
      return iso_error(text, expected_digits(text, pos, 2, "offset minute"));
    }
    if (oh > 23) return iso_error(text, "offset hour " + two_digits(oh) + " is not 00..23");
    if (om > 59) return iso_error(text, "offset minute " + two_digits(om) + " is not 00..59");
    offset_millis = oh * kMillisPerHour + om * kMillisPerMinute;
    if (negative) offset_millis = -offset_millis;
  } else if (pos == text.size()) {
    return iso_error(text, "missing time zone (a time without one is ambiguous; add Z for UTC)");
  } else {
    return iso_error(text, "expected Z or an offset like +01:00 at position " +
                               std::to_string(pos) + ", found " + describe_char(text, pos));
  }
  if (pos != text.size()) {
    return iso_error(text, "unexpected " + describe_char(text, pos) + " at position " +
                               std::to_string(pos) + " after the time zone");
  }
  const std::int64_t millis = civil_to_millis(c) - offset_millis;
  if (!is_formattable(millis)) {
    return iso_error(text, "the instant is outside 0000-01-01T00:00:00Z..9999-12-31T23:59:59.999Z");
  }
  return millis;
}

void append_iso8601(std::string& out, std::int64_t millis) {
  char buf[kFormatBufferSize];
  const Civil c = split(millis);
  char* p = put_civil(buf, c, 'T');
  *p++ = '.';
  p = put3(p, c.millis);
  *p++ = 'Z';
  out.append(buf, static_cast<std::size_t>(p - buf));
}

std::string format_iso8601(std::int64_t millis) {
  std::string out;
  append_iso8601(out, millis);
  return out;
}

// ---- "YYYY-MM-DD HH:MM:SS" ----------------------------------------------------------------------

Result<std::int64_t> parse_datetime(std::string_view text) {
  std::size_t pos = 0;
  Civil c;
  std::string err = parse_civil(text, pos, /*iso=*/false, c);
  if (err.empty() && pos != text.size()) {
    err = "unexpected " + describe_char(text, pos) + " at position " + std::to_string(pos) +
          " (no time zone: the text is read as UTC)";
  }
  if (!err.empty()) {
    return invalid_argument("invalid date-time " + quoted(text) + ": " + err + " (" +
                            kDateTimeExpected + ")");
  }
  return civil_to_millis(c);
}

void append_datetime(std::string& out, std::int64_t millis) {
  char buf[kFormatBufferSize];
  const Civil c = split(millis);
  char* p = put_civil(buf, c, ' ');
  if (c.millis != 0) {
    *p++ = '.';
    p = put3(p, c.millis);
  }
  out.append(buf, static_cast<std::size_t>(p - buf));
}

std::string format_datetime(std::int64_t millis) {
  std::string out;
  append_datetime(out, millis);
  return out;
}

// ---- epoch millis, user times
// ---------------------------------------------------------------------

Result<std::int64_t> parse_epoch_millis(std::string_view text) {
  std::int64_t value = 0;
  const std::string err = parse_epoch_impl(text, value);
  if (!err.empty()) {
    return invalid_argument("invalid epoch milliseconds " + quoted(text) + ": " + err +
                            " (expected a decimal integer such as 1732345678901)");
  }
  return value;
}

Result<std::int64_t> parse_time(std::string_view text, std::int64_t now_millis) {
  static constexpr char kForms[] =
      "expected epoch milliseconds (1732345678901), ISO-8601 (2026-11-23T10:15:30Z), "
      "YYYY-MM-DD HH:MM:SS (UTC), now, or a signed duration relative to now (-1h, +15m, -1h30m)";
  if (text == "now") return now_millis;
  if (text.empty())
    return invalid_argument("invalid time '': empty text (" + std::string(kForms) + ")");

  if (text[0] == '-' || text[0] == '+') {
    const std::string_view rest = text.substr(1);
    if (text[0] == '-' && all_digits(rest)) return parse_epoch_millis(text);
    std::int64_t duration = 0;
    std::string err = parse_duration_impl(rest, duration);
    std::int64_t result = 0;
    if (err.empty()) {
      const bool overflow = text[0] == '-' ? __builtin_sub_overflow(now_millis, duration, &result)
                                           : __builtin_add_overflow(now_millis, duration, &result);
      if (overflow) err = "out of the int64 millisecond range";
    }
    if (!err.empty()) {
      return invalid_argument("invalid relative time " + quoted(text) + ": " + err +
                              " (expected a sign and a duration, e.g. -1h, +15m, -1h30m)");
    }
    return result;
  }

  if (all_digits(text)) return parse_epoch_millis(text);

  // Date-like: "YYYY-" at the start. A zone (Z/z, or +/- after the date) means ISO-8601.
  if (text.size() >= 5 && all_digits(text.substr(0, 4)) && text[4] == '-') {
    if (text.size() > 10 && text[10] == ' ') {
      const std::string_view after_date = text.substr(11);
      const char last = text.back();
      const bool has_zone =
          last == 'Z' || last == 'z' || after_date.find_first_of("+-") != std::string_view::npos;
      if (!has_zone) return parse_datetime(text);
    }
    return parse_iso8601(text);
  }

  std::string hint;
  std::int64_t ignored = 0;
  if (parse_duration_impl(text, ignored).empty()) {
    hint = "; a duration needs a sign to be a time: -" + std::string(text) + " or +" +
           std::string(text);
  }
  return invalid_argument("invalid time " + quoted(text) + ": " + kForms + hint);
}

// ---- durations
// --------------------------------------------------------------------------------------

Result<std::int64_t> parse_duration(std::string_view text) {
  std::int64_t value = 0;
  const std::string err = parse_duration_impl(text, value);
  if (!err.empty()) {
    return invalid_argument(
        "invalid duration " + quoted(text) + ": " + err +
        " (expected a number and a unit, repeated, e.g. 250ms, 15s, 1h30m, or 0)");
  }
  return value;
}

std::string format_duration(std::int64_t millis) {
  if (millis == 0) return "0";
  std::string out;
  // Negative durations (never produced by parse_duration) are written with a '-', which
  // parse_time reads as relative to now.
  std::uint64_t rest = static_cast<std::uint64_t>(millis);
  if (millis < 0) {
    out += '-';
    rest = 0 - rest;
  }
  struct Unit {
    const char* name;
    std::uint64_t millis;
  };
  static constexpr Unit kUnits[] = {{"d", kMillisPerDay},
                                    {"h", kMillisPerHour},
                                    {"m", kMillisPerMinute},
                                    {"s", kMillisPerSecond},
                                    {"ms", 1}};
  for (const Unit& unit : kUnits) {
    const std::uint64_t n = rest / unit.millis;
    if (n == 0) continue;
    rest -= n * unit.millis;
    out += std::to_string(n);
    out += unit.name;
  }
  return out;
}

}  // namespace tidemark::core
