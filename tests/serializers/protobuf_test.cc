// The `protobuf` serializer: its bytes are exactly what the protoc-generated classes write, the
// generated descriptors match the field tables, presence survives, and bad bytes are kMalformed.
#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <variant>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>

#include "tidemark/core/events.h"
#include "tidemark/schemas/events.pb.h"
#include "tidemark/serializers/serializer_registry.h"
#include "tidemark/testing/generated_messages.h"

namespace tidemark::serializers {
namespace {

namespace pb = ::tidemark::events::v1;
using core::EventType;
using core::FieldType;
using core::StatusCode;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

const Serializer& protobuf() {
  static const SerializerRegistry registry = make_builtin_registry();
  const Serializer* s = registry.find("protobuf");
  EXPECT_NE(s, nullptr) << "protobuf is not registered";
  return *s;
}

std::string encode_ok(const core::Event& event) {
  std::string out;
  const core::Status status = protobuf().encode(event, out);
  EXPECT_TRUE(status.ok()) << status.to_string();
  return out;
}

// What the generated classes alone write for the same values.
std::string generated_bytes(const core::Event& event) {
  std::string out;
  std::visit([&out](const auto& e) { EXPECT_TRUE(testing::to_proto(e).SerializeToString(&out)); },
             event);
  return out;
}

// Whether field `number` is on the wire, read without the schema.
bool has_field(const std::string& bytes, int number) {
  google::protobuf::UnknownFieldSet fields;
  EXPECT_TRUE(fields.ParseFromString(bytes));
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == number) return true;
  }
  return false;
}

core::TaxiTrip sample_taxi() { return std::get<core::TaxiTrip>(core::sample_event(EventType::kTaxi)); }
core::WebEvent sample_web() { return std::get<core::WebEvent>(core::sample_event(EventType::kWeb)); }

TEST(ProtobufSerializer, IsRegisteredWithItsContentType) {
  EXPECT_EQ(protobuf().name(), "protobuf");
  EXPECT_EQ(protobuf().content_type(), "application/protobuf");
  EXPECT_FALSE(protobuf().description().empty());
}

TEST(ProtobufSerializer, EncodesSamplesExactlyAsTheGeneratedClasses) {
  for (EventType type : core::kAllEventTypes) {
    const core::Event& event = core::sample_event(type);
    EXPECT_EQ(encode_ok(event), generated_bytes(event)) << core::event_type_name(type);
  }
}

TEST(ProtobufSerializer, RoundTripsSamples) {
  for (EventType type : core::kAllEventTypes) {
    const core::Event& event = core::sample_event(type);
    auto decoded = protobuf().decode(encode_ok(event), type);
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, event) << core::event_type_name(type);
  }
}

TEST(ProtobufSerializer, RoundTripsEdgeValues) {
  core::WebEvent web;  // all empty strings, time 0
  core::WebEvent unicode = sample_web();
  unicode.url = "https://例え.jp/パス?q=\xF0\x9F\x98\x80";
  unicode.geodata = {"DE", "Baden-Württemberg", "Tübingen"};
  unicode.event_time = std::numeric_limits<std::int64_t>::min();
  core::TaxiTrip taxi = sample_taxi();
  taxi.lpep_pickup_datetime = std::numeric_limits<std::int64_t>::max();
  taxi.pu_location_id = std::numeric_limits<std::int32_t>::min();
  taxi.trip_distance = -0.5;
  taxi.tip_amount = 1e300;
  const core::LabEvent lab{-1, -1};
  for (const core::Event& event : {core::Event{web}, core::Event{unicode}, core::Event{taxi},
                                   core::Event{lab}}) {
    const std::string bytes = encode_ok(event);
    EXPECT_EQ(bytes, generated_bytes(event));
    auto decoded = protobuf().decode(bytes, core::event_type_of(event));
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, event);
  }
}

// Values around every boundary the wire format has: zero (not written in proto3), negative
// int32 (10-byte varints), varint length steps, -0.0 and NaN (written: their bits are not 0),
// strings of 0, 1, 127, 128 and more bytes, ASCII and not.
class RandomEvents {
 public:
  explicit RandomEvents(std::uint64_t seed) : rng_(seed) {}

  core::Event next() {
    switch (rng_() % 3) {
      case 0: return core::LabEvent{int32(), int64()};
      case 1:
        return core::WebEvent{text(), text(), text(), text(), text(),
                              core::GeoData{text(), text(), text()}, int64()};
      default: {
        core::TaxiTrip t{int64(), int64(), int32(), int32(), std::nullopt, real(), real()};
        if (rng_() % 3 != 0) t.passenger_count = int32();
        return t;
      }
    }
  }

 private:
  std::int32_t int32() {
    constexpr std::int32_t kEdges[] = {0, 1, -1, 127, 128, 16383, 16384,
                                       std::numeric_limits<std::int32_t>::min(),
                                       std::numeric_limits<std::int32_t>::max()};
    if (rng_() % 2 == 0) return kEdges[rng_() % std::size(kEdges)];
    return static_cast<std::int32_t>(rng_());
  }
  std::int64_t int64() {
    constexpr std::int64_t kEdges[] = {0, 1, -1, 1732345678901, -62135596800000,
                                       std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::max()};
    if (rng_() % 2 == 0) return kEdges[rng_() % std::size(kEdges)];
    return static_cast<std::int64_t>(rng_() >> (rng_() % 64));
  }
  double real() {
    const double kEdges[] = {0.0, -0.0, 5.88, -1.25, std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max()};
    if (rng_() % 2 == 0) return kEdges[rng_() % std::size(kEdges)];
    return static_cast<double>(rng_() % 100000) / 100.0;
  }
  std::string text() {
    static const char* const kPieces[] = {"", "a", "shop.example.com", "/products/4711?ref=lab",
                                          "\xC3\xBC", "\xE4\xBE\x8B\xE3\x81\x88",
                                          "\xF0\x9F\x98\x80", " ",
                                          "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"};
    std::string s;
    const std::size_t parts = rng_() % 4 == 0 ? 12 : rng_() % 4;
    for (std::size_t i = 0; i < parts; ++i) s += kPieces[rng_() % std::size(kPieces)];
    if (rng_() % 16 == 0) s.assign(127 + rng_() % 3, 'x');  // the 1- to 2-byte length step
    return s;
  }

  std::mt19937_64 rng_;
};

TEST(ProtobufSerializer, EncodesRandomEventsExactlyAsTheGeneratedClasses) {
  RandomEvents events(20261123);
  for (int i = 0; i < 5000; ++i) {
    const core::Event event = events.next();
    const std::string bytes = encode_ok(event);
    ASSERT_EQ(bytes, generated_bytes(event)) << "event " << i;
    // Decoding and encoding again gives the same bytes (compares NaN by its bits, too).
    auto decoded = protobuf().decode(bytes, core::event_type_of(event));
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    ASSERT_EQ(encode_ok(*decoded), bytes) << "event " << i;
  }
}

TEST(ProtobufSerializer, DistinguishesMissingPassengerCountFromZero) {
  core::TaxiTrip missing = sample_taxi();
  missing.passenger_count.reset();
  core::TaxiTrip zero = sample_taxi();
  zero.passenger_count = 0;
  core::TaxiTrip three = sample_taxi();
  three.passenger_count = 3;

  const std::string missing_bytes = encode_ok(missing);
  const std::string zero_bytes = encode_ok(zero);
  const std::string three_bytes = encode_ok(three);
  EXPECT_NE(missing_bytes, zero_bytes);
  EXPECT_FALSE(has_field(missing_bytes, 5));
  EXPECT_TRUE(has_field(zero_bytes, 5));
  EXPECT_TRUE(has_field(three_bytes, 5));

  for (const core::TaxiTrip& trip : {missing, zero, three}) {
    auto decoded = protobuf().decode(encode_ok(trip), EventType::kTaxi);
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    EXPECT_EQ(std::get<core::TaxiTrip>(*decoded).passenger_count, trip.passenger_count);
  }
}

TEST(ProtobufSerializer, DoesNotCarryPresenceFromOneEventToTheNext) {
  core::TaxiTrip with = sample_taxi();
  with.passenger_count = 4;
  core::TaxiTrip without = sample_taxi();
  without.passenger_count.reset();

  // Encode: the reused message must not keep the previous event's passenger_count.
  const std::string fresh = generated_bytes(without);
  (void)encode_ok(with);
  EXPECT_EQ(encode_ok(without), fresh);

  // Decode: nor must the reused parse target.
  ASSERT_TRUE(protobuf().decode(encode_ok(with), EventType::kTaxi).ok());
  auto decoded = protobuf().decode(fresh, EventType::kTaxi);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<core::TaxiTrip>(*decoded).passenger_count, std::nullopt);

  // Nor a previous web event's geodata.
  ASSERT_TRUE(protobuf().decode(encode_ok(sample_web()), EventType::kWeb).ok());
  pb::WebEvent no_geo;
  no_geo.set_url("https://example.com/");
  auto web = protobuf().decode(no_geo.SerializeAsString(), EventType::kWeb);
  ASSERT_TRUE(web.ok()) << web.status().to_string();
  EXPECT_EQ(std::get<core::WebEvent>(*web).geodata, core::GeoData{});
  EXPECT_EQ(std::get<core::WebEvent>(*web).ip, "");
}

TEST(ProtobufSerializer, ReplacesPreviousContentsOfOut) {
  std::string out(1000, 'x');
  ASSERT_TRUE(protobuf().encode(core::sample_event(EventType::kLab), out).ok());
  EXPECT_EQ(out, generated_bytes(core::sample_event(EventType::kLab)));
}

TEST(ProtobufSerializer, RejectsInvalidUtf8OnEncodeNamingTheField) {
  core::WebEvent url = sample_web();
  url.url = "https://example.com/\xC3\x28";
  core::WebEvent city = sample_web();
  city.geodata.city = "Berlin\xFF";
  core::WebEvent surrogate = sample_web();
  surrogate.user_agent = "\xED\xA0\x80";

  std::string out;
  core::Status status = protobuf().encode(url, out);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("url"), std::string::npos) << status.message();

  status = protobuf().encode(city, out);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("geodata.city"), std::string::npos) << status.message();

  status = protobuf().encode(surrogate, out);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("user_agent"), std::string::npos) << status.message();
}

TEST(ProtobufSerializer, DecodesGarbageAsMalformed) {
  const std::string cases[] = {
      std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 11),  // overlong varint tag
      std::string("\x0F", 1),                    // field 1, wire type 7 (does not exist)
      std::string("\x0A\x05" "ab", 4),           // length 5, 2 bytes follow
      std::string("\x08", 1),                    // varint field with no value
      std::string("\x00", 1),                    // field number 0
  };
  for (EventType type : core::kAllEventTypes) {
    for (const std::string& bytes : cases) {
      auto decoded = protobuf().decode(bytes, type);
      ASSERT_FALSE(decoded.ok()) << core::event_type_name(type);
      EXPECT_EQ(decoded.status().code(), StatusCode::kMalformed);
      const std::string message = decoded.status().message();
      EXPECT_NE(message.find(std::string(core::event_type_info(type).message_name)),
                std::string::npos) << message;
      EXPECT_NE(message.find(std::to_string(bytes.size()) + " bytes"), std::string::npos)
          << message;
    }
  }
}

TEST(ProtobufSerializer, DecodesInvalidUtf8StringAsMalformedNamingTheField) {
  // protobuf's parser refuses these in proto3 strings (and logs); the message names the field.
  for (const std::string bad : {"\xC3\x28", "\xED\xA0\x80" /* surrogate */,
                                "\xC0\xAF" /* overlong */, "\xF4\x90\x80\x80" /* > U+10FFFF */}) {
    const std::string url = "\x0A" + std::string(1, static_cast<char>(bad.size())) + bad;
    auto decoded = protobuf().decode(url, EventType::kWeb);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kMalformed);
    EXPECT_NE(decoded.status().message().find("url is not valid UTF-8"), std::string::npos)
        << decoded.status().message();
  }
  // geodata (field 6) holding city (field 3) = "\xFF".
  const std::string city("\x32\x03\x1A\x01\xFF", 5);
  auto decoded = protobuf().decode(city, EventType::kWeb);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("geodata.city is not valid UTF-8"), std::string::npos)
      << decoded.status().message();
}

TEST(ProtobufSerializer, DecodesEveryPrefixToAnEventOrMalformed) {
  for (EventType type : core::kAllEventTypes) {
    const std::string bytes = encode_ok(core::sample_event(type));
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
      const std::string prefix = bytes.substr(0, n);
      auto decoded = protobuf().decode(prefix, type);
      if (!decoded.ok()) {
        EXPECT_EQ(decoded.status().code(), StatusCode::kMalformed) << n;
      }
    }
  }
}

// ---- schema drift: the generated descriptors against the field tables ------------------------

FieldDescriptor::Type proto_type(FieldType type) {
  switch (type) {
    case FieldType::kInt32: return FieldDescriptor::TYPE_INT32;
    case FieldType::kInt64:
    case FieldType::kTime: return FieldDescriptor::TYPE_INT64;
    case FieldType::kDouble: return FieldDescriptor::TYPE_DOUBLE;
    case FieldType::kString: return FieldDescriptor::TYPE_STRING;
    case FieldType::kStruct: return FieldDescriptor::TYPE_MESSAGE;
  }
  return FieldDescriptor::TYPE_BYTES;
}

void expect_matches(const Descriptor* descriptor, std::string_view message_name,
                    std::span<const core::FieldInfo> fields) {
  ASSERT_NE(descriptor, nullptr);
  SCOPED_TRACE(std::string(message_name));
  EXPECT_EQ(descriptor->full_name(), "tidemark.events.v1." + std::string(message_name));
  EXPECT_EQ(descriptor->field_count(), static_cast<int>(fields.size()));
  for (const core::FieldInfo& info : fields) {
    SCOPED_TRACE(std::string(info.name));
    const FieldDescriptor* field = descriptor->FindFieldByNumber(info.proto_number);
    ASSERT_NE(field, nullptr) << "no field number " << info.proto_number;
    EXPECT_EQ(field->name(), info.name);
    EXPECT_EQ(field->type(), proto_type(info.type)) << field->type_name();
    EXPECT_FALSE(field->is_repeated());
    EXPECT_EQ(field->has_optional_keyword(), info.nullable);
    EXPECT_EQ(field->real_containing_oneof(), nullptr);
    if (info.type != FieldType::kStruct) {
      // Messages always have presence; for scalars presence is exactly proto3 `optional`.
      EXPECT_EQ(field->has_presence(), info.nullable);
    } else {
      ASSERT_NE(field->message_type(), nullptr);
      EXPECT_EQ(field->message_type()->full_name(), "tidemark.events.v1.GeoData");
    }
  }
}

TEST(ProtobufSchemaDrift, LabEventMatchesFieldTable) {
  expect_matches(pb::LabEvent::descriptor(), "LabEvent", core::kLabFields);
}

TEST(ProtobufSchemaDrift, WebEventMatchesFieldTable) {
  expect_matches(pb::WebEvent::descriptor(), "WebEvent", core::kWebFields);
}

TEST(ProtobufSchemaDrift, TaxiTripMatchesFieldTable) {
  expect_matches(pb::TaxiTrip::descriptor(), "TaxiTrip", core::kTaxiFields);
}

TEST(ProtobufSchemaDrift, GeoDataMatchesFieldTable) {
  expect_matches(pb::GeoData::descriptor(), "GeoData", core::kGeoDataFields);
}

TEST(ProtobufSchemaDrift, MessageNamesMatchEventTypeInfo) {
  EXPECT_EQ(pb::LabEvent::descriptor()->name(), core::event_type_info(EventType::kLab).message_name);
  EXPECT_EQ(pb::WebEvent::descriptor()->name(), core::event_type_info(EventType::kWeb).message_name);
  EXPECT_EQ(pb::TaxiTrip::descriptor()->name(),
            core::event_type_info(EventType::kTaxi).message_name);
}

}  // namespace
}  // namespace tidemark::serializers
