// cli/app.cpp: argument parsing and printing only. Every decision lives in models/ or engine/.
#include "cli/app.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <limits>
#include <filesystem>
#include <functional>
#include <iostream>
#include <ostream>
#include <thread>

#include "cli/merge.hpp"
#include "cli/report.hpp"
#include "engine/explorer.hpp"
#include "engine/schedule.hpp"
#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

namespace rw::cli {
namespace fs = std::filesystem;

namespace {

// A whole number from 1 up, with a message that says so (CLI::PositiveNumber's does not).
std::uint64_t parse_count(const std::string& text, const char* flag, std::string& error) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v == 0)
    error = fmt::format("{}: expected a whole number from 1 up, got '{}'", flag, text);
  return v;
}

// Expands folders into their *.toml files (recursively, sorted); reports paths that hold none.
bool collect(const std::vector<std::string>& paths, std::vector<fs::path>& files, std::ostream& err) {
  bool ok = true;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".toml") found.push_back(it->path());
      if (ec) {
        err << p << ": cannot read the folder: " << ec.message() << '\n';
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
      files.emplace_back(p);
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

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"racewin: explore every interleaving of kernel-module lifetime protocols"};
  app.require_subcommand(1);
  std::string format = "text";
  engine::ExploreOptions opt;
  bool no_cache = false, no_timing = false, no_shrink = false;

  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--format", format, "output format")->check(CLI::IsMember({"text", "json"}));
  };
  auto* check = app.add_subcommand("check", "explore each scenario exhaustively and compare with its expectation");
  std::vector<std::string> paths{"scenarios/"};
  check->add_option("paths", paths, "scenario files or folders (default: scenarios/)");
  add_common(check);
  std::string max_executions, max_steps;
  check->add_option("--max-executions", max_executions, "stop after N executions (the verdict is then incomplete)");
  check->add_option("--max-steps", max_steps, "cut an execution after N steps (the verdict is then incomplete)");
  check->add_flag("--no-state-cache", no_cache, "explore every schedule, even those reaching a state already explored");
  check->add_flag("--check-state", opt.check_state,
                  "re-run sampled futures of states reached twice and fail if they differ");
  check->add_flag("--no-shrink", no_shrink, "show the first violating schedule found, not the smallest");
  check->add_flag("--no-timing", no_timing, "leave the time column out of the text report");
  std::string reduction = "optimal", strategy = "dfs", bound, jobs, shard, seed, iterations, depth, symmetry = "on";
  bool quiet = false;
  check->add_option("--reduction", reduction, "partial-order reduction: none, source or optimal (default)");
  check->add_option("--symmetry", symmetry, "on (default): store one state per renaming of fibers that run the same program; off: every state as it is");
  check->add_option("--preemption-bound", bound, "explore only schedules with at most K preemptions; 'auto': K = 0, 1, 2, ... until a violation or the whole space");
  check->add_option("--strategy", strategy, "dfs (exhaustive, default), random (uniform random walks) or pct");
  check->add_option("--seed", seed, "random and pct: the seed (default 1)");
  check->add_option("--iterations", iterations, "random and pct: executions to run (default 10000)");
  check->add_option("--depth", depth, "pct: the bug depth d (default 3)");
  check->add_option("--jobs,-j", jobs, "threads for exhaustive search (default: every core)");
  check->add_option("--shard", shard, "explore only part i of n of the tree (i/n, 0 <= i < n); combine the reports with 'racewin merge'");
  check->add_flag("--quiet,-q", quiet, "no live progress line");

  auto* replay = app.add_subcommand("replay", "re-run one schedule of a scenario and print its whole trace");
  std::string file, schedule_text, kernel;
  replay->add_option("scenario", file, "scenario file")->required();
  replay->add_option("--kernel", kernel, "the era to replay in, for a scenario that lists several: 2.6.24 or modern");
  replay->add_option("--schedule", schedule_text, "fiber names in order, e.g. 'opener*12 rmmod*17 opener'")->required();
  add_common(replay);

  auto* merge_cmd = app.add_subcommand("merge", "combine the JSON reports of 'check --shard i/n' runs into one verdict per scenario");
  std::vector<std::string> reports;
  merge_cmd->add_option("reports", reports, "JSON reports, one per shard")->required();
  add_common(merge_cmd);

  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("racewin: ") + e.what() + " (see racewin --help)\n";
  });
  if (!args.empty() && !args.front().starts_with("-") && args.front() != "check" && args.front() != "replay" &&
      args.front() != "merge") {
    err << "racewin: unknown command '" << args.front() << "' (expected: check, replay, merge)\n";
    return kExitBadInput;
  }
  std::vector<std::string> argv_rev(args.rbegin(), args.rend());
  try {
    app.parse(argv_rev);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  std::string bad;
  if (!max_executions.empty()) opt.max_executions = parse_count(max_executions, "--max-executions", bad);
  if (!max_steps.empty()) {
    const std::uint64_t v = parse_count(max_steps, "--max-steps", bad);
    if (bad.empty() && v > std::numeric_limits<std::uint32_t>::max())
      bad = fmt::format("--max-steps: at most {}, got '{}'", std::numeric_limits<std::uint32_t>::max(), max_steps);
    opt.max_steps = static_cast<std::uint32_t>(v);
  }
  if (!bad.empty()) {
    err << "racewin: " << bad << " (see racewin --help)\n";
    return kExitBadInput;
  }
  opt.state_cache = !no_cache;
  opt.shrink = !no_shrink;
  if (check->parsed()) {
    if (auto r = engine::parse_reduction(reduction)) opt.reduction = *r;
    else bad = fmt::format("--reduction: expected none, source or optimal, got '{}'", reduction);
    if (symmetry == "on" || symmetry == "off") opt.symmetry = symmetry == "on";
    else if (bad.empty()) bad = fmt::format("--symmetry: expected on or off, got '{}'", symmetry);
    if ((strategy == "dfs" || strategy == "random" || strategy == "pct") && bad.empty()) opt.strategy = strategy;
    else if (bad.empty()) bad = fmt::format("--strategy: expected dfs, random or pct, got '{}'", strategy);
    if (!bound.empty() && bad.empty()) {
      if (bound == "auto") {
        opt.auto_bound = true;
      } else {
        std::uint64_t k = 0;
        const auto [p, ec] = std::from_chars(bound.data(), bound.data() + bound.size(), k);
        if (ec != std::errc{} || p != bound.data() + bound.size() || k > 1'000'000)
          bad = fmt::format("--preemption-bound: expected a whole number from 0 up or 'auto', got '{}'", bound);
        opt.preemption_bound = static_cast<std::uint32_t>(k);
      }
    }
    if (!seed.empty() && bad.empty()) {
      const auto [p, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), opt.seed);
      if (ec != std::errc{} || p != seed.data() + seed.size()) bad = fmt::format("--seed: expected a whole number, got '{}'", seed);
    }
    if (!iterations.empty() && bad.empty()) opt.iterations = parse_count(iterations, "--iterations", bad);
    if (!depth.empty() && bad.empty()) {
      const std::uint64_t d = parse_count(depth, "--depth", bad);
      if (bad.empty() && d > 64) bad = fmt::format("--depth: at most 64, got '{}'", depth);
      opt.pct_depth = static_cast<std::uint32_t>(d);
    }
    opt.jobs = std::max(1u, std::thread::hardware_concurrency());
    if (!jobs.empty() && bad.empty()) {
      const std::uint64_t j = parse_count(jobs, "--jobs", bad);
      if (bad.empty() && j > 1024) bad = fmt::format("--jobs: at most 1024, got '{}'", jobs);
      opt.jobs = static_cast<unsigned>(j);
    }
    if (!shard.empty() && bad.empty()) {
      std::uint64_t i = 0, n = 0;
      const auto slash = shard.find('/');
      bool okay = slash != std::string::npos;
      if (okay) {
        const auto [p1, e1] = std::from_chars(shard.data(), shard.data() + slash, i);
        const auto [p2, e2] = std::from_chars(shard.data() + slash + 1, shard.data() + shard.size(), n);
        okay = e1 == std::errc{} && p1 == shard.data() + slash && e2 == std::errc{} &&
               p2 == shard.data() + shard.size() && slash > 0 && n >= 1 && i < n && n <= 100000;
      }
      if (!okay) bad = fmt::format("--shard: expected i/n with 0 <= i < n (for example 0/4), got '{}'", shard);
      opt.shard_index = static_cast<std::uint32_t>(i);
      opt.shard_count = static_cast<std::uint32_t>(n);
    }
    if (bad.empty() && opt.strategy != "dfs" && (!bound.empty() || opt.shard_count > 1))
      bad = "--preemption-bound and --shard apply to exhaustive search (--strategy dfs)";
    if (bad.empty() && opt.strategy == "dfs" && (!seed.empty() || !iterations.empty() || !depth.empty()))
      bad = "--seed, --iterations and --depth apply to --strategy random or pct";
    if (bad.empty() && !depth.empty() && opt.strategy != "pct")
      bad = "--depth applies to --strategy pct";
    if (!bad.empty()) {
      err << "racewin: " << bad << " (see racewin --help)\n";
      return kExitBadInput;
    }
    if (!quiet && is_terminal(err)) opt.progress = progress_printer(err);
  }

  if (merge_cmd->parsed()) return merge(reports, format, out, err);

  if (check->parsed()) {
    std::vector<fs::path> files;
    bool ok = collect(paths, files, err);
    std::vector<models::Scenario> scenarios;
    for (const auto& f : files) {
      auto s = models::load_scenario(f);
      if (!s) {
        err << s.error().to_string() << '\n';
        ok = false;
      } else {
        scenarios.push_back(std::move(*s));
      }
    }
    if (!ok) return kExitBadInput;
    std::vector<Checked> all;
    for (auto& file_scenario : scenarios)
      for (auto& s : models::per_era(file_scenario)) {  // each era it lists, with its own verdict
        auto r = models::check_scenario(s, opt);
        if (opt.progress) clear_progress(err);
        all.push_back(make_checked(std::move(s), r));
      }
    if (format == "json") out << check_json(all).dump(2) << '\n';
    else out << check_text(all, !no_timing);
    const bool every = std::all_of(all.begin(), all.end(), [](const Checked& c) { return c.result.matches; });
    return every ? kExitOk : kExitMismatch;
  }

  auto s = models::load_scenario(file);
  if (!s) {
    err << s.error().to_string() << '\n';
    return kExitBadInput;
  }
  if (!kernel.empty()) {
    const bool known = kernel == "2.6.24" || kernel == "modern";
    const auto era = kernel == "2.6.24" ? models::Era::V2_6_24 : models::Era::Modern;
    if (!known || std::find(s->eras.begin(), s->eras.end(), era) == s->eras.end()) {
      std::string listed;
      for (auto e : s->eras) listed += fmt::format("{}{}", listed.empty() ? "" : ", ", models::era_name(e));
      err << file << ": --kernel " << kernel << ": the scenario runs in " << listed << '\n';
      return kExitBadInput;
    }
    *s = models::for_era(*s, era);
  } else if (s->multi_era()) {
    err << file << ": the scenario runs in several kernel eras: choose one with --kernel 2.6.24 or --kernel modern\n";
    return kExitBadInput;
  }
  models::KernelProgram program(*s);
  const auto& names = program.fiber_names();
  auto schedule = engine::parse_schedule(schedule_text, names);
  if (!schedule) {
    err << file << ": --schedule" << (schedule.error().column ? fmt::format(": column {}", schedule.error().column) : "")
        << ": " << schedule.error().message << '\n';
    return kExitBadInput;
  }
  const std::string initial = program.watch();
  std::vector<std::string> objects;
  for (const auto& o : program.objects()) objects.push_back(o.name);
  auto result = engine::replay(program, *schedule);
  if (!result) {
    err << file << ": --schedule: " << result.error().message << '\n';
    return kExitBadInput;
  }
  const std::string kind = result->violation ? result->violation->kind : "";
  if (format == "json") {
    nlohmann::ordered_json doc;
    doc["tool"] = "racewin";
    doc["command"] = "replay";
    doc["name"] = s->name;
    doc["kernel"] = models::era_name(s->era);
    doc["file"] = file;
    doc["schedule"] = engine::format_schedule(*schedule, names);
    doc["steps"] = schedule->size();
    doc["preemptions"] = result->preemptions;
    if (result->violation) {
      doc["verdict"] = "violation";
      doc["violation"] = {{"kind", kind}, {"message", result->violation->message},
                          {"fiber", names.at(result->violation->fiber)}};
    } else {
      doc["verdict"] = "complete";
      doc["outcome"] = result->outcome;
    }
    doc["trace"] = trace_json(result->trace, names, objects);
    out << doc.dump(2) << '\n';
  } else {
    out << fmt::format("replay of {} ({}): {} steps, {} preemption{}\n\n", s->title(), file, schedule->size(),
                       result->preemptions, result->preemptions == 1 ? "" : "s");
    out << swimlane(result->trace, names, initial, kind);
    if (result->violation)
      out << fmt::format("\nviolation {}: {}\n", kind, result->violation->message);
    else
      out << "\ncomplete: " << result->outcome << '\n';
  }
  return result->violation ? kExitMismatch : kExitOk;
}

}  // namespace rw::cli
