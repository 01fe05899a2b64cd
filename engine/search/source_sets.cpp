// engine/search/source_sets.cpp: source-set DPOR with sleep sets (Abdulla et al., POPL 2014,
// "Optimal dynamic partial order reduction", Alg. 1). A node explores its first awake fiber;
// each race found adds to the source set (`backtrack`) of the earlier event's node one initial
// of the sequence that reverses it, unless one is there already.
#include <vector>

#include "engine/search/race_tracker.hpp"
#include "engine/search/reducer.hpp"

namespace rw::engine::detail {

namespace {

class SourceSets final : public Reducer {
 public:
  bool sleeps_across_units() const override { return true; }

  std::optional<Choice> first_choice(Node& n) override {
    const std::uint64_t awake = n.runnable & ~n.sleep;
    if (awake != 0) n.backtrack |= bit(lowest(awake));
    return next_choice(n);
  }

  std::optional<Choice> next_choice(Node& n) override {
    const std::uint64_t left = n.backtrack & ~n.done & ~n.sleep;
    if (left == 0) return std::nullopt;
    return Choice{.fiber = lowest(left)};
  }

  // Races are reversed as they are found, with the events up to node i's.
  void on_race(Path path, std::size_t j, std::size_t i, bool /*pending*/) override {
    Node& at = path[j];
    reversal(path, j, i, i + 1, v_);
    std::uint64_t initials = 0;
    for (std::size_t k = 0; k < v_.size(); ++k) {
      const FiberId f = v_[k].fiber;
      if ((initials & bit(f)) != 0) continue;
      bool first = true;
      for (std::size_t m = 0; m < k && first; ++m)
        if (v_[m].fiber == f) first = false;
      if (!first) continue;
      bool free = true;
      for (std::size_t m = 0; m < k && free; ++m)
        if (dependent(v_[m], v_[k])) free = false;
      if (free) initials |= bit(f);
    }
    initials &= at.runnable;  // an initial that cannot run here: the reversal is not feasible
    if (initials == 0 || (initials & (at.backtrack | at.done)) != 0) return;
    at.backtrack |= bit(lowest(initials));
  }

  void on_pruned_state(Node& at, std::uint64_t fibers) override { at.backtrack |= fibers; }

 private:
  std::vector<Event> v_;
};

}  // namespace

std::unique_ptr<Reducer> make_source_sets() { return std::make_unique<SourceSets>(); }

}  // namespace rw::engine::detail
