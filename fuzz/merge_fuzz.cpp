// fuzz/merge_fuzz.cpp: `racewin merge`'s report reader and the merge itself (cli/merge.hpp) on
// arbitrary reports. The input is one or more reports, split at lines that hold only "---",
// read as the files shard0.json, shard1.json, ... A refused report or a refused set of shards
// (exit 2) is a clean answer; a crash, a sanitizer report or an escaping exception is not.
#include <cstddef>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/merge.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSplit = "\n---\n";
  std::map<std::string, std::string> reports;
  std::vector<std::string> files;
  for (std::size_t at = 0; at <= input.size() && files.size() < 16;) {
    const std::size_t end = std::min(input.find(kSplit, at), input.size());
    files.push_back("shard" + std::to_string(files.size()) + ".json");
    reports[files.back()] = std::string(input.substr(at, end - at));
    at = end + kSplit.size();
  }
  const rw::cli::ReadReport read = [&](const std::string& file, rw::cli::ReportJson& doc) {
    std::istringstream in(reports.at(file));
    return rw::cli::parse_report(in, file, doc);
  };
  std::ostringstream out, err;
  (void)rw::cli::merge_reports(files, read, size % 2 == 0 ? "text" : "json", out, err);  // by turns
  return 0;
}
