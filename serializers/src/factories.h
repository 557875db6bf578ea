// Factory functions of the built-in formats, one per .cc; make_builtin_registry() calls them.
#pragma once

#include <memory>

#include "tidemark/serializers/serializer.h"

namespace tidemark::serializers {

std::unique_ptr<Serializer> make_json_serializer();           // json.cc
std::unique_ptr<Serializer> make_json_nlohmann_serializer();  // json_nlohmann.cc
std::unique_ptr<Serializer> make_protobuf_serializer();       // protobuf.cc
std::unique_ptr<Serializer> make_thrift_binary_serializer();  // thrift.cc
std::unique_ptr<Serializer> make_thrift_compact_serializer(); // thrift.cc

}  // namespace tidemark::serializers
