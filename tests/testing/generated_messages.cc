#include "tidemark/testing/generated_messages.h"

namespace tidemark::testing {

pb::LabEvent to_proto(const core::LabEvent& e) {
  pb::LabEvent m;
  m.set_test_data(e.test_data);
  m.set_event_timestamp(e.event_timestamp);
  return m;
}

pb::WebEvent to_proto(const core::WebEvent& e) {
  pb::WebEvent m;
  m.set_url(e.url);
  m.set_referrer(e.referrer);
  m.set_user_agent(e.user_agent);
  m.set_host(e.host);
  m.set_ip(e.ip);
  m.mutable_geodata()->set_country(e.geodata.country);
  m.mutable_geodata()->set_state(e.geodata.state);
  m.mutable_geodata()->set_city(e.geodata.city);
  m.set_event_time(e.event_time);
  return m;
}

pb::TaxiTrip to_proto(const core::TaxiTrip& e) {
  pb::TaxiTrip m;
  m.set_lpep_pickup_datetime(e.lpep_pickup_datetime);
  m.set_lpep_dropoff_datetime(e.lpep_dropoff_datetime);
  m.set_pulocationid(e.pu_location_id);
  m.set_dolocationid(e.do_location_id);
  if (e.passenger_count) m.set_passenger_count(*e.passenger_count);
  m.set_trip_distance(e.trip_distance);
  m.set_tip_amount(e.tip_amount);
  return m;
}

th::LabEvent to_thrift(const core::LabEvent& e) {
  th::LabEvent m;
  m.__set_test_data(e.test_data);
  m.__set_event_timestamp(e.event_timestamp);
  return m;
}

th::WebEvent to_thrift(const core::WebEvent& e) {
  th::WebEvent m;
  m.__set_url(e.url);
  m.__set_referrer(e.referrer);
  m.__set_user_agent(e.user_agent);
  m.__set_host(e.host);
  m.__set_ip(e.ip);
  th::GeoData g;
  g.__set_country(e.geodata.country);
  g.__set_state(e.geodata.state);
  g.__set_city(e.geodata.city);
  m.__set_geodata(g);
  m.__set_event_time(e.event_time);
  return m;
}

th::TaxiTrip to_thrift(const core::TaxiTrip& e) {
  th::TaxiTrip m;
  m.__set_lpep_pickup_datetime(e.lpep_pickup_datetime);
  m.__set_lpep_dropoff_datetime(e.lpep_dropoff_datetime);
  m.__set_PULocationID(e.pu_location_id);
  m.__set_DOLocationID(e.do_location_id);
  if (e.passenger_count) m.__set_passenger_count(*e.passenger_count);
  m.__set_trip_distance(e.trip_distance);
  m.__set_tip_amount(e.tip_amount);
  return m;
}

}  // namespace tidemark::testing
