// is_secret_key() against the librdkafka this binary links: every property the library itself
// treats as sensitive (shown as "[redacted]" in its own `debug=conf` dump) must be a secret for
// tidemark too, so a librdkafka upgrade that marks a new property sensitive fails here.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config_internal.h"  // kafka/src, for build_conf
#include "tidemark/kafka/config.h"

namespace {

std::mutex g_log_mutex;
std::vector<std::string>* g_log_lines = nullptr;

extern "C" void capture_log(const rd_kafka_t*, int, const char*, const char* line) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (g_log_lines != nullptr) g_log_lines->emplace_back(line);
}

// Every property name librdkafka knows: the first column of the table that
// rd_kafka_conf_properties_show() prints (CONFIGURATION.md is generated from it).
std::vector<std::string> all_property_names() {
  char* text = nullptr;
  std::size_t size = 0;
  std::FILE* out = ::open_memstream(&text, &size);
  if (out == nullptr) return {};
  rd_kafka_conf_properties_show(out);
  std::fclose(out);
  std::vector<std::string> names;
  std::istringstream in(std::string(text, size));
  std::free(text);
  for (std::string line; std::getline(in, line);) {
    const std::size_t bar = line.find('|');
    if (bar == std::string::npos) continue;
    std::string name = line.substr(0, bar);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (name.empty() || name.find(' ') != std::string::npos || name.find('-') == 0) continue;
    if (name == "Property") continue;
    names.push_back(name);
  }
  return names;
}

TEST(SecretKeys, CoverEveryPropertyLibrdkafkaRedacts) {
  // Properties whose probe value would make rd_kafka_new() fail (a keystore needs its password,
  // an assignment strategy must exist), or that load code; none is sensitive in librdkafka.
  const std::set<std::string> skip = {"plugin.library.paths",
                                      "partition.assignment.strategy",
                                      "ssl.keystore.location",
                                      "ssl.engine.location",
                                      "ssl.providers",
                                      "group.protocol.type",
                                      "debug"};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::vector<std::string> probed;
  for (const std::string& name : all_property_names()) {
    if (skip.count(name) > 0) continue;
    const std::string value = "probe-" + name;  // accepted by string properties only
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) ==
        RD_KAFKA_CONF_OK) {
      probed.push_back(name);
    }
  }
  ASSERT_GT(probed.size(), 20u);
  // The conf dump at creation (debug=conf) prints each non-default property, sensitive ones as
  // "[redacted]". No bootstrap server is reachable ("probe-..."), and none is needed.
  ASSERT_EQ(rd_kafka_conf_set(conf, "debug", "conf", errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  rd_kafka_conf_set_log_cb(conf, capture_log);
  std::vector<std::string> lines;
  {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    g_log_lines = &lines;
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  ASSERT_NE(rk, nullptr) << errstr;
  rd_kafka_destroy(rk);
  {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    g_log_lines = nullptr;
  }

  std::set<std::string> redacted;
  std::set<std::string> shown;
  for (const std::string& line : lines) {
    for (const std::string& name : probed) {
      if (line.find("  " + name + " = ") == std::string::npos) continue;
      (line.find("[redacted]") != std::string::npos ? redacted : shown).insert(name);
    }
  }
  // The probe saw the properties the CLI users set most; if this fails the dump format changed.
  EXPECT_TRUE(redacted.count("sasl.password") == 1) << "dump lines: " << lines.size();
  EXPECT_TRUE(shown.count("client.id") == 1);
  for (const std::string& name : redacted) {
    EXPECT_TRUE(tidemark::kafka::is_secret_key(name))
        << name << " is sensitive in librdkafka " << rd_kafka_version_str()
        << " but kafka::is_secret_key() would print it";
  }
}

tidemark::kafka::Config oauthbearer_config(const std::string& oauthbearer_config) {
  tidemark::kafka::Config config(tidemark::kafka::ClientRole::kConsumer);
  for (const std::string x : {"sasl.mechanism=OAUTHBEARER", "security.protocol=sasl_plaintext",
                              "enable.sasl.oauthbearer.unsecure.jwt=true"}) {
    EXPECT_TRUE(config.apply_x_option(x).ok()) << x;
  }
  EXPECT_TRUE(config.apply_x_option("sasl.oauthbearer.config=" + oauthbearer_config).ok());
  return config;
}

// librdkafka 2.0.2 quotes an unparsable sasl.oauthbearer.config in its token error and crashes
// once a broker answers; build_conf() tries it first and fails without the value.
TEST(SecretKeys, UnparsableUnsecuredJwtConfigFailsBeforeAnyClientWithoutQuotingIt) {
  for (const std::string bad : {"junk=planted-oauth-SECRET", "principal=a lifeSeconds=planted-x",
                                "lifeSeconds=60 scope=planted-oauth-SECRET"}) {
    const auto conf = tidemark::kafka::internal::build_conf(oauthbearer_config(bad));
    ASSERT_FALSE(conf.ok()) << bad;
    EXPECT_EQ(conf.status().code(), tidemark::core::StatusCode::kInvalidArgument);
    EXPECT_NE(conf.status().message().find("-X sasl.oauthbearer.config=[redacted]"),
              std::string::npos)
        << conf.status().message();
    EXPECT_EQ(conf.status().message().find("planted"), std::string::npos)
        << conf.status().message();
  }
  EXPECT_TRUE(tidemark::kafka::internal::build_conf(
                  oauthbearer_config("principal=admin scope=a,b lifeSeconds=600"))
                  .ok());
}

// librdkafka's own texts (log lines, error strings) pass through scrub_secrets: OpenSSL's
// "calling fopen(<ssl.key.location>, r)" must not show the key's path.
TEST(SecretKeys, LibrdkafkaTextsAreScrubbedOfEverySecretHandedToIt) {
  tidemark::kafka::Config config(tidemark::kafka::ClientRole::kProducer);
  ASSERT_TRUE(config.apply_x_option("ssl.key.location=/keys/planted-key-path.pem").ok());
  ASSERT_TRUE(config.apply_x_option("sasl.password=planted-pw").ok());
  ASSERT_TRUE(config.apply_x_option("sasl.username=ab").ok());  // too short to scrub safely
  ASSERT_TRUE(config.apply_x_option("client.id=planted-but-not-secret").ok());
  ASSERT_TRUE(tidemark::kafka::internal::build_conf(config).ok());
  const std::string text = tidemark::kafka::internal::trim_librdkafka_error(
      "calling fopen(/keys/planted-key-path.pem, r): planted-pw; client planted-but-not-secret "
      "tab\n");
  EXPECT_EQ(text, "calling fopen([redacted], r): [redacted]; client planted-but-not-secret tab");
}

}  // namespace
