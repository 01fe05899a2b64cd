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

  const auto& rep = r.report;
  Expectation x = scenario.expect;
  // Outcomes are compared up to renaming interchangeable fibers (a class's results sorted among
  // its names): under symmetry the search reports them so, and an expectation means them so.
  const KernelProgram program(scenario);
  const auto canonical = [&](const std::string& o) {
    return engine::canonical_outcome(program.fiber_names(), program.fiber_classes(), o);
  };
  if (x.outcomes)
    for (auto& o : *x.outcomes) o = canonical(o);
  std::vector<std::string> got_outcomes;
  for (const auto& o : rep.outcomes) got_outcomes.push_back(canonical(o.outcome));
  switch (rep.verdict) {
    case engine::Verdict::Error: r.mismatch = rep.error; return r;
    case engine::Verdict::Incomplete:
      r.mismatch = "the exploration is incomplete: " + rep.incomplete_reason;
      return r;
    case engine::Verdict::Violation:
      if (!x.violation) {
        r.mismatch = fmt::format("expected safe, found {}", rep.violation->kind);
        return r;
      }
      // A shard searches part of the tree: the expected kind may lie in another shard, and the
      // kind this one met is reachable all the same. `racewin merge` decides.
      if (rep.violation->kind != x.kind && rep.shard_count <= 1) {
        r.mismatch = fmt::format("expected violation {}, found {}", x.kind, rep.violation->kind);
        return r;
      }
      break;
    case engine::Verdict::Safe:
      if (rep.shard_count > 1) {
        // One shard sees part of the tree: it may miss outcomes and violations that other
        // shards find. Only what it did find is checked; `racewin merge` checks the whole.
        if (x.outcomes) {
          std::set<std::string> want(x.outcomes->begin(), x.outcomes->end());
          for (const auto& o : got_outcomes)
            if (!want.contains(o)) {
              r.mismatch = fmt::format("outcome not in expect.outcomes: '{}'", o);
              return r;
            }
        }
        break;
      }
      if (x.violation) {
        r.mismatch = fmt::format("expected violation {}, but every interleaving is safe", x.kind);
        return r;
      }
      if (x.outcomes) {
        std::set<std::string> want(x.outcomes->begin(), x.outcomes->end());
        const std::set<std::string> got(got_outcomes.begin(), got_outcomes.end());
        std::vector<std::string> extra, missing;
        std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
        std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
        if (!extra.empty()) {
          r.mismatch = fmt::format("outcome not in expect.outcomes: '{}'", extra.front());
          return r;
        }
        if (!missing.empty()) {
          r.mismatch = fmt::format("expected outcome never happens: '{}'", missing.front());
          return r;
        }
      }
      break;
  }
  r.matches = true;
  return r;
}

}  // namespace rw::models
