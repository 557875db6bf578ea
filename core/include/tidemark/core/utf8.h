// UTF-8 validation shared by the serializers: tidemark's string fields are text, and every
// format rejects invalid UTF-8 the same way (encode: kInvalidArgument, decode: kMalformed).
#pragma once

#include <cstddef>
#include <string_view>

namespace tidemark::core {

// Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF), or std::string_view::npos if `text` is valid.
std::size_t find_invalid_utf8(std::string_view text) noexcept;

inline bool is_valid_utf8(std::string_view text) noexcept {
  return find_invalid_utf8(text) == std::string_view::npos;
}

}  // namespace tidemark::core
