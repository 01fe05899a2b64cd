// cli/scan.cpp: `racewin scan PATH...` (scan/scan.hpp): the findings in the format asked for,
// a progress line on a terminal, and the exit code.
#include <unistd.h>

#include <ostream>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "scan/scan.hpp"

namespace rw::cli {

int scan(const ScanArgs& args, std::ostream& out, std::ostream& err) {
  scan::ScanOptions o;
  for (const auto& p : args.paths) o.paths.emplace_back(p);
  o.jobs = args.jobs;
  const bool live = args.progress && isatty(STDERR_FILENO) != 0;
  if (live) o.progress = [&err](const std::string& line) { err << "\r\033[K" << line << std::flush; };
  const auto r = scan::scan(o);
  if (live) err << "\r\033[K" << std::flush;
  if (!r) {
    err << "racewin: scan: " << r.error() << "\n";
    return kExitBadInput;
  }
  if (!args.emit_dir.empty()) {
    const auto n = scan::emit_scenarios(*r, args.emit_dir);
    if (!n) {
      err << "racewin: scan: " << n.error() << "\n";
      return kExitBadInput;
    }
  }
  scan::write_report(*r, args.format, out);
  for (const auto& f : r->findings)
    if (scan::is_finding(f.cls)) return kExitMismatch;
  return kExitOk;
}

}  // namespace rw::cli
