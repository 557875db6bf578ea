#include "cli_common.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "tidemark/kafka/metadata.h"

namespace tidemark::cli {

void add_output_option(CLI::App& cmd, OutputStyle& style) {
  cmd.add_option_function<std::string>(
         "--output",
         [&style](const std::string& value) {
           style = value == "table" ? OutputStyle::kTable
                   : value == "json" ? OutputStyle::kJson
                                     : OutputStyle::kAuto;
         },
         "auto: a table on a terminal, JSON Lines otherwise; table; json")
      ->check(CLI::IsMember({"auto", "table", "json"}))
      ->type_name("auto|table|json")
      ->default_str("auto");
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

bool use_table(OutputStyle style) {
  return style == OutputStyle::kTable || (style == OutputStyle::kAuto && stdout_is_terminal());
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows,
                 const std::vector<bool>& right_align) {
  print_table(std::cout, header, rows, right_align);
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows,
                 const std::vector<bool>& right_align) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool right = c < right_align.size() && right_align[c];
      const std::size_t pad = width[c] - std::min(width[c], row[c].size());
      if (c > 0) line += "  ";
      if (right) line.append(pad, ' ');
      line += row[c];
      if (!right && c + 1 < row.size()) line.append(pad, ' ');
    }
    out << line << '\n';
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

namespace {

std::vector<std::string>& command_line() {
  static std::vector<std::string> args;
  return args;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (std::size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
}

}  // namespace

void set_command_line(int argc, char** argv) { command_line().assign(argv, argv + argc); }

std::string redact_command_line_secrets(std::string text) {
  const std::vector<std::string>& args = command_line();
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.size() > 2 && arg.substr(0, 2) == "-X") arg.remove_prefix(2);  // -Xkey=value
    const std::size_t sep = arg.find_first_of("=: \t");
    if (sep == std::string_view::npos) {
      // A bare secret key: what follows is most likely its value (-X sasl.password hunter2).
      if (kafka::is_secret_key(trim_blanks(arg)) && i + 1 < args.size()) {
        replace_all(text, args[i + 1], kafka::kRedacted);
      }
      continue;
    }
    if (!kafka::is_secret_key(trim_blanks(arg.substr(0, sep)))) continue;
    const std::string_view value = arg.substr(sep + 1);
    replace_all(text, value, kafka::kRedacted);
    if (!trim_blanks(value).empty()) replace_all(text, trim_blanks(value), kafka::kRedacted);
  }
  return text;
}

// ---- Ctrl-C (SIGINT) and SIGTERM ----

namespace {

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
                  std::atomic<const InterruptHook*>::is_always_lock_free,
              "the stop-signal handler may use lock-free atomics only");

std::atomic<bool> g_stop_signalled{false};
std::atomic<const InterruptHook*> g_interrupt_hook{nullptr};
// Handlers between loading g_interrupt_hook and returning from its call (a signal can arrive on
// any thread, librdkafka's included): ~InterruptHook waits for none to be left.
std::atomic<int> g_hook_callers{0};

extern "C" void on_stop_signal(int /*signal_number*/) {
  g_stop_signalled.store(true);
  g_hook_callers.fetch_add(1);
  if (const InterruptHook* hook = g_interrupt_hook.load()) hook->call();
  g_hook_callers.fetch_sub(1);
}

}  // namespace

const std::atomic<bool>* install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_stop_signalled;
}

bool stop_requested() { return g_stop_signalled.load(); }

InterruptHook::InterruptHook(Function interrupt, void* context)
    : interrupt_(interrupt), context_(context), replaced_(g_interrupt_hook.exchange(this)) {
  if (g_stop_signalled.load()) call();
}

InterruptHook::~InterruptHook() {
  g_interrupt_hook.store(replaced_);
  // A handler that loaded this hook before the store may still be calling it (on another
  // thread: on this one it has returned before the destructor goes on). Its call is a few
  // atomic stores.
  while (g_hook_callers.load() != 0) {
  }
}

int report_error(const core::Status& status) {
  std::cerr << "tidemark: error: " << redact_command_line_secrets(status.message()) << '\n';
  switch (status.code()) {
    case core::StatusCode::kInvalidArgument: return kExitUsage;
    case core::StatusCode::kTimeout: return kExitIncomplete;
    case core::StatusCode::kCancelled: return kExitInterrupted;
    default: return kExitFailure;
  }
}

int report_interrupted(std::string_view note) {
  std::cerr << "tidemark: interrupted" << (note.empty() ? "" : ": ") << note << '\n';
  return kExitInterrupted;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace tidemark::cli

namespace tidemark::cli {

core::Status apply_kafka_flags(kafka::Config& config, const std::string* properties_file,
                               const std::vector<std::string>& x_options) {
  if (properties_file != nullptr) {
    if (core::Status st = config.load_properties_file(*properties_file); !st.ok()) {
      return st.code() == core::StatusCode::kInvalidArgument
                 ? st
                 : core::invalid_argument("-F: " + st.message());
    }
  }
  for (const std::string& x : x_options) {
    if (core::Status st = config.apply_x_option(x); !st.ok()) return st;
  }
  return core::Status();
}

std::string bootstrap_or_default(const std::string& flag, const kafka::Config& config) {
  if (!flag.empty()) return flag;
  if (config.get("bootstrap.servers")) return "";
  return "localhost:9092";
}

core::Result<std::unique_ptr<kafka::EmbeddedBroker>> start_or_check_broker(
    const kafka::Config& config, std::string& bootstrap, std::string_view topic, int partitions,
    bool announce) {
  if (bootstrap == "embedded") {
    kafka::EmbeddedBrokerOptions bo;
    bo.topics.push_back({std::string(topic), partitions});
    core::Result<std::unique_ptr<kafka::EmbeddedBroker>> b = kafka::EmbeddedBroker::start(bo);
    if (!b.ok()) return b.status();
    bootstrap = (*b)->bootstrap();
    if (!announce) return std::move(*b);
    std::cerr << "tidemark: embedded broker at " << bootstrap << ", topic '" << topic
              << "' with " << partitions << (partitions == 1 ? " partition\n" : " partitions\n");
    return std::move(*b);
  }
  core::Result<kafka::ClusterInfo> info = kafka::wait_for_broker(config, bootstrap, 5000);
  if (!info.ok()) {
    // No broker is a runtime failure (exit 1), not an incomplete run (kTimeout, exit 3):
    // nothing was attempted yet.
    if (info.status().code() == core::StatusCode::kTimeout) {
      return core::Status(core::StatusCode::kIo, info.status().message());
    }
    return info.status();
  }
  return std::unique_ptr<kafka::EmbeddedBroker>();
}

core::Status write_text_file(const std::string& path, const std::string& text,
                             std::string_view flag) {
  std::FILE* out = std::fopen(path.c_str(), "w");
  bool ok = out != nullptr && std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (out != nullptr) ok = std::fclose(out) == 0 && ok;
  if (!ok) {
    return {core::StatusCode::kIo, std::string(flag) + " " + core::quoted(path) + ": cannot write"};
  }
  return {};
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace tidemark::cli
