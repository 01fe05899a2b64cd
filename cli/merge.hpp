// cli/merge.hpp: `racewin merge`'s report reader, apart from the files it reads, so that
// fuzz/merge_fuzz.cpp reads and merges reports exactly as the command does (cli/merge.cpp).
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace rw::cli {

using ReportJson = nlohmann::ordered_json;

// Parses one report of `racewin check --format json` from `in` and checks every field merge
// reads: an error message (one line, naming `file`) or "" when the report can be merged.
std::string parse_report(std::istream& in, const std::string& file, ReportJson& doc);

// Reads the report of one file into `doc`: an error message or "" (as parse_report).
using ReadReport = std::function<std::string(const std::string& file, ReportJson& doc)>;
// merge (cli/commands.hpp) with the reports read through `read`, one file after the other.
int merge_reports(const std::vector<std::string>& files, const ReadReport& read, const std::string& format,
                  std::ostream& out, std::ostream& err);

}  // namespace rw::cli
