// cli/app.cpp: the command line: declares the commands and their flags, parses, and hands over
// to the command (check.cpp, replay.cpp, merge.cpp). Every decision lives in models/ or engine/;
// flags become options in search_flags.cpp.
#include "cli/app.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <iostream>
#include <ostream>

#include "cli/commands.hpp"
#include "cli/search_flags.hpp"

namespace rw::cli {

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) { return run(args, out, err, std::cin); }

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, std::istream& in) {
  CLI::App app{"racewin: explore every interleaving of kernel-module lifetime protocols"};
  app.set_version_flag("--version", fmt::format("racewin {}", RW_VERSION));
  app.require_subcommand(1);
  app.footer("exit status: 0 as expected (replay: the schedule completed), 1 a verdict differs from its "
             "expectation (replay: a violation), 2 bad input, 3 racewin failed, 4 a search ended in an error, 5 interrupted (SIGINT, SIGTERM)");
  std::string format = "text";
  auto add_format = [&](CLI::App* sub) {
    sub->add_option("--format", format, "output format")->check(CLI::IsMember({"text", "json"}));
  };

  auto* check_cmd = app.add_subcommand("check", "explore each scenario exhaustively and compare with its expectation");
  CheckArgs check_args;
  SearchFlags flags;
  bool no_timing = false;
  check_cmd->add_option("paths", check_args.paths, "scenario files or folders (default: scenarios/); - reads one from standard input");
  add_format(check_cmd);
  add_search_flags(check_cmd, flags);
  check_cmd->add_flag("--no-timing", no_timing, "leave the time column out of the text report");
  check_cmd->add_option("--width", check_args.width, "fit traces to this many columns (default: $COLUMNS or the terminal's)")->check(CLI::Range(40, 1000));

  auto* replay_cmd = app.add_subcommand("replay", "re-run one schedule of a scenario and print its whole trace");
  ReplayArgs replay_args;
  replay_cmd->add_option("scenario", replay_args.file, "scenario file (- reads it from standard input)")->required();
  replay_cmd->add_option("--kernel", replay_args.kernel, "the era to replay in, for a scenario that lists several: 2.6.24 or modern");
  replay_cmd->add_option("--schedule", replay_args.schedule, "fiber names in order, e.g. 'opener*12 rmmod*17 opener'")->required();
  replay_cmd->add_option("--width", replay_args.width, "fit the trace to this many columns (default: $COLUMNS or the terminal's)")->check(CLI::Range(40, 1000));
  replay_cmd->add_flag("--complete", replay_args.complete, "the schedule is a prefix: finish it with the first schedule that fits (the last fiber while it can run, else the first runnable)");
  add_format(replay_cmd);

  auto* compare_cmd = app.add_subcommand("compare", "explore a scenario and its fix and show them side by side: windows, verdicts, outcomes");
  CompareArgs compare_args;
  SearchFlags compare_flags;
  compare_cmd->add_option("before", compare_args.before, "the scenario before the change")->required();
  compare_cmd->add_option("after", compare_args.after, "the scenario after it")->required();
  add_format(compare_cmd);
  add_search_flags(compare_cmd, compare_flags);

  auto* merge_cmd = app.add_subcommand("merge", "combine the JSON reports of 'check --shard i/n' runs into one verdict per scenario");
  std::vector<std::string> reports;
  merge_cmd->add_option("reports", reports, "JSON reports, one per shard")->required();
  add_format(merge_cmd);

  auto* scan_cmd = app.add_subcommand("scan", "classify every try_module_get/module_put(THIS_MODULE) under kernel sources, through Coccinelle");
  ScanArgs scan_args;
  scan_cmd->add_option("paths", scan_args.paths, "a kernel tree, driver folders or C files")->required();
  scan_cmd->add_option("--format", scan_args.format, "output format")->check(CLI::IsMember({"table", "json", "sarif", "coccicheck"}));
  scan_cmd->add_option("--emit-scenarios", scan_args.emit_dir, "write each site's generated scenario into this folder");
  scan_cmd->add_option("--jobs", scan_args.jobs, "spatch processes at once (default: one per core)")->check(CLI::Range(1u, 256u));
  bool scan_quiet = false;
  scan_cmd->add_flag("--quiet", scan_quiet, "no progress line");

  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("racewin: ") + e.what() + " (see racewin --help)\n";
  });
  const auto known = [&](const std::string& name) {
    for (const auto* sub : app.get_subcommands({}))
      if (sub->get_name() == name) return true;
    return false;
  };
  if (!args.empty() && !args.front().starts_with("-") && !known(args.front())) {
    err << "racewin: unknown command '" << args.front() << "' (expected: check, compare, replay, merge, scan)\n";
    return kExitBadInput;
  }
  std::vector<std::string> argv_rev(args.rbegin(), args.rend());
  try {
    app.parse(argv_rev);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitBadInput;
  }

  if (check_cmd->parsed()) {
    auto options = to_explore_options(flags);
    if (!options) {
      err << "racewin: " << options.error() << " (see racewin --help)\n";
      return kExitBadInput;
    }
    check_args.options = std::move(*options);
    check_args.format = format;
    check_args.timing = !no_timing;
    check_args.progress = !flags.quiet;
    check_args.in = &in;
    return check(check_args, out, err);
  }
  if (merge_cmd->parsed()) return merge(reports, format, out, err);
  if (compare_cmd->parsed()) {
    auto options = to_explore_options(compare_flags);
    if (!options) {
      err << "racewin: " << options.error() << " (see racewin --help)\n";
      return kExitBadInput;
    }
    if (!options->checkpoint.empty() || !options->resume.empty()) {
      err << "racewin: --checkpoint and --resume apply to check (see racewin --help)\n";
      return kExitBadInput;
    }
    compare_args.options = std::move(*options);
    compare_args.format = format;
    compare_args.in = &in;
    return compare(compare_args, out, err);
  }
  if (scan_cmd->parsed()) {
    scan_args.progress = !scan_quiet;
    return scan(scan_args, out, err);
  }
  replay_args.format = format;
  replay_args.in = &in;
  return replay(replay_args, out, err);
}

}  // namespace rw::cli
