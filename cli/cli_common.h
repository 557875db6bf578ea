// What every subcommand shares: the exit codes, the process-wide context built in main, and
// output helpers (table on a terminal, JSON Lines on a pipe).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/core/status.h"
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
void install_formats_command(CLI::App& app, Context& ctx);
void install_broker_command(CLI::App& app, Context& ctx);  // broker_command.cc
void install_produce_command(CLI::App& app, Context& ctx);  // produce_command.cc
void install_ddl_command(CLI::App& app, Context& ctx);      // ddl_command.cc

// How tabular data is written: a readable table on a terminal, JSON Lines on a pipe, unless
// the user says otherwise with --output.
enum class OutputStyle { kAuto, kTable, kJson };
// Adds `--output auto|table|json` (default auto) writing into `style`.
void add_output_option(CLI::App& cmd, OutputStyle& style);
bool stdout_is_terminal();
bool use_table(OutputStyle style);

// Prints rows as an aligned table; `right_align[i]` for numeric columns.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows,
                 const std::vector<bool>& right_align);

// Writes "tidemark: error: <message>" to stderr and returns the exit code for the status:
// kInvalidArgument -> kExitUsage, kTimeout -> kExitIncomplete, kCancelled -> kExitInterrupted,
// anything else -> kExitFailure.
int report_error(const core::Status& status);

// Appends a JSON string literal (quotes and escapes) to out; for the CLI's own JSON output.
void append_json_string(std::string& out, std::string_view text);

}  // namespace tidemark::cli
