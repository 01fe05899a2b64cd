// engine/explorer.hpp: runs a Program under a Strategy until the strategy is exhausted, a
// violation is found or a bound is hit; keeps the visited-state cache, the outcome table and
// the checks on the cache's soundness. Also replays one schedule, and searches for the
// smallest schedule that shows a violation.
#pragma once
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/program.hpp"
#include "engine/schedule.hpp"
#include "engine/strategy.hpp"
#include "engine/trace.hpp"

namespace rw::engine {

struct ExploreOptions {
  std::uint64_t max_executions = 10'000'000;  // bound on executions per run
  std::uint32_t max_steps = 10'000;           // bound on schedule points per execution
  bool state_cache = true;                    // stateful DFS: never explore a state twice
  bool check_state = false;                   // re-run sampled futures of cache hits and compare
  std::uint32_t check_state_samples = 200;    // cache hits checked at most, with check_state
  bool shrink = true;                         // search the smallest schedule for the violation
  std::uint64_t shrink_budget = 200'000;      // states the shrinking search may expand
  // When set, a violation of another kind ends only its own execution: the search goes on until
  // it finds this kind or exhausts the space. The first violation of each other kind is kept.
  std::string target_kind;
};

enum class Verdict { Safe, Violation, Incomplete, Error };
std::string_view to_string(Verdict v);

struct OutcomeCount {
  std::string outcome;
  std::uint64_t count = 0;
  bool operator==(const OutcomeCount&) const = default;
};

struct Report {
  Verdict verdict = Verdict::Safe;
  std::string strategy;
  bool state_cache = true;
  std::uint64_t executions = 0;           // runs from scratch, pruned ones included
  std::uint64_t complete_executions = 0;  // runs in which every fiber finished
  std::uint64_t pruned_executions = 0;    // runs cut short at a state already explored
  std::uint64_t states = 0;               // distinct states stored, final ones included (0 without the cache)
  std::uint64_t steps = 0;                // steps taken over all executions
  std::uint32_t max_depth = 0;
  std::uint64_t state_checks = 0;         // --check-state comparisons made
  std::vector<OutcomeCount> outcomes;     // sorted by outcome text
  std::optional<Violation> violation;     // with its trace
  std::vector<std::string> other_kinds;   // with target_kind: other kinds met on the way, in order
  std::uint64_t violation_dfs_steps = 0;  // length of the schedule first found, before shrinking
  std::string incomplete_reason;          // why the run is not exhaustive
  std::string error;                      // Verdict::Error: what went wrong
};

Report explore(Program& program, Strategy& strategy, const ExploreOptions& options = {});

// Result of re-running one schedule.
struct Replay {
  std::optional<Violation> violation;  // with schedule and trace
  std::vector<TraceStep> trace;
  std::string outcome;                 // when every fiber finished
  std::uint32_t preemptions = 0;
};
// Re-runs `schedule` exactly, with tracing. A schedule that does not fit the program (a fiber
// that cannot run at that step, too few or too many steps) is an error naming the step.
std::expected<Replay, ScheduleError> replay(Program& program, std::span<const FiberId> schedule);

// Searches for the schedule with the fewest preemptions, then the fewest steps, that ends in a
// violation of `kind`; expands at most `budget` states. Empty when none was found in budget.
std::optional<std::vector<FiberId>> shrink_violation(Program& program, const std::string& kind,
                                                     std::uint64_t budget);

}  // namespace rw::engine
