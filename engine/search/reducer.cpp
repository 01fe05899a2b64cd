// engine/search/reducer.cpp: the reducer for Reduction::None, which explores every runnable
// fiber at every node, and the choice of reducer.
#include "engine/search/reducer.hpp"

namespace rw::engine::detail {

namespace {

class NoReduction final : public Reducer {
 public:
  bool tracks_races() const override { return false; }
  std::optional<Choice> first_choice(Node& n) override { return next_choice(n); }
  std::optional<Choice> next_choice(Node& n) override {
    const std::uint64_t left = n.runnable & ~n.done;
    if (left == 0) return std::nullopt;
    return Choice{.fiber = lowest(left)};
  }
};

}  // namespace

std::unique_ptr<Reducer> make_reducer(Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return std::make_unique<NoReduction>();
    case Reduction::Source: return make_source_sets();
    case Reduction::Optimal: return make_optimal_dpor();
  }
  return nullptr;
}

}  // namespace rw::engine::detail
