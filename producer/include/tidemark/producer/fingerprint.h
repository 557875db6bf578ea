// A fingerprint of a produced stream: a 64-bit hash over every record's key and payload, in
// order, printed as 16 hex digits at the end of `tidemark produce`, so two runs (two machines,
// two builds, before and after a change) can be compared at a glance.
//
// Each record contributes (key present?, key bytes, payload bytes), each part hashed with its
// length, so moving bytes between key and payload, a missing key versus an empty one, or a
// different record order all change the fingerprint. Bytes are hashed with XXH64 (written out
// here, reading words as little-endian), so the value is the same on every platform and
// compiler. It detects differences; it is not a cryptographic hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tidemark::producer {

class Fingerprint {
 public:
  // Folds one record in. Order matters.
  void add(std::optional<std::string_view> key, std::string_view payload) noexcept {
    state_ = fold(state_, record_hash(key, payload));
    ++count_;
  }

  // The hash of one record alone: what add() folds in. Equal records give equal hashes, so a
  // test can compare streams as multisets (e.g. the union of shards against one whole run).
  static std::uint64_t record_hash(std::optional<std::string_view> key,
                                   std::string_view payload) noexcept;

  // XXH64 of `bytes` (the published algorithm, bit for bit).
  static std::uint64_t hash64(std::string_view bytes, std::uint64_t seed = 0) noexcept;

  std::uint64_t value() const noexcept { return state_; }
  std::uint64_t count() const noexcept { return count_; }
  // 16 lowercase hex digits of value().
  std::string hex() const;

  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;

 private:
  static std::uint64_t fold(std::uint64_t state, std::uint64_t record) noexcept;

  std::uint64_t state_ = 0x74696465'6d61726bULL;  // "tidemark"
  std::uint64_t count_ = 0;
};

}  // namespace tidemark::producer
