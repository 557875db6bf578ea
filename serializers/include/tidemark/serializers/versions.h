// Versions of the serialization libraries tidemark was built with, for `tidemark --version` and
// the configuration block of benchmark results.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tidemark::serializers {

// (library, version) pairs: protobuf, thrift, simdjson, nlohmann_json.
std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace tidemark::serializers
