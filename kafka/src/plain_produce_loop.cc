#include "tidemark/kafka/plain_produce_loop.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <utility>

#include "config_internal.h"
#include "tidemark/kafka/embedded_broker.h"  // validate_topic_name
#include "tidemark/kafka/metadata.h"         // apply_bootstrap

namespace tidemark::kafka {

namespace {

using core::Result;
using core::Status;
using core::StatusCode;

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* rkt) const noexcept { rd_kafka_topic_destroy(rkt); }
};

// The delivery report callback's state (rd_kafka_conf_set_opaque).
struct Counts {
  PlainLoopResult* result;
  const LatencyObserver* on_latency;
};

void delivery_cb(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) noexcept {
  const Counts& counts = *static_cast<Counts*>(opaque);
  PlainLoopResult& r = *counts.result;
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++r.acked;
    if (*counts.on_latency) {
      try {
        (*counts.on_latency)(rd_kafka_message_latency(msg));
      } catch (...) {  // nothing may leave a librdkafka callback
      }
    }
  } else {
    ++r.failed;
    if (r.first_error.empty()) {
      try {
        r.first_error = rd_kafka_err2str(msg->err);
      } catch (...) {  // nothing may leave a librdkafka callback
      }
    }
  }
}

}  // namespace

Result<PlainLoopResult> run_plain_produce_loop(const Config& config, const std::string& bootstrap,
                                               std::string_view topic,
                                               std::span<const PlainRecord> records,
                                               int flush_timeout_ms,
                                               const LatencyObserver& on_latency) {
  TIDEMARK_RETURN_IF_ERROR(validate_topic_name(topic));
  Config effective = config;
  TIDEMARK_RETURN_IF_ERROR(apply_bootstrap(effective, bootstrap));
  Result<internal::ConfPtr> conf = internal::build_conf(effective);
  if (!conf.ok()) return conf.status();

  PlainLoopResult result;
  Counts counts{&result, &on_latency};
  rd_kafka_conf_set_opaque(conf->get(), &counts);
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &delivery_cb);

  char errstr[512] = "";
  std::unique_ptr<rd_kafka_t, HandleDeleter> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr));
  if (!rk) {
    return core::invalid_argument("cannot create the Kafka producer: " +
                                  internal::trim_librdkafka_error(errstr));
  }
  conf->release();  // rd_kafka_new() took ownership
  const std::string topic_name(topic);
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> rkt(
      rd_kafka_topic_new(rk.get(), topic_name.c_str(), nullptr));
  if (!rkt) {
    return Status(StatusCode::kKafka, "cannot produce to '" + topic_name +
                                          "': " + rd_kafka_err2str(rd_kafka_last_error()));
  }

  const auto start = std::chrono::steady_clock::now();
  for (const PlainRecord& r : records) {
    const void* key = r.key ? static_cast<const void*>(r.key->data()) : nullptr;
    const std::size_t key_size = r.key ? r.key->size() : 0;
    for (;;) {
      rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
      if (r.headers.empty() && r.timestamp_ms == 0) {
        if (rd_kafka_produce(rkt.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                             const_cast<char*>(r.value.data()), r.value.size(), key, key_size,
                             nullptr) == -1) {
          err = rd_kafka_last_error();
        }
      } else {
        rd_kafka_headers_t* headers = nullptr;
        if (!r.headers.empty()) {
          headers = rd_kafka_headers_new(r.headers.size());
          for (const RecordHeader& h : r.headers) {
            rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()),
                                h.value.data(), static_cast<ssize_t>(h.value.size()));
          }
        }
        err = rd_kafka_producev(
            rk.get(), RD_KAFKA_V_RKT(rkt.get()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key_size),
            RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
            RD_KAFKA_V_TIMESTAMP(r.timestamp_ms), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR && headers != nullptr) {
          rd_kafka_headers_destroy(headers);  // not taken over on failure
        }
      }
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        return Status(StatusCode::kKafka,
                      "cannot produce to '" + topic_name + "': " + rd_kafka_err2str(err));
      }
      rd_kafka_poll(rk.get(), 100);  // backpressure: wait for delivery reports to make room
    }
    ++result.sent;
    result.bytes += r.value.size();
    rd_kafka_poll(rk.get(), 0);
  }
  const rd_kafka_resp_err_t flushed = rd_kafka_flush(rk.get(), flush_timeout_ms);
  result.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status(StatusCode::kTimeout, std::to_string(rd_kafka_outq_len(rk.get())) +
                                            " record(s) still in flight after " +
                                            std::to_string(flush_timeout_ms) + " ms");
  }
  return result;
}

}  // namespace tidemark::kafka
