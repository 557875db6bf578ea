#include "tidemark/consumer/sequence_verifier.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <limits>
#include <set>
#include <system_error>
#include <unordered_map>

namespace tidemark::consumer {

namespace {

// Instance counts above this are treated as malformed: a verifier lists every instance of a
// count, and no lab runs that many producers.
constexpr std::uint32_t kMaxInstanceCount = 65536;

constexpr unsigned kChunkShift = 16;  // 65536 seqs (8 KiB) per chunk
constexpr std::uint64_t kChunkBits = std::uint64_t{1} << kChunkShift;
constexpr std::size_t kChunkWords = kChunkBits / 64;

bool parse_decimal(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), out);
  return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
}

void append_position(std::string& out, const SeqPosition& p) {
  out += "{\"seq\":" + std::to_string(p.seq) + ",\"partition\":" + std::to_string(p.partition) +
         ",\"offset\":" + std::to_string(p.offset) + "}";
}

template <typename T, typename F>
void append_list(std::string& out, std::string_view name, const std::vector<T>& items, F each) {
  out += ",\"";
  out += name;
  out += "\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    each(items[i]);
  }
  out += ']';
}

// How many seqs of `instance` are below `count`.
std::uint64_t share_of(const ProducerInstance& instance, std::uint64_t count) {
  return count > instance.index ? (count - instance.index - 1) / instance.count + 1 : 0;
}

// Collects maximal runs of missing local indices (ascending), keeping the first `max_kept`.
class MissingRuns {
 public:
  MissingRuns(const ProducerInstance& instance, std::size_t max_kept, InstanceReport& report)
      : instance_(instance), max_kept_(max_kept), report_(report) {}

  // Locals lo..hi (inclusive, lo <= hi, ascending across calls) are missing.
  void add(std::uint64_t lo, std::uint64_t hi) {
    report_.missing += hi - lo + 1;
    if (open_ && hi_ + 1 == lo) {
      hi_ = hi;
      return;
    }
    flush();
    open_ = true;
    lo_ = lo;
    hi_ = hi;
  }

  void flush() {
    if (!open_) return;
    ++report_.missing_range_count;
    if (report_.missing_ranges.size() < max_kept_) {
      report_.missing_ranges.push_back(SeqRange{lo_ * instance_.count + instance_.index,
                                                hi_ * instance_.count + instance_.index,
                                                hi_ - lo_ + 1});
    }
    open_ = false;
  }

 private:
  ProducerInstance instance_;
  std::size_t max_kept_;
  InstanceReport& report_;
  bool open_ = false;
  std::uint64_t lo_ = 0, hi_ = 0;
};

}  // namespace

std::string ProducerInstance::to_string() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

core::Result<ProducerInstance> parse_producer_instance(std::string_view text) {
  const std::size_t slash = text.find('/');
  std::uint64_t index = 0, count = 0;
  if (slash == std::string_view::npos || !parse_decimal(text.substr(0, slash), index) ||
      !parse_decimal(text.substr(slash + 1), count)) {
    return core::malformed("tidemark-instance " + core::quoted(text) + " is not i/N");
  }
  if (count == 0 || index >= count) {
    return core::malformed("tidemark-instance " + core::quoted(text) +
                           " is not an instance (needs 0 <= i < N)");
  }
  if (count > kMaxInstanceCount) {
    return core::malformed("tidemark-instance " + core::quoted(text) + ": more than " +
                           std::to_string(kMaxInstanceCount) + " instances");
  }
  return ProducerInstance{static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(count)};
}

// ---- per-instance state -------------------------------------------------------------------------

struct SequenceVerifier::Stream {
  explicit Stream(ProducerInstance inst) : instance(inst) {}

  ProducerInstance instance;
  // Bit `local % kChunkBits` of chunk `local / kChunkBits` is set when seq local*N+i was read.
  std::unordered_map<std::uint64_t, std::unique_ptr<std::uint64_t[]>> chunks;
  std::uint64_t cached_chunk_index = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t* cached_chunk = nullptr;

  std::uint64_t records = 0;
  std::uint64_t distinct = 0;
  std::optional<SeqPosition> max;
  std::uint64_t duplicates = 0;
  std::vector<SeqPosition> first_duplicates;
  std::uint64_t beyond_count = 0;
  std::vector<SeqPosition> first_beyond_count;
  std::uint64_t reordered = 0;
  std::uint64_t reordered_explained = 0;
  std::vector<Reordering> first_reorderings;
  // The largest seq read so far in each partition (and where).
  std::unordered_map<std::int32_t, SeqPosition> partition_max;

  std::uint64_t* chunk(std::uint64_t index) {
    if (index == cached_chunk_index) return cached_chunk;
    std::unique_ptr<std::uint64_t[]>& slot = chunks[index];
    if (!slot) slot = std::make_unique<std::uint64_t[]>(kChunkWords);  // zeroed
    cached_chunk_index = index;
    cached_chunk = slot.get();
    return cached_chunk;
  }
};

SequenceVerifier::SequenceVerifier(SequenceVerifierOptions options) : options_(options) {}
SequenceVerifier::~SequenceVerifier() = default;
SequenceVerifier::SequenceVerifier(SequenceVerifier&&) noexcept = default;
SequenceVerifier& SequenceVerifier::operator=(SequenceVerifier&&) noexcept = default;

SequenceVerifier::Stream& SequenceVerifier::stream_for(ProducerInstance instance) {
  if (last_stream_ != nullptr && instance == last_instance_) return *last_stream_;
  std::unique_ptr<Stream>& slot = streams_[instance];
  if (!slot) slot = std::make_unique<Stream>(instance);
  last_stream_ = slot.get();
  last_instance_ = instance;
  return *slot;
}

void SequenceVerifier::add(ProducerInstance instance, std::uint64_t seq, std::int32_t partition,
                           std::int64_t offset, bool disorder) {
  ++records_;
  Stream& s = stream_for(instance);
  ++s.records;
  const SeqPosition here{seq, partition, offset};
  if (options_.count && seq >= *options_.count) {
    ++s.beyond_count;
    if (s.first_beyond_count.size() < options_.max_offenders) s.first_beyond_count.push_back(here);
    return;
  }
  const std::uint64_t local = seq / instance.count;
  std::uint64_t* words = s.chunk(local >> kChunkShift);
  const std::uint64_t bit = local & (kChunkBits - 1);
  std::uint64_t& word = words[bit / 64];
  const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
  if ((word & mask) != 0) {
    ++s.duplicates;
    if (s.first_duplicates.size() < options_.max_offenders) s.first_duplicates.push_back(here);
    return;
  }
  word |= mask;
  ++s.distinct;
  if (!s.max || seq > s.max->seq) s.max = here;
  auto [it, inserted] = s.partition_max.try_emplace(partition, here);
  if (inserted) return;
  if (seq < it->second.seq) {
    ++s.reordered;
    if (disorder) ++s.reordered_explained;
    if (s.first_reorderings.size() < options_.max_offenders) {
      s.first_reorderings.push_back(Reordering{here, it->second, disorder});
    }
  } else {
    it->second = here;
  }
}

void SequenceVerifier::add_record(std::optional<std::string_view> seq_header,
                                  std::optional<std::string_view> instance_header,
                                  bool has_delay_header, std::int32_t partition,
                                  std::int64_t offset) {
  auto malformed = [&](std::string reason) {
    ++records_;
    ++malformed_;
    if (first_malformed_.size() < options_.max_offenders) {
      first_malformed_.push_back(MalformedRecord{partition, offset, std::move(reason)});
    }
  };
  if (!seq_header) {
    ++records_;
    ++without_seq_;
    return;
  }
  std::uint64_t seq = 0;
  if (!parse_decimal(*seq_header, seq)) {
    malformed("tidemark-seq " + core::quoted(*seq_header) + " is not a decimal number");
    return;
  }
  ProducerInstance instance;
  if (instance_header) {
    core::Result<ProducerInstance> parsed = parse_producer_instance(*instance_header);
    if (!parsed.ok()) {
      malformed(parsed.status().message());
      return;
    }
    instance = *parsed;
  }
  if (!instance.owns(seq)) {
    malformed("tidemark-seq " + std::to_string(seq) + " does not belong to instance " +
              instance.to_string() + " (seq mod " + std::to_string(instance.count) + " must be " +
              std::to_string(instance.index) + ")");
    return;
  }
  add(instance, seq, partition, offset, has_delay_header);
}

SequenceReport SequenceVerifier::report() const {
  SequenceReport out;
  out.records = records_;
  out.without_seq = without_seq_;
  out.malformed = malformed_;
  out.first_malformed = first_malformed_;
  out.count = options_.count;

  for (const auto& [instance, stream] : streams_) {
    const Stream& s = *stream;
    InstanceReport r;
    r.instance = instance;
    r.records = s.records;
    r.distinct = s.distinct;
    r.max = s.max;
    r.duplicates = s.duplicates;
    r.first_duplicates = s.first_duplicates;
    r.beyond_count = s.beyond_count;
    r.first_beyond_count = s.first_beyond_count;
    r.reordered = s.reordered;
    r.reordered_explained = s.reordered_explained;
    r.first_reorderings = s.first_reorderings;

    // The checked range, in local indices [0, expected).
    if (options_.count) {
      r.bounded_by_count = true;
      r.expected = share_of(instance, *options_.count);
    } else if (s.max) {
      r.expected = s.max->seq / instance.count + 1;
    }
    if (r.expected > 0) r.checked_through = (r.expected - 1) * instance.count + instance.index;

    MissingRuns runs(instance, options_.max_offenders, r);
    std::vector<std::uint64_t> chunk_ids;
    chunk_ids.reserve(s.chunks.size());
    for (const auto& [id, words] : s.chunks) chunk_ids.push_back(id);
    std::sort(chunk_ids.begin(), chunk_ids.end());
    std::uint64_t next = 0;  // the first local not yet accounted for
    for (const std::uint64_t id : chunk_ids) {
      if (next >= r.expected) break;
      const std::uint64_t base = id << kChunkShift;
      if (base > next) {
        runs.add(next, std::min(base, r.expected) - 1);
        next = std::min(base, r.expected);
        if (next >= r.expected) break;
      }
      const std::uint64_t* words = s.chunks.at(id).get();
      const std::uint64_t end = std::min(base + kChunkBits, r.expected);
      while (next < end) {
        const std::uint64_t bit = next - base;
        const std::uint64_t word = words[bit / 64];
        const unsigned shift = static_cast<unsigned>(bit % 64);
        const std::uint64_t rest = word >> shift;  // bits for next, next+1, ...
        if (shift == 0 && word == ~std::uint64_t{0}) {
          next += 64;
          continue;
        }
        if ((rest & 1) != 0) {
          // Skip the run of present seqs.
          const unsigned present = static_cast<unsigned>(std::countr_one(rest));
          next += std::min<std::uint64_t>(present, 64 - shift);
        } else {
          // A run of missing seqs within this word (it may continue in the next word).
          const unsigned absent =
              rest == 0 ? 64 - shift : static_cast<unsigned>(std::countr_zero(rest));
          const std::uint64_t stop = std::min(next + absent, end);
          runs.add(next, stop - 1);
          next = stop;
        }
      }
      next = std::max(next, std::min(end, r.expected));
    }
    if (next < r.expected) runs.add(next, r.expected - 1);
    runs.flush();
    out.instances.push_back(std::move(r));
  }

  // With the count known, an instance that wrote nothing readable lost all of its seqs.
  if (options_.count) {
    std::set<std::uint32_t> counts;
    for (const auto& [instance, stream] : streams_) counts.insert(instance.count);
    if (counts.empty()) counts.insert(1);
    for (const std::uint32_t n : counts) {
      for (std::uint32_t i = 0; i < n; ++i) {
        const ProducerInstance instance{i, n};
        if (streams_.count(instance) != 0) continue;
        InstanceReport r;
        r.instance = instance;
        r.bounded_by_count = true;
        r.expected = share_of(instance, *options_.count);
        if (r.expected > 0) {
          r.checked_through = (r.expected - 1) * n + i;
          MissingRuns runs(instance, options_.max_offenders, r);
          runs.add(0, r.expected - 1);
          runs.flush();
        }
        out.instances.push_back(std::move(r));
      }
    }
    std::sort(
        out.instances.begin(), out.instances.end(),
        [](const InstanceReport& a, const InstanceReport& b) { return a.instance < b.instance; });
  }
  return out;
}

// ---- SequenceReport -----------------------------------------------------------------------------

std::uint64_t SequenceReport::missing() const noexcept {
  std::uint64_t n = 0;
  for (const InstanceReport& r : instances) n += r.missing;
  return n;
}

std::uint64_t SequenceReport::duplicates() const noexcept {
  std::uint64_t n = 0;
  for (const InstanceReport& r : instances) n += r.duplicates;
  return n;
}

std::uint64_t SequenceReport::beyond_count() const noexcept {
  std::uint64_t n = 0;
  for (const InstanceReport& r : instances) n += r.beyond_count;
  return n;
}

std::uint64_t SequenceReport::reordered() const noexcept {
  std::uint64_t n = 0;
  for (const InstanceReport& r : instances) n += r.reordered;
  return n;
}

std::uint64_t SequenceReport::verified() const noexcept {
  std::uint64_t n = 0;
  for (const InstanceReport& r : instances) n += r.records;
  return n;
}

bool SequenceReport::ok() const noexcept {
  if (instances.empty()) return false;
  for (const InstanceReport& r : instances) {
    if (!r.ok()) return false;
  }
  return true;
}

std::string SequenceReport::to_json() const {
  std::string out = "{\"ok\":";
  out += ok() ? "true" : "false";
  out += ",\"records\":" + std::to_string(records);
  out += ",\"verified\":" + std::to_string(verified());
  out += ",\"without_seq\":" + std::to_string(without_seq);
  out += ",\"malformed\":" + std::to_string(malformed);
  out += ",\"count\":" + (count ? std::to_string(*count) : std::string("null"));
  out += ",\"missing\":" + std::to_string(missing());
  out += ",\"duplicates\":" + std::to_string(duplicates());
  out += ",\"beyond_count\":" + std::to_string(beyond_count());
  out += ",\"reordered\":" + std::to_string(reordered());
  append_list(out, "first_malformed", first_malformed, [&](const MalformedRecord& m) {
    out += "{\"partition\":" + std::to_string(m.partition) +
           ",\"offset\":" + std::to_string(m.offset) + ",\"reason\":";
    append_json_string(out, m.reason);
    out += '}';
  });
  append_list(out, "instances", instances, [&](const InstanceReport& r) {
    out += "{\"instance\":";
    append_json_string(out, r.instance.to_string());
    out += ",\"ok\":";
    out += r.ok() ? "true" : "false";
    out += ",\"records\":" + std::to_string(r.records);
    out += ",\"distinct\":" + std::to_string(r.distinct);
    out += ",\"max\":";
    if (r.max) {
      append_position(out, *r.max);
    } else {
      out += "null";
    }
    out += ",\"checked\":";
    if (r.expected > 0) {
      out += "{\"first\":" + std::to_string(r.instance.index) +
             ",\"last\":" + std::to_string(r.checked_through) +
             ",\"expected\":" + std::to_string(r.expected) + ",\"bound\":\"";
      out += r.bounded_by_count ? "count" : "max_seq";
      out += "\"}";
    } else {
      out += "null";
    }
    out += ",\"missing\":" + std::to_string(r.missing);
    out += ",\"missing_range_count\":" + std::to_string(r.missing_range_count);
    append_list(out, "missing_ranges", r.missing_ranges, [&](const SeqRange& g) {
      out += "{\"first\":" + std::to_string(g.first) + ",\"last\":" + std::to_string(g.last) +
             ",\"count\":" + std::to_string(g.count) + "}";
    });
    out += ",\"duplicates\":" + std::to_string(r.duplicates);
    append_list(out, "first_duplicates", r.first_duplicates,
                [&](const SeqPosition& p) { append_position(out, p); });
    out += ",\"beyond_count\":" + std::to_string(r.beyond_count);
    append_list(out, "first_beyond_count", r.first_beyond_count,
                [&](const SeqPosition& p) { append_position(out, p); });
    out += ",\"reordered\":" + std::to_string(r.reordered);
    out += ",\"reordered_explained\":" + std::to_string(r.reordered_explained);
    append_list(out, "first_reorderings", r.first_reorderings, [&](const Reordering& o) {
      out += "{\"record\":";
      append_position(out, o.record);
      out += ",\"after\":";
      append_position(out, o.after);
      out += ",\"explained\":";
      out += o.explained ? "true" : "false";
      out += '}';
    });
    out += '}';
  });
  out += '}';
  return out;
}

}  // namespace tidemark::consumer
