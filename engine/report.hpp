// engine/report.hpp: what explore() found: the verdict, the counts, the outcome table and the
// violation with its trace. Reports of parts of one search (units, shards) merge into one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/trace.hpp"

namespace rw::engine {

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

}  // namespace rw::engine
