// engine/search/units.cpp: splitting the search into units (units.hpp). The split expands the
// tree breadth first until there are enough prefixes; a unit's root inherits the sleep set that
// the units before it, in depth-first order, leave (the sleep sets of Godefroid's thesis, 1996,
// as source-set DPOR uses them: Abdulla et al., POPL 2014, Alg. 1).
#include "engine/search/units.hpp"

#include <algorithm>

namespace rw::engine::detail {

bool enter_unit(EventReader& events, std::span<const FiberId> prefix, bool sleep_sets, std::vector<Event>& asleep) {
  Execution& ex = events.execution();
  ex.begin(false);
  // The split explored every sibling of each prefix step as a unit of its own, earlier in
  // depth-first order: with a reduction, those whose next event is independent of the steps
  // taken since are asleep at this unit's root, as they would be in one search.
  Checkpoint here;
  for (std::size_t j = 0; j < prefix.size(); ++j) {
    if (ex.over()) break;
    const FiberId c = prefix[j];
    if (ex.restricted()) {
      ex.advance(c);
      continue;
    }
    // (Optimal's wakeup trees start afresh in each unit. With symmetry, so do sleep sets: a
    // unit root asleep for a fiber relies on an earlier unit to cover it, and the cache may
    // prune that unit's root as a renaming of another unit's, which relies on it in turn.)
    if (sleep_sets) {
      for (const Event& e : asleep)
        if (e.fiber == c) return false;  // covered by an earlier unit
      ex.save(here);
      const std::vector<FiberId> run = ex.runnable();
      for (FiberId g : run) {
        if (g >= c) break;
        if (std::any_of(asleep.begin(), asleep.end(), [g](const Event& e) { return e.fiber == g; })) continue;
        asleep.push_back(events.take(g));
        ex.restore(here);
      }
    }
    Event taken{.fiber = c};
    events.step(c, taken);
    while (j + 1 < prefix.size() && !ex.over() && ex.restricted()) events.step(prefix[++j], taken);
    std::erase_if(asleep, [&](const Event& e) { return dependent(e, taken); });
  }
  while (!ex.over() && ex.restricted()) ex.advance(ex.runnable().front());
  return true;
}

Split split_tree(Program& program, std::size_t want, std::uint32_t max_steps, SharedCache* cache,
                 std::optional<std::uint32_t> bound, const std::vector<std::uint32_t>* classes) {
  Execution ex(program);
  if (cache != nullptr) ex.set_interner(&cache->positions());  // keys as the search writes them
  if (cache != nullptr && classes != nullptr) ex.set_symmetry(*classes);
  Split out;
  out.units = {{}};
  StateWriter key;
  auto settle = [&](std::vector<FiberId>& prefix) {  // run it, then its forced atomic steps
    ex.begin(false);
    for (FiberId f : prefix) ex.advance(f);
    while (!ex.over() && ex.restricted() && ex.depth() < max_steps) {
      prefix.push_back(ex.runnable().front());
      ex.advance(prefix.back());
    }
  };
  settle(out.units[0]);
  while (out.units.size() < want) {
    std::vector<std::vector<FiberId>> next;
    bool grew = false;
    for (auto& u : out.units) {
      ex.begin(false);
      for (FiberId f : u) ex.advance(f);
      if (ex.over() || ex.depth() >= max_steps) {
        next.push_back(u);
        continue;
      }
      if (cache != nullptr) {  // an inner node of the split: stored here, as the search would
        key.clear();
        ex.write_state(key);
        std::uint64_t entry = 0;
        std::uint32_t summary = 0;
        bool added = false;
        if (cache->visit(key.words(), 0, 0, false, false, entry, summary, added) == SharedCache::Decision::Prune) {
          ++out.pruned;
          continue;
        }
      }
      const std::vector<FiberId> run = ex.runnable();
      grew = grew || run.size() > 1;
      for (FiberId f : run) {
        std::vector<FiberId> child = u;
        child.push_back(f);
        settle(child);
        if (bound && ex.preemptions() > *bound) {
          out.bound_cut = true;
          continue;
        }
        out.steps += child.size() - u.size();
        next.push_back(std::move(child));
      }
    }
    out.units.swap(next);
    if (!grew) break;
  }
  return out;
}

}  // namespace rw::engine::detail
