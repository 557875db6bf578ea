// The `protobuf` format: events through the classes protoc generates from schemas/events.proto,
// so the bytes are exactly what any language's stock protobuf library writes and reads.
//
// Encoding fills a per-thread generated message and serializes it; the message is reused so that
// its string fields keep their capacity and steady-state encoding does not allocate (beyond
// growing `out`). Fields are overwritten one by one instead of Clear()ed: WebEvent::Clear() would
// delete the geodata sub-message and make the next encode allocate it again.
#include <climits>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "factories.h"
#include "tidemark/core/utf8.h"
#include "tidemark/schemas/events.pb.h"

namespace tidemark::serializers {
namespace {

namespace pb = ::tidemark::events::v1;

constexpr std::string_view kName = "protobuf";

// Per-thread scratch messages are dropped after handling an input or output larger than this, so
// one huge record does not pin its memory in every thread for the life of the process.
constexpr std::size_t kRetainBytes = 1 << 20;

// Protobuf itself only logs (and still writes the bytes) when serializing a proto3 string that is
// not UTF-8, and its parse errors cannot name the field, so text is checked here first.
core::Status check_text(std::string_view value, std::string_view message, std::string_view field) {
  const std::size_t bad = core::find_invalid_utf8(value);
  if (bad == std::string_view::npos) [[likely]] return {};
  return core::invalid_argument(std::string(kName) + ": " + std::string(message) + "." +
                                std::string(field) + " is not valid UTF-8 (invalid byte at offset " +
                                std::to_string(bad) + ")");
}

struct Messages {
  pb::LabEvent lab;
  pb::WebEvent web;
  pb::TaxiTrip taxi;
};

// The calling thread's scratch messages, created on first use.
std::unique_ptr<Messages>& thread_messages() {
  thread_local std::unique_ptr<Messages> messages;
  return messages;
}

Messages& messages() {
  auto& m = thread_messages();
  if (!m) m = std::make_unique<Messages>();
  return *m;
}

void trim_if_large(std::size_t bytes) {
  if (bytes > kRetainBytes) thread_messages().reset();
}

core::Status serialize(const google::protobuf::MessageLite& msg, std::string_view message,
                       std::string& out) {
  // SerializeToString replaces `out` (clear + append), so its capacity is reused. It fails only
  // when the message would exceed protobuf's 2 GiB limit.
  if (!msg.SerializeToString(&out)) [[unlikely]] {
    return core::invalid_argument(std::string(kName) + ": cannot serialize " +
                                  std::string(message) + " (larger than protobuf's 2 GiB limit)");
  }
  trim_if_large(out.size());
  return {};
}

core::Status encode_event(const core::LabEvent& e, std::string& out) {
  pb::LabEvent& msg = messages().lab;
  msg.set_test_data(e.test_data);
  msg.set_event_timestamp(e.event_timestamp);
  return serialize(msg, "LabEvent", out);
}

core::Status encode_event(const core::WebEvent& e, std::string& out) {
  TIDEMARK_RETURN_IF_ERROR(check_text(e.url, "WebEvent", "url"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.referrer, "WebEvent", "referrer"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.user_agent, "WebEvent", "user_agent"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.host, "WebEvent", "host"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.ip, "WebEvent", "ip"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.geodata.country, "WebEvent", "geodata.country"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.geodata.state, "WebEvent", "geodata.state"));
  TIDEMARK_RETURN_IF_ERROR(check_text(e.geodata.city, "WebEvent", "geodata.city"));
  pb::WebEvent& msg = messages().web;
  msg.set_url(e.url);
  msg.set_referrer(e.referrer);
  msg.set_user_agent(e.user_agent);
  msg.set_host(e.host);
  msg.set_ip(e.ip);
  // geodata is always written (possibly empty), like Thrift's required struct.
  pb::GeoData* geo = msg.mutable_geodata();
  geo->set_country(e.geodata.country);
  geo->set_state(e.geodata.state);
  geo->set_city(e.geodata.city);
  msg.set_event_time(e.event_time);
  return serialize(msg, "WebEvent", out);
}

core::Status encode_event(const core::TaxiTrip& e, std::string& out) {
  pb::TaxiTrip& msg = messages().taxi;
  msg.set_lpep_pickup_datetime(e.lpep_pickup_datetime);
  msg.set_lpep_dropoff_datetime(e.lpep_dropoff_datetime);
  msg.set_pulocationid(e.pu_location_id);
  msg.set_dolocationid(e.do_location_id);
  // Presence must be cleared explicitly: the message is reused, and a missing count is not 0.
  if (e.passenger_count) {
    msg.set_passenger_count(*e.passenger_count);
  } else {
    msg.clear_passenger_count();
  }
  msg.set_trip_distance(e.trip_distance);
  msg.set_tip_amount(e.tip_amount);
  return serialize(msg, "TaxiTrip", out);
}

core::Status parse_failure(std::string_view message, std::size_t size) {
  return core::malformed(std::string(kName) + ": cannot parse " + std::to_string(size) +
                         " bytes as tidemark.events.v1." + std::string(message) +
                         " (truncated or corrupt data, a wrong wire type, or a string field that "
                         "is not UTF-8)");
}

// ParseFromArray clears the message first (presence included), so nothing leaks from a
// previously decoded record. Proto3 cannot tell a missing non-optional scalar from its default.
template <typename Message>
bool parse(Message& msg, std::string_view bytes) {
  return msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

core::Result<core::Event> decode_lab(std::string_view bytes) {
  pb::LabEvent& msg = messages().lab;
  if (!parse(msg, bytes)) return parse_failure("LabEvent", bytes.size());
  return core::Event{core::LabEvent{msg.test_data(), msg.event_timestamp()}};
}

core::Result<core::Event> decode_web(std::string_view bytes) {
  pb::WebEvent& msg = messages().web;
  // protobuf validates UTF-8 of proto3 strings itself while parsing (and logs when it fails).
  if (!parse(msg, bytes)) return parse_failure("WebEvent", bytes.size());
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
  if (!parse(msg, bytes)) return parse_failure("TaxiTrip", bytes.size());
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
    trim_if_large(bytes.size());
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

std::unique_ptr<Serializer> make_protobuf_serializer() {
  return std::make_unique<ProtobufSerializer>();
}

}  // namespace tidemark::serializers
