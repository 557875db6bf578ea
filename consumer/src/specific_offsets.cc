// Flink's specific-offsets string ('partition:0,offset:42;partition:1,offset:300'), parsed with
// exactly the acceptance rules of KafkaConnectorOptionsUtil.parseSpecificOffsets, so a value that
// works in a Flink DDL works here and one Flink rejects is rejected here too. Java's String.split
// and Integer/Long.valueOf are reproduced piece by piece because their corner cases (dropped
// trailing empty pieces, a leading '+') are exactly where a hand-rolled parser would drift.
#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/consumer/offset_spec.h"

namespace tidemark::consumer {
namespace {

constexpr std::string_view kFormatHint = "'partition:0,offset:42;partition:1,offset:300'";

// Java's String.split(sep) with limit 0: a leading empty piece is kept, trailing empty pieces
// are dropped, and a text without `sep` is one piece (so "" is one empty piece).
std::vector<std::string_view> java_split(std::string_view text, char sep) {
  std::vector<std::string_view> pieces;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(sep, begin);
    if (end == std::string_view::npos) {
      pieces.push_back(text.substr(begin));
      break;
    }
    pieces.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  if (pieces.size() == 1) return pieces;  // no separator: the text itself, even when empty
  while (!pieces.empty() && pieces.back().empty()) pieces.pop_back();
  return pieces;
}

// Java's Integer.valueOf / Long.valueOf for radix 10: an optional '+' or '-', then at least one
// digit, nothing else (no whitespace), and the value must fit the type. Java's Character.digit
// also takes non-ASCII Unicode digits ("٤٢"); tidemark accepts ASCII digits only (documented).
template <typename Int>
std::optional<Int> java_value_of(std::string_view text) {
  std::size_t digits_from = 0;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) digits_from = 1;
  if (digits_from == text.size()) return std::nullopt;
  for (std::size_t i = digits_from; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  // from_chars reads an optional '-' but not '+'; the digits were checked above.
  const std::string_view number = text[0] == '+' ? text.substr(1) : text;
  Int value{};
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return value;
}

core::Status format_error(std::string_view option, std::string_view text, std::string detail) {
  return core::invalid_argument(std::string(option) + " " + core::quoted(text) + ": " + detail +
                                "; expected the format " + std::string(kFormatHint));
}

std::string piece_name(std::size_t index, std::string_view piece) {
  return "entry " + std::to_string(index + 1) + " " + core::quoted(piece);
}

// One "partition:P,offset:O" piece, or the reason it is not one.
core::Status parse_piece(std::string_view option, std::string_view text, std::size_t index,
                         std::string_view piece, SpecificOffsets& out) {
  const std::string name = piece_name(index, piece);
  if (piece.empty()) {
    return format_error(option, text,
                        "entry " + std::to_string(index + 1) + " is empty (a leading ';' or ';;')");
  }
  if (piece.find(',') == std::string_view::npos) {
    return format_error(option, text, name + " has no ','");
  }
  const auto parts = java_split(piece, ',');
  if (parts.size() != 2) {
    return format_error(option, text,
                        name + " has " + std::to_string(parts.size()) +
                            " ','-separated parts, not 2 (partition and offset)");
  }
  constexpr std::string_view kPartition = "partition:";
  constexpr std::string_view kOffset = "offset:";
  if (!parts[0].starts_with(kPartition)) {
    return format_error(option, text,
                        name + " does not start with 'partition:' (lower case, no spaces)");
  }
  if (!parts[1].starts_with(kOffset)) {
    return format_error(option, text,
                        name + ": " + core::quoted(parts[1]) +
                            " does not start with 'offset:' (lower case, no spaces)");
  }
  const std::string_view partition_text = parts[0].substr(kPartition.size());
  const std::string_view offset_text = parts[1].substr(kOffset.size());
  const auto partition = java_value_of<std::int32_t>(partition_text);
  if (!partition) {
    return format_error(
        option, text,
        name + ": partition " + core::quoted(partition_text) + " is not a 32-bit integer");
  }
  const auto offset = java_value_of<std::int64_t>(offset_text);
  if (!offset) {
    return format_error(
        option, text, name + ": offset " + core::quoted(offset_text) + " is not a 64-bit integer");
  }
  if (*offset < 0) {
    return core::invalid_argument(
        std::string(option) + " " + core::quoted(text) + ": offset " + std::to_string(*offset) +
        " for partition " + std::to_string(*partition) +
        " is negative; offsets start at 0 (Flink would read -1, -2 and -3 as its latest, "
        "earliest and committed markers)");
  }
  out[*partition] = *offset;  // a partition listed twice: the later entry wins, as in Flink
  return core::Status();
}

}  // namespace

core::Result<SpecificOffsets> parse_specific_offsets(std::string_view option,
                                                     std::string_view text) {
  const auto pieces = java_split(text, ';');
  if (text.empty() || pieces.empty()) {  // nothing, or only ';' characters
    return format_error(option, text, "no partition entries");
  }
  SpecificOffsets offsets;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    TIDEMARK_RETURN_IF_ERROR(parse_piece(option, text, i, pieces[i], offsets));
  }
  return offsets;
}

std::string format_specific_offsets(const SpecificOffsets& offsets) {
  std::string out;
  for (const auto& [partition, offset] : offsets) {
    if (!out.empty()) out += ';';
    out += "partition:" + std::to_string(partition) + ",offset:" + std::to_string(offset);
  }
  return out;
}

std::vector<std::int32_t> unknown_partitions(const SpecificOffsets& offsets,
                                             std::span<const PartitionFacts> facts) {
  std::vector<std::int32_t> unknown;
  for (const auto& [partition, offset] : offsets) {
    const bool known = std::any_of(facts.begin(), facts.end(),
                                   [p = partition](const auto& f) { return f.partition == p; });
    if (!known) unknown.push_back(partition);
  }
  return unknown;
}

}  // namespace tidemark::consumer
