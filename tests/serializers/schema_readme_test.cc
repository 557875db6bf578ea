// schemas/README.md's field table is documentation users read; it must say what the code does.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tidemark/core/events.h"

namespace tidemark::core {
namespace {

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  std::getline(ss, cell, '|');  // before the first '|'
  while (std::getline(ss, cell, '|')) {
    const auto b = cell.find_first_not_of(' ');
    const auto e = cell.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::string strip_backticks(std::string s) {
  std::erase(s, '`');
  return s;
}

TEST(SchemaReadme, FieldTableMatchesTheCode) {
  std::ifstream in(std::string(TIDEMARK_SCHEMAS_DIR) + "/README.md");
  ASSERT_TRUE(in.good());
  std::map<std::string, std::vector<std::vector<std::string>>> rows;
  std::string line;
  while (std::getline(in, line)) {
    auto c = cells(line);
    if (c.size() == 6 && (c[0] == "lab" || c[0] == "web" || c[0] == "geodata" || c[0] == "taxi")) {
      rows[c[0]].push_back(c);
    }
  }
  const std::map<std::string, std::span<const FieldInfo>> tables{
      {"lab", kLabFields}, {"web", kWebFields}, {"geodata", kGeoDataFields}, {"taxi", kTaxiFields}};
  for (const auto& [type, fields] : tables) {
    ASSERT_EQ(rows[type].size(), fields.size()) << type;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto& row = rows[type][i];
      EXPECT_EQ(strip_backticks(row[1]), fields[i].name) << type;
      EXPECT_EQ(strip_backticks(row[2]), fields[i].cpp_type) << type << "." << fields[i].name;
      EXPECT_EQ(row[3].substr(0, row[3].find(' ')), std::to_string(fields[i].proto_number))
          << type << "." << fields[i].name;
      EXPECT_EQ(row[4].substr(0, row[4].find(' ')), std::to_string(fields[i].thrift_id))
          << type << "." << fields[i].name;
      EXPECT_EQ(row[5], fields[i].nullable ? "yes" : "no") << type << "." << fields[i].name;
    }
  }
}

}  // namespace
}  // namespace tidemark::core
