// Secrets never reach any output. Every secret librdkafka property (docs/security.md) is planted
// with a unique marker, through -X and through a -F properties file, into every command, on
// successful runs with `-X debug=all` (librdkafka's own log lines), on runs that fail in every
// way a configuration can fail (librdkafka rejecting it, OpenSSL failing to load a key, SASL
// failing against the broker, no broker at all, unknown flags), and the test greps stdout,
// stderr and every file the run wrote for the marker.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::RunResult;

// In every planted value, and nowhere else (not in any path tidemark is given).
constexpr const char* kMarker = "s3cr3tPLANTED";

std::string planted(const std::string& what) { return std::string(kMarker) + "-" + what; }

// The secret properties of librdkafka 2.0.2 that a plaintext client accepts without using them.
// (sasl.oauthbearer.client.secret is rejected by this librdkafka build: its own case below.)
const std::vector<std::pair<std::string, std::string>> kSecrets = {
    {"sasl.username", planted("sasl-username")},
    {"sasl.password", planted("sasl-password")},
    {"ssl.key.password", planted("ssl-key-password")},
    {"ssl.keystore.password", planted("ssl-keystore-password")},
    {"ssl.key.pem", planted("ssl-key-pem")},
    {"ssl.ca.pem", planted("ssl-ca-pem")},
    {"ssl.key.location", "/nonexistent/" + planted("ssl-key-location") + ".pem"},
    {"sasl.oauthbearer.config", "principal=" + planted("oauthbearer-principal")},
};

class Secrets : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "tidemark_secrets_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream props(dir_ + "/client.properties");
    props << "# planted secrets\n";
    for (const auto& [key, value] : kSecrets) props << key << "=" << value << "\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string x_flags() {
    std::string flags;
    for (const auto& [key, value] : kSecrets) flags += " -X '" + key + "=" + value + "'";
    return flags;
  }

  std::string properties() const { return dir_ + "/client.properties"; }

  // Runs tidemark and checks the exit code and that no output and no file under dir_ (other
  // than the planted *.properties inputs) holds the marker.
  void expect_no_secret(const std::string& args, int exit_code) {
    const RunResult r = tidemark::testing::run_tidemark_split(args, "timeout 120 ");
    EXPECT_EQ(r.exit_code, exit_code)
        << "tidemark " << args << "\nstderr: " << r.err.substr(0, 4000);
    EXPECT_EQ(r.out.find(kMarker), std::string::npos) << "stdout of tidemark " << args << ":\n"
                                                      << excerpt(r.out);
    EXPECT_EQ(r.err.find(kMarker), std::string::npos) << "stderr of tidemark " << args << ":\n"
                                                      << excerpt(r.err);
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      if (entry.path().extension() == ".properties") continue;  // the inputs
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      EXPECT_EQ(text.find(kMarker), std::string::npos)
          << entry.path() << " written by tidemark " << args << ":\n"
          << excerpt(text);
      std::filesystem::remove(entry.path());
    }
  }

  static std::string excerpt(const std::string& text) {
    const std::size_t at = text.find(kMarker);
    if (at == std::string::npos) return text.substr(0, 2000);
    const std::size_t from = at > 300 ? at - 300 : 0;
    return "..." + text.substr(from, 600) + "...";
  }

  std::string dir_;
};

TEST_F(Secrets, ProduceWithDebugLogsStatsAndManifestShowsNone) {
  const std::string files =
      " --stats-json " + dir_ + "/stats.json --manifest " + dir_ + "/manifest.jsonl";
  expect_no_secret("produce -b embedded -t s -c 20 -X debug=all" + x_flags() + files, 0);
  expect_no_secret("produce -b embedded -t s -c 20 -X debug=all -F " + properties() + files, 0);
}

TEST_F(Secrets, ConsumeAndExplainWithDebugLogsShowNone) {
  // verify reads the topic through the same consumer; the topic is missing here (exit 1).
  expect_no_secret("verify -b embedded -t s -X debug=all" + x_flags(), 1);
  expect_no_secret("consume -b embedded -t s -e -X debug=all" + x_flags(), 0);
  expect_no_secret("consume -b embedded -t s -e --explain -X debug=all -F " + properties(), 0);
  // With event time: the trace and the window results are files it writes too.
  expect_no_secret(
      "consume -b embedded -t s -e --watermark-delay 5s --window tumble:1m "
      "--watermark-trace " +
          dir_ + "/trace.csv --window-output " + dir_ + "/windows.jsonl -X debug=all" + x_flags(),
      0);
}

TEST_F(Secrets, PerfAndBenchWithDebugLogsAndResultFilesShowNone) {
  expect_no_secret("perf produce -t s -c 20 --baseline -X debug=all --stats-json " + dir_ +
                       "/perf.json" + x_flags(),
                   0);
  expect_no_secret("perf consume -t s --messages 20 -X debug=all --stats-json " + dir_ +
                       "/consume.json -F " + properties(),
                   0);
  expect_no_secret(
      "bench kafka --format json -c 20 -X debug=all --json " + dir_ + "/kafka.json" + x_flags(), 0);
  expect_no_secret(
      "bench kafka --format json -c 20 --rate 1000 --producer-props debug=all "
      "-F " +
          properties(),
      0);
}

TEST_F(Secrets, FailedConnectionsShowNone) {
  // Nothing listens: librdkafka's connection errors and tidemark's "nothing answers".
  expect_no_secret("produce -b 127.0.0.1:1 -t s -c 1 -X debug=all" + x_flags(), 1);
  expect_no_secret("consume -b 127.0.0.1:1 -t s -e -F " + properties(), 1);
  expect_no_secret("verify -b 127.0.0.1:1 -t s -X debug=all" + x_flags(), 1);
  expect_no_secret("offsets -b 127.0.0.1:1 -t s -X debug=all" + x_flags(), 1);
  expect_no_secret("offsets set -b 127.0.0.1:1 -t s -g g --startup-mode earliest-offset --execute "
                   "-X debug=all -F " +
                       properties(),
                   1);
  // SASL against a broker without it: the handshake fails, delivery times out (exit 1).
  expect_no_secret(
      "produce -b embedded -t s -c 2 -X security.protocol=sasl_plaintext "
      "-X sasl.mechanism=SCRAM-SHA-256 -X message.timeout.ms=3000 -X debug=all" +
          x_flags(),
      1);
}

TEST_F(Secrets, RejectedSettingsShowNone) {
  // Not supported by this librdkafka build: rejected at once, the value not quoted.
  expect_no_secret(
      "produce -b embedded -t s -c 1 -X sasl.oauthbearer.client.secret=" + planted("client-secret"),
      2);
  // Malformed -X arguments that hold a secret.
  expect_no_secret("produce -b embedded -t s -c 1 -X 'sasl.password:" + planted("colon") + "'", 2);
  expect_no_secret("produce -b embedded -t s -c 1 -X sasl.password " + planted("word"), 2);
  expect_no_secret(
      "produce -b embedded -t s -c 1 -Xsasl.password=" + planted("glued") + " --no-such-flag", 2);
  // A file whose later line is rejected.
  {
    std::ofstream(dir_ + "/bad.properties")
        << "sasl.password=" << planted("file") << "\nacks=maybe\n";
    expect_no_secret("consume -b embedded -t s -e -F " + dir_ + "/bad.properties", 2);
  }
  // OpenSSL failing to load the key and the CA: librdkafka logs the key's path.
  expect_no_secret("produce -b embedded -t s -c 1 -X security.protocol=ssl" + x_flags(), 2);
  expect_no_secret(
      "produce -b embedded -t s -c 1 -X security.protocol=ssl -X ssl.key.location=/nonexistent/" +
          planted("key") + ".pem",
      2);
  // An unsecured JWT config librdkafka cannot parse (it would quote it).
  for (const std::string command : {"produce -c 1", "consume -e"}) {
    expect_no_secret(command +
                         " -b embedded -t s -X sasl.mechanism=OAUTHBEARER "
                         "-X security.protocol=sasl_plaintext "
                         "-X enable.sasl.oauthbearer.unsecure.jwt=true "
                         "-X 'sasl.oauthbearer.config=" +
                         planted("jwt") + " lifeSeconds=" + planted("life") + "'",
                     2);
  }
}

TEST_F(Secrets, CommandsWithoutKafkaSettingsDoNotEchoThem) {
  // ddl, broker, formats and chart take no -X: the unknown-argument error must not quote it.
  for (const std::string command : {"ddl -t t", "broker --port 0", "formats", "chart x.csv"}) {
    expect_no_secret(command + " -X sasl.password=" + planted("not-taken"), 2);
    expect_no_secret(command + " -F " + properties(), 2);
  }
}

}  // namespace
