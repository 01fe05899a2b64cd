// engine/search/reducer.hpp: what the search loop asks of a partial-order reduction, and the
// three there are: none (every runnable fiber at every node, reducer.cpp), source sets
// (Abdulla et al., POPL 2014, Alg. 1; source_sets.cpp) and optimal DPOR with wakeup trees
// (ibid., Alg. 2; optimal_dpor.cpp). Sleep sets, race tracking and the state cache's summaries
// are the loop's, shared by both DPORs: a reducer only decides what a node explores.
#pragma once
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>

#include "engine/options.hpp"
#include "engine/search/path.hpp"

namespace rw::engine::detail {

class Reducer {
 public:
  struct Choice {
    FiberId fiber = 0;
    bool planned = false;  // from a wakeup tree: not marked done when it cannot run
  };
  virtual ~Reducer() = default;

  // Source and optimal: the loop keeps sleep sets, tracks races and summarizes what lies below
  // each state, and events may be extended by movers.
  virtual bool tracks_races() const { return true; }
  // Events count each step's announced access instead of the one made (see EventReader::made).
  virtual bool announced_access() const { return false; }
  // A unit's root starts with the sleep set the units before it leave (units.cpp).
  virtual bool sleeps_across_units() const { return false; }

  // Node n was pushed on the path below `parent` (nullptr at the root).
  virtual void on_node(Node& /*n*/, Node* /*parent*/) {}
  // The first fiber to explore from n, then the next ones; nullopt when n is done. The loop
  // drops a choice that cannot run, is asleep, was explored or breaks the preemption bound,
  // and asks again.
  virtual std::optional<Choice> first_choice(Node& n) = 0;
  virtual std::optional<Choice> next_choice(Node& n) = 0;
  // Node j's event races with node i's (j < i). `pending`: node i (one past the path's end) is
  // a fiber's next step that an execution cut short by a violation never took.
  virtual void on_race(Path /*path*/, std::size_t /*j*/, std::size_t /*i*/, bool /*pending*/) {}
  // The path ends: a whole execution, or not (`whole` false: cut at the step bound or at a
  // state already explored).
  virtual void on_leaf(Path /*path*/, bool /*whole*/) {}
  // A pruned state's summary says that `fibers` make accesses below it that conflict with the
  // event taken at `at` (every runnable fiber when those cannot start the reversal there).
  virtual void on_pruned_state(Node& /*at*/, std::uint64_t /*fibers*/) {}
  // The state the path reaches below `parent` must be explored even when the cache has it.
  virtual bool must_explore(const Node& /*parent*/) const { return false; }
};

std::unique_ptr<Reducer> make_reducer(Reduction reduction);
std::unique_ptr<Reducer> make_source_sets();   // source_sets.cpp
std::unique_ptr<Reducer> make_optimal_dpor();  // optimal_dpor.cpp

inline FiberId lowest(std::uint64_t fibers) { return static_cast<FiberId>(std::countr_zero(fibers)); }

}  // namespace rw::engine::detail
