#include "tidemark/kafka/config.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config_internal.h"

namespace tidemark::kafka {

namespace {

using core::Result;
using core::Status;

// librdkafka aliases (from librdkafka 2.0.2's CONFIGURATION.md, "Alias for ..."), mapped to the
// name the Java client uses, so that `acks` from the defaults and `request.required.acks` from a
// file are one setting and the higher layer wins. Both spellings are valid librdkafka keys.
struct Alias {
  std::string_view alias;
  std::string_view canonical;
};
constexpr Alias kAliases[] = {
    {"metadata.broker.list", "bootstrap.servers"},
    {"max.in.flight", "max.in.flight.requests.per.connection"},
    {"sasl.mechanisms", "sasl.mechanism"},
    {"fetch.message.max.bytes", "max.partition.fetch.bytes"},
    {"queue.buffering.max.ms", "linger.ms"},
    {"message.send.max.retries", "retries"},
    {"compression.codec", "compression.type"},
    {"request.required.acks", "acks"},
    {"message.timeout.ms", "delivery.timeout.ms"},
};

std::string_view canonical_key(std::string_view key) {
  for (const Alias& a : kAliases) {
    if (a.alias == key) return a.canonical;
  }
  return key;
}

// Java client properties that people carry over in a client.properties file, with what to use
// instead; librdkafka only says "No such configuration property".
struct JavaHint {
  std::string_view key;
  std::string_view hint;
};
constexpr JavaHint kJavaHints[] = {
    {"sasl.jaas.config", "librdkafka takes sasl.username and sasl.password instead"},
    {"ssl.truststore.location", "librdkafka takes a PEM CA file: ssl.ca.location"},
    {"ssl.truststore.password", "librdkafka takes a PEM CA file: ssl.ca.location"},
    {"ssl.truststore.type", "librdkafka takes a PEM CA file: ssl.ca.location"},
    {"key.serializer", "tidemark chooses the serializer with --format"},
    {"value.serializer", "tidemark chooses the serializer with --format"},
    {"key.deserializer", "tidemark picks the decoder from the record headers or --format"},
    {"value.deserializer", "tidemark picks the decoder from the record headers or --format"},
};

// Every property librdkafka 2.0.2 flags _RK_SENSITIVE (it prints them as "[redacted]" in its own
// `debug=conf` dump; checked against the installed library, see docs/security.md), plus Java
// client names people carry over in properties files. sasl.username is one: on managed clusters
// (Confluent Cloud) it is the API key, half of the credential. ssl.key.location names the private
// key file and ssl.ca.pem may hold a private CA; librdkafka hides both, so tidemark does too.
constexpr std::string_view kSecretKeys[] = {
    // librdkafka 2.0.2, _RK_SENSITIVE
    "ssl.key.location",
    "ssl.key.password",
    "ssl.key.pem",
    "ssl_key",
    "ssl.ca.pem",
    "ssl.keystore.password",
    "sasl.username",
    "sasl.password",
    "sasl.oauthbearer.config",
    "sasl.oauthbearer.client.secret",
    // Java client properties (librdkafka rejects them, but their values are secrets all the same)
    "sasl.jaas.config",
    "ssl.keystore.key",
    "ssl.truststore.password",
};

bool contains_ignore_case(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < needle.size() && match; ++j) {
      char c = haystack[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      match = c == needle[j];
    }
    if (match) return true;
  }
  return false;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// "-X acks=1" for a flag, "client.properties:3: acks=1" for a file position.
std::string locate(std::string_view origin, std::string_view what) {
  std::string out(origin);
  if (!out.empty()) out += (out.front() == '-') ? " " : ": ";
  out += what;
  return out;
}

std::string origin_of_default(ClientRole role) {
  return "default (" + std::string(client_role_name(role)) + ")";
}

struct DefaultSetting {
  std::string_view key;
  std::string_view value;
};
constexpr DefaultSetting kProducerDefaults[] = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
};
constexpr DefaultSetting kConsumerDefaults[] = {
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
    {"isolation.level", "read_uncommitted"},
};

// Asks librdkafka whether key=value is acceptable. On failure, returns its message made safe
// and useful: the key, the origin, the value unless secret or the key is unknown.
Status check_with_librdkafka(std::string_view key, std::string_view value,
                             std::string_view origin) {
  const std::string k(key);
  const std::string v(value);
  internal::ConfPtr scratch(rd_kafka_conf_new());
  char errstr[512] = "";
  const rd_kafka_conf_res_t res =
      rd_kafka_conf_set(scratch.get(), k.c_str(), v.c_str(), errstr, sizeof errstr);
  if (res == RD_KAFKA_CONF_OK) return Status();

  const bool secret = is_secret_key(key);
  std::string librdkafka_says = internal::trim_librdkafka_error(errstr);
  if (librdkafka_says.empty()) librdkafka_says = "rejected by librdkafka";
  // librdkafka quotes some rejected values ("Invalid value \"x\" for ..."); a secret must never
  // reach the user's terminal or logs, so drop such a message rather than edit it.
  if (secret && !v.empty() && librdkafka_says.find(v) != std::string::npos) {
    librdkafka_says = "librdkafka rejected the value (not shown: " + k + " is secret)";
  }

  std::string what;
  if (res == RD_KAFKA_CONF_UNKNOWN) {
    what = k;  // an unknown key says nothing about whether its value is sensitive: never show it
  } else {
    what = k + "=" + (secret ? std::string(kRedacted) : v);
  }
  std::string message = locate(origin, what) + ": " + librdkafka_says;
  for (const JavaHint& h : kJavaHints) {
    if (h.key == key) {
      message += " (a Java client property; " + std::string(h.hint) + ")";
      break;
    }
  }
  return core::invalid_argument(std::move(message));
}

// One setting read from a properties file.
struct PropertyLine {
  std::string key;
  std::string value;
  int line = 0;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Resolves Java properties escapes. \uXXXX pairs of UTF-16 surrogates become one code point.
Result<std::string> unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  std::uint32_t pending_high = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 == raw.size()) {
      if (pending_high != 0) {
        append_utf8(out, 0xFFFD);
        pending_high = 0;
      }
      out += raw[i];
      continue;
    }
    const char c = raw[++i];
    if (c == 'u') {
      std::uint32_t cp = 0;
      for (int d = 1; d <= 4; ++d) {
        const int h = (i + d < raw.size()) ? hex_digit(raw[i + d]) : -1;
        if (h < 0)
          return core::invalid_argument("malformed \\uXXXX escape (needs four hex digits)");
        cp = cp * 16 + static_cast<std::uint32_t>(h);
      }
      i += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (pending_high != 0) append_utf8(out, 0xFFFD);
        pending_high = cp;
        continue;
      }
      if (cp >= 0xDC00 && cp <= 0xDFFF && pending_high != 0) {
        append_utf8(out, 0x10000 + ((pending_high - 0xD800) << 10) + (cp - 0xDC00));
        pending_high = 0;
        continue;
      }
      if (pending_high != 0) append_utf8(out, 0xFFFD);
      pending_high = 0;
      append_utf8(out, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp);
      continue;
    }
    if (pending_high != 0) {
      append_utf8(out, 0xFFFD);
      pending_high = 0;
    }
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      default:
        out += c;  // "\=", "\:", "\ ", "\\", "\#": the character itself, as in Java
    }
  }
  if (pending_high != 0) append_utf8(out, 0xFFFD);
  return out;
}

// True when the character at `pos` is preceded by an odd number of backslashes (escaped).
bool is_escaped(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (pos > n && s[pos - n - 1] == '\\') ++n;
  return n % 2 == 1;
}

// Splits one logical line (continuations joined, leading whitespace gone) into key and value.
Result<PropertyLine> parse_logical_line(std::string_view logical, int line) {
  std::size_t i = 0;
  while (i < logical.size()) {
    const char c = logical[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '=' || c == ':' || is_space(c)) break;
    ++i;
  }
  if (i > logical.size()) i = logical.size();
  const std::string_view raw_key = logical.substr(0, i);
  bool has_separator = false;
  while (i < logical.size() && is_space(logical[i])) ++i;
  if (i < logical.size() && (logical[i] == '=' || logical[i] == ':')) {
    has_separator = true;
    ++i;
    while (i < logical.size() && is_space(logical[i])) ++i;
  }
  std::string_view raw_value = logical.substr(i);
  while (!raw_value.empty() && is_space(raw_value.back()) &&
         !is_escaped(raw_value, raw_value.size() - 1)) {
    raw_value.remove_suffix(1);
  }
  if (raw_key.empty()) {
    return core::invalid_argument("missing key before '" +
                                  std::string(1, logical.empty() ? '=' : logical.front()) +
                                  "' (expected key=value)");
  }
  Result<std::string> key = unescape(raw_key);
  if (!key.ok()) return key.status().with_context("in the key");
  if (!has_separator && raw_value.empty()) {
    // Java would read an empty value; for Kafka settings that is almost always a typo.
    return core::invalid_argument("'" + *key + "' has no value (expected key=value)");
  }
  Result<std::string> value = unescape(raw_value);
  if (!value.ok()) {
    return value.status().with_context("in the value of " + *key);
  }
  return PropertyLine{std::move(*key), std::move(*value), line};
}

// Java Properties.load() line handling: natural lines end at \n, \r\n or \r; comment lines
// start (after whitespace) with '#' or '!'; a line ending in an odd number of backslashes
// continues on the next line, whose leading whitespace is dropped.
Result<std::vector<PropertyLine>> parse_properties(std::string_view text, std::string_view source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  std::vector<PropertyLine> out;
  std::string logical;
  bool continuing = false;
  int logical_start = 0;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size() || continuing) {
    std::string_view natural;
    if (pos < text.size()) {
      std::size_t end = pos;
      while (end < text.size() && text[end] != '\n' && text[end] != '\r') ++end;
      natural = text.substr(pos, end - pos);
      if (end < text.size() && text[end] == '\r' && end + 1 < text.size() &&
          text[end + 1] == '\n') {
        ++end;
      }
      pos = end + 1;
    } else {
      pos = text.size() + 1;  // a continuation at end of input ends the logical line
    }
    ++line_no;
    std::size_t skip = 0;
    while (skip < natural.size() && is_space(natural[skip])) ++skip;
    natural.remove_prefix(skip);
    if (!continuing) {
      if (natural.empty() || natural.front() == '#' || natural.front() == '!') {
        if (pos > text.size()) break;
        continue;
      }
      logical.clear();
      logical_start = line_no;
    }
    bool continues = false;
    if (!natural.empty() && natural.back() == '\\' && !is_escaped(natural, natural.size() - 1)) {
      natural.remove_suffix(1);
      continues = pos <= text.size();
    }
    logical.append(natural);
    continuing = continues;
    if (continuing) continue;
    Result<PropertyLine> parsed = parse_logical_line(logical, logical_start);
    if (!parsed.ok()) {
      return parsed.status().with_context(std::string(source) + ":" +
                                          std::to_string(logical_start));
    }
    out.push_back(std::move(*parsed));
    if (pos > text.size()) break;
  }
  return out;
}

}  // namespace

std::string_view client_role_name(ClientRole role) noexcept {
  switch (role) {
    case ClientRole::kProducer:
      return "producer";
    case ClientRole::kConsumer:
      return "consumer";
  }
  return "unknown";
}

bool is_secret_key(std::string_view key) noexcept {
  for (std::string_view secret : kSecretKeys) {
    if (key == secret) return true;
  }
  return contains_ignore_case(key, "password") || contains_ignore_case(key, "secret");
}

Result<XOption> parse_x_option(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    // "sasl.password:hunter2" must not be echoed back; guess the key to decide.
    std::string_view guess = trim(text);
    guess = guess.substr(0, guess.find_first_of(": \t"));
    if (is_secret_key(guess) || is_secret_key(text)) {
      return core::invalid_argument(
          "-X expects key=value, got an argument without '=' (not shown: it looks like it holds "
          "a secret)");
    }
    return core::invalid_argument("-X expects key=value (e.g. -X linger.ms=5), got '" +
                                  std::string(text) + "' with no '='");
  }
  const std::string_view key = trim(text.substr(0, eq));
  if (key.empty()) {
    return core::invalid_argument("-X expects key=value, got an empty key before '='");
  }
  return XOption{std::string(key), std::string(text.substr(eq + 1))};
}

Config::Config(ClientRole role) : role_(role) {
  const std::string origin = origin_of_default(role);
  auto add = [&](const DefaultSetting& d) {
    layers_[0][std::string(canonical_key(d.key))] =
        Setting{std::string(d.value), origin, std::string(d.key)};
  };
  // Checked by librdkafka in the unit tests (every default must pass rd_kafka_conf_set).
  if (role == ClientRole::kProducer) {
    for (const DefaultSetting& d : kProducerDefaults) add(d);
  } else {
    for (const DefaultSetting& d : kConsumerDefaults) add(d);
  }
}

Status Config::set(std::string_view key, std::string_view value, ConfigLayer layer,
                   std::string_view origin) {
  const std::string_view trimmed = trim(key);
  if (trimmed.empty()) {
    return core::invalid_argument(locate(origin, "an empty key") + " (expected key=value)");
  }
  // librdkafka takes C strings: it would check and apply only the text before a NUL byte, so
  // "acks\0anything" would pass as acks while being stored under another name. (A NUL reaches
  // here from a properties file, or from \u0000 in one.)
  if (trimmed.find('\0') != std::string_view::npos) {
    return core::invalid_argument(locate(origin, "the key " + core::quoted(trimmed)) +
                                  " contains a NUL byte, which librdkafka cannot take");
  }
  if (value.find('\0') != std::string_view::npos) {
    const std::string shown = is_secret_key(trimmed) ? std::string(kRedacted) : core::quoted(value);
    return core::invalid_argument(
        locate(origin, "the value " + shown + " of " + std::string(trimmed)) +
        " contains a NUL byte, which librdkafka cannot take");
  }
  TIDEMARK_RETURN_IF_ERROR(check_with_librdkafka(trimmed, value, origin));
  layers_[static_cast<std::size_t>(layer)][std::string(canonical_key(trimmed))] =
      Setting{std::string(value), std::string(origin), std::string(trimmed)};
  return Status();
}

Status Config::set_override(std::string_view key, std::string_view value, std::string_view origin) {
  return set(key, value, ConfigLayer::kOverride, origin);
}

Status Config::apply_x_option(std::string_view text) {
  Result<XOption> option = parse_x_option(text);
  if (!option.ok()) return option.status();
  return set_override(option->key, option->value, "-X");
}

Status Config::load_properties(std::string_view text, std::string_view source_name) {
  Result<std::vector<PropertyLine>> lines = parse_properties(text, source_name);
  if (!lines.ok()) return lines.status();
  Layer saved = layers_[static_cast<std::size_t>(ConfigLayer::kFile)];
  for (const PropertyLine& p : *lines) {
    const std::string origin = std::string(source_name) + ":" + std::to_string(p.line);
    if (Status st = set(p.key, p.value, ConfigLayer::kFile, origin); !st.ok()) {
      layers_[static_cast<std::size_t>(ConfigLayer::kFile)] = std::move(saved);
      return st;
    }
  }
  return Status();
}

Status Config::load_properties_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    const std::string message = "cannot read properties file '" + path + "': " + std::strerror(err);
    return err == ENOENT ? core::not_found(message) : Status(core::StatusCode::kIo, message);
  }
  std::string text;
  char buffer[8192];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    return Status(core::StatusCode::kIo,
                  "cannot read properties file '" + path + "': " + std::strerror(err));
  }
  return load_properties(text, path);
}

const Config::Setting* Config::find_effective(std::string_view canonical,
                                              ConfigLayer* layer) const {
  for (int i = 2; i >= 0; --i) {
    const Layer& l = layers_[static_cast<std::size_t>(i)];
    if (auto it = l.find(canonical); it != l.end()) {
      if (layer != nullptr) *layer = static_cast<ConfigLayer>(i);
      return &it->second;
    }
  }
  return nullptr;
}

std::optional<std::string> Config::get(std::string_view key) const {
  const Setting* s = find_effective(canonical_key(trim(key)), nullptr);
  if (s == nullptr) return std::nullopt;
  return s->value;
}

std::optional<ConfigEntry> Config::entry(std::string_view key) const {
  const std::string_view canonical = canonical_key(trim(key));
  ConfigLayer layer = ConfigLayer::kDefault;
  const Setting* s = find_effective(canonical, &layer);
  if (s == nullptr) return std::nullopt;
  const bool secret = is_secret_key(canonical) || is_secret_key(s->spelled_as);
  return ConfigEntry{std::string(canonical), secret ? std::string(kRedacted) : s->value, s->origin,
                     layer, secret};
}

std::vector<ConfigEntry> Config::entries() const {
  std::map<std::string, ConfigEntry> merged;  // sorted by key
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    for (const auto& [key, s] : layers_[i]) {
      const bool secret = is_secret_key(key) || is_secret_key(s.spelled_as);
      merged[key] = ConfigEntry{key, secret ? std::string(kRedacted) : s.value, s.origin,
                                static_cast<ConfigLayer>(i), secret};
    }
  }
  std::vector<ConfigEntry> out;
  out.reserve(merged.size());
  for (auto& [key, e] : merged) out.push_back(std::move(e));
  return out;
}

std::string Config::describe() const {
  std::string out;
  for (const ConfigEntry& e : entries()) {
    out += e.key;
    out += '=';
    out += e.value;
    out += "  # ";
    out += e.origin;
    out += '\n';
  }
  return out;
}

namespace internal {

namespace {

// Every secret value any Config handed to librdkafka in this process. librdkafka's own texts
// (log lines, error strings) are scrubbed of them: it redacts its sensitive properties in its
// configuration dump, but other messages can still carry them (OpenSSL's "calling
// fopen(<ssl.key.location>, r)"). Kept for the process's lifetime, as librdkafka keeps them.
std::mutex g_secrets_mutex;
std::set<std::string>& secret_values() {
  static std::set<std::string> values;
  return values;
}

// Shorter values would turn ordinary words of a log line into "[redacted]".
constexpr std::size_t kMinScrubbedLength = 3;

void remember_secret(std::string_view key, const std::string& value) {
  std::lock_guard<std::mutex> lock(g_secrets_mutex);
  if (value.size() >= kMinScrubbedLength) secret_values().insert(value);
  if (key == "sasl.oauthbearer.config") {
    // librdkafka quotes parts of it ("beginning at: ..."): scrub each name=value pair and value.
    std::size_t start = 0;
    while (start < value.size()) {
      std::size_t end = value.find_first_of(" \t", start);
      if (end == std::string::npos) end = value.size();
      const std::string token = value.substr(start, end - start);
      if (token.size() >= kMinScrubbedLength) secret_values().insert(token);
      const std::size_t eq = token.find('=');
      if (eq != std::string::npos && token.size() - eq - 1 >= kMinScrubbedLength) {
        secret_values().insert(token.substr(eq + 1));
      }
      start = end + 1;
    }
  }
}

}  // namespace

std::string scrub_secrets(std::string text) {
  std::lock_guard<std::mutex> lock(g_secrets_mutex);
  // Longest first, so that a value containing another is replaced whole.
  std::vector<const std::string*> values;
  for (const std::string& v : secret_values()) values.push_back(&v);
  std::sort(values.begin(), values.end(),
            [](const std::string* a, const std::string* b) { return a->size() > b->size(); });
  for (const std::string* v : values) {
    for (std::size_t pos = text.find(*v); pos != std::string::npos;
         pos = text.find(*v, pos + kRedacted.size())) {
      text.replace(pos, v->size(), kRedacted);
    }
  }
  return text;
}

void log_scrubbed(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  // librdkafka's default format (rd_kafka_log_print), after scrubbing.
  try {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
    const std::string line = scrub_secrets(buf != nullptr ? buf : "");
    std::fprintf(stderr, "%%%i|%lld.%03lld|%s|%s| %s\n", level, ms / 1000, ms % 1000,
                 fac != nullptr ? fac : "", rk != nullptr ? rd_kafka_name(rk) : "", line.c_str());
  } catch (...) {
    // Nothing may leave a librdkafka callback; a lost log line is the lesser harm.
  }
}

std::string trim_librdkafka_error(const char* errstr) {
  std::string_view s(errstr);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.remove_suffix(1);
  }
  return scrub_secrets(std::string(s));
}

namespace {

std::string conf_value(const rd_kafka_conf_t* conf, const char* key) {
  char value[256] = "";
  std::size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, key, value, &size) != RD_KAFKA_CONF_OK) return "";
  return value;
}

extern "C" void discard_preflight_log(const rd_kafka_t*, int, const char*, const char*) {}

extern "C" void note_preflight_error(rd_kafka_t*, int err, const char*, void* opaque) {
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) *static_cast<bool*>(opaque) = true;
}

// librdkafka 2.0.2's built-in unsecured JWT handler (sasl.mechanism=OAUTHBEARER with
// enable.sasl.oauthbearer.unsecure.jwt=true) parses sasl.oauthbearer.config when a client
// starts. A value it cannot parse is reported with an excerpt of the value ("Unrecognized
// sasl.oauthbearer.config beginning at: ..."), a secret, and once a broker answers, the client
// crashes (a null mutex in librdkafka's main thread; reproduced with plain librdkafka). So try
// the value on a throwaway client with no brokers first, and fail before anything connects,
// without quoting it.
Status check_unsecured_jwt(const rd_kafka_conf_t* conf, const Config& config) {
  if (conf_value(conf, "sasl.mechanisms") != "OAUTHBEARER" ||
      conf_value(conf, "enable.sasl.oauthbearer.unsecure.jwt") != "true" ||
      conf_value(conf, "sasl.oauthbearer.method") == "oidc") {
    return Status();
  }
  ConfPtr probe(rd_kafka_conf_dup(conf));
  char errstr[512] = "";
  if (rd_kafka_conf_set(probe.get(), "bootstrap.servers", "", errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    return Status();  // cannot isolate the probe: let the real client report what it finds
  }
  bool token_failed = false;
  rd_kafka_conf_set_opaque(probe.get(), &token_failed);
  rd_kafka_conf_set_log_cb(probe.get(), discard_preflight_log);
  rd_kafka_conf_set_error_cb(probe.get(), note_preflight_error);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, probe.get(), errstr, sizeof errstr);
  if (rk == nullptr) return Status();  // the real client reports it, with its own wording
  probe.release();
  // The handler runs as the client starts; its failure is queued for the first poll.
  for (int i = 0; i < 5 && !token_failed; ++i) rd_kafka_poll(rk, i == 0 ? 0 : 20);
  rd_kafka_destroy(rk);
  if (!token_failed) return Status();
  const std::optional<ConfigEntry> entry = config.entry("sasl.oauthbearer.config");
  const std::string origin = entry ? entry->origin : std::string("-X");
  return core::invalid_argument(
      locate(origin, "sasl.oauthbearer.config=" + std::string(kRedacted)) +
      ": librdkafka's unsecured JWT handler (enable.sasl.oauthbearer.unsecure.jwt=true) cannot "
      "use it (not shown: the value is secret); it takes space-separated name=value pairs: "
      "principal=NAME (required), principalClaimName, scopeClaimName, scope (comma-separated), "
      "lifeSeconds (a positive whole number), extension_NAME");
}

}  // namespace

Result<ConfPtr> ConfigAccess::build_conf(const Config& config) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512] = "";
  for (const Config::Layer& layer : config.layers_) {
    for (const auto& [key, s] : layer) {
      if (is_secret_key(key) || is_secret_key(s.spelled_as)) remember_secret(key, s.value);
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), log_scrubbed);
  for (const Config::Layer& layer : config.layers_) {
    for (const auto& [key, s] : layer) {
      if (rd_kafka_conf_set(conf.get(), key.c_str(), s.value.c_str(), errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
        // Re-run the check for its careful wording (origin, redaction).
        Status st = check_with_librdkafka(key, s.value, s.origin);
        if (st.ok()) {
          st = core::invalid_argument(locate(s.origin, key) + ": " +
                                      (is_secret_key(key) ? std::string("rejected by librdkafka")
                                                          : trim_librdkafka_error(errstr)));
        }
        return st;
      }
    }
  }
  TIDEMARK_RETURN_IF_ERROR(check_unsecured_jwt(conf.get(), config));
  return conf;
}

}  // namespace internal

}  // namespace tidemark::kafka
