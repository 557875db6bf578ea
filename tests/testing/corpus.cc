#include "tidemark/testing/corpus.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <type_traits>

#include "tidemark/core/time.h"

namespace tidemark::testing {
namespace {

using core::Event;
using core::GeoData;
using core::LabEvent;
using core::TaxiTrip;
using core::WebEvent;

constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int32_t kI32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kI32Max = std::numeric_limits<std::int32_t>::max();

// Strings that stress every escaping and encoding path.
std::vector<std::string> tricky_strings() {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls.push_back(static_cast<char>(c));
  all_controls.push_back('\x7f');
  return {
      "",
      "plain ascii",
      "quote \" and backslash \\ and slash /",
      all_controls,
      std::string("nul\0inside", 10),
      "caf\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad\xe6\x96\x87",          // é € 中文
      "emoji \xf0\x9f\x98\x80 \xf0\x9f\x9a\x95",                    // 😀 🚕
      "\xef\xbb\xbf" "bom first",                                  // U+FEFF
      "\xf4\x8f\xbf\xbf max code point",                           // U+10FFFF
      "\xe2\x80\xa8 line and paragraph \xe2\x80\xa9 separators",   // U+2028 U+2029
      "</script><!-- html -->",
      std::string(1000, 'x'),
  };
}

std::string random_string(std::mt19937_64& rng, std::size_t max_len) {
  static const std::vector<std::string> pieces = {
      "a", "Z", "0", " ", "/", "?", "=", "&", "\"", "\\", "\n", "\t", "\x01",
      "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "www", ".com", "kafka"};
  std::uniform_int_distribution<std::size_t> len_dist(0, max_len);
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  std::string s;
  const std::size_t n = len_dist(rng);
  for (std::size_t i = 0; i < n; ++i) s += pieces[piece(rng)];
  return s;
}

std::vector<std::int64_t> extreme_times() {
  return {0, -1, 1, 1732345678901, 1569889562000, -86400000,
          core::kMinFormattableMillis, core::kMaxFormattableMillis,
          951782400000 /* 2000-02-29 */, 4107542399999 /* 2100-02-28T23:59:59.999 */};
}

std::vector<double> extreme_doubles() {
  return {0.0, -0.0, 0.1, 5.88, 0.7, 18.0, -2.5, 1e-300, 5e-324, 2.2250738585072014e-308,
          1.7976931348623157e308, 123456789.123456789, 1e21, 1e-7, 3.0e15, 1.0 / 3.0};
}

std::vector<Event> lab_corpus(std::mt19937_64& rng, std::size_t n) {
  std::vector<Event> out;
  for (std::int32_t d : {0, 42, -1, kI32Min, kI32Max}) {
    for (std::int64_t t : {std::int64_t{0}, std::int64_t{1732345678901}, std::int64_t{-1}, kI64Min,
                           kI64Max}) {
      out.push_back(LabEvent{d, t});
    }
  }
  std::uniform_int_distribution<std::int32_t> d(kI32Min, kI32Max);
  std::uniform_int_distribution<std::int64_t> t(kI64Min, kI64Max);
  std::uniform_int_distribution<std::int64_t> recent(1700000000000, 1800000000000);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(LabEvent{d(rng), i % 2 == 0 ? recent(rng) : t(rng)});
  }
  return out;
}

std::vector<Event> web_corpus(std::mt19937_64& rng, std::size_t n) {
  std::vector<Event> out;
  out.push_back(core::sample_event(core::EventType::kWeb));
  out.push_back(WebEvent{});  // every string empty, time 0
  for (const auto& s : tricky_strings()) {
    out.push_back(WebEvent{s, s, s, s, s, GeoData{s, s, s}, 1732345678901});
  }
  for (std::int64_t t : extreme_times()) {
    WebEvent e = std::get<WebEvent>(core::sample_event(core::EventType::kWeb));
    e.event_time = t;
    out.push_back(e);
  }
  std::uniform_int_distribution<std::int64_t> t(core::kMinFormattableMillis,
                                                core::kMaxFormattableMillis);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(WebEvent{random_string(rng, 40), random_string(rng, 20), random_string(rng, 60),
                           random_string(rng, 10), random_string(rng, 8),
                           GeoData{random_string(rng, 3), random_string(rng, 6),
                                   random_string(rng, 6)},
                           t(rng)});
  }
  return out;
}

std::vector<Event> taxi_corpus(std::mt19937_64& rng, std::size_t n) {
  std::vector<Event> out;
  out.push_back(core::sample_event(core::EventType::kTaxi));
  // A dispatch trip: blank passenger_count stays missing.
  out.push_back(TaxiTrip{1569888660000, 1569889860000, 42, 75, std::nullopt, 4.33, 0.0});
  out.push_back(TaxiTrip{0, 0, 0, 0, 0, 0.0, 0.0});  // present zero, distinct from missing
  out.push_back(TaxiTrip{-1, -1, kI32Min, kI32Max, kI32Max, -0.0, -0.0});
  for (std::int64_t t : extreme_times()) {
    out.push_back(TaxiTrip{t, t, 1, 265, std::nullopt, 0.7, 0.1});
  }
  for (double d : extreme_doubles()) {
    out.push_back(TaxiTrip{1569889562000, 1569890398000, 112, 196, 1, d, -d});
  }
  std::uniform_int_distribution<std::int64_t> t(core::kMinFormattableMillis,
                                                core::kMaxFormattableMillis);
  std::uniform_int_distribution<std::int32_t> loc(1, 265);
  std::uniform_int_distribution<std::int32_t> pax(0, 6);
  std::uniform_real_distribution<double> dist(0.0, 50.0);
  std::uniform_int_distribution<std::int64_t> bits(kI64Min, kI64Max);
  for (std::size_t i = 0; i < n; ++i) {
    std::optional<std::int32_t> passengers;
    if (i % 5 != 0) passengers = pax(rng);
    double d = dist(rng);
    if (i % 7 == 0) {
      // Arbitrary finite bit patterns, subnormals included.
      std::int64_t b = bits(rng);
      double raw;
      static_assert(sizeof raw == sizeof b);
      std::memcpy(&raw, &b, sizeof raw);
      if (std::isfinite(raw)) d = raw;
    }
    out.push_back(TaxiTrip{t(rng), t(rng), loc(rng), loc(rng), passengers, d,
                           std::round(dist(rng) * 100) / 100});
  }
  return out;
}

}  // namespace

std::vector<Event> corpus(core::EventType type, std::uint64_t seed, std::size_t random_count) {
  std::mt19937_64 rng(seed);
  switch (type) {
    case core::EventType::kLab: return lab_corpus(rng, random_count);
    case core::EventType::kWeb: return web_corpus(rng, random_count);
    case core::EventType::kTaxi: return taxi_corpus(rng, random_count);
  }
  return {};
}

std::vector<UnencodableEvent> unencodable_events(core::EventType type) {
  std::vector<UnencodableEvent> out;
  switch (type) {
    case core::EventType::kLab:
      break;  // integers only: every lab event is encodable
    case core::EventType::kWeb: {
      const WebEvent base = std::get<WebEvent>(core::sample_event(core::EventType::kWeb));
      const std::vector<std::string> bad = {
          "\xff", "trunc \xe2\x82", "overlong \xc0\xaf", "surrogate \xed\xa0\x80",
          "beyond \xf4\x90\x80\x80", "lone continuation \x80"};
      for (const auto& b : bad) {
        WebEvent e = base;
        e.user_agent = b;
        out.push_back({e, "user_agent"});
        e = base;
        e.geodata.city = b;
        out.push_back({e, "city"});
      }
      break;
    }
    case core::EventType::kTaxi:
      break;  // no strings; non-finite doubles are format-specific (see the conformance tests)
  }
  return out;
}

std::string describe(const core::Event& event) {
  std::ostringstream os;
  std::visit(
      [&os](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, LabEvent>) {
          os << "lab{test_data=" << e.test_data << ", event_timestamp=" << e.event_timestamp << "}";
        } else if constexpr (std::is_same_v<T, WebEvent>) {
          os << "web{url.size=" << e.url.size() << ", user_agent.size=" << e.user_agent.size()
             << ", event_time=" << e.event_time << "}";
        } else {
          os.precision(17);
          os << "taxi{pickup=" << e.lpep_pickup_datetime << ", dropoff=" << e.lpep_dropoff_datetime
             << ", PU=" << e.pu_location_id << ", DO=" << e.do_location_id << ", passengers="
             << (e.passenger_count ? std::to_string(*e.passenger_count) : "null")
             << ", distance=" << e.trip_distance << ", tip=" << e.tip_amount << "}";
        }
      },
      event);
  return os.str();
}

}  // namespace tidemark::testing
