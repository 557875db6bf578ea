// A deliberate data race, built and run only in the ThreadSanitizer build (tests/CMakeLists.txt):
// it proves that tests/tsan/tsan.supp, which silences librdkafka's own reports, still lets TSan
// report a race in code of ours that librdkafka calls on one of its threads, the way it calls
// tidemark's callbacks. The test passes when TSan reports the race in log_cb below.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace {

long lines_logged = 0;  // written by librdkafka's threads, read by main: racy on purpose

void log_cb(const rd_kafka_t*, int, const char*, const char*) { ++lines_logged; }

}  // namespace

int main() {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  // Nothing listens on port 1: the broker thread keeps failing to connect and logging it.
  rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "debug", "broker,metadata", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "reconnect.backoff.ms", "10", errstr, sizeof errstr);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 2;
  }
  long seen = 0;
  for (int i = 0; i < 50; ++i) {
    seen += lines_logged;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  rd_kafka_destroy(rk);
  std::printf("log lines seen: %ld\n", seen);
  return 0;
}
