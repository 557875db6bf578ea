// The `thrift-binary` and `thrift-compact` formats: the TBinaryProtocol / TCompactProtocol
// encoding of the structs the Thrift compiler generates from schemas/events.thrift, byte for byte
// what the generated write() puts on a TMemoryBuffer, so any language's stock Thrift library
// reads it. Decoding reads with the generated structs; encoding writes the same bytes straight
// from the event with the protocol's own write calls (see "encode" below).
//
// One class template serves both protocols. Each thread keeps its own memory buffers, protocol
// objects and generated structs to decode into (Thrift's are not thread-safe), so steady-state
// encoding neither allocates nor touches a shared_ptr; decoding reads the caller's bytes in place.
//
// Decoding must be safe on hostile bytes, and Thrift's defaults are not:
//  * a string or container length prefix is trusted (TBinaryProtocol resizes a std::string to it,
//    TCompactProtocol reallocs a buffer to it), so both size limits are set to the input length;
//  * the transport counts consumed bytes against TConfiguration's max message size (100 MB) and
//    only resets the count at readEnd(), which struct read() never calls, so a long-lived
//    transport would start failing every decode after ~100 MB; the count is reset per input;
//  * a generated read() never clears __isset of optional fields, so it is cleared before reading;
//  * TBinaryProtocol converts type bytes to the TType enum unchecked (undefined behaviour outside
//    the enum, which UBSan reports), so the binary reader checks them first;
//  * an exception can leave a protocol's internal state unbalanced (TCompactProtocol's field-id
//    stack), so the thread's decoder is rebuilt after any failure.
// Encoding uses TBinaryProtocolT<TMemoryBuffer> / TCompactProtocolT<TMemoryBuffer>, whose writes
// to the buffer are direct calls rather than virtual ones through TTransport.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
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
class BoundedProtocol : public Base {
 public:
  explicit BoundedProtocol(std::shared_ptr<TMemoryBuffer> transport) : Base(std::move(transport)) {}

  void limit_sizes(std::int32_t limit) {
    this->string_limit_ = limit;  // 0 would mean "no limit"
    this->container_limit_ = limit;
  }
};

// TBinaryProtocol casts a field, list, set or map type byte to the TType enum unchecked, which is
// undefined behaviour for bytes outside the enum's range (UBSan stops the process there on
// arbitrary input). This reader looks at those bytes before TBinaryProtocol converts them, and
// sends skip() through the same checks (Thrift's skip() would call the unchecked reads directly).
// TCompactProtocol maps its type nibbles through a switch and needs none of this.
class CheckedBinaryProtocol final : public BoundedProtocol<BinaryProtocol::Protocol> {
 public:
  explicit CheckedBinaryProtocol(std::shared_ptr<TMemoryBuffer> transport)
      : BoundedProtocol(transport), input_(transport.get()) {}

  std::uint32_t readFieldBegin_virt(std::string& name, th::protocol::TType& type,
                                    std::int16_t& id) override {
    check_type_bytes(1);
    return readFieldBegin(name, type, id);
  }
  std::uint32_t readMapBegin_virt(th::protocol::TType& key_type, th::protocol::TType& value_type,
                                  std::uint32_t& size) override {
    check_type_bytes(2);
    return readMapBegin(key_type, value_type, size);
  }
  std::uint32_t readListBegin_virt(th::protocol::TType& type, std::uint32_t& size) override {
    check_type_bytes(1);
    return readListBegin(type, size);
  }
  std::uint32_t readSetBegin_virt(th::protocol::TType& type, std::uint32_t& size) override {
    check_type_bytes(1);
    return readSetBegin(type, size);
  }
  std::uint32_t skip_virt(th::protocol::TType type) override {
    return th::protocol::skip(static_cast<th::protocol::TProtocol&>(*this), type);
  }

 private:
  void check_type_bytes(std::uint32_t count) {
    std::uint32_t n = std::min(count, input_->available_read());
    if (n == 0) return;  // the read itself reports the end of the input
    const std::uint8_t* bytes = input_->borrow(nullptr, &n);
    for (std::uint32_t i = 0; bytes != nullptr && i < std::min(count, n); ++i) {
      if (bytes[i] > th::protocol::T_UTF16) {
        throw th::protocol::TProtocolException(
            th::protocol::TProtocolException::INVALID_DATA,
            "unknown Thrift type " + std::to_string(static_cast<int>(bytes[i])));
      }
    }
  }

  TMemoryBuffer* input_;
};

// The protocol that decodes P's bytes.
template <typename P>
struct Reader {
  using type = BoundedProtocol<typename P::Protocol>;
};
template <>
struct Reader<BinaryProtocol> {
  using type = CheckedBinaryProtocol;
};

std::shared_ptr<th::TConfiguration> decode_configuration() {
  // The max message size only has to admit any input we accept; observe() narrows the limit to
  // the actual input length. The recursion limit stays at Thrift's default (our depth is 2).
  // Copied into locals: Thrift declares these constants in its header but libthrift does not
  // define them, so binding them to make_shared's reference parameters fails to link at -O0.
  const int max_frame_size = th::TConfiguration::DEFAULT_MAX_FRAME_SIZE;
  const int recursion_limit = th::TConfiguration::DEFAULT_RECURSION_DEPTH;
  return std::make_shared<th::TConfiguration>(INT_MAX, max_frame_size, recursion_limit);
}

template <typename P>
struct EncodeState {
  std::shared_ptr<TMemoryBuffer> buffer = std::make_shared<TMemoryBuffer>(kInitialEncodeBuffer);
  typename P::Protocol protocol{buffer};
};

template <typename P>
struct DecodeState {
  std::shared_ptr<InputBuffer> input = std::make_shared<InputBuffer>(decode_configuration());
  typename Reader<P>::type protocol{input};
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

// The bitwise OR of `text`'s bytes, folded into a 64-bit word (every byte of `text` lands in some
// byte of the result), read 8 bytes at a time with no early exit and overlapping loads for the
// tail. Event text is nearly always ASCII, and this is several times cheaper than the full UTF-8
// check it lets us skip.
inline std::uint64_t or_of_bytes(std::string_view text) noexcept {
  const char* p = text.data();
  const std::size_t n = text.size();
  if (n >= 8) {
    std::uint64_t seen = 0;
    std::uint64_t word;
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      std::memcpy(&word, p + i, 8);
      seen |= word;
    }
    std::memcpy(&word, p + n - 8, 8);
    return seen | word;
  }
  if (n >= 4) {
    std::uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    return head | tail;
  }
  if (n == 0) return 0;
  return static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) |
         static_cast<unsigned char>(p[n - 1]);
}

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

inline bool is_ascii(std::string_view text) noexcept {
  return (or_of_bytes(text) & kHighBits) == 0;
}

// Thrift strings carry any bytes; tidemark's are UTF-8 text in every format.
template <typename P>
core::Status check_text(std::string_view value, std::string_view field) {
  if (is_ascii(value)) [[likely]] return {};
  const std::size_t bad = core::find_invalid_utf8(value);
  if (bad == std::string_view::npos) return {};
  return core::invalid_argument(std::string(P::kName) + ": WebEvent." + std::string(field) +
                                " is not valid UTF-8 (invalid byte at offset " +
                                std::to_string(bad) + ")");
}

template <typename P>
core::Status decoded_text(const std::string& value, std::string_view field) {
  if (is_ascii(value)) [[likely]] return {};
  const std::size_t bad = core::find_invalid_utf8(value);
  if (bad == std::string_view::npos) return {};
  return core::malformed(std::string(P::kName) + ": WebEvent." + std::string(field) +
                         " is not valid UTF-8 (invalid byte at offset " + std::to_string(bad) +
                         ")");
}

// ---- encode ----------------------------------------------------------------------------------
//
// Written straight from the event with the protocol object's own write calls, in the order and
// with the field ids and types of the generated structs' write() (see events_types.cpp in the
// build tree), so the bytes are identical: each field unconditionally except an absent
// passenger_count, GeoData as a nested struct. Copying a web event's eight strings into a
// generated struct first cost about as much as writing them (measured: 1.85x the bare write()).
// The calls are to TBinaryProtocolT<TMemoryBuffer> / TCompactProtocolT<TMemoryBuffer> directly,
// not through TProtocol's virtual interface. Each field goes through a small out-of-line writer
// per Thrift type: with every field of an event inlined into one long straight-line block
// (identical instructions per write) the binary taxi encode measured about twice as slow
// (72 ns against 34 ns on the bench machine). The generated write() also counts recursion depth
// (always 2 here, far below the limit), which writes nothing. Tests compare the bytes with the
// generated structs' on thousands of random events.

// A field as the generated code writes it: the name, id and Thrift type of field `name` in an
// events.h field table, checked at compile time against the type the writer below puts on the
// wire (T is part of the type, so a writer of the wrong kind does not compile).
template <th::protocol::TType T>
struct Field {
  const char* name;
  std::int16_t id;
};

consteval th::protocol::TType thrift_type_of(core::FieldType type) {
  switch (type) {
    case core::FieldType::kInt32: return th::protocol::T_I32;
    case core::FieldType::kInt64:
    case core::FieldType::kTime: return th::protocol::T_I64;
    case core::FieldType::kDouble: return th::protocol::T_DOUBLE;
    case core::FieldType::kString: return th::protocol::T_STRING;
    case core::FieldType::kStruct: return th::protocol::T_STRUCT;
  }
  throw "unknown field type";  // not a constant expression: a compile error
}

template <th::protocol::TType T, std::size_t N>
consteval Field<T> field(const std::array<core::FieldInfo, N>& table, std::string_view name) {
  for (const core::FieldInfo& info : table) {
    if (info.name != name) continue;
    if (thrift_type_of(info.type) != T) throw "the field table gives another Thrift type";
    return {info.name.data(), static_cast<std::int16_t>(info.thrift_id)};  // names are literals
  }
  throw "no such field in the table";
}

using th::protocol::T_DOUBLE;
using th::protocol::T_I32;
using th::protocol::T_I64;
using th::protocol::T_STRING;
using th::protocol::T_STRUCT;

constexpr auto kTestData = field<T_I32>(core::kLabFields, "test_data");
constexpr auto kEventTimestamp = field<T_I64>(core::kLabFields, "event_timestamp");

constexpr auto kCountry = field<T_STRING>(core::kGeoDataFields, "country");
constexpr auto kState = field<T_STRING>(core::kGeoDataFields, "state");
constexpr auto kCity = field<T_STRING>(core::kGeoDataFields, "city");

constexpr auto kUrl = field<T_STRING>(core::kWebFields, "url");
constexpr auto kReferrer = field<T_STRING>(core::kWebFields, "referrer");
constexpr auto kUserAgent = field<T_STRING>(core::kWebFields, "user_agent");
constexpr auto kHost = field<T_STRING>(core::kWebFields, "host");
constexpr auto kIp = field<T_STRING>(core::kWebFields, "ip");
constexpr auto kGeodata = field<T_STRUCT>(core::kWebFields, "geodata");
constexpr auto kEventTime = field<T_I64>(core::kWebFields, "event_time");

constexpr auto kPickup = field<T_I64>(core::kTaxiFields, "lpep_pickup_datetime");
constexpr auto kDropoff = field<T_I64>(core::kTaxiFields, "lpep_dropoff_datetime");
constexpr auto kPuLocation = field<T_I32>(core::kTaxiFields, "PULocationID");
constexpr auto kDoLocation = field<T_I32>(core::kTaxiFields, "DOLocationID");
constexpr auto kPassengerCount = field<T_I32>(core::kTaxiFields, "passenger_count");
constexpr auto kTripDistance = field<T_DOUBLE>(core::kTaxiFields, "trip_distance");
constexpr auto kTipAmount = field<T_DOUBLE>(core::kTaxiFields, "tip_amount");

// The four field writers are out of line on purpose (see above).
template <typename Protocol>
[[gnu::noinline]] void write_i32(Protocol& p, Field<T_I32> f, std::int32_t value) {
  p.writeFieldBegin(f.name, T_I32, f.id);
  p.writeI32(value);
  p.writeFieldEnd();
}

template <typename Protocol>
[[gnu::noinline]] void write_i64(Protocol& p, Field<T_I64> f, std::int64_t value) {
  p.writeFieldBegin(f.name, T_I64, f.id);
  p.writeI64(value);
  p.writeFieldEnd();
}

template <typename Protocol>
[[gnu::noinline]] void write_double(Protocol& p, Field<T_DOUBLE> f, double value) {
  p.writeFieldBegin(f.name, T_DOUBLE, f.id);
  p.writeDouble(value);
  p.writeFieldEnd();
}

template <typename Protocol>
[[gnu::noinline]] void write_string(Protocol& p, Field<T_STRING> f, const std::string& value) {
  p.writeFieldBegin(f.name, T_STRING, f.id);
  p.writeString(value);  // throws TProtocolException(SIZE_LIMIT) past Thrift's string limit
  p.writeFieldEnd();
}

template <typename Protocol>
void write_struct(Protocol& p, const core::LabEvent& e) {
  p.writeStructBegin("LabEvent");
  write_i32(p, kTestData, e.test_data);
  write_i64(p, kEventTimestamp, e.event_timestamp);
  p.writeFieldStop();
  p.writeStructEnd();
}

template <typename Protocol>
void write_struct(Protocol& p, const core::GeoData& g) {
  p.writeStructBegin("GeoData");
  write_string(p, kCountry, g.country);
  write_string(p, kState, g.state);
  write_string(p, kCity, g.city);
  p.writeFieldStop();
  p.writeStructEnd();
}

template <typename Protocol>
void write_struct(Protocol& p, const core::WebEvent& e) {
  p.writeStructBegin("WebEvent");
  write_string(p, kUrl, e.url);
  write_string(p, kReferrer, e.referrer);
  write_string(p, kUserAgent, e.user_agent);
  write_string(p, kHost, e.host);
  write_string(p, kIp, e.ip);
  p.writeFieldBegin(kGeodata.name, T_STRUCT, kGeodata.id);
  write_struct(p, e.geodata);
  p.writeFieldEnd();
  write_i64(p, kEventTime, e.event_time);
  p.writeFieldStop();
  p.writeStructEnd();
}

template <typename Protocol>
void write_struct(Protocol& p, const core::TaxiTrip& e) {
  p.writeStructBegin("TaxiTrip");
  write_i64(p, kPickup, e.lpep_pickup_datetime);
  write_i64(p, kDropoff, e.lpep_dropoff_datetime);
  write_i32(p, kPuLocation, e.pu_location_id);
  write_i32(p, kDoLocation, e.do_location_id);
  if (e.passenger_count) write_i32(p, kPassengerCount, *e.passenger_count);  // optional: absent
  write_double(p, kTripDistance, e.trip_distance);
  write_double(p, kTipAmount, e.tip_amount);
  p.writeFieldStop();
  p.writeStructEnd();
}

template <typename P>
core::Status check_event_text(const core::LabEvent&) { return {}; }
template <typename P>
core::Status check_event_text(const core::TaxiTrip&) { return {}; }
template <typename P>
core::Status check_event_text(const core::WebEvent& e) {
  // All eight strings at once first: nearly always ASCII, and then there is nothing more to check.
  const std::uint64_t seen = or_of_bytes(e.url) | or_of_bytes(e.referrer) |
                             or_of_bytes(e.user_agent) | or_of_bytes(e.host) | or_of_bytes(e.ip) |
                             or_of_bytes(e.geodata.country) | or_of_bytes(e.geodata.state) |
                             or_of_bytes(e.geodata.city);
  if ((seen & kHighBits) == 0) [[likely]] return {};
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.url, "url"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.referrer, "referrer"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.user_agent, "user_agent"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.host, "host"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.ip, "ip"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.geodata.country, "geodata.country"));
  TIDEMARK_RETURN_IF_ERROR(check_text<P>(e.geodata.state, "geodata.state"));
  return check_text<P>(e.geodata.city, "geodata.city");
}

constexpr std::string_view message_name(const core::LabEvent&) { return "LabEvent"; }
constexpr std::string_view message_name(const core::WebEvent&) { return "WebEvent"; }
constexpr std::string_view message_name(const core::TaxiTrip&) { return "TaxiTrip"; }

template <typename P, typename E>
core::Status encode_event(const E& event, std::string& out) {
  TIDEMARK_RETURN_IF_ERROR(check_event_text<P>(event));
  auto& state = thread_state<EncodeState<P>>();
  try {
    state.buffer->resetBuffer();  // keeps the buffer's memory; no allocation
    write_struct(state.protocol, event);
  } catch (const std::exception& ex) {
    // Only a failed allocation or a string too long for Thrift (over 2 GiB in TBinaryProtocol)
    // gets here; start afresh next time (TCompactProtocol's field-id stack is left unbalanced).
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
core::Result<core::Event> decode_generated(Generated DecodeState<P>::*member,
                                           std::string_view message, std::string_view bytes) {
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
      case core::EventType::kLab:
        return decode_generated<P>(&DecodeState<P>::lab, "LabEvent", bytes);
      case core::EventType::kWeb:
        return decode_generated<P>(&DecodeState<P>::web, "WebEvent", bytes);
      case core::EventType::kTaxi:
        return decode_generated<P>(&DecodeState<P>::taxi, "TaxiTrip", bytes);
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
