// Time and duration text: parsing and formatting of the representations tidemark reads and
// writes. All instants are int64 epoch milliseconds, UTC; all durations int64 milliseconds.
//
// Every parser returns kInvalidArgument with the offending text quoted in the message; none
// returns a silent 0. Formatting covers years 0000..9999 (kMinFormattableMillis ..
// kMaxFormattableMillis); the append_* functions require an instant in that range (check with
// is_formattable) and are allocation-free apart from growing `out`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tidemark/core/status.h"

namespace tidemark::core {

inline constexpr std::int64_t kMinFormattableMillis = -62167219200000;  // 0000-01-01T00:00:00.000Z
inline constexpr std::int64_t kMaxFormattableMillis = 253402300799999;  // 9999-12-31T23:59:59.999Z

constexpr bool is_formattable(std::int64_t millis) noexcept {
  return millis >= kMinFormattableMillis && millis <= kMaxFormattableMillis;
}

// ISO-8601 UTC: "2026-11-23T10:15:30.123Z". Parsing accepts 'T' or 't' or ' ' as separator, an
// optional fraction of 1 to 9 digits (truncated to milliseconds), and 'Z', 'z' or a "+hh:mm" /
// "-hh:mm" offset (required: a time without a zone is ambiguous).
Result<std::int64_t> parse_iso8601(std::string_view text);
void append_iso8601(std::string& out, std::int64_t millis);  // always ".mmm" and "Z"
std::string format_iso8601(std::int64_t millis);

// The taxi files' "YYYY-MM-DD HH:MM:SS" (no zone; read as UTC, as labs do). Parsing also accepts
// an optional ".f" to ".fffffffff" fraction; formatting appends ".mmm" only when ms != 0, so
// whole seconds look exactly like the lab files and every millisecond value round-trips.
Result<std::int64_t> parse_datetime(std::string_view text);
void append_datetime(std::string& out, std::int64_t millis);
std::string format_datetime(std::int64_t millis);

// A decimal integer of epoch milliseconds, optionally negative: "1732345678901".
Result<std::int64_t> parse_epoch_millis(std::string_view text);

// Any instant a user may type on the command line: epoch millis, ISO-8601, "YYYY-MM-DD HH:MM:SS"
// (UTC), "now", or relative to `now_millis` with a sign and a duration ("-1h", "+15m", "-1h30m").
Result<std::int64_t> parse_time(std::string_view text, std::int64_t now_millis);

// A non-negative duration: a number and a unit, repeated ("250ms", "15s", "5m", "1h", "2d",
// "1m30s"), or a bare "0". Units: ms, s, m, h, d. Whitespace, signs, fractions, missing or
// unknown units and overflow are rejected with a message naming the text.
Result<std::int64_t> parse_duration(std::string_view text);
// The shortest exact text parse_duration reads back: 90000 -> "1m30s", 250 -> "250ms", 0 -> "0".
std::string format_duration(std::int64_t millis);

}  // namespace tidemark::core
