// Controlled disorder with ground truth: `--out-of-order D`, `--late-fraction F --late-by
// MIN..MAX`.
//
// Events are generated in event-time order and pushed here in that order (generation order, seq
// = the global event index). Each is held back for a seeded amount before it is emitted:
//
// * an on-time event is held uniform [0, D] ms of event time: it is released once the generation
//   frontier (the largest event time pushed so far) reaches event_time + hold;
// * a seeded fraction F of events is instead *late by design*: held uniform [MIN, MAX] ms and
//   released once the largest event time already *emitted* reaches event_time + hold, so each is
//   at least MIN behind when it goes out.
//
// Released events leave in order of (release time, seq). Each emitted item carries its ground
// truth: delay_ms = max(0, largest event time emitted before it - its event time), which the
// producer writes to the `tidemark-delay-ms` header and the manifest.
//
// Guarantees, when pushes come in non-decreasing event time (what the built-in generators and
// clocks produce; an input that is itself disordered, such as a CSV file, adds its own disorder):
// * every on-time item has delay_ms < D, or 0 when D = 0. So no on-time item is late under a
//   watermark "max event time - W" for any W >= D, neither in Flink SQL (`ts - INTERVAL`, late
//   when ts <= max - W) nor in DataStream (bounded out-of-orderness, max - W - 1). (With D = 0,
//   equal event times are late under SQL's `ts - INTERVAL '0'` in any order; Flink's ascending
//   form, `ts - INTERVAL '0.001' SECOND`, is the one that holds then.) (Proof sketch:
//   if Y is emitted before X with a larger event time, either X was not yet released, so
//   e_Y <= frontier < e_X + hold_X, or both were and Y came first, so e_Y + hold_Y < e_X + hold_X
//   because ties go to the smaller seq, which is X's.)
// * late items never raise the largest emitted event time, so they do not disturb the above;
//   each late item has delay_ms >= its hold >= MIN. So with MIN >= W every late item is late
//   under that watermark (delay_ms >= W means ts <= max - W).
// At the end of input drain() releases what is still held; a late item whose threshold was never
// reached then goes out less late than planned, and its delay_ms says how late it really is.
//
// The buffer holds at most (rate x the longest hold) items. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "tidemark/core/status.h"

namespace tidemark::producer {

struct DisorderOptions {
  std::int64_t out_of_order_ms = 0;  // D
  double late_fraction = 0;          // F, in [0, 1]
  std::int64_t late_min_ms = 0;      // MIN
  std::int64_t late_max_ms = 0;      // MAX
  std::uint64_t seed = 0;

  // Whether any event can be held back at all.
  bool enabled() const noexcept { return out_of_order_ms > 0 || late_fraction > 0; }
};

// kInvalidArgument unless D >= 0, 0 <= F <= 1, 0 <= MIN <= MAX, and F > 0 comes with MAX > 0.
core::Status validate(const DisorderOptions& options);

// How long item `seq` is held, and whether it is late by design: a pure function of
// (options, seq), so the same on every machine and for every sharding of the run.
struct Hold {
  std::int64_t hold_ms = 0;
  bool late = false;
};
Hold hold_for(const DisorderOptions& options, std::uint64_t seq) noexcept;

// `--late-by MIN..MAX` with durations as core::parse_duration reads them ("30s..2m", "500ms..1s").
// Errors (kInvalidArgument) quote the text; MIN > MAX is an error.
core::Result<std::pair<std::int64_t, std::int64_t>> parse_range(std::string_view text);

// `--late-fraction F`: a decimal in [0, 1] ("0.05") or a percentage ("5%"). Errors quote the text.
core::Result<double> parse_fraction(std::string_view text);

// One event with its ground truth. `payload` is whatever the producer needs to emit it later
// (serialized bytes and key, or an index into its own storage).
template <typename T>
struct DisorderedItem {
  std::uint64_t seq = 0;
  std::int64_t event_time = 0;
  std::int64_t hold_ms = 0;
  bool late_by_design = false;
  std::int64_t delay_ms = 0;  // set on release
  T payload{};
};

template <typename T>
class DisorderBuffer {
 public:
  using Item = DisorderedItem<T>;

  // Precondition: validate(options).ok().
  explicit DisorderBuffer(const DisorderOptions& options) : options_(options) {}

  // Adds the next generated event (in generation order).
  void push(std::uint64_t seq, std::int64_t event_time, T payload) {
    const Hold hold = hold_for(options_, seq);
    Entry entry{saturating_add(event_time, hold.hold_ms),
                Item{seq, event_time, hold.hold_ms, hold.late, 0, std::move(payload)}};
    auto& heap = hold.late ? late_ : on_time_;
    heap.push_back(std::move(entry));
    std::push_heap(heap.begin(), heap.end(), Later{});
    if (!frontier_ || event_time > *frontier_) frontier_ = event_time;
  }

  // Appends the items released by now to `out`, in emission order, with delay_ms set.
  void pop_ready(std::vector<Item>& out) { release(out, false); }

  // End of input: appends every remaining item, in emission order.
  void drain(std::vector<Item>& out) { release(out, true); }

  std::size_t size() const noexcept { return on_time_.size() + late_.size(); }
  bool empty() const noexcept { return size() == 0; }
  // Largest event time pushed / emitted so far; none before the first.
  std::optional<std::int64_t> frontier() const noexcept { return frontier_; }
  std::optional<std::int64_t> max_emitted() const noexcept { return max_emitted_; }

 private:
  struct Entry {
    std::int64_t release_at;
    Item item;
  };
  // Heap order: the entry with the smallest (release_at, seq) on top.
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const noexcept {
      return a.release_at != b.release_at ? a.release_at > b.release_at : a.item.seq > b.item.seq;
    }
  };

  static std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) return std::numeric_limits<std::int64_t>::max();
    return r;
  }

  void release(std::vector<Item>& out, bool all) {
    for (;;) {
      const bool on_time_ready =
          !on_time_.empty() && (all || (frontier_ && on_time_.front().release_at <= *frontier_));
      const bool late_ready =
          !late_.empty() && max_emitted_ && late_.front().release_at <= *max_emitted_;
      std::vector<Entry>* from = nullptr;
      if (on_time_ready && late_ready) {
        from = Later{}(on_time_.front(), late_.front()) ? &late_ : &on_time_;
      } else if (on_time_ready) {
        from = &on_time_;
      } else if (late_ready || (all && !late_.empty())) {
        from = &late_;
      } else {
        return;
      }
      std::pop_heap(from->begin(), from->end(), Later{});
      emit(std::move(from->back().item), out);
      from->pop_back();
    }
  }

  void emit(Item&& item, std::vector<Item>& out) {
    item.delay_ms = 0;
    if (max_emitted_ && *max_emitted_ > item.event_time) {
      std::int64_t d = 0;
      item.delay_ms = __builtin_sub_overflow(*max_emitted_, item.event_time, &d)
                          ? std::numeric_limits<std::int64_t>::max()
                          : d;
    }
    if (!max_emitted_ || item.event_time > *max_emitted_) max_emitted_ = item.event_time;
    out.push_back(std::move(item));
  }

  DisorderOptions options_;
  std::vector<Entry> on_time_;  // heaps ordered by Later
  std::vector<Entry> late_;
  std::optional<std::int64_t> frontier_;
  std::optional<std::int64_t> max_emitted_;
};

}  // namespace tidemark::producer
