// The "machine" object of the benchmarks' JSON results (bench serializers, bench kafka).
#pragma once

#include <nlohmann/json.hpp>

#include "tidemark/perf/machine.h"

namespace tidemark::perf {

inline nlohmann::json machine_json(const MachineInfo& m) {
  nlohmann::json libraries = nlohmann::json::object();
  for (const auto& [name, version] : m.libraries) libraries[name] = version;
  return {{"cpu_model", m.cpu_model},
          {"cpus", m.cpus},
          {"compiler", m.compiler},
          {"build_type", m.build_type},
          {"libraries", libraries}};
}

}  // namespace tidemark::perf
