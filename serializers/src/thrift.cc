// The `thrift-binary` and `thrift-compact` formats: events through the structs the Thrift compiler
// generates from schemas/events.thrift, written with TBinaryProtocol or TCompactProtocol onto a
// TMemoryBuffer, so the bytes are exactly what any language's stock Thrift library reads.
//
// One class template serves both protocols. Each thread keeps its own generated structs, memory
// buffer and protocol objects (Thrift's are not thread-safe), so steady-state encoding neither
// allocates nor touches a shared_ptr; decoding reads the caller's bytes in place.
//
// Decoding must be safe on hostile bytes, and Thrift's defaults are not:
//  * a string or container length prefix is trusted (TBinaryProtocol resizes a std::string to it,
//    TCompactProtocol reallocs a buffer to it), so both size limits are set to the input length;
//  * the transport counts consumed bytes against TConfiguration's max message size (100 MB) and
//    only resets the count at readEnd(), which struct read() never calls, so a long-lived
//    transport would start failing every decode after ~100 MB; the count is reset per input;
//  * a generated read() never clears __isset of optional fields, so it is cleared before reading;
//  * an exception can leave a protocol's internal state unbalanced (TCompactProtocol's field-id
//    stack), so the thread's decoder is rebuilt after any failure.
#include <climits>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <thrift/TConfiguration.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "factories.h"
#include "tidemark/core/utf8.h"
#include "tidemark/schemas/events_types.h"

namespace tidemark::serializers {
namespace {

namespace th = ::apache::thrift;
namespace gen = ::tidemark::events::v1::thrift_gen;
using th::transport::TMemoryBuffer;

// Per-thread scratch state is rebuilt after handling an input or output larger than this, so one
// huge record does not pin its memory in every thread for the life of the process.
constexpr std::size_t kRetainBytes = 1 << 20;
constexpr std::uint32_t kInitialEncodeBuffer = 1024;

struct BinaryProtocol {
  using Protocol = th::protocol::TBinaryProtocolT<TMemoryBuffer>;
  static constexpr std::string_view kName = "thrift-binary";
  static constexpr std::string_view kContentType = "application/vnd.apache.thrift.binary";
  static constexpr std::string_view kDescription =
      "Apache Thrift TBinaryProtocol (schemas/events.thrift)";
};

struct CompactProtocol {
  using Protocol = th::protocol::TCompactProtocolT<TMemoryBuffer>;
  static constexpr std::string_view kName = "thrift-compact";
  static constexpr std::string_view kContentType = "application/vnd.apache.thrift.compact";
  static constexpr std::string_view kDescription =
      "Apache Thrift TCompactProtocol (schemas/events.thrift)";
};

// A read-only TMemoryBuffer over the caller's bytes. TMemoryBuffer::resetBuffer(ptr, n, OBSERVE)
// would do the same but builds a temporary TMemoryBuffer (and a TConfiguration) on every call,
// and does not reset the consumed-bytes count.
class InputBuffer final : public TMemoryBuffer {
 public:
  explicit InputBuffer(std::shared_ptr<th::TConfiguration> config)
      : TMemoryBuffer(const_cast<std::uint8_t*>(&kNoBytes), 0, OBSERVE, std::move(config)) {}

  // Observes `bytes` (never written: OBSERVE buffers are read-only). Precondition: size <= INT_MAX.
  void observe(std::string_view bytes) {
    // A null data() with size 0 would make Thrift compute nullptr + offset.
    auto* data = bytes.empty() ? const_cast<std::uint8_t*>(&kNoBytes)
                               : reinterpret_cast<std::uint8_t*>(const_cast<char*>(bytes.data()));
    const auto size = static_cast<std::uint32_t>(bytes.size());
    buffer_ = data;
    bufferSize_ = size;
    owner_ = false;
    rBase_ = data;
    rBound_ = data + size;
    wBase_ = data + size;
    wBound_ = data + size;
    // This message is exactly the input: a full reset, then shrink the limit to the input length.
    resetConsumedMessageSize();
    resetConsumedMessageSize(static_cast<long>(size));
  }

 private:
  static constexpr std::uint8_t kNoBytes = 0;
};

// A protocol whose string and container size limits can change per input (TCompactProtocolT only
// takes them in its constructor).
template <typename Base>
class BoundedProtocol final : public Base {
 public:
  explicit BoundedProtocol(std::shared_ptr<TMemoryBuffer> transport) : Base(std::move(transport)) {}

  void limit_sizes(std::int32_t limit) {
    this->string_limit_ = limit;  // 0 would mean "no limit"
    this->container_limit_ = limit;
  }
};

std::shared_ptr<th::TConfiguration> decode_configuration() {
  // The max message size only has to admit any input we accept; observe() narrows the limit to
  // the actual input length. The recursion limit stays at Thrift's default (our depth is 2).
  return std::make_shared<th::TConfiguration>(INT_MAX, th::TConfiguration::DEFAULT_MAX_FRAME_SIZE,
                                              th::TConfiguration::DEFAULT_RECURSION_DEPTH);
}

template <typename P>
struct EncodeState {
  std::shared_ptr<TMemoryBuffer> buffer = std::make_shared<TMemoryBuffer>(kInitialEncodeBuffer);
  typename P::Protocol protocol{buffer};
  gen::LabEvent lab;
  gen::WebEvent web;
  gen::TaxiTrip taxi;
};

template <typename P>
struct DecodeState {
  std::shared_ptr<InputBuffer> input = std::make_shared<InputBuffer>(decode_configuration());
  BoundedProtocol<typename P::Protocol> protocol{input};
  gen::LabEvent lab;
  gen::WebEvent web;
  gen::TaxiTrip taxi;
};

// The calling thread's scratch state for protocol P, created on first use.
template <typename State>
std::unique_ptr<State>& thread_slot() {
  thread_local std::unique_ptr<State> state;
  return state;
}

template <typename State>
State& thread_state() {
  auto& slot = thread_slot<State>();
  if (!slot) slot = std::make_unique<State>();
  return *slot;
}

template <typename P>
core::Status check_text(std::string_view value, std::string_view field) {
  const std::size_t bad = core::find_invalid_utf8(value);
  if (bad == std::string_view::npos) [[likely]] return {};
  return core::invalid_argument(std::string(P::kName) + ": WebEvent." + std::string(field) +
                                " is not valid UTF-8 (invalid byte at offset " +
                                std::to_string(bad) + ")");
}

template <typename P>
core::Status decoded_text(const std::string& value, std::string_view field) {
  const std::size_t bad = core::find_invalid_utf8(value);
  if (bad == std::string_view::npos) [[likely]] return {};
  return core::malformed(std::string(P::kName) + ": WebEvent." + std::string(field) +
                         " is not valid UTF-8 (invalid byte at offset " + std::to_string(bad) +
                         ")");
}

// ---- encode ----------------------------------------------------------------------------------

// Copies an event into the reused generated struct (assignments reuse string capacity).
template <typename P>
core::Status fill(const core::LabEvent& e, gen::LabEvent& s) {
  s.test_data = e.test_data;
  s.event_timestamp = e.event_timestamp;
  return {};
}

template <typename P>
core::Status fill(const core::WebEvent& e, gen::WebEvent& s) {
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.url, "url"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.referrer, "referrer"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.user_agent, "user_agent"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.host, "host"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.ip, "ip"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.geodata.country, "geodata.country"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.geodata.state, "geodata.state"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.geodata.city, "geodata.city"));
  s.url = e.url;
  s.referrer = e.referrer;
  s.user_agent = e.user_agent;
  s.host = e.host;
  s.ip = e.ip;
  s.geodata.country = e.geodata.country;
  s.geodata.state = e.geodata.state;
  s.geodata.city = e.geodata.city;
  s.event_time = e.event_time;
  return {};
}

template <typename P>
core::Status fill(const core::TaxiTrip& e, gen::TaxiTrip& s) {
  s.lpep_pickup_datetime = e.lpep_pickup_datetime;
  s.lpep_dropoff_datetime = e.lpep_dropoff_datetime;
  s.PULocationID = e.pu_location_id;
  s.DOLocationID = e.do_location_id;
  // The struct is reused: presence is set both ways, and a missing count is never written as 0.
  s.passenger_count = e.passenger_count.value_or(0);
  s.__isset.passenger_count = e.passenger_count.has_value();
  s.trip_distance = e.trip_distance;
  s.tip_amount = e.tip_amount;
  return {};
}

template <typename P>
gen::LabEvent& slot_for(EncodeState<P>& s, const core::LabEvent&) { return s.lab; }
template <typename P>
gen::WebEvent& slot_for(EncodeState<P>& s, const core::WebEvent&) { return s.web; }
template <typename P>
gen::TaxiTrip& slot_for(EncodeState<P>& s, const core::TaxiTrip&) { return s.taxi; }

constexpr std::string_view message_name(const core::LabEvent&) { return "LabEvent"; }
constexpr std::string_view message_name(const core::WebEvent&) { return "WebEvent"; }
constexpr std::string_view message_name(const core::TaxiTrip&) { return "TaxiTrip"; }

template <typename P, typename E>
core::Status encode_event(const E& event, std::string& out) {
  auto& state = thread_state<EncodeState<P>>();
  auto& generated = slot_for(state, event);
  TIDEMARK_RETURN_IF_ERROR(fill<P>(event, generated));
  try {
    state.buffer->resetBuffer();  // keeps the buffer's memory; no allocation
    generated.write(&state.protocol);
  } catch (const std::exception& ex) {
    // Only a failed allocation or a string over 4 GiB gets here; start afresh next time.
    const std::string what = ex.what();
    thread_slot<EncodeState<P>>().reset();
    return core::invalid_argument(std::string(P::kName) + ": cannot encode " +
                                  std::string(message_name(event)) + ": " + what);
  }
  std::uint8_t* bytes = nullptr;
  std::uint32_t size = 0;
  state.buffer->getBuffer(&bytes, &size);
  out.assign(reinterpret_cast<const char*>(bytes), size);
  if (size > kRetainBytes) thread_slot<EncodeState<P>>().reset();
  return {};
}

// ---- decode ----------------------------------------------------------------------------------

template <typename P>
core::Result<core::Event> to_event(const gen::LabEvent& s) {
  return core::Event{core::LabEvent{s.test_data, s.event_timestamp}};
}

template <typename P>
core::Result<core::Event> to_event(const gen::WebEvent& s) {
  TIDEMARK_RETURN_IF_ERROR(decoded_text<P>(s.url, "url"));
  TIDEMARK_RETURN_IF_ERROR(decoded_text<P>(s.referrer, "referrer"));
  TIDEMARK_RETURN_IF_ERROR(decoded_text<P>(s.user_agent, "user_agent"));
  TIDEMARK_RETURN_IF_ERROR(decoded_text<P>(s.host, "host"));
  TIDEMARK_RETURN_IF_ERROR(decoded_text<P>(s.ip, "ip"));
  TIDEMARK_RETURN_IF_ERROR(decoded_text<P>(s.geodata.country, "geodata.country"));
  TIDEMARK_RETURN_IF_ERROR(decoded_text<P>(s.geodata.state, "geodata.state"));
  TIDEMARK_RETURN_IF_ERROR(decoded_text<P>(s.geodata.city, "geodata.city"));
  return core::Event{core::WebEvent{s.url, s.referrer, s.user_agent, s.host, s.ip,
                                    core::GeoData{s.geodata.country, s.geodata.state,
                                                  s.geodata.city},
                                    s.event_time}};
}

template <typename P>
core::Result<core::Event> to_event(const gen::TaxiTrip& s) {
  core::TaxiTrip e;
  e.lpep_pickup_datetime = s.lpep_pickup_datetime;
  e.lpep_dropoff_datetime = s.lpep_dropoff_datetime;
  e.pu_location_id = s.PULocationID;
  e.do_location_id = s.DOLocationID;
  if (s.__isset.passenger_count) e.passenger_count = s.passenger_count;
  e.trip_distance = s.trip_distance;
  e.tip_amount = s.tip_amount;
  return core::Event{e};
}

template <typename P>
core::Status malformed(std::string_view message, std::size_t size, std::string_view why) {
  return core::malformed(std::string(P::kName) + ": cannot decode " + std::to_string(size) +
                         " bytes as " + std::string(message) + ": " + std::string(why));
}

template <typename P, typename Generated>
core::Result<core::Event> decode_into(Generated DecodeState<P>::*member, std::string_view message,
                                      std::string_view bytes) {
  auto& state = thread_state<DecodeState<P>>();
  Generated& generated = state.*member;
  if constexpr (std::is_same_v<Generated, gen::TaxiTrip>) {
    generated.__isset.passenger_count = false;  // read() only ever sets it
  }
  // `why` is filled inside the handlers; the Status is built after the state is rebuilt.
  std::string why;
  try {
    state.input->observe(bytes);
    // Nothing in `bytes` can legitimately be longer than `bytes`; 0 would mean "unlimited".
    state.protocol.limit_sizes(static_cast<std::int32_t>(bytes.empty() ? 1 : bytes.size()));
    generated.read(&state.protocol);
  } catch (const th::protocol::TProtocolException& ex) {
    why = ex.what();
    // Generated read() throws a bare INVALID_DATA (no message) when a required field is absent;
    // a field of the wrong type is skipped and then counts as absent.
    if (ex.getType() == th::protocol::TProtocolException::INVALID_DATA &&
        why == "TProtocolException: Invalid data") {
      why += " (a required field is missing or has the wrong type)";
    }
  } catch (const th::TException& ex) {
    why = ex.what();
  } catch (const std::exception& ex) {
    why = ex.what();
  } catch (...) {
    why = "unknown exception";
  }
  if (!why.empty()) {
    thread_slot<DecodeState<P>>().reset();
    return malformed<P>(message, bytes.size(), why);
  }
  if (const std::uint32_t rest = state.input->available_read(); rest != 0) {
    return malformed<P>(message, bytes.size(),
                        std::to_string(rest) + " bytes left over after the end of the struct");
  }
  return to_event<P>(generated);
}

template <typename P>
class ThriftSerializer final : public Serializer {
 public:
  std::string_view name() const noexcept override { return P::kName; }
  std::string_view content_type() const noexcept override { return P::kContentType; }
  std::string_view description() const noexcept override { return P::kDescription; }

  core::Status encode(const core::Event& event, std::string& out) const override {
    return std::visit([&out](const auto& e) { return encode_event<P>(e, out); }, event);
  }

  core::Result<core::Event> decode(std::string_view bytes, core::EventType type) const override {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
      return core::malformed(std::string(P::kName) + ": " + std::to_string(bytes.size()) +
                             " bytes is larger than the 2 GiB Thrift can address");
    }
    core::Result<core::Event> result = decode_as(bytes, type);
    if (bytes.size() > kRetainBytes) thread_slot<DecodeState<P>>().reset();
    return result;
  }

 private:
  static core::Result<core::Event> decode_as(std::string_view bytes, core::EventType type) {
    switch (type) {
      case core::EventType::kLab: return decode_into<P>(&DecodeState<P>::lab, "LabEvent", bytes);
      case core::EventType::kWeb: return decode_into<P>(&DecodeState<P>::web, "WebEvent", bytes);
      case core::EventType::kTaxi: return decode_into<P>(&DecodeState<P>::taxi, "TaxiTrip", bytes);
    }
    return core::internal_error(std::string(P::kName) + ": unknown event type " +
                                std::to_string(static_cast<int>(type)));
  }
};

}  // namespace

std::unique_ptr<Serializer> make_thrift_binary_serializer() {
  return std::make_unique<ThriftSerializer<BinaryProtocol>>();
}

std::unique_ptr<Serializer> make_thrift_compact_serializer() {
  return std::make_unique<ThriftSerializer<CompactProtocol>>();
}

}  // namespace tidemark::serializers
