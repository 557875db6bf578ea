// The librdkafka version tidemark runs with, for `tidemark --version` and the broker banner;
// kept here because only kafka/ may include librdkafka.
#pragma once

#include <string>

namespace tidemark::kafka {

// The linked librdkafka's version, e.g. "2.0.2" (rd_kafka_version_str()).
std::string librdkafka_version();

}  // namespace tidemark::kafka
