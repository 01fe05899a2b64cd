// cli/report.cpp
#include "cli/report.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <fmt/ranges.h>

#include <algorithm>

#include "engine/execution.hpp"
#include "cli/scenario_input.hpp"
#include "engine/schedule.hpp"

namespace rw::cli {

std::string expected_text(const models::Expectation& x) {
  if (!x.stated) return "-";
  return x.violation ? "violation " + x.kind : "safe";
}

std::string verdict_text(const engine::Report& r) {
  if (r.verdict == engine::Verdict::Violation) return "violation " + r.violation->kind;
  return std::string(engine::to_string(r.verdict));
}

std::string replay_command(const models::Scenario& s, const std::string& schedule) {
  const std::string kernel = s.multi_era() ? fmt::format(" --kernel {}", models::era_name(s.era)) : "";
  const std::string file = s.file == kStdinName ? "-" : s.file;  // read from standard input again
  return fmt::format("racewin replay {}{} --schedule '{}'", file, kernel, schedule);
}

namespace {

// Splits text into lines of at most `width` characters, only at spaces: a word longer than the
// width stays whole, so that a kernel name is never cut in two.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::string_view rest = text;
  while (rest.size() > width) {
    std::size_t cut = rest.rfind(' ', width);
    if (cut == std::string_view::npos || cut == 0) cut = rest.find(' ', width);
    if (cut == std::string_view::npos) break;
    lines.emplace_back(rest.substr(0, cut));
    rest.remove_prefix(cut);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  }
  if (!rest.empty() || lines.empty()) lines.emplace_back(rest);
  return lines;
}

// In words: when the violating fiber's race window opened, what the others did inside it.
std::string window_summary(const std::vector<engine::TraceStep>& trace, const std::vector<std::string>& fibers) {
  const engine::FiberId victim = trace.back().fiber;
  const std::uint64_t bit = std::uint64_t{1} << victim;
  std::size_t open = trace.size() - 1;  // walk back over the steps where the victim's window was open
  while (open > 0 && (trace[open - 1].window & bit)) --open;
  if (open == trace.size() - 1) return {};
  std::string others;
  for (std::size_t f = 0; f < fibers.size(); ++f) {
    if (f == victim) continue;
    std::size_t first = 0, last = 0, count = 0;
    for (std::size_t i = open; i + 1 < trace.size(); ++i)
      if (trace[i].fiber == f) {
        if (count++ == 0) first = i + 1;
        last = i + 1;
      }
    if (count > 0)
      others += fmt::format("{}{} ran {} step{} ({}-{})", others.empty() ? "" : ", ", fibers[f], count,
                            count == 1 ? "" : "s", first, last);
  }
  return fmt::format("  race window: {} entered it at step {} ({}) and held no reference from then on; inside it {}; step {} is the violation\n",
                     fibers[victim], open + 1, trace[open].label, others.empty() ? "nothing else ran" : others,
                     trace.size());
}

std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

}  // namespace

std::size_t report_width(std::size_t flag, const std::ostream& out) {
  if (flag > 0) return flag;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long n = std::strtol(columns, nullptr, 10);
    if (n >= 40 && n <= 1000) return static_cast<std::size_t>(n);
  }
  struct winsize ws{};
  if (&out == &std::cout && ::isatty(1) == 1 && ::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
  return 0;
}

std::string swimlane(const std::vector<engine::TraceStep>& trace, const std::vector<std::string>& fibers,
                     const std::string& initial_watch, const std::string& violation_kind, std::size_t line_width) {
  // Each column's share of the line, after the step numbers (13) and the watch column (about 28).
  const std::size_t kMaxWidth =
      line_width == 0 ? 50 : std::max<std::size_t>(12, (line_width > 41 ? line_width - 41 : 0) / std::max<std::size_t>(1, fibers.size()) - 2);
  std::vector<std::size_t> width(fibers.size());
  for (std::size_t f = 0; f < fibers.size(); ++f) width[f] = std::max<std::size_t>(fibers[f].size(), 8);
  for (const auto& s : trace) {
    std::size_t w = std::max(s.label.size(), s.detail.empty() ? 0 : s.detail.size() + 2);
    width[s.fiber] = std::max(width[s.fiber], std::min(w, kMaxWidth));
  }
  for (const auto& s : trace) {  // a word longer than the column widens it
    for (const auto& l : wrap(s.label, width[s.fiber])) width[s.fiber] = std::max(width[s.fiber], l.size());
    if (!s.detail.empty())
      for (const auto& l : wrap(s.detail, width[s.fiber] - 2)) width[s.fiber] = std::max(width[s.fiber], l.size() + 2);
  }
  std::string out;
  if (!initial_watch.empty()) out += "  initially: " + initial_watch + "\n";
  std::string head = "       step  ";
  for (std::size_t f = 0; f < fibers.size(); ++f) head += pad(fibers[f], width[f] + 2);
  head += "watch";
  out += head + "\n";
  std::string rule(head.size(), '-');
  out += "  " + rule.substr(2) + "\n";
  std::string last_watch = initial_watch;
  bool setup = true;  // atomic steps before the first ordinary one are the fibers' setups
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const auto& s = trace[i];
    setup = setup && s.atomic;
    if (setup && i + 1 < trace.size()) {  // a setup phase: one row for the whole run
      std::size_t j = i;
      while (j + 1 < trace.size() && trace[j + 1].atomic && trace[j + 1].fiber == s.fiber) ++j;
      if (j > i) {
        std::string row = fmt::format("      {:>5}  ", fmt::format("{}-{}", i + 1, j + 1));
        for (std::size_t f = 0; f < fibers.size(); ++f)
          row += pad(f == s.fiber ? "(setup: runs alone)" : "", width[f] + 2);
        if (trace[j].watch != last_watch) row += last_watch = trace[j].watch;
        while (!row.empty() && row.back() == ' ') row.pop_back();
        out += row + "\n";
        i = j;
        continue;
      }
    }
    const bool last = i + 1 == trace.size() && !violation_kind.empty();
    std::vector<std::string> cell = wrap(s.label, width[s.fiber]);
    if (!s.detail.empty())
      for (auto& l : wrap(s.detail, width[s.fiber] - 2)) cell.push_back("  " + l);
    const char margin = s.window != 0 ? '|' : ' ';
    for (std::size_t line = 0; line < cell.size(); ++line) {
      std::string row = fmt::format("  {}  {}  ", last ? ">>" : (margin == '|' ? "| " : "  "),
                                    line == 0 ? fmt::format("{:>5}", i + 1) : std::string(5, ' '));
      for (std::size_t f = 0; f < fibers.size(); ++f)
        row += pad(f == s.fiber ? cell[line] : "", width[f] + 2);
      if (line == 0 && s.watch != last_watch) {
        row += s.watch;
        last_watch = s.watch;
      }
      while (!row.empty() && row.back() == ' ') row.pop_back();
      out += row + "\n";
    }
  }
  if (!violation_kind.empty()) out += fmt::format("  >> step {}: {}\n", trace.size(), violation_kind);
  if (!violation_kind.empty() && !trace.empty()) out += window_summary(trace, fibers);
  bool any_window = std::any_of(trace.begin(), trace.end(), [](const auto& s) { return s.window != 0; });
  if (any_window)
    out += "  |  marks the race window: a fiber runs module text, or holds a pointer into module memory, without a reference on the module\n";
  return out;
}

// "opener1..opener10", "a, b and c1..c3": the classes of interchangeable fibers.
std::string classes_text(const std::vector<std::vector<std::string>>& classes) {
  std::vector<std::string> parts;
  for (const auto& c : classes)
    parts.push_back(c.size() > 2 ? c.front() + ".." + c.back() : fmt::format("{}", fmt::join(c, " and ")));
  return fmt::format("{}", fmt::join(parts, "; "));
}

// "an exhaustive dfs search (reduction optimal, state cache, 2 jobs)", "a pct search (seed 7, depth 3)".
std::string search_text(const engine::Report& r) {
  if (r.strategy != "dfs") {
    std::string s = fmt::format("a {} search (seed {}", r.strategy, r.seed);
    if (!r.strategy_summary.empty()) s += ", " + r.strategy_summary;
    return s + ")";
  }
  // Why the reduction run is not the one asked for, in a word (the JSON's reduction_note says it whole).
  const std::string why = r.reduction_note.starts_with("with the state cache") ? ": optimal with the state cache"
                          : r.reduction_note.starts_with("a preemption bound")  ? ": a preemption bound turns it off"
                                                                                 : "";
  std::string s = fmt::format("an exhaustive dfs search (reduction {}{}", r.reduction, why);
  s += r.state_cache ? ", state cache" : ", no state cache";
  if (r.symmetry) s += ", symmetry";
  if (r.preemption_bound >= 0) s += fmt::format(", preemption bound {}", r.preemption_bound);
  if (r.jobs > 1) s += fmt::format(", {} jobs", r.jobs);
  return s + ")";
}

std::string check_text(const std::vector<Checked>& all, bool timing, std::size_t width) {
  std::size_t wn = 8, we = 8, wv = 7;
  for (const auto& c : all) {
    wn = std::max(wn, c.scenario.title().size());
    we = std::max(we, expected_text(c.scenario.expect).size());
    wv = std::max(wv, c.result.partial ? std::size_t{7} : verdict_text(c.result.report).size());
  }
  std::string out;
  out += fmt::format("{}  {}  {}  {:>10}  {:>8}  {:>8}{}  result\n", pad("scenario", wn), pad("expected", we),
                     pad("verdict", wv), "executions", "states", "outcomes", timing ? "      time" : "");
  for (const auto& c : all) {
    const auto& r = c.result.report;
    out += fmt::format("{}  {}  {}  {:>10}  {:>8}  {:>8}{}  {}\n", pad(c.scenario.title(), wn),
                       pad(expected_text(c.scenario.expect), we), pad(c.result.partial ? "partial" : verdict_text(r), wv),
                       r.executions, r.states, r.outcomes.size(),
                       timing ? fmt::format("  {:>7.3f}s", c.result.seconds) : "",
                       c.result.partial   ? "partial"
                       : c.result.matches ? "ok"
                       : !c.scenario.expect.stated && r.verdict == engine::Verdict::Violation ? "UNSAFE"
                                                                                             : "MISMATCH");
  }
  std::size_t ok = 0, partial = 0;
  for (const auto& c : all) {
    const auto& r = c.result.report;
    ok += c.result.matches ? 1 : 0;
    partial += c.result.partial ? 1 : 0;
    out += fmt::format("\n== {} ({})\n", c.scenario.title(), c.scenario.file);
    if (!c.scenario.description.empty()) out += "   " + c.scenario.description + "\n";
    if (!c.result.matches && !c.result.partial && c.scenario.expect.stated) out += "   MISMATCH: " + c.result.mismatch + "\n";
    if (r.verdict == engine::Verdict::Violation) {
      const auto& v = *r.violation;
      out += fmt::format("   violation {}: {}\n", v.kind, v.message);
      for (const auto& k : r.other_kinds)
        out += fmt::format("   also reachable: {} (met first; the scenario expects {})\n", k, v.kind);
      out += fmt::format("   found at execution {} of {} ({} steps, {} preemption{}); shown: the schedule with the "
                         "fewest preemptions, then steps ({} steps, {} preemption{})\n\n",
                         v.execution, search_text(r), r.violation_dfs_steps, r.violation_found_preemptions,
                         r.violation_found_preemptions == 1 ? "" : "s", v.schedule.size(), v.preemptions,
                         v.preemptions == 1 ? "" : "s");
      out += swimlane(v.trace, r.fiber_names, r.initial_watch, v.kind, width);
      out += "   replay: " + replay_command(c.scenario, engine::format_schedule(v.schedule, r.fiber_names)) + "\n";
    } else if (c.result.partial) {
      out += fmt::format("   partial: no violation in shard {}/{} of the tree ({} executions, {} states); a shard proves "
                         "nothing: combine every shard's JSON report with racewin merge for the verdict; outcomes met:\n",
                         r.shard_index, r.shard_count, r.executions, r.states);
      for (const auto& o : r.outcomes) out += fmt::format("   {:>8}  {}\n", o.count, o.outcome);
    } else if (r.verdict == engine::Verdict::Safe) {
      std::vector<std::string> upto;
      if (r.reduction != "none") upto.push_back("reordering independent steps");
      if (r.symmetry) upto.push_back("renaming " + classes_text(r.symmetry_classes));
      out += fmt::format("   safe: every interleaving covered{} by {} ({} executions, {} of them complete, {} states); "
                         "outcomes{}:\n", upto.empty() ? "" : fmt::format(" (up to {})", fmt::join(upto, " and ")),
                         search_text(r), r.executions, r.complete_executions, r.states,
                         r.symmetry ? " (each class's results sorted among its fibers' names)" : "");
      if (r.shard_count > 1)
        out += fmt::format("   (shard {}/{}: only this part of the tree; combine the shards' JSON reports with racewin merge)\n",
                           r.shard_index, r.shard_count);
      for (const auto& o : r.outcomes) out += fmt::format("   {:>8}  {}\n", o.count, o.outcome);
      if (r.state_checks > 0)
        out += fmt::format("   --check-state: {} pairs of paths reaching one state had the same futures\n",
                           r.state_checks);
    } else if (r.verdict == engine::Verdict::Incomplete) {
      out += fmt::format("   incomplete: {}; covered {} executions and {} states; nothing is proved\n",
                         r.incomplete_reason, r.executions, r.states);
    } else {
      out += "   error: " + r.error + "\n";
    }
  }
  if (partial > 0)
    out += fmt::format("\n{} scenario{}: {} as expected, {} partial (this shard saw no violation), {} not\n", all.size(),
                       all.size() == 1 ? "" : "s", ok, partial, all.size() - ok - partial);
  else
    out += fmt::format("\n{} scenario{}: {} as expected, {} not\n", all.size(), all.size() == 1 ? "" : "s", ok,
                       all.size() - ok);
  return out;
}

nlohmann::ordered_json trace_json(const std::vector<engine::TraceStep>& trace,
                                  const std::vector<std::string>& fibers,
                                  const std::vector<std::string>& objects) {
  auto arr = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const auto& s = trace[i];
    nlohmann::ordered_json j;
    j["step"] = i + 1;
    j["fiber"] = fibers.at(s.fiber);
    j["label"] = s.label;
    j["object"] = s.object == engine::kNoObject ? "" : objects.at(s.object);
    j["access"] = std::string(engine::to_string(s.access));
    j["detail"] = s.detail;
    j["where"] = s.where;
    j["watch"] = s.watch;
    auto window = nlohmann::ordered_json::array();
    for (std::size_t f = 0; f < fibers.size(); ++f)
      if (s.window & (std::uint64_t{1} << f)) window.push_back(fibers[f]);
    j["window"] = window;
    arr.push_back(std::move(j));
  }
  return arr;
}

nlohmann::ordered_json check_json(const std::vector<Checked>& all) {
  nlohmann::ordered_json doc;
  doc["tool"] = "racewin";
  doc["command"] = "check";
  auto list = nlohmann::ordered_json::array();
  std::size_t ok = 0;
  for (const auto& c : all) {
    const auto& r = c.result.report;
    nlohmann::ordered_json j;
    j["name"] = c.scenario.name;
    j["file"] = c.scenario.file;
    j["kernel"] = models::era_name(c.scenario.era);
    nlohmann::ordered_json x;
    x["verdict"] = !c.scenario.expect.stated ? "none" : c.scenario.expect.violation ? "violation" : "safe";
    if (c.scenario.expect.violation) x["kind"] = c.scenario.expect.kind;
    if (c.scenario.expect.outcomes) {
      // An expectation names a class's results up to renaming its fibers (canonical_outcome),
      // as the check compared it.
      std::vector<std::string> want = *c.scenario.expect.outcomes;
      for (auto& o : want) o = engine::canonical_outcome(o, r.symmetry_classes);
      x["outcomes"] = want;
    }
    j["expected"] = x;
    j["verdict"] = c.result.partial ? std::string("partial") : std::string(engine::to_string(r.verdict));
    j["matches"] = c.result.matches;
    if (c.result.partial) j["partial"] = true;
    if (!c.result.matches && !c.result.partial) j["mismatch"] = c.result.mismatch;
    j["strategy"] = r.strategy;
    j["reduction"] = r.reduction;
    if (!r.reduction_note.empty()) j["reduction_note"] = r.reduction_note;
    j["state_cache"] = r.state_cache;
    {
      nlohmann::ordered_json sj;
      sj["on"] = r.symmetry;
      if (!r.symmetry_note.empty()) sj["note"] = r.symmetry_note;
      sj["classes"] = r.symmetry_classes;
      j["symmetry"] = sj;
    }
    j["seed"] = r.strategy == "dfs" ? nlohmann::ordered_json() : nlohmann::ordered_json(r.seed);
    j["preemption_bound"] = r.preemption_bound < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(r.preemption_bound);
    if (r.preemption_bound >= 0) j["bound_cut"] = r.bound_cut;
    if (!r.strategy_fields.empty()) {  // what the strategy says of itself, under its name
      nlohmann::ordered_json fields;
      for (const auto& f : r.strategy_fields) std::visit([&](auto v) { fields[f.key] = v; }, f.value);
      j[r.strategy] = fields;
    }
    j["jobs"] = r.jobs;
    if (r.shard_count > 1) j["shard"] = {{"index", r.shard_index}, {"count", r.shard_count}};
    if (r.units > 1) j["units"] = r.units;
    j["executions"] = r.executions;
    j["complete_executions"] = r.complete_executions;
    j["pruned_executions"] = r.pruned_executions;
    j["states"] = r.states;
    j["steps"] = r.steps;
    j["max_depth"] = r.max_depth;
    if (r.state_checks) j["state_checks"] = r.state_checks;
    auto outs = nlohmann::ordered_json::array();
    for (const auto& o : r.outcomes) outs.push_back({{"outcome", o.outcome}, {"count", o.count}});
    j["outcomes"] = outs;
    if (r.verdict == engine::Verdict::Incomplete) j["incomplete_reason"] = r.incomplete_reason;
    if (r.verdict == engine::Verdict::Error) j["error"] = r.error;
    if (r.violation) {
      const auto& v = *r.violation;
      const std::string schedule = engine::format_schedule(v.schedule, r.fiber_names);
      nlohmann::ordered_json vj;
      vj["kind"] = v.kind;
      vj["message"] = v.message;
      vj["fiber"] = r.fiber_names.at(v.fiber);
      vj["execution"] = v.execution;
      vj["schedule"] = schedule;
      vj["steps"] = v.schedule.size();
      vj["preemptions"] = v.preemptions;
      vj["found"] = {{"steps", r.violation_dfs_steps}, {"preemptions", r.violation_found_preemptions}};
      vj["replay"] = replay_command(c.scenario, schedule);
      vj["other_kinds"] = r.other_kinds;
      vj["trace"] = trace_json(v.trace, r.fiber_names, r.object_names);
      j["violation"] = vj;
    }
    ok += c.result.matches ? 1 : 0;
    list.push_back(std::move(j));
  }
  doc["scenarios"] = list;
  doc["summary"] = {{"scenarios", all.size()}, {"as_expected", ok}, {"not_as_expected", all.size() - ok}};
  return doc;
}

}  // namespace rw::cli
