#include "tidemark/consumer/record_decoder.h"

#include <utility>

namespace tidemark::consumer {

RecordDecoder::RecordDecoder(const DecodeOptions& options) : options_(options) {}

const serializers::Serializer* RecordDecoder::serializer_for(std::string_view content_type) {
  if (last_valid_ && content_type == last_content_type_) return last_serializer_;
  last_content_type_.assign(content_type);
  last_serializer_ = options_.registry->find_by_content_type(content_type);
  last_valid_ = true;
  return last_serializer_;
}

void RecordDecoder::decode(const kafka::ConsumedMessage& message, DecodedRecord& out) {
  out.message = &message;
  out.event = nullptr;
  out.serializer = nullptr;
  out.error = {};
  if (!message.value) {
    out.value_kind = ValueKind::kNull;
    return;
  }

  // The last header of each name counts, as with Kafka's Headers.lastHeader(); tidemark writes
  // each once.
  const kafka::ConsumedHeader* content_type = nullptr;
  const kafka::ConsumedHeader* event_type = nullptr;
  for (const kafka::ConsumedHeader& h : message.headers) {
    if (h.value_is_null) continue;
    if (h.name == serializers::kContentTypeHeader) content_type = &h;
    if (h.name == serializers::kEventTypeHeader) event_type = &h;
  }

  const serializers::Serializer* serializer = nullptr;
  if (content_type != nullptr) serializer = serializer_for(content_type->value);
  const bool format_from_header = serializer != nullptr;
  if (serializer == nullptr) serializer = options_.fallback_format;

  std::optional<core::EventType> type;
  if (event_type != nullptr) {
    core::Result<core::EventType> parsed = core::parse_event_type(event_type->value);
    if (!parsed.ok()) {
      error_ =
          "header " + std::string(serializers::kEventTypeHeader) + ": " + parsed.status().message();
      out.value_kind = ValueKind::kDecodeError;
      out.serializer = serializer;
      out.error = error_;
      return;
    }
    type = *parsed;
  } else {
    type = options_.fallback_event;
  }

  if (serializer == nullptr || !type) {
    out.value_kind = ValueKind::kRaw;
    return;
  }
  out.serializer = serializer;
  out.event_type = *type;
  // Into the event kept from the previous record: formats that can reuse its storage (json
  // keeps its strings' capacity) allocate nothing per record.
  const core::Status decoded = serializer->decode_into(*message.value, *type, event_);
  if (decoded.ok()) {
    out.event = &event_;
    out.value_kind = ValueKind::kEvent;
    return;
  }
  // Say where the format and the type came from: a wrong --format is the usual cause.
  error_.clear();
  error_ += serializer->name();
  error_ += format_from_header ? " (content-type header)" : " (--format)";
  error_ += ' ';
  error_ += core::event_type_name(*type);
  error_ += event_type != nullptr ? " (tidemark-event-type header)" : " (--event)";
  error_ += ": ";
  error_ += decoded.message();
  out.value_kind = ValueKind::kDecodeError;
  out.error = error_;
}

}  // namespace tidemark::consumer
