// cli/commands.hpp: racewin's commands, one file each (check.cpp, replay.cpp, merge.cpp, scan.cpp). Each
// takes what the command line asked for, already parsed, and returns an exit code (exit_codes.hpp).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/options.hpp"

namespace rw::cli {

struct CheckArgs {
  std::vector<std::string> paths{"scenarios/"};  // scenario files or folders
  std::string format = "text";                   // text or json
  bool timing = true;                            // the time column of the text table
  bool progress = true;                          // the live status line, when stderr is a terminal
  engine::ExploreOptions options;
  std::istream* in = nullptr;                    // standard input, for a path `-`
  std::size_t width = 0;                         // --width (0: the terminal's, see report_width)
};
// Explores each scenario in each era it lists and compares with its expectation.
int check(const CheckArgs& args, std::ostream& out, std::ostream& err);

struct CompareArgs {
  std::string before, after;  // scenario files (one may be `-`)
  std::string format = "text";
  engine::ExploreOptions options;
  std::istream* in = nullptr;
};
// Explores two scenarios (a finding and its fix) in every era they share and reports them side
// by side; exit 0 when the after one is safe in each.
int compare(const CompareArgs& args, std::ostream& out, std::ostream& err);

struct ReplayArgs {
  std::string file, schedule, kernel;
  std::string format = "text";
  std::istream* in = nullptr;  // standard input, for the file `-`
  bool complete = false;       // the schedule is a prefix: finish it with the first schedule that fits
  std::size_t width = 0;       // --width
};
// Re-runs one schedule of a scenario and prints its whole trace.
int replay(const ReplayArgs& args, std::ostream& out, std::ostream& err);

struct ScanArgs {
  std::vector<std::string> paths;  // a kernel tree, folders or C files
  std::string format = "table";    // table, json, sarif, coccicheck
  std::string emit_dir;            // --emit-scenarios
  unsigned jobs = 0;
  bool progress = true;
};
// Classifies every self-reference under the paths (scan/scan.hpp): exit 1 when one is unsafe or
// uncovered, 0 when none is, 2 on bad input.
int scan(const ScanArgs& args, std::ostream& out, std::ostream& err);

// Combines the JSON reports of a sharded check into one verdict per scenario.
int merge(const std::vector<std::string>& files, const std::string& format, std::ostream& out, std::ostream& err);

}  // namespace rw::cli
