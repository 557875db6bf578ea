// Fuzzes the properties-file reader behind `-F file` (kafka::Config::load_properties): Java
// properties syntax (comments, continuations, escapes, the three separators), then every setting
// checked by librdkafka.
//
// Input: the file's text. Checked, beyond no crash and no sanitizer report:
//  * a refusal is kInvalidArgument and its message starts with "fuzz.properties:<line>: ";
//  * all or nothing: after a refusal the configuration is exactly what it was before;
//  * after success, every secret setting shows as [redacted], in entries() and in describe().
// Inputs mentioning "plugin" are skipped: librdkafka dlopen()s the libraries named by
// plugin.library.paths as soon as that key is set, which would fuzz the dynamic loader.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "tidemark/kafka/config.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("plugin") != std::string::npos) return 0;

  kafka::Config config(kafka::ClientRole::kProducer);
  const auto before = config.entries();
  const core::Status status = config.load_properties(text, "fuzz.properties");
  if (!status.ok()) {
    TIDEMARK_FUZZ_CHECK(status.code() == core::StatusCode::kInvalidArgument,
                        "refusal is not kInvalidArgument: %s", status.to_string().c_str());
    TIDEMARK_FUZZ_CHECK(status.message().rfind("fuzz.properties:", 0) == 0,
                        "message does not start with the file and line: %s",
                        status.message().c_str());
    TIDEMARK_FUZZ_CHECK(config.entries() == before, "a refused file changed the configuration");
    return 0;
  }
  // describe() is exactly the entries, each "key=value  # origin", and every secret entry is
  // [redacted]. (Searching describe() for a secret's text was wrong: another, non-secret key may
  // hold that text as typed, e.g. client.id=...sasl.password=x  # ..., found by this target.)
  std::string expected;
  for (const kafka::ConfigEntry& entry : config.entries()) {
    expected += entry.key + "=" + entry.value + "  # " + entry.origin + "\n";
    if (!kafka::is_secret_key(entry.key)) continue;
    TIDEMARK_FUZZ_CHECK(entry.secret && entry.value == kafka::kRedacted, "secret %s shown",
                        entry.key.c_str());
  }
  TIDEMARK_FUZZ_CHECK(config.describe() == expected,
                      "describe() is not the redacted entries");
  return 0;
}
