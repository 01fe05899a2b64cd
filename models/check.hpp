// models/check.hpp: explores a scenario exhaustively and compares what it finds with what the
// scenario expects (verdict, violation kind, outcome set).
#pragma once
#include <string>

#include "engine/explorer.hpp"
#include "models/scenario.hpp"

namespace rw::models {

struct CheckResult {
  engine::Report report;
  bool matches = false;
  std::string mismatch;  // why it does not match, when it does not
  // A shard (--shard i/n) that found no violation: it saw part of the tree, so it proves
  // nothing and matches nothing; only `racewin merge` of every shard gives a verdict.
  bool partial = false;
  double seconds = 0;    // wall time of the exploration (never in JSON reports)
};

CheckResult check_scenario(const Scenario& scenario, const engine::ExploreOptions& options);

// Why `r` does not meet `x` ("" when it does): the verdict, the violation kind, and the set of
// outcomes, compared up to renaming interchangeable fibers (engine::interchangeable_fibers). A
// shard's report sees part of the tree: a kind other than the expected one, or a missing outcome,
// may lie in another shard; only what it found is checked (`racewin merge` checks the whole).
// check and merge both decide with this.
std::string expectation_mismatch(const Expectation& x, const engine::Report& r);

}  // namespace rw::models
