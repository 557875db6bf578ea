// consumer::SequenceVerifier: proves that a stream produced by `tidemark produce` arrived whole.
// It is fed, record by record in the order a consumer reads them, each record's producer
// instance, `tidemark-seq`, partition and offset, and reports per instance what is missing,
// duplicated or reordered, with counts and the first offenders. Pure: no Kafka here
// (`tidemark verify` and the reliability harnesses feed it).
//
// What a stream is (docs/producing.md): `tidemark-seq` is the event's index in the whole
// (global) stream. With `--instance i/N` an instance emits the seqs i, i+N, i+2N, ... and its
// records carry `tidemark-instance: i/N`; records without that header are instance 0/1, whose
// seqs are 0, 1, 2, .... Each (i, N) is checked on its own.
//
// What "missing" means:
//  * With the stream's event count known (`count`, the -c given to produce): every seq below
//    `count` must appear exactly once, in every instance i of each N seen (an instance of which
//    no record was read is reported with all of its seqs missing), and a seq >= count is
//    "beyond the count" (a failure: another run, or the wrong -c).
//  * Without it (an unbounded run, or one interrupted by Ctrl-C): a run emits an instance's
//    seqs in increasing order except for what disorder holds back, so an instance whose largest
//    seq read is M must have every one of its seqs up to M; seqs after M cannot be checked (a
//    lost tail looks like a shorter run). The report says which range was checked.
//    Interrupting a run with disorder leaves the held-back events unsent: they show up as
//    missing, because they are (docs/reliability.md).
// Missing seqs are reported as ranges (first..last of that instance, ascending).
//
// A duplicate is a record whose (instance, seq) was read before. Reordering is a record whose
// seq is smaller than a seq of the same instance read earlier in the same partition; it is
// reported but is not a failure. It is "explained" when the record carries
// `tidemark-delay-ms` (the producer's disorder model held events back on purpose); an idempotent
// producer otherwise keeps each partition in send order, so unexplained reordering points at a
// non-idempotent writer or a pipeline that reorders. A duplicate is not also counted as
// reordered.
//
// Records without `tidemark-seq` are not tidemark's and are only counted. A `tidemark-seq` that
// is not a decimal number, a `tidemark-instance` that is not "i/N", or a seq that instance i
// does not own (seq mod N != i) make the record malformed: counted and shown, not verified.
//
// Memory: one bit per seq in the checked range of each instance, in 8 KiB chunks allocated on
// first use (so a stray huge seq costs one chunk, not the whole range), plus a few words per
// (instance, partition). Not thread-safe; one reader feeds it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tidemark/core/status.h"

namespace tidemark::consumer {

// A producer instance: `--instance index/count`.
struct ProducerInstance {
  std::uint32_t index = 0;
  std::uint32_t count = 1;

  bool owns(std::uint64_t seq) const noexcept { return seq % count == index; }
  // "i/N".
  std::string to_string() const;
  friend auto operator<=>(const ProducerInstance&, const ProducerInstance&) = default;
};

// Parses a `tidemark-instance` value "i/N" (decimal, 0 <= i < N, no signs or spaces).
// Errors: kMalformed quoting the text.
core::Result<ProducerInstance> parse_producer_instance(std::string_view text);

// Where a record was read, and its seq.
struct SeqPosition {
  std::uint64_t seq = 0;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

// seqs first, first+N, ..., last of one instance (inclusive); `count` of them.
struct SeqRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t count = 0;
};

// `record` was read after `after` in the same partition although its seq is smaller.
struct Reordering {
  SeqPosition record;
  SeqPosition after;
  bool explained = false;  // the record carries tidemark-delay-ms
};

struct MalformedRecord {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::string reason;  // e.g. "tidemark-seq 'x1' is not a decimal number"
};

struct InstanceReport {
  ProducerInstance instance;
  std::uint64_t records = 0;   // records of this instance read (duplicates included)
  std::uint64_t distinct = 0;  // distinct seqs among them (beyond-count ones excluded)
  // The largest seq read and where; none when no record of this instance was read.
  std::optional<SeqPosition> max;
  // The checked range: seqs of this instance in [0, checked_through]; `expected` of them.
  // Nothing is checked (expected 0) for an instance that has no seq in the range.
  bool bounded_by_count = false;  // checked_through is count-1 (else the largest seq read)
  std::uint64_t checked_through = 0;
  std::uint64_t expected = 0;
  std::uint64_t missing = 0;                  // seqs in the checked range never read
  std::uint64_t missing_range_count = 0;      // maximal runs of consecutive missing seqs
  std::vector<SeqRange> missing_ranges;       // the first ones, ascending
  std::uint64_t duplicates = 0;               // records whose seq was read before
  std::vector<SeqPosition> first_duplicates;  // where the repeats were read
  std::uint64_t beyond_count = 0;             // seqs >= count
  std::vector<SeqPosition> first_beyond_count;
  std::uint64_t reordered = 0;
  std::uint64_t reordered_explained = 0;  // of those, explained by the producer's disorder
  std::vector<Reordering> first_reorderings;

  // Nothing missing, duplicated or beyond the count.
  bool ok() const noexcept { return missing == 0 && duplicates == 0 && beyond_count == 0; }
};

struct SequenceReport {
  std::uint64_t records = 0;      // every record fed
  std::uint64_t without_seq = 0;  // no tidemark-seq header: not tidemark's, ignored
  std::uint64_t malformed = 0;
  std::vector<MalformedRecord> first_malformed;
  std::optional<std::uint64_t> count;     // the stream's event count, when given
  std::vector<InstanceReport> instances;  // ascending by (index, count)

  std::uint64_t missing() const noexcept;
  std::uint64_t duplicates() const noexcept;
  std::uint64_t beyond_count() const noexcept;
  std::uint64_t reordered() const noexcept;
  // Records that were verified (with a valid seq): the sum of the instances' records.
  std::uint64_t verified() const noexcept;
  // At least one instance was checked and nothing is missing, duplicated or beyond the count.
  // An empty report (no tidemark record and no count) is not ok: it proves nothing.
  bool ok() const noexcept;
  // The whole report as one JSON object (no line break): counts, checked ranges and the first
  // offenders with partition and offset.
  std::string to_json() const;
};

struct SequenceVerifierOptions {
  std::optional<std::uint64_t> count;  // events in the whole stream (produce's -c), if known
  std::size_t max_offenders = 10;      // per list in the report
};

class SequenceVerifier {
 public:
  explicit SequenceVerifier(SequenceVerifierOptions options = {});
  ~SequenceVerifier();
  SequenceVerifier(SequenceVerifier&&) noexcept;
  SequenceVerifier& operator=(SequenceVerifier&&) noexcept;

  // One record with a known instance and seq. `disorder`: the record carries
  // tidemark-delay-ms. Precondition: instance.count >= 1 and instance.owns(seq) (add_record
  // checks both).
  void add(ProducerInstance instance, std::uint64_t seq, std::int32_t partition,
           std::int64_t offset, bool disorder);

  // One record as read: the values of its tidemark-seq and tidemark-instance headers (nullopt
  // when absent) and whether it has tidemark-delay-ms. Counts records without a seq and
  // malformed ones.
  void add_record(std::optional<std::string_view> seq_header,
                  std::optional<std::string_view> instance_header, bool has_delay_header,
                  std::int32_t partition, std::int64_t offset);

  // The report for everything fed so far (the verifier can go on being fed afterwards).
  SequenceReport report() const;

 private:
  struct Stream;
  Stream& stream_for(ProducerInstance instance);

  SequenceVerifierOptions options_;
  std::uint64_t records_ = 0;
  std::uint64_t without_seq_ = 0;
  std::uint64_t malformed_ = 0;
  std::vector<MalformedRecord> first_malformed_;
  std::map<ProducerInstance, std::unique_ptr<Stream>> streams_;
  Stream* last_stream_ = nullptr;
  ProducerInstance last_instance_;
};

}  // namespace tidemark::consumer
