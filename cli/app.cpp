// cli/app.cpp: argument parsing and printing only. Every decision lives in models/ or engine/.
#include "cli/app.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <limits>
#include <filesystem>
#include <ostream>

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

  auto* replay = app.add_subcommand("replay", "re-run one schedule of a scenario and print its whole trace");
  std::string file, schedule_text;
  replay->add_option("scenario", file, "scenario file")->required();
  replay->add_option("--schedule", schedule_text, "fiber names in order, e.g. 'opener*12 rmmod*17 opener'")->required();
  add_common(replay);

  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("racewin: ") + e.what() + " (see racewin --help)\n";
  });
  if (!args.empty() && !args.front().starts_with("-") && args.front() != "check" && args.front() != "replay") {
    err << "racewin: unknown command '" << args.front() << "' (expected: check, replay)\n";
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
    for (auto& s : scenarios) {
      auto r = models::check_scenario(s, opt);
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
    out << fmt::format("replay of {} ({}): {} steps, {} preemption{}\n\n", s->name, file, schedule->size(),
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
