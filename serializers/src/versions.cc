#include "tidemark/serializers/versions.h"

#include <google/protobuf/stubs/common.h>
#include <lz4.h>
#include <simdjson.h>
#include <snappy-stubs-public.h>
#include <zlib.h>
#include <zstd.h>
#include <thrift/config.h>

#include <nlohmann/json.hpp>

namespace tidemark::serializers {

std::vector<std::pair<std::string, std::string>> library_versions() {
  return {
      {"protobuf", google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION)},
      {"thrift", PACKAGE_VERSION},
      {"simdjson", std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." +
                       std::to_string(simdjson::SIMDJSON_VERSION_MINOR) + "." +
                       std::to_string(simdjson::SIMDJSON_VERSION_REVISION)},
      {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
  };
}

std::vector<std::pair<std::string, std::string>> compression_library_versions() {
  return {
      {"lz4", LZ4_versionString()},
      {"zstd", ZSTD_versionString()},
      {"snappy", std::to_string(SNAPPY_MAJOR) + "." + std::to_string(SNAPPY_MINOR) + "." +
                     std::to_string(SNAPPY_PATCHLEVEL)},
      {"zlib", zlibVersion()},
  };
}

}  // namespace tidemark::serializers
