#include "tidemark/perf/machine.h"

#include <fstream>
#include <thread>

#include "tidemark/kafka/versions.h"
#include "tidemark/serializers/versions.h"

namespace tidemark::perf {

namespace {

std::string read_cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::size_t begin = line.find_first_not_of(" \t", colon + 1);
    return begin == std::string::npos ? "unknown" : line.substr(begin);
  }
  return "unknown";
}

std::string compiler_name() {
#if defined(__clang__)
  return "Clang " __clang_version__;
#elif defined(__GNUC__)
  return "GCC " __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace

MachineInfo describe_machine() {
  MachineInfo m;
  m.cpu_model = read_cpu_model();
  m.cpus = std::thread::hardware_concurrency();
  m.compiler = compiler_name();
  m.build_type = TIDEMARK_BUILD_TYPE;
  m.libraries.emplace_back("librdkafka", kafka::librdkafka_version());
  for (auto& v : serializers::library_versions()) m.libraries.push_back(std::move(v));
  for (auto& v : serializers::compression_library_versions()) m.libraries.push_back(std::move(v));
  return m;
}

}  // namespace tidemark::perf
