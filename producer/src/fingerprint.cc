#include "tidemark/producer/fingerprint.h"

#include <bit>
#include <cstring>

namespace tidemark::producer {
namespace {

constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t kP5 = 0x27D4EB2F165667C5ULL;

constexpr std::uint64_t kNoKey = 0x6e6f2d6b6579ULL;  // seeds that tell the parts apart
constexpr std::uint64_t kKey = 0x6b6579ULL;
constexpr std::uint64_t kPayload = 0x7061796c6f6164ULL;

std::uint64_t read_le64(const char* p) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

std::uint64_t read_le32(const char* p) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

std::uint64_t mix_round(std::uint64_t acc, std::uint64_t input) noexcept {
  acc += input * kP2;
  acc = std::rotl(acc, 31);
  return acc * kP1;
}

std::uint64_t merge_round(std::uint64_t acc, std::uint64_t lane) noexcept {
  acc ^= mix_round(0, lane);
  return acc * kP1 + kP4;
}

std::uint64_t avalanche(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

}  // namespace

// XXH64 as specified in xxHash's doc/xxhash_spec.md: four lanes over 32-byte stripes, then the
// tail in 8-, 4- and 1-byte steps.
std::uint64_t Fingerprint::hash64(std::string_view bytes, std::uint64_t seed) noexcept {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  std::uint64_t h = 0;
  if (bytes.size() >= 32) {
    std::uint64_t v1 = seed + kP1 + kP2;
    std::uint64_t v2 = seed + kP2;
    std::uint64_t v3 = seed;
    std::uint64_t v4 = seed - kP1;
    for (; end - p >= 32; p += 32) {
      v1 = mix_round(v1, read_le64(p));
      v2 = mix_round(v2, read_le64(p + 8));
      v3 = mix_round(v3, read_le64(p + 16));
      v4 = mix_round(v4, read_le64(p + 24));
    }
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
    h = merge_round(h, v1);
    h = merge_round(h, v2);
    h = merge_round(h, v3);
    h = merge_round(h, v4);
  } else {
    h = seed + kP5;
  }
  h += static_cast<std::uint64_t>(bytes.size());
  for (; end - p >= 8; p += 8) {
    h ^= mix_round(0, read_le64(p));
    h = std::rotl(h, 27) * kP1 + kP4;
  }
  if (end - p >= 4) {
    h ^= read_le32(p) * kP1;
    h = std::rotl(h, 23) * kP2 + kP3;
    p += 4;
  }
  for (; p < end; ++p) {
    h ^= static_cast<std::uint64_t>(static_cast<unsigned char>(*p)) * kP5;
    h = std::rotl(h, 11) * kP1;
  }
  return avalanche(h);
}

std::uint64_t Fingerprint::record_hash(std::optional<std::string_view> key,
                                       std::string_view payload) noexcept {
  const std::uint64_t key_hash = key ? hash64(*key, kKey) : kNoKey;
  return hash64(payload, kPayload ^ avalanche(key_hash + kP3));
}

std::uint64_t Fingerprint::fold(std::uint64_t state, std::uint64_t record) noexcept {
  return avalanche(mix_round(state, record) + kP4);
}

std::string Fingerprint::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[(state_ >> (4 * (15 - i))) & 0xF];
  }
  return out;
}

}  // namespace tidemark::producer
