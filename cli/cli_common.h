// What every subcommand shares: the exit codes, the process-wide context built in main, and
// output helpers (table on a terminal, JSON Lines on a pipe).
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"
#include "tidemark/kafka/config.h"
#include "tidemark/kafka/embedded_broker.h"
#include "tidemark/serializers/serializer_registry.h"

namespace tidemark::cli {

// Documented in README.md and `tidemark --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // runtime failure, including any failed delivery
inline constexpr int kExitUsage = 2;        // bad flags or flag values
inline constexpr int kExitIncomplete = 3;   // timed out before the requested count or bound
inline constexpr int kExitInterrupted = 130;

struct Context {
  serializers::SerializerRegistry registry;
  int exit_code = kExitOk;
};

// Registers a subcommand; the callback runs when it is selected and sets ctx.exit_code.
using CommandInstaller = void (*)(CLI::App& app, Context& ctx);

// Subcommands (one file each).
void install_demo_command(CLI::App& app, Context& ctx);     // demo_command.cc
void install_formats_command(CLI::App& app, Context& ctx);
void install_broker_command(CLI::App& app, Context& ctx);  // broker_command.cc
void install_produce_command(CLI::App& app, Context& ctx);  // produce_command.cc
void install_perf_command(CLI::App& app, Context& ctx);     // perf_command.cc: perf produce, ...
void install_perf_consume(CLI::App& perf, Context& ctx);    // perf_consume_command.cc
void install_bench_command(CLI::App& app, Context& ctx);    // bench_command.cc: bench serializers
void install_bench_kafka(CLI::App& bench, Context& ctx);    // bench_kafka_command.cc
void install_consume_command(CLI::App& app, Context& ctx);  // consume_command.cc
void install_offsets_command(CLI::App& app, Context& ctx);  // offsets_command.cc
void install_verify_command(CLI::App& app, Context& ctx);   // verify_command.cc
void install_ddl_command(CLI::App& app, Context& ctx);      // ddl_command.cc
void install_chart_command(CLI::App& app, Context& ctx);    // chart_command.cc

// How tabular data is written: a readable table on a terminal, JSON Lines on a pipe, unless
// the user says otherwise with --output.
enum class OutputStyle { kAuto, kTable, kJson };
// Adds `--output auto|table|json` (default auto) writing into `style`.
void add_output_option(CLI::App& cmd, OutputStyle& style);
bool stdout_is_terminal();
bool use_table(OutputStyle style);

// Prints rows as an aligned table; `right_align[i]` for numeric columns. To stdout, or `out`.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows,
                 const std::vector<bool>& right_align);
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows,
                 const std::vector<bool>& right_align);

// ---- Ctrl-C (SIGINT) and SIGTERM ----
//
// One handler for the whole process, for the commands that run until they are done or stopped
// (`tidemark broker` alone waits for the signal with sigwait instead: broker_command.cc). The
// handler sets the stop flag, which the running loop polls (EventProducer::run,
// EventConsumer::run and TopicVerifier::run take it as `stop`), and calls the interrupt hook of
// the running object, if one is registered (InterruptHook), so that a wait inside it (a producer
// waiting for room or flushing, a consumer's poll) ends soon as well. Every signal does the same:
// a second Ctrl-C does not kill the process, the clean end (flush, summary, last commit) still
// runs. SA_RESTART: system calls the signal interrupts are restarted. The handler uses nothing
// but lock-free atomics and the hooks, which must be async-signal-safe.

// Installs the handler for SIGINT and SIGTERM (installing it again is harmless) and returns the
// stop flag it sets.
const std::atomic<bool>* install_stop_signals();

// Whether a stop signal arrived.
bool stop_requested();

// While it lives, a stop signal also calls `interrupt(context)`: the async-signal-safe interrupt
// of the object the command is running (kafka::Producer, consumer::EventConsumer and
// consumer::TopicVerifier each store an atomic flag there). A stop signal that arrived before the
// hook was registered calls it at once. Hooks nest: the innermost one is called, and its
// destructor brings back the one it replaced. The destructor returns only once no handler is
// still calling the hook, so the object may be destroyed right after it.
class InterruptHook {
 public:
  using Function = void (*)(void* context) noexcept;

  InterruptHook(Function interrupt, void* context);
  // For an object with `void interrupt() noexcept` (async-signal-safe).
  template <typename T>
  explicit InterruptHook(T& object)
      : InterruptHook([](void* o) noexcept { static_cast<T*>(o)->interrupt(); }, &object) {}
  ~InterruptHook();
  InterruptHook(const InterruptHook&) = delete;
  InterruptHook& operator=(const InterruptHook&) = delete;

  // What a stop signal does with the hook.
  void call() const noexcept { interrupt_(context_); }

 private:
  const Function interrupt_;
  void* const context_;
  const InterruptHook* const replaced_;
};

// ---- Kafka client flags, shared by the commands that talk to Kafka ----

// Loads `-F file` (when `properties_file` is non-null) and then every `-X key=value` into
// `config`. Errors: kInvalidArgument naming the file line or the -X argument (usage errors).
core::Status apply_kafka_flags(kafka::Config& config, const std::string* properties_file,
                               const std::vector<std::string>& x_options);

// The -b value to use: `flag` when given, else nothing when -F/-X set bootstrap.servers, else
// the labs' localhost:9092.
std::string bootstrap_or_default(const std::string& flag, const kafka::Config& config);

// For -b embedded: starts the in-process broker with `topic` (`partitions` partitions), prints
// where it runs on stderr (unless `announce` is false: perf runs start one per run) and replaces
// `bootstrap` with its address. Otherwise checks that a broker answers at `bootstrap` within 5 s
// (kafka::wait_for_broker) and returns null; no answer is kIo (exit 1, a runtime failure), never
// kTimeout.
core::Result<std::unique_ptr<kafka::EmbeddedBroker>> start_or_check_broker(
    const kafka::Config& config, std::string& bootstrap, std::string_view topic, int partitions,
    bool announce = true);

// The command line as typed, remembered by main so that error messages can be scrubbed of the
// secrets on it.
void set_command_line(int argc, char** argv);

// `text` with the value of every secret setting typed on the command line replaced by
// "[redacted]": `-X sasl.password=V`, `-Xsasl.password=V`, `key:V`, and the word after a bare
// secret key (see kafka::is_secret_key). Defence in depth for messages that quote arguments
// (CLI11's "arguments were not expected: ...", librdkafka's value echoes).
std::string redact_command_line_secrets(std::string text);

// Writes "tidemark: error: <message>" (secrets of the command line redacted) to stderr and
// returns the exit code for the status:
// kInvalidArgument -> kExitUsage, kTimeout -> kExitIncomplete, kCancelled -> kExitInterrupted,
// anything else -> kExitFailure.
int report_error(const core::Status& status);

// Writes "tidemark: interrupted" (with ": <note>" when `note` is not empty) to stderr and
// returns kExitInterrupted: the last line of every command a stop signal ended.
int report_interrupted(std::string_view note = {});

// Writes `text` to `path` (created or truncated). Errors: kIo naming `flag` and the path.
core::Status write_text_file(const std::string& path, const std::string& text,
                             std::string_view flag);

// Appends a JSON string literal (quotes and escapes) to out; for the CLI's own JSON output.
// v with `digits` decimals ("%.*f"), for the tables of perf and bench.
std::string fixed(double v, int digits);

void append_json_string(std::string& out, std::string_view text);

}  // namespace tidemark::cli
