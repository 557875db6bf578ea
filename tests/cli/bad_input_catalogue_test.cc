// The bad input catalogue: what users can get wrong, across every command, and what tidemark
// answers. Each row runs the built binary and checks the documented exit code and that stderr
// names the bad input. The same rows make the table in docs/errors.md (a test compares them;
// TIDEMARK_UPDATE_DOCS=1 rewrites the table), so the list and the document cannot drift.
//
// Placeholders in the arguments and the expected text:
//   {tmp}     a scratch directory holding the fixture files written below
//   {data}    tests/testing/data (the green-taxi samples)
//   {closed}  127.0.0.1:1, where nothing listens (connection refused)
//   {silent}  a loopback port that accepts connections and never answers
//   {broker}  a `tidemark broker` process with topics present (2 partitions) and rawtext (1),
//             rawtext holding one header-less record "not json at all" (written with kcat)
// Per-command bad-flag tests stay in the commands' own test files; this list is the broad,
// user-visible one.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../integration/subprocess.h"
#include "tidemark/testing/run_tidemark.h"

namespace {

using tidemark::testing::RunResult;
using tidemark::testing::Subprocess;

struct BadInput {
  std::string args;     // after `tidemark`, shell words
  int exit_code;        // 1 runtime failure, 2 usage error
  std::string message;  // a part of the error message that names the bad input
};

// clang-format off
const std::vector<BadInput> kCatalogue = {
    // ---- any command ----
    {"frobnicate", 2, "unknown command 'frobnicate'"},
    {"--frobnicate produce", 2, "unknown option '--frobnicate' before the command"},
    {"", 2, "a command is required (commands: demo, produce, consume"},
    {"produce --frobnicate", 2, "not expected: --frobnicate"},
    // ---- produce: flag values ----
    {"produce --dry-run -c -5", 2, "-c/--count '-5': not a non-negative whole number"},
    {"produce --dry-run -c abc", 2, "-c/--count 'abc'"},
    {"produce --dry-run --seed -1", 2, "--seed '-1'"},
    {"produce --dry-run --duration 5", 2, "--duration: invalid duration '5': missing unit"},
    {"produce --dry-run --duration -5s", 2, "invalid duration '-5s': a duration has no sign"},
    {"produce --dry-run --out-of-order banana", 2, "--out-of-order: invalid duration 'banana'"},
    {"produce --dry-run --clock simulated --start yesterday", 2, "--start: invalid time 'yesterday'"},
    {"produce --dry-run --clock simulated --start 2026-13-01T00:00:00Z", 2, "month 13 is not 01..12"},
    {"produce --dry-run --clock sundial", 2, "--clock: unknown clock 'sundial'"},
    {"produce --dry-run --clock simulated --speed 0", 2, "--speed: bad speed '0'"},
    {"produce --dry-run --event pizza", 2, "--event: unknown event type 'pizza'"},
    {"produce --dry-run --format xml", 2, "--format: unknown format 'xml'"},
    {"produce --dry-run --rate -1", 2, "--rate: bad rate '-1'"},
    {"produce --dry-run --instance 3/2", 2, "--instance: bad instance '3/2'"},
    {"produce --dry-run --late-fraction 2 --late-by 1s..2s", 2, "--late-fraction: bad fraction '2'"},
    {"produce --dry-run --late-fraction 0.1 --late-by 5s..1s", 2, "--late-by: bad range '5s..1s': MIN is larger than MAX"},
    {"produce --dry-run --record-timestamp log", 2, "--record-timestamp 'log'"},
    {"produce --dry-run -H novalue", 2, "-H 'novalue': use NAME=VALUE"},
    {"produce --dry-run --key-field nosuch", 2, "unknown key field 'nosuch'"},
    {"produce --dry-run -X linger.ms=5", 2, "--dry-run does not talk to Kafka"},
    {"produce -c 1", 2, "-t/--topic is required"},
    {"produce -t 'bad topic!' -c 1", 2, "topic name 'bad topic!'"},
    // ---- produce: files ----
    {"produce --dry-run --event taxi --from-csv {tmp}/missing.csv", 2, "--from-csv: cannot open '{tmp}/missing.csv'"},
    {"produce --dry-run --event taxi --from-csv {tmp}", 2, "--from-csv: cannot read '{tmp}': Is a directory"},
    {"produce --dry-run --event taxi --from-csv {tmp}/empty.csv", 2, "empty.csv: empty file"},
    {"produce --dry-run --event taxi --from-csv {tmp}/no_header.csv", 2, "no_header.csv: the header lacks columns lpep_pickup_datetime"},
    {"produce --dry-run --event taxi --from-csv {data}/green_tripdata_bad_rows.csv", 1, "green_tripdata_bad_rows.csv:3: not an integer (column passenger_count, value '1.0')"},
    {"produce --dry-run --from-csv {data}/green_tripdata_sample.csv", 2, "--from-csv reads taxi trips: use --event taxi"},
    {"produce -t t -c 1 -b embedded --manifest {tmp}/no/such/dir/m.jsonl", 2, "--manifest '{tmp}/no/such/dir/m.jsonl': cannot create the file"},
    {"produce -t t -c 1 -b embedded --stats-json {tmp}/no/such/dir/s.json", 2, "--stats-json '{tmp}/no/such/dir/s.json': cannot create the file"},
    // ---- produce: Kafka ----
    {"produce -t t -c 1 -b {closed}", 1, "nothing answers at 127.0.0.1:1: Connect to ipv4#127.0.0.1:1 failed: Connection refused (start one with `tidemark broker`"},
    {"produce -t t -c 1 -b {silent}", 1, "no answer from {silent} within 5000 ms"},
    {"produce -t t -c 1 -b embedded -X no.such.property=1", 2, "-X no.such.property: No such configuration property"},
    {"produce -t t -c 1 -b embedded -X acks=banana", 2, "-X acks=banana: Invalid value"},
    {"produce -t t -c 1 -b embedded -X linger.ms", 2, "got 'linger.ms' with no '='"},
    {"produce -t t -c 1 -b embedded -X acks=1", 2, "`acks` must be set to `all` when `enable.idempotence` is true"},
    {"produce -t t -c 1 -b embedded -z brotli", 2, "-z compression.type=brotli: Invalid value \"brotli\""},
    {"produce -t t -c 1 -b embedded --partitions 0", 2, "--partitions '0': must be 1..10000"},
    {"produce -t t -c 1 -b embedded --idle-partition 9 --idle-after 1s", 2, "--idle-partition '9': topic 't' has partitions 0..3"},
    {"produce -t t -c 1 -b embedded -F {tmp}/missing.properties", 2, "-F: cannot read properties file '{tmp}/missing.properties': No such file"},
    {"produce -t t -c 1 -b embedded -F {tmp}", 2, "-F: cannot read properties file '{tmp}': Is a directory"},
    {"produce -t t -c 1 -b embedded -F {tmp}/bad.properties", 2, "bad.properties:2: missing key before '='"},
    {"produce -t t -c 1 -b embedded -F {tmp}/rejected.properties", 2, "rejected.properties:3: acks=banana: Invalid value"},
    {"produce -t t -c 1 -b embedded -F {tmp}/oauth.properties", 2, "oauth.properties:4: sasl.oauthbearer.config=[redacted]: librdkafka's unsecured JWT handler"},
    // ---- consume ----
    {"consume", 2, "-t/--topic is required"},
    {"consume -t t --startup-mode sometimes", 2, "startup mode 'sometimes' is not one of"},
    {"consume -t t --startup-timestamp yesterday", 2, "--startup-timestamp: invalid time 'yesterday'"},
    {"consume -t t --bounded-timestamp-millis abc", 2, "--bounded-timestamp-millis 'abc'"},
    {"consume -t t --startup-specific-offsets 'partition:0;offset:5'", 2, "entry 1 'partition:0' has no ','"},
    {"consume -t t --startup-specific-offsets partition:x,offset:5", 2, "partition 'x' is not a 32-bit integer"},
    {"consume -t t --bounded-specific-offsets partition:0,offset:-5", 2, "offset -5 for partition 0 is negative"},
    {"consume -t t -o banana", 2, "-o 'banana': not an offset"},
    {"consume -t t --format xml", 2, "--format: unknown format 'xml'"},
    {"consume -t t --event pizza", 2, "--event: unknown event type 'pizza'"},
    {"consume -t t --on-decode-error ignore", 2, "decode error policy 'ignore'"},
    {"consume -t t -c -1", 2, "-c/--count '-1'"},
    {"consume -t t --commit", 2, "--commit needs -g/--group"},
    {"consume -t t --startup-mode group-offsets", 2, "group-offsets starts at a consumer group's committed offsets: pass -g/--group"},
    {"consume -t t -g g --commit --commit-interval 5x", 2, "--commit-interval: invalid duration '5x'"},
    {"consume -t t -f %Z", 2, "-f '%Z': unsupported token %Z"},
    {"consume -t t --output xml", 2, "--output 'xml'"},
    {"consume -t t -X fetch.wait.max.ms=soon", 2, "-X fetch.wait.max.ms=soon: Invalid value"},
    {"consume -t t -F {tmp}/bad.properties", 2, "bad.properties:2: missing key before '='"},
    {"consume -t t -b {closed}", 1, "nothing answers at 127.0.0.1:1"},
    {"consume -t nosuchtopic -e -b {broker}", 1, "topic 'nosuchtopic' does not exist on {broker}"},
    {"consume -t present -e -g g --startup-mode group-offsets -b {broker}", 1, "group 'g' has no committed offset"},
    {"consume -t rawtext -e --format json --on-decode-error fail -b {broker}", 1, "record 'rawtext'[0] offset 0 does not decode: json (--format) lab (--event): not a JSON object"},
    {"consume -t rawtext -e --format protobuf --on-decode-error fail -b {broker}", 1, "record 'rawtext'[0] offset 0 does not decode: protobuf (--format)"},
    // ---- consume: event time ----
    {"consume -t t --watermark-delay 5x", 2, "--watermark-delay: invalid duration '5x'"},
    {"consume -t t --watermark-interval 0", 2, "--watermark-interval: watermark interval '0': 0 would switch periodic emission off"},
    {"consume -t t --window tumble:1m:2m", 2, "--window: window 'tumble:1m:2m': the offset must be smaller than the size"},
    {"consume -t t --group-by ip", 2, "--group-by applies to windows: add --window tumble:SIZE"},
    {"consume -t t --event-time-field test_data", 2, "--event-time-field: field 'test_data' of lab events is not a time"},
    {"consume -t t --processing-time record-timestamp", 2, "--processing-time record-timestamp merges the partitions in timestamp order, which needs an end"},
    {"consume -t t -e -g g --commit --processing-time record-timestamp", 2, "--commit commits what was written, and --processing-time record-timestamp holds records back"},
    {"consume -t t --watermark-trace {tmp}/no/such/dir/t.csv", 2, "--watermark-trace '{tmp}/no/such/dir/t.csv': cannot be created"},
    // ---- verify ----
    {"verify", 2, "-t/--topic is required"},
    {"verify -t t -c -3", 2, "-c/--count '-3': not a non-negative whole number"},
    {"verify -t t --startup-mode sometimes", 2, "startup mode 'sometimes' is not one of"},
    {"verify -t t --output xml", 2, "--output: xml not in {auto,table,json}"},
    {"verify -t t -b {closed}", 1, "nothing answers at 127.0.0.1:1"},
    {"verify -t nosuchtopic -b {broker}", 1, "topic 'nosuchtopic' does not exist on {broker}"},
    // ---- offsets ----
    {"offsets", 2, "-t/--topic is required"},
    {"offsets -t nosuchtopic -b {broker}", 1, "topic 'nosuchtopic' does not exist on {broker}"},
    {"offsets set -t present -g g -b {broker}", 2, "a startup mode is required: --startup-mode earliest-offset"},
    {"offsets set -t present -g g --startup-mode timestamp -b {broker}", 2, "--startup-mode timestamp needs --startup-timestamp-millis MS or --startup-timestamp TIME"},
    // ---- perf ----
    {"perf", 2, "perf needs a command (commands: produce, consume)"},
    {"perf frob", 2, "unknown perf command 'frob' (commands: produce, consume)"},
    {"perf produce -t t --repeat 0", 2, "--repeat '0': must be at least 1"},
    {"perf produce -t t --rate fast", 2, "bad rate 'fast'"},
    {"perf consume -t t --messages abc", 2, "--messages 'abc': not a non-negative whole number"},
    {"perf consume -t nosuchtopic -b {broker}", 1, "topic 'nosuchtopic' does not exist on {broker}"},
    // ---- bench ----
    {"bench frob", 2, "unknown bench command 'frob' (commands: serializers, kafka)"},
    {"bench serializers --event pizza", 2, "--event 'pizza': use lab, web, taxi or all"},
    {"bench serializers --format xml", 2, "--format: unknown format 'xml'"},
    {"bench serializers --from-csv {tmp}/missing.csv", 1, "--from-csv: cannot open '{tmp}/missing.csv'"},
    {"bench kafka -c 0", 2, "-c/--count '0': expected a whole number from 1 to 100000000"},
    {"bench kafka --rate -5", 2, "--rate: bad rate '-5'"},
    // ---- demo ----
    {"demo --out {tmp}/bad.properties", 2, "--out '{tmp}/bad.properties': exists and is not a directory"},
    {"demo --seed many", 2, "--seed 'many': not a whole number"},
    // ---- ddl ----
    {"ddl", 2, "-t/--topic is required"},
    {"ddl -t t --event pizza", 2, "--event: unknown event type 'pizza'"},
    {"ddl -t t --format xml", 2, "--format: unknown format 'xml'"},
    {"ddl -t t --watermark-delay 5x", 2, "--watermark-delay: invalid duration '5x'"},
    {"ddl -t t --idle-timeout -1s", 2, "--idle-timeout: invalid duration '-1s'"},
    {"ddl -t t --startup-mode sometimes", 2, "startup mode 'sometimes' is not one of"},
    {"ddl -t t --bounded-mode latest", 2, "bounded mode 'latest' is not one of"},
    {"ddl -t t --startup-mode specific-offsets --startup-specific-offsets 'partition:0;offset:5'", 2, "entry 1 'partition:0' has no ','"},
    {"ddl -t t --startup-mode timestamp --startup-timestamp-millis -5", 2, "--startup-timestamp-millis '-5'"},
    {"ddl -t t --startup-mode group-offsets", 2, "group-offsets needs -g/--group"},
    {"ddl -t t -g g --auto-offset-reset sometimes", 2, "auto.offset.reset strategy 'sometimes'"},
    {"ddl -t t -X sasl.password=hunter2", 2, "not expected: sasl.password=[redacted] -X"},
    // ---- broker ----
    {"broker --port 70000", 2, "--port: Value 70000 not in range"},
    {"broker --brokers 0", 2, "--brokers: Value 0 not in range"},
    {"broker --topic a:0", 2, "--topic 'a:0': the partition count must be 1..10000"},
    {"broker --topic 'bad topic'", 2, "--topic 'bad topic'"},
    // ---- formats ----
    {"formats --output xml", 2, "--output: xml not in {auto,table,json}"},
    {"formats extra", 2, "not expected: extra"},
    // ---- chart ----
    {"chart", 2, "trace is required"},
    {"chart {tmp}/missing.csv", 1, "watermark trace '{tmp}/missing.csv' does not exist"},
    {"chart {tmp}/no_header.csv", 1, "no_header.csv line 1: not a tidemark watermark trace: the header has no 'kind' column"},
    {"chart --width -5 {tmp}/no_header.csv", 2, "--width: Value -5 not in range"},
};
// clang-format on

std::string free_port_listening(int* keep_fd) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "";
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  if (keep_fd != nullptr) {
    ::listen(fd, 16);  // accepted by the kernel, never answered: the "silent" broker
    *keep_fd = fd;
  } else {
    ::close(fd);
  }
  return std::to_string(port);
}

class BadInputCatalogue : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = ::testing::TempDir() + "tidemark_bad_input_" + std::to_string(::getpid());
    std::filesystem::create_directories(tmp_);
    write("bad.properties", "linger.ms=5\n=oops\n");
    write("rejected.properties", "# from a Java client\nlinger.ms=5\nacks=banana\n");
    write("oauth.properties",
          "sasl.mechanism=OAUTHBEARER\nsecurity.protocol=sasl_plaintext\n"
          "enable.sasl.oauthbearer.unsecure.jwt=true\nsasl.oauthbearer.config=who=me\n");
    write("empty.csv", "");
    write("no_header.csv", "a,b,c\n1,2,3\n");

    silent_ = "127.0.0.1:" + free_port_listening(&silent_fd_);
    const std::string port = free_port_listening(nullptr);
    broker_ = "127.0.0.1:" + port;
    broker_process_ = Subprocess::start({TIDEMARK_BINARY, "broker", "--port", port, "--topic",
                                         "present:2", "--topic", "rawtext:1"})
                          .release();
    if (broker_process_ != nullptr) {
      broker_process_->wait_for_stdout("bootstrap:", std::chrono::seconds(20));
    }
    // A record without tidemark's headers, as another producer would write it.
    kcat_status_ = std::system(
        ("printf 'not json at all' | /usr/bin/kcat -b " + broker_ + " -t rawtext -p 0 -P 2>&1")
            .c_str());
  }

  static void TearDownTestSuite() {
    delete broker_process_;
    broker_process_ = nullptr;
    if (silent_fd_ >= 0) ::close(silent_fd_);
    std::filesystem::remove_all(tmp_);
  }

  static void write(const std::string& name, const std::string& text) {
    std::ofstream(tmp_ + "/" + name, std::ios::binary) << text;
  }

  static std::string substitute(std::string text) {
    const std::map<std::string, std::string> values = {{"{tmp}", tmp_},
                                                       {"{data}", TIDEMARK_TEST_DATA_DIR},
                                                       {"{closed}", "127.0.0.1:1"},
                                                       {"{silent}", silent_},
                                                       {"{broker}", broker_}};
    for (const auto& [key, value] : values) {
      for (std::size_t pos = text.find(key); pos != std::string::npos;
           pos = text.find(key, pos + value.size())) {
        text.replace(pos, key.size(), value);
      }
    }
    return text;
  }

  static std::string tmp_;
  static std::string silent_;
  static int silent_fd_;
  static std::string broker_;
  static Subprocess* broker_process_;
  static int kcat_status_;
};

std::string BadInputCatalogue::tmp_;
std::string BadInputCatalogue::silent_;
int BadInputCatalogue::silent_fd_ = -1;
std::string BadInputCatalogue::broker_;
Subprocess* BadInputCatalogue::broker_process_ = nullptr;
int BadInputCatalogue::kcat_status_ = -1;

TEST_F(BadInputCatalogue, EveryRowExitsWithItsCodeAndNamesTheBadInput) {
  ASSERT_NE(broker_process_, nullptr);
  ASSERT_EQ(kcat_status_, 0) << "writing the header-less record with /usr/bin/kcat failed";
  for (const BadInput& row : kCatalogue) {
    const std::string args = substitute(row.args);
    // `timeout`: a row that hangs fails instead of stalling the suite.
    const RunResult r = tidemark::testing::run_tidemark_split(args, "timeout 60 ");
    const std::string expected = substitute(row.message);
    EXPECT_EQ(r.exit_code, row.exit_code) << "tidemark " << args << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find("tidemark: error: "), std::string::npos)
        << "tidemark " << args << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos)
        << "tidemark " << args << "\nexpected in stderr: " << expected << "\nstderr: " << r.err;
  }
}

TEST_F(BadInputCatalogue, CoversEveryCommandWithAtLeastFortyRows) {
  EXPECT_GE(kCatalogue.size(), 40u);
  std::map<std::string, int> per_command;
  for (const BadInput& row : kCatalogue) {
    std::istringstream words(row.args);
    std::string command;
    words >> command;
    ++per_command[command];
  }
  for (const char* command : {"demo", "produce", "consume", "offsets", "verify", "ddl", "perf",
                              "bench", "broker", "formats", "chart"}) {
    EXPECT_GE(per_command[command], 1) << command;
  }
}

// ---- docs/errors.md holds the same rows ----

constexpr std::string_view kBegin = "<!-- bad-input-catalogue:begin (generated";
constexpr std::string_view kEnd = "<!-- bad-input-catalogue:end -->";

std::string escape_cell(std::string text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// A Markdown code span; text holding backticks gets a double-backtick fence.
std::string code_span(const std::string& text) {
  if (text.find('`') == std::string::npos) return "`" + escape_cell(text) + "`";
  return "`` " + escape_cell(text) + " ``";
}

std::string catalogue_table() {
  std::string table =
      "<!-- bad-input-catalogue:begin (generated from tests/cli/bad_input_catalogue_test.cc; "
      "TIDEMARK_UPDATE_DOCS=1 ./build/tests/cli_tests --gtest_filter='BadInputCatalogue.*' "
      "rewrites it) -->\n"
      "| command line | exit | the message says |\n"
      "|---|---|---|\n";
  for (const BadInput& row : kCatalogue) {
    table += "| " + code_span("tidemark" + (row.args.empty() ? "" : " " + row.args)) + " | " +
             std::to_string(row.exit_code) + " | " + code_span(row.message) + " |\n";
  }
  table += kEnd;
  return table;
}

TEST_F(BadInputCatalogue, DocsErrorsMdListsEveryRow) {
  const std::string path = std::string(TIDEMARK_SOURCE_DIR) + "/docs/errors.md";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t begin = doc.find(kBegin);
  const std::size_t end = doc.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << path << " lacks the catalogue markers";
  ASSERT_NE(end, std::string::npos) << path << " lacks the catalogue markers";
  const std::string current = doc.substr(begin, end + kEnd.size() - begin);
  const std::string expected = catalogue_table();
  if (current != expected && std::getenv("TIDEMARK_UPDATE_DOCS") != nullptr) {
    doc.replace(begin, current.size(), expected);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << doc;
    GTEST_SKIP() << "rewrote the table in " << path;
  }
  if (current == expected) return;
  // Name the first line that differs rather than printing both tables.
  std::istringstream a(current);
  std::istringstream b(expected);
  std::string line_a;
  std::string line_b;
  int line = 0;
  while (true) {
    ++line;
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) break;
    if (!more_a || !more_b || line_a != line_b) {
      ADD_FAILURE() << path << ": the catalogue table differs from the test's list at table line "
                    << line << "\n  docs:     " << (more_a ? line_a : "(end)")
                    << "\n  the list: " << (more_b ? line_b : "(end)")
                    << "\nrerun with TIDEMARK_UPDATE_DOCS=1 to rewrite the table";
      break;
    }
  }
}

}  // namespace
