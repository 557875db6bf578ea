#include "tidemark/kafka/versions.h"

#include <librdkafka/rdkafka.h>

namespace tidemark::kafka {

std::string librdkafka_version() { return rd_kafka_version_str(); }

}  // namespace tidemark::kafka
