// engine/report.cpp: merging reports of parts of one search, and what a report says of itself.
#include "engine/report.hpp"

#include <algorithm>
#include <map>

namespace rw::engine {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Safe: return "safe";
    case Verdict::Violation: return "violation";
    case Verdict::Incomplete: return "incomplete";
    case Verdict::Error: return "error";
  }
  return "?";
}

double Report::strategy_number(std::string_view key) const {
  for (const auto& f : strategy_fields)
    if (f.key == key) return std::visit([](auto v) { return static_cast<double>(v); }, f.value);
  return 0;
}

bool merge_report(Report& whole, const Report& part, std::string_view wanted_kind) {
  whole.executions += part.executions;
  whole.complete_executions += part.complete_executions;
  whole.pruned_executions += part.pruned_executions;
  whole.states += part.states;
  whole.steps += part.steps;
  whole.state_checks += part.state_checks;
  whole.max_depth = std::max(whole.max_depth, part.max_depth);
  whole.bound_cut = whole.bound_cut || part.bound_cut;
  whole.hit_execution_bound = whole.hit_execution_bound || part.hit_execution_bound;
  whole.hit_step_bound = whole.hit_step_bound || part.hit_step_bound;
  if (!part.outcomes.empty()) {  // both sorted by outcome text
    std::map<std::string, std::uint64_t> sum;
    for (const auto& o : whole.outcomes) sum[o.outcome] += o.count;
    for (const auto& o : part.outcomes) sum[o.outcome] += o.count;
    whole.outcomes.clear();
    for (auto& [text, count] : sum) whole.outcomes.push_back({text, count});
  }
  for (const auto& kind : part.other_kinds)
    if (std::find(whole.other_kinds.begin(), whole.other_kinds.end(), kind) == whole.other_kinds.end())
      whole.other_kinds.push_back(kind);
  if (whole.error.empty()) whole.error = part.error;
  if (whole.incomplete_reason.empty()) whole.incomplete_reason = part.incomplete_reason;
  const auto wanted = [&](const Violation& v) { return !wanted_kind.empty() && v.kind == wanted_kind; };
  if (part.violation && (!whole.violation || (wanted(*part.violation) && !wanted(*whole.violation)))) {
    whole.violation = part.violation;
    whole.violation_dfs_steps = part.violation_dfs_steps;
    whole.violation_found_preemptions = part.violation_found_preemptions;
    return true;
  }
  return false;
}

Verdict decide_verdict(const Report& r) {
  if (!r.error.empty()) return Verdict::Error;
  if (r.violation) return Verdict::Violation;
  if (!r.incomplete_reason.empty()) return Verdict::Incomplete;
  return Verdict::Safe;
}

std::vector<std::vector<std::string>> interchangeable_fibers(const Report& r) {
  if (r.fiber_names.empty() || r.fiber_classes.size() != r.fiber_names.size()) return r.symmetry_classes;
  std::map<std::uint32_t, std::vector<std::string>> by_class;
  for (std::size_t f = 0; f < r.fiber_names.size(); ++f) by_class[r.fiber_classes[f]].push_back(r.fiber_names[f]);
  std::vector<std::vector<std::string>> out;
  for (auto& [c, names] : by_class)
    if (names.size() > 1) out.push_back(std::move(names));
  return out;
}

}  // namespace rw::engine
