// The JSON Schema files in schemas/json/ describe exactly what the json format writes: the same
// names in the same order as the field tables, the same types, and every corpus event's encoding
// validates against them.
#include <gtest/gtest.h>

// GCC 12's <regex> trips its own -Wmaybe-uninitialized (a known false positive in libstdc++).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tidemark/serializers/serializer_registry.h"
#include "tidemark/testing/corpus.h"

namespace tidemark::serializers {
namespace {

using core::EventType;
using core::FieldInfo;
using core::FieldType;
using core::JsonTime;
using ordered = nlohmann::ordered_json;

ordered load_schema(EventType type) {
  const std::string path = std::string(TIDEMARK_SCHEMAS_DIR) + "/json/" +
                           std::string(core::event_type_name(type)) + ".schema.json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream text;
  text << in.rdbuf();
  return ordered::parse(text.str());
}

std::string expected_json_type(const FieldInfo& field) {
  switch (field.type) {
    case FieldType::kInt32:
    case FieldType::kInt64: return "integer";
    case FieldType::kDouble: return "number";
    case FieldType::kString: return "string";
    case FieldType::kStruct: return "object";
    case FieldType::kTime: return field.json_time == JsonTime::kEpochMillis ? "integer" : "string";
  }
  return "?";
}

void expect_properties_match(const ordered& schema, std::span<const FieldInfo> fields,
                             const std::string& where) {
  ASSERT_EQ(schema["type"], "object") << where;
  const ordered& props = schema["properties"];
  ASSERT_EQ(props.size(), fields.size()) << where;
  std::size_t i = 0;
  for (const auto& [name, prop] : props.items()) {
    const FieldInfo& field = fields[i++];
    EXPECT_EQ(name, field.name) << where << ": property order or name differs from the field table";
    if (field.nullable) {
      EXPECT_EQ(prop["type"], ordered::array({expected_json_type(field), "null"})) << name;
    } else {
      EXPECT_EQ(prop["type"], expected_json_type(field)) << name;
    }
    if (field.type == FieldType::kInt32) {
      EXPECT_EQ(prop["minimum"], std::numeric_limits<std::int32_t>::min()) << name;
      EXPECT_EQ(prop["maximum"], std::numeric_limits<std::int32_t>::max()) << name;
    }
    if (field.type == FieldType::kStruct) {
      expect_properties_match(prop, core::kGeoDataFields, where + "." + name);
    }
  }
  std::vector<std::string> required;
  for (const auto& f : fields) required.emplace_back(f.name);
  EXPECT_EQ(schema["required"].get<std::vector<std::string>>(), required) << where;
}

// A validator for the subset of JSON Schema these files use.
void expect_valid(const nlohmann::json& value, const ordered& schema, const std::string& where) {
  const ordered& type = schema["type"];
  auto type_ok = [&](const std::string& t) {
    if (t == "null") return value.is_null();
    if (t == "integer") return value.is_number_integer();
    if (t == "number") return value.is_number();
    if (t == "string") return value.is_string();
    if (t == "object") return value.is_object();
    return false;
  };
  bool ok = false;
  if (type.is_array()) {
    for (const auto& t : type) ok = ok || type_ok(t.get<std::string>());
  } else {
    ok = type_ok(type.get<std::string>());
  }
  ASSERT_TRUE(ok) << where << ": " << value.dump() << " is not " << type.dump();
  if (schema.contains("minimum") && value.is_number()) {
    EXPECT_GE(value.get<double>(), schema["minimum"].get<double>()) << where;
    EXPECT_LE(value.get<double>(), schema["maximum"].get<double>()) << where;
  }
  if (schema.contains("pattern") && value.is_string()) {
    EXPECT_TRUE(std::regex_search(value.get<std::string>(),
                                  std::regex(schema["pattern"].get<std::string>())))
        << where << ": " << value.dump();
  }
  if (value.is_object()) {
    for (const auto& name : schema["required"]) {
      EXPECT_TRUE(value.contains(name.get<std::string>())) << where << " lacks " << name;
    }
    for (const auto& [name, sub] : schema["properties"].items()) {
      if (value.contains(name)) expect_valid(value[name], sub, where + "." + name);
    }
  }
}

TEST(JsonSchema, PropertiesFollowTheFieldTables) {
  for (EventType type : core::kAllEventTypes) {
    expect_properties_match(load_schema(type), core::fields_of(type),
                            std::string(core::event_type_name(type)));
  }
}

TEST(JsonSchema, EveryCorpusEventAsWrittenByEachJsonFormatValidates) {
  const SerializerRegistry registry = make_builtin_registry();
  std::string bytes;
  for (const char* format : {"json", "json-nlohmann"}) {
    const Serializer& s = *registry.find(format);
    for (EventType type : core::kAllEventTypes) {
      const ordered schema = load_schema(type);
      for (const core::Event& event : testing::corpus(type, 1, 30)) {
        ASSERT_TRUE(s.encode(event, bytes).ok());
        expect_valid(nlohmann::json::parse(bytes), schema, std::string(format) + " " + bytes);
      }
    }
  }
}

}  // namespace
}  // namespace tidemark::serializers
