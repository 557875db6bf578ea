#include "tidemark/consumer/arrival_order.h"

#include <algorithm>
#include <optional>
#include <string>

namespace tidemark::consumer {

// A record that outlives the poll it came from: owned bytes, and views into them.
struct ArrivalOrderSink::Owned {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  struct Header {
    std::string name;
    std::string value;
    bool null = false;
  };
  std::vector<Header> header_data;
  std::vector<kafka::ConsumedHeader> headers;
  kafka::ConsumedMessage message;
  core::Event event;
  std::string error;
  DecodedRecord record;

  explicit Owned(const DecodedRecord& r) {
    const kafka::ConsumedMessage& m = *r.message;
    topic = std::string(m.topic);
    if (m.key) key = std::string(*m.key);
    if (m.value) value = std::string(*m.value);
    header_data.reserve(m.headers.size());
    for (const kafka::ConsumedHeader& h : m.headers) {
      header_data.push_back({std::string(h.name), std::string(h.value), h.value_is_null});
    }
    headers.reserve(header_data.size());
    for (const Header& h : header_data) headers.push_back({h.name, h.value, h.null});
    message.topic = topic;
    message.partition = m.partition;
    message.offset = m.offset;
    message.timestamp_ms = m.timestamp_ms;
    message.timestamp_type = m.timestamp_type;
    if (key) message.key = std::string_view(*key);
    if (value) message.value = std::string_view(*value);
    message.headers = headers;
    record.message = &message;
    record.value_kind = r.value_kind;
    record.event_type = r.event_type;
    record.serializer = r.serializer;
    if (r.value_kind == ValueKind::kEvent && r.event != nullptr) {
      event = *r.event;
      record.event = &event;
    }
    error = std::string(r.error);
    record.error = error;
  }
};

ArrivalOrderSink::ArrivalOrderSink(RecordSink& inner) : inner_(inner) {}

ArrivalOrderSink::~ArrivalOrderSink() = default;

ArrivalOrderSink::Lane& ArrivalOrderSink::lane(std::int32_t partition) {
  auto it = std::lower_bound(
      lanes_.begin(), lanes_.end(), partition,
      [](const std::unique_ptr<Lane>& l, std::int32_t p) { return l->partition < p; });
  if (it == lanes_.end() || (*it)->partition != partition) {
    auto l = std::make_unique<Lane>();
    l->partition = partition;
    it = lanes_.insert(it, std::move(l));
  }
  return **it;
}

void ArrivalOrderSink::on_assigned(std::span<const std::int32_t> partitions) {
  for (std::int32_t p : partitions) {
    Lane& l = lane(p);
    l.finished = false;
  }
  finished_passed_ = false;
  inner_.on_assigned(partitions);
}

core::Status ArrivalOrderSink::write(const DecodedRecord& record) {
  if (!error_.ok()) return error_;
  Lane& l = lane(record.message->partition);
  l.queue.push_back(std::make_unique<Owned>(record));
  ++waiting_;
  max_waiting_ = std::max(max_waiting_, waiting_);
  return release(false);
}

core::Status ArrivalOrderSink::release(bool all) {
  for (;;) {
    Lane* best = nullptr;
    for (const std::unique_ptr<Lane>& lp : lanes_) {
      Lane& l = *lp;
      if (l.queue.empty()) {
        if (!l.finished && !all) return error_;  // it may still bring an earlier record
        continue;
      }
      if (best == nullptr) {
        best = &l;
        continue;
      }
      const kafka::ConsumedMessage& a = l.queue.front()->message;
      const kafka::ConsumedMessage& b = best->queue.front()->message;
      if (a.timestamp_ms < b.timestamp_ms) best = &l;  // ties: the lower partition (lanes sorted)
    }
    if (best == nullptr) return error_;
    std::unique_ptr<Owned> next = std::move(best->queue.front());
    best->queue.pop_front();
    --waiting_;
    if (error_.ok()) {
      core::Status st = inner_.write(next->record);
      if (!st.ok()) error_ = st;
    }
    if (!error_.ok()) return error_;
  }
}

void ArrivalOrderSink::pass_on_finished() {
  if (finished_passed_) return;
  for (const std::unique_ptr<Lane>& l : lanes_) {
    if (!l->finished || !l->queue.empty()) return;
  }
  finished_passed_ = true;
  for (const std::unique_ptr<Lane>& l : lanes_) inner_.on_finished(l->partition);
}

void ArrivalOrderSink::on_finished(std::int32_t partition) {
  lane(partition).finished = true;
  (void)release(false);
  pass_on_finished();
}

core::Status ArrivalOrderSink::flush() {
  core::Status st = release(true);
  pass_on_finished();
  core::Status f = inner_.flush();
  return st.ok() ? f : st;
}

}  // namespace tidemark::consumer
