// models/check.cpp
#include "models/check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "models/kernel_program.hpp"

namespace rw::models {

CheckResult check_scenario(const Scenario& scenario, const engine::ExploreOptions& options) {
  const engine::ProgramFactory make = [&scenario] { return std::make_unique<KernelProgram>(scenario); };
  const auto start = std::chrono::steady_clock::now();
  CheckResult r;
  engine::ExploreOptions opt = options;
  if (scenario.expect.violation) opt.target_kind = scenario.expect.kind;
  r.report = engine::explore(make, opt);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.mismatch = expectation_mismatch(scenario.expect, r.report);
  r.partial = r.mismatch.empty() && r.report.shard_count > 1 && r.report.verdict == engine::Verdict::Safe;
  r.matches = r.mismatch.empty() && !r.partial;
  return r;
}

std::string expectation_mismatch(const Expectation& x, const engine::Report& rep) {
  // Outcomes are compared up to renaming interchangeable fibers (a class's results sorted among
  // its names): under symmetry the search reports them so, and an expectation means them so.
  const auto classes = engine::interchangeable_fibers(rep);
  const auto canonical = [&](const std::string& o) { return engine::canonical_outcome(o, classes); };
  const bool shard = rep.shard_count > 1;
  if (!x.stated) {  // "is it safe?", as a model checker answers it
    if (rep.verdict == engine::Verdict::Error) return rep.error;
    if (rep.verdict == engine::Verdict::Incomplete) return "the exploration is incomplete: " + rep.incomplete_reason;
    if (rep.verdict == engine::Verdict::Violation) return fmt::format("not safe: {}", rep.violation->kind);
    return {};
  }
  switch (rep.verdict) {
    case engine::Verdict::Error: return rep.error;
    case engine::Verdict::Incomplete: return "the exploration is incomplete: " + rep.incomplete_reason;
    case engine::Verdict::Violation:
      if (!x.violation) return fmt::format("expected safe, found {}", rep.violation->kind);
      // A shard searches part of the tree: the expected kind may lie in another shard, and the
      // kind this one met is reachable all the same. `racewin merge` decides.
      if (rep.violation->kind != x.kind && !shard)
        return fmt::format("expected violation {}, found {}", x.kind, rep.violation->kind);
      return {};
    case engine::Verdict::Safe: break;
  }
  if (x.violation && !shard) return fmt::format("expected violation {}, but every interleaving is safe", x.kind);
  if (!x.outcomes) return {};
  std::set<std::string> want, got;
  for (const auto& o : *x.outcomes) want.insert(canonical(o));
  for (const auto& o : rep.outcomes) got.insert(canonical(o.outcome));
  for (const auto& o : got)
    if (!want.contains(o)) return fmt::format("outcome not in expect.outcomes: '{}'", o);
  // One shard sees part of the tree: it may miss outcomes that other shards find.
  if (!shard)
    for (const auto& o : want)
      if (!got.contains(o)) return fmt::format("expected outcome never happens: '{}'", o);
  return {};
}

}  // namespace rw::models
