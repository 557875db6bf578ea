// How both JSON readers (json, json-nlohmann) read an integer field (an INT or BIGINT column in
// Flink's JSON format) that is not written as a plain JSON integer. Flink 1.17-1.19 reads such
// a column with JsonToRowDataConverters.convertToInt/convertToLong (and the same rule in
// JsonParserToRowDataConverters): a JSON number goes through Jackson (canConvertToLong/asLong,
// or getLongValue), anything else through Long.parseLong(node.asText().trim()) for BIGINT and
// Integer.parseInt(...) for INT; a NumberFormatException fails the record.
//
// * A number with a fraction or an exponent is truncated toward zero when it is within the
//   type's range (truncate_to_integer). A lab producer that sends `time.time() * 1000`
//   (1732345678901.234) gets the same event_timestamp in tidemark as in Flink (1732345678901).
//   Integer tokens are read exactly, never through a double.
// * A JSON string is read as Java's String.trim() then Long.parseLong / Integer.parseInt read
//   it (parse_integer_text): `"42"`, `" 42 "`, `"+42"`, `"-7"`, `"007"` are integers;
//   `""`, `"4 2"`, `"42.0"`, `"4e1"`, `"0x2A"`, `"1_000"` and anything out of the type's range
//   are refused.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "tidemark/core/status.h"

namespace tidemark::serializers::internal {

// false when `d` is NaN or outside Int's range (the caller refuses it, as Flink does).
template <typename Int>
bool truncate_to_integer(double d, Int& out) {
  static_assert(sizeof(Int) == 4 || sizeof(Int) == 8);
  constexpr double kMin = static_cast<double>(std::numeric_limits<Int>::min());  // exact: -2^k
  if constexpr (sizeof(Int) == 4) {
    if (!(d >= kMin && d <= static_cast<double>(std::numeric_limits<Int>::max()))) return false;
  } else {
    if (!(d >= kMin && d < -kMin)) return false;  // below 2^63, which int64 cannot hold
  }
  out = static_cast<Int>(d);  // toward zero
  return true;
}

// Java's String.trim(), which Flink applies before parsing a number written as a string (here and
// in json_doubles.h): every char <= U+0020 (space and the ASCII control characters) dropped at
// both ends. In UTF-8 these are exactly the bytes <= 0x20, which never occur inside a multi-byte
// character.
inline std::string_view java_trim(std::string_view text) noexcept {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && static_cast<unsigned char>(text[begin]) <= 0x20) ++begin;
  while (end > begin && static_cast<unsigned char>(text[end - 1]) <= 0x20) --end;
  return text.substr(begin, end - begin);
}

enum class IntegerText : std::uint8_t { kOk, kNotAnInteger, kOutOfRange };

// Reads the (unescaped) text of a JSON string as Java's `Long.parseLong(s.trim())` (Int =
// int64_t) or `Integer.parseInt(s.trim())` (Int = int32_t) does:
// * trim() (java_trim) drops every char <= U+0020 at both ends;
// * then an optional '+' or '-' and one or more digits, nothing else; leading zeros are fine;
// * a value outside Int's range is refused (NumberFormatException in Java).
// Digits are ASCII only. Java's Character.digit also takes the other Unicode decimal digits
// (Arabic-Indic U+0660.., fullwidth U+FF10.., ...); tidemark refuses those (docs/formats.md).
template <typename Int>
IntegerText parse_integer_text(std::string_view text, Int& out) noexcept {
  static_assert(sizeof(Int) == 4 || sizeof(Int) == 8);
  const std::string_view s = java_trim(text);
  std::size_t begin = 0;
  const std::size_t end = s.size();
  bool negative = false;
  if (begin < end && (s[begin] == '+' || s[begin] == '-')) {
    negative = s[begin] == '-';
    ++begin;
  }
  if (begin == end) return IntegerText::kNotAnInteger;  // empty, blank, or a lone sign
  // The largest magnitude allowed: 2^31 or 2^63 for a negative value, one less otherwise.
  const std::uint64_t limit =
      static_cast<std::uint64_t>(std::numeric_limits<Int>::max()) + (negative ? 1 : 0);
  std::uint64_t magnitude = 0;
  bool overflow = false;
  for (std::size_t i = begin; i < end; ++i) {
    const unsigned digit = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (digit > 9) return IntegerText::kNotAnInteger;  // judged over the whole text first
    if (overflow || magnitude > (limit - digit) / 10) {
      overflow = true;
    } else {
      magnitude = magnitude * 10 + digit;
    }
  }
  if (overflow) return IntegerText::kOutOfRange;
  if (!negative) {
    out = static_cast<Int>(magnitude);
  } else {
    // -magnitude without overflow, also for magnitude == 2^63.
    out = magnitude == 0 ? Int{0} : static_cast<Int>(-static_cast<std::int64_t>(magnitude - 1) - 1);
  }
  return IntegerText::kOk;
}

// What both readers say after the field's path when parse_integer_text refuses `text`.
template <typename Int>
std::string integer_text_problem(std::string_view text, IntegerText result) {
  std::string problem = core::quoted(text);
  if (result == IntegerText::kOutOfRange) {
    problem += sizeof(Int) == 4 ? " is out of int32 range" : " is out of int64 range";
  } else {
    problem += " is not an integer";
  }
  return problem;
}

}  // namespace tidemark::serializers::internal
