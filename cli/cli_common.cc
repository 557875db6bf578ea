#include "cli_common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

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
    std::cout << line << '\n';
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

int report_error(const core::Status& status) {
  std::cerr << "tidemark: error: " << status.message() << '\n';
  switch (status.code()) {
    case core::StatusCode::kInvalidArgument: return kExitUsage;
    case core::StatusCode::kTimeout: return kExitIncomplete;
    case core::StatusCode::kCancelled: return kExitInterrupted;
    default: return kExitFailure;
  }
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
