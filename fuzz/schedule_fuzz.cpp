// fuzz/schedule_fuzz.cpp: the schedule reader (engine/schedule.hpp) and the replay it drives, as
// `racewin replay scenarios/<name>.toml --schedule '...' [--kernel ERA]` runs them. The input's
// first line names a shipped scenario and optionally an era ("rmmod_force modern"); the rest is
// the schedule. A refused schedule (exit 2) is a clean answer; a crash or sanitizer report is not.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>

#include "cli/commands.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t eol = input.find('\n');
  if (eol == std::string_view::npos) return 0;
  const std::string_view head = input.substr(0, eol);
  const std::size_t space = head.find(' ');
  const std::string name(head.substr(0, space));
  // A name of a file in scenarios/, nothing else: no path, no folder.
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) return 0;
  const std::string file = std::string(RW_SCENARIO_DIR) + "/" + name + ".toml";
  if (!std::filesystem::is_regular_file(file)) return 0;
  rw::cli::ReplayArgs args;
  args.file = file;
  args.kernel = space == std::string_view::npos ? "" : std::string(head.substr(space + 1));
  args.schedule = std::string(input.substr(eol + 1));
  args.format = size % 2 == 0 ? "text" : "json";  // each report by turns: one replay an input
  std::ostringstream out, err;
  (void)rw::cli::replay(args, out, err);
  return 0;
}
