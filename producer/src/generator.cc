#include "tidemark/producer/generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

namespace tidemark::producer {
namespace {

using core::EventType;

// Independent random streams per purpose (see Random::derive).
constexpr std::uint64_t kDomainEvent = 1;
constexpr std::uint64_t kDomainVisitor = 2;

// ---- weighted tables -------------------------------------------------------------------------

template <typename T>
struct Weighted {
  T value;
  std::uint32_t weight;
};

// A fixed list with integer weights; pick() costs one bounded draw and a binary search.
template <typename T, std::size_t N>
class WeightedTable {
 public:
  constexpr explicit WeightedTable(const std::array<Weighted<T>, N>& entries) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < N; ++i) {
      values_[i] = entries[i].value;
      sum += entries[i].weight;
      upper_[i] = sum;
    }
  }
  const T& pick(Random& rng) const noexcept {
    const auto x = static_cast<std::uint32_t>(rng.below(upper_[N - 1]));
    const auto it = std::upper_bound(upper_.begin(), upper_.end(), x);
    return values_[static_cast<std::size_t>(it - upper_.begin())];
  }

 private:
  std::array<T, N> values_{};
  std::array<std::uint32_t, N> upper_{};
};

template <typename T, typename... Entries>
constexpr auto weighted(Entries... entries) {
  return WeightedTable<T, sizeof...(Entries)>(
      std::array<Weighted<T>, sizeof...(Entries)>{entries...});
}

// ---- web tables ------------------------------------------------------------------------------

// Sites on the reserved example domains (RFC 2606), so generated traffic never names a real site.
using WS = Weighted<std::string_view>;
constexpr auto kHosts = weighted<std::string_view>(
    WS{"www.example.com", 40}, WS{"shop.example.com", 30}, WS{"m.example.com", 12},
    WS{"blog.example.org", 8}, WS{"docs.example.net", 5}, WS{"support.example.com", 5});

enum class PathKind : std::uint8_t { kPlain, kId, kTerm, kSlug };
struct PathTemplate {
  std::string_view prefix;
  PathKind kind = PathKind::kPlain;
  std::string_view suffix = {};
};
using WP = Weighted<PathTemplate>;

constexpr auto kPaths = weighted<PathTemplate>(
    WP{{"/"}, 120}, WP{{"/products"}, 40}, WP{{"/products/", PathKind::kId}, 110},
    WP{{"/products/", PathKind::kId, "/reviews"}, 15},
    WP{{"/products/", PathKind::kId, "?utm_source=newsletter&utm_medium=email"}, 6},
    WP{{"/category/electronics"}, 20}, WP{{"/category/books"}, 15},
    WP{{"/category/home-garden"}, 10}, WP{{"/category/toys"}, 8}, WP{{"/category/sports"}, 8},
    WP{{"/category/electronics?page=", PathKind::kId}, 4}, WP{{"/cart"}, 35}, WP{{"/checkout"}, 15},
    WP{{"/checkout/shipping"}, 10}, WP{{"/checkout/payment"}, 9}, WP{{"/checkout/confirmation"}, 7},
    WP{{"/search?q=", PathKind::kTerm}, 45}, WP{{"/account"}, 10}, WP{{"/account/orders"}, 10},
    WP{{"/account/orders/", PathKind::kId}, 6}, WP{{"/account/settings"}, 4}, WP{{"/login"}, 18},
    WP{{"/logout"}, 5}, WP{{"/signup"}, 6}, WP{{"/blog"}, 12}, WP{{"/blog/", PathKind::kSlug}, 25},
    WP{{"/docs"}, 8}, WP{{"/docs/getting-started"}, 10}, WP{{"/docs/api"}, 5}, WP{{"/docs/faq"}, 5},
    WP{{"/about"}, 5}, WP{{"/contact"}, 5}, WP{{"/careers"}, 3}, WP{{"/privacy"}, 2},
    WP{{"/terms"}, 2}, WP{{"/help"}, 6}, WP{{"/help/returns"}, 4}, WP{{"/help/shipping"}, 4},
    WP{{"/deals"}, 12}, WP{{"/deals/black-friday"}, 6}, WP{{"/wishlist"}, 6},
    WP{{"/api/v1/recommendations?product=", PathKind::kId}, 8}, WP{{"/sitemap.xml"}, 2},
    WP{{"/robots.txt"}, 2}, WP{{"/favicon.ico"}, 3});

constexpr std::uint64_t kMaxId = 99999;

// Already URL-encoded, as they appear in a URL (one has a UTF-8 é, percent-encoded).
constexpr std::array<std::string_view, 14> kSearchTerms{
    "kafka+streams",  "wireless+headphones", "running+shoes",   "usb-c+cable",
    "coffee+grinder", "standing+desk",       "4k+monitor",      "mechanical+keyboard",
    "flink",          "gift+card",           "caf%C3%A9+table", "lego",
    "air+fryer",      "rain+jacket"};

constexpr std::array<std::string_view, 10> kBlogSlugs{
    "watermarks-explained",           "exactly-once-in-practice",
    "kafka-partitions-101",           "event-time-vs-processing-time",
    "tuning-flink-checkpoints",       "schema-evolution-with-protobuf",
    "late-data-and-allowed-lateness", "building-a-clickstream-pipeline",
    "holiday-gift-guide-2025",        "how-we-ship-orders"};

enum class ReferrerKind : std::uint8_t { kStatic, kInternal, kSearchQuery };
struct ReferrerTemplate {
  std::string_view text;  // the referrer, or its prefix for kSearchQuery
  ReferrerKind kind = ReferrerKind::kStatic;
};
using WR = Weighted<ReferrerTemplate>;

// Most browsers send only the origin to other sites (strict-origin-when-cross-origin), so search
// engines mostly appear as a bare origin; "" is a direct visit.
constexpr auto kReferrers = weighted<ReferrerTemplate>(
    WR{{""}, 30}, WR{{"", ReferrerKind::kInternal}, 30}, WR{{"https://www.google.com/"}, 20},
    WR{{"https://www.google.com/search?q=", ReferrerKind::kSearchQuery}, 3},
    WR{{"https://www.bing.com/"}, 5}, WR{{"https://duckduckgo.com/"}, 3},
    WR{{"https://search.yahoo.com/"}, 1}, WR{{"https://www.facebook.com/"}, 4},
    WR{{"https://l.facebook.com/"}, 3}, WR{{"https://www.instagram.com/"}, 2},
    WR{{"https://www.reddit.com/r/apachekafka/"}, 2}, WR{{"https://news.ycombinator.com/"}, 2},
    WR{{"https://www.linkedin.com/"}, 2}, WR{{"https://t.co/"}, 2},
    WR{{"https://www.youtube.com/"}, 2}, WR{{"android-app://com.google.android.gm/"}, 1});

// Current user agents, weighted roughly by share; about 4% bots and tools.
constexpr auto kUserAgents = weighted<std::string_view>(
    WS{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/131.0.0.0 Safari/537.36",
       24},
    WS{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/131.0.0.0 Safari/537.36",
       9},
    WS{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/131.0.0.0 Safari/537.36",
       3},
    WS{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
       7},
    WS{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 4},
    WS{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 1},
    WS{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "Version/18.1 Safari/605.1.15",
       6},
    WS{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
       "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
       18},
    WS{"Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
       "Version/17.7 Mobile/15E148 Safari/604.1",
       2},
    WS{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/131.0.0.0 Mobile Safari/537.36",
       16},
    WS{"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
       "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
       3},
    WS{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 1},
    WS{"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
       "Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
       "+http://www.google.com/bot.html)",
       1},
    WS{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 1},
    WS{"DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", 1}, WS{"curl/8.5.0", 1},
    WS{"python-requests/2.32.3", 1});

struct Place {
  std::string_view country;  // ISO 3166-1 alpha-2
  std::string_view state;    // region name as geo-IP databases give it
  std::string_view city;
};
using WG = Weighted<Place>;

// Weighted towards North America and Europe, as a typical English-language shop's traffic is.
constexpr auto kPlaces = weighted<Place>(
    WG{{"US", "New York", "New York"}, 14}, WG{{"US", "California", "Los Angeles"}, 9},
    WG{{"US", "California", "San Francisco"}, 6}, WG{{"US", "Illinois", "Chicago"}, 6},
    WG{{"US", "Texas", "Houston"}, 5}, WG{{"US", "Texas", "Austin"}, 3},
    WG{{"US", "Washington", "Seattle"}, 4}, WG{{"US", "Massachusetts", "Boston"}, 4},
    WG{{"US", "Florida", "Miami"}, 3}, WG{{"US", "Georgia", "Atlanta"}, 3},
    WG{{"US", "Colorado", "Denver"}, 2}, WG{{"US", "Virginia", "Ashburn"}, 2},
    WG{{"CA", "Ontario", "Toronto"}, 5}, WG{{"CA", "Québec", "Montréal"}, 3},
    WG{{"CA", "British Columbia", "Vancouver"}, 2},
    WG{{"MX", "Ciudad de México", "Ciudad de México"}, 3}, WG{{"BR", "São Paulo", "São Paulo"}, 5},
    WG{{"BR", "Rio de Janeiro", "Rio de Janeiro"}, 2},
    WG{{"AR", "Buenos Aires", "Buenos Aires"}, 2}, WG{{"CO", "Bogotá D.C.", "Bogotá"}, 1},
    WG{{"GB", "England", "London"}, 8}, WG{{"GB", "England", "Manchester"}, 2},
    WG{{"IE", "Leinster", "Dublin"}, 2}, WG{{"DE", "Berlin", "Berlin"}, 5},
    WG{{"DE", "Bayern", "München"}, 4}, WG{{"DE", "Nordrhein-Westfalen", "Düsseldorf"}, 2},
    WG{{"DE", "Hamburg", "Hamburg"}, 2}, WG{{"FR", "Île-de-France", "Paris"}, 5},
    WG{{"NL", "Noord-Holland", "Amsterdam"}, 3}, WG{{"BE", "Brussels Capital", "Brussels"}, 1},
    WG{{"CH", "Zürich", "Zürich"}, 2}, WG{{"AT", "Wien", "Wien"}, 1},
    WG{{"ES", "Madrid", "Madrid"}, 2}, WG{{"IT", "Lombardia", "Milano"}, 2},
    WG{{"SE", "Skåne", "Malmö"}, 1}, WG{{"SE", "Stockholm", "Stockholm"}, 2},
    WG{{"PL", "Małopolskie", "Kraków"}, 1}, WG{{"IS", "Höfuðborgarsvæðið", "Reykjavík"}, 1},
    WG{{"TR", "İstanbul", "İstanbul"}, 1}, WG{{"IN", "Karnataka", "Bengaluru"}, 4},
    WG{{"IN", "Maharashtra", "Mumbai"}, 2}, WG{{"SG", "Singapore", "Singapore"}, 2},
    WG{{"JP", "Tokyo", "Tokyo"}, 3}, WG{{"KR", "Seoul", "Seoul"}, 1},
    WG{{"VN", "Hà Nội", "Hà Nội"}, 1}, WG{{"AU", "New South Wales", "Sydney"}, 3},
    WG{{"NZ", "Auckland", "Auckland"}, 1}, WG{{"ZA", "Gauteng", "Johannesburg"}, 1});

// Not routable on the public Internet (RFC 6890 and friends): private, loopback, link-local,
// shared (CGNAT), documentation, benchmarking, 6to4 relay, multicast and reserved.
struct Cidr {
  std::uint32_t base;
  int bits;
};
constexpr std::array<Cidr, 15> kReservedIpv4{{
    {0x00000000, 8},   // 0.0.0.0/8
    {0x0A000000, 8},   // 10.0.0.0/8
    {0x64400000, 10},  // 100.64.0.0/10
    {0x7F000000, 8},   // 127.0.0.0/8
    {0xA9FE0000, 16},  // 169.254.0.0/16
    {0xAC100000, 12},  // 172.16.0.0/12
    {0xC0000000, 24},  // 192.0.0.0/24
    {0xC0000200, 24},  // 192.0.2.0/24
    {0xC0586300, 24},  // 192.88.99.0/24
    {0xC0A80000, 16},  // 192.168.0.0/16
    {0xC6120000, 15},  // 198.18.0.0/15
    {0xC6336400, 24},  // 198.51.100.0/24
    {0xCB007100, 24},  // 203.0.113.0/24
    {0xE0000000, 4},   // 224.0.0.0/4
    {0xF0000000, 4},   // 240.0.0.0/4, including 255.255.255.255
}};

bool is_public_ipv4(std::uint32_t a) noexcept {
  for (const Cidr& c : kReservedIpv4) {
    if ((a >> (32 - c.bits)) == (c.base >> (32 - c.bits))) return false;
  }
  const std::uint32_t last = a & 0xFF;
  return last != 0 && last != 255;  // network and broadcast addresses look wrong in access logs
}

struct Visitor {
  std::uint32_t ip;
  const std::string_view* user_agent;
  const Place* place;
};

// A visitor's fixed attributes: a pure function of (seed, visitor number).
Visitor visitor(std::uint64_t seed, std::uint64_t number) {
  Random rng = Random::derive(seed, kDomainVisitor, number);
  std::uint32_t ip = 0;
  do {
    ip = static_cast<std::uint32_t>(rng.next() >> 32);
  } while (!is_public_ipv4(ip));
  const std::string_view& agent = kUserAgents.pick(rng);
  const Place& place = kPlaces.pick(rng);
  return {ip, &agent, &place};
}

// ---- taxi tables -----------------------------------------------------------------------------

using WZ = Weighted<std::int32_t>;
// TLC zones green taxis serve most (Upper Manhattan, Brooklyn, Queens).
constexpr auto kBusyZones = weighted<std::int32_t>(
    WZ{74, 30}, WZ{75, 24}, WZ{41, 20}, WZ{42, 14}, WZ{166, 12}, WZ{7, 12}, WZ{82, 11}, WZ{95, 10},
    WZ{97, 9}, WZ{129, 10}, WZ{65, 9}, WZ{244, 8}, WZ{181, 8}, WZ{255, 8}, WZ{260, 7}, WZ{152, 6},
    WZ{116, 7}, WZ{43, 6}, WZ{24, 5}, WZ{33, 5}, WZ{61, 6}, WZ{49, 5}, WZ{25, 5}, WZ{92, 6},
    WZ{226, 5}, WZ{223, 5}, WZ{83, 4}, WZ{173, 4}, WZ{236, 4}, WZ{263, 3});

constexpr auto kPassengers =
    weighted<std::int32_t>(WZ{1, 72}, WZ{2, 14}, WZ{3, 4}, WZ{4, 2}, WZ{5, 5}, WZ{6, 3});

std::int32_t taxi_zone(Random& rng) {
  if (rng.below(100) < 70) return kBusyZones.pick(rng);
  return static_cast<std::int32_t>(rng.between(1, 265));
}

// ---- helpers ---------------------------------------------------------------------------------

void append_uint(std::string& out, std::uint64_t value) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, res.ptr);
}

void append_ipv4(std::string& out, std::uint32_t ip) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    append_uint(out, (ip >> shift) & 0xFF);
    if (shift != 0) out.push_back('.');
  }
}

void append_path(std::string& out, Random& rng) {
  const PathTemplate& path = kPaths.pick(rng);
  out.append(path.prefix);
  switch (path.kind) {
    case PathKind::kPlain:
      break;
    case PathKind::kId:
      append_uint(out, rng.between(1, kMaxId));
      break;
    case PathKind::kTerm:
      out.append(kSearchTerms[rng.below(kSearchTerms.size())]);
      break;
    case PathKind::kSlug:
      out.append(kBlogSlugs[rng.below(kBlogSlugs.size())]);
      break;
  }
  out.append(path.suffix);
}

// `t` rounded down to a whole second (up, in the one second below that has no whole second).
std::int64_t whole_second(std::int64_t t) noexcept {
  std::int64_t rem = t % 1000;
  if (rem < 0) rem += 1000;
  std::int64_t r = 0;
  if (__builtin_sub_overflow(t, rem, &r)) return t + (1000 - rem);
  return r;
}

std::int64_t saturating_sub(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return std::numeric_limits<std::int64_t>::min();
  return r;
}

// Hands `out` the alternative T, keeping the old value (and its string capacity) if it has it.
template <typename T>
T& reuse(core::Event& out) {
  if (T* existing = std::get_if<T>(&out)) return *existing;
  return out.emplace<T>();
}

void make_lab(Random& rng, std::int64_t t, core::LabEvent& e) {
  e.test_data = static_cast<std::int32_t>(rng.below(100));
  e.event_timestamp = t;
}

void make_web(std::uint64_t seed, Random& rng, std::int64_t t, core::WebEvent& e) {
  // min of two uniform draws: a linear skew, the busiest visitors come about twice as often as
  // the average one.
  const std::uint64_t who =
      std::min(rng.below(EventGenerator::kWebVisitors), rng.below(EventGenerator::kWebVisitors));
  const Visitor v = visitor(seed, who);
  const std::string_view host = kHosts.pick(rng);

  e.url.assign("https://");
  e.url.append(host);
  append_path(e.url, rng);

  const ReferrerTemplate& ref = kReferrers.pick(rng);
  switch (ref.kind) {
    case ReferrerKind::kStatic:
      e.referrer.assign(ref.text);
      break;
    case ReferrerKind::kInternal:
      e.referrer.assign("https://");
      e.referrer.append(host);
      append_path(e.referrer, rng);
      break;
    case ReferrerKind::kSearchQuery:
      e.referrer.assign(ref.text);
      e.referrer.append(kSearchTerms[rng.below(kSearchTerms.size())]);
      break;
  }
  e.user_agent.assign(*v.user_agent);
  e.host.assign(host);
  e.ip.clear();
  append_ipv4(e.ip, v.ip);
  e.geodata.country.assign(v.place->country);
  e.geodata.state.assign(v.place->state);
  e.geodata.city.assign(v.place->city);
  e.event_time = t;
}

void make_taxi(Random& rng, std::int64_t t, core::TaxiTrip& e) {
  // Distance in hundredths of a mile: 85% neighbourhood trips of 0.10..6.00, 15% longer trips of
  // 3.00..30.00, each skewed short (min of two uniform draws).
  std::int64_t hundredths = 0;
  if (rng.below(100) < 85) {
    hundredths = 10 + static_cast<std::int64_t>(std::min(rng.below(591), rng.below(591)));
  } else {
    hundredths = 300 + static_cast<std::int64_t>(std::min(rng.below(2701), rng.below(2701)));
  }
  // Duration from distance at a city speed of 6..16 mph, faster by 1 mph per mile (longer trips
  // use highways), plus 1..5 minutes of stops; clamped to 2..60 min, which rarely bites.
  const std::int64_t mph = rng.between(6, 16) + hundredths / 100;
  const std::int64_t seconds =
      std::clamp<std::int64_t>(hundredths * 36 / mph + rng.between(60, 300), 120, 3600);
  // The 2019 meter: $2.50 flag drop, $2.50 a mile, and about $0.35 a minute of slow traffic.
  const std::int64_t fare_cents = 250 + hundredths * 250 / 100 + seconds * 35 / 60;
  std::int64_t tip_cents = 0;
  if (rng.below(100) >= 40) tip_cents = (fare_cents * rng.between(10, 25) + 50) / 100;

  e.pu_location_id = taxi_zone(rng);
  e.do_location_id = rng.below(10) == 0 ? e.pu_location_id : taxi_zone(rng);
  if (rng.below(100) < 8) {
    e.passenger_count.reset();
  } else {
    e.passenger_count = kPassengers.pick(rng);
  }
  e.lpep_dropoff_datetime = whole_second(t);
  e.lpep_pickup_datetime = saturating_sub(e.lpep_dropoff_datetime, seconds * 1000);
  e.trip_distance = static_cast<double>(hundredths) / 100.0;
  e.tip_amount = static_cast<double>(tip_cents) / 100.0;
}

}  // namespace

core::Event EventGenerator::make(std::uint64_t index, std::int64_t event_time_ms) const {
  core::Event event;
  make_into(index, event_time_ms, event);
  return event;
}

void EventGenerator::make_into(std::uint64_t index, std::int64_t event_time_ms,
                               core::Event& out) const {
  Random rng = Random::derive(seed_, kDomainEvent, index);
  switch (type_) {
    case EventType::kLab:
      make_lab(rng, event_time_ms, reuse<core::LabEvent>(out));
      return;
    case EventType::kWeb:
      make_web(seed_, rng, event_time_ms, reuse<core::WebEvent>(out));
      return;
    case EventType::kTaxi:
      make_taxi(rng, event_time_ms, reuse<core::TaxiTrip>(out));
      return;
  }
}

// ---- keys ------------------------------------------------------------------------------------

namespace {

// key_into() below relies on the field order of the core tables.
static_assert(core::kLabFields[0].name == "test_data" &&
              core::kLabFields[1].name == "event_timestamp");
static_assert(core::kWebFields[0].name == "url" && core::kWebFields[1].name == "referrer" &&
              core::kWebFields[2].name == "user_agent" && core::kWebFields[3].name == "host" &&
              core::kWebFields[4].name == "ip" && core::kWebFields[5].name == "geodata" &&
              core::kWebFields[6].name == "event_time");
static_assert(core::kTaxiFields[0].name == "lpep_pickup_datetime" &&
              core::kTaxiFields[1].name == "lpep_dropoff_datetime" &&
              core::kTaxiFields[2].name == "PULocationID" &&
              core::kTaxiFields[3].name == "DOLocationID" &&
              core::kTaxiFields[4].name == "passenger_count" &&
              core::kTaxiFields[5].name == "trip_distance" &&
              core::kTaxiFields[6].name == "tip_amount");
static_assert(core::kGeoDataFields[0].name == "country" &&
              core::kGeoDataFields[1].name == "state" && core::kGeoDataFields[2].name == "city");

constexpr std::string_view kGeoPaths[] = {"geodata.country", "geodata.state", "geodata.city"};

void set_int(std::string& out, std::int64_t value) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  out.assign(buf, res.ptr);
}

void set_double(std::string& out, double value) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);  // shortest round-trip form
  out.assign(buf, res.ptr);
}

std::string valid_key_names(EventType type) {
  std::string names;
  for (const core::FieldInfo& f : core::fields_of(type)) {
    if (f.type == core::FieldType::kStruct) {
      for (std::string_view path : kGeoPaths) {
        names += names.empty() ? "" : ", ";
        names += path;
      }
      continue;
    }
    names += names.empty() ? "" : ", ";
    names += f.name;
  }
  return names;
}

}  // namespace

KeySpec KeySpec::default_for(EventType type) noexcept {
  switch (type) {
    case EventType::kLab:
      return {type, -1, -1};
    case EventType::kWeb:
      return {type, 4, -1};  // ip
    case EventType::kTaxi:
      return {type, 2, -1};  // PULocationID
  }
  return {type, -1, -1};
}

KeySpec KeySpec::none(EventType type) noexcept { return {type, -1, -1}; }

core::Result<KeySpec> KeySpec::field(EventType type, std::string_view name) {
  const auto fields = core::fields_of(type);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].type == core::FieldType::kStruct) {
      for (std::size_t j = 0; j < std::size(kGeoPaths); ++j) {
        if (name == kGeoPaths[j]) return KeySpec(type, static_cast<int>(i), static_cast<int>(j));
      }
      if (name == fields[i].name) {
        return core::invalid_argument(
            "key field '" + std::string(name) + "' of " + std::string(core::event_type_name(type)) +
            " events is a structure; use one of its fields (valid: " + valid_key_names(type) + ")");
      }
      continue;
    }
    if (name == fields[i].name) return KeySpec(type, static_cast<int>(i), -1);
  }
  return core::invalid_argument("unknown key field '" + std::string(name) + "' for " +
                                std::string(core::event_type_name(type)) +
                                " events (valid: " + valid_key_names(type) + ")");
}

core::Result<KeySpec> KeySpec::parse(EventType type, std::string_view text) {
  if (text == "none") return none(type);
  if (text == "default") return default_for(type);
  return field(type, text);
}

std::string_view KeySpec::field_name() const noexcept {
  if (field_ < 0) return {};
  if (subfield_ >= 0) return kGeoPaths[subfield_];
  return core::fields_of(type_)[static_cast<std::size_t>(field_)].name;
}

bool KeySpec::key_into(const core::Event& event, std::string& out) const {
  out.clear();
  if (field_ < 0 || core::event_type_of(event) != type_) return false;
  return std::visit(
      [&](const auto& e) -> bool {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::LabEvent>) {
          set_int(out, field_ == 0 ? e.test_data : e.event_timestamp);
        } else if constexpr (std::is_same_v<T, core::WebEvent>) {
          switch (field_) {
            case 0:
              out.assign(e.url);
              break;
            case 1:
              out.assign(e.referrer);
              break;
            case 2:
              out.assign(e.user_agent);
              break;
            case 3:
              out.assign(e.host);
              break;
            case 4:
              out.assign(e.ip);
              break;
            case 5:
              out.assign(subfield_ == 0   ? e.geodata.country
                         : subfield_ == 1 ? e.geodata.state
                                          : e.geodata.city);
              break;
            default:
              set_int(out, e.event_time);
              break;
          }
        } else {
          switch (field_) {
            case 0:
              set_int(out, e.lpep_pickup_datetime);
              break;
            case 1:
              set_int(out, e.lpep_dropoff_datetime);
              break;
            case 2:
              set_int(out, e.pu_location_id);
              break;
            case 3:
              set_int(out, e.do_location_id);
              break;
            case 4:
              if (!e.passenger_count) return false;
              set_int(out, *e.passenger_count);
              break;
            case 5:
              set_double(out, e.trip_distance);
              break;
            default:
              set_double(out, e.tip_amount);
              break;
          }
        }
        return true;
      },
      event);
}

std::optional<std::string> KeySpec::key(const core::Event& event) const {
  std::string out;
  if (!key_into(event, out)) return std::nullopt;
  return out;
}

}  // namespace tidemark::producer
