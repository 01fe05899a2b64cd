// engine/explorer.hpp: runs a Program until the space is exhausted, a violation is found or a
// bound is hit. Exhaustive search is a depth-first search over checkpoints with partial-order
// reduction (none, source sets, or optimal with wakeup trees) and a visited-state cache that
// respects sleep sets; it can be bounded by preemptions, split over threads (--jobs) and over
// machines (--shard). Randomized search runs uniform random walks or PCT. Also replays one
// schedule, and searches for the smallest schedule that shows a violation.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/options.hpp"
#include "engine/program.hpp"
#include "engine/report.hpp"
#include "engine/schedule.hpp"
#include "engine/trace.hpp"

namespace rw::engine {

// Makes a fresh copy of the program; each search thread runs its own.
using ProgramFactory = std::function<std::unique_ptr<Program>()>;

Report explore(Program& program, const ExploreOptions& options = {});
// The same, with options.jobs threads (each with a program from `make`).
Report explore(const ProgramFactory& make, const ExploreOptions& options);

// Result of re-running one schedule.
struct Replay {
  std::optional<Violation> violation;  // with schedule and trace
  std::vector<TraceStep> trace;
  std::string outcome;                 // when every fiber finished
  std::uint32_t preemptions = 0;
  std::vector<FiberId> schedule;       // the schedule run (with `complete`, the prefix and what followed)
};
// Re-runs `schedule` exactly, with tracing. A schedule that does not fit the program (a fiber
// that cannot run at that step, too few or too many steps) is an error naming the step. With
// `complete`, a schedule that ends early is a prefix: the execution goes on with the first
// schedule that fits, the fiber that ran last while it can run, else the first runnable one (no
// preemption the prefix did not make), up to `max_steps`.
std::expected<Replay, ScheduleError> replay(Program& program, std::span<const FiberId> schedule, bool complete = false,
                                            std::uint32_t max_steps = 10'000);

// Searches for the schedule with the fewest preemptions, then the fewest steps, that ends in a
// violation of `kind`; re-runs at most `budget` executions and keeps at most 16M fiber ids of
// queued paths (with `classes`, states up to renaming interchangeable fibers). Empty when none
// was found in budget, or when interrupted.
std::optional<std::vector<FiberId>> shrink_violation(Program& program, const std::string& kind,
                                                     std::uint64_t budget,
                                                     std::span<const std::uint32_t> classes = {},
                                                     std::chrono::steady_clock::time_point deadline = {});

// What a checkpoint of a search with these options must name: the program (search_identity)
// and every option that shapes the tree and its split.
std::string checkpoint_identity(const ExploreOptions& options);
// Whether options.resume holds a whole checkpoint of this search: what is wrong, if not.
std::optional<std::string> resume_problem(const ExploreOptions& options);

}  // namespace rw::engine
