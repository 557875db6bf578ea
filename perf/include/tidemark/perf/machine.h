// What a benchmark result must say about where it was measured: CPU, compiler, build type and
// the versions of every library on the measured path.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tidemark::perf {

struct MachineInfo {
  std::string cpu_model;   // /proc/cpuinfo's first "model name" ("unknown" if unreadable)
  unsigned cpus = 0;       // std::thread::hardware_concurrency()
  std::string compiler;    // e.g. "GCC 12.2.0"
  std::string build_type;  // CMAKE_BUILD_TYPE of this build
  // (library, version): librdkafka, the serialization libraries, the compression libraries.
  std::vector<std::pair<std::string, std::string>> libraries;
};

MachineInfo describe_machine();

}  // namespace tidemark::perf
