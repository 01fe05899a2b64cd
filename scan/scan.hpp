// scan/scan.hpp: `racewin scan` as a library: the C files under some paths, the facts
// Coccinelle reads from them, one classified finding per self-reference, and the reports.
#pragma once
#include <expected>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "scan/classify.hpp"

namespace rw::scan {

struct ScanOptions {
  std::vector<std::filesystem::path> paths;  // a tree, folders or C files
  unsigned jobs = 0;                         // spatch processes; 0: one per core
  std::function<void(const std::string&)> progress;  // a status line, or nothing
};

struct ScanResult {
  std::vector<Finding> findings;
  std::size_t files_with_sites = 0;  // files grep found a self-reference in
  std::size_t files_read = 0;        // files spatch read (those and their modules' other files)
};

// The C files under `paths` that mention a self-reference (the cheap first pass), their
// modules' other files, the facts, and the findings. Bad input (a path that does not exist,
// nothing to scan) comes back as a message.
std::expected<ScanResult, std::string> scan(const ScanOptions& options);

// Reports: "table" (the default), "json", "sarif" (SARIF 2.1.0), "coccicheck" (file:line: WARNING: ...).
void write_report(const ScanResult& r, const std::string& format, std::ostream& out);
// Writes each finding's scenario to dir/<name>.toml, commented with the source lines it came from.
std::expected<std::size_t, std::string> emit_scenarios(const ScanResult& r, const std::filesystem::path& dir);

}  // namespace rw::scan
