// How both JSON readers (json, json-nlohmann) read a double field (a DOUBLE column in Flink's
// JSON format: taxi trip_distance, tip_amount) written as a JSON string. Flink 1.17-1.19 reads
// such a column with JsonToRowDataConverters.convertToDouble (the same rule in
// JsonParserToRowDataConverters): a JSON double through Jackson's asDouble, anything else through
// Double.parseDouble(node.asText().trim()); a NumberFormatException fails the record. A JSON
// number (integers included) is read as a number, as before; only a string comes here.
//
// The lab pattern this serves: a Python producer reads the green-taxi CSV with csv.DictReader
// and json.dumps each row unconverted, so every field is a string ("trip_distance": "5.88").
//
// Double.parseDouble (jdk.internal.math.FloatingDecimal.readJavaFormatString) accepts, after
// String.trim() (every char <= U+0020 dropped at both ends):
//   [+-]? "NaN" | [+-]? "Infinity"
//   [+-]? decimal digits with at most one '.', at least one digit, then optionally
//         [eE] [+-]? digits, then optionally one of [fFdD] (a Java literal suffix; ignored)
//   [+-]? "0" [xX] (hexdigits '.'? | hexdigits? '.' hexdigits) [pP] [+-]? digits [fFdD]?
// and nothing else: digits are ASCII only, the binary exponent of a hex float is required.
// The value is correctly rounded (std::from_chars, as Java's FloatingDecimal); a value too small
// for a double is a zero of its sign, as in Java.
//
// One difference from Flink: NaN, the infinities and values beyond the double range ("1e400",
// which Java reads as Infinity) are refused. tidemark's JSON writer refuses non-finite doubles
// (JSON has no text for them), so such an event could not be shown by `tidemark consume` nor
// written to CSV; the refusal names the field and the text at the record instead.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "json_integers.h"  // java_trim
#include "tidemark/core/status.h"

namespace tidemark::serializers::internal {

enum class DoubleText : std::uint8_t {
  kOk,
  kNotANumber,  // Double.parseDouble would throw NumberFormatException
  kNotFinite,   // "NaN", "Infinity", "-Infinity" (with an optional sign)
  kOutOfRange,  // finite text whose value is beyond the double range: Infinity in Java
};

namespace double_text_detail {

inline bool is_digit(char c) noexcept { return static_cast<unsigned char>(c) - unsigned{'0'} <= 9; }

inline bool is_hex_digit(char c) noexcept {
  const unsigned lower = static_cast<unsigned char>(c) | 0x20u;
  return is_digit(c) || (lower >= 'a' && lower <= 'f');
}

inline bool is_suffix(char c) noexcept { return c == 'f' || c == 'F' || c == 'd' || c == 'D'; }

// The significand of a decimal or hex float: digits with at most one point, at least one digit.
// Returns the end of the run; `first_nonzero` is the index (in digits, point not counted) of
// the first non-zero digit, or -1; `int_digits` the number of digits before the point.
template <bool kHex>
std::size_t scan_significand(std::string_view s, std::size_t i, std::int64_t& digits,
                             std::int64_t& int_digits, std::int64_t& first_nonzero) noexcept {
  digits = 0;
  int_digits = -1;
  first_nonzero = -1;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (int_digits >= 0) break;  // a second point: the caller sees leftovers
      int_digits = digits;
    } else if (kHex ? is_hex_digit(c) : is_digit(c)) {
      if (first_nonzero < 0 && c != '0') first_nonzero = digits;
      ++digits;
    } else {
      break;
    }
  }
  if (int_digits < 0) int_digits = digits;
  return i;
}

// [+-]? digits+, value saturated far beyond any double exponent; `end` is past the digits.
inline bool scan_exponent(std::string_view s, std::size_t i, std::size_t& end,
                          std::int64_t& value) noexcept {
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  const std::size_t start = i;
  value = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (value < 1'000'000'000'000'000) value = value * 10 + (s[i] - '0');
  }
  if (i == start) return false;
  if (negative) value = -value;
  end = i;
  return true;
}

}  // namespace double_text_detail

// Reads the (unescaped) text of a JSON string as Java's `Double.parseDouble(s.trim())` does,
// refusing what is not finite (see the top of this file).
inline DoubleText parse_double_text(std::string_view text, double& out) noexcept {
  using namespace double_text_detail;
  std::string_view s = java_trim(text);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return DoubleText::kNotANumber;
  if (s == "NaN" || s == "Infinity") return DoubleText::kNotFinite;

  const bool hex = s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (hex) s.remove_prefix(2);
  std::int64_t digits = 0;
  std::int64_t int_digits = 0;
  std::int64_t first_nonzero = -1;
  const std::size_t significand_end =
      hex ? scan_significand<true>(s, 0, digits, int_digits, first_nonzero)
          : scan_significand<false>(s, 0, digits, int_digits, first_nonzero);
  if (digits == 0) return DoubleText::kNotANumber;  // no digit at all: "", ".", "e5", "0x.p1"
  std::size_t i = significand_end;
  std::int64_t exponent = 0;
  std::size_t number_end = significand_end;
  if (hex) {
    if (i == s.size() || (s[i] != 'p' && s[i] != 'P')) return DoubleText::kNotANumber;
    if (!scan_exponent(s, i + 1, number_end, exponent)) return DoubleText::kNotANumber;
  } else if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    if (!scan_exponent(s, i + 1, number_end, exponent)) return DoubleText::kNotANumber;
  }
  // At most one suffix letter may follow; anything else is not a number.
  if (number_end != s.size() && (number_end + 1 != s.size() || !is_suffix(s[number_end]))) {
    return DoubleText::kNotANumber;
  }

  double value = 0;
  const char* first = s.data();
  const char* last = s.data() + number_end;
  const auto [ptr, ec] = std::from_chars(first, last, value,
                                         hex ? std::chars_format::hex : std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    // Beyond the double range one way or the other: the order of magnitude of the leading
    // digit tells which (the two ranges are hundreds of orders apart).
    if (first_nonzero >= 0) {
      const std::int64_t lead = int_digits - first_nonzero - 1;
      if ((hex ? 4 * lead : lead) + exponent >= 0) return DoubleText::kOutOfRange;
    }
    value = 0;  // Java: too small for a double reads as zero
  } else if (ec != std::errc() || ptr != last) {
    return DoubleText::kNotANumber;  // not expected after the checks above
  }
  out = negative ? -value : value;
  return DoubleText::kOk;
}

// What both readers say after the field's path when parse_double_text refuses `text`.
inline std::string double_text_problem(std::string_view text, DoubleText result) {
  std::string problem = core::quoted(text);
  switch (result) {
    case DoubleText::kNotFinite:
      problem += " is not a finite number; tidemark's events hold finite doubles only";
      break;
    case DoubleText::kOutOfRange:
      problem +=
          " is beyond the double range (Infinity in Java); tidemark's events hold finite "
          "doubles only";
      break;
    default:
      problem += " is not a number";
      break;
  }
  return problem;
}

}  // namespace tidemark::serializers::internal
