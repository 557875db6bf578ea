// kafka::Config: librdkafka properties for one client, written once (DESIGN.md, "Kafka
// configuration, written once").
//
// Three layers, lowest first: built-in defaults for the client's role < a Java-style properties
// file (`-F file`) < `-X key=value` overrides. A higher layer wins whatever order the calls come
// in. Every set() is checked at once by librdkafka itself (rd_kafka_conf_set on a scratch
// configuration), so a bad key or value fails where the user typed it, with librdkafka's own
// words plus the key and where it came from ("-X", "client.properties:12"). librdkafka's
// properties are deliberately not mirrored as C++ setters: only keys and strings pass through.
//
// Secrets (sasl.password, ssl.key.password, ssl.key.pem, ...; see is_secret_key) are stored as
// given, because librdkafka needs them, but every description shows "[redacted]" and no error
// message ever contains a secret value.
//
// The Producer and Consumer wrappers turn a Config into an rd_kafka_conf_t through a private
// accessor (kafka/src/config_internal.h); nothing here includes librdkafka.
//
// A Config is a plain value: copyable, movable, no shared state. Concurrent const use is safe;
// mutation needs external synchronization like any std container.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"

namespace tidemark::kafka {

namespace internal {
struct ConfigAccess;  // kafka/src/config_internal.h
}  // namespace internal

// Which kind of client the configuration is for; it picks the built-in defaults.
enum class ClientRole {
  kProducer,  // enable.idempotence=true, acks=all
  kConsumer,  // enable.auto.commit=false, enable.auto.offset.store=false,
              // isolation.level=read_uncommitted (as Flink's Kafka source)
};

// "producer" / "consumer".
std::string_view client_role_name(ClientRole role) noexcept;

// Where a setting came from, lowest precedence first.
enum class ConfigLayer { kDefault = 0, kFile = 1, kOverride = 2 };

// Shown instead of a secret value.
inline constexpr std::string_view kRedacted = "[redacted]";

// True for keys whose values must never be printed: every property librdkafka 2.0.2 marks
// sensitive (sasl.username, sasl.password, sasl.oauthbearer.config,
// sasl.oauthbearer.client.secret, ssl.key.location, ssl.key.password, ssl.key.pem, ssl_key,
// ssl.ca.pem, ssl.keystore.password), Java's sasl.jaas.config, ssl.keystore.key and
// ssl.truststore.password, and any key containing "password" or "secret" (case-insensitive).
bool is_secret_key(std::string_view key) noexcept;

// One effective setting as tidemark shows it (explain tables, --verbose).
struct ConfigEntry {
  std::string key;     // librdkafka aliases shown under the Java client's name (acks, linger.ms)
  std::string value;   // kRedacted for a secret key
  std::string origin;  // "default (producer)", "client.properties:12", "-X"
  ConfigLayer layer = ConfigLayer::kDefault;
  bool secret = false;

  friend bool operator==(const ConfigEntry&, const ConfigEntry&) = default;
};

// The key and value of one `-X key=value` argument.
struct XOption {
  std::string key;
  std::string value;
};

// Splits "key=value" at the first '='; the key is trimmed, the value kept as typed (it may be
// empty, and may itself contain '='). Errors: kInvalidArgument when there is no '=' or the key is
// empty; the message shows the argument unless it looks like it holds a secret.
core::Result<XOption> parse_x_option(std::string_view text);

class Config {
 public:
  // A configuration holding the role's built-in defaults.
  explicit Config(ClientRole role);

  ClientRole role() const noexcept { return role_; }

  // Sets key=value in `layer`, recording `origin` for descriptions and errors. The pair is
  // checked by librdkafka immediately. Errors: kInvalidArgument with librdkafka's message, the
  // key, the origin and the value (or "[redacted]"); the Config is unchanged on error.
  core::Status set(std::string_view key, std::string_view value, ConfigLayer layer,
                   std::string_view origin);

  // set() in the override layer; `origin` names the flag ("-X", "-b").
  core::Status set_override(std::string_view key, std::string_view value,
                            std::string_view origin = "-X");

  // parse_x_option() then set_override(); the text is one `-X` argument.
  core::Status apply_x_option(std::string_view text);

  // Reads a Java-style properties file into the file layer: `#` and `!` comment lines, blank
  // lines, `key=value`, `key: value` or `key value`, surrounding whitespace trimmed (escape a
  // trailing space as "\ " to keep it), backslash line continuation, Java escapes (\t \n \r \f
  // \uXXXX; any other escaped character stands for itself). Each setting's origin is
  // "<path>:<line>". All or nothing: on any error the file layer is left as it was.
  // Errors: kNotFound / kIo when the file cannot be read; kInvalidArgument for a line that does
  // not parse or a setting librdkafka rejects, the message starting with "<path>:<line>: ".
  core::Status load_properties_file(const std::string& path);

  // As load_properties_file, from text; `source_name` stands in for the path in origins.
  core::Status load_properties(std::string_view text, std::string_view source_name);

  // The effective raw value of a key (aliases resolved, so get("request.required.acks") finds
  // acks), or nullopt. Secrets come back in clear: for tidemark's own use, never for printing.
  std::optional<std::string> get(std::string_view key) const;

  // The effective setting of a key as shown to users (secret values redacted), or nullopt.
  std::optional<ConfigEntry> entry(std::string_view key) const;

  // Every effective setting, sorted by key, secret values redacted.
  std::vector<ConfigEntry> entries() const;

  // entries() as text, one "key=value  (origin)" line each; safe to print.
  std::string describe() const;

 private:
  friend struct internal::ConfigAccess;

  struct Setting {
    std::string value;
    std::string origin;
    std::string spelled_as;  // the key as the user wrote it (an alias, maybe)
  };
  using Layer = std::map<std::string, Setting, std::less<>>;

  const Setting* find_effective(std::string_view canonical_key, ConfigLayer* layer) const;

  ClientRole role_;
  std::array<Layer, 3> layers_;  // indexed by ConfigLayer
};

}  // namespace tidemark::kafka
