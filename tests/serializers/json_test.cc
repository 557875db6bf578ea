// The two JSON formats: `json` (hand-written writer, simdjson reader) and `json-nlohmann` (the
// nlohmann::json reference). Exact bytes, escaping, byte identity between the two, and what the
// readers accept and refuse. The registry-wide conformance suite covers round trips of the
// shared corpus and arbitrary bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "tidemark/core/time.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::serializers {
namespace {

using core::Event;
using core::EventType;
using core::GeoData;
using core::LabEvent;
using core::StatusCode;
using core::TaxiTrip;
using core::WebEvent;

const SerializerRegistry& registry() {
  static const SerializerRegistry kRegistry = make_builtin_registry();
  return kRegistry;
}

const Serializer& fast() { return *registry().find("json"); }
const Serializer& reference() { return *registry().find("json-nlohmann"); }

const std::vector<const Serializer*>& both() {
  static const std::vector<const Serializer*> kBoth = {&fast(), &reference()};
  return kBoth;
}

std::string encode(const Serializer& s, const Event& event) {
  std::string out;
  const core::Status status = s.encode(event, out);
  EXPECT_TRUE(status.ok()) << s.name() << ": " << status.to_string();
  return out;
}

// `text` with the first `from` replaced by `to` (which must be there).
std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in " << text;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

WebEvent sample_web() { return std::get<WebEvent>(core::sample_event(EventType::kWeb)); }
TaxiTrip sample_taxi() { return std::get<TaxiTrip>(core::sample_event(EventType::kTaxi)); }

WebEvent web_with_url(std::string url) {
  WebEvent e = sample_web();
  e.url = std::move(url);
  return e;
}

TaxiTrip taxi_with_distance(double distance) {
  TaxiTrip t = sample_taxi();
  t.trip_distance = distance;
  return t;
}

// The JSON text of the url value as written by `s` (quotes included).
std::string written_url(const Serializer& s, const std::string& url) {
  const std::string bytes = encode(s, web_with_url(url));
  const std::string key = "\"url\":";
  const std::size_t start = bytes.find(key);
  const std::size_t end = bytes.find(",\"referrer\":");
  EXPECT_NE(start, std::string::npos) << bytes;
  EXPECT_NE(end, std::string::npos) << bytes;
  return bytes.substr(start + key.size(), end - start - key.size());
}

// ---- exact bytes ---------------------------------------------------------------------------

constexpr char kSampleLab[] = R"({"test_data":42,"event_timestamp":1732345678901})";
constexpr char kSampleWeb[] =
    R"({"url":"https://shop.example.com/products/4711?ref=lab",)"
    R"("referrer":"https://www.google.com/search?q=kafka+flink",)"
    R"("user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) )"
    R"(Chrome/124.0 Safari/537.36","host":"shop.example.com","ip":"203.0.113.42",)"
    R"("geodata":{"country":"DE","state":"Berlin","city":"Berlin"},)"
    R"("event_time":"2024-11-23T07:07:58.901Z"})";
constexpr char kSampleTaxi[] =
    R"({"lpep_pickup_datetime":"2019-10-01 00:26:02",)"
    R"("lpep_dropoff_datetime":"2019-10-01 00:39:58",)"
    R"("PULocationID":112,"DOLocationID":196,"passenger_count":1,"trip_distance":5.88,)"
    R"("tip_amount":0.0})";

TEST(JsonWriter, WritesTheSampleLabEventCompactly) {
  for (const Serializer* s : both()) {
    EXPECT_EQ(encode(*s, core::sample_event(EventType::kLab)), kSampleLab) << s->name();
  }
}

TEST(JsonWriter, WritesTheSampleWebEventWithAnIsoEventTime) {
  for (const Serializer* s : both()) {
    EXPECT_EQ(encode(*s, core::sample_event(EventType::kWeb)), kSampleWeb) << s->name();
  }
}

TEST(JsonWriter, WritesTheSampleTaxiTripWithLabDatetimesAndAFloatTip) {
  for (const Serializer* s : both()) {
    EXPECT_EQ(encode(*s, core::sample_event(EventType::kTaxi)), kSampleTaxi) << s->name();
  }
}

TEST(JsonWriter, WritesAMissingPassengerCountAsNull) {
  TaxiTrip trip = sample_taxi();
  trip.passenger_count.reset();
  for (const Serializer* s : both()) {
    EXPECT_NE(encode(*s, trip).find(R"("passenger_count":null,)"), std::string::npos) << s->name();
  }
}

TEST(JsonWriter, WritesDatetimeMillisecondsOnlyWhenNonZero) {
  TaxiTrip trip = sample_taxi();
  trip.lpep_pickup_datetime += 500;
  for (const Serializer* s : both()) {
    EXPECT_NE(encode(*s, trip).find(R"("lpep_pickup_datetime":"2019-10-01 00:26:02.500")"),
              std::string::npos)
        << s->name();
  }
}

TEST(JsonWriter, WritesShortestDoublesKeepingAPointZeroOnIntegralValues) {
  const std::vector<std::pair<double, std::string>> cases = {
      {18.0, "18.0"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {0.01, "0.01"},
      {-0.07, "-0.07"},
      {12345678901.23, "12345678901.23"},
      {99999999999999.5, "99999999999999.5"},
      {2.675, "2.675"},
      {5.88, "5.88"},
      {0.1, "0.1"},
      {-2.5, "-2.5"},
      {100.0, "100.0"},
      {1e14, "100000000000000.0"},
      {1e15, "1e+15"},
      {1e21, "1e+21"},
      {0.0001, "0.0001"},
      {1e-5, "1e-05"},
      {1e-7, "1e-07"},
      {5e-324, "5e-324"},
      {1.0 / 3.0, "0.3333333333333333"},
      {123456789.123456789, "123456789.12345679"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
  };
  for (const auto& [value, text] : cases) {
    for (const Serializer* s : both()) {
      EXPECT_NE(encode(*s, taxi_with_distance(value)).find("\"trip_distance\":" + text + ","),
                std::string::npos)
          << s->name() << " writing " << text;
    }
  }
}

TEST(JsonWriter, ReusesTheOutputBufferCapacity) {
  std::string out;
  out.reserve(4096);
  const char* before = out.data();
  for (EventType type : core::kAllEventTypes) {
    ASSERT_TRUE(fast().encode(core::sample_event(type), out).ok());
    EXPECT_EQ(out.data(), before);
    EXPECT_EQ(out.capacity(), 4096u);
  }
}

// ---- escaping --------------------------------------------------------------------------------

TEST(JsonEscaping, EscapesEveryControlCharacterAsPythonAndNlohmannDo) {
  for (int c = 0; c < 0x20; ++c) {
    std::string expected;
    switch (c) {
      case '\b':
        expected = "\\b";
        break;
      case '\f':
        expected = "\\f";
        break;
      case '\n':
        expected = "\\n";
        break;
      case '\r':
        expected = "\\r";
        break;
      case '\t':
        expected = "\\t";
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        expected = buf;
      }
    }
    for (const Serializer* s : both()) {
      EXPECT_EQ(written_url(*s, std::string(1, static_cast<char>(c))), "\"" + expected + "\"")
          << s->name() << " byte " << c;
    }
  }
}

TEST(JsonEscaping, EscapesDeleteQuoteAndBackslashButNotSlash) {
  for (const Serializer* s : both()) {
    EXPECT_EQ(written_url(*s, "\x7f"), R"("\u007f")") << s->name();
    EXPECT_EQ(written_url(*s, "\""), R"("\"")") << s->name();
    EXPECT_EQ(written_url(*s, "\\"), R"("\\")") << s->name();
    EXPECT_EQ(written_url(*s, "a/b"), R"("a/b")") << s->name();
  }
}

TEST(JsonEscaping, WritesNonAsciiAsLowercaseUnicodeEscapes) {
  for (const Serializer* s : both()) {
    EXPECT_EQ(written_url(*s, "caf\xc3\xa9"), R"("caf\u00e9")") << s->name();          // é
    EXPECT_EQ(written_url(*s, "\xe2\x82\xac"), R"("\u20ac")") << s->name();            // €
    EXPECT_EQ(written_url(*s, "\xf0\x9f\x98\x80"), R"("\ud83d\ude00")") << s->name();  // 😀
    EXPECT_EQ(written_url(*s, "\xf4\x8f\xbf\xbf"), R"("\udbff\udfff")") << s->name();  // U+10FFFF
    EXPECT_EQ(written_url(*s, "\xef\xbb\xbf"), R"("\ufeff")") << s->name();            // BOM
  }
}

TEST(JsonEscaping, MatchesPythonJsonDumpsOnAMixedString) {
  // Python 3: json.dumps(''.join(map(chr, range(0x20))) + '\x7f"\\/é€😀')
  std::string text;
  for (int c = 0; c < 0x20; ++c) text.push_back(static_cast<char>(c));
  text += "\x7f\"\\/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  const std::string python =
      R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f)"
      R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c)"
      R"(\u001d\u001e\u001f\u007f\"\\/\u00e9\u20ac\ud83d\ude00")";
  for (const Serializer* s : both()) EXPECT_EQ(written_url(*s, text), python) << s->name();
  EXPECT_EQ(nlohmann::json(text).dump(-1, ' ', true), python);
}

TEST(JsonEscaping, KeepsLongAsciiRunsAndEscapesAroundThem) {
  const std::string run(100, 'x');
  const std::string text = run + "\n" + run + "\xc3\xa9" + run.substr(0, 17);
  const std::string expected = "\"" + run + "\\n" + run + "\\u00e9" + run.substr(0, 17) + "\"";
  for (const Serializer* s : both()) EXPECT_EQ(written_url(*s, text), expected) << s->name();
}

// ---- byte identity of the two formats ------------------------------------------------------

std::vector<Event> identity_events() {
  std::vector<Event> events;
  for (EventType type : core::kAllEventTypes) events.push_back(core::sample_event(type));
  for (std::int32_t d : {0, -1, std::numeric_limits<std::int32_t>::min(),
                         std::numeric_limits<std::int32_t>::max()}) {
    for (std::int64_t t :
         {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min(),
          std::numeric_limits<std::int64_t>::max()}) {
      events.push_back(LabEvent{d, t});
    }
  }
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  const std::vector<std::string> strings = {"",
                                            "plain",
                                            "quote \" backslash \\ slash /",
                                            controls + "\x7f",
                                            std::string("nul\0inside", 10),
                                            "caf\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad\xe6\x96\x87",
                                            "\xf0\x9f\x98\x80\xf0\x9f\x9a\x95",
                                            "\xe2\x80\xa8\xe2\x80\xa9",
                                            std::string(300, 'a')};
  for (const auto& s : strings) events.push_back(WebEvent{s, s, s, s, s, GeoData{s, s, s}, 0});
  for (std::int64_t t : {core::kMinFormattableMillis, core::kMaxFormattableMillis, std::int64_t{-1},
                         std::int64_t{951782400000}}) {
    WebEvent e = sample_web();
    e.event_time = t;
    events.push_back(e);
    events.push_back(TaxiTrip{t, t, 1, 2, std::nullopt, 0.5, 1.25});
  }
  for (double d : {0.0,
                   -0.0,
                   0.1,
                   0.7,
                   5.88,
                   18.0,
                   -2.5,
                   1e-300,
                   5e-324,
                   2.2250738585072014e-308,
                   1.7976931348623157e308,
                   123456789.123456789,
                   1e21,
                   1e-7,
                   3.0e15,
                   1.0 / 3.0,
                   1e15,
                   1e16,
                   1e-4,
                   1e-5,
                   12.345,
                   99.99}) {
    events.push_back(TaxiTrip{1569889562000, 1569890398000, 112, 196, 1, d, -d});
  }
  // Fares and distances as the taxi files hold them: a few decimal places.
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> cents(0, 50000000);
  for (int i = 0; i < 2000; ++i) {
    events.push_back(
        TaxiTrip{0, 0, 0, 0, i % 3 == 0 ? std::nullopt : std::optional<std::int32_t>(i),
                 static_cast<double>(cents(rng)) / 100, static_cast<double>(cents(rng)) / 1000});
  }
  return events;
}

TEST(JsonByteIdentity, BothFormatsWriteTheSameBytes) {
  std::string a, b;
  for (const Event& event : identity_events()) {
    ASSERT_TRUE(fast().encode(event, a).ok());
    ASSERT_TRUE(reference().encode(event, b).ok());
    EXPECT_EQ(a, b);
  }
}

// The one documented difference: for arbitrary doubles nlohmann's Grisu2 occasionally writes a
// longer or differently rounded text than the shortest one std::to_chars finds. Both texts read
// back to the same double, and either reader decodes both.
TEST(JsonByteIdentity, ArbitraryDoublesDifferRarelyAndAlwaysReadBackTheSame) {
  std::mt19937_64 rng(7);
  std::string a, b;
  int differing = 0, total = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    ++total;
    const TaxiTrip trip = taxi_with_distance(d);
    ASSERT_TRUE(fast().encode(trip, a).ok());
    ASSERT_TRUE(reference().encode(trip, b).ok());
    if (a != b) ++differing;
    for (const std::string* bytes : {&a, &b}) {
      for (const Serializer* s : both()) {
        auto decoded = s->decode(*bytes, EventType::kTaxi);
        ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
        EXPECT_EQ(std::get<TaxiTrip>(*decoded).trip_distance, d) << *bytes;
      }
    }
  }
  EXPECT_LT(differing, total / 100) << differing << " of " << total << " differ";
}

// ---- refusals when writing -------------------------------------------------------------------

TEST(JsonWriter, RefusesInvalidUtf8NamingTheFieldAndByte) {
  WebEvent e = sample_web();
  e.user_agent = "Mozil\xff";
  for (const Serializer* s : both()) {
    std::string out;
    const core::Status status = s->encode(e, out);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << s->name();
    EXPECT_EQ(status.message(), "web.user_agent is not valid UTF-8 (byte 5)") << s->name();
  }
  e = sample_web();
  e.geodata.city = "\xe2\x82";  // truncated €
  for (const Serializer* s : both()) {
    std::string out;
    const core::Status status = s->encode(e, out);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << s->name();
    EXPECT_EQ(status.message(), "web.geodata.city is not valid UTF-8 (byte 0)") << s->name();
  }
}

TEST(JsonWriter, RefusesEveryKindOfInvalidUtf8) {
  const std::vector<std::pair<std::string, std::size_t>> bad = {
      {"\xff", 0},
      {"ok \xc0\xaf", 3},
      {"\xed\xa0\x80", 0},  // overlong, surrogate
      {"\xf4\x90\x80\x80", 0},
      {"x\x80", 1},
      {"ab\xe2\x82", 2},  // > U+10FFFF, stray, truncated
      {"\xf0\x9f\x98", 0},
      {"\xc3(", 0}};
  for (const auto& [text, offset] : bad) {
    for (const Serializer* s : both()) {
      std::string out;
      const core::Status status = s->encode(web_with_url(text), out);
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << s->name();
      EXPECT_EQ(status.message(),
                "web.url is not valid UTF-8 (byte " + std::to_string(offset) + ")")
          << s->name();
    }
  }
}

TEST(JsonWriter, RefusesNonFiniteDoublesNamingTheField) {
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    TaxiTrip trip = sample_taxi();
    trip.tip_amount = bad;
    for (const Serializer* s : both()) {
      std::string out;
      const core::Status status = s->encode(trip, out);
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << s->name();
      EXPECT_NE(status.message().find("taxi.tip_amount"), std::string::npos) << status.message();
    }
  }
}

TEST(JsonWriter, RefusesTimesOutsideYearsZeroToNineThousandNineHundredNinetyNine) {
  WebEvent web = sample_web();
  web.event_time = core::kMaxFormattableMillis + 1;
  TaxiTrip taxi = sample_taxi();
  taxi.lpep_dropoff_datetime = core::kMinFormattableMillis - 1;
  for (const Serializer* s : both()) {
    std::string out;
    core::Status status = s->encode(web, out);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << s->name();
    EXPECT_NE(status.message().find("web.event_time"), std::string::npos) << status.message();
    status = s->encode(taxi, out);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << s->name();
    EXPECT_NE(status.message().find("taxi.lpep_dropoff_datetime"), std::string::npos)
        << status.message();
  }
  // Lab times are integers: any int64 is fine.
  for (const Serializer* s : both()) {
    EXPECT_EQ(encode(*s, LabEvent{1, std::numeric_limits<std::int64_t>::min()}),
              R"({"test_data":1,"event_timestamp":-9223372036854775808})");
  }
}

// ---- reading ---------------------------------------------------------------------------------

class JsonReader : public ::testing::TestWithParam<std::string> {
 protected:
  const Serializer& serializer() const { return *registry().find(GetParam()); }

  core::Result<Event> decode(std::string_view bytes, EventType type) const {
    return serializer().decode(bytes, type);
  }

  void expect_malformed(std::string_view bytes, EventType type,
                        std::string_view mentions = {}) const {
    auto decoded = decode(bytes, type);
    ASSERT_FALSE(decoded.ok()) << "accepted: " << bytes;
    EXPECT_EQ(decoded.status().code(), StatusCode::kMalformed) << decoded.status().to_string();
    if (!mentions.empty()) {
      EXPECT_NE(decoded.status().message().find(mentions), std::string::npos)
          << decoded.status().message() << " should mention " << mentions;
    }
  }
};

TEST_P(JsonReader, DecodesTheSampleEvents) {
  for (const auto& [bytes, type] :
       {std::pair{kSampleLab, EventType::kLab}, std::pair{kSampleWeb, EventType::kWeb},
        std::pair{kSampleTaxi, EventType::kTaxi}}) {
    auto decoded = decode(bytes, type);
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, core::sample_event(type));
  }
}

TEST_P(JsonReader, DecodesTheLabPythonProducersBytes) {
  auto decoded = decode(R"({"test_data": 42, "event_timestamp": 1732345678901})", EventType::kLab);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, Event(LabEvent{42, 1732345678901}));
}

TEST_P(JsonReader, AcceptsAnyKeyOrderWhitespaceAndUnknownKeys) {
  const std::string bytes =
      "\n{ \"event_time\" : \"2024-11-23T07:07:58.901Z\",\t\"extra\": [1, {\"a\": null}, \"x\"],"
      " \"geodata\": {\"city\": \"Berlin\", \"zip\": 10115, \"state\": \"Berlin\", \"country\": "
      "\"DE\"},"
      " \"ip\": \"203.0.113.42\", \"host\": \"shop.example.com\","
      " \"user_agent\": \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0 Safari/537.36\", \"referrer\": \"https://www.google.com/search?q=kafka+flink\","
      " \"url\": \"https://shop.example.com/products/4711?ref=lab\", \"more\": true } \r\n";
  auto decoded = decode(bytes, EventType::kWeb);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, core::sample_event(EventType::kWeb));
}

TEST_P(JsonReader, AcceptsEscapedKeysAndRawUtf8Values) {
  const std::string bytes = R"({"\u0074est_data": 7, "event_timestamp": 1})";
  auto decoded = decode(bytes, EventType::kLab);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, Event(LabEvent{7, 1}));

  WebEvent expected = sample_web();
  expected.geodata.city = "M\xc3\xbcnchen \xf0\x9f\x98\x80";
  std::string web = kSampleWeb;
  web = replaced(web, R"("city":"Berlin")", "\"city\":\"M\xc3\xbcnchen \\ud83d\\ude00\"");
  auto escaped = decode(web, EventType::kWeb);
  ASSERT_TRUE(escaped.ok()) << escaped.status().to_string();
  EXPECT_EQ(*escaped, Event(expected));
}

TEST_P(JsonReader, TreatsAbsentOrNullPassengerCountAsMissing) {
  TaxiTrip expected = sample_taxi();
  expected.passenger_count.reset();
  std::string with_null = kSampleTaxi;
  with_null = replaced(with_null, R"("passenger_count":1)", R"("passenger_count":null)");
  std::string absent = kSampleTaxi;
  absent = replaced(absent, R"("passenger_count":1,)", "");
  for (const std::string& bytes : {with_null, absent}) {
    auto decoded = decode(bytes, EventType::kTaxi);
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string() << " for " << bytes;
    EXPECT_EQ(*decoded, Event(expected)) << bytes;
  }
}

TEST_P(JsonReader, AcceptsIntegerEpochMillisForTextTimes) {
  const std::string web =
      R"({"url":"u","referrer":"r","user_agent":"a","host":"h","ip":"i",)"
      R"("geodata":{"country":"c","state":"s","city":"y"},"event_time":1732345678901})";
  auto decoded = decode(web, EventType::kWeb);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(std::get<WebEvent>(*decoded).event_time, 1732345678901);

  std::string taxi = kSampleTaxi;
  taxi = replaced(taxi, R"("2019-10-01 00:26:02")", "1569889562000");
  auto trip = decode(taxi, EventType::kTaxi);
  ASSERT_TRUE(trip.ok()) << trip.status().to_string();
  EXPECT_EQ(*trip, core::sample_event(EventType::kTaxi));
}

TEST_P(JsonReader, ReadsTimeStringsTheWayCoreParsesThem) {
  // Canonical forms and the other forms core's parsers accept give the same instants.
  const std::vector<std::pair<std::string, std::int64_t>> iso = {
      {"2024-11-23T07:07:58.901Z", 1732345678901},
      {"0000-01-01T00:00:00.000Z", core::kMinFormattableMillis},
      {"9999-12-31T23:59:59.999Z", core::kMaxFormattableMillis},
      {"2000-02-29T00:00:00.000Z", 951782400000},
      {"1969-12-31T23:59:59.999Z", -1},
      {"2024-11-23T08:07:58.901+01:00", 1732345678901},
      {"2024-11-23 07:07:58Z", 1732345678000},
  };
  for (const auto& [text, millis] : iso) {
    std::string web = kSampleWeb;
    web = replaced(web, "2024-11-23T07:07:58.901Z", text);
    auto decoded = decode(web, EventType::kWeb);
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string() << " for " << text;
    EXPECT_EQ(std::get<WebEvent>(*decoded).event_time, millis) << text;
    EXPECT_EQ(core::parse_iso8601(text).value_or(0), millis) << text;
  }
  const std::vector<std::pair<std::string, std::int64_t>> datetimes = {
      {"2019-10-01 00:26:02", 1569889562000},
      {"2019-10-01 00:26:02.500", 1569889562500},
      {"1900-03-01 00:00:00", -2203891200000},
      {"2019-10-01 00:26:02.5", 1569889562500},
  };
  for (const auto& [text, millis] : datetimes) {
    std::string taxi = kSampleTaxi;
    taxi = replaced(taxi, "2019-10-01 00:26:02", text);
    auto decoded = decode(taxi, EventType::kTaxi);
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string() << " for " << text;
    EXPECT_EQ(std::get<TaxiTrip>(*decoded).lpep_pickup_datetime, millis) << text;
    EXPECT_EQ(core::parse_datetime(text).value_or(0), millis) << text;
  }
}

TEST_P(JsonReader, RefusesInvalidTimeStringsNamingTheField) {
  for (const std::string bad : {"2019-13-01 00:00:00", "2019-02-29 00:00:00", "2019-10-01",
                                "2019-10-01 24:00:00", "2019-10-01T00:26:02", "yesterday", ""}) {
    std::string taxi = kSampleTaxi;
    taxi = replaced(taxi, "2019-10-01 00:39:58", bad);
    expect_malformed(taxi, EventType::kTaxi, "taxi.lpep_dropoff_datetime");
  }
  for (const std::string bad : {"2024-11-23T07:07:58.901", "2024-02-30T00:00:00.000Z", "now"}) {
    std::string web = kSampleWeb;
    web = replaced(web, "2024-11-23T07:07:58.901Z", bad);
    expect_malformed(web, EventType::kWeb, "web.event_time");
  }
}

TEST_P(JsonReader, RefusesMissingFieldsNamingThem) {
  expect_malformed(R"({"test_data":42})", EventType::kLab, "lab.event_timestamp is missing");
  expect_malformed(R"({"event_timestamp":1})", EventType::kLab, "lab.test_data is missing");
  expect_malformed("{}", EventType::kLab, "is missing");
  std::string web = kSampleWeb;
  web = replaced(web, R"(,"state":"Berlin")", "");
  expect_malformed(web, EventType::kWeb, "web.geodata.state is missing");
  std::string taxi = kSampleTaxi;
  taxi = replaced(taxi, R"("tip_amount":0.0)", R"("tip":0.0)");
  expect_malformed(taxi, EventType::kTaxi, "taxi.tip_amount is missing");
}

TEST_P(JsonReader, RefusesWrongTypesNamingTheField) {
  expect_malformed(R"({"test_data":"42","event_timestamp":1})", EventType::kLab, "lab.test_data");
  expect_malformed(R"({"test_data":42.0,"event_timestamp":1})", EventType::kLab, "lab.test_data");
  expect_malformed(R"({"test_data":4.2e1,"event_timestamp":1})", EventType::kLab, "lab.test_data");
  expect_malformed(R"({"test_data":true,"event_timestamp":1})", EventType::kLab, "lab.test_data");
  expect_malformed(R"({"test_data":null,"event_timestamp":1})", EventType::kLab, "lab.test_data");
  expect_malformed(R"({"test_data":[42],"event_timestamp":1})", EventType::kLab, "lab.test_data");
  expect_malformed(R"({"test_data":42,"event_timestamp":1.5})", EventType::kLab,
                   "lab.event_timestamp");
  expect_malformed(R"({"test_data":42,"event_timestamp":"1732345678901"})", EventType::kLab,
                   "lab.event_timestamp");

  std::string web = kSampleWeb;
  web = replaced(web, R"("203.0.113.42")", "203");
  expect_malformed(web, EventType::kWeb, "web.ip");
  web = kSampleWeb;
  web = replaced(web, R"({"country":"DE","state":"Berlin","city":"Berlin"})", R"("DE")");
  expect_malformed(web, EventType::kWeb, "web.geodata");
  web = kSampleWeb;
  web = replaced(web, R"("city":"Berlin")", R"("city":{})");
  expect_malformed(web, EventType::kWeb, "web.geodata.city");
  web = kSampleWeb;
  web = replaced(web, R"("2024-11-23T07:07:58.901Z")", "true");
  expect_malformed(web, EventType::kWeb, "web.event_time");

  std::string taxi = kSampleTaxi;
  taxi = replaced(taxi, R"("passenger_count":1)", R"("passenger_count":"1")");
  expect_malformed(taxi, EventType::kTaxi, "taxi.passenger_count");
  taxi = kSampleTaxi;
  taxi = replaced(taxi, R"("trip_distance":5.88)", R"("trip_distance":"5.88")");
  expect_malformed(taxi, EventType::kTaxi, "taxi.trip_distance");
  taxi = kSampleTaxi;
  taxi = replaced(taxi, R"("PULocationID":112)", R"("PULocationID":112.5)");
  expect_malformed(taxi, EventType::kTaxi, "taxi.PULocationID");
}

TEST_P(JsonReader, AcceptsIntegersWhereDoublesAreExpected) {
  std::string taxi = kSampleTaxi;
  taxi = replaced(taxi, R"("tip_amount":0.0)", R"("tip_amount":3)");
  auto decoded = decode(taxi, EventType::kTaxi);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(std::get<TaxiTrip>(*decoded).tip_amount, 3.0);
}

TEST_P(JsonReader, RefusesIntegersOutsideTheirRange) {
  expect_malformed(R"({"test_data":2147483648,"event_timestamp":1})", EventType::kLab,
                   "lab.test_data");
  expect_malformed(R"({"test_data":-2147483649,"event_timestamp":1})", EventType::kLab,
                   "lab.test_data");
  expect_malformed(R"({"test_data":1,"event_timestamp":9223372036854775808})", EventType::kLab,
                   "lab.event_timestamp");
  expect_malformed(R"({"test_data":1,"event_timestamp":99999999999999999999999})", EventType::kLab,
                   "lab.event_timestamp");
  std::string taxi = kSampleTaxi;
  taxi = replaced(taxi, R"("DOLocationID":196)", R"("DOLocationID":4294967296)");
  expect_malformed(taxi, EventType::kTaxi, "taxi.DOLocationID");
  auto extremes = decode(R"({"test_data":-2147483648,"event_timestamp":-9223372036854775808})",
                         EventType::kLab);
  ASSERT_TRUE(extremes.ok()) << extremes.status().to_string();
  EXPECT_EQ(*extremes, Event(LabEvent{std::numeric_limits<std::int32_t>::min(),
                                      std::numeric_limits<std::int64_t>::min()}));
}

TEST_P(JsonReader, RefusesTrailingContent) {
  const std::string lab = kSampleLab;
  for (const std::string& bytes : {lab + "x", lab + "{}", lab + " 1", lab + "}", lab + ",",
                                   lab + lab, lab + "\"\"", lab + " null"}) {
    expect_malformed(bytes, EventType::kLab);
  }
  auto spaced = decode(lab + " \n\t\r ", EventType::kLab);
  EXPECT_TRUE(spaced.ok()) << spaced.status().to_string();
}

TEST_P(JsonReader, RefusesEveryTruncationOfAValidEncoding) {
  for (EventType type : core::kAllEventTypes) {
    const std::string bytes = encode(fast(), core::sample_event(type));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      expect_malformed(std::string_view(bytes).substr(0, n), type);
    }
  }
}

TEST_P(JsonReader, RefusesDocumentsThatAreNotObjects) {
  for (const std::string bytes : {"", " ", "[]", "[1,2]", "42", "\"text\"", "null", "true", "nul",
                                  "{", "}", "{\"test_data\"}", "{\"test_data\":}",
                                  "{test_data:42,event_timestamp:1}", "{'test_data':42}"}) {
    expect_malformed(bytes, EventType::kLab);
  }
}

TEST_P(JsonReader, RefusesInvalidUtf8AndBadEscapesInTheInput) {
  std::string web = kSampleWeb;
  web = replaced(web, "Berlin", "Ber\xfflin");
  expect_malformed(web, EventType::kWeb);
  web = kSampleWeb;
  web = replaced(web, "Berlin", R"(Ber\xlin)");
  expect_malformed(web, EventType::kWeb);
  web = kSampleWeb;
  web = replaced(web, "Berlin", R"(\ud800)");  // a lone surrogate
  expect_malformed(web, EventType::kWeb);
  web = kSampleWeb;
  web = replaced(web, "Berlin", "Ber\nlin");  // a raw control character
  expect_malformed(web, EventType::kWeb);
}

TEST_P(JsonReader, DecodesAnInputLargerThanTheReusedBuffer) {
  WebEvent big = sample_web();
  big.user_agent = std::string(3 << 20, 'u');
  const std::string bytes = encode(fast(), big);
  auto decoded = decode(bytes, EventType::kWeb);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, Event(big));
  // And a small one right after, on the same thread.
  auto small = decode(kSampleLab, EventType::kLab);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(*small, core::sample_event(EventType::kLab));
}

TEST_P(JsonReader, DecodesWhatEitherFormatWroteToTheOriginalEvent) {
  for (const Event& event : identity_events()) {
    for (const Serializer* writer : both()) {
      const std::string bytes = encode(*writer, event);
      auto decoded = decode(bytes, core::event_type_of(event));
      ASSERT_TRUE(decoded.ok()) << decoded.status().to_string() << " for " << bytes;
      EXPECT_EQ(*decoded, event) << bytes;
      if (std::holds_alternative<TaxiTrip>(event)) {
        // -0.0 == 0.0, so compare the sign too.
        EXPECT_EQ(std::signbit(std::get<TaxiTrip>(*decoded).trip_distance),
                  std::signbit(std::get<TaxiTrip>(event).trip_distance))
            << bytes;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Json, JsonReader,
                         ::testing::Values(std::string("json"), std::string("json-nlohmann")),
                         [](const auto& test_info) {
                           return test_info.param == "json" ? std::string("Fast")
                                                            : std::string("Nlohmann");
                         });

TEST(JsonFormats, ShareTheContentTypeAndTheFastOneIsFoundByIt) {
  EXPECT_EQ(fast().content_type(), "application/json");
  EXPECT_EQ(reference().content_type(), "application/json");
  EXPECT_EQ(registry().find_by_content_type("application/json"), &fast());
}

TEST(JsonFormats, GiveTheSameMessagesForTheSameRefusals) {
  const std::vector<std::pair<std::string, EventType>> inputs = {
      {R"({"test_data":42})", EventType::kLab},
      {R"({"test_data":2147483648,"event_timestamp":1})", EventType::kLab},
      {R"({"test_data":"x","event_timestamp":1})", EventType::kLab},
      {R"({"test_data":1,"event_timestamp":1.5})", EventType::kLab},
  };
  for (const auto& [bytes, type] : inputs) {
    auto a = fast().decode(bytes, type);
    auto b = reference().decode(bytes, type);
    ASSERT_FALSE(a.ok());
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(a.status(), b.status()) << bytes;
  }
}

}  // namespace
}  // namespace tidemark::serializers
