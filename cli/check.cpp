// cli/check.cpp: `racewin check PATH...`.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <numeric>
#include <fstream>
#include <sstream>
#include <new>
#include <ostream>

#include "cli/commands.hpp"
#include "cli/scenario_input.hpp"
#include "engine/state_store.hpp"
#include "cli/exit_codes.hpp"
#include "cli/report.hpp"
#include "engine/interrupt.hpp"
#include "models/check.hpp"
#include "models/scenario_file.hpp"

namespace rw::cli {
namespace fs = std::filesystem;

namespace {

// Expands folders into their *.toml files (recursively, sorted); reports paths that hold none.
// The walk never throws: subfolders it may not read are skipped, symlinks to folders are not
// followed (so `ln -s . loop` is no loop), and a *.toml whose type cannot be read (a link to
// itself) is reported in one line.
bool collect(const std::vector<std::string>& paths, std::vector<fs::path>& files, std::ostream& err) {
  bool ok = true;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      std::string problem;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().extension() != ".toml") continue;
        std::error_code type_ec;
        if (it->is_regular_file(type_ec)) found.push_back(it->path());
        else if (type_ec && problem.empty()) problem = fmt::format("{}: cannot read the file: {}", it->path().string(), type_ec.message());
      }
      if (ec) {
        err << p << ": cannot read the folder: " << ec.message() << '\n';
        ok = false;
        continue;
      }
      if (!problem.empty()) {
        err << problem << '\n';
        ok = false;
        continue;
      }
      if (found.empty()) {
        err << p << ": no scenario files (*.toml) in this folder\n";
        ok = false;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.emplace_back(p);  // a file, or `-`: standard input
    }
  }
  return ok;
}

bool is_terminal(const std::ostream& s) { return &s == &std::cerr && ::isatty(2) == 1; }

// The live status line: executions, rate, bound, and (when it can be estimated) the total and
// the time left. Written over itself with a carriage return; cleared by clear_progress().
std::function<void(const engine::Progress&)> progress_printer(std::ostream& err) {
  return [&err](const engine::Progress& p) {
    std::string line = fmt::format("  {} executions", p.executions);
    if (p.states > 0) line += fmt::format(", {} states", p.states);
    if (p.seconds > 0) line += fmt::format(", {:.0f}/s", static_cast<double>(p.executions) / p.seconds);
    if (p.bounded) line += fmt::format(", preemption bound {}", p.bound);
    if (p.estimated_total > static_cast<double>(p.executions) && p.seconds > 0) {
      const double left = p.seconds * (p.estimated_total / static_cast<double>(std::max<std::uint64_t>(1, p.executions)) - 1);
      line += fmt::format(", ~{:.0f} in all, ~{:.0f} s left", p.estimated_total, left);
    }
    err << '\r' << line << "\x1b[K" << std::flush;
  };
}
void clear_progress(std::ostream& err) { err << "\r\x1b[K" << std::flush; }

}  // namespace

namespace {
// SIGINT and SIGTERM stop the search at its next step (engine/interrupt.hpp); the report of
// what was covered is printed as for any incomplete search. A second signal acts as usual.
void on_signal(int) { engine::request_stop(); }
struct StopOnSignal {
  struct sigaction old_int{}, old_term{};
  StopOnSignal() {
    engine::clear_stop_request();
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~StopOnSignal() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
};
// What a checkpoint names the scenario by: its text (wherever the file is now) and its era.
std::string search_identity(const models::Scenario& s) {
  std::ifstream in(s.file, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = std::move(buffer).str();
  return fmt::format("{:016x} {}", engine::StateStore::hash(std::vector<std::uint64_t>(text.begin(), text.end())), s.title());
}

}  // namespace

int check(const CheckArgs& args, std::ostream& out, std::ostream& err) {
  const StopOnSignal stop_on_signal;
  engine::ExploreOptions opt = args.options;
  if (args.progress && is_terminal(err)) opt.progress = progress_printer(err);
  std::vector<fs::path> files;
  bool ok = collect(args.paths, files, err);
  std::vector<models::Scenario> scenarios;
  for (const auto& f : files) {
    auto s = read_scenario(f.string(), *args.in);
    if (!s) {
      err << s.error().to_string() << '\n';
      ok = false;
    } else {
      scenarios.push_back(std::move(*s));
    }
  }
  if (!ok) return kExitBadInput;
  // A checkpoint belongs to one search: one scenario in one era, named by its text.
  if (!opt.checkpoint.empty() || !opt.resume.empty()) {
    const std::size_t runs = std::accumulate(scenarios.begin(), scenarios.end(), std::size_t{0},
                                             [](std::size_t n, const models::Scenario& s) { return n + models::per_era(s).size(); });
    if (std::find(args.paths.begin(), args.paths.end(), "-") != args.paths.end()) {
      err << "racewin: --checkpoint and --resume need a scenario file, not standard input\n";
      return kExitBadInput;
    }
    if (runs != 1) {
      err << fmt::format("racewin: --checkpoint and --resume take one scenario in one era; {} asked for {} runs "
                         "(name one file whose `kernel` is one era)\n",
                         args.paths.empty() ? std::string("scenarios/") : args.paths.front(), runs);
      return kExitBadInput;
    }
  }
  std::vector<Checked> all;
  std::size_t skipped = 0;
  for (auto& file_scenario : scenarios)
    for (auto& s : models::per_era(file_scenario)) {  // each era it lists, with its own verdict
      if (engine::stop_requested()) {
        ++skipped;
        continue;
      }
      models::CheckResult r;
      if (!opt.checkpoint.empty() || !opt.resume.empty()) {
        opt.search_identity = search_identity(s);
        if (!opt.resume.empty())
          if (auto problem = engine::resume_problem(opt)) {
            err << "racewin: --resume: " << *problem << '\n';
            return kExitBadInput;
          }
      }
      try {
        r = models::check_scenario(s, opt);
      } catch (const std::bad_alloc&) {  // the search's memory is freed by now: say so, and go on
        r = models::CheckResult{};
        r.report.verdict = engine::Verdict::Error;
        r.report.error = opt.max_memory == 0
                             ? "ran out of memory (std::bad_alloc); set --max-memory below the limit to stop with a report of what was covered"
                             : "ran out of memory (std::bad_alloc) before --max-memory was reached; set it lower";
        r.mismatch = r.report.error;
      }
      if (opt.progress) clear_progress(err);
      all.push_back(Checked{std::move(s), std::move(r)});
    }
  if (args.format == "json") out << check_json(all).dump(2) << '\n';
  else out << check_text(all, args.timing, report_width(args.width, out));
  if (engine::stop_requested()) {
    err << fmt::format("racewin: interrupted: the search that was running reports what it covered{}\n",
                       skipped == 0 ? "" : fmt::format("; {} scenario{} not checked", skipped, skipped == 1 ? "" : "s"));
    return kExitInterrupted;
  }
  const auto error = [](const Checked& c) { return c.result.report.verdict == engine::Verdict::Error; };
  if (std::any_of(all.begin(), all.end(), error)) return kExitError;
  const bool every =
      std::all_of(all.begin(), all.end(), [](const Checked& c) { return c.result.matches || c.result.partial; });
  return every ? kExitOk : kExitMismatch;
}

}  // namespace rw::cli
