// tidemark events as the protoc- and thrift-generated classes, filled field by field through the
// generated setters. The reference the serializer tests compare bytes against, and what the
// Wire/<format>/<type> benchmarks serialize, so both use one conversion.
#pragma once

#include "tidemark/core/events.h"
#include "tidemark/schemas/events.pb.h"
#include "tidemark/schemas/events_types.h"

namespace tidemark::testing {

namespace pb = ::tidemark::events::v1;
namespace th = ::tidemark::events::v1::thrift_gen;

pb::LabEvent to_proto(const core::LabEvent& e);
pb::WebEvent to_proto(const core::WebEvent& e);
pb::TaxiTrip to_proto(const core::TaxiTrip& e);

th::LabEvent to_thrift(const core::LabEvent& e);
th::WebEvent to_thrift(const core::WebEvent& e);
th::TaxiTrip to_thrift(const core::TaxiTrip& e);

}  // namespace tidemark::testing
