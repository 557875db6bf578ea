// The `thrift-binary` and `thrift-compact` serializers: their bytes are what the generated structs
// write, the field ids and types on the wire match the field tables, presence survives, and
// hostile, truncated or mutated bytes give kMalformed without huge allocations or exceptions.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "tidemark/core/events.h"
#include "tidemark/schemas/events_types.h"
#include "tidemark/serializers/serializer_registry.h"
#include "tidemark/testing/generated_messages.h"

namespace tidemark::serializers {
namespace {

namespace gen = ::tidemark::events::v1::thrift_gen;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TCompactProtocol;
using apache::thrift::protocol::TProtocol;
using apache::thrift::protocol::TType;
using apache::thrift::transport::TMemoryBuffer;
using core::EventType;
using core::FieldType;
using core::StatusCode;

const SerializerRegistry& registry() {
  static const SerializerRegistry r = make_builtin_registry();
  return r;
}

// A protocol of the format's kind over its own memory buffer, for writing or reading by hand.
struct Wire {
  std::shared_ptr<TMemoryBuffer> buffer;
  std::unique_ptr<TProtocol> protocol;

  Wire(std::string_view format, const std::string& bytes = {})
      : buffer(std::make_shared<TMemoryBuffer>()) {
    if (!bytes.empty()) {
      buffer->write(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                    static_cast<std::uint32_t>(bytes.size()));
    }
    if (format == "thrift-binary") {
      protocol = std::make_unique<TBinaryProtocol>(buffer);
    } else {
      protocol = std::make_unique<TCompactProtocol>(buffer);
    }
  }
  std::string bytes() { return buffer->getBufferAsString(); }
};

struct WireField {
  std::int16_t id;
  TType type;
  std::vector<WireField> nested;  // for T_STRUCT
};

// Walks a struct with the generic protocol API only: ids and types as they are on the wire.
std::vector<WireField> walk_struct(TProtocol& p) {
  std::string name;
  std::vector<WireField> fields;
  p.readStructBegin(name);
  while (true) {
    TType type;
    std::int16_t id;
    p.readFieldBegin(name, type, id);
    if (type == apache::thrift::protocol::T_STOP) break;
    WireField field{id, type, {}};
    if (type == apache::thrift::protocol::T_STRUCT) {
      field.nested = walk_struct(p);
    } else {
      p.skip(type);
    }
    p.readFieldEnd();
    fields.push_back(std::move(field));
  }
  p.readStructEnd();
  return fields;
}

TType thrift_type(FieldType type) {
  switch (type) {
    case FieldType::kInt32: return apache::thrift::protocol::T_I32;
    case FieldType::kInt64:
    case FieldType::kTime: return apache::thrift::protocol::T_I64;
    case FieldType::kDouble: return apache::thrift::protocol::T_DOUBLE;
    case FieldType::kString: return apache::thrift::protocol::T_STRING;
    case FieldType::kStruct: return apache::thrift::protocol::T_STRUCT;
  }
  return apache::thrift::protocol::T_VOID;
}

// The table's fields in order, leaving out the names in `absent`.
void expect_wire_matches(const std::vector<WireField>& wire, std::span<const core::FieldInfo> table,
                         const std::vector<std::string_view>& absent = {}) {
  std::size_t i = 0;
  for (const core::FieldInfo& info : table) {
    SCOPED_TRACE(std::string(info.name));
    if (std::find(absent.begin(), absent.end(), info.name) != absent.end()) {
      for (const WireField& f : wire) EXPECT_NE(f.id, info.thrift_id) << "field present on the wire";
      continue;
    }
    ASSERT_LT(i, wire.size()) << "missing on the wire";
    EXPECT_EQ(wire[i].id, info.thrift_id);
    EXPECT_EQ(wire[i].type, thrift_type(info.type));
    if (info.type == FieldType::kStruct) expect_wire_matches(wire[i].nested, core::kGeoDataFields);
    ++i;
  }
  EXPECT_EQ(i, wire.size()) << "unexpected extra fields on the wire";
}

// Calls `use` with the generated struct holding the event's values.
template <typename Use>
void with_generated(const core::Event& event, Use use) {
  std::visit([&use](const auto& e) { use(testing::to_thrift(e)); }, event);
}

// What the generated structs alone write for the same values (generic protocol classes).
std::string generated_bytes(std::string_view format, const core::Event& event) {
  Wire wire(format);
  with_generated(event, [&wire](const auto& m) { m.write(wire.protocol.get()); });
  return wire.bytes();
}

// What the generated struct's write() puts on a TMemoryBuffer through Protocol, a specialization
// such as TBinaryProtocolT<TMemoryBuffer> (the one the serializer writes with).
template <typename Protocol>
std::string generated_bytes_via(const core::Event& event) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  Protocol protocol(buffer);
  with_generated(event, [&protocol](const auto& m) { m.write(&protocol); });
  return buffer->getBufferAsString();
}

core::TaxiTrip sample_taxi() { return std::get<core::TaxiTrip>(core::sample_event(EventType::kTaxi)); }
core::WebEvent sample_web() { return std::get<core::WebEvent>(core::sample_event(EventType::kWeb)); }

std::vector<core::Event> varied_events() {
  core::WebEvent empty_web;
  core::WebEvent unicode = sample_web();
  unicode.url = "https://例え.jp/パス?q=\xF0\x9F\x98\x80";
  unicode.geodata = {"DE", "Baden-Württemberg", "Tübingen"};
  unicode.event_time = std::numeric_limits<std::int64_t>::min();
  core::TaxiTrip no_count = sample_taxi();
  no_count.passenger_count.reset();
  core::TaxiTrip zero_count = sample_taxi();
  zero_count.passenger_count = 0;
  zero_count.lpep_pickup_datetime = std::numeric_limits<std::int64_t>::max();
  zero_count.do_location_id = std::numeric_limits<std::int32_t>::min();
  zero_count.trip_distance = -0.0;
  zero_count.tip_amount = 1e-300;
  return {core::sample_event(EventType::kLab), core::sample_event(EventType::kWeb),
          core::sample_event(EventType::kTaxi), core::Event{core::LabEvent{-1, -1}},
          core::Event{empty_web}, core::Event{unicode}, core::Event{no_count},
          core::Event{zero_count}};
}

// Seeded random events of one type, valid for encoding (UTF-8 text), with values around every
// boundary the two protocols have: zigzag varint steps and extremes of i32/i64, -0.0, NaNs,
// infinities and arbitrary double bit patterns, string lengths around the varint steps (127/128,
// 16383/16384) and long ones, ASCII and multi-byte UTF-8, a missing or present passenger_count.
class RandomEvents {
 public:
  explicit RandomEvents(std::uint64_t seed) : rng_(seed) {}

  core::Event next(EventType type) {
    switch (type) {
      case EventType::kLab: return core::LabEvent{int32(), int64()};
      case EventType::kWeb:
        return core::WebEvent{text(), text(), text(), text(), text(),
                              core::GeoData{text(), text(), text()}, int64()};
      case EventType::kTaxi: {
        core::TaxiTrip t{int64(), int64(), int32(), int32(), std::nullopt, real(), real()};
        if (rng_() % 3 != 0) t.passenger_count = int32();
        return t;
      }
    }
    return core::LabEvent{};
  }

 private:
  std::int32_t int32() {
    constexpr std::int32_t kEdges[] = {0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8192,
                                       16383, 16384, 1 << 20,
                                       std::numeric_limits<std::int32_t>::min(),
                                       std::numeric_limits<std::int32_t>::max()};
    if (rng_() % 2 == 0) return kEdges[rng_() % std::size(kEdges)];
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(rng_() >> (rng_() % 64)));
  }
  std::int64_t int64() {
    constexpr std::int64_t kEdges[] = {0, 1, -1, 63, 64, -65, 1732345678901, -62135596800000,
                                       std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::max()};
    if (rng_() % 2 == 0) return kEdges[rng_() % std::size(kEdges)];
    const std::uint64_t magnitude = rng_() >> (rng_() % 64);
    return static_cast<std::int64_t>(rng_() % 2 == 0 ? magnitude : 0 - magnitude);
  }
  double real() {
    const double kEdges[] = {0.0, -0.0, 5.88, -1.25, std::numeric_limits<double>::quiet_NaN(),
                             -std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::signaling_NaN(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::lowest()};
    switch (rng_() % 3) {
      case 0: return kEdges[rng_() % std::size(kEdges)];
      case 1: return std::bit_cast<double>(static_cast<std::uint64_t>(rng_()));  // any bits
      default: return static_cast<double>(static_cast<std::int64_t>(rng_() % 200001) - 100000) / 100;
    }
  }
  std::string text() {
    static const char* const kPieces[] = {
        "",  "a", "shop.example.com", "/products/4711?ref=lab", " ", "\t\n\x01",
        "\xC3\xBC",                  // ü
        "\xE2\x82\xAC",              // €
        "\xE4\xBE\x8B\xE3\x81\x88",  // 例え
        "\xF0\x9F\x98\x80",          // 😀
        "\xEF\xBB\xBF",              // U+FEFF
        "\xF4\x8F\xBF\xBF",          // U+10FFFF
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"};
    std::string s;
    const std::size_t parts = rng_() % 4 == 0 ? 12 : rng_() % 4;
    for (std::size_t i = 0; i < parts; ++i) s += kPieces[rng_() % std::size(kPieces)];
    if (rng_() % 20 == 0) s.push_back('\0');
    switch (rng_() % 64) {
      case 0: s.assign(127 + rng_() % 3, 'x'); break;      // the 1- to 2-byte varint length step
      case 1: s.assign(16383 + rng_() % 3, 'y'); break;    // the 2- to 3-byte step
      case 2: {                                           // long, multi-byte text
        const std::size_t n = 1000 + rng_() % 20000;
        while (s.size() < n) s += kPieces[7 + rng_() % 6];
        break;
      }
      default: break;
    }
    return s;
  }

  std::mt19937_64 rng_;
};

class ThriftSerializer : public ::testing::TestWithParam<std::string_view> {
 protected:
  const Serializer& serializer() const {
    const Serializer* s = registry().find(GetParam());
    EXPECT_NE(s, nullptr) << GetParam() << " is not registered";
    return *s;
  }

  std::string encode_ok(const core::Event& event) const {
    std::string out;
    const core::Status status = serializer().encode(event, out);
    EXPECT_TRUE(status.ok()) << status.to_string();
    return out;
  }

  // Decodes from a heap block of exactly bytes.size(), so a sanitizer sees any over-read.
  core::Result<core::Event> decode_exact(std::string_view bytes, EventType type) const {
    std::vector<char> copy(bytes.begin(), bytes.end());
    return serializer().decode(std::string_view(copy.data(), copy.size()), type);
  }

  void expect_malformed(std::string_view bytes, EventType type, std::string_view hint = {}) const {
    auto decoded = decode_exact(bytes, type);
    ASSERT_FALSE(decoded.ok()) << "decoded " << bytes.size() << " bytes";
    EXPECT_EQ(decoded.status().code(), StatusCode::kMalformed) << decoded.status().to_string();
    if (!hint.empty()) {
      EXPECT_NE(decoded.status().message().find(hint), std::string::npos)
          << decoded.status().message();
    }
  }
};

TEST_P(ThriftSerializer, IsRegisteredWithItsContentType) {
  EXPECT_EQ(serializer().name(), GetParam());
  EXPECT_EQ(serializer().content_type(), GetParam() == "thrift-binary"
                                             ? "application/vnd.apache.thrift.binary"
                                             : "application/vnd.apache.thrift.compact");
  EXPECT_EQ(registry().find_by_content_type(serializer().content_type()), &serializer());
}

TEST_P(ThriftSerializer, EncodesExactlyAsTheGeneratedStructs) {
  for (const core::Event& event : varied_events()) {
    EXPECT_EQ(encode_ok(event), generated_bytes(GetParam(), event));
  }
}

// The serializer writes from the event with the protocol's own calls, not through the generated
// structs: its bytes must be exactly what the generated write() puts out through the same protocol
// specialization, on many random events of each type.
TEST_P(ThriftSerializer, EncodesRandomEventsExactlyAsTheGeneratedStructs) {
  using apache::thrift::protocol::TBinaryProtocolT;
  using apache::thrift::protocol::TCompactProtocolT;
  constexpr int kEventsPerType = 5000;
  const bool binary = GetParam() == "thrift-binary";
  RandomEvents random(20261127);
  for (EventType type : core::kAllEventTypes) {
    SCOPED_TRACE(std::string(core::event_type_name(type)));
    int with_count = 0;
    int without_count = 0;
    for (int i = 0; i < kEventsPerType; ++i) {
      const core::Event event = random.next(type);
      if (const auto* taxi = std::get_if<core::TaxiTrip>(&event)) {
        ++(taxi->passenger_count ? with_count : without_count);
      }
      const std::string expected = binary
                                       ? generated_bytes_via<TBinaryProtocolT<TMemoryBuffer>>(event)
                                       : generated_bytes_via<TCompactProtocolT<TMemoryBuffer>>(event);
      std::string out;
      const core::Status status = serializer().encode(event, out);
      ASSERT_TRUE(status.ok()) << "event " << i << ": " << status.to_string();
      ASSERT_EQ(out, expected) << "event " << i;
    }
    if (type == EventType::kTaxi) {
      EXPECT_GT(with_count, 1000);
      EXPECT_GT(without_count, 1000);
    }
  }
}

TEST_P(ThriftSerializer, RoundTripsSamplesAndEdgeValues) {
  for (const core::Event& event : varied_events()) {
    auto decoded = decode_exact(encode_ok(event), core::event_type_of(event));
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, event);
  }
}

TEST_P(ThriftSerializer, WritesFieldIdsAndTypesOfTheFieldTables) {
  const std::pair<EventType, std::span<const core::FieldInfo>> types[] = {
      {EventType::kLab, core::kLabFields},
      {EventType::kWeb, core::kWebFields},
      {EventType::kTaxi, core::kTaxiFields},
  };
  for (const auto& [type, table] : types) {
    SCOPED_TRACE(std::string(core::event_type_name(type)));
    Wire wire(GetParam(), encode_ok(core::sample_event(type)));
    expect_wire_matches(walk_struct(*wire.protocol), table);
    EXPECT_EQ(wire.buffer->available_read(), 0u);
  }
}

TEST_P(ThriftSerializer, LeavesMissingPassengerCountOffTheWire) {
  core::TaxiTrip missing = sample_taxi();
  missing.passenger_count.reset();
  Wire wire(GetParam(), encode_ok(missing));
  expect_wire_matches(walk_struct(*wire.protocol), core::kTaxiFields, {"passenger_count"});

  core::TaxiTrip zero = sample_taxi();
  zero.passenger_count = 0;
  Wire zero_wire(GetParam(), encode_ok(zero));
  expect_wire_matches(walk_struct(*zero_wire.protocol), core::kTaxiFields);

  for (const core::TaxiTrip& trip : {missing, zero}) {
    auto decoded = decode_exact(encode_ok(trip), EventType::kTaxi);
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    EXPECT_EQ(std::get<core::TaxiTrip>(*decoded).passenger_count, trip.passenger_count);
  }
}

TEST_P(ThriftSerializer, DoesNotCarryPresenceFromOneEventToTheNext) {
  core::TaxiTrip with = sample_taxi();
  with.passenger_count = 4;
  core::TaxiTrip without = sample_taxi();
  without.passenger_count.reset();
  const std::string with_bytes = encode_ok(with);
  const std::string without_bytes = encode_ok(without);

  // Encode reuses one generated struct per thread.
  EXPECT_EQ(encode_ok(without), generated_bytes(GetParam(), core::Event{without}));
  // So does decode, and generated read() never clears __isset itself.
  ASSERT_TRUE(decode_exact(with_bytes, EventType::kTaxi).ok());
  auto decoded = decode_exact(without_bytes, EventType::kTaxi);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(std::get<core::TaxiTrip>(*decoded).passenger_count, std::nullopt);
}

TEST_P(ThriftSerializer, ReplacesPreviousContentsOfOut) {
  std::string out(5000, 'x');
  ASSERT_TRUE(serializer().encode(core::sample_event(EventType::kLab), out).ok());
  EXPECT_EQ(out, generated_bytes(GetParam(), core::sample_event(EventType::kLab)));
}

TEST_P(ThriftSerializer, RejectsInvalidUtf8OnEncodeNamingTheField) {
  core::WebEvent url = sample_web();
  url.url = "https://example.com/\xC3\x28";
  core::WebEvent state = sample_web();
  state.geodata.state = "\xC0\xAF";  // overlong '/'
  std::string out;
  core::Status status = serializer().encode(url, out);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("url"), std::string::npos) << status.message();
  status = serializer().encode(state, out);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("geodata.state"), std::string::npos) << status.message();
}

// The ASCII fast path reads strings in words with overlapping tails: a non-ASCII byte at any
// position of any field, in strings of every short length, still reaches the UTF-8 check.
TEST_P(ThriftSerializer, FindsInvalidUtf8AtAnyPositionOfAnyField) {
  const std::pair<std::string_view, std::string core::WebEvent::*> top[] = {
      {"url", &core::WebEvent::url},   {"referrer", &core::WebEvent::referrer},
      {"user_agent", &core::WebEvent::user_agent}, {"host", &core::WebEvent::host},
      {"ip", &core::WebEvent::ip}};
  const std::pair<std::string_view, std::string core::GeoData::*> geo[] = {
      {"geodata.country", &core::GeoData::country},
      {"geodata.state", &core::GeoData::state},
      {"geodata.city", &core::GeoData::city}};
  auto check = [&](const core::WebEvent& web, std::string_view field) {
    SCOPED_TRACE(std::string(field));
    std::string out;
    const core::Status status = serializer().encode(web, out);
    ASSERT_EQ(status.code(), StatusCode::kInvalidArgument) << status.to_string();
    ASSERT_NE(status.message().find(std::string("WebEvent.") + std::string(field) + " is not"),
              std::string::npos) << status.message();
    expect_malformed(generated_bytes(GetParam(), core::Event{web}), EventType::kWeb,
                     std::string("WebEvent.") + std::string(field) + " is not");
  };
  for (std::size_t length = 1; length <= 40; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      std::string bad(length, 'a');
      bad[at] = '\xFF';
      for (const auto& [name, member] : top) {
        core::WebEvent web = sample_web();
        web.*member = bad;
        check(web, name);
      }
      for (const auto& [name, member] : geo) {
        core::WebEvent web = sample_web();
        web.geodata.*member = bad;
        check(web, name);
      }
    }
  }
}

TEST_P(ThriftSerializer, DecodesInvalidUtf8AsMalformedNamingTheField) {
  // Thrift itself carries any bytes in a string; the generated struct writes them happily.
  core::WebEvent web = sample_web();
  web.host = "shop\xFF.example.com";
  expect_malformed(generated_bytes(GetParam(), core::Event{web}), EventType::kWeb, "host");
  web = sample_web();
  web.geodata.city = "Berlin\xED\xA0\x80";  // a surrogate
  expect_malformed(generated_bytes(GetParam(), core::Event{web}), EventType::kWeb, "geodata.city");
}

TEST_P(ThriftSerializer, DecodesMissingRequiredFieldAsMalformed) {
  {  // TaxiTrip without field 1.
    Wire wire(GetParam());
    TProtocol& p = *wire.protocol;
    p.writeStructBegin("TaxiTrip");
    p.writeFieldBegin("lpep_dropoff_datetime", apache::thrift::protocol::T_I64, 2);
    p.writeI64(1569890398000);
    p.writeFieldEnd();
    p.writeFieldBegin("PULocationID", apache::thrift::protocol::T_I32, 3);
    p.writeI32(112);
    p.writeFieldEnd();
    p.writeFieldBegin("DOLocationID", apache::thrift::protocol::T_I32, 4);
    p.writeI32(196);
    p.writeFieldEnd();
    p.writeFieldBegin("trip_distance", apache::thrift::protocol::T_DOUBLE, 6);
    p.writeDouble(5.88);
    p.writeFieldEnd();
    p.writeFieldBegin("tip_amount", apache::thrift::protocol::T_DOUBLE, 7);
    p.writeDouble(0);
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
    expect_malformed(wire.bytes(), EventType::kTaxi, "required");
  }
  {  // An empty struct.
    Wire wire(GetParam());
    wire.protocol->writeStructBegin("LabEvent");
    wire.protocol->writeFieldStop();
    wire.protocol->writeStructEnd();
    for (EventType type : core::kAllEventTypes) expect_malformed(wire.bytes(), type, "required");
  }
  {  // LabEvent whose field 1 has the wrong type: skipped, then missing.
    Wire wire(GetParam());
    TProtocol& p = *wire.protocol;
    p.writeStructBegin("LabEvent");
    p.writeFieldBegin("test_data", apache::thrift::protocol::T_STRING, 1);
    p.writeString("42");
    p.writeFieldEnd();
    p.writeFieldBegin("event_timestamp", apache::thrift::protocol::T_I64, 2);
    p.writeI64(1732345678901);
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
    expect_malformed(wire.bytes(), EventType::kLab, "required");
  }
  {  // WebEvent whose geodata lacks state and city.
    Wire wire(GetParam());
    TProtocol& p = *wire.protocol;
    p.writeStructBegin("WebEvent");
    for (std::int16_t id = 1; id <= 5; ++id) {
      p.writeFieldBegin("s", apache::thrift::protocol::T_STRING, id);
      p.writeString("x");
      p.writeFieldEnd();
    }
    p.writeFieldBegin("geodata", apache::thrift::protocol::T_STRUCT, 6);
    p.writeStructBegin("GeoData");
    p.writeFieldBegin("country", apache::thrift::protocol::T_STRING, 1);
    p.writeString("DE");
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
    p.writeFieldEnd();
    p.writeFieldBegin("event_time", apache::thrift::protocol::T_I64, 7);
    p.writeI64(1);
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
    expect_malformed(wire.bytes(), EventType::kWeb, "required");
  }
}

TEST_P(ThriftSerializer, RejectsHostileStringLengthWithoutAllocatingIt) {
  // A WebEvent whose url claims 2^31-1 bytes, in 20 bytes of input.
  std::string bytes;
  if (GetParam() == "thrift-binary") {
    bytes = std::string("\x0B\x00\x01\x7F\xFF\xFF\xFF", 7);  // T_STRING, id 1, i32 length
  } else {
    bytes = std::string("\x18\xFF\xFF\xFF\xFF\x07", 6);  // delta 1 + string, varint length
  }
  bytes.resize(20, 'a');
  expect_malformed(bytes, EventType::kWeb, "size limit");

  // Lengths just past the input are refused the same way; negative ones too.
  std::string just_over = bytes;
  if (GetParam() == "thrift-binary") {
    just_over.replace(3, 4, std::string("\x00\x00\x00\x15", 4));  // 21
  } else {
    just_over.replace(1, 5, std::string("\x95\x80\x80\x80\x00", 5));  // 21, padded varint
  }
  expect_malformed(just_over, EventType::kWeb, "size limit");
  std::string negative = bytes;
  if (GetParam() == "thrift-binary") {
    negative.replace(3, 4, std::string("\xFF\xFF\xFF\xFF", 4));
  } else {
    negative.replace(1, 5, std::string("\xFF\xFF\xFF\xFF\x0F", 5));
  }
  expect_malformed(negative, EventType::kWeb);
}

TEST_P(ThriftSerializer, RejectsHostileContainerSizeInUnknownField) {
  // An unknown field 99: a list of 2^31-1 i32s, which read() would try to skip one by one.
  Wire wire(GetParam());
  TProtocol& p = *wire.protocol;
  p.writeStructBegin("LabEvent");
  p.writeFieldBegin("junk", apache::thrift::protocol::T_LIST, 99);
  p.writeListBegin(apache::thrift::protocol::T_I32, 0x7FFFFFFF);
  std::string bytes = wire.bytes();
  bytes.resize(bytes.size() + 8, '\0');
  expect_malformed(bytes, EventType::kLab);
}

TEST_P(ThriftSerializer, DecodesUnknownTypeBytesAsMalformed) {
  std::vector<std::string> cases;
  if (GetParam() == "thrift-binary") {
    // A field of type 98; a list, a set and a map in unknown fields with element types 0x7F, 0x80
    // and 0xF0 (converting such bytes to TType unchecked is undefined behaviour).
    cases = {std::string("\x62\x00\x01\x00\x00\x00\x00", 7),
             std::string("\x0F\x00\x63\x7F\x00\x00\x00\x01\x00", 9),
             std::string("\x0E\x00\x63\x80\x00\x00\x00\x01\x00", 9),
             std::string("\x0D\x00\x63\x08\xF0\x00\x00\x00\x01\x00\x00\x00\x00", 13)};
  } else {
    // Compact type nibbles 13..15 do not exist.
    cases = {std::string("\x1D\x00", 2), std::string("\x1F\x00", 2),
             std::string("\x19\x1D\x00", 3)};  // a list of one element of type 13
  }
  for (const std::string& bytes : cases) {
    for (EventType type : core::kAllEventTypes) expect_malformed(bytes, type);
  }
}

TEST_P(ThriftSerializer, SkipsUnknownFieldsThatFitTheInput) {
  Wire wire(GetParam());
  TProtocol& p = *wire.protocol;
  p.writeStructBegin("LabEvent");
  p.writeFieldBegin("future", apache::thrift::protocol::T_LIST, 99);
  p.writeListBegin(apache::thrift::protocol::T_STRING, 2);
  p.writeString("a");
  p.writeString("bc");
  p.writeListEnd();
  p.writeFieldEnd();
  p.writeFieldBegin("test_data", apache::thrift::protocol::T_I32, 1);
  p.writeI32(7);
  p.writeFieldEnd();
  p.writeFieldBegin("event_timestamp", apache::thrift::protocol::T_I64, 2);
  p.writeI64(8);
  p.writeFieldEnd();
  p.writeFieldStop();
  p.writeStructEnd();
  auto decoded = decode_exact(wire.bytes(), EventType::kLab);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, (core::Event{core::LabEvent{7, 8}}));
}

TEST_P(ThriftSerializer, DecodesDeeplyNestedUnknownStructsAsMalformed) {
  Wire wire(GetParam());
  TProtocol& p = *wire.protocol;
  for (int depth = 0; depth < 1000; ++depth) {
    p.writeStructBegin("Nested");
    p.writeFieldBegin("inner", apache::thrift::protocol::T_STRUCT, 99);
  }
  expect_malformed(wire.bytes(), EventType::kLab, "depth");
}

TEST_P(ThriftSerializer, DecodesTrailingBytesAsMalformed) {
  const std::string bytes = encode_ok(core::sample_event(EventType::kLab)) + std::string(1, '\0');
  expect_malformed(bytes, EventType::kLab, "left over");
}

TEST_P(ThriftSerializer, DecodesEveryPrefixOfAnEncodingAsMalformed) {
  for (const core::Event& event : varied_events()) {
    const std::string bytes = encode_ok(event);
    const EventType type = core::event_type_of(event);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto decoded = decode_exact(std::string_view(bytes).substr(0, n), type);
      // A strict prefix lacks at least the final T_STOP, so it is never a whole struct.
      ASSERT_FALSE(decoded.ok()) << n << " of " << bytes.size() << " bytes decoded";
      ASSERT_EQ(decoded.status().code(), StatusCode::kMalformed) << decoded.status().to_string();
    }
    ASSERT_TRUE(decode_exact(bytes, type).ok());
  }
}

TEST_P(ThriftSerializer, DecodesMutatedAndRandomBytesToAnEventOrMalformed) {
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::vector<core::Event> events = varied_events();
  for (int round = 0; round < 3000; ++round) {
    const core::Event& event = events[static_cast<std::size_t>(round) % events.size()];
    std::string bytes = encode_ok(event);
    if (round % 3 == 0) {
      bytes.resize(static_cast<std::size_t>(byte(rng)) % 48);
      for (char& c : bytes) c = static_cast<char>(byte(rng));
    } else {
      const int flips = 1 + byte(rng) % 4;
      for (int f = 0; f < flips && !bytes.empty(); ++f) {
        bytes[static_cast<std::size_t>(byte(rng) * 7919) % bytes.size()] =
            static_cast<char>(byte(rng));
      }
    }
    for (EventType type : core::kAllEventTypes) {
      auto decoded = decode_exact(bytes, type);
      if (!decoded.ok()) {
        ASSERT_EQ(decoded.status().code(), StatusCode::kMalformed) << decoded.status().to_string();
      } else {
        ASSERT_EQ(core::event_type_of(*decoded), type);
      }
    }
  }
  // And the thread's decoder still works after all those failures.
  auto decoded = decode_exact(encode_ok(core::sample_event(EventType::kWeb)), EventType::kWeb);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, core::sample_event(EventType::kWeb));
}

TEST_P(ThriftSerializer, KeepsDecodingAfterMoreThanMaxMessageSizeInTotal) {
  // Thrift counts consumed bytes against TConfiguration's max message size (100 MB by default)
  // and only resets the count in readEnd(), which generated read() never calls: a per-thread
  // transport with the default configuration fails every decode after ~100 MB of records.
  core::WebEvent big = sample_web();
  big.url.assign(512 * 1024, 'u');
  const std::string bytes = encode_ok(big);
  for (int i = 0; i < 240; ++i) {  // ~120 MB in total
    auto decoded = serializer().decode(bytes, EventType::kWeb);
    ASSERT_TRUE(decoded.ok()) << "record " << i << ": " << decoded.status().to_string();
  }
}

TEST_P(ThriftSerializer, EncodesAndDecodesLargeEvents) {
  core::WebEvent huge = sample_web();
  huge.user_agent.assign(3 * 1024 * 1024, 'a');  // over the scratch-retention threshold
  const std::string bytes = encode_ok(huge);
  auto decoded = decode_exact(bytes, EventType::kWeb);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, core::Event{huge});
  // And small ones still work with the rebuilt scratch state.
  EXPECT_EQ(encode_ok(core::sample_event(EventType::kLab)),
            generated_bytes(GetParam(), core::sample_event(EventType::kLab)));
}

INSTANTIATE_TEST_SUITE_P(Thrift, ThriftSerializer,
                         ::testing::Values(std::string_view("thrift-binary"),
                                           std::string_view("thrift-compact")),
                         [](const ::testing::TestParamInfo<std::string_view>& param) {
                           return param.param == "thrift-binary" ? std::string("Binary")
                                                                 : std::string("Compact");
                         });

}  // namespace
}  // namespace tidemark::serializers
