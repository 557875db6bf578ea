// Versions of the serialization libraries tidemark was built with, for `tidemark --version` and
// the configuration block of benchmark results.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tidemark::serializers {

// (library, version) pairs: protobuf, thrift, simdjson, nlohmann_json.
std::vector<std::pair<std::string, std::string>> library_versions();

// (library, version) pairs of the batch compression libraries (compression.h): lz4, zstd,
// snappy, zlib (gzip).
std::vector<std::pair<std::string, std::string>> compression_library_versions();

}  // namespace tidemark::serializers
