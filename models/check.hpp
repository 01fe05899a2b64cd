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
  double seconds = 0;    // wall time of the exploration (never in JSON reports)
};

CheckResult check_scenario(const Scenario& scenario, const engine::ExploreOptions& options);

}  // namespace rw::models
