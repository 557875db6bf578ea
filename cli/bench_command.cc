// `tidemark bench`: benchmarking serializers is one of tidemark's three jobs, so it is a user
// command. `bench serializers` runs the same seeded records (or a CSV file's rows) through every
// selected format (perf/serializer_bench.h does the measuring; bench/serializers_bench is the
// Google Benchmark view of the same code) and prints a table per event type, with --json and
// --svg for the record. `bench kafka` (bench_kafka_command.cc) takes every format through a
// broker and back.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.h"
#include "tidemark/core/time.h"
#include "tidemark/perf/serializer_bench.h"
#include "tidemark/producer/csv_reader.h"

namespace tidemark::cli {

namespace {

struct BenchSerializersFlags {
  std::string event = "all";
  std::vector<std::string> formats;
  std::string from_csv;
  std::string count = "10000";
  std::string seed = "42";
  std::string repetitions = "5";
  std::string min_time = "50ms";
  std::string batch_events = "1000";
  std::string json_file;
  std::string svg_file;
  OutputStyle output = OutputStyle::kAuto;
};

core::Result<std::uint64_t> parse_positive(std::string_view flag, const std::string& text,
                                           std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < 1 || v > max) {
    return core::invalid_argument(std::string(flag) + " " + core::quoted(text) +
                                  ": expected a whole number from 1 to " + std::to_string(max));
  }
  return v;
}

// "123.4 (120.1-130.2)": the median with the range over repetitions.
std::string with_range(const perf::Spread& s, int digits) {
  return fixed(s.median, digits) + " (" + fixed(s.min, digits) + "-" + fixed(s.max, digits) + ")";
}

std::string ratio(double r) { return fixed(r, 2) + "x"; }

void print_tables(const std::vector<perf::EventTypeResult>& results,
                  const perf::BenchConfiguration& c) {
  for (const perf::EventTypeResult& r : results) {
    std::cout << "\n"
              << core::event_type_name(r.type) << ": " << r.events << " events (" << c.source
              << "), medians of " << c.timing.repetitions
              << " repetitions with (min-max); sizes after compressing batches of up to "
              << c.batch.max_events << " events\n";
    std::vector<std::string> header = {"FORMAT", "BYTES/EV"};
    std::vector<bool> right = {false, true};
    if (!r.formats.empty()) {
      for (const auto& [codec, bytes] : r.formats.front().sizes.compressed_per_event) {
        std::string name = codec;
        for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        header.push_back(name);
        right.push_back(true);
      }
    }
    for (const char* h : {"ENCODE NS/EV", "ENC MB/S", "DECODE NS/EV", "DEC MB/S", "ENC VS FASTEST",
                          "DEC VS FASTEST"}) {
      header.push_back(h);
      right.push_back(true);
    }
    std::vector<std::vector<std::string>> rows;
    for (const perf::FormatResult& f : r.formats) {
      std::vector<std::string> row = {f.format, fixed(f.sizes.bytes_per_event, 1)};
      for (const auto& [codec, bytes] : f.sizes.compressed_per_event)
        row.push_back(fixed(bytes, 1));
      row.push_back(with_range(f.encode.ns_per_event, 1));
      row.push_back(fixed(f.encode.mb_per_s.median, 0));
      row.push_back(with_range(f.decode.ns_per_event, 1));
      row.push_back(fixed(f.decode.mb_per_s.median, 0));
      row.push_back(ratio(f.encode_ratio_to_fastest));
      row.push_back(ratio(f.decode_ratio_to_fastest));
      rows.push_back(std::move(row));
    }
    print_table(header, rows, right);
  }
}

void print_json_lines(const std::vector<perf::EventTypeResult>& results) {
  for (const perf::EventTypeResult& r : results) {
    for (const perf::FormatResult& f : r.formats) {
      std::string line = "{\"event_type\":";
      append_json_string(line, core::event_type_name(r.type));
      line += ",\"format\":";
      append_json_string(line, f.format);
      line += ",\"events\":" + std::to_string(r.events);
      line += ",\"bytes_per_event\":" + fixed(f.sizes.bytes_per_event, 2);
      for (const auto& [codec, bytes] : f.sizes.compressed_per_event) {
        line += ",\"" + codec + "_bytes_per_event\":" + fixed(bytes, 2);
      }
      line += ",\"encode_ns\":" + fixed(f.encode.ns_per_event.median, 2) +
              ",\"encode_ns_min\":" + fixed(f.encode.ns_per_event.min, 2) +
              ",\"encode_ns_max\":" + fixed(f.encode.ns_per_event.max, 2) +
              ",\"decode_ns\":" + fixed(f.decode.ns_per_event.median, 2) +
              ",\"decode_ns_min\":" + fixed(f.decode.ns_per_event.min, 2) +
              ",\"decode_ns_max\":" + fixed(f.decode.ns_per_event.max, 2) +
              ",\"encode_mb_per_s\":" + fixed(f.encode.mb_per_s.median, 2) +
              ",\"decode_mb_per_s\":" + fixed(f.decode.mb_per_s.median, 2) +
              ",\"encode_ratio_to_fastest\":" + fixed(f.encode_ratio_to_fastest, 3) +
              ",\"decode_ratio_to_fastest\":" + fixed(f.decode_ratio_to_fastest, 3) + "}";
      std::cout << line << "\n";
    }
  }
}

int run_bench_serializers(Context& ctx, const BenchSerializersFlags& f, CLI::App& cmd) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  perf::SerializerBenchOptions o;
  perf::BenchConfiguration c;
  c.tidemark_version = TIDEMARK_VERSION;

  // ---- what to measure ----
  if (f.event == "all") {
    o.types.assign(core::kAllEventTypes.begin(), core::kAllEventTypes.end());
  } else {
    core::Result<core::EventType> type = core::parse_event_type(f.event);
    if (!type.ok()) {
      return report_error(core::invalid_argument("--event " + core::quoted(f.event) +
                                                 ": use lab, web, taxi or all"));
    }
    o.types = {*type};
  }
  if (f.formats.empty()) {
    for (const auto& s : ctx.registry.all()) o.formats.push_back(s.get());
  } else {
    for (const std::string& name : f.formats) {
      core::Result<const serializers::Serializer*> s = ctx.registry.get(name);
      if (!s.ok()) return report_error(core::invalid_argument("--format: " + s.status().message()));
      bool duplicate = false;
      for (const serializers::Serializer* known : o.formats) duplicate |= known == *s;
      if (duplicate) {
        return report_error(
            core::invalid_argument("--format " + core::quoted(name) + ": listed twice"));
      }
      o.formats.push_back(*s);
    }
  }
  core::Result<std::uint64_t> count = parse_positive("-c/--count", f.count, 100000000);
  if (!count.ok()) return report_error(count.status());
  o.events = *count;
  core::Result<std::uint64_t> reps = parse_positive("--repetitions", f.repetitions, 1000);
  if (!reps.ok()) return report_error(reps.status());
  o.timing.repetitions = static_cast<int>(*reps);
  core::Result<std::int64_t> min_time = core::parse_duration(f.min_time);
  if (!min_time.ok()) return report_error(min_time.status().with_context("--min-time"));
  o.timing.min_time_s = static_cast<double>(*min_time) / 1000.0;
  core::Result<std::uint64_t> batch = parse_positive("--batch-events", f.batch_events, 1000000);
  if (!batch.ok()) return report_error(batch.status());
  o.batch.max_events = *batch;
  {
    std::uint64_t seed = 0;
    const auto [ptr, ec] = std::from_chars(f.seed.data(), f.seed.data() + f.seed.size(), seed);
    if (f.seed.empty() || ec != std::errc() || ptr != f.seed.data() + f.seed.size()) {
      return report_error(core::invalid_argument("--seed " + core::quoted(f.seed) +
                                                 ": not a non-negative whole number"));
    }
    o.seed = seed;
  }

  // ---- a CSV file's rows instead of generated taxi trips ----
  std::vector<core::Event> trips;
  c.source = "generated";
  if (given("--from-csv")) {
    if (given("--event") && f.event != "taxi") {
      return report_error(core::invalid_argument(
          "--from-csv reads taxi trips: use --event taxi (or leave --event out)"));
    }
    if (given("--count")) {
      return report_error(core::invalid_argument(
          "-c/--count applies to generated events: --from-csv measures every row of the file"));
    }
    o.types = {core::EventType::kTaxi};
    core::Result<std::unique_ptr<producer::TaxiCsvSource>> src =
        producer::TaxiCsvSource::open(f.from_csv);
    if (!src.ok()) return report_error(src.status().with_context("--from-csv"));
    for (;;) {
      core::Result<std::optional<core::TaxiTrip>> trip = (*src)->next();
      if (!trip.ok()) return report_error(trip.status().with_context("--from-csv"));
      if (!*trip) break;
      trips.emplace_back(std::move(**trip));
    }
    if (trips.empty()) {
      return report_error(core::invalid_argument("--from-csv " + core::quoted(f.from_csv) +
                                                 ": the file has no rows"));
    }
    o.taxi_records = &trips;
    c.source = f.from_csv;
  }
  c.seed = o.seed;
  c.events = o.taxi_records != nullptr ? trips.size() : o.events;
  c.batch = o.batch;
  c.timing = o.timing;
  for (const serializers::Serializer* s : o.formats) c.formats.emplace_back(s->name());
  for (const core::EventType t : o.types) c.event_types.emplace_back(core::event_type_name(t));

  // ---- progress on a terminal ----
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (tty) {
    o.progress = [](const perf::BenchProgress& p) {
      if (p.done == p.total) {
        std::fputs("\r\033[K", stderr);
      } else {
        std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", p.done + 1, p.total, p.step.c_str());
      }
      std::fflush(stderr);
    };
  }

  core::Result<std::vector<perf::EventTypeResult>> results = perf::run_serializer_bench(o);
  if (!results.ok()) return report_error(results.status());

  if (use_table(f.output)) {
    print_tables(*results, c);
  } else {
    print_json_lines(*results);
  }
  if (given("--json")) {
    core::Status st =
        write_text_file(f.json_file, perf::serializer_bench_json(c, *results), "--json");
    if (!st.ok()) return report_error(st);
  }
  if (given("--svg")) {
    core::Status st = write_text_file(f.svg_file, perf::serializer_bench_svg(c, *results), "--svg");
    if (!st.ok()) return report_error(st);
  }
  return kExitOk;
}

void install_bench_serializers(CLI::App& bench, Context& ctx) {
  auto flags = std::make_shared<BenchSerializersFlags>();
  auto* cmd = bench.add_subcommand(
      "serializers",
      "The same records through every format: size raw and after lz4/zstd/snappy/gzip, encode "
      "and decode cost");
  cmd->add_option("--event", flags->event, "lab, web, taxi or all")->default_str("all");
  cmd->add_option("--format", flags->formats,
                  "Formats to compare, comma-separated or repeated (default: every format of "
                  "`tidemark formats`)")
      ->delimiter(',');
  cmd->add_option("--from-csv", flags->from_csv,
                  "Measure the rows of a green-taxi CSV file (plain or .gz) instead of generated "
                  "taxi trips");
  cmd->add_option("-c,--count", flags->count, "Generated events per event type")
      ->default_str("10000");
  cmd->add_option("--seed", flags->seed, "Generator seed (fixed by default, so runs compare)")
      ->default_str("42");
  cmd->add_option("--repetitions", flags->repetitions,
                  "Timed repetitions per measurement; medians and min-max are reported")
      ->default_str("5");
  cmd->add_option("--min-time", flags->min_time,
                  "Each repetition repeats whole passes over the events for at least this long")
      ->default_str("50ms");
  cmd->add_option("--batch-events", flags->batch_events,
                  "Events per compressed batch (also capped at 1 MB, librdkafka's batch.size)")
      ->default_str("1000");
  cmd->add_option("--json", flags->json_file,
                  "Write the results and the run's configuration (library versions, compiler, "
                  "CPU, seed, repetitions) as JSON");
  cmd->add_option("--svg", flags->svg_file,
                  "Draw grouped bar charts (size and time per format and event type) as SVG");
  add_output_option(*cmd, flags->output);
  cmd->footer(
      "Every event is encoded, decoded back and compared before anything is timed.\n"
      "Sizes: bytes per event raw, and after compressing consecutive encoded events in batches "
      "(what a Kafka record batch compresses; framing not included).\n"
      "Times: wall-clock ns per event and MB/s of the encoded bytes, the median over "
      "--repetitions with the range; VS FASTEST is the median divided by the fastest format's.\n"
      "Examples:\n"
      "  tidemark bench serializers\n"
      "  tidemark bench serializers --event web --format json,protobuf --svg web.svg\n"
      "  tidemark bench serializers --from-csv green_tripdata_2019-10.csv.gz --json taxi.json\n"
      "Exit codes: 0 done, 1 a round trip or a file failed, 2 bad flags.");
  cmd->callback([&ctx, flags, cmd] { ctx.exit_code = run_bench_serializers(ctx, *flags, *cmd); });
}

}  // namespace

void install_bench_command(CLI::App& app, Context& ctx) {
  auto* bench = app.add_subcommand(
      "bench",
      "Benchmark serializers (size, compressed size, encode/decode cost) and the Kafka path");
  bench->require_subcommand(1);
  // One line per bench subcommand (siblings in their own files declare their installers in
  // cli_common.h).
  for (CommandInstaller install : {
           install_bench_serializers,
           install_bench_kafka,
       }) {
    install(*bench, ctx);
  }
}

}  // namespace tidemark::cli
