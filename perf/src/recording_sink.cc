#include "tidemark/perf/recording_sink.h"

namespace tidemark::perf {

RecordingSink::Span RecordingSink::append(std::string_view bytes) {
  Span s{arena_.size(), bytes.size()};
  arena_.append(bytes);
  return s;
}

core::Status RecordingSink::send(const kafka::OutgoingRecord& record, const core::Event&) {
  Entry e;
  if (record.key) {
    e.has_key = true;
    e.key = append(*record.key);
  }
  e.value = append(record.value);
  e.first_header = header_spans_.size();
  e.header_count = record.headers.size();
  for (const kafka::RecordHeader& h : record.headers) {
    const Span name = append(h.name);
    header_spans_.emplace_back(name, append(h.value));
  }
  e.timestamp_ms = record.timestamp_ms;
  entries_.push_back(e);
  kafka::DeliveryReport report;
  report.opaque = record.opaque;
  report.topic = record.topic;
  report.timestamp_ms = record.timestamp_ms;
  if (on_delivery_) on_delivery_(report);
  return {};
}

core::Status RecordingSink::finish(bool) { return {}; }

RecordedRecords RecordingSink::records(bool payloads_only) const {
  RecordedRecords out;
  const std::string_view arena(arena_);
  auto view = [&arena](const Span& s) { return arena.substr(s.offset, s.size); };
  if (!payloads_only) {
    out.headers.reserve(header_spans_.size());
    for (const auto& [name, value] : header_spans_)
      out.headers.push_back({view(name), view(value)});
  }
  out.records.reserve(entries_.size());
  for (const Entry& e : entries_) {
    kafka::PlainRecord r;
    if (e.has_key) r.key = view(e.key);
    r.value = view(e.value);
    if (!payloads_only) {
      r.headers =
          std::span<const kafka::RecordHeader>(out.headers).subspan(e.first_header, e.header_count);
      r.timestamp_ms = e.timestamp_ms;
    }
    out.records.push_back(r);
  }
  return out;
}

}  // namespace tidemark::perf
