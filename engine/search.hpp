// engine/search.hpp: the exhaustive search behind explore(). Internal to the engine.
//
// A depth-first search over checkpoints: each node keeps the execution's state before its step,
// so going back costs one restore, not a re-run from the start. Events are steps (an atomic
// section is one event); two events are dependent when they touch the same object and one
// writes, or both acquire the same lock. On that relation:
//  - Reduction::None explores every runnable fiber at every node.
//  - Reduction::Source is source-set DPOR with sleep sets (Abdulla et al., POPL 2014, Alg. 1).
//  - Reduction::Optimal is optimal DPOR with wakeup trees (ibid., Alg. 2): without the state
//    cache, one execution per Mazurkiewicz trace.
// The visited-state cache stores, per state, the sleep set it was explored with (a later visit
// is pruned only if it would explore nothing more) and a summary of the accesses made below it.
// At a pruned state the summary stands in for the future that is not re-run: every event on the
// path that conflicts with an access of another fiber in the summary gets that fiber added to
// its backtrack set (conservative, after Yang et al., SPIN 2008). A state whose summary is not
// complete yet (still being explored) counts as touching everything.
// With symmetry, states are stored in canonical form (Execution::set_symmetry), and the fibers a
// visit names (its sleep set, the summary's fibers) are stored under their canonical names and
// mapped back to the fibers of the state at hand: a state matched by renaming is treated as the
// renamed copy of the one explored.
#pragma once
#include <atomic>
#include <functional>
#include <cstdint>
#include <deque>
#include <map>
#include <unordered_map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/options.hpp"
#include "engine/program.hpp"
#include "engine/state_store.hpp"
#include "engine/trace.hpp"

namespace rw::engine::detail {

// What the cache keeps per state.
struct Visit {
  std::uint64_t sleep = 0;         // sleep set it was explored with (intersection over visits)
  std::uint32_t preemptions = 0;   // fewest preemptions it was reached with (bounded search)
  std::uint32_t summary = 0;       // 0: not complete yet; else index + 1 into the summaries
};

// The state cache and summaries, shared by every unit and thread of one search.
class SharedCache {
 public:
  explicit SharedCache(std::size_t summary_words) : summary_words_(summary_words) {}
  enum class Decision { Explore, Prune };
  // Looks the state up and decides; `summary` gets the stored summary when pruning (0: none).
  Decision visit(std::span<const std::uint64_t> key, std::uint64_t sleep, std::uint32_t preemptions,
                 bool bounded, bool sleep_aware, std::uint64_t& entry, std::uint32_t& summary, bool& added);
  std::uint32_t intern_summary(std::span<const std::uint64_t> summary);  // its id, 1 up
  void set_summary(std::uint64_t entry, std::uint32_t id);
  std::span<const std::uint64_t> summary(std::uint32_t id) const;  // id from visit(), not 0
  std::uint64_t states() const;
  Interner& positions() { return positions_; }

 private:
  static constexpr std::size_t kStripes = 16;
  struct Stripe {
    std::mutex mutex;
    StateStore store;
    std::vector<Visit> visits;
  };
  Stripe stripes_[kStripes];
  Interner positions_;  // fibers' positions, so that a state key holds one word per fiber
  std::size_t summary_words_;
  mutable std::mutex summaries_mutex_;
  std::deque<std::vector<std::uint64_t>> summaries_;
  StateStore summary_ids_;  // entry + 1 is the id; summaries_[entry] the words
};

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
  std::atomic<std::uint64_t>* executions = nullptr;  // shared count, for bounds and progress
};

// Runs the subtree below `prefix` (a schedule from the start). Several may run at once on
// different programs sharing one context.
UnitResult search_unit(Program& program, const SearchContext& context, std::span<const FiberId> prefix,
                       const std::function<void(double)>& tick);  // with the unit's fraction done

// Splits the tree into at least `want` units by expanding every choice breadth-first; returns
// the prefixes in depth-first order (a prefix whose execution ended early is a unit too). With
// `cache`, the states inside the split are stored as the search would store them and a prefix
// reaching one again is dropped and counted in `pruned`, so that a search without sleep sets
// counts exactly what a serial one does.
struct Split {
  std::vector<std::vector<FiberId>> units;
  std::uint64_t pruned = 0;
  std::uint64_t steps = 0;
  bool bound_cut = false;  // a prefix was dropped for having more preemptions than the bound
};
Split split_tree(Program& program, std::size_t want, std::uint32_t max_steps, SharedCache* cache,
                 std::optional<std::uint32_t> bound, const std::vector<std::uint32_t>* classes);

}  // namespace rw::engine::detail
