// The `thrift-binary` and `thrift-compact` serializers: their bytes are what the generated structs
// write, the field ids and types on the wire match the field tables, presence survives, and
// hostile, truncated or mutated bytes give kMalformed without huge allocations or exceptions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
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

// What the generated structs alone write for the same values.
std::string generated_bytes(std::string_view format, const core::Event& event) {
  Wire wire(format);
  std::visit(
      [&wire](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::LabEvent>) {
          gen::LabEvent m;
          m.__set_test_data(e.test_data);
          m.__set_event_timestamp(e.event_timestamp);
          m.write(wire.protocol.get());
        } else if constexpr (std::is_same_v<T, core::WebEvent>) {
          gen::WebEvent m;
          m.__set_url(e.url);
          m.__set_referrer(e.referrer);
          m.__set_user_agent(e.user_agent);
          m.__set_host(e.host);
          m.__set_ip(e.ip);
          gen::GeoData g;
          g.__set_country(e.geodata.country);
          g.__set_state(e.geodata.state);
          g.__set_city(e.geodata.city);
          m.__set_geodata(g);
          m.__set_event_time(e.event_time);
          m.write(wire.protocol.get());
        } else {
          gen::TaxiTrip m;
          m.__set_lpep_pickup_datetime(e.lpep_pickup_datetime);
          m.__set_lpep_dropoff_datetime(e.lpep_dropoff_datetime);
          m.__set_PULocationID(e.pu_location_id);
          m.__set_DOLocationID(e.do_location_id);
          if (e.passenger_count) m.__set_passenger_count(*e.passenger_count);
          m.__set_trip_distance(e.trip_distance);
          m.__set_tip_amount(e.tip_amount);
          m.write(wire.protocol.get());
        }
      },
      event);
  return wire.bytes();
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
  // Thrift counts consumed bytes against TConfiguration's 100 MB max message size and only
  // resets the count in readEnd(); a reused transport must not fail after 100 MB of records.
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
