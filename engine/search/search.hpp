// engine/search/search.hpp: the exhaustive search behind explore(), as the explorer calls it:
// the tree split into units (split_tree, units.hpp), each unit searched depth first over
// checkpoints (search_unit), all sharing one state cache (state_cache.hpp). Internal to the
// engine.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/options.hpp"
#include "engine/program.hpp"
#include "engine/search/state_cache.hpp"
#include "engine/search/units.hpp"
#include "engine/trace.hpp"

namespace rw::engine::detail {

// What one unit (a subtree below a fixed prefix) found.
struct UnitResult {
  std::uint64_t executions = 0, complete = 0, pruned = 0, steps = 0, state_checks = 0;
  std::uint32_t max_depth = 0;
  bool bound_cut = false;
  bool step_bound_hit = false;
  bool execution_bound_hit = false;
  std::map<std::string, std::uint64_t> outcomes;
  std::optional<Violation> violation;    // the wanted one (or the first of any kind)
  std::vector<FiberId> violation_schedule;
  bool violation_wanted = false;
  std::vector<std::string> other_kinds;  // kinds met and passed over (with a target kind)
  std::string error;                     // --check-state found a forgotten local
};

struct SearchContext {
  const ExploreOptions* options = nullptr;
  Reduction reduction = Reduction::None;
  std::optional<std::uint32_t> bound;
  SharedCache* cache = nullptr;              // nullptr: no state cache
  const std::vector<std::uint32_t>* classes = nullptr;  // symmetry (with the cache): fiber classes
  std::atomic<bool>* stop = nullptr;         // set when the whole search must end (a bound, an error)
  std::uint64_t unit = 0;                    // this unit's index in depth-first order
  std::atomic<std::uint64_t>* first_violation_unit = nullptr;  // units after it stop
  std::atomic<std::uint64_t>* executions = nullptr;  // the count the budget applies to
  std::atomic<std::uint64_t>* seen = nullptr;        // every thread's executions, for progress
};

// Runs the subtree below `prefix` (a schedule from the start). Several may run at once on
// different programs sharing one context.
UnitResult search_unit(Program& program, const SearchContext& context, std::span<const FiberId> prefix,
                       const std::function<void(double)>& tick);  // with the unit's fraction done

}  // namespace rw::engine::detail
