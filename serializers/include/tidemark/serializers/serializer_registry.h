// SerializerRegistry: the formats a process knows, looked up by --format name or by the
// content-type header of a record. A plain value built explicitly (make_builtin_registry() in
// main, or any set in tests); no static self-registration and no global.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"
#include "tidemark/serializers/serializer.h"

namespace tidemark::serializers {

// Header names tidemark writes on every record.
inline constexpr std::string_view kContentTypeHeader = "content-type";
inline constexpr std::string_view kEventTypeHeader = "tidemark-event-type";
// The producer's sequence headers (docs/producing.md): the event's index in the whole stream,
// the producer instance "i/N" (written only when N > 1; absent means 0/1), and, when disorder is
// on, how far the event time is behind the largest one emitted before it. `tidemark verify`
// reads them.
inline constexpr std::string_view kSeqHeader = "tidemark-seq";
inline constexpr std::string_view kInstanceHeader = "tidemark-instance";
inline constexpr std::string_view kDelayHeader = "tidemark-delay-ms";

class SerializerRegistry {
 public:
  SerializerRegistry() = default;
  SerializerRegistry(SerializerRegistry&&) noexcept = default;
  SerializerRegistry& operator=(SerializerRegistry&&) noexcept = default;

  // Adds a format. Errors: kInvalidArgument if a format with the same name is registered.
  // Several formats may share a content type; lookups by content type return the first added.
  core::Status add(std::unique_ptr<Serializer> serializer);

  // nullptr when unknown. The pointers stay valid as long as the registry.
  const Serializer* find(std::string_view name) const noexcept;
  const Serializer* find_by_content_type(std::string_view content_type) const noexcept;

  // Like find(), with an error that names the text and lists the known formats.
  core::Result<const Serializer*> get(std::string_view name) const;

  // In registration order.
  const std::vector<std::unique_ptr<Serializer>>& all() const noexcept { return serializers_; }
  std::vector<std::string_view> names() const;

 private:
  std::vector<std::unique_ptr<Serializer>> serializers_;
};

// The built-in formats, in this order: json, json-nlohmann, protobuf, thrift-binary,
// thrift-compact (so application/json decodes with `json`).
SerializerRegistry make_builtin_registry();

}  // namespace tidemark::serializers
