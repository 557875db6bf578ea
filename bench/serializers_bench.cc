// Serializer micro-benchmarks, registered by iterating the registry:
//   Encode/<format>/<type>, Decode/<format>/<type>  - through the Serializer interface (Decode:
//                                                     decode_into one reused event, as the
//                                                     consumer does);
//   Wire/<format>/<type>                            - the library call alone on prebuilt generated
//                                                     messages (protobuf, Thrift), so the adapter's
//                                                     own cost is the difference to Encode.
// Every round trip is checked before anything is timed. Counters: bytes_per_event (raw), and
// lz4/zstd/snappy/gzip bytes per event for a batch of 1,000 consecutive encoded events (what a
// Kafka record batch compresses). Run: build/bench/serializers_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <utility>
#include <vector>

#include "tidemark/perf/serializer_bench.h"
#include "tidemark/serializers/serializer_registry.h"
#include "tidemark/testing/generated_messages.h"

namespace tidemark::bench {
namespace {

using core::EventType;
using serializers::Serializer;

constexpr std::size_t kBatch = 1000;  // events per simulated Kafka batch, and per rotation

const std::vector<core::Event>& events_of(EventType type) {
  static std::map<EventType, std::vector<core::Event>> cache;
  auto it = cache.find(type);
  if (it == cache.end()) {
    // The producer's own generator (the traffic `tidemark produce` sends), seed 42, 100 ms apart:
    // the same records `tidemark bench serializers` measures.
    it = cache.emplace(type, perf::seeded_events(type, 42, kBatch)).first;
  }
  return it->second;
}

struct Prepared {
  std::vector<std::string> encoded;
  double bytes_per_event = 0;
  std::map<std::string, double> compressed_per_event;
  std::string error;  // non-empty: the round trip failed, nothing is timed
};

// The round-trip check and the sizes come from perf/ (shared with `tidemark bench serializers`);
// one batch of all kBatch events, as this benchmark has always reported.
Prepared prepare(const Serializer& s, EventType type) {
  Prepared p;
  core::Result<std::vector<std::string>> encoded = perf::encode_checked(s, events_of(type));
  if (!encoded.ok()) {
    p.error = encoded.status().to_string();
    return p;
  }
  // The timed loop uses decode_into on one reused event: check that path too.
  core::Event reused;
  const std::vector<core::Event>& events = events_of(type);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (auto st = s.decode_into((*encoded)[i], type, reused); !st.ok() || !(reused == events[i])) {
      p.error = "decode_into round trip failed: " +
                (st.ok() ? std::string("different event") : st.to_string());
      return p;
    }
  }
  p.encoded = std::move(*encoded);
  perf::BatchSpec batch;
  batch.max_events = kBatch;
  batch.max_bytes = std::numeric_limits<std::size_t>::max();
  core::Result<perf::SizeStats> sizes = perf::measure_sizes(p.encoded, batch);
  if (!sizes.ok()) {
    p.error = sizes.status().to_string();
    return p;
  }
  p.bytes_per_event = sizes->bytes_per_event;
  for (const auto& [codec, size] : sizes->compressed_per_event) {
    p.compressed_per_event[codec] = size;
  }
  return p;
}

void set_size_counters(benchmark::State& state, const Prepared& p) {
  state.counters["bytes_per_event"] = p.bytes_per_event;
  for (const auto& [codec, size] : p.compressed_per_event) state.counters[codec + "_bytes"] = size;
}

void encode_bench(benchmark::State& state, const Serializer* s, EventType type,
                  std::shared_ptr<Prepared> p) {
  if (!p->error.empty()) {
    state.SkipWithError(p->error.c_str());
    return;
  }
  const auto& events = events_of(type);
  std::string out;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    core::Status st = s->encode(events[i], out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.data());
    bytes += out.size();
    if (++i == events.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  set_size_counters(state, *p);
}

void decode_bench(benchmark::State& state, const Serializer* s, EventType type,
                  std::shared_ptr<Prepared> p) {
  if (!p->error.empty()) {
    state.SkipWithError(p->error.c_str());
    return;
  }
  // One event reused across records, as the consumer decodes (Serializer::decode_into): formats
  // that override it keep their strings' capacity; the others decode() and move-assign.
  core::Event event;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    core::Status st = s->decode_into(p->encoded[i], type, event);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(event);
    bytes += p->encoded[i].size();
    if (++i == p->encoded.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  set_size_counters(state, *p);
}

// ---- Wire: generated messages built once, outside the timed loop ------------------------------

namespace pb = testing::pb;
namespace th = testing::th;

// The events of `type` (held as CoreEvent) converted by the tests' own conversion.
constexpr auto kToProto = [](const auto& e) { return testing::to_proto(e); };
constexpr auto kToThrift = [](const auto& e) { return testing::to_thrift(e); };

template <typename CoreEvent, typename Convert>
auto build_messages(EventType type, Convert convert) {
  std::vector<decltype(convert(std::declval<const CoreEvent&>()))> messages;
  for (const core::Event& e : events_of(type)) messages.push_back(convert(std::get<CoreEvent>(e)));
  return messages;
}

template <typename Message>
void proto_wire_bench(benchmark::State& state, std::vector<Message> messages) {
  std::string out;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    messages[i].SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
    bytes += out.size();
    if (++i == messages.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

// The library's write into a TMemoryBuffer and the copy of its bytes into a std::string (the
// same product SerializeToString gives protobuf, and what the Serializer interface returns).
// Protocol is the specialization the thrift-* serializers write with (TBinaryProtocolT /
// TCompactProtocolT over TMemoryBuffer, whose buffer writes are direct calls rather than virtual
// ones through TTransport), so the baseline is the fastest honest use of the library.
template <typename Protocol, typename Message>
void thrift_wire_bench(benchmark::State& state, std::vector<Message> messages) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>(4096);
  Protocol protocol(buffer);
  std::string out;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    buffer->resetBuffer();
    messages[i].write(&protocol);
    std::uint8_t* data = nullptr;
    std::uint32_t size = 0;
    buffer->getBuffer(&data, &size);
    out.assign(reinterpret_cast<const char*>(data), size);
    benchmark::DoNotOptimize(out.data());
    bytes += size;
    if (++i == messages.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

template <typename Protocol>
void register_thrift_wire(const std::string& format) {
  benchmark::RegisterBenchmark(("Wire/" + format + "/lab").c_str(),
                               thrift_wire_bench<Protocol, th::LabEvent>,
                               build_messages<core::LabEvent>(EventType::kLab, kToThrift));
  benchmark::RegisterBenchmark(("Wire/" + format + "/web").c_str(),
                               thrift_wire_bench<Protocol, th::WebEvent>,
                               build_messages<core::WebEvent>(EventType::kWeb, kToThrift));
  benchmark::RegisterBenchmark(("Wire/" + format + "/taxi").c_str(),
                               thrift_wire_bench<Protocol, th::TaxiTrip>,
                               build_messages<core::TaxiTrip>(EventType::kTaxi, kToThrift));
}

}  // namespace
}  // namespace tidemark::bench

int main(int argc, char** argv) {
  using namespace tidemark;
  using namespace tidemark::bench;
  static const serializers::SerializerRegistry registry = serializers::make_builtin_registry();

  benchmark::Initialize(&argc, argv);
  int failures = 0;
  for (const auto& s : registry.all()) {
    for (core::EventType type : core::kAllEventTypes) {
      auto prepared = std::make_shared<Prepared>(prepare(*s, type));
      if (!prepared->error.empty()) {
        ++failures;
        std::cerr << s->name() << "/" << core::event_type_name(type) << ": " << prepared->error << '\n';
      }
      const std::string suffix = std::string(s->name()) + "/" + std::string(core::event_type_name(type));
      benchmark::RegisterBenchmark(("Encode/" + suffix).c_str(), encode_bench, s.get(), type, prepared);
      benchmark::RegisterBenchmark(("Decode/" + suffix).c_str(), decode_bench, s.get(), type, prepared);
    }
  }
  benchmark::RegisterBenchmark("Wire/protobuf/lab", proto_wire_bench<pb::LabEvent>,
                               build_messages<core::LabEvent>(core::EventType::kLab, kToProto));
  benchmark::RegisterBenchmark("Wire/protobuf/web", proto_wire_bench<pb::WebEvent>,
                               build_messages<core::WebEvent>(core::EventType::kWeb, kToProto));
  benchmark::RegisterBenchmark("Wire/protobuf/taxi", proto_wire_bench<pb::TaxiTrip>,
                               build_messages<core::TaxiTrip>(core::EventType::kTaxi, kToProto));
  using apache::thrift::transport::TMemoryBuffer;
  register_thrift_wire<apache::thrift::protocol::TBinaryProtocolT<TMemoryBuffer>>("thrift-binary");
  register_thrift_wire<apache::thrift::protocol::TCompactProtocolT<TMemoryBuffer>>("thrift-compact");

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return failures == 0 ? 0 : 1;
}
