// engine/explorer.hpp: runs a Program until the space is exhausted, a violation is found or a
// bound is hit. Exhaustive search is a depth-first search over checkpoints with partial-order
// reduction (none, source sets, or optimal with wakeup trees) and a visited-state cache that
// respects sleep sets; it can be bounded by preemptions, split over threads (--jobs) and over
// machines (--shard). Randomized search runs uniform random walks or PCT. Also replays one
// schedule, and searches for the smallest schedule that shows a violation.
#pragma once
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/program.hpp"
#include "engine/schedule.hpp"
#include "engine/trace.hpp"

namespace rw::engine {

enum class Reduction { None, Source, Optimal };
std::string_view to_string(Reduction r);
std::optional<Reduction> parse_reduction(std::string_view text);

enum class SearchKind { Dfs, Random, Pct };
std::string_view to_string(SearchKind s);
std::optional<SearchKind> parse_search(std::string_view text);

// What a running search reports about itself, a few times a second.
struct Progress {
  std::uint64_t executions = 0;
  std::uint64_t states = 0;
  double seconds = 0;
  std::uint32_t bound = 0;          // current preemption bound, with --preemption-bound
  bool bounded = false;
  double estimated_total = 0;       // estimated executions in the whole search (0: unknown)
};

struct ExploreOptions {
  SearchKind strategy = SearchKind::Dfs;
  Reduction reduction = Reduction::Optimal;
  std::optional<std::uint32_t> preemption_bound;  // CHESS: at most K preemptions per execution
  bool auto_bound = false;                        // K = 0, 1, 2, ... until a violation or the whole space
  std::uint64_t seed = 1;                         // random and pct
  std::uint64_t iterations = 10'000;              // random and pct: executions
  std::uint32_t pct_depth = 3;                    // pct: bug depth d
  unsigned jobs = 1;                              // threads for exhaustive search
  std::uint32_t shard_index = 0;                  // explore only the units with index % count == index
  std::uint32_t shard_count = 1;
  std::uint64_t max_executions = 10'000'000;      // bound on executions per run
  std::uint32_t max_steps = 10'000;               // bound on schedule points per execution
  bool state_cache = true;                        // stateful search: never explore a state twice
  // Symmetry reduction over interchangeable fibers (Program::fiber_classes), with the state cache:
  // one state is stored per renaming of a class's fibers.
  bool symmetry = true;
  bool check_state = false;                       // re-run sampled futures of cache hits and compare
  std::uint32_t check_state_samples = 200;        // cache hits checked at most, with check_state
  bool shrink = true;                             // search the smallest schedule for the violation
  std::uint64_t shrink_budget = 200'000;          // states the shrinking search may expand
  // When set, a violation of another kind ends only its own execution: the search goes on until
  // it finds this kind or exhausts the space. The first violation of each other kind is kept.
  std::string target_kind;
  std::function<void(const Progress&)> progress;  // called from the searching thread(s)
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
  std::string strategy;                   // dfs, random, pct
  std::string reduction;                  // none, source, optimal ("none" for random search)
  std::string reduction_note;             // why the reduction asked for was not used, if it was not
  bool state_cache = true;
  bool symmetry = false;                  // symmetry reduction was used
  std::string symmetry_note;              // why it was not, when it was not
  std::vector<std::vector<std::string>> symmetry_classes;  // the interchangeable fibers, by class
  std::uint64_t seed = 0;                 // random and pct
  std::int64_t preemption_bound = -1;     // the bound the verdict holds for; -1: unbounded
  bool bound_cut = false;                 // some schedule was not explored because of the bound
  std::uint32_t pct_depth = 0;
  double pct_probability = 0;             // PCT's lower bound on finding a depth-d bug per execution
  unsigned jobs = 1;
  std::uint32_t shard_index = 0, shard_count = 1;
  std::uint64_t units = 1;                // subtrees the search was split into (jobs, shards)
  std::uint64_t executions = 0;           // maximal paths: complete, violating, pruned or cut
  std::uint64_t complete_executions = 0;  // paths on which every fiber finished
  std::uint64_t pruned_executions = 0;    // paths cut short at a state already explored
  std::uint64_t states = 0;               // distinct states stored, final ones included (0 without the cache)
  std::uint64_t steps = 0;                // steps taken over all executions
  std::uint32_t max_depth = 0;
  std::uint64_t state_checks = 0;         // --check-state comparisons made
  std::vector<OutcomeCount> outcomes;     // sorted by outcome text
  std::optional<Violation> violation;     // with its trace
  std::vector<std::string> other_kinds;   // with target_kind: other kinds met on the way, in order
  std::uint64_t violation_dfs_steps = 0;  // length of the schedule first found, before shrinking
  std::uint32_t violation_found_preemptions = 0;  // preemptions of the schedule first found
  std::string incomplete_reason;          // why the run is not exhaustive
  bool hit_execution_bound = false;       // it stopped at max_executions
  std::string error;                      // Verdict::Error: what went wrong
};

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
};
// Re-runs `schedule` exactly, with tracing. A schedule that does not fit the program (a fiber
// that cannot run at that step, too few or too many steps) is an error naming the step.
std::expected<Replay, ScheduleError> replay(Program& program, std::span<const FiberId> schedule);

// Searches for the schedule with the fewest preemptions, then the fewest steps, that ends in a
// violation of `kind`; expands at most `budget` states (with `classes`, states up to renaming
// interchangeable fibers). Empty when none was found in budget.
std::optional<std::vector<FiberId>> shrink_violation(Program& program, const std::string& kind,
                                                     std::uint64_t budget,
                                                     std::span<const std::uint32_t> classes = {});

}  // namespace rw::engine
