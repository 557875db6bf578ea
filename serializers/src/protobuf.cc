// The `protobuf` format: the proto3 wire format of schemas/events.proto, byte for byte what the
// protoc-generated classes write, so any language's stock protobuf library reads it.
//
// Decoding parses with the generated classes. Encoding writes the same bytes straight from the
// event with protobuf's own CodedOutputStream primitives, in the generated serializer's order and
// with its rules (proto3 scalars and strings only when not zero/empty, a double only when its bits
// are not all zero, `optional` fields whenever present, the geodata sub-message always). Copying
// a web event's nine strings into a generated message first costs about as much as serializing
// it (measured: 2x the bare SerializeToString), and the copy is pure overhead. Field numbers come
// from the generated classes; tests compare the bytes with the generated classes' on a corpus.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/unknown_field_set.h>

#include <cstdio>
#include <mutex>

#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "factories.h"
#include "tidemark/core/utf8.h"
#include "tidemark/schemas/events.pb.h"

namespace tidemark::serializers {
namespace {

namespace pb = ::tidemark::events::v1;
using google::protobuf::io::CodedOutputStream;

constexpr std::string_view kName = "protobuf";

// Per-thread parse targets are dropped after an input larger than this, so one huge record does
// not pin its memory in every thread for the life of the process.
constexpr std::size_t kRetainBytes = 1 << 20;

// ---- text checks -----------------------------------------------------------------------------

// Whether every byte is ASCII, read 8 bytes at a time with no early exit: event text is nearly
// always ASCII, and this is several times cheaper than the full UTF-8 check it lets us skip.
inline bool is_ascii(std::string_view text) noexcept {
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    seen |= word;
  }
  for (; i < text.size(); ++i) seen |= static_cast<unsigned char>(text[i]);
  return (seen & 0x8080808080808080ULL) == 0;
}

// Protobuf only logs (and still writes the bytes) when a generated class serializes a proto3
// string that is not UTF-8; tidemark refuses it on encode and names the field.
inline core::Status check_text(std::string_view value, std::string_view field) {
  if (is_ascii(value)) [[likely]] return {};
  const std::size_t bad = core::find_invalid_utf8(value);
  if (bad == std::string_view::npos) return {};
  return core::invalid_argument(std::string(kName) + ": WebEvent." + std::string(field) +
                                " is not valid UTF-8 (invalid byte at offset " +
                                std::to_string(bad) + ")");
}

core::Status check_web_text(const core::WebEvent& e) {
  TIDEMARK_RETURN_IF_ERROR(check_text(e.url, "url"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.referrer, "referrer"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.user_agent, "user_agent"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.host, "host"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.ip, "ip"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.geodata.country, "geodata.country"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.geodata.state, "geodata.state"));
  return check_text(e.geodata.city, "geodata.city");
}

// ---- encode: one field list per message, run by a Sizer and then by a Writer ------------------

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

constexpr std::uint32_t make_tag(int field, WireType type) {
  return (static_cast<std::uint32_t>(field) << 3) | type;
}

template <typename Out>
void fields(const core::GeoData& g, Out& out) {
  out.string(pb::GeoData::kCountryFieldNumber, g.country);
  out.string(pb::GeoData::kStateFieldNumber, g.state);
  out.string(pb::GeoData::kCityFieldNumber, g.city);
}

template <typename Out>
void fields(const core::LabEvent& e, Out& out) {
  out.int32(pb::LabEvent::kTestDataFieldNumber, e.test_data);
  out.int64(pb::LabEvent::kEventTimestampFieldNumber, e.event_timestamp);
}

template <typename Out>
void fields(const core::WebEvent& e, Out& out) {
  out.string(pb::WebEvent::kUrlFieldNumber, e.url);
  out.string(pb::WebEvent::kReferrerFieldNumber, e.referrer);
  out.string(pb::WebEvent::kUserAgentFieldNumber, e.user_agent);
  out.string(pb::WebEvent::kHostFieldNumber, e.host);
  out.string(pb::WebEvent::kIpFieldNumber, e.ip);
  out.message(pb::WebEvent::kGeodataFieldNumber, e.geodata);  // always present, maybe empty
  out.int64(pb::WebEvent::kEventTimeFieldNumber, e.event_time);
}

template <typename Out>
void fields(const core::TaxiTrip& e, Out& out) {
  out.int64(pb::TaxiTrip::kLpepPickupDatetimeFieldNumber, e.lpep_pickup_datetime);
  out.int64(pb::TaxiTrip::kLpepDropoffDatetimeFieldNumber, e.lpep_dropoff_datetime);
  out.int32(pb::TaxiTrip::kPULocationIDFieldNumber, e.pu_location_id);
  out.int32(pb::TaxiTrip::kDOLocationIDFieldNumber, e.do_location_id);
  out.optional_int32(pb::TaxiTrip::kPassengerCountFieldNumber, e.passenger_count);
  out.double_(pb::TaxiTrip::kTripDistanceFieldNumber, e.trip_distance);
  out.double_(pb::TaxiTrip::kTipAmountFieldNumber, e.tip_amount);
}

// Adds up the encoded size (what the generated ByteSizeLong() computes).
struct Sizer {
  std::size_t size = 0;

  void int32(int field, std::int32_t v) {
    if (v != 0) size += CodedOutputStream::VarintSize32(make_tag(field, kVarint)) +
                        CodedOutputStream::VarintSize32SignExtended(v);
  }
  void optional_int32(int field, const std::optional<std::int32_t>& v) {
    if (v) size += CodedOutputStream::VarintSize32(make_tag(field, kVarint)) +
                   CodedOutputStream::VarintSize32SignExtended(*v);
  }
  void int64(int field, std::int64_t v) {
    if (v != 0) size += CodedOutputStream::VarintSize32(make_tag(field, kVarint)) +
                        CodedOutputStream::VarintSize64(static_cast<std::uint64_t>(v));
  }
  void double_(int field, double v) {
    if (std::bit_cast<std::uint64_t>(v) != 0) {
      size += CodedOutputStream::VarintSize32(make_tag(field, kFixed64)) + 8;
    }
  }
  void string(int field, const std::string& v) {
    if (!v.empty()) size += CodedOutputStream::VarintSize32(make_tag(field, kLengthDelimited)) +
                            length_size(v.size()) + v.size();
  }
  template <typename Message>
  void message(int field, const Message& m) {
    Sizer inner;
    fields(m, inner);
    size += CodedOutputStream::VarintSize32(make_tag(field, kLengthDelimited)) +
            length_size(inner.size) + inner.size;
  }
  static std::size_t length_size(std::size_t n) {
    // Sizes beyond 4 GiB only feed the "too large" check in encode_event.
    return n > UINT32_MAX ? 10 : CodedOutputStream::VarintSize32(static_cast<std::uint32_t>(n));
  }
};

// Writes the fields into memory sized by Sizer (what the generated _InternalSerialize() writes).
struct Writer {
  std::uint8_t* p;

  void tag(int field, WireType type) { p = CodedOutputStream::WriteTagToArray(make_tag(field, type), p); }
  void int32(int field, std::int32_t v) {
    if (v == 0) return;
    tag(field, kVarint);
    p = CodedOutputStream::WriteVarint32SignExtendedToArray(v, p);
  }
  void optional_int32(int field, const std::optional<std::int32_t>& v) {
    if (!v) return;
    tag(field, kVarint);
    p = CodedOutputStream::WriteVarint32SignExtendedToArray(*v, p);
  }
  void int64(int field, std::int64_t v) {
    if (v == 0) return;
    tag(field, kVarint);
    p = CodedOutputStream::WriteVarint64ToArray(static_cast<std::uint64_t>(v), p);
  }
  void double_(int field, double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    if (bits == 0) return;  // +0.0 is the proto3 default; -0.0 is written
    tag(field, kFixed64);
    p = CodedOutputStream::WriteLittleEndian64ToArray(bits, p);
  }
  void string(int field, const std::string& v) {
    if (v.empty()) return;
    tag(field, kLengthDelimited);
    p = CodedOutputStream::WriteVarint32ToArray(static_cast<std::uint32_t>(v.size()), p);
    std::memcpy(p, v.data(), v.size());
    p += v.size();
  }
  template <typename Message>
  void message(int field, const Message& m) {
    Sizer inner;
    fields(m, inner);
    tag(field, kLengthDelimited);
    p = CodedOutputStream::WriteVarint32ToArray(static_cast<std::uint32_t>(inner.size), p);
    fields(m, *this);
  }
};

constexpr std::string_view message_name(const core::LabEvent&) { return "LabEvent"; }
constexpr std::string_view message_name(const core::WebEvent&) { return "WebEvent"; }
constexpr std::string_view message_name(const core::TaxiTrip&) { return "TaxiTrip"; }

template <typename E>
core::Status encode_event(const E& event, std::string& out) {
  if constexpr (std::is_same_v<E, core::WebEvent>) {
    TIDEMARK_RETURN_IF_ERROR(check_web_text(event));
  }
  Sizer sizer;
  fields(event, sizer);
  if (sizer.size > static_cast<std::size_t>(INT_MAX)) [[unlikely]] {
    return core::invalid_argument(std::string(kName) + ": cannot encode " +
                                  std::string(message_name(event)) + " of " +
                                  std::to_string(sizer.size) +
                                  " bytes (over protobuf's 2 GiB message limit)");
  }
  out.resize(sizer.size);  // reuses out's capacity; every byte is overwritten below
  Writer writer{reinterpret_cast<std::uint8_t*>(out.data())};
  fields(event, writer);
  return {};
}

// ---- decode: the generated classes -----------------------------------------------------------

struct Messages {
  pb::LabEvent lab;
  pb::WebEvent web;
  pb::TaxiTrip taxi;
};

// The calling thread's parse targets, created on first use.
std::unique_ptr<Messages>& thread_messages() {
  thread_local std::unique_ptr<Messages> messages;
  return messages;
}

Messages& messages() {
  auto& m = thread_messages();
  if (!m) m = std::make_unique<Messages>();
  return *m;
}

// Names the string field that is not UTF-8, or returns "" when there is none. Protobuf's parser
// refuses such a field (C++ writers only log it, so such records exist) without saying which.
// Reads the bytes schema-free and looks the field numbers up in the generated descriptor.
std::string invalid_utf8_field(const google::protobuf::Descriptor& type, std::string_view bytes,
                               const std::string& prefix) {
  using google::protobuf::FieldDescriptor;
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return {};
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& field = fields.field(i);
    if (field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const FieldDescriptor* descriptor = type.FindFieldByNumber(field.number());
    if (descriptor == nullptr) continue;
    const std::string& value = field.length_delimited();
    if (descriptor->type() == FieldDescriptor::TYPE_STRING) {
      const std::size_t bad = core::find_invalid_utf8(value);
      if (bad != std::string_view::npos) {
        return prefix + descriptor->name() + " is not valid UTF-8 (invalid byte at offset " +
               std::to_string(bad) + ")";
      }
    } else if (descriptor->type() == FieldDescriptor::TYPE_MESSAGE) {
      std::string inner =
          invalid_utf8_field(*descriptor->message_type(), value, prefix + descriptor->name() + ".");
      if (!inner.empty()) return inner;
    }
  }
  return {};
}

// Only called on the failure path.
template <typename Message>
core::Status parse_failure(std::string_view bytes) {
  const google::protobuf::Descriptor& type = *Message::descriptor();
  std::string why = invalid_utf8_field(type, bytes, "");
  if (why.empty()) why = "truncated or corrupt data, or a field of the wrong wire type";
  return core::malformed(std::string(kName) + ": cannot parse " + std::to_string(bytes.size()) +
                         " bytes as " + type.full_name() + ": " + why);
}

// ParseFromArray clears the message first (presence included), so nothing leaks from a
// previously decoded record. Proto3 cannot tell a missing non-optional scalar from its default.
template <typename Message>
bool parse(Message& msg, std::string_view bytes) {
  return msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

core::Result<core::Event> decode_lab(std::string_view bytes) {
  pb::LabEvent& msg = messages().lab;
  if (!parse(msg, bytes)) return parse_failure<pb::LabEvent>(bytes);
  return core::Event{core::LabEvent{msg.test_data(), msg.event_timestamp()}};
}

core::Result<core::Event> decode_web(std::string_view bytes) {
  pb::WebEvent& msg = messages().web;
  // protobuf validates UTF-8 of proto3 strings itself while parsing (and logs when it fails).
  if (!parse(msg, bytes)) return parse_failure<pb::WebEvent>(bytes);
  core::WebEvent e;
  e.url = msg.url();
  e.referrer = msg.referrer();
  e.user_agent = msg.user_agent();
  e.host = msg.host();
  e.ip = msg.ip();
  const pb::GeoData& geo = msg.geodata();  // the default instance when absent: empty strings
  e.geodata.country = geo.country();
  e.geodata.state = geo.state();
  e.geodata.city = geo.city();
  e.event_time = msg.event_time();
  return core::Event{std::move(e)};
}

core::Result<core::Event> decode_taxi(std::string_view bytes) {
  pb::TaxiTrip& msg = messages().taxi;
  if (!parse(msg, bytes)) return parse_failure<pb::TaxiTrip>(bytes);
  core::TaxiTrip e;
  e.lpep_pickup_datetime = msg.lpep_pickup_datetime();
  e.lpep_dropoff_datetime = msg.lpep_dropoff_datetime();
  e.pu_location_id = msg.pulocationid();
  e.do_location_id = msg.dolocationid();
  if (msg.has_passenger_count()) e.passenger_count = msg.passenger_count();
  e.trip_distance = msg.trip_distance();
  e.tip_amount = msg.tip_amount();
  return core::Event{e};
}

class ProtobufSerializer final : public Serializer {
 public:
  std::string_view name() const noexcept override { return kName; }
  std::string_view content_type() const noexcept override { return "application/protobuf"; }
  std::string_view description() const noexcept override {
    return "Protocol Buffers (proto3, schemas/events.proto, package tidemark.events.v1)";
  }

  core::Status encode(const core::Event& event, std::string& out) const override {
    return std::visit([&out](const auto& e) { return encode_event(e, out); }, event);
  }

  core::Result<core::Event> decode(std::string_view bytes, core::EventType type) const override {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
      return core::malformed(std::string(kName) + ": " + std::to_string(bytes.size()) +
                             " bytes is larger than protobuf's 2 GiB message limit");
    }
    core::Result<core::Event> result = decode_as(bytes, type);
    if (bytes.size() > kRetainBytes) thread_messages().reset();
    return result;
  }

 private:
  static core::Result<core::Event> decode_as(std::string_view bytes, core::EventType type) {
    switch (type) {
      case core::EventType::kLab: return decode_lab(bytes);
      case core::EventType::kWeb: return decode_web(bytes);
      case core::EventType::kTaxi: return decode_taxi(bytes);
    }
    return core::internal_error(std::string(kName) + ": unknown event type " +
                                std::to_string(static_cast<int>(type)));
  }
};

}  // namespace

// libprotobuf logs an ERROR line to stderr for every message that fails to parse. A consumer
// reading a topic of foreign bytes would fill stderr with them, although each failure is already
// reported (and counted) as a kMalformed Status. Keep only FATAL messages.
static void quiet_protobuf_log(google::protobuf::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_FATAL) {
    std::fprintf(stderr, "[libprotobuf FATAL %s:%d] %s\n", filename, line, message.c_str());
  }
}

std::unique_ptr<Serializer> make_protobuf_serializer() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(&quiet_protobuf_log); });
  return std::make_unique<ProtobufSerializer>();
}

}  // namespace tidemark::serializers
