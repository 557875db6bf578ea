// `tidemark chart TRACE.csv -o OUT.svg`: draws a watermark trace (written by
// `tidemark consume --watermark-trace`) as a self-contained SVG. The drawing itself is
// consumer::render_watermark_chart; this file reads flags and files and reports.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "tidemark/consumer/watermark_chart.h"
#include "tidemark/consumer/watermark_trace.h"

namespace tidemark::cli {

namespace {

struct ChartFlags {
  std::string trace;
  std::string output;
  std::string title;
  int width = 1200;
  int height = 700;
  std::size_t max_points = 6000;
};

// trace.csv -> trace.svg (next to it).
std::string default_output(const std::string& trace) {
  std::filesystem::path p(trace);
  p.replace_extension(".svg");
  return p.string();
}

int run_chart(const ChartFlags& f) {
  core::Result<consumer::TraceData> trace = consumer::read_watermark_trace(f.trace);
  if (!trace.ok()) return report_error(trace.status());

  consumer::ChartOptions options;
  options.title = f.title;
  options.source = std::filesystem::path(f.trace).filename().string();
  options.width = f.width;
  options.height = f.height;
  options.max_points = f.max_points;
  consumer::ChartStats stats;
  const std::string svg = consumer::render_watermark_chart(*trace, options, &stats);

  const std::string output = f.output.empty() ? default_output(f.trace) : f.output;
  if (output == "-") {
    std::cout << svg;
    std::cout.flush();
    if (!std::cout) {
      return report_error({core::StatusCode::kIo, "writing the SVG to stdout failed"});
    }
    return kExitOk;
  }
  {
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    if (!out) {
      return report_error({core::StatusCode::kIo,
                           "cannot create " + core::quoted(output) + ": " + std::strerror(errno)});
    }
    out << svg;
    out.close();
    if (!out) {
      return report_error({core::StatusCode::kIo, "writing " + core::quoted(output) + " failed"});
    }
  }
  std::cerr << "tidemark: wrote " << output << ": " << stats.records << " records ("
            << stats.points_drawn << " drawn" << (stats.thinned ? ", thinned" : "") << "), "
            << stats.late << " late, " << stats.dropped << " dropped, " << stats.window_results
            << " window results\n";
  return kExitOk;
}

}  // namespace

void install_chart_command(CLI::App& app, Context& ctx) {
  auto flags = std::make_shared<ChartFlags>();
  auto* cmd = app.add_subcommand(
      "chart", "Draw a watermark trace (CSV) as an SVG: event time against arrival order");
  cmd->footer(
      "Reads the CSV that `tidemark consume --watermark-trace FILE.csv` writes (columns in\n"
      "docs/watermarks.md) and draws one self-contained SVG: records as dots coloured by\n"
      "partition, the combined watermark as a step line, late records ringed (event time <=\n"
      "the watermark in force, Flink's definition), records a window dropped crossed out,\n"
      "window firings as dashed vertical rules, idle periods as bars, UTC time axis, legend.\n"
      "More records than --max-points are thinned (per column and partition the earliest\n"
      "and latest event time, plus the late records); the subtitle says so.\n"
      "\n"
      "Examples:\n"
      "  tidemark chart trace.csv                  # writes trace.svg\n"
      "  tidemark chart trace.csv -o docs/run.svg --title 'Run 3: 5s delay, 30s idle timeout'\n"
      "  tidemark chart trace.csv -o - > run.svg   # SVG on stdout\n"
      "\n"
      "Exit codes: 0 written; 1 the trace is missing, unreadable or malformed (the message names\n"
      "the file, line and column) or the SVG cannot be written; 2 bad flags.");
  cmd->add_option("trace", flags->trace, "The watermark trace CSV")
      ->required()
      ->type_name("TRACE.csv");
  cmd->add_option("-o,--output", flags->output,
                  "Where to write the SVG; '-' for stdout (default: the trace's path with .svg)")
      ->type_name("OUT.svg");
  cmd->add_option("--title", flags->title, "Chart title (default: Event time and watermarks)");
  cmd->add_option("--width", flags->width, "Width in pixels")
      ->check(CLI::Range(400, 10000))
      ->default_val(1200);
  cmd->add_option("--height", flags->height, "Height in pixels")
      ->check(CLI::Range(300, 10000))
      ->default_val(700);
  cmd->add_option("--max-points", flags->max_points,
                  "Most record dots to draw before thinning (>= 100)")
      ->check(CLI::Range(std::size_t{100}, std::size_t{10000000}))
      ->default_val(6000);
  cmd->callback([&ctx, flags] { ctx.exit_code = run_chart(*flags); });
}

}  // namespace tidemark::cli
