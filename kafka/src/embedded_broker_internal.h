// Private to kafka/ (and to tests that are built with kafka/src on their include path): the
// librdkafka pieces behind an EmbeddedBroker, for what EmbeddedBroker's own fault API
// (set_broker_down, push_request_errors, ...) does not cover in rdkafka_mock.h.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "tidemark/kafka/embedded_broker.h"

namespace tidemark::kafka::internal {

struct EmbeddedBrokerAccess {
  // The mock cluster; owned by the broker and valid for its lifetime. The rdkafka_mock.h
  // functions that take it are thread-safe (they post to the cluster's own thread).
  static rd_kafka_mock_cluster_t* mock_cluster(const EmbeddedBroker& broker) noexcept;

  // The rd_kafka_t that hosts the cluster (a quiet producer handle nobody produces with).
  static rd_kafka_t* host_handle(const EmbeddedBroker& broker) noexcept;
};

inline rd_kafka_mock_cluster_t* mock_cluster(const EmbeddedBroker& broker) noexcept {
  return EmbeddedBrokerAccess::mock_cluster(broker);
}

}  // namespace tidemark::kafka::internal
