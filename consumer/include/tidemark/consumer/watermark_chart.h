// Draws a watermark trace (watermark_trace.h) as one self-contained SVG: event time (y, UTC)
// against arrival order (x); records as dots coloured by partition; the combined watermark as a
// step line; late records ringed and records the window dropped crossed out; window firings as
// vertical rules; idle periods as bars under the plot; axes with readable UTC times, a title and
// a legend. No scripts, fonts or external references, so it renders in any browser and embeds in
// Markdown. Very large traces are thinned (see ChartOptions::max_points) and the subtitle says so.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tidemark/consumer/watermark_trace.h"

namespace tidemark::consumer {

struct ChartOptions {
  std::string title;   // default: "Event time and watermarks"
  std::string source;  // shown in the subtitle, e.g. the trace's file name
  int width = 1200;    // pixels, 400..10000
  int height = 700;    // pixels, 300..10000
  // More records than this are thinned: the x range is cut into columns, and per column and
  // partition the earliest and latest event time are kept, with every late or dropped record
  // (itself thinned the same way only if there are more than half this many). >= 100.
  std::size_t max_points = 6000;
};

struct ChartStats {
  std::size_t records = 0;
  std::size_t points_drawn = 0;  // record dots in the SVG
  std::size_t late = 0;
  std::size_t dropped = 0;
  std::size_t window_results = 0;
  bool thinned = false;
};

// Never fails: an empty trace gives a chart that says so. Sizes outside the ranges are clamped.
std::string render_watermark_chart(const TraceData& trace, const ChartOptions& options,
                                   ChartStats* stats = nullptr);

// Appends text with &, <, >, " and ' escaped, and control characters other than tab and newline
// (not allowed in XML 1.0) replaced by U+FFFD.
void append_xml_escaped(std::string& out, std::string_view text);

}  // namespace tidemark::consumer
