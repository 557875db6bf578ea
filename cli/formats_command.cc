// `tidemark formats`: the registered formats, their content types, and how many bytes each
// writes for the built-in sample event of every type.
#include <iostream>

#include "cli_common.h"

namespace tidemark::cli {

namespace {

int run_formats(const Context& ctx, OutputStyle style) {
  std::vector<std::vector<std::string>> rows;
  std::string json_lines;
  std::string bytes;
  for (const auto& s : ctx.registry.all()) {
    std::vector<std::string> row{std::string(s->name()), std::string(s->content_type())};
    std::string line = "{\"name\":";
    append_json_string(line, s->name());
    line += ",\"content_type\":";
    append_json_string(line, s->content_type());
    line += ",\"sample_bytes\":{";
    bool first = true;
    for (core::EventType type : core::kAllEventTypes) {
      if (core::Status st = s->encode(core::sample_event(type), bytes); !st.ok()) {
        return report_error(st.with_context("encoding the sample " +
                                            std::string(core::event_type_name(type)) +
                                            " event as " + std::string(s->name())));
      }
      row.push_back(std::to_string(bytes.size()));
      if (!first) line += ',';
      first = false;
      line += '"';
      line += core::event_type_name(type);
      line += "\":" + std::to_string(bytes.size());
    }
    line += "},\"description\":";
    append_json_string(line, s->description());
    line += "}\n";
    json_lines += line;
    row.emplace_back(s->description());
    rows.push_back(std::move(row));
  }
  if (use_table(style)) {
    print_table({"FORMAT", "CONTENT-TYPE", "LAB B", "WEB B", "TAXI B", "DESCRIPTION"}, rows,
                {false, false, true, true, true, false});
    std::cout << "\nLAB/WEB/TAXI B: bytes of one sample event of that type "
                 "(`tidemark formats --output json` for machines).\n";
  } else {
    std::cout << json_lines;
  }
  return kExitOk;
}

}  // namespace

void install_formats_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "formats", "List the serialization formats with their content types and sample sizes");
  auto style = std::make_shared<OutputStyle>(OutputStyle::kAuto);
  add_output_option(*cmd, *style);
  cmd->callback([&ctx, style] { ctx.exit_code = run_formats(ctx, *style); });
}

}  // namespace tidemark::cli
