#include "tidemark/consumer/tumbling_windows.h"

#include <algorithm>

#include "tidemark/core/time.h"

namespace tidemark::consumer {

namespace {

constexpr std::string_view kTumblePrefix = "tumble:";

core::Status bad_window(std::string_view text, std::string_view why) {
  return core::invalid_argument("window " + core::quoted(text) + ": " + std::string(why) +
                                " (expected tumble:SIZE or tumble:SIZE:OFFSET, e.g. tumble:1m)");
}

}  // namespace

core::Result<TumbleSpec> parse_window_spec(std::string_view text) {
  if (text.substr(0, kTumblePrefix.size()) != kTumblePrefix) {
    return bad_window(text, "only tumbling windows are supported");
  }
  std::string_view rest = text.substr(kTumblePrefix.size());
  std::string_view size_text = rest;
  std::string_view offset_text;
  bool has_offset = false;
  if (const std::size_t colon = rest.find(':'); colon != std::string_view::npos) {
    size_text = rest.substr(0, colon);
    offset_text = rest.substr(colon + 1);
    has_offset = true;
  }
  core::Result<std::int64_t> size = core::parse_duration(size_text);
  if (!size.ok()) return bad_window(text, "size " + core::quoted(size_text) + " is not a duration");
  if (*size <= 0) return bad_window(text, "the size must be positive");
  TumbleSpec spec;
  spec.size_ms = *size;
  if (has_offset) {
    const bool negative = !offset_text.empty() && offset_text.front() == '-';
    const std::string_view magnitude = negative ? offset_text.substr(1) : offset_text;
    core::Result<std::int64_t> offset = core::parse_duration(magnitude);
    if (!offset.ok()) {
      return bad_window(text, "offset " + core::quoted(offset_text) + " is not a duration");
    }
    if (*offset >= spec.size_ms) {
      // TumblingEventTimeWindows: "abs(offset) < size" is required.
      return bad_window(text, "the offset must be smaller than the size");
    }
    spec.offset_ms = negative ? -*offset : *offset;
  }
  return spec;
}

std::string to_string(const TumbleSpec& spec) {
  std::string text = "tumble:" + core::format_duration(spec.size_ms);
  if (spec.offset_ms != 0) {
    text += ':';
    if (spec.offset_ms < 0) text += '-';
    text += core::format_duration(spec.offset_ms < 0 ? -spec.offset_ms : spec.offset_ms);
  }
  return text;
}

std::string_view to_string(FiringCause cause) noexcept {
  switch (cause) {
    case FiringCause::kWatermark:
      return "watermark";
    case FiringCause::kLateRecord:
      return "late-record";
    case FiringCause::kEndOfInput:
      return "end-of-input";
  }
  return "watermark";
}

core::Result<TumblingWindows> TumblingWindows::create(const WindowOptions& options) {
  if (options.tumble.size_ms <= 0) {
    return core::invalid_argument("window size must be positive, got " +
                                  std::to_string(options.tumble.size_ms) + " ms");
  }
  const std::int64_t offset = options.tumble.offset_ms;
  if (offset >= options.tumble.size_ms || -offset >= options.tumble.size_ms) {
    return core::invalid_argument("window offset " + std::to_string(offset) +
                                  " ms must be smaller than the size in absolute value");
  }
  if (options.allowed_lateness_ms < 0) {
    return core::invalid_argument("allowed lateness must not be negative, got " +
                                  std::to_string(options.allowed_lateness_ms) + " ms");
  }
  return TumblingWindows(options);
}

std::int64_t TumblingWindows::window_start(std::int64_t ts, const TumbleSpec& spec) noexcept {
  // TimeWindow.getWindowStartWithOffset; kNoWatermark flags a timestamp so extreme that the
  // arithmetic would overflow (Flink itself rejects Long.MIN_VALUE timestamps here).
  std::int64_t shifted;
  if (__builtin_sub_overflow(ts, spec.offset_ms, &shifted)) return kNoWatermark;
  std::int64_t remainder = shifted % spec.size_ms;
  if (remainder < 0) remainder += spec.size_ms;
  std::int64_t start;
  if (__builtin_sub_overflow(ts, remainder, &start)) return kNoWatermark;
  return start;
}

void TumblingWindows::fire_window(std::int64_t start, Window& w, FiringCause cause,
                                  std::vector<WindowResult>& fired) {
  w.fired = true;
  // One timer per key in Flink, all at end - 1; emitted here in key order for stable output.
  std::vector<std::pair<const std::string*, KeyState*>> keys;
  keys.reserve(w.keys.size());
  for (auto& [key, state] : w.keys) keys.emplace_back(&key, &state);
  std::sort(keys.begin(), keys.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (auto& [key, state] : keys) {
    ++state->firings;
    ++results_;
    fired.push_back(
        WindowResult{start, w.end, *key, state->count, watermark_, state->firings, cause});
  }
}

void TumblingWindows::on_watermark(std::int64_t watermark, std::vector<WindowResult>& fired) {
  if (watermark <= watermark_) return;  // an operator's watermark never goes back
  watermark_ = watermark;
  const FiringCause cause =
      watermark == kMaxWatermark ? FiringCause::kEndOfInput : FiringCause::kWatermark;
  // All windows have the same size, so ordering by start orders by end.
  for (auto it = windows_.begin(); it != windows_.end();) {
    Window& w = it->second;
    if (w.end - 1 > watermark) break;
    if (!w.fired) fire_window(it->first, w, cause, fired);  // EventTimeTrigger.onEventTime
    if (w.cleanup <= watermark) {                           // the cleanup timer
      if (cached_ == &w) cached_ = nullptr;
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
}

WindowVerdict TumblingWindows::on_record(std::int64_t ts, std::string_view key,
                                         std::vector<WindowResult>& fired) {
  ++records_;
  const std::int64_t size = options_.tumble.size_ms;
  const std::int64_t start = window_start(ts, options_.tumble);
  std::int64_t end;
  if (start == kNoWatermark || __builtin_add_overflow(start, size, &end)) {
    ++dropped_;
    return WindowVerdict::kDropped;
  }
  const std::int64_t max_timestamp = end - 1;
  // WindowOperator.cleanupTime: maxTimestamp + allowedLateness, or MAX on overflow.
  std::int64_t cleanup;
  if (__builtin_add_overflow(max_timestamp, options_.allowed_lateness_ms, &cleanup)) {
    cleanup = kMaxWatermark;
  }
  // WindowOperator.isWindowLate (SQL: the slice's last window has fired): drop.
  if (cleanup <= watermark_) {
    ++dropped_;
    return WindowVerdict::kDropped;
  }

  Window* w = cached_;
  if (w == nullptr || cached_start_ != start) {
    auto [it, inserted] = windows_.try_emplace(start);
    w = &it->second;
    if (inserted) {
      w->end = end;
      w->cleanup = cleanup;
    }
    cached_ = w;
    cached_start_ = start;
  }
  auto k = w->keys.find(key);
  if (k == w->keys.end()) k = w->keys.emplace(std::string(key), KeyState{}).first;
  ++k->second.count;

  if (max_timestamp <= watermark_) {
    // EventTimeTrigger.onElement: the watermark is already past end - 1, FIRE at once with the
    // window's whole contents (FIRE keeps them; the cleanup timer clears them later).
    w->fired = true;
    ++k->second.firings;
    ++results_;
    ++late_firings_;
    fired.push_back(WindowResult{start, end, k->first, k->second.count, watermark_,
                                 k->second.firings, FiringCause::kLateRecord});
    return WindowVerdict::kLateFiring;
  }
  return WindowVerdict::kAccepted;
}

void TumblingWindows::end_of_input(std::vector<WindowResult>& fired) {
  on_watermark(kMaxWatermark, fired);
}

}  // namespace tidemark::consumer
