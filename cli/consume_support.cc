#include "consume_support.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli_common.h"
#include "tidemark/core/time.h"

namespace tidemark::cli {

namespace {
// Decode errors shown on stderr when the output does not carry value_error (-f, none).
constexpr std::uint64_t kMaxShownDecodeErrors = 5;
}  // namespace

std::string text_or_dash(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : "-";
}

std::string format_bytes(std::uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  }
  return buf;
}

// ---- the plan, as a table ----

static std::vector<std::vector<std::string>> plan_rows(const consumer::ConsumePlan& plan) {
  std::vector<std::vector<std::string>> rows;
  for (const consumer::PartitionPlan& p : plan.partitions) {
    rows.push_back({std::to_string(p.facts.partition), std::to_string(p.facts.low),
                    std::to_string(p.facts.high),
                    plan.group.empty() ? "-" : text_or_dash(p.facts.committed),
                    std::to_string(p.range.start), text_or_dash(p.range.stop), p.range.start_rule,
                    p.range.stop_rule});
  }
  return rows;
}

namespace {
const std::vector<std::string> kPlanHeader{"PARTITION", "LOW",  "HIGH",       "COMMITTED",
                                           "START",     "STOP", "START RULE", "STOP RULE"};
const std::vector<bool> kPlanAlign{true, true, true, true, true, true, false, false};
}  // namespace

void print_plan_table(std::ostream& out, const consumer::ConsumePlan& plan) {
  print_table(out, kPlanHeader, plan_rows(plan), kPlanAlign);
}

std::string plan_heading(const consumer::ConsumePlan& plan, const consumer::StartupSpec& startup,
                         const consumer::BoundedSpec& bounded, const std::string& alias_equivalent,
                         const std::string& bootstrap) {
  std::string h = "topic '" + plan.topic + "' on " + bootstrap;
  if (!plan.group.empty()) h += ", group '" + plan.group + "'";
  h += "\nstartup: " + consumer::describe(startup);
  if (!startup.origin.empty()) h += "  [" + startup.origin + "]";
  h += "\nbounded: " + consumer::describe(bounded);
  if (!bounded.origin.empty()) h += "  [" + bounded.origin + "]";
  if (!alias_equivalent.empty()) h += "\n-o means: " + alias_equivalent;
  h += "\nauto.offset.reset: ";
  h += kafka::auto_offset_reset_name(plan.auto_offset_reset);
  h += " (forced per startup mode, as Flink does)";
  return h;
}

void print_plan_summary(std::ostream& out, const consumer::ConsumePlan& plan) {
  std::uint64_t to_read = 0;
  std::size_t empty = 0;
  std::size_t unbounded = 0;
  for (const consumer::PartitionPlan& p : plan.partitions) {
    if (!p.range.stop) {
      ++unbounded;
      if (p.facts.high > p.range.start)
        to_read += static_cast<std::uint64_t>(p.facts.high - p.range.start);
    } else if (p.range.empty()) {
      ++empty;
    } else {
      to_read += static_cast<std::uint64_t>(*p.range.stop - p.range.start);
    }
  }
  out << plan.partitions.size() << " partitions: " << empty << " empty, " << unbounded
      << " unbounded, " << to_read << " offsets to read up to the stops (or the current end); "
      << "--explain lists every partition\n";
}

core::Status DecodeErrorReporter::write(const consumer::DecodedRecord& r) {
  if (r.value_kind == consumer::ValueKind::kDecodeError) {
    if (shown_ < kMaxShownDecodeErrors) {
      std::cerr << "tidemark: warning: '" << r.message->topic << "'[" << r.message->partition
                << "] offset " << r.message->offset << " does not decode: " << r.error << "\n";
    } else if (shown_ == kMaxShownDecodeErrors) {
      std::cerr << "tidemark: warning: further decode errors are only counted\n";
    }
    ++shown_;
  }
  return inner_.write(r);
}

void print_summary(std::ostream& out, const consumer::ConsumeStats& stats, const std::string& group,
                   bool committing) {
  const double rate =
      stats.elapsed_s > 0 ? static_cast<double>(stats.records) / stats.elapsed_s : 0;
  const double mb = stats.elapsed_s > 0
                        ? static_cast<double>(stats.bytes) / (1024.0 * 1024.0) / stats.elapsed_s
                        : 0;
  char line[256];
  std::snprintf(line, sizeof line,
                "%llu records (%s) in %.2f s: %.0f records/s, %.2f MiB/s; %llu decode errors",
                static_cast<unsigned long long>(stats.records), format_bytes(stats.bytes).c_str(),
                stats.elapsed_s, rate, mb, static_cast<unsigned long long>(stats.decode_errors));
  out << line << "\n";
  std::size_t listed = 0;
  for (const consumer::PartitionProgress& p : stats.partitions) {
    if (++listed > kMaxListedPartitions) {
      out << "  ... " << (stats.partitions.size() - kMaxListedPartitions) << " more partitions\n";
      break;
    }
    out << "  partition " << p.partition << ": position " << p.position;
    if (p.stop) out << " of stop " << *p.stop;
    out << (p.finished ? " (finished)" : (p.stop ? " (not finished)" : "")) << ", " << p.records
        << " records";
    if (p.committed) out << ", committed " << *p.committed;
    out << "\n";
  }
  if (committing) {
    out << "commits to group '" << group << "': " << stats.commits << " ok, "
        << stats.commit_failures << " failed\n";
  }
}

// ---- the exit code ----

int exit_code_for_end(const consumer::ConsumeStats& stats, std::optional<std::uint64_t> wanted,
                      const ConsumeEndWording& wording) {
  switch (stats.end) {
    case consumer::ConsumeEnd::kInterrupted:
      return report_interrupted(wording.interrupted_note);
    case consumer::ConsumeEnd::kBoundedEnd:
      if (wanted && stats.records < *wanted) {
        std::cerr << "tidemark: incomplete: " << stats.records << " of the " << *wanted
                  << " records asked for (" << wording.count_flag << "): " << wording.short_reason
                  << "\n";
        return kExitIncomplete;
      }
      return kExitOk;
    case consumer::ConsumeEnd::kCount:
      return kExitOk;
    case consumer::ConsumeEnd::kFailed:
      return kExitFailure;
  }
  return kExitOk;
}

// ---- event time ----

void add_event_time_options(CLI::App& cmd, EventTimeFlags& f) {
  const std::string group = "Event time, watermarks and windows (docs/watermarks.md)";
  cmd.add_option("--event-time", f.event_time,
                 "Where event time comes from: field (default: the event's own time field, "
                 "lab.event_timestamp, web.event_time, taxi.lpep_dropoff_datetime, as a Flink "
                 "SQL rowtime column) or record (the Kafka record timestamp, the DataStream "
                 "KafkaSource default)")
      ->group(group);
  cmd.add_option("--event-time-field", f.event_time_field,
                 "Another time field as event time, e.g. lpep_pickup_datetime")
      ->group(group);
  cmd.add_option("--watermark-delay", f.watermark_delay,
                 "Bounded out-of-orderness B (default 0): Flink SQL WATERMARK FOR ts AS ts - "
                 "INTERVAL 'B', or forBoundedOutOfOrderness(B) with --watermark-style "
                 "datastream. Any event-time flag switches watermarks on")
      ->group(group);
  cmd.add_option("--watermark-style", f.watermark_style,
                 "sql (default: watermark = max event time - B) or datastream (max - B - 1 ms)")
      ->group(group);
  cmd.add_option("--watermark-interval", f.watermark_interval,
                 "Periodic emission every D of processing time (Flink "
                 "pipeline.auto-watermark-interval, default 200ms), or per-record (a tidemark "
                 "mode: a watermark after every record, deterministic for replays)")
      ->group(group);
  cmd.add_option("--idle-timeout", f.idle_timeout,
                 "Declare a partition idle after D of processing time without records, so it "
                 "stops holding the watermark back (Flink table.exec.source.idle-timeout / "
                 "withIdleness; default off)")
      ->group(group);
  cmd.add_option("--processing-time", f.processing_time,
                 "The clock of --watermark-interval and --idle-timeout: wall (default) or "
                 "record-timestamp (replay the partitions merged in Kafka timestamp order, each "
                 "record arriving at its timestamp: the same watermarks on every run; needs a "
                 "bounded mode)")
      ->group(group);
  cmd.add_option("--window", f.window,
                 "Count records in event-time tumbling windows: tumble:SIZE[:OFFSET], e.g. "
                 "tumble:1m (Flink TUMBLE(..., INTERVAL '1' MINUTE)); a window fires when the "
                 "watermark reaches its end - 1 ms and prints one JSON line per key: "
                 "{\"type\":\"window\",\"window_start\":...,\"window_end\":...,\"key\":...,"
                 "\"count\":...,\"watermark\":...}. At the end of a bounded replay the rest fire")
      ->group(group);
  cmd.add_option("--group-by", f.group_by,
                 "Count per value of this field (GROUP BY window_start, window_end, FIELD), e.g. "
                 "test_data, ip, geodata.city, PULocationID")
      ->group(group);
  cmd.add_option("--allowed-lateness", f.allowed_lateness,
                 "DataStream allowedLateness (default 0, Flink SQL has none): a late record "
                 "within it updates its fired window (firing 2, 3, ...) instead of being dropped")
      ->group(group);
  cmd.add_option("--window-output", f.window_output,
                 "Write the window results to FILE instead of stdout ('-': stdout, the default, "
                 "interleaved with the records where Flink emits them)")
      ->group(group);
  cmd.add_option("--watermark-trace", f.watermark_trace,
                 "Write a CSV row per record, watermark change, idle switch and window result to "
                 "FILE.csv; draw it with `tidemark chart FILE.csv`")
      ->group(group);
  cmd.add_flag("--no-live-view", f.no_live_view,
               "Do not draw the live table (per partition position, high-watermark offset, lag, "
               "event-time watermark) on a terminal")
      ->group(group);
}

core::Result<std::optional<consumer::EventTimeOutputOptions>> build_event_time_options(
    const EventTimeFlags& f, CLI::App& cmd) {
  auto given = [&cmd](const char* name) { return cmd.count(name) > 0; };
  bool any = false;
  for (const char* flag :
       {"--event-time", "--event-time-field", "--watermark-delay", "--watermark-style",
        "--watermark-interval", "--idle-timeout", "--processing-time", "--window", "--group-by",
        "--allowed-lateness", "--window-output", "--watermark-trace"}) {
    any = any || given(flag);
  }
  if (!any) return std::optional<consumer::EventTimeOutputOptions>();

  consumer::EventTimeOutputOptions o;
  if (given("--event-time")) {
    core::Result<consumer::EventTimeSource> s = consumer::parse_event_time_source(f.event_time);
    if (!s.ok()) return s.status().with_context("--event-time");
    o.time.source = *s;
  }
  if (given("--event-time-field")) {
    if (o.time.source == consumer::EventTimeSource::kRecordTimestamp) {
      return core::invalid_argument(
          "--event-time-field names a field of the event, --event-time record takes the Kafka "
          "timestamp: give one of them");
    }
    core::Result<consumer::EventField> field = consumer::EventField::time(f.event_time_field);
    if (!field.ok()) return field.status().with_context("--event-time-field");
    o.time.field = std::move(*field);
  }
  consumer::WatermarkOptions& w = o.event_time.watermark;
  if (given("--watermark-delay")) {
    core::Result<std::int64_t> d = core::parse_duration(f.watermark_delay);
    if (!d.ok()) return d.status().with_context("--watermark-delay");
    w.delay_ms = *d;
  }
  if (given("--watermark-style")) {
    core::Result<consumer::WatermarkStyle> s = consumer::parse_watermark_style(f.watermark_style);
    if (!s.ok()) return s.status().with_context("--watermark-style");
    w.style = *s;
  }
  if (given("--watermark-interval")) {
    if (core::Status st = consumer::parse_watermark_interval(f.watermark_interval, w); !st.ok()) {
      return st.with_context("--watermark-interval");
    }
  }
  if (given("--idle-timeout")) {
    if (core::Status st = consumer::parse_idle_timeout(f.idle_timeout, w); !st.ok()) {
      return st.with_context("--idle-timeout");
    }
  }
  if (given("--processing-time")) {
    core::Result<consumer::ProcessingClock> c = consumer::parse_processing_clock(f.processing_time);
    if (!c.ok()) return c.status().with_context("--processing-time");
    o.clock = *c;
  }
  if (given("--window")) {
    core::Result<consumer::TumbleSpec> spec = consumer::parse_window_spec(f.window);
    if (!spec.ok()) return spec.status().with_context("--window");
    o.event_time.window = consumer::WindowOptions{*spec, 0};
  }
  for (const char* flag : {"--group-by", "--allowed-lateness", "--window-output"}) {
    if (given(flag) && !o.event_time.window) {
      return core::invalid_argument(std::string(flag) +
                                    " applies to windows: add --window tumble:SIZE (e.g. "
                                    "tumble:1m)");
    }
  }
  if (given("--group-by")) {
    core::Result<consumer::EventField> field = consumer::EventField::any(f.group_by);
    if (!field.ok()) return field.status().with_context("--group-by");
    o.group_by = std::move(*field);
  }
  if (given("--allowed-lateness")) {
    core::Result<std::int64_t> d = core::parse_duration(f.allowed_lateness);
    if (!d.ok()) return d.status().with_context("--allowed-lateness");
    o.event_time.window->allowed_lateness_ms = *d;
  }
  if (given("--watermark-trace")) {
    if (f.watermark_trace.empty()) {
      return core::invalid_argument("--watermark-trace: give a file name, e.g. trace.csv");
    }
    o.trace_path = f.watermark_trace;
  }
  return std::optional<consumer::EventTimeOutputOptions>(std::move(o));
}

std::string event_time_heading(const consumer::EventTimeOutputOptions& o,
                               const std::string& window_destination) {
  std::string h = consumer::describe(o.time);
  h += "\nwatermark: " + consumer::describe(o.event_time.watermark);
  if (o.clock == consumer::ProcessingClock::kRecordTimestamp) {
    h += "\nprocessing time: the Kafka record timestamps, partitions merged in timestamp order "
         "(--processing-time record-timestamp)";
  }
  if (o.event_time.window) {
    h += "\nwindow: " + consumer::to_string(o.event_time.window->tumble);
    h += o.group_by ? ", grouped by " + o.group_by->name() : std::string(", not grouped");
    if (o.event_time.window->allowed_lateness_ms > 0) {
      h += ", allowed lateness " + core::format_duration(o.event_time.window->allowed_lateness_ms);
    }
    h += "; results as {\"type\":\"window\",...} lines to " + window_destination;
  }
  if (!o.trace_path.empty()) h += "\nwatermark trace: " + o.trace_path;
  return h;
}

void print_event_time_summary(std::ostream& out, const consumer::EventTimeCounts& c,
                              bool has_window, bool input_ended) {
  out << "event time: " << c.with_time << " records in the watermarks, " << c.late
      << " late (event time at or below the watermark when they arrived)";
  if (has_window) {
    out << ", " << c.dropped << " dropped by the window (its window had fired)";
  }
  out << "; watermark ";
  if (c.ended) {
    out << "MAX (end of input)";
  } else {
    out << consumer::format_watermark(c.watermark);
  }
  out << "\n";
  if (has_window) {
    out << "windows: " << c.window_results << " results";
    if (c.late_firings > 0) out << " (" << c.late_firings << " updates after late records)";
    if (c.open_windows > 0) {
      out << ", " << c.open_windows << " windows still open"
          << (input_ended ? ""
                          : " (not fired: the input did not end; Flink fires them only at "
                            "the end of a bounded input)");
    }
    out << "\n";
  }
  if (c.without_time_total() > 0) {
    out << c.without_time_total()
        << " records without an event time (written with \"event_time\":null; not in the "
           "watermarks or windows):";
    bool first = true;
    for (std::size_t i = 1; i < c.without_time.size(); ++i) {
      if (c.without_time[i] == 0) continue;
      out << (first ? " " : ", ") << c.without_time[i] << " "
          << consumer::to_string(static_cast<consumer::MissingEventTime>(i));
      first = false;
    }
    out << "\n";
  }
}

bool is_terminal(std::FILE* stream) { return ::isatty(::fileno(stream)) == 1; }

void LiveViewPrinter::draw(const std::vector<std::string>& lines) {
  std::size_t width = 0;
  winsize ws{};
  if (::ioctl(::fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) width = ws.ws_col - 1;
  std::string text;
  if (drawn_ > 0) text += "\x1b[" + std::to_string(drawn_) + "F\x1b[J";
  for (const std::string& line : lines) {
    text += width > 0 && line.size() > width ? line.substr(0, width) : line;
    text += '\n';
  }
  drawn_ = lines.size();
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

void LiveViewPrinter::clear() {
  if (drawn_ == 0) return;
  const std::string text = "\x1b[" + std::to_string(drawn_) + "F\x1b[J";
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
  drawn_ = 0;
}

}  // namespace tidemark::cli
