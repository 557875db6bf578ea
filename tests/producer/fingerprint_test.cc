#include "tidemark/producer/fingerprint.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace tidemark::producer {
namespace {

Fingerprint Of(
    std::initializer_list<std::pair<std::optional<std::string_view>, std::string_view>> records) {
  Fingerprint fp;
  for (const auto& [key, payload] : records) fp.add(key, payload);
  return fp;
}

TEST(Fingerprint, PrintsSixteenLowercaseHexDigits) {
  const Fingerprint fp = Of({{"k", "v"}});
  const std::string hex = fp.hex();
  ASSERT_EQ(hex.size(), 16u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
  EXPECT_EQ(std::stoull(hex, nullptr, 16), fp.value());
  EXPECT_EQ(fp.count(), 1u);
}

TEST(Fingerprint, SameRecordsGiveTheSameFingerprint) {
  EXPECT_EQ(Of({{"a", "1"}, {std::nullopt, "2"}}), Of({{"a", "1"}, {std::nullopt, "2"}}));
  EXPECT_EQ(Fingerprint::record_hash("a", "1"), Fingerprint::record_hash("a", "1"));
}

TEST(Fingerprint, RecordOrderMatters) {
  EXPECT_NE(Of({{"a", "1"}, {"b", "2"}}).value(), Of({{"b", "2"}, {"a", "1"}}).value());
}

TEST(Fingerprint, BoundariesBetweenKeyPayloadAndRecordsMatter) {
  EXPECT_NE(Of({{"ab", "c"}}).value(), Of({{"a", "bc"}}).value());
  EXPECT_NE(Of({{std::nullopt, "x"}}).value(), Of({{"", "x"}}).value());  // missing vs empty key
  EXPECT_NE(Of({{"", "ab"}}).value(), Of({{"", "a"}, {"", "b"}}).value());
  EXPECT_NE(Of({}).value(), Of({{std::nullopt, ""}}).value());  // an empty record counts
}

TEST(Fingerprint, EveryLengthAndByteCounts) {
  // Lengths 0..80 cover the word loop and every tail length; one changed byte anywhere shows.
  std::set<std::uint64_t> seen;
  std::string payload;
  for (int len = 0; len <= 80; ++len) {
    EXPECT_TRUE(seen.insert(Fingerprint::record_hash(std::nullopt, payload)).second) << len;
    for (int i = 0; i < len; ++i) {
      std::string flipped = payload;
      flipped[static_cast<std::size_t>(i)] ^= 0x01;
      EXPECT_NE(Fingerprint::record_hash(std::nullopt, flipped),
                Fingerprint::record_hash(std::nullopt, payload));
    }
    payload.push_back(static_cast<char>('a' + len % 26));
  }
}

TEST(Fingerprint, HashesBytesWithXxh64) {
  // Published XXH64 values (xxHash's reference implementation and its Python binding's README).
  EXPECT_EQ(Fingerprint::hash64(""), 0xef46db3751d8e999u);
  EXPECT_EQ(Fingerprint::hash64("abc"), 0x44bc2cf5ad770999u);
  EXPECT_EQ(Fingerprint::hash64("Nobody inspects the spammish repetition"), 0xfbcea83c8a378bf1u);
}

// Golden values: the fingerprint is compared across machines and versions, so it must never
// change by accident.
TEST(Fingerprint, GoldenValuesDoNotChange) {
  EXPECT_EQ(Fingerprint().hex(), "746964656d61726b");
  EXPECT_EQ(Of({{"203.0.113.42", "{\"test_data\":42,\"event_timestamp\":1732345678901}"},
                {std::nullopt, ""},
                {"", std::string_view("\0\xff\x80 binary", 10)}})
                .hex(),
            "e912c8b685de3a54");
}

}  // namespace
}  // namespace tidemark::producer
