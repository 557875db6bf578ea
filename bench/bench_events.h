// Realistic, seeded events for the micro-benchmarks: what lab traffic looks like (plausible URLs,
// user agents, IPv4 addresses, taxi trips in the TLC's ranges), not the edge-case test corpus.
#pragma once

#include <cstdint>
#include <vector>

#include "tidemark/core/events.h"

namespace tidemark::bench {

std::vector<core::Event> realistic_events(core::EventType type, std::size_t count,
                                          std::uint64_t seed = 42);

}  // namespace tidemark::bench
