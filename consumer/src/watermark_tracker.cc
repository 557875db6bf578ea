// The rules below follow ../shared/reference/flink-kafka-semantics.md Part 2 step by step; the
// comments name the Flink class each step mirrors.
#include "tidemark/consumer/watermark_tracker.h"

#include <algorithm>

#include "tidemark/core/time.h"

namespace tidemark::consumer {

std::string format_watermark(std::int64_t watermark) {
  if (watermark == kNoWatermark) return "none (no watermark yet)";
  if (watermark == kMaxWatermark) return "MAX (end of input)";
  if (!core::is_formattable(watermark)) return std::to_string(watermark) + " ms";
  return core::format_iso8601(watermark);
}

std::string_view to_string(WatermarkStyle style) noexcept {
  return style == WatermarkStyle::kSql ? "sql" : "datastream";
}

core::Result<WatermarkStyle> parse_watermark_style(std::string_view text) {
  if (text == "sql") return WatermarkStyle::kSql;
  if (text == "datastream") return WatermarkStyle::kDataStream;
  return core::invalid_argument("unknown watermark style " + core::quoted(text) +
                                " (valid: sql, datastream)");
}

core::Status validate(const WatermarkOptions& o) {
  if (o.delay_ms < 0) {
    return core::invalid_argument("watermark delay must not be negative, got " +
                                  std::to_string(o.delay_ms) + " ms");
  }
  if (!o.per_record && o.interval_ms <= 0) {
    return core::invalid_argument("watermark interval must be positive, got " +
                                  std::to_string(o.interval_ms) + " ms");
  }
  if (o.idle_timeout_ms < 0) {
    return core::invalid_argument("idle timeout must not be negative, got " +
                                  std::to_string(o.idle_timeout_ms) + " ms");
  }
  return {};
}

core::Status parse_watermark_interval(std::string_view text, WatermarkOptions& options) {
  if (text == "per-record") {
    options.per_record = true;
    return {};
  }
  core::Result<std::int64_t> d = core::parse_duration(text);
  if (!d.ok()) {
    return core::invalid_argument("watermark interval " + core::quoted(text) +
                                  ": expected 'per-record' or a duration such as 200ms or 1s");
  }
  if (*d == 0) {
    return core::invalid_argument(
        "watermark interval " + core::quoted(text) +
        ": 0 would switch periodic emission off (as pipeline.auto-watermark-interval=0 does in "
        "Flink); use 'per-record' for a watermark after every record");
  }
  options.per_record = false;
  options.interval_ms = *d;
  return {};
}

core::Status parse_idle_timeout(std::string_view text, WatermarkOptions& options) {
  if (text == "off") {
    options.idle_timeout_ms = 0;
    return {};
  }
  core::Result<std::int64_t> d = core::parse_duration(text);
  if (!d.ok()) {
    return core::invalid_argument("idle timeout " + core::quoted(text) +
                                  ": expected a duration such as 30s or 1m, or 'off'");
  }
  options.idle_timeout_ms = *d;
  return {};
}

namespace {

// "INTERVAL '5' SECOND" for whole seconds, else "INTERVAL '0.250' SECOND", as Flink SQL is written.
std::string sql_interval(std::int64_t ms) {
  if (ms % 1000 == 0) return "INTERVAL '" + std::to_string(ms / 1000) + "' SECOND";
  char buf[48];
  std::snprintf(buf, sizeof buf, "INTERVAL '%lld.%03lld' SECOND", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

// a - b, saturating at the int64 range (a watermark below MIN is "none").
std::int64_t saturating_sub(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? kNoWatermark : kMaxWatermark;
  return r;
}

}  // namespace

std::string describe(const WatermarkOptions& o) {
  std::string text;
  if (o.style == WatermarkStyle::kSql) {
    text = "SQL WATERMARK FOR ts AS ts - " + sql_interval(o.delay_ms) +
           " (watermark = max event time - " + core::format_duration(o.delay_ms) + ")";
  } else {
    text = "DataStream forBoundedOutOfOrderness(" + core::format_duration(o.delay_ms) +
           ") (watermark = max event time - " + core::format_duration(o.delay_ms) + " - 1ms)";
  }
  text += o.per_record ? ", emitted after every record (tidemark per-record mode)"
                       : ", emitted every " + core::format_duration(o.interval_ms);
  text += o.idle_timeout_ms > 0 ? ", idle timeout " + core::format_duration(o.idle_timeout_ms)
                                : ", idle timeout off";
  return text;
}

WatermarkTracker::WatermarkTracker(const WatermarkOptions& options, std::int64_t start)
    : options_(options),
      next_tick_(options.per_record ? start : start + options.interval_ms),
      last_now_(start),
      minus_(options.style == WatermarkStyle::kDataStream ? options.delay_ms + 1
                                                          : options.delay_ms) {}

core::Result<WatermarkTracker> WatermarkTracker::create(const WatermarkOptions& options,
                                                        std::span<const std::int32_t> partitions,
                                                        std::int64_t start_processing_time_ms) {
  TIDEMARK_RETURN_IF_ERROR(validate(options));
  WatermarkTracker tracker(options, start_processing_time_ms);
  for (const std::int32_t p : partitions) {
    if (p < 0) return core::invalid_argument("partition " + std::to_string(p) + " is negative");
    if (tracker.partition(p) != nullptr) {
      return core::invalid_argument("partition " + std::to_string(p) + " is assigned twice");
    }
    tracker.slot_for(p);
  }
  return tracker;
}

const PartitionWatermarkState* WatermarkTracker::partition(std::int32_t partition) const noexcept {
  if (partition < 0 || static_cast<std::size_t>(partition) >= slot_of_partition_.size()) {
    return nullptr;
  }
  const std::int32_t slot = slot_of_partition_[static_cast<std::size_t>(partition)];
  return slot < 0 ? nullptr : &slots_[static_cast<std::size_t>(slot)];
}

std::size_t WatermarkTracker::slot_for(std::int32_t partition) {
  // Partitions are small dense numbers; a direct index keeps the per-record lookup O(1).
  const auto index = static_cast<std::size_t>(partition < 0 ? 0 : partition);
  if (index >= slot_of_partition_.size()) slot_of_partition_.resize(index + 1, -1);
  std::int32_t& slot = slot_of_partition_[index];
  if (slot < 0) {
    slot = static_cast<std::int32_t>(slots_.size());
    PartitionWatermarkState state;
    state.partition = partition;
    slots_.push_back(state);
    dirty_ = true;
  }
  return static_cast<std::size_t>(slot);
}

void WatermarkTracker::add_partition(std::int32_t partition) {
  if (partition < 0) return;
  PartitionWatermarkState& p = slots_[slot_for(partition)];
  if (p.finished) {
    // Assigned again after it finished (a group member got it back in a rebalance): a new split
    // output in Flink, active with no watermark of its own; the combined watermark, which never
    // goes back, is not lowered by it.
    const std::int32_t id = p.partition;
    p = PartitionWatermarkState{};
    p.partition = id;
    dirty_ = true;
  }
}

void WatermarkTracker::finish_partition(std::int32_t partition) {
  if (partition < 0 || static_cast<std::size_t>(partition) >= slot_of_partition_.size()) return;
  const std::int32_t slot = slot_of_partition_[static_cast<std::size_t>(partition)];
  if (slot < 0) return;
  PartitionWatermarkState& p = slots_[static_cast<std::size_t>(slot)];
  if (!p.finished) {
    p.finished = true;
    dirty_ = true;  // WatermarkOutputMultiplexer.unregisterOutput: combined at the next tick
  }
}

std::int64_t WatermarkTracker::generator_watermark(
    const PartitionWatermarkState& p) const noexcept {
  // BoundedOutOfOrdernessWatermarks.onPeriodicEmit: maxTimestamp - B - 1, where maxTimestamp
  // starts at MIN + B + 1 (so MIN before the first event). The SQL generator keeps
  // max(ts - B), starting at MIN. Both are "max - minus_", saturating at MIN.
  if (p.records == 0) return kNoWatermark;
  return saturating_sub(p.max_event_time, minus_);
}

void WatermarkTracker::log(TrackerEventKind kind, std::int32_t partition, std::int64_t watermark,
                           std::int64_t now) {
  if (log_events_) events_.push_back(TrackerEvent{kind, partition, watermark, now, combined_});
}

RecordVerdict WatermarkTracker::on_record(std::int32_t partition, std::int64_t event_time_ms,
                                          std::int64_t processing_time_ms) {
  const std::int64_t now = std::max(processing_time_ms, last_now_);
  last_now_ = now;
  if (!options_.per_record && now >= next_tick_) advance_to(now);

  RecordVerdict v;
  v.watermark_before = combined_;
  // The watermark contract: a watermark W says no more records with ts <= W. Before the first
  // watermark nothing is late.
  v.late = combined_ != kNoWatermark && event_time_ms <= combined_;

  PartitionWatermarkState& p = slots_[slot_for(partition)];
  // WatermarksWithIdleness.onEvent: the inner generator sees the event, activity is counted and
  // the generator's idle flag clears. The split's PartialWatermark stays idle until the next
  // tick lets the generator emit again.
  if (p.records == 0 || event_time_ms > p.max_event_time) p.max_event_time = event_time_ms;
  ++p.records;
  ++p.activity;
  p.generator_idle = false;
  p.last_record_processing_time = now;
  ++records_;
  if (v.late) {
    ++p.late_records;
    ++late_records_;
  }
  dirty_ = true;

  if (options_.per_record) {
    tick(now);
    ticked_ = true;
    last_tick_time_ = now;
  }
  v.watermark = combined_;
  return v;
}

std::int64_t WatermarkTracker::on_processing_time(std::int64_t now_ms) {
  const std::int64_t now = std::max(now_ms, last_now_);
  last_now_ = now;
  if (options_.per_record) {
    if (!ticked_ || now > last_tick_time_) {
      tick(now);
      ticked_ = true;
      last_tick_time_ = now;
    }
  } else if (now >= next_tick_) {
    advance_to(now);
  }
  return combined_;
}

std::int64_t WatermarkTracker::end_of_input() {
  if (!ended_) {
    ended_ = true;
    // A finished bounded source emits Watermark.MAX_WATERMARK (reference 2.8).
    if (combined_ != kMaxWatermark) {
      combined_ = kMaxWatermark;
      log(TrackerEventKind::kWatermark, -1, combined_, last_now_);
    }
  }
  return combined_;
}

bool WatermarkTracker::quiescent() const noexcept {
  // Nothing arrived and nothing was (un)assigned since the last tick, and every partition that
  // is still active has its inactivity timer running (or idleness is off): the following ticks
  // then change nothing until some partition's timer runs out.
  if (dirty_ || !ticked_) return false;
  if (options_.idle_timeout_ms <= 0) return true;
  for (const PartitionWatermarkState& p : slots_) {
    if (!p.finished && !p.generator_idle && !p.timer_running) return false;
  }
  return true;
}

std::int64_t WatermarkTracker::next_interesting_tick(std::int64_t last_due) const noexcept {
  std::int64_t target = last_due;
  if (options_.idle_timeout_ms <= 0) return target;
  const std::int64_t interval = options_.interval_ms;
  for (const PartitionWatermarkState& p : slots_) {
    if (p.finished || p.generator_idle || !p.timer_running) continue;
    // IdlenessTimer.checkIfIdle: idle at the first tick c with c - timer_start > timeout.
    const std::int64_t first_idle_time = p.timer_start + options_.idle_timeout_ms + 1;
    std::int64_t c = next_tick_;
    if (first_idle_time > c) c += (first_idle_time - c + interval - 1) / interval * interval;
    target = std::min(target, c);
  }
  return target;
}

void WatermarkTracker::advance_to(std::int64_t now) {
  // ProgressiveTimestampsAndWatermarks schedules ticks with a fixed delay on processing time.
  const std::int64_t interval = options_.interval_ms;
  while (next_tick_ <= now) {
    if (quiescent()) {
      const std::int64_t last_due = next_tick_ + (now - next_tick_) / interval * interval;
      const std::int64_t target = next_interesting_tick(last_due);
      ticks_ += (target - next_tick_) / interval;
      next_tick_ = target;
    }
    tick(next_tick_);
    ticked_ = true;
    last_tick_time_ = next_tick_;
    next_tick_ += interval;
  }
}

void WatermarkTracker::tick(std::int64_t now) {
  ++ticks_;
  dirty_ = false;
  // 1. Every split-local generator emits into its deferred output, in registration order.
  for (PartitionWatermarkState& p : slots_) {
    if (p.finished) continue;
    if (options_.idle_timeout_ms > 0) {
      // WatermarksWithIdleness.onPeriodicEmit with IdlenessTimer.checkIfIdle.
      bool idle_now = false;
      if (p.activity != p.last_checked_activity) {
        p.last_checked_activity = p.activity;
        p.timer_running = false;
      } else if (!p.timer_running) {
        p.timer_running = true;
        p.timer_start = now;
      } else {
        idle_now = now - p.timer_start > options_.idle_timeout_ms;
      }
      if (idle_now) {
        if (!p.generator_idle) {
          p.generator_idle = true;  // markIdle, once per idle period
          if (!p.idle) {
            p.idle = true;
            log(TrackerEventKind::kPartitionIdle, p.partition, p.watermark, now);
          }
        }
        continue;  // the inner generator's onPeriodicEmit is skipped while idle
      }
    }
    // The generator emits its candidate; PartialWatermark.setWatermark keeps the maximum and
    // clears the idle flag.
    const std::int64_t candidate = generator_watermark(p);
    if (candidate > p.watermark) p.watermark = candidate;
    if (p.idle) {
      p.idle = false;
      log(TrackerEventKind::kPartitionActive, p.partition, p.watermark, now);
    }
  }
  // 2. The multiplexer combines the deferred updates.
  combine(now);
}

void WatermarkTracker::combine(std::int64_t now) {
  // CombinedWatermarkStatus.updateCombinedWatermark.
  if (ended_) return;
  bool any = false;
  bool all_idle = true;
  std::int64_t min_active = kMaxWatermark;
  std::int64_t max_all = kNoWatermark;
  for (const PartitionWatermarkState& p : slots_) {
    if (p.finished) continue;
    any = true;
    max_all = std::max(max_all, p.watermark);
    if (!p.idle) {
      all_idle = false;
      min_active = std::min(min_active, p.watermark);
    }
  }
  if (!any) return;  // no registered outputs: nothing is emitted
  all_idle_ = all_idle;
  std::int64_t candidate;
  if (!all_idle) {
    candidate = min_active;
  } else if (options_.all_idle == AllIdleBehavior::kFlushMax) {
    candidate = max_all;  // FLINK-38454: flush the maximum when every split is idle
  } else {
    return;  // older Flink: hold the value, only the idle status changes
  }
  // Replaced only by a strictly greater value; MIN is never emitted.
  if (candidate > combined_) {
    combined_ = candidate;
    log(TrackerEventKind::kWatermark, -1, combined_, now);
  }
}

std::vector<std::int32_t> WatermarkTracker::holding_partitions() const {
  std::vector<std::int32_t> holders;
  if (ended_) return holders;
  std::int64_t min_active = kMaxWatermark;
  for (const PartitionWatermarkState& p : slots_) {
    if (!p.finished && !p.idle) min_active = std::min(min_active, p.watermark);
  }
  for (const PartitionWatermarkState& p : slots_) {
    if (!p.finished && !p.idle && p.watermark == min_active) holders.push_back(p.partition);
  }
  return holders;
}

std::string WatermarkTracker::explain(std::int64_t now_ms) const {
  if (ended_) return "end of input: the final watermark is MAX, every window fires";
  bool any = false;
  for (const PartitionWatermarkState& p : slots_) any = any || !p.finished;
  if (!any) {
    return slots_.empty() ? "no partitions assigned"
                          : "every partition reached its stop offset; waiting for end of input";
  }
  if (all_idle_) {
    return options_.all_idle == AllIdleBehavior::kFlushMax
               ? "all partitions idle: the combined watermark was flushed to their maximum"
               : "all partitions idle: the combined watermark holds (pre-FLINK-38454 behaviour)";
  }
  const std::vector<std::int32_t> holders = holding_partitions();
  if (holders.empty()) return "no active partition";
  const PartitionWatermarkState& first = *partition(holders.front());

  std::string who;
  if (holders.size() == 1) {
    who = "partition " + std::to_string(holders.front());
  } else {
    who = "partitions ";
    for (std::size_t i = 0; i < holders.size(); ++i) {
      if (i > 0) who += ", ";
      who += std::to_string(holders[i]);
    }
  }
  const bool one = holders.size() == 1;
  std::string text;
  if (first.watermark != kNoWatermark) {
    text = "held back by " + who + " (watermark " + format_watermark(first.watermark) + ")";
  } else if (first.records == 0) {
    text = who + (one ? " has" : " have") + " no records yet";
  } else {
    text = who + (one ? " has" : " have") + " no watermark yet (next periodic emission)";
  }
  if (combined_ != kNoWatermark && combined_ > first.watermark) {
    text += "; the combined watermark stays at " + format_watermark(combined_) +
            " (it never goes back)";
  }
  if (options_.idle_timeout_ms <= 0) {
    text += ", idle detection off";
  } else {
    text += "; idle after " + core::format_duration(options_.idle_timeout_ms) + " without records";
    if (first.records > 0 && now_ms >= first.last_record_processing_time) {
      text += " (last record " + core::format_duration(now_ms - first.last_record_processing_time) +
              " ago)";
    }
  }
  return text;
}

}  // namespace tidemark::consumer
