#include "bench_events.h"

#include <array>
#include <cmath>
#include <random>
#include <string>

namespace tidemark::bench {
namespace {

constexpr std::array<const char*, 8> kPaths{
    "/", "/products", "/products/4711", "/cart", "/checkout?step=2",
    "/search?q=kafka+streams", "/blog/2026/11/watermarks-explained", "/account/orders"};
constexpr std::array<const char*, 5> kReferrers{
    "https://www.google.com/", "https://www.bing.com/search?q=flink", "https://news.ycombinator.com/",
    "", "https://t.co/abc123"};
constexpr std::array<const char*, 4> kAgents{
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "curl/7.88.1"};
constexpr std::array<const char*, 3> kHosts{"shop.example.com", "www.example.org", "api.example.net"};
struct Place { const char* country; const char* state; const char* city; };
constexpr std::array<Place, 5> kPlaces{{{"US", "NY", "New York"}, {"DE", "Berlin", "Berlin"},
                                        {"BR", "SP", "S\xc3\xa3o Paulo"}, {"JP", "Tokyo", "Tokyo"},
                                        {"US", "CA", "San Francisco"}}};

}  // namespace

std::vector<core::Event> realistic_events(core::EventType type, std::size_t count,
                                          std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<core::Event> out;
  out.reserve(count);
  std::int64_t t = 1732345678901;
  for (std::size_t i = 0; i < count; ++i) {
    t += static_cast<std::int64_t>(rng() % 200);
    switch (type) {
      case core::EventType::kLab:
        out.push_back(core::LabEvent{static_cast<std::int32_t>(rng() % 1000), t});
        break;
      case core::EventType::kWeb: {
        const Place& p = kPlaces[rng() % kPlaces.size()];
        std::string ip = std::to_string(rng() % 223 + 1) + "." + std::to_string(rng() % 256) + "." +
                         std::to_string(rng() % 256) + "." + std::to_string(rng() % 254 + 1);
        const char* host = kHosts[rng() % kHosts.size()];
        out.push_back(core::WebEvent{std::string("https://") + host + kPaths[rng() % kPaths.size()],
                                     kReferrers[rng() % kReferrers.size()],
                                     kAgents[rng() % kAgents.size()], host, std::move(ip),
                                     core::GeoData{p.country, p.state, p.city}, t});
        break;
      }
      case core::EventType::kTaxi: {
        const std::int64_t pickup = (t / 1000) * 1000;
        const std::int64_t dropoff = pickup + static_cast<std::int64_t>(rng() % 3600) * 1000;
        std::optional<std::int32_t> passengers;
        if (rng() % 10 != 0) passengers = static_cast<std::int32_t>(rng() % 6 + 1);
        const double distance = std::round(static_cast<double>(rng() % 2000) + 10) / 100.0;
        const double tip = (rng() % 3 == 0) ? 0.0 : std::round(static_cast<double>(rng() % 1500)) / 100.0;
        out.push_back(core::TaxiTrip{pickup, dropoff, static_cast<std::int32_t>(rng() % 265 + 1),
                                     static_cast<std::int32_t>(rng() % 265 + 1), passengers,
                                     distance, tip});
        break;
      }
    }
  }
  return out;
}

}  // namespace tidemark::bench
