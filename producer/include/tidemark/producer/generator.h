// Seeded, reproducible event generators for the built-in event types, and message keys.
//
// `tidemark produce --seed N` must give byte-identical payloads and keys on any machine for the
// same seed, count and options (with a simulated clock), and `--instance i/N` must split one
// stream into disjoint shards. Both follow from one rule: event number `index` of the global
// sequence is a pure function of (type, seed, index, event time). Each event draws from its own
// random state derived from (seed, index), so any event can be produced without producing the
// ones before it, in any order, by any process.
//
// Portability: the standard library's distributions (std::uniform_int_distribution, ...) differ
// between implementations, and libm functions (log, exp, pow) may differ in the last bit between
// platforms. Nothing here uses either: `Random` below is xoshiro256** seeded by splitmix64, integer
// ranges use Lemire's multiply-shift with rejection, and every decimal value (distances, tips) is
// computed in integer hundredths and divided by 100.0 once, which IEEE 754 rounds identically
// everywhere. Changing any table or draw order changes the output for every seed: the golden
// values in tests/producer/generator_test.cc guard against doing so by accident.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tidemark/core/events.h"
#include "tidemark/core/status.h"

namespace tidemark::producer {

// Portable pseudo-random numbers: xoshiro256** (Blackman and Vigna), seeded through splitmix64.
// Not for cryptography. A value type; copying it copies the stream position.
class Random {
 public:
  // The splitmix64 finaliser: a bijective 64-bit mix.
  static constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

  // The state for item `index` of the stream `domain` under `seed`. Different domains (events,
  // disorder, per-user web attributes, ...) give independent streams for the same (seed, index).
  static Random derive(std::uint64_t seed, std::uint64_t domain, std::uint64_t index) noexcept {
    std::uint64_t x = mix64(seed ^ mix64(domain + kGamma));
    x = mix64(x + (index + 1) * kGamma);
    Random r;
    for (std::uint64_t& s : r.s_) {  // splitmix64 sequence from x; never all zero
      x += kGamma;
      s = mix64(x);
    }
    return r;
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); 0 when n == 0. Lemire's nearly divisionless method: unbiased.
  std::uint64_t below(std::uint64_t n) noexcept {
    if (n == 0) return 0;
    U128 m = static_cast<U128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<U128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi] (inclusive); lo when hi <= lo.
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    if (hi <= lo) return lo;
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    const std::uint64_t offset = span == UINT64_MAX ? next() : below(span + 1);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + offset);
  }

  // Uniform in [0, 1), a multiple of 2^-53 (exact on every IEEE 754 machine).
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // True with probability p (p <= 0: never, p >= 1: always).
  bool chance(double p) noexcept { return unit() < p; }

 private:
  __extension__ typedef unsigned __int128
      U128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet
  static constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ULL;
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4] = {};
};

// Generates the built-in event types. Immutable: every method is const and thread-safe.
//
// What the events look like (all drawn per event unless stated):
// * lab:  test_data uniform in [0, 100); event_timestamp = the event time.
// * web:  a visitor drawn from a pool of kWebVisitors (skewed: some visit often), whose IP address
//         (public IPv4, no private, loopback, link-local, shared, documentation, multicast or
//         reserved ranges), user agent (desktop, mobile and bot strings, weighted) and geodata
//         (country code, region, city; some non-ASCII) are fixed per visitor and seed, so a key
//         by ip groups one visitor's page views. Per view: a host, a URL path from several dozen
//         templates (some with product or article ids), a referrer (direct = "", search engines,
//         social sites, or an internal page of the same host). event_time = the event time.
// * taxi: the event time, truncated to the whole second (the TLC files have whole seconds), is
//         the dropoff (DESIGN: the event time of a trip is lpep_dropoff_datetime); pickup is
//         earlier by the trip's duration, 2..60 minutes. Locations 1..265, mostly from the zones
//         green taxis serve most. Distance 0.10..30.00 miles, mostly short; duration follows from
//         distance and a city speed. tip_amount 0 for about 40% of trips, otherwise 10..25% of a
//         metered fare, in cents. passenger_count missing for about 8% (dispatch trips),
//         otherwise 1..6, mostly 1.
class EventGenerator {
 public:
  static constexpr std::uint32_t kWebVisitors = 20000;

  EventGenerator(core::EventType type, std::uint64_t seed) noexcept : type_(type), seed_(seed) {}

  core::EventType type() const noexcept { return type_; }
  std::uint64_t seed() const noexcept { return seed_; }

  // Event `index` of the sequence, at `event_time_ms`. A pure function of (type, seed, index,
  // event_time_ms).
  core::Event make(std::uint64_t index, std::int64_t event_time_ms) const;

  // The same, written into `out`, reusing its strings' capacity when it already holds this type
  // (the producer's hot path).
  void make_into(std::uint64_t index, std::int64_t event_time_ms, core::Event& out) const;

 private:
  core::EventType type_;
  std::uint64_t seed_;
};

// Which field becomes the Kafka message key: `--key-field NAME`, `--key none`, or the type's
// default (DESIGN: web `ip`, taxi `PULocationID`, lab none). A value type.
//
// Key text: strings as they are; integers in decimal; doubles in the shortest form that reads
// back exactly ("5.88"); times as decimal epoch milliseconds. A missing nullable value
// (taxi passenger_count) gives no key, never "0" or "null".
class KeySpec {
 public:
  static KeySpec default_for(core::EventType type) noexcept;
  static KeySpec none(core::EventType type) noexcept;
  // A field of `type` by its JSON name: a top-level field, or geodata.country / geodata.state /
  // geodata.city for web. Errors (kInvalidArgument) name the text and list the valid names.
  static core::Result<KeySpec> field(core::EventType type, std::string_view name);
  // Command-line form: "none", "default", or a field name as for field().
  static core::Result<KeySpec> parse(core::EventType type, std::string_view text);

  core::EventType type() const noexcept { return type_; }
  bool has_key() const noexcept { return field_ >= 0; }
  // "ip", "geodata.city", ...; "" when there is no key.
  std::string_view field_name() const noexcept;

  // Replaces `out` with the key of `event` and returns true, or returns false (out cleared) when
  // there is none: no key field, a missing value, or an event of another type.
  bool key_into(const core::Event& event, std::string& out) const;
  std::optional<std::string> key(const core::Event& event) const;

 private:
  KeySpec(core::EventType type, int field, int subfield) noexcept
      : type_(type), field_(field), subfield_(subfield) {}

  core::EventType type_;
  int field_;     // index into core::fields_of(type_), -1 for no key
  int subfield_;  // index into core::kGeoDataFields for web geodata, else -1
};

// The key of `event` under `spec` (see KeySpec).
inline std::optional<std::string> key_of(const core::Event& event, const KeySpec& spec) {
  return spec.key(event);
}

}  // namespace tidemark::producer
