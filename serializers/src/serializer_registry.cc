#include "tidemark/serializers/serializer_registry.h"

#include "factories.h"

namespace tidemark::serializers {

core::Status SerializerRegistry::add(std::unique_ptr<Serializer> serializer) {
  if (!serializer) return core::invalid_argument("cannot register a null serializer");
  if (find(serializer->name()) != nullptr) {
    return core::invalid_argument("format '" + std::string(serializer->name()) +
                                  "' is already registered");
  }
  serializers_.push_back(std::move(serializer));
  return {};
}

const Serializer* SerializerRegistry::find(std::string_view name) const noexcept {
  for (const auto& s : serializers_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

const Serializer* SerializerRegistry::find_by_content_type(
    std::string_view content_type) const noexcept {
  // Media types may carry parameters ("application/json; charset=utf-8"): compare the type only.
  const auto semicolon = content_type.find(';');
  if (semicolon != std::string_view::npos) content_type = content_type.substr(0, semicolon);
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  for (const auto& s : serializers_) {
    if (s->content_type() == content_type) return s.get();
  }
  return nullptr;
}

core::Result<const Serializer*> SerializerRegistry::get(std::string_view name) const {
  if (const Serializer* s = find(name)) return s;
  std::string known;
  for (const auto& s : serializers_) {
    if (!known.empty()) known += ", ";
    known += s->name();
  }
  return core::invalid_argument("unknown format '" + std::string(name) + "' (valid: " + known + ")");
}

std::vector<std::string_view> SerializerRegistry::names() const {
  std::vector<std::string_view> out;
  out.reserve(serializers_.size());
  for (const auto& s : serializers_) out.push_back(s->name());
  return out;
}

SerializerRegistry make_builtin_registry() {
  SerializerRegistry registry;
  // One line per format. add() only fails on a duplicate name, which would be a bug here.
  (void)registry.add(make_json_serializer());
  (void)registry.add(make_json_nlohmann_serializer());
  (void)registry.add(make_protobuf_serializer());
  (void)registry.add(make_thrift_binary_serializer());
  (void)registry.add(make_thrift_compact_serializer());
  return registry;
}

}  // namespace tidemark::serializers
