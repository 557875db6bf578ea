#include "tidemark/consumer/watermark_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "tidemark/core/time.h"
#include "tidemark/core/utf8.h"

namespace tidemark::consumer {

void append_xml_escaped(std::string& out, std::string_view text) {
  while (!text.empty()) {
    const std::size_t bad = core::find_invalid_utf8(text);
    const std::string_view valid = text.substr(0, bad);
    for (const char ch : valid) {
      const auto c = static_cast<unsigned char>(ch);
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
          if (c < 0x20 && c != '\t' && c != '\n') {
            out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no other control characters
          } else {
            out += ch;
          }
      }
    }
    if (bad == std::string_view::npos) break;
    out += "\xEF\xBF\xBD";  // one replacement per byte that does not start valid UTF-8
    text.remove_prefix(bad + 1);
  }
}

namespace {

// Partition colours (Tableau 10 without its red, which marks lateness here).
constexpr std::array<const char*, 9> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c",
                                                 "#9467bd", "#8c564b", "#e377c2",
                                                 "#7f7f7f", "#bcbd22", "#17becf"};
constexpr const char* kLateColour = "#d62728";
constexpr const char* kWatermarkColour = "#111111";
constexpr const char* kWindowColour = "#6b6b6b";

const char* colour_of(std::int32_t partition) {
  return kPalette[static_cast<std::size_t>(partition) % kPalette.size()];
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string escaped(std::string_view text) {
  std::string out;
  append_xml_escaped(out, text);
  return out;
}

// ---- time axis ----

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

std::int64_t nice_time_step(std::int64_t range, int max_ticks) {
  static constexpr std::array<std::int64_t, 33> kSteps = {1,
                                                          2,
                                                          5,
                                                          10,
                                                          20,
                                                          50,
                                                          100,
                                                          200,
                                                          500,
                                                          kSecond,
                                                          2 * kSecond,
                                                          5 * kSecond,
                                                          10 * kSecond,
                                                          15 * kSecond,
                                                          30 * kSecond,
                                                          kMinute,
                                                          2 * kMinute,
                                                          5 * kMinute,
                                                          10 * kMinute,
                                                          15 * kMinute,
                                                          30 * kMinute,
                                                          kHour,
                                                          2 * kHour,
                                                          3 * kHour,
                                                          6 * kHour,
                                                          12 * kHour,
                                                          kDay,
                                                          2 * kDay,
                                                          7 * kDay,
                                                          14 * kDay,
                                                          28 * kDay,
                                                          91 * kDay,
                                                          364 * kDay};
  for (const std::int64_t s : kSteps) {
    if (range / s <= max_ticks) return s;
  }
  std::int64_t s = 364 * kDay;
  while (range / s > max_ticks) s *= 2;
  return s;
}

// A tick label for a time on a grid of `step`: as short as the step allows.
std::string time_label(std::int64_t t, std::int64_t step, bool show_date) {
  if (!core::is_formattable(t)) return std::to_string(t);
  const std::string iso = core::format_iso8601(t);  // 2026-11-23T10:15:30.123Z
  if (step >= kDay) return iso.substr(0, 10);
  std::string clock = step < kSecond   ? iso.substr(11, 12)
                      : step < kMinute ? iso.substr(11, 8)
                                       : iso.substr(11, 5);
  return show_date ? iso.substr(5, 5) + " " + clock : clock;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

double nice_count_step(double range, int max_ticks) {
  const double raw = std::max(range / max_ticks, 1.0);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string with_thousands(std::size_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

struct Geometry {
  double left, top, width, height;  // the plot area
  double x_min, x_max;              // arrival range
  double y_min, y_max;              // event-time range (ms)
  double x(double arrival) const {
    return left + (x_max > x_min ? (arrival - x_min) / (x_max - x_min) : 0.5) * width;
  }
  // Event times outside years 0000..9999 are drawn at the edge of that range: they are corrupt
  // or placeholder values, and the clamp keeps every coordinate and tick finite and exact.
  double y(std::int64_t t) const {
    return y(static_cast<double>(
        std::clamp(t, core::kMinFormattableMillis, core::kMaxFormattableMillis)));
  }
  double y(double t) const {
    return top + height - (y_max > y_min ? (t - y_min) / (y_max - y_min) : 0.5) * height;
  }
};

// Which records to draw: all of them, or, split the x range into as many columns as the budget
// allows (two points per partition and column), per (partition, column) the earliest and the
// latest event time. The envelope of each partition's cloud survives; the interior thins out.
std::vector<std::size_t> thin(const std::vector<TraceRecord>& records,
                              const std::vector<std::size_t>& candidates, const Geometry& g,
                              std::size_t budget) {
  if (candidates.size() <= budget) return candidates;
  std::set<std::int32_t> partitions;
  for (const std::size_t i : candidates) partitions.insert(records[i].partition);
  const std::size_t columns = std::max<std::size_t>(
      1,
      std::min<std::size_t>(budget / (2 * partitions.size()), static_cast<std::size_t>(g.width)));
  const double span = std::max(g.x_max - g.x_min, 1.0);
  struct MinMax {
    std::size_t min_i, max_i;
  };
  std::map<std::pair<std::int32_t, std::size_t>, MinMax> cells;
  for (const std::size_t i : candidates) {
    const TraceRecord& r = records[i];
    const double f = (static_cast<double>(r.arrival) - g.x_min) / span;
    const std::size_t column = std::min(
        columns - 1, static_cast<std::size_t>(std::max(0.0, f) * static_cast<double>(columns)));
    auto [it, inserted] = cells.try_emplace({r.partition, column}, MinMax{i, i});
    if (!inserted) {
      if (r.event_time < records[it->second.min_i].event_time) it->second.min_i = i;
      if (r.event_time > records[it->second.max_i].event_time) it->second.max_i = i;
    }
  }
  std::vector<std::size_t> kept;
  kept.reserve(cells.size() * 2);
  for (const auto& [cell, mm] : cells) {
    kept.push_back(mm.min_i);
    if (mm.max_i != mm.min_i) kept.push_back(mm.max_i);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

}  // namespace

std::string render_watermark_chart(const TraceData& trace, const ChartOptions& options,
                                   ChartStats* stats_out) {
  ChartStats stats;
  stats.records = trace.records.size();
  stats.window_results = trace.windows.size();
  const int width = std::clamp(options.width, 400, 10000);
  const int height = std::clamp(options.height, 300, 10000);
  const std::size_t max_points = std::max<std::size_t>(options.max_points, 100);
  const std::string title = options.title.empty() ? "Event time and watermarks" : options.title;

  // Partitions in the trace, in number order.
  std::map<std::int32_t, std::size_t> records_per_partition;
  for (const TraceRecord& r : trace.records) {
    ++records_per_partition[r.partition];
    if (r.late) ++stats.late;
    if (r.dropped == TraceDropped::kDropped) ++stats.dropped;
  }
  for (const TracePartitionStatus& s : trace.statuses)
    records_per_partition.try_emplace(s.partition, 0);

  // Idle lanes under the plot, one per partition that ever went idle.
  std::vector<std::int32_t> idle_lanes;
  for (const TracePartitionStatus& s : trace.statuses) {
    if (s.idle &&
        std::find(idle_lanes.begin(), idle_lanes.end(), s.partition) == idle_lanes.end()) {
      idle_lanes.push_back(s.partition);
    }
  }
  std::sort(idle_lanes.begin(), idle_lanes.end());
  const double lane_height = 7;

  Geometry g{};
  g.left = 100;
  g.top = 78;
  g.width = width - g.left - 250;
  g.height = height - g.top - 62 - static_cast<double>(idle_lanes.size()) * lane_height;

  // Ranges. x: arrival indexes; y: event times and every finite watermark.
  const std::int64_t n = static_cast<std::int64_t>(trace.records.size());
  std::int64_t max_arrival = n > 0 ? trace.records.back().arrival : 0;
  for (const TraceRecord& r : trace.records) max_arrival = std::max(max_arrival, r.arrival);
  g.x_min = 0;
  g.x_max = static_cast<double>(std::max<std::int64_t>(max_arrival, 1));
  bool have_y = false;
  std::int64_t lo = 0, hi = 0;
  auto include = [&](std::int64_t t) {
    if (t == kNoWatermark || t == kMaxWatermark) return;
    t = std::clamp(t, core::kMinFormattableMillis, core::kMaxFormattableMillis);
    if (!have_y) {
      lo = hi = t;
      have_y = true;
    } else {
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
  };
  for (const TraceRecord& r : trace.records) include(r.event_time);
  for (const TraceWatermark& w : trace.watermarks) include(w.watermark);
  if (!have_y) {
    lo = 0;
    hi = kMinute;
  }
  if (hi - lo < 2 * kSecond) {
    lo -= kSecond;
    hi += kSecond;
  }
  const double pad = static_cast<double>(hi - lo) * 0.04;
  g.y_min = static_cast<double>(lo) - pad;
  g.y_max = static_cast<double>(hi) + pad;

  std::string svg;
  svg.reserve(64 * 1024 + trace.records.size() * 24);
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
         "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) +
         " " + std::to_string(height) +
         "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  svg += "<title>" + escaped(title) + "</title>\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";

  // ---- title and subtitle ----
  std::size_t window_rules = 0;
  {
    std::set<std::int64_t> firing_arrivals;
    for (const TraceWindow& w : trace.windows) firing_arrivals.insert(w.arrival);
    window_rules = firing_arrivals.size();
  }
  svg += "<g id=\"title\">\n<text x=\"" + num(g.left) +
         "\" y=\"28\" font-size=\"18\" font-weight=\"bold\">" + escaped(title) + "</text>\n";
  std::string subtitle = with_thousands(stats.records) + " records in " +
                         std::to_string(records_per_partition.size()) + " partition" +
                         (records_per_partition.size() == 1 ? "" : "s") + " \u00b7 " +
                         with_thousands(stats.late) + " late";
  if (stats.dropped > 0)
    subtitle += " (" + with_thousands(stats.dropped) + " dropped by the window)";
  if (!trace.windows.empty()) {
    subtitle += " \u00b7 " + with_thousands(trace.windows.size()) + " window result" +
                (trace.windows.size() == 1 ? "" : "s");
  }
  if (!options.source.empty()) subtitle += " \u00b7 " + options.source;
  svg +=
      "<text x=\"" + num(g.left) + "\" y=\"48\" fill=\"#444\">" + escaped(subtitle) + "</text>\n";

  // ---- which records to draw ----
  std::vector<std::size_t> plain, marked;
  for (std::size_t i = 0; i < trace.records.size(); ++i) {
    const TraceRecord& r = trace.records[i];
    (r.late || r.dropped == TraceDropped::kDropped ? marked : plain).push_back(i);
  }
  std::vector<std::size_t> marked_drawn = thin(trace.records, marked, g, max_points / 2);
  const std::size_t plain_budget = max_points - std::min(max_points, marked_drawn.size());
  std::vector<std::size_t> plain_drawn = thin(trace.records, plain, g, plain_budget);
  stats.thinned = plain_drawn.size() < plain.size() || marked_drawn.size() < marked.size();
  stats.points_drawn = plain_drawn.size() + marked_drawn.size();
  if (stats.thinned) {
    svg += "<text x=\"" + num(g.left) + "\" y=\"64\" fill=\"#666\" font-size=\"11\">showing " +
           with_thousands(stats.points_drawn) + " of " + with_thousands(stats.records) +
           " records: per column and partition the earliest and latest event time, and "
           "the late records</text>\n";
  }
  svg += "</g>\n";

  // ---- grid and axes ----
  const std::int64_t y_range = static_cast<std::int64_t>(g.y_max - g.y_min);
  const std::int64_t y_step = nice_time_step(std::max<std::int64_t>(y_range, 1), 8);
  const bool multi_day =
      core::is_formattable(lo) && core::is_formattable(hi) &&
      core::format_iso8601(lo).substr(0, 10) != core::format_iso8601(hi).substr(0, 10);
  svg += "<g id=\"y-axis\" fill=\"#333\" font-size=\"11\">\n";
  for (std::int64_t t = (floor_div(static_cast<std::int64_t>(g.y_min), y_step) + 1) * y_step;
       static_cast<double>(t) <= g.y_max; t += y_step) {
    if (!core::is_formattable(t)) continue;  // only the padding of a clamped range lies there
    const double y = g.y(static_cast<double>(t));
    svg += "<line x1=\"" + num(g.left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(g.left + g.width) +
           "\" y2=\"" + num(y) + "\" stroke=\"#e6e6e6\"/>\n";
    svg += "<text x=\"" + num(g.left - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
           escaped(time_label(t, y_step, multi_day && y_step < kDay)) + "</text>\n";
  }
  std::string y_title = "event time (UTC";
  if (!multi_day && core::is_formattable(lo) && y_step < kDay) {
    y_title += ", " + core::format_iso8601(lo).substr(0, 10);
  }
  y_title += ")";
  const double y_mid = g.top + g.height / 2;
  svg += "<text x=\"18\" y=\"" + num(y_mid) +
         "\" text-anchor=\"middle\" transform=\"rotate(-90 18 " + num(y_mid) +
         ")\" font-size=\"12\">" + escaped(y_title) + "</text>\n</g>\n";

  const double x_step = nice_count_step(g.x_max - g.x_min, 10);
  const double x_axis_y = g.top + g.height + static_cast<double>(idle_lanes.size()) * lane_height;
  svg += "<g id=\"x-axis\" fill=\"#333\" font-size=\"11\">\n";
  for (double a = 0; a <= g.x_max + 1e-9; a += x_step) {
    const double x = g.x(a);
    svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(g.top) + "\" x2=\"" + num(x) + "\" y2=\"" +
           num(g.top + g.height) + "\" stroke=\"#f0f0f0\"/>\n";
    svg += "<text x=\"" + num(x) + "\" y=\"" + num(x_axis_y + 16) + "\" text-anchor=\"middle\">" +
           with_thousands(static_cast<std::size_t>(a)) + "</text>\n";
  }
  svg += "<text x=\"" + num(g.left + g.width / 2) + "\" y=\"" + num(x_axis_y + 36) +
         "\" text-anchor=\"middle\" font-size=\"12\">arrival order (records read, all "
         "partitions)</text>\n";
  svg += "</g>\n";
  svg += "<rect id=\"plot-frame\" x=\"" + num(g.left) + "\" y=\"" + num(g.top) + "\" width=\"" +
         num(g.width) + "\" height=\"" + num(g.height) + "\" fill=\"none\" stroke=\"#999\"/>\n";

  if (trace.records.empty()) {
    svg += "<text id=\"empty\" x=\"" + num(g.left + g.width / 2) + "\" y=\"" + num(y_mid) +
           "\" text-anchor=\"middle\" font-size=\"16\" fill=\"#666\">no records in this "
           "trace</text>\n";
  }

  // ---- idle lanes ----
  if (!idle_lanes.empty()) {
    svg += "<g id=\"idle-periods\">\n";
    const double end_x = g.x(g.x_max);
    for (std::size_t lane = 0; lane < idle_lanes.size(); ++lane) {
      const std::int32_t p = idle_lanes[lane];
      const double y = g.top + g.height + 2 + static_cast<double>(lane) * lane_height;
      double idle_since = -1;
      auto close_bar = [&](double until_x) {
        svg += "<rect x=\"" + num(idle_since) + "\" y=\"" + num(y) + "\" width=\"" +
               num(std::max(until_x - idle_since, 1.5)) + "\" height=\"" + num(lane_height - 2) +
               "\" fill=\"" + colour_of(p) + "\" fill-opacity=\"0.55\"><title>partition " +
               std::to_string(p) + " idle</title></rect>\n";
      };
      svg += "<text x=\"" + num(g.left - 6) + "\" y=\"" + num(y + lane_height - 2) +
             "\" text-anchor=\"end\" font-size=\"9\" fill=\"#555\">p" + std::to_string(p) +
             " idle</text>\n";
      for (const TracePartitionStatus& s : trace.statuses) {
        if (s.partition != p) continue;
        const double x = g.x(std::max(0.0, static_cast<double>(s.arrival) - 0.5));
        if (s.idle && idle_since < 0) {
          idle_since = x;
        } else if (!s.idle && idle_since >= 0) {
          close_bar(x);
          idle_since = -1;
        }
      }
      if (idle_since >= 0) close_bar(end_x);
    }
    svg += "</g>\n";
  }

  // ---- window firings: one rule per arrival position, late firings in red ----
  std::string end_of_input_windows;  // written under the MAX marker instead of a rule label
  if (!trace.windows.empty()) {
    struct Rule {
      std::size_t results = 0;
      bool late = false;
      bool end_of_input = false;
      std::set<std::pair<std::int64_t, std::int64_t>> windows;
      std::int64_t watermark = 0;
    };
    std::map<std::int64_t, Rule> rules;
    for (const TraceWindow& w : trace.windows) {
      Rule& r = rules[w.arrival];
      ++r.results;
      r.late = r.late || w.result.cause == FiringCause::kLateRecord;
      r.end_of_input = r.end_of_input || w.result.cause == FiringCause::kEndOfInput;
      r.windows.emplace(w.result.window_start, w.result.window_end);
      r.watermark = w.result.watermark;
    }
    const bool label = rules.size() <= 30;
    svg += "<g id=\"window-firings\" font-size=\"10\">\n";
    for (const auto& [arrival, r] : rules) {
      const double x = g.x(std::clamp(static_cast<double>(arrival) - 0.5, 0.0, g.x_max));
      std::string what;
      for (const auto& [start, end] : r.windows) {
        if (!what.empty()) what += ", ";
        const std::int64_t unit = end - start >= kMinute ? kMinute : kSecond;
        what += '[';
        what += time_label(start, unit, false);
        what += ", ";
        what += time_label(end, unit, false);
        what += ')';
      }
      const std::string tip = (r.end_of_input ? "end of input fired "
                               : r.late       ? "late firing of "
                                              : "fired ") +
                              what + ": " + std::to_string(r.results) + " result" +
                              (r.results == 1 ? "" : "s") + ", watermark " +
                              format_watermark(r.watermark);
      svg += "<line class=\"window-firing\" x1=\"" + num(x) + "\" y1=\"" + num(g.top) + "\" x2=\"" +
             num(x) + "\" y2=\"" + num(g.top + g.height) + "\" stroke=\"" +
             (r.late ? kLateColour : kWindowColour) +
             "\" stroke-width=\"1\" stroke-dasharray=\"4 3\"><title>" + escaped(tip) +
             "</title></line>\n";
      if (r.end_of_input && !r.late) {
        end_of_input_windows =
            r.windows.size() <= 4 ? what : std::to_string(r.windows.size()) + " windows";
      } else if (label) {
        const std::string text = (r.end_of_input ? "end of input: "
                                  : r.late       ? "late: "
                                                 : "") +
                                 what;
        svg += "<text x=\"" + num(x - 3) + "\" y=\"" + num(g.top + 4) +
               "\" text-anchor=\"end\" transform=\"rotate(-90 " + num(x - 3) + " " +
               num(g.top + 4) + ")\" fill=\"" + (r.late ? kLateColour : kWindowColour) + "\">" +
               escaped(text) + "</text>\n";
      }
    }
    svg += "</g>\n";
  }

  // ---- records: one path of round dots per partition (compact for thousands of points) ----
  svg +=
      "<g id=\"records\" stroke-linecap=\"round\" stroke-width=\"5\" stroke-opacity=\"0.8\" "
      "fill=\"none\">\n";
  {
    std::map<std::int32_t, std::string> paths;
    auto add_dot = [&](std::size_t i) {
      const TraceRecord& r = trace.records[i];
      std::string& d = paths[r.partition];
      d += 'M';
      d += num(g.x(static_cast<double>(r.arrival)));
      d += ' ';
      d += num(g.y(r.event_time));
      d += "h0";
    };
    for (const std::size_t i : plain_drawn) add_dot(i);
    for (const std::size_t i : marked_drawn) add_dot(i);
    for (const auto& [p, d] : paths) {
      svg += "<path class=\"partition-" + std::to_string(p) + "\" stroke=\"" + colour_of(p) +
             "\" d=\"" + d + "\"/>\n";
    }
  }
  svg += "</g>\n";

  // Late records ringed; dropped ones crossed out as well.
  svg += "<g id=\"late-records\" fill=\"none\" stroke=\"" + std::string(kLateColour) +
         "\" stroke-width=\"1.3\">\n";
  std::string crosses;
  for (const std::size_t i : marked_drawn) {
    const TraceRecord& r = trace.records[i];
    const double x = g.x(static_cast<double>(r.arrival));
    const double y = g.y(r.event_time);
    if (r.late) {
      svg += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"5\"/>\n";
    }
    if (r.dropped == TraceDropped::kDropped) {
      crosses += "M" + num(x - 4) + " " + num(y - 4) + "l8 8m0 -8l-8 8";
    }
  }
  svg += "</g>\n";
  if (!crosses.empty()) {
    svg += "<path id=\"dropped-records\" fill=\"none\" stroke=\"" + std::string(kLateColour) +
           "\" stroke-width=\"1.6\" d=\"" + crosses + "\"/>\n";
  }

  // ---- the combined watermark as a step line ----
  {
    // Change points (x between records, value). From the watermark rows when present, else
    // from the records' watermark column.
    std::vector<std::pair<double, std::int64_t>> changes;
    if (!trace.watermarks.empty()) {
      for (const TraceWatermark& w : trace.watermarks) {
        changes.emplace_back(std::max(0.0, static_cast<double>(w.arrival) - 0.5), w.watermark);
      }
    } else {
      std::int64_t last = kNoWatermark;
      for (const TraceRecord& r : trace.records) {
        if (r.watermark != last) {
          changes.emplace_back(static_cast<double>(r.arrival) + 0.5, r.watermark);
          last = r.watermark;
        }
      }
    }
    std::string d;
    double last_px = -1;
    bool started = false;
    bool reached_max = false;
    double max_x = 0;
    std::string last_point;  // merged points within one pixel column keep only the last value
    for (const auto& [a, w] : changes) {
      if (w == kNoWatermark) continue;
      const double x = g.x(std::min(a, g.x_max));
      if (w == kMaxWatermark) {
        reached_max = true;
        max_x = x;
        break;
      }
      const double y = g.y(w);
      if (!started) {
        d = "M" + num(x) + " " + num(y);
        started = true;
        last_px = x;
        continue;
      }
      if (std::fabs(x - last_px) < 1.0) {
        // Same pixel column: move only the vertical part of the last step.
        const std::size_t v = d.rfind('V');
        if (v != std::string::npos && v > d.rfind('M')) {
          d.resize(v);
          d += "V" + num(y);
          continue;
        }
      }
      d += "H" + num(x) + "V" + num(y);
      last_px = x;
    }
    if (started) {
      d += "H" + num(reached_max ? max_x : g.x(g.x_max));
      svg += "<path id=\"watermark\" fill=\"none\" stroke=\"" + std::string(kWatermarkColour) +
             "\" stroke-width=\"2\" d=\"" + d + "\"/>\n";
    }
    if (reached_max) {
      svg += "<g id=\"end-of-input\" fill=\"" + std::string(kWatermarkColour) + "\">\n<line x1=\"" +
             num(max_x) + "\" y1=\"" + num(g.top + g.height) + "\" x2=\"" + num(max_x) +
             "\" y2=\"" + num(g.top + 6) + "\" stroke=\"" + kWatermarkColour +
             "\" stroke-width=\"2\" stroke-dasharray=\"2 3\"/>\n<path d=\"M" + num(max_x - 5) +
             " " + num(g.top + 10) + "L" + num(max_x) + " " + num(g.top) + "L" + num(max_x + 5) +
             " " + num(g.top + 10) + "Z\"/>\n<text x=\"" + num(max_x - 8) + "\" y=\"" +
             num(g.top + 16) +
             "\" text-anchor=\"end\" font-size=\"11\" stroke=\"#ffffff\" stroke-width=\"3\" "
             "paint-order=\"stroke\">end of input: watermark MAX</text>\n";
      if (!end_of_input_windows.empty()) {
        svg += "<text x=\"" + num(max_x - 8) + "\" y=\"" + num(g.top + 30) +
               "\" text-anchor=\"end\" font-size=\"10\" fill=\"" + kWindowColour +
               "\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">fires " +
               escaped(end_of_input_windows) + "</text>\n";
      }
      svg += "</g>\n";
    }
  }

  // ---- legend ----
  {
    const double lx = g.left + g.width + 24;
    double ly = g.top + 8;
    svg += "<g id=\"legend\" font-size=\"12\">\n";
    svg += "<text x=\"" + num(lx) + "\" y=\"" + num(ly) +
           "\" font-weight=\"bold\">Partitions</text>\n";
    ly += 20;
    std::size_t shown = 0;
    for (const auto& [p, count] : records_per_partition) {
      if (shown == 16) {
        svg += "<text x=\"" + num(lx) + "\" y=\"" + num(ly) + "\">\u2026 and " +
               std::to_string(records_per_partition.size() - shown) + " more</text>\n";
        ly += 18;
        break;
      }
      svg += "<circle cx=\"" + num(lx + 6) + "\" cy=\"" + num(ly - 4) + "\" r=\"4\" fill=\"" +
             colour_of(p) + "\"/>\n<text x=\"" + num(lx + 18) + "\" y=\"" + num(ly) +
             "\">partition " + std::to_string(p) + " (" + with_thousands(count) + ")</text>\n";
      ly += 18;
      ++shown;
    }
    ly += 10;
    svg += "<line x1=\"" + num(lx) + "\" y1=\"" + num(ly - 4) + "\" x2=\"" + num(lx + 14) +
           "\" y2=\"" + num(ly - 4) + "\" stroke=\"" + kWatermarkColour +
           "\" stroke-width=\"2\"/>\n<text x=\"" + num(lx + 18) + "\" y=\"" + num(ly) +
           "\">combined watermark</text>\n";
    ly += 20;
    svg += "<circle cx=\"" + num(lx + 7) + "\" cy=\"" + num(ly - 4) +
           "\" r=\"5\" fill=\"none\" stroke=\"" + kLateColour +
           "\" stroke-width=\"1.3\"/>\n<text x=\"" + num(lx + 18) + "\" y=\"" + num(ly) +
           "\">late (event time \u2264 watermark)</text>\n";
    ly += 20;
    if (stats.dropped > 0) {
      svg += "<path d=\"M" + num(lx + 3) + " " + num(ly - 8) + "l8 8m0 -8l-8 8\" stroke=\"" +
             kLateColour + "\" stroke-width=\"1.6\" fill=\"none\"/>\n<text x=\"" + num(lx + 18) +
             "\" y=\"" + num(ly) + "\">dropped by the window</text>\n";
      ly += 20;
    }
    if (window_rules > 0) {
      svg += "<line x1=\"" + num(lx + 7) + "\" y1=\"" + num(ly - 12) + "\" x2=\"" + num(lx + 7) +
             "\" y2=\"" + num(ly + 2) + "\" stroke=\"" + kWindowColour +
             "\" stroke-dasharray=\"4 3\"/>\n<text x=\"" + num(lx + 18) + "\" y=\"" + num(ly) +
             "\">window fired</text>\n";
      ly += 20;
      bool any_late_firing = false;
      for (const TraceWindow& w : trace.windows) {
        any_late_firing = any_late_firing || w.result.cause == FiringCause::kLateRecord;
      }
      if (any_late_firing) {
        svg += "<line x1=\"" + num(lx + 7) + "\" y1=\"" + num(ly - 12) + "\" x2=\"" + num(lx + 7) +
               "\" y2=\"" + num(ly + 2) + "\" stroke=\"" + kLateColour +
               "\" stroke-dasharray=\"4 3\"/>\n<text x=\"" + num(lx + 18) + "\" y=\"" + num(ly) +
               "\">late firing (updated result)</text>\n";
        ly += 20;
      }
    }
    if (!idle_lanes.empty()) {
      svg += "<rect x=\"" + num(lx) + "\" y=\"" + num(ly - 9) +
             "\" width=\"14\" height=\"5\" fill=\"#7f7f7f\" fill-opacity=\"0.55\"/>\n<text x=\"" +
             num(lx + 18) + "\" y=\"" + num(ly) + "\">partition idle (bars below)</text>\n";
      ly += 20;
    }
    svg += "</g>\n";
  }

  svg += "</svg>\n";
  if (stats_out != nullptr) *stats_out = stats;
  return svg;
}

}  // namespace tidemark::consumer
