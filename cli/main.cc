// The single `tidemark` binary. main stays thin: build the context, install the subcommands
// (one file each), parse, and turn the outcome into an exit code.
#include <iostream>

#include "cli_common.h"
#include "tidemark/kafka/versions.h"
#include "tidemark/serializers/versions.h"

#ifdef TIDEMARK_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace {

// The process's allocator (cli/CMakeLists.txt): mimalloc's version as it reports it (e.g. 209 for
// 2.0.9), else glibc's malloc.
std::string allocator_text() {
#ifdef TIDEMARK_WITH_MIMALLOC
  const int v = mi_version();
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
         std::to_string(v % 10);
#else
  return "glibc malloc";
#endif
}

std::string version_text() {
  std::string text = "tidemark " TIDEMARK_VERSION "\n";
  text += "  librdkafka " + tidemark::kafka::librdkafka_version() + "\n";
  for (const auto& [library, version] : tidemark::serializers::library_versions()) {
    text += "  " + library + " " + version + "\n";
  }
  text += "  allocator: " + allocator_text() + "\n";
  text.pop_back();
  return text;
}

std::string subcommand_names(CLI::App& app) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (!names.empty()) names += ", ";
    names += sub->get_name();
  }
  return names;
}

bool is_subcommand(CLI::App& app, const std::string& word) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == word) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tidemark::cli;
  set_command_line(argc, argv);
  Context ctx{tidemark::serializers::make_builtin_registry()};

  CLI::App app{
      "tidemark: Kafka lab traffic, serializer benchmarks and offset replays.\n"
      "Exit codes: 0 done, 1 runtime failure, 2 usage error, 3 incomplete, 130 interrupted."};
  app.name("tidemark");
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);
  app.fallthrough(false);

  // One line per subcommand, in the order `tidemark --help` lists them.
  for (CommandInstaller install : {
           install_demo_command,
           install_produce_command,
           install_consume_command,
           install_offsets_command,
           install_verify_command,
           install_ddl_command,
           install_perf_command,
           install_bench_command,
           install_broker_command,
           install_formats_command,
           install_chart_command,
       }) {
    install(app, ctx);
  }

  if (argc < 2) {
    std::cerr << "tidemark: error: a command is required (commands: " << subcommand_names(app)
              << ")\nRun 'tidemark --help' for usage.\n";
    return kExitUsage;
  }
  // CLI11 would only say "a subcommand is required"; name the word the user typed instead.
  if (argc > 1 && argv[1][0] != '-' && !is_subcommand(app, argv[1])) {
    std::cerr << redact_command_line_secrets("tidemark: error: unknown command '" +
                                             std::string(argv[1]) +
                                             "' (commands: " + subcommand_names(app) + ")")
              << "\nRun 'tidemark --help' for usage.\n";
    return kExitUsage;
  }
  // The same one level down, for the commands that need a command of their own (perf, bench):
  // `tidemark perf` and `tidemark bench frob` name what is missing or unknown and the choices.
  if (argc > 1 && argv[1][0] != '-') {
    CLI::App* command = app.get_subcommand(argv[1]);
    if (command->get_require_subcommand_min() > 0) {
      const std::string name(argv[1]);
      if (argc == 2) {
        std::cerr << "tidemark: error: " << name << " needs a command (commands: "
                  << subcommand_names(*command) << ")\nRun 'tidemark " << name
                  << " --help' for usage.\n";
        return kExitUsage;
      }
      if (argv[2][0] != '-' && !is_subcommand(*command, argv[2])) {
        std::cerr << redact_command_line_secrets("tidemark: error: unknown " + name +
                                                 " command '" + std::string(argv[2]) +
                                                 "' (commands: " +
                                                 subcommand_names(*command) + ")")
                  << "\nRun 'tidemark " << name << " --help' for usage.\n";
        return kExitUsage;
      }
    }
  }
  // The same for an option before the command (`tidemark --topic t produce`).
  if (argc > 1 && argv[1][0] == '-') {
    const std::string word(argv[1]);
    if (app.get_option_no_throw(word.substr(0, word.find('='))) == nullptr) {
      std::cerr << redact_command_line_secrets("tidemark: error: unknown option '" + word +
                                               "' before the command (tidemark COMMAND "
                                               "[OPTIONS]; commands: " +
                                               subcommand_names(app) + ")")
                << "\nRun 'tidemark --help' for usage.\n";
      return kExitUsage;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes differ per error kind; tidemark documents one: 2 for every usage error.
    std::cerr << "tidemark: error: " << redact_command_line_secrets(e.what())
              << "\nRun 'tidemark --help' for usage.\n";
    return kExitUsage;
  }
  return ctx.exit_code;
}
