// The shared test corpus: varied, seeded events of every type that every serializer must round
// trip, and events that every serializer must refuse to encode.
//
// Edge cases come first (empty strings, quotes, backslashes, every control character, emoji and
// other multi-byte UTF-8, extreme and negative times, missing nullable values, extreme numbers),
// then `random_count` seeded random events. The same seed gives the same corpus on any machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tidemark/core/events.h"

namespace tidemark::testing {

std::vector<core::Event> corpus(core::EventType type, std::uint64_t seed = 20261127,
                                std::size_t random_count = 200);

// Events no serializer may encode: invalid UTF-8 in a string field, a non-finite double.
// Each comes with the field name the error message must mention.
struct UnencodableEvent {
  core::Event event;
  std::string field;
};
std::vector<UnencodableEvent> unencodable_events(core::EventType type);

// Readable one-line description of an event, for test failure messages.
std::string describe(const core::Event& event);

}  // namespace tidemark::testing
