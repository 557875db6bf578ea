// What `tidemark consume` and `tidemark demo` share: the plan table (where each partition starts
// and stops, and why), the decode-error reporter, the summary, and the event-time flags with
// their summary and the live view (event_time flags: docs/watermarks.md); and what every
// consuming command (consume, perf consume, verify) shares: the exit code for how a run ended.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/consumer/event_consumer.h"
#include "tidemark/consumer/event_time_output.h"
#include "tidemark/consumer/offset_spec.h"
#include "tidemark/consumer/record_output.h"

namespace tidemark::cli {

// Partitions listed one per line at start and in the summary; above this, a summary.
inline constexpr std::size_t kMaxListedPartitions = 16;

std::string text_or_dash(const std::optional<std::int64_t>& v);
std::string format_bytes(std::uint64_t bytes);

// ---- the plan ----

// "topic '...' on ...", the startup and bounded modes with where they came from (`origin`),
// what -o means (when given) and the forced auto.offset.reset, one per line.
std::string plan_heading(const consumer::ConsumePlan& plan, const consumer::StartupSpec& startup,
                         const consumer::BoundedSpec& bounded, const std::string& alias_equivalent,
                         const std::string& bootstrap);
// PARTITION LOW HIGH COMMITTED START STOP START RULE STOP RULE, one row per partition.
void print_plan_table(std::ostream& out, const consumer::ConsumePlan& plan);
// One line instead of the table for topics with many partitions.
void print_plan_summary(std::ostream& out, const consumer::ConsumePlan& plan);

// ---- while reading ----

// Reports the first decode errors on stderr (for outputs that cannot show value_error: -f,
// none) and passes every call on.
class DecodeErrorReporter : public consumer::RecordSink {
 public:
  explicit DecodeErrorReporter(consumer::RecordSink& inner) : inner_(inner) {}
  core::Status write(const consumer::DecodedRecord& r) override;
  core::Status flush() override { return inner_.flush(); }
  core::Status sync() override { return inner_.sync(); }
  void on_assigned(std::span<const std::int32_t> p) override { inner_.on_assigned(p); }
  void on_finished(std::int32_t p) override { inner_.on_finished(p); }
  core::Status on_tick() override { return inner_.on_tick(); }

 private:
  consumer::RecordSink& inner_;
  std::uint64_t shown_ = 0;
};

// The run's summary on stderr: records, bytes, rate, decode errors, per-partition positions and
// the commits.
void print_summary(std::ostream& out, const consumer::ConsumeStats& stats, const std::string& group,
                   bool committing);

// ---- the exit code ----

// How a consuming command words a run that ended short; the rest of the wording is shared.
struct ConsumeEndWording {
  std::string_view interrupted_note = {};  // after "tidemark: interrupted: " (nothing when empty)
  std::string_view count_flag = {};    // the flag that asked for the records: "-c", "--messages"
  std::string_view short_reason = {};  // why fewer came: "every partition reached its stop"
};

// The exit code of a consuming command whose run() returned OK, from how the run ended, with the
// line on stderr that explains a non-zero one (docs/errors.md):
// * interrupted: "tidemark: interrupted[: <interrupted_note>]", kExitInterrupted;
// * the bounded end with fewer than `wanted` records: "tidemark: incomplete: R of the N records
//   asked for (<count_flag>): <short_reason>", kExitIncomplete;
// * kFailed (run() reports a failure in its status, so not expected here): kExitFailure;
// * otherwise (the bounded end, the count reached): kExitOk.
int exit_code_for_end(const consumer::ConsumeStats& stats, std::optional<std::uint64_t> wanted,
                      const ConsumeEndWording& wording);

// ---- event time ----

// The event-time flags of `tidemark consume` (docs/watermarks.md, "In tidemark consume").
struct EventTimeFlags {
  std::string event_time;
  std::string event_time_field;
  std::string watermark_delay;
  std::string watermark_style;
  std::string watermark_interval;
  std::string idle_timeout;
  std::string processing_time;
  std::string window;
  std::string group_by;
  std::string allowed_lateness;
  std::string window_output;
  std::string watermark_trace;
  bool no_live_view = false;
};
void add_event_time_options(CLI::App& cmd, EventTimeFlags& flags);

// The event-time options the flags ask for, or nullopt when no event-time flag was given (the
// output is then the plain envelope). Errors: kInvalidArgument naming the flag and its value.
core::Result<std::optional<consumer::EventTimeOutputOptions>> build_event_time_options(
    const EventTimeFlags& flags, CLI::App& cmd);

// Lines for the start of a replay: where event time comes from, the watermark strategy in
// Flink's words, the window and where its results go, the processing clock.
std::string event_time_heading(const consumer::EventTimeOutputOptions& options,
                               const std::string& window_destination);

// The event-time part of the summary (late, dropped, window results, records without an event
// time and why, the final watermark).
void print_event_time_summary(std::ostream& out, const consumer::EventTimeCounts& counts,
                              bool has_window, bool input_ended);

// Draws the live view on a terminal: each draw replaces the previous one (ANSI cursor-up and
// clear; only used when the stream is a terminal). Lines are cut to the terminal's width so the
// redraw stays aligned.
class LiveViewPrinter {
 public:
  explicit LiveViewPrinter(std::FILE* out) : out_(out) {}
  void draw(const std::vector<std::string>& lines);
  // Erases the last drawing (before the summary).
  void clear();

 private:
  std::FILE* out_;
  std::size_t drawn_ = 0;
};

// Whether `stream` is a terminal (isatty).
bool is_terminal(std::FILE* stream);

}  // namespace tidemark::cli
