// cli/report.hpp: how results read: the check table, the swimlane trace, and JSON documents.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/explorer.hpp"
#include "models/check.hpp"
#include "models/scenario.hpp"

namespace rw::cli {

// A scenario (in one era) and what checking it found. The report names its own fibers and
// objects (engine::Report::fiber_names...), so nothing here needs the program.
struct Checked {
  models::Scenario scenario;
  models::CheckResult result;
};

std::string expected_text(const models::Expectation& x);
std::string verdict_text(const engine::Report& r);
std::string replay_command(const models::Scenario& s, const std::string& schedule);

// The trace as a swimlane: one column per fiber, the watched values where they change, '|' in
// the margin while some fiber is inside a race window, the violation marked on its step.
// `width`: the line width to fit (0: columns of at most 50 characters); a word longer than its
// column widens it, so that a kernel name is never cut.
std::string swimlane(const std::vector<engine::TraceStep>& trace, const std::vector<std::string>& fibers,
                     const std::string& initial_watch, const std::string& violation_kind, std::size_t width = 0);
// The width text reports fit: --width if given, else $COLUMNS, else the terminal's when `out` is
// standard output on a terminal, else 0.
std::size_t report_width(std::size_t flag, const std::ostream& out);

std::string check_text(const std::vector<Checked>& all, bool timing, std::size_t width = 0);
nlohmann::ordered_json check_json(const std::vector<Checked>& all);
nlohmann::ordered_json trace_json(const std::vector<engine::TraceStep>& trace,
                                  const std::vector<std::string>& fibers,
                                  const std::vector<std::string>& objects);

}  // namespace rw::cli
