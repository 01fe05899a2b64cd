// cli/compare.cpp: `racewin compare BEFORE AFTER`: a fix proved in one command. Both scenarios
// are explored in every era they share, each asking only "is it safe?" (their [expect] aside),
// and the report puts them side by side: the verdicts, the window each found (its kind, with the
// preemptions and steps of the smallest schedule and its replay command), the outcomes that
// appear or disappear, and the executions and states behind a proof.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ostream>
#include <set>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/report.hpp"
#include "cli/scenario_input.hpp"
#include "engine/execution.hpp"
#include "engine/interrupt.hpp"
#include "engine/schedule.hpp"
#include "models/check.hpp"

namespace rw::cli {

namespace {

struct Side {
  models::Scenario scenario;
  models::CheckResult result;
};

// One line for a side: "violation module-code-after-unload (1 preemption, 33 steps)" or "safe
// over 21 executions, 148 states, every interleaving covered".
std::string summary(const engine::Report& r) {
  switch (r.verdict) {
    case engine::Verdict::Violation:
      return fmt::format("violation {} ({} preemption{}, {} steps)", r.violation->kind, r.violation->preemptions,
                         r.violation->preemptions == 1 ? "" : "s", r.violation->schedule.size());
    case engine::Verdict::Safe:
      return fmt::format("safe: every interleaving covered ({} executions, {} states)", r.executions, r.states);
    case engine::Verdict::Incomplete: return "incomplete: " + r.incomplete_reason;
    case engine::Verdict::Error: return "error: " + r.error;
  }
  return "?";
}

std::set<std::string> outcome_set(const engine::Report& r) {
  std::set<std::string> out;
  const auto classes = engine::interchangeable_fibers(r);
  for (const auto& o : r.outcomes) out.insert(engine::canonical_outcome(o.outcome, classes));
  return out;
}

// "fixed", "still unsafe", ... : what the pair says about the change.
std::string judgement(const engine::Report& before, const engine::Report& after) {
  const auto v = [](const engine::Report& r) { return r.verdict; };
  if (v(after) == engine::Verdict::Safe)
    return v(before) == engine::Verdict::Violation ? "fixed: the window is gone, and the proof covers every interleaving"
                                                   : "safe before and after";
  if (v(after) == engine::Verdict::Violation)
    return v(before) == engine::Verdict::Violation
               ? (before.violation->kind == after.violation->kind ? "not fixed: the same kind of window remains"
                                                                  : "not fixed: another kind of window remains")
               : "broken: the change opens a window";
  return "no verdict after the change: " + summary(after);
}

}  // namespace

int compare(const CompareArgs& args, std::ostream& out, std::ostream& err) {
  std::vector<models::Scenario> files;
  for (const auto& path : {args.before, args.after}) {
    auto s = read_scenario(path, *args.in);
    if (!s) {
      err << s.error().to_string() << '\n';
      return kExitBadInput;
    }
    s->expects.assign(s->eras.size(), models::Expectation{.stated = false});  // the question is "is it safe?"
    s->expect = s->expects.front();
    files.push_back(std::move(*s));
  }
  std::vector<std::pair<Side, Side>> pairs;
  std::vector<std::string> unshared;
  for (const auto& b : models::per_era(files[0])) {
    bool shared = false;
    for (const auto& a : models::per_era(files[1]))
      if (a.era == b.era) {
        shared = true;
        if (engine::stop_requested()) break;
        pairs.push_back({Side{b, models::check_scenario(b, args.options)}, Side{a, models::check_scenario(a, args.options)}});
      }
    if (!shared) unshared.push_back(models::era_name(b.era));
  }
  if (pairs.empty()) {
    err << fmt::format("racewin compare: {} and {} share no kernel era: nothing to compare\n", args.before, args.after);
    return kExitBadInput;
  }
  bool fixed = true, error = false;
  nlohmann::ordered_json doc;
  doc["tool"] = "racewin";
  doc["command"] = "compare";
  doc["before"] = args.before;
  doc["after"] = args.after;
  std::string text = fmt::format("compare {} (before) with {} (after)\n", args.before, args.after);
  for (const auto& [b, a] : pairs) {
    const auto& rb = b.result.report;
    const auto& ra = a.result.report;
    fixed = fixed && ra.verdict == engine::Verdict::Safe;
    error = error || rb.verdict == engine::Verdict::Error || ra.verdict == engine::Verdict::Error;
    const auto ob = outcome_set(rb), oa = outcome_set(ra);
    std::vector<std::string> gone, came;
    std::set_difference(ob.begin(), ob.end(), oa.begin(), oa.end(), std::back_inserter(gone));
    std::set_difference(oa.begin(), oa.end(), ob.begin(), ob.end(), std::back_inserter(came));
    const std::string era = models::era_name(b.scenario.era);
    text += fmt::format("\n== kernel {}\n   before: {}\n   after:  {}\n   {}\n", era, summary(rb), summary(ra), judgement(rb, ra));
    for (const Side* side : {&b, &a}) {
      const auto& r = side->result.report;
      if (r.verdict == engine::Verdict::Violation)
        text += fmt::format("   {} window: {}\n", side == &b ? "before" : "after",
                            replay_command(side->scenario, engine::format_schedule(r.violation->schedule, r.fiber_names)));
    }
    for (const auto& o : gone) text += "   outcome only before: " + o + "\n";
    for (const auto& o : came) text += "   outcome only after:  " + o + "\n";
    nlohmann::ordered_json e;
    e["kernel"] = era;
    for (const Side* side : {&b, &a}) {
      const auto& r = side->result.report;
      nlohmann::ordered_json j;
      j["verdict"] = std::string(engine::to_string(r.verdict));
      if (r.violation)
        j["violation"] = {{"kind", r.violation->kind},
                          {"preemptions", r.violation->preemptions},
                          {"steps", r.violation->schedule.size()},
                          {"schedule", engine::format_schedule(r.violation->schedule, r.fiber_names)}};
      if (!r.incomplete_reason.empty()) j["incomplete_reason"] = r.incomplete_reason;
      if (!r.error.empty()) j["error"] = r.error;
      j["executions"] = r.executions;
      j["states"] = r.states;
      j["outcomes"] = outcome_set(r);
      e[side == &b ? "before" : "after"] = j;
    }
    e["outcomes_only_before"] = gone;
    e["outcomes_only_after"] = came;
    e["judgement"] = judgement(rb, ra);
    doc["eras"].push_back(e);
  }
  for (const auto& era : unshared) text += fmt::format("\n(kernel {}: only the before scenario runs in it; not compared)\n", era);
  doc["fixed"] = fixed;
  text += fixed ? "\nthe change is proved: after it, every interleaving is safe in every era compared\n"
                : "\nthe change is not proved safe\n";
  if (args.format == "json") out << doc.dump(2) << '\n';
  else out << text;
  if (engine::stop_requested()) return kExitInterrupted;
  if (error) return kExitError;
  return fixed ? kExitOk : kExitMismatch;
}

}  // namespace rw::cli
