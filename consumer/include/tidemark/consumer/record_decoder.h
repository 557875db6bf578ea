// Turning a consumed Kafka record into an event: which serializer and which event type apply,
// and what is shown when the value is not an event or does not decode.
//
// The rules (docs/consuming.md, "Decoding"):
//  1. The format is the serializer whose content type the record's `content-type` header names
//     (tidemark's producer writes it); without that header, or with a content type no serializer
//     has, it is the fallback format (--format), if any.
//  2. The event type is the record's `tidemark-event-type` header; without it, the fallback
//     event type (--event).
//  3. With both, the value is decoded: an event (kEvent), or a decode error (kDecodeError, the
//     serializer's message plus where the format and type came from). A header that names an
//     unknown event type is a decode error too.
//  4. Without a format or without an event type the value is not an event (kRaw): other tools'
//     records are shown as they are. A null value is kNull, never an error.
// Nothing is dropped here: the caller writes every record, errors included.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tidemark/core/events.h"
#include "tidemark/core/status.h"
#include "tidemark/kafka/consumer.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::consumer {

struct DecodeOptions {
  const serializers::SerializerRegistry* registry = nullptr;  // required; not owned
  const serializers::Serializer* fallback_format = nullptr;   // --format; nullptr: none
  std::optional<core::EventType> fallback_event;              // --event
};

enum class ValueKind {
  kNull,         // the record's value is null (a tombstone)
  kEvent,        // decoded: `event`
  kRaw,          // not an event (no format or no event type): the bytes as they are
  kDecodeError,  // a format and an event type applied, but the bytes did not decode: `error`
};

// One record on its way to the output: the Kafka record and what its value is. Views are valid
// until the next record.
struct DecodedRecord {
  const kafka::ConsumedMessage* message = nullptr;
  ValueKind value_kind = ValueKind::kNull;
  const core::Event* event = nullptr;                   // kEvent
  core::EventType event_type = core::EventType::kLab;   // kEvent, kDecodeError
  const serializers::Serializer* serializer = nullptr;  // kEvent, kDecodeError
  std::string_view error;                               // kDecodeError
};

class RecordDecoder {
 public:
  explicit RecordDecoder(const DecodeOptions& options);

  // Decodes one record into `out` (which points into this decoder and `message` afterwards).
  // Never fails: a record that does not decode is kDecodeError.
  void decode(const kafka::ConsumedMessage& message, DecodedRecord& out);

 private:
  const serializers::Serializer* serializer_for(std::string_view content_type);

  DecodeOptions options_;
  // The last content type looked up and its serializer: records of one topic mostly share one.
  std::string last_content_type_;
  const serializers::Serializer* last_serializer_ = nullptr;
  bool last_valid_ = false;
  core::Event event_;
  std::string error_;
};

}  // namespace tidemark::consumer
