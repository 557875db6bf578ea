// Grouped bar charts as self-contained SVG (no scripts, no external fonts or stylesheets), for
// benchmark results that must be readable in a browser, a Markdown viewer or a docs folder.
#pragma once

#include <string>
#include <vector>

namespace tidemark::perf {

struct BarChart {
  std::string title;
  std::string unit;                 // the value axis label, e.g. "bytes per event"
  std::vector<std::string> groups;  // one group of bars each (e.g. formats)
  std::vector<std::string> series;  // one bar per group each, with a legend entry (e.g. codecs)
  // values[s][g]: series s in group g; must be finite and >= 0 (others are drawn as 0).
  std::vector<std::vector<double>> values;
};

// The charts stacked vertically in one SVG document, each with its title, a linear value axis
// from 0 with gridlines, the value written on every bar, group labels and a legend. Text is
// XML-escaped.
std::string grouped_bar_charts_svg(const std::vector<BarChart>& charts, const std::string& title);

}  // namespace tidemark::perf
