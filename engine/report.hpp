// engine/report.hpp: what explore() found: the verdict, the counts, the outcome table and the
// violation with its trace. Reports of parts of one search (units, shards) merge into one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/trace.hpp"

namespace rw::engine {

enum class Verdict { Safe, Violation, Incomplete, Error };
std::string_view to_string(Verdict v);

// One value a strategy reports about its run, whole or real, so that JSON keeps the type.
struct StrategyField {
  std::string key;
  std::variant<std::int64_t, double> value;
  bool operator==(const StrategyField&) const = default;
};

struct OutcomeCount {
  std::string outcome;
  std::uint64_t count = 0;
  bool operator==(const OutcomeCount&) const = default;
};

struct Report {
  // What the program was, so that the report reads without it: its fibers (a fiber id in the
  // violation or a trace indexes these), each fiber's class of interchangeable fibers, the shared
  // objects steps name, and the watched values before the first step.
  std::vector<std::string> fiber_names;
  std::vector<std::uint32_t> fiber_classes;
  std::vector<std::string> object_names;
  std::string initial_watch;

  Verdict verdict = Verdict::Safe;
  std::string strategy;                   // the registry name: dfs, random, pct, ...
  std::string reduction;                  // none, source, optimal ("none" for random search)
  std::string reduction_note;             // why the reduction asked for was not used, if it was not
  bool state_cache = true;
  bool symmetry = false;                  // symmetry reduction was used
  std::string symmetry_note;              // why it was not, when it was not
  std::vector<std::vector<std::string>> symmetry_classes;  // the interchangeable fibers, by class
  std::uint64_t seed = 0;                 // sampling strategies
  std::int64_t preemption_bound = -1;     // the bound the verdict holds for; -1: unbounded
  bool bound_cut = false;                 // some schedule was not explored because of the bound
  // What a sampling strategy says of itself (Strategy::report): named values for the JSON report
  // (PCT: depth, probability) and a clause for the text one.
  std::vector<StrategyField> strategy_fields;
  std::string strategy_summary;
  // The value of strategy field `key`, as a number (0 when there is none).
  double strategy_number(std::string_view key) const;
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
  bool hit_step_bound = false;            // an execution was cut at max_steps
  std::string error;                      // Verdict::Error: what went wrong
};

// Adds `part`, the report of one part of a search (a unit of one run, a shard of one tree), to
// `whole`: counts add up (states too: the caller of one shared cache sets them itself), outcome
// counts merge, flags and other kinds accumulate, the first error and the first incomplete reason
// stay. The violation kept is the first one met, unless a later part's is of `wanted_kind` and the
// kept one is not. Returns true when `part`'s violation is now the one kept. Parts are merged in
// depth-first order of the tree, so that the result does not depend on which finished first.
// The verdict is not decided here (see decide_verdict).
bool merge_report(Report& whole, const Report& part, std::string_view wanted_kind = {});
// The verdict of merged parts: error over violation over incomplete over safe.
Verdict decide_verdict(const Report& r);

// The fibers interchangeable with each other, by name: from fiber_classes when the report has its
// fibers, else symmetry_classes (a report read back from JSON). Outcomes compare up to renaming them.
std::vector<std::vector<std::string>> interchangeable_fibers(const Report& r);

}  // namespace rw::engine
