// Private to kafka/: turns a kafka::Config into the rd_kafka_conf_t that rd_kafka_new() takes.
// Only kafka/src/*.cc include this header (it includes librdkafka).
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"

namespace tidemark::kafka::internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const noexcept { rd_kafka_conf_destroy(conf); }
};
// Owns an rd_kafka_conf_t until release()d into rd_kafka_new(), which takes ownership only when
// it succeeds.
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct ConfigAccess {
  // A new librdkafka configuration with every effective setting of `config` applied, lowest
  // layer first, logging through log_scrubbed (its secrets are remembered for scrub_secrets).
  // Other callbacks (delivery reports, errors, rebalance) are the caller's to add.
  // Errors: kInvalidArgument if librdkafka rejects a setting after all (every setting was
  // checked when set, so this means a librdkafka-internal interaction), worded like set(); and
  // kInvalidArgument when sasl.mechanism=OAUTHBEARER with the built-in unsecured JWT handler
  // cannot parse sasl.oauthbearer.config (tried on a throwaway client without brokers: librdkafka
  // 2.0.2 would quote the secret value and later crash).
  static core::Result<ConfPtr> build_conf(const Config& config);
};

inline core::Result<ConfPtr> build_conf(const Config& config) {
  return ConfigAccess::build_conf(config);
}

// Strips trailing newlines and spaces from a librdkafka error buffer (some messages end in "\n")
// and scrubs it of secrets (scrub_secrets): use it for every text librdkafka hands back.
std::string trim_librdkafka_error(const char* errstr);

// `text` with every secret value a Config passed to build_conf() in this process (values of
// is_secret_key() keys, 3 characters or longer; each pair of sasl.oauthbearer.config too)
// replaced by "[redacted]". Thread-safe.
std::string scrub_secrets(std::string text);

// The log callback build_conf() installs: librdkafka's default stderr format, scrubbed. Clients
// that want silence replace it with their own.
void log_scrubbed(const rd_kafka_t* rk, int level, const char* fac, const char* buf);

}  // namespace tidemark::kafka::internal
