#include "tidemark/perf/bar_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tidemark::perf {

namespace {

constexpr double kWidth = 960;
constexpr double kChartHeight = 320;
constexpr double kLeft = 80;
constexpr double kRight = 20;
constexpr double kTop = 48;     // chart title and legend
constexpr double kBottom = 48;  // group labels
constexpr double kHeader = 40;  // the document title

// A colour-blind-friendly palette (Okabe and Ito).
constexpr const char* kColors[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                   "#56B4E9", "#D55E00", "#F0E442", "#000000"};

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even escaped.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string label(double v) {
  char buf[32];
  if (v >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (v >= 10) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  }
  return buf;
}

// Axis labels: whole numbers when the step is, else as many decimals as the step needs.
std::string tick(double v, double step) {
  char buf[32];
  auto whole = [](double x) { return std::fabs(x - std::round(x)) < 1e-9; };
  const int digits = whole(step) ? 0 : whole(step * 10) ? 1 : 2;
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The smallest 1-2-5 step multiple of at least `max` over about 5 gridlines.
double nice_step(double max) {
  if (max <= 0) return 1;
  const double raw = max / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

double clean(double v) { return std::isfinite(v) && v > 0 ? v : 0; }

void draw_chart(std::string& svg, const BarChart& chart, double y0) {
  const double plot_w = kWidth - kLeft - kRight;
  const double plot_h = kChartHeight - kTop - kBottom;
  const double plot_top = y0 + kTop;
  const double plot_bottom = plot_top + plot_h;

  double max = 0;
  for (const auto& row : chart.values) {
    for (const double v : row) max = std::max(max, clean(v));
  }
  const double step = nice_step(max);
  const double axis_max = std::max(step, std::ceil(max / step) * step);

  svg += "<g>\n";
  svg += "<text x=\"" + num(kLeft) + "\" y=\"" + num(y0 + 18) + "\" class=\"title\">" +
         escape(chart.title) + "</text>\n";
  // Legend, right-aligned on the title line.
  double lx = kWidth - kRight;
  for (std::size_t s = chart.series.size(); s-- > 0;) {
    const double w = 18 + 7.0 * static_cast<double>(chart.series[s].size());
    lx -= w + 12;
    svg += "<rect x=\"" + num(lx) + "\" y=\"" + num(y0 + 8) +
           "\" width=\"12\" height=\"12\" fill=\"" + kColors[s % std::size(kColors)] + "\"/>";
    svg += "<text x=\"" + num(lx + 16) + "\" y=\"" + num(y0 + 18) + "\">" +
           escape(chart.series[s]) + "</text>\n";
  }
  // Value axis with gridlines.
  for (double v = 0; v <= axis_max + step / 2; v += step) {
    const double y = plot_bottom - v / axis_max * plot_h;
    svg += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_w) + "\" y1=\"" + num(y) +
           "\" y2=\"" + num(y) + "\" class=\"grid\"/>";
    svg += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
           tick(v, step) + "</text>\n";
  }
  svg += "<text transform=\"translate(" + num(16) + "," + num(plot_top + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(chart.unit) + "</text>\n";
  svg += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_w) + "\" y1=\"" +
         num(plot_bottom) + "\" y2=\"" + num(plot_bottom) + "\" class=\"axis\"/>\n";

  // Bars.
  const std::size_t groups = std::max<std::size_t>(1, chart.groups.size());
  const std::size_t series = std::max<std::size_t>(1, chart.series.size());
  const double group_w = plot_w / static_cast<double>(groups);
  const double bar_w = group_w * 0.8 / static_cast<double>(series);
  for (std::size_t g = 0; g < chart.groups.size(); ++g) {
    const double gx = kLeft + group_w * static_cast<double>(g) + group_w * 0.1;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
      const double v =
          s < chart.values.size() && g < chart.values[s].size() ? clean(chart.values[s][g]) : 0;
      const double h = v / axis_max * plot_h;
      const double x = gx + bar_w * static_cast<double>(s);
      svg += "<rect x=\"" + num(x) + "\" y=\"" + num(plot_bottom - h) + "\" width=\"" +
             num(std::max(1.0, bar_w - 2)) + "\" height=\"" + num(h) + "\" fill=\"" +
             kColors[s % std::size(kColors)] + "\"><title>" + escape(chart.groups[g]) + ", " +
             escape(chart.series[s]) + ": " + label(v) + " " + escape(chart.unit) +
             "</title></rect>";
      const double tx = x + bar_w / 2;
      const double ty = plot_bottom - h - 4;
      svg += "<text transform=\"translate(" + num(tx) + "," + num(ty) +
             ") rotate(-90)\" class=\"value\">" + label(v) + "</text>\n";
    }
    svg += "<text x=\"" + num(kLeft + group_w * (static_cast<double>(g) + 0.5)) + "\" y=\"" +
           num(plot_bottom + 18) + "\" text-anchor=\"middle\">" + escape(chart.groups[g]) +
           "</text>\n";
  }
  svg += "</g>\n";
}

}  // namespace

std::string grouped_bar_charts_svg(const std::vector<BarChart>& charts, const std::string& title) {
  const double height = kHeader + kChartHeight * static_cast<double>(charts.size());
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" +
         num(height) + "\" viewBox=\"0 0 " + num(kWidth) + " " + num(height) + "\">\n";
  svg +=
      "<style>text{font-family:sans-serif;font-size:12px;fill:#222}"
      ".title{font-size:14px;font-weight:bold}.heading{font-size:16px;font-weight:bold}"
      ".value{font-size:9px;fill:#444}.grid{stroke:#ddd;stroke-width:1}"
      ".axis{stroke:#444;stroke-width:1}</style>\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  svg += "<text x=\"" + num(kLeft) + "\" y=\"26\" class=\"heading\">" + escape(title) + "</text>\n";
  for (std::size_t i = 0; i < charts.size(); ++i) {
    draw_chart(svg, charts[i], kHeader + kChartHeight * static_cast<double>(i));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace tidemark::perf
