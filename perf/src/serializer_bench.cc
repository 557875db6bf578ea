#include "tidemark/perf/serializer_bench.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>

#include "tidemark/perf/bar_chart.h"
#include "machine_json.h"
#include "tidemark/perf/machine.h"
#include "tidemark/producer/generator.h"
#include "tidemark/serializers/compression.h"

namespace tidemark::perf {

namespace {

using Clock = std::chrono::steady_clock;

// Keeps the compiler from dropping work whose result is otherwise unused.
volatile std::size_t g_sink = 0;

// Runs `pass` (one pass over all events, returning the bytes it handled) until min_time_s has
// passed; returns (seconds, passes, bytes).
template <typename Pass>
void measure(const Pass& pass, std::size_t events, const TimingOptions& timing,
             std::vector<double>& ns_per_event, std::vector<double>& mb_per_s) {
  for (int r = 0; r < std::max(1, timing.repetitions); ++r) {
    std::size_t passes = 0;
    std::size_t bytes = 0;
    const Clock::time_point start = Clock::now();
    double elapsed = 0;
    do {
      bytes += pass();
      ++passes;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < timing.min_time_s);
    const double n = static_cast<double>(passes) * static_cast<double>(events);
    ns_per_event.push_back(elapsed * 1e9 / n);
    mb_per_s.push_back(static_cast<double>(bytes) / (1024.0 * 1024.0) / elapsed);
  }
}

std::string where(const serializers::Serializer& s, core::EventType type, std::size_t index) {
  return std::string(s.name()) + " " + std::string(core::event_type_name(type)) + " event " +
         std::to_string(index);
}

nlohmann::json spread_json(const Spread& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}};
}

}  // namespace

std::vector<core::Event> seeded_events(core::EventType type, std::uint64_t seed, std::size_t count,
                                       std::int64_t start_ms, std::int64_t step_ms) {
  const producer::EventGenerator generator(type, seed);
  std::vector<core::Event> events;
  events.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    events.push_back(generator.make(i, start_ms + static_cast<std::int64_t>(i) * step_ms));
  }
  return events;
}

core::Result<std::vector<std::string>> encode_checked(const serializers::Serializer& s,
                                                      std::span<const core::Event> events) {
  std::vector<std::string> encoded;
  encoded.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const core::Event& e = events[i];
    const core::EventType type = core::event_type_of(e);
    std::string bytes;
    if (core::Status st = s.encode(e, bytes); !st.ok()) {
      return st.with_context("encoding " + where(s, type, i));
    }
    core::Result<core::Event> back = s.decode(bytes, type);
    if (!back.ok()) return back.status().with_context("decoding " + where(s, type, i));
    if (!(*back == e)) {
      return core::internal_error("round trip of " + where(s, type, i) +
                                  " gives a different event");
    }
    encoded.push_back(std::move(bytes));
  }
  return encoded;
}

core::Result<SizeStats> measure_sizes(std::span<const std::string> encoded,
                                      const BatchSpec& batch) {
  if (encoded.empty()) return core::invalid_argument("no events to measure");
  if (batch.max_events == 0 || batch.max_bytes == 0) {
    return core::invalid_argument("a batch must hold at least one event and one byte");
  }
  SizeStats stats;
  std::vector<double> compressed_bytes(serializers::kAllCodecs.size(), 0);
  std::size_t raw = 0;
  std::string buffer;
  std::string compressed;
  std::size_t i = 0;
  while (i < encoded.size()) {
    buffer.clear();
    std::size_t n = 0;
    while (i < encoded.size() && n < batch.max_events &&
           (n == 0 || buffer.size() + encoded[i].size() <= batch.max_bytes)) {
      buffer += encoded[i];
      ++i;
      ++n;
    }
    raw += buffer.size();
    ++stats.batches;
    for (std::size_t c = 0; c < serializers::kAllCodecs.size(); ++c) {
      TIDEMARK_RETURN_IF_ERROR(
          serializers::compress(serializers::kAllCodecs[c], buffer, compressed));
      compressed_bytes[c] += static_cast<double>(compressed.size());
    }
  }
  const auto count = static_cast<double>(encoded.size());
  stats.bytes_per_event = static_cast<double>(raw) / count;
  for (std::size_t c = 0; c < serializers::kAllCodecs.size(); ++c) {
    stats.compressed_per_event.emplace_back(
        std::string(serializers::codec_name(serializers::kAllCodecs[c])),
        compressed_bytes[c] / count);
  }
  return stats;
}

Timing time_encode(const serializers::Serializer& s, std::span<const core::Event> events,
                   const TimingOptions& timing) {
  std::string out;
  auto pass = [&] {
    std::size_t bytes = 0;
    for (const core::Event& e : events) {
      core::Status st = s.encode(e, out);
      bytes += st.ok() ? out.size() : 0;
    }
    g_sink = g_sink + bytes;
    return bytes;
  };
  std::vector<double> ns, mb;
  measure(pass, events.size(), timing, ns, mb);
  return {spread_of(ns), spread_of(mb)};
}

Timing time_decode(const serializers::Serializer& s, std::span<const std::string> encoded,
                   core::EventType type, const TimingOptions& timing) {
  auto pass = [&] {
    std::size_t bytes = 0;
    std::size_t ok = 0;
    for (const std::string& b : encoded) {
      core::Result<core::Event> e = s.decode(b, type);
      ok += e.ok() ? 1 : 0;
      bytes += b.size();
    }
    g_sink = g_sink + ok;
    return bytes;
  };
  std::vector<double> ns, mb;
  measure(pass, encoded.size(), timing, ns, mb);
  return {spread_of(ns), spread_of(mb)};
}

core::Result<std::vector<EventTypeResult>> run_serializer_bench(const SerializerBenchOptions& o) {
  if (o.formats.empty()) return core::invalid_argument("no format to measure");
  if (o.types.empty()) return core::invalid_argument("no event type to measure");
  if (std::find(o.formats.begin(), o.formats.end(), nullptr) != o.formats.end()) {
    return core::invalid_argument("a null serializer");
  }
  if (o.timing.repetitions < 1) return core::invalid_argument("repetitions must be at least 1");
  if (o.taxi_records != nullptr) {
    if (o.taxi_records->empty()) return core::invalid_argument("the CSV file has no trips");
    if (o.types.size() != 1 || o.types[0] != core::EventType::kTaxi) {
      return core::invalid_argument("CSV rows are taxi trips: measure --event taxi only");
    }
  } else if (o.events == 0) {
    return core::invalid_argument("the event count must be at least 1");
  }

  BenchProgress progress;
  // Per (type, format): check, encode, decode.
  progress.total = o.types.size() * o.formats.size() * 3;
  auto step = [&](std::string text) {
    if (!o.progress) return;
    progress.step = std::move(text);
    o.progress(progress);
  };

  std::vector<EventTypeResult> results;
  for (const core::EventType type : o.types) {
    const std::vector<core::Event> generated = o.taxi_records == nullptr
                                                   ? seeded_events(type, o.seed, o.events)
                                                   : std::vector<core::Event>{};
    const std::vector<core::Event>& events =
        o.taxi_records != nullptr ? *o.taxi_records : generated;
    EventTypeResult result;
    result.type = type;
    result.events = events.size();
    const std::string type_name(core::event_type_name(type));
    for (const serializers::Serializer* s : o.formats) {
      const std::string name = type_name + " " + std::string(s->name());
      FormatResult f;
      f.format = std::string(s->name());
      step(name + " round trip and sizes");
      core::Result<std::vector<std::string>> encoded = encode_checked(*s, events);
      if (!encoded.ok()) return encoded.status();
      core::Result<SizeStats> sizes = measure_sizes(*encoded, o.batch);
      if (!sizes.ok()) return sizes.status().with_context(name);
      f.sizes = std::move(*sizes);
      ++progress.done;
      step(name + " encode");
      f.encode = time_encode(*s, events, o.timing);
      ++progress.done;
      step(name + " decode");
      f.decode = time_decode(*s, *encoded, type, o.timing);
      ++progress.done;
      result.formats.push_back(std::move(f));
    }
    double fastest_encode = std::numeric_limits<double>::infinity();
    double fastest_decode = std::numeric_limits<double>::infinity();
    for (const FormatResult& f : result.formats) {
      fastest_encode = std::min(fastest_encode, f.encode.ns_per_event.median);
      fastest_decode = std::min(fastest_decode, f.decode.ns_per_event.median);
    }
    for (FormatResult& f : result.formats) {
      f.encode_ratio_to_fastest =
          fastest_encode > 0 ? f.encode.ns_per_event.median / fastest_encode : 1;
      f.decode_ratio_to_fastest =
          fastest_decode > 0 ? f.decode.ns_per_event.median / fastest_decode : 1;
    }
    results.push_back(std::move(result));
  }
  step("done");
  return results;
}

std::string serializer_bench_json(const BenchConfiguration& c,
                                  const std::vector<EventTypeResult>& results) {
  nlohmann::json doc;
  doc["tool"] = "tidemark bench serializers";
  doc["configuration"] = {
      {"tidemark_version", c.tidemark_version},
      {"source", c.source},
      {"seed", c.seed},
      {"events_per_type", c.events},
      {"repetitions", c.timing.repetitions},
      {"min_time_per_repetition_s", c.timing.min_time_s},
      {"batch", {{"max_events", c.batch.max_events}, {"max_bytes", c.batch.max_bytes}}},
      {"formats", c.formats},
      {"event_types", c.event_types},
      {"machine", machine_json(describe_machine())},
  };
  nlohmann::json out = nlohmann::json::array();
  for (const EventTypeResult& r : results) {
    nlohmann::json formats = nlohmann::json::array();
    for (const FormatResult& f : r.formats) {
      nlohmann::json compressed = nlohmann::json::object();
      for (const auto& [codec, bytes] : f.sizes.compressed_per_event) compressed[codec] = bytes;
      formats.push_back({
          {"format", f.format},
          {"bytes_per_event", f.sizes.bytes_per_event},
          {"compressed_bytes_per_event", compressed},
          {"batches", f.sizes.batches},
          {"encode_ns_per_event", spread_json(f.encode.ns_per_event)},
          {"decode_ns_per_event", spread_json(f.decode.ns_per_event)},
          {"encode_mb_per_s", spread_json(f.encode.mb_per_s)},
          {"decode_mb_per_s", spread_json(f.decode.mb_per_s)},
          {"encode_ratio_to_fastest", f.encode_ratio_to_fastest},
          {"decode_ratio_to_fastest", f.decode_ratio_to_fastest},
      });
    }
    out.push_back({{"event_type", std::string(core::event_type_name(r.type))},
                   {"events", r.events},
                   {"formats", formats}});
  }
  doc["results"] = out;
  return doc.dump(2) + "\n";
}

std::string serializer_bench_svg(const BenchConfiguration& c,
                                 const std::vector<EventTypeResult>& results) {
  std::vector<BarChart> charts;
  for (const EventTypeResult& r : results) {
    const std::string type(core::event_type_name(r.type));
    BarChart size;
    size.title = type + ": size per event, raw and after batch compression";
    size.unit = "bytes per event";
    BarChart speed;
    speed.title = type + ": encode and decode time per event (median of " +
                  std::to_string(c.timing.repetitions) + ")";
    speed.unit = "ns per event";
    speed.series = {"encode", "decode"};
    speed.values.assign(2, {});
    for (const FormatResult& f : r.formats) {
      size.groups.push_back(f.format);
      speed.groups.push_back(f.format);
      if (size.series.empty()) {
        size.series.push_back("raw");
        for (const auto& [codec, bytes] : f.sizes.compressed_per_event)
          size.series.push_back(codec);
        size.values.assign(size.series.size(), {});
      }
      size.values[0].push_back(f.sizes.bytes_per_event);
      for (std::size_t i = 0; i < f.sizes.compressed_per_event.size() && i + 1 < size.values.size();
           ++i) {
        size.values[i + 1].push_back(f.sizes.compressed_per_event[i].second);
      }
      speed.values[0].push_back(f.encode.ns_per_event.median);
      speed.values[1].push_back(f.decode.ns_per_event.median);
    }
    charts.push_back(std::move(size));
    charts.push_back(std::move(speed));
  }
  const std::string source = c.source == "generated" ? "seed " + std::to_string(c.seed) : c.source;
  return grouped_bar_charts_svg(charts, "tidemark bench serializers (" + source + ")");
}

}  // namespace tidemark::perf
