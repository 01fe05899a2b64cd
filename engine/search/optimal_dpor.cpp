// engine/search/optimal_dpor.cpp: optimal DPOR with wakeup trees (Abdulla et al., POPL 2014,
// "Optimal dynamic partial order reduction", Alg. 2): without the state cache, one execution
// per Mazurkiewicz trace. A node explores what its wakeup tree plans, or its first awake fiber;
// the races of a path are reversed when it ends, each by inserting into the earlier event's
// node the whole sequence that reverses it, unless a sleeping or explored fiber starts it.
#include <algorithm>
#include <bit>
#include <span>
#include <vector>

#include "engine/search/race_tracker.hpp"
#include "engine/search/reducer.hpp"

namespace rw::engine::detail {

namespace {

// ---- Wakeup trees ---------------------------------------------------------------------------

// p is a weak initial of w: its first event in w has no dependent event before it in w, or it
// has no event in w and its next event `next` is independent of all of w.
bool weak_initial(std::span<const Event> w, FiberId p, const Event& next) {
  for (std::size_t k = 0; k < w.size(); ++k) {
    if (w[k].fiber != p) continue;
    for (std::size_t m = 0; m < k; ++m)
      if (dependent(w[m], w[k])) return false;
    return true;
  }
  return std::none_of(w.begin(), w.end(), [&](const Event& e) { return dependent(next, e); });
}

void remove_first_of(std::vector<Event>& w, FiberId p) {
  auto it = std::find_if(w.begin(), w.end(), [p](const Event& e) { return e.fiber == p; });
  if (it != w.end()) w.erase(it);
}

// Inserts w into the tree rooted at t[0] (Optimal-DPOR's insert operation).
void wut_insert(std::vector<WutNode>& t, std::vector<Event> w) {
  if (t.empty()) t.push_back(WutNode{});
  std::int32_t u = 0;
  while (true) {
    if (u != 0 && t[static_cast<std::size_t>(u)].child < 0) return;  // a leaf: w is covered
    if (w.empty()) return;                                            // a prefix of a branch
    std::int32_t c = t[static_cast<std::size_t>(u)].child;
    std::int32_t last = -1;
    for (; c >= 0; last = c, c = t[static_cast<std::size_t>(c)].sibling)
      if (weak_initial(w, t[static_cast<std::size_t>(c)].ev.fiber, t[static_cast<std::size_t>(c)].ev)) break;
    if (c >= 0) {
      remove_first_of(w, t[static_cast<std::size_t>(c)].ev.fiber);
      u = c;
      continue;
    }
    // New branch under u, as its last child.
    std::int32_t parent = u;
    bool first = true;
    for (const Event& e : w) {
      t.push_back(WutNode{.ev = e});
      const auto id = static_cast<std::int32_t>(t.size() - 1);
      if (first && last >= 0)
        t[static_cast<std::size_t>(last)].sibling = id;
      else
        t[static_cast<std::size_t>(parent)].child = id;
      first = false;
      parent = id;
    }
    return;
  }
}

// Copies the children of `from` in `src` under the root of `dst` (which is cleared).
void wut_copy_children(const std::vector<WutNode>& src, std::int32_t from, std::vector<WutNode>& dst) {
  dst.clear();
  dst.push_back(WutNode{});
  struct Item {
    std::int32_t src_parent, dst_parent;
  };
  std::vector<Item> todo{{from, 0}};
  while (!todo.empty()) {
    const Item it = todo.back();
    todo.pop_back();
    std::int32_t prev = -1;
    for (std::int32_t c = src[static_cast<std::size_t>(it.src_parent)].child; c >= 0;
         c = src[static_cast<std::size_t>(c)].sibling) {
      dst.push_back(WutNode{.ev = src[static_cast<std::size_t>(c)].ev});
      const auto id = static_cast<std::int32_t>(dst.size() - 1);
      if (prev < 0)
        dst[static_cast<std::size_t>(it.dst_parent)].child = id;
      else
        dst[static_cast<std::size_t>(prev)].sibling = id;
      prev = id;
      todo.push_back({c, id});
    }
  }
}

// ---- The reducer ----------------------------------------------------------------------------

class OptimalDpor final : public Reducer {
 public:
  bool announced_access() const override { return true; }

  // A child starts with the subtree its parent's wakeup tree planned below the event taken.
  void on_node(Node& n, Node* parent) override {
    if (parent != nullptr)
      n.wut.swap(parent->child_wut);
    else
      n.wut.clear();
  }

  std::optional<Choice> first_choice(Node& n) override {
    if (auto planned = from_tree(n)) return planned;
    n.child_wut.clear();
    const std::uint64_t awake = n.runnable & ~n.sleep;
    if (awake == 0) return std::nullopt;
    return Choice{.fiber = lowest(awake)};
  }

  std::optional<Choice> next_choice(Node& n) override { return from_tree(n); }

  // Recorded, and reversed when the execution ends (on_leaf); a pending event has no path
  // after it, so its races are reversed now.
  void on_race(Path path, std::size_t j, std::size_t i, bool pending) override {
    if (pending)
      race(path, j, i, i + 1, true);
    else
      path[i].races.push_back(static_cast<std::uint32_t>(j));
  }

  // Optimal DPOR works on whole executions: the races of the path are reversed when it ends,
  // each with every event of the execution that does not happen after the first (Abdulla et
  // al., Alg. 2). A path cut at a cached state or the step bound is not whole, and its
  // sequences are then inserted without the sleep-set test (which needs them whole).
  void on_leaf(Path path, bool whole) override {
    for (std::size_t i = 0; i < path.size(); ++i)
      for (std::uint32_t j : path[i].races) race(path, j, i, path.size(), whole);
  }

  // A one-event branch per fiber. Its next event is not known here, so it is taken to conflict
  // with everything; inserting it only adds a branch when no branch starts with that fiber
  // yet, and then as the last child of the root.
  void on_pruned_state(Node& at, std::uint64_t fibers) override {
    std::uint64_t add = fibers & ~(at.done | at.sleep | bit(at.ev.fiber));
    if (add == 0) return;
    if (at.wut.empty()) at.wut.push_back(WutNode{});
    std::int32_t last = -1;
    for (std::int32_t c = at.wut[0].child; c >= 0; c = at.wut[static_cast<std::size_t>(c)].sibling) {
      add &= ~bit(at.wut[static_cast<std::size_t>(c)].ev.fiber);
      last = c;
    }
    for (; add != 0; add &= add - 1) {
      WutNode blind;
      blind.ev.fiber = lowest(add);
      blind.ev.wide = true;
      at.wut.push_back(blind);
      const auto node = static_cast<std::int32_t>(at.wut.size() - 1);
      if (last < 0) at.wut[0].child = node;
      else at.wut[static_cast<std::size_t>(last)].sibling = node;
      last = node;
    }
  }

  // A state reached along a wakeup sequence still has to follow the rest of it, which its
  // earlier visit need not have taken.
  bool must_explore(const Node& parent) const override { return parent.child_wut.size() > 1; }

 private:
  // The wakeup tree's first branch, handing its subtree to the child.
  static std::optional<Choice> from_tree(Node& n) {
    if (n.wut.empty() || n.wut[0].child < 0) return std::nullopt;
    const std::int32_t c = n.wut[0].child;
    const FiberId p = n.wut[static_cast<std::size_t>(c)].ev.fiber;
    wut_copy_children(n.wut, c, n.child_wut);
    n.wut[0].child = n.wut[static_cast<std::size_t>(c)].sibling;
    if (n.wut[0].child < 0) n.wut.clear();
    return Choice{.fiber = p, .planned = true};
  }

  // Skips the reversal if a sleeping (or explored) fiber is a weak initial of it.
  void race(Path path, std::size_t j, std::size_t i, std::size_t end, bool sleep_test) {
    Node& at = path[j];
    reversal(path, j, i, std::max(end, i), v_);
    if (sleep_test) {
      for (const Event& s : at.sleep_events)
        if (weak_initial(v_, s.fiber, s)) return;
      for (const Event& s : at.done_events)
        if (weak_initial(v_, s.fiber, s)) return;
      if (weak_initial(v_, at.ev.fiber, at.ev)) return;  // the branch being explored
    }
    wut_insert(at.wut, v_);
  }

  std::vector<Event> v_;
};

}  // namespace

std::unique_ptr<Reducer> make_optimal_dpor() { return std::make_unique<OptimalDpor>(); }

}  // namespace rw::engine::detail
