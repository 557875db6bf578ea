#include "tidemark/core/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace tidemark::core {
namespace {

constexpr std::size_t kValid = std::string_view::npos;

// Builds a string_view from bytes, embedded NULs included.
template <std::size_t N>
std::string_view Bytes(const char (&s)[N]) {
  return std::string_view(s, N - 1);
}

// Encodes a code point as UTF-8 (no validity checks: callers pass scalar values only).
std::string Encode(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

TEST(Utf8, AcceptsEmptyAndAscii) {
  EXPECT_EQ(find_invalid_utf8(""), kValid);
  EXPECT_EQ(find_invalid_utf8("a"), kValid);
  EXPECT_EQ(find_invalid_utf8("https://shop.example.com/products/4711?ref=lab"), kValid);
  EXPECT_EQ(find_invalid_utf8(Bytes("with\0nul\x7f")), kValid);
  EXPECT_TRUE(is_valid_utf8("plain text"));
}

TEST(Utf8, AcceptsTwoThreeAndFourByteSequences) {
  EXPECT_EQ(find_invalid_utf8("\xC2\x80"), kValid);          // U+0080, smallest 2-byte
  EXPECT_EQ(find_invalid_utf8("M\xC3\xBCnchen"), kValid);    // ü
  EXPECT_EQ(find_invalid_utf8("\xDF\xBF"), kValid);          // U+07FF
  EXPECT_EQ(find_invalid_utf8("\xE0\xA0\x80"), kValid);      // U+0800, smallest 3-byte
  EXPECT_EQ(find_invalid_utf8("\xE2\x82\xAC"), kValid);      // €
  EXPECT_EQ(find_invalid_utf8("\xED\x9F\xBF"), kValid);      // U+D7FF, just below surrogates
  EXPECT_EQ(find_invalid_utf8("\xEE\x80\x80"), kValid);      // U+E000, just above surrogates
  EXPECT_EQ(find_invalid_utf8("\xEF\xBF\xBF"), kValid);      // U+FFFF
  EXPECT_EQ(find_invalid_utf8("\xF0\x90\x80\x80"), kValid);  // U+10000, smallest 4-byte
  EXPECT_EQ(find_invalid_utf8("\xF4\x8F\xBF\xBF"), kValid);  // U+10FFFF, the largest
  EXPECT_EQ(find_invalid_utf8("東京 Berlin São Paulo"), kValid);
}

TEST(Utf8, AcceptsEmoji) {
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F\x98\x80"), kValid);  // 😀
  EXPECT_EQ(find_invalid_utf8("ok 👍🏽 family 👨‍👩‍👧 flag 🇩🇪"), kValid);
}

TEST(Utf8, AcceptsEveryScalarValue) {
  std::string all;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    all += Encode(cp);
  }
  EXPECT_EQ(find_invalid_utf8(all), kValid);
}

TEST(Utf8, RejectsOverlongEncodings) {
  EXPECT_EQ(find_invalid_utf8("\xC0\x80"), 0u);          // NUL, 2 bytes
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);          // '/'
  EXPECT_EQ(find_invalid_utf8("\xC1\xBF"), 0u);          // U+007F
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\x80"), 0u);      // NUL, 3 bytes
  EXPECT_EQ(find_invalid_utf8("\xE0\x9F\xBF"), 0u);      // U+07FF in 3 bytes
  EXPECT_EQ(find_invalid_utf8("\xF0\x80\x80\x80"), 0u);  // NUL, 4 bytes
  EXPECT_EQ(find_invalid_utf8("\xF0\x8F\xBF\xBF"), 0u);  // U+FFFF in 4 bytes
  EXPECT_EQ(find_invalid_utf8("ab\xC0\x80"), 2u);
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);  // U+D800
  EXPECT_EQ(find_invalid_utf8("\xED\xAF\xBF"), 0u);  // U+DBFF
  EXPECT_EQ(find_invalid_utf8("\xED\xB0\x80"), 0u);  // U+DC00
  EXPECT_EQ(find_invalid_utf8("\xED\xBF\xBF"), 0u);  // U+DFFF
  // A CESU-8 style surrogate pair for U+1F600.
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\xBD\xED\xB8\x80"), 1u);
}

TEST(Utf8, RejectsCodePointsAboveMaximum) {
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xF7\xBF\xBF\xBF"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xF8\x88\x80\x80\x80"), 0u);      // old 5-byte form
  EXPECT_EQ(find_invalid_utf8("\xFC\x84\x80\x80\x80\x80"), 0u);  // old 6-byte form
}

TEST(Utf8, RejectsBytesThatNeverAppear) {
  EXPECT_EQ(find_invalid_utf8("\xFE"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xFF"), 0u);
  EXPECT_EQ(find_invalid_utf8("abc\xFF"), 3u);
}

TEST(Utf8, RejectsTruncatedSequences) {
  EXPECT_EQ(find_invalid_utf8("\xC3"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xE2\x82"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xE2"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F\x98"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F"), 0u);
  EXPECT_EQ(find_invalid_utf8("abc\xF0\x9F\x98"), 3u);
  // Truncated in the middle: the next byte is not a continuation byte.
  EXPECT_EQ(find_invalid_utf8("\xC3"
                              "a"),
            0u);
  EXPECT_EQ(find_invalid_utf8("\xE2\x82"
                              "a"),
            0u);
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F\x98"
                              "a"),
            0u);
  EXPECT_EQ(find_invalid_utf8("ok\xF0\x9F\x98\xC3\xBC"), 2u);
}

TEST(Utf8, RejectsStrayContinuationBytes) {
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xBF"), 0u);
  EXPECT_EQ(find_invalid_utf8("a\x80"
                              "b"),
            1u);
  EXPECT_EQ(find_invalid_utf8("\xC3\xBC\xBC"), 2u);  // ü followed by an extra continuation
  EXPECT_EQ(find_invalid_utf8("\xF0\x9F\x98\x80\x80"), 4u);
}

TEST(Utf8, ReportsOffsetAfterAsciiFastPathBlock) {
  // 8 ASCII bytes go through the word-at-a-time path; the bad byte is in the next block.
  EXPECT_EQ(find_invalid_utf8("abcdefgh\x80"), 8u);
  EXPECT_EQ(find_invalid_utf8("abcdefghi\x80"), 9u);
  EXPECT_EQ(find_invalid_utf8("abcdefghi\xED\xA0\x80xyzw"), 9u);
  EXPECT_EQ(find_invalid_utf8("abcdefghijklmnopq\xF4\x90\x80\x80rstuvwxyz"), 17u);
  // A valid multi-byte sequence inside a would-be block, then an error later.
  EXPECT_EQ(find_invalid_utf8("abc\xC3\xBC"
                              "defghijk\xC3"),
            13u);
}

TEST(Utf8, ReportsFirstInvalidOffsetAtEveryPosition) {
  for (std::size_t prefix = 0; prefix < 40; ++prefix) {
    for (std::string_view bad : {std::string_view("\x80"), std::string_view("\xC3"),
                                 std::string_view("\xED\xA0\x80"), std::string_view("\xFF")}) {
      std::string text(prefix, 'a');
      text += bad;
      text += "tail text that is long enough";
      EXPECT_EQ(find_invalid_utf8(text), prefix) << "prefix " << prefix;
      EXPECT_FALSE(is_valid_utf8(text));
    }
  }
}

TEST(Utf8, AgreesWithReferenceDecoderOnRandomBytes) {
  // Reference: a plain per-code-point decoder following RFC 3629's table.
  auto reference = [](std::string_view s) -> std::size_t {
    std::size_t i = 0;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      std::size_t len;
      char32_t cp;
      if (c < 0x80) {
        ++i;
        continue;
      } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
      } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
      } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
      } else {
        return i;
      }
      if (i + len > s.size()) return i;
      for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return i;
        cp = (cp << 6) | (b & 0x3F);
      }
      const char32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
      i += len;
    }
    return std::string_view::npos;
  };
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pieces_dist(0, 20);
  std::uniform_int_distribution<int> kind_dist(0, 99);
  std::uniform_int_distribution<int> byte_dist(0, 255);
  std::uniform_int_distribution<int> ascii_dist(0x20, 0x7E);
  std::uniform_int_distribution<std::uint32_t> cp_dist(0x80, 0x10FFFF);
  int invalid = 0;
  for (int round = 0; round < 200000; ++round) {
    // Mostly ASCII and valid code points, so the interesting bytes land after fast-path blocks
    // and between valid multi-byte sequences.
    std::string s;
    for (int n = pieces_dist(rng); n > 0; --n) {
      const int kind = kind_dist(rng);
      if (kind < 70) {
        s += static_cast<char>(ascii_dist(rng));
      } else if (kind < 95) {
        const char32_t cp = cp_dist(rng);
        if (cp < 0xD800 || cp > 0xDFFF) s += Encode(cp);
      } else {
        s += static_cast<char>(byte_dist(rng));
      }
    }
    const std::size_t expected = reference(s);
    invalid += expected != kValid;
    ASSERT_EQ(find_invalid_utf8(s), expected) << "round " << round;
  }
  // Both outcomes must be well represented for the comparison to mean anything.
  EXPECT_GT(invalid, 20000);
  EXPECT_LT(invalid, 180000);
}

}  // namespace
}  // namespace tidemark::core
