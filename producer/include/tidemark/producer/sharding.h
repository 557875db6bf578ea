// Sharding the seeded event space across producer instances: `--instance i/N`.
//
// N producer processes started with the same seed and options and --instance 0/N .. N-1/N emit
// disjoint streams whose union is exactly what one process emits: event k of the global sequence
// belongs to instance k % N, and every event is a pure function of (seed, k, event time)
// (generator.h), so no coordination between the processes is needed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tidemark/core/status.h"

namespace tidemark::producer {

struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;

  // Whether global event `k` belongs to this shard.
  constexpr bool owns(std::uint64_t k) const noexcept { return k % count == index; }
  // The global index of this shard's `local`-th event (0-based).
  constexpr std::uint64_t global_index(std::uint64_t local) const noexcept {
    return local * count + index;
  }
  // How many of the global events [0, total) belong to this shard.
  constexpr std::uint64_t share_of(std::uint64_t total) const noexcept {
    return total > index ? (total - index - 1) / count + 1 : 0;
  }
  // "i/N", as parse_shard reads it.
  std::string to_string() const;

  friend bool operator==(const Shard&, const Shard&) = default;
};

// Parses "i/N" with 0 <= i < N and N >= 1 (decimal, no signs or spaces). Errors
// (kInvalidArgument) quote the text and say what is wrong.
core::Result<Shard> parse_shard(std::string_view text);

}  // namespace tidemark::producer
