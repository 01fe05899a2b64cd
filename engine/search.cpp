// engine/search.cpp: see search.hpp.
#include "engine/search.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <unordered_map>

#include "engine/execution.hpp"
#include "engine/require.hpp"
#include "engine/search/check_state.hpp"

namespace rw::engine::detail {

// ---- The shared cache ---------------------------------------------------------------------

SharedCache::Decision SharedCache::visit(std::span<const std::uint64_t> key, std::uint64_t sleep,
                                         std::uint32_t preemptions, bool bounded, bool sleep_aware,
                                         std::uint64_t& entry, std::uint32_t& summary, bool& added) {
  const std::uint64_t h = StateStore::hash(key);
  Stripe& s = stripes_[(h >> 40) % kStripes];
  std::lock_guard lock(s.mutex);
  const auto [index, fresh] = s.store.find_or_insert(key, h);
  entry = index * kStripes + (h >> 40) % kStripes;
  added = fresh;
  if (fresh) {
    s.visits.push_back(Visit{.sleep = sleep, .preemptions = preemptions, .summary = 0});
    return Decision::Explore;
  }
  Visit& v = s.visits[index];
  summary = v.summary;
  if (bounded) {
    if (v.preemptions <= preemptions) return Decision::Prune;
    v.preemptions = preemptions;  // reached with fewer: what lies below may now fit the bound
    v.summary = 0;
    return Decision::Explore;
  }
  if (!sleep_aware || (v.sleep & ~sleep) == 0) return Decision::Prune;
  // Explored before with a fiber asleep that is awake now: explore again, with fewer asleep.
  v.sleep &= sleep;
  v.summary = 0;
  return Decision::Explore;
}

std::uint32_t SharedCache::intern_summary(std::span<const std::uint64_t> words) {
  std::lock_guard lock(summaries_mutex_);
  const auto [entry, fresh] = summary_ids_.find_or_insert(words);
  if (fresh) summaries_.emplace_back(words.begin(), words.end());
  return static_cast<std::uint32_t>(entry + 1);
}

void SharedCache::set_summary(std::uint64_t entry, std::uint32_t id) {
  Stripe& s = stripes_[entry % kStripes];
  std::lock_guard lock(s.mutex);
  s.visits[entry / kStripes].summary = id;
}

std::span<const std::uint64_t> SharedCache::summary(std::uint32_t id) const {
  std::lock_guard lock(summaries_mutex_);
  return summaries_.at(id - 1);  // a summary's words never move: the deque only grows
}

std::uint64_t SharedCache::states() const {
  std::uint64_t n = 0;
  for (const Stripe& s : stripes_) n += s.store.size();
  return n;
}

namespace {

// ---- Events and dependence ----------------------------------------------------------------

struct Acc {
  ObjectId obj = kNoObject;
  Access kind = Access::Read;
};

constexpr std::size_t kEventAccesses = 4;

// One event: a step, or a whole atomic section. Unlocks and object-less steps conflict with
// nothing (an unlock never races: whoever waits for the lock is disabled until it), so they are
// not kept. An event with more accesses than kept is `wide` and conflicts with everything.
struct Event {
  FiberId fiber = 0;
  std::uint8_t n = 0;
  bool wide = false;
  std::array<Acc, kEventAccesses> acc{};
  void add(ObjectId obj, Access kind) {
    if (obj == kNoObject || kind == Access::Unlock) return;
    for (std::uint8_t i = 0; i < n; ++i)
      if (acc[i].obj == obj) {  // keep the strongest access per object
        if (kind != Access::Read && acc[i].kind == Access::Read) acc[i].kind = kind;
        return;
      }
    if (n < kEventAccesses)
      acc[n++] = Acc{obj, kind};
    else
      wide = true;
  }
};

bool conflict(Acc a, Acc b) {
  if (a.obj != b.obj) return false;
  const bool la = a.kind == Access::Lock, lb = b.kind == Access::Lock;
  if (la || lb) return la && lb;  // an acquire depends on the other acquires of that lock
  return a.kind != Access::Read || b.kind != Access::Read;
}

// Dependence of events of two different fibers.
bool dependent(const Event& x, const Event& y) {
  if (x.wide || y.wide) return true;
  for (std::uint8_t i = 0; i < x.n; ++i)
    for (std::uint8_t j = 0; j < y.n; ++j)
      if (conflict(x.acc[i], y.acc[j])) return true;
  return false;
}

// Summaries: per object, three masks of fibers (read, write, lock).
enum : std::size_t { kR = 0, kW = 1, kL = 2 };
std::size_t kind_slot(Access a) {
  switch (a) {
    case Access::Read: return kR;
    case Access::Lock: return kL;
    default: return kW;
  }
}
void summarize(std::vector<std::uint64_t>& sum, const Event& e) {
  if (e.wide) {
    for (std::size_t o = 0; o < sum.size() / 3; ++o) sum[o * 3 + kW] |= std::uint64_t{1} << e.fiber;
    for (std::size_t o = 0; o < sum.size() / 3; ++o) sum[o * 3 + kL] |= std::uint64_t{1} << e.fiber;
    return;
  }
  for (std::uint8_t i = 0; i < e.n; ++i) sum[e.acc[i].obj * 3 + kind_slot(e.acc[i].kind)] |= std::uint64_t{1} << e.fiber;
}

// ---- Wakeup trees ---------------------------------------------------------------------------

struct WutNode {
  Event ev;
  std::int32_t child = -1;
  std::int32_t sibling = -1;
};

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

// ---- The search -----------------------------------------------------------------------------

constexpr std::uint64_t kNoEntry = ~std::uint64_t{0};
std::uint64_t bit(FiberId f) { return std::uint64_t{1} << f; }

// A mask of fibers, each renamed by `to` (fiber f becomes to[f]); `to` empty: unchanged.
std::uint64_t rename_mask(std::uint64_t m, std::span<const FiberId> to) {
  if (to.empty()) return m;
  std::uint64_t out = 0;
  for (; m != 0; m &= m - 1) {
    const auto f = static_cast<std::size_t>(std::countr_zero(m));
    out |= bit(f < to.size() ? to[f] : static_cast<FiberId>(f));  // bits past the fibers: "everything"
  }
  return out;
}

struct Node {
  Checkpoint cp;
  std::uint64_t runnable = 0;      // as a mask
  std::uint64_t sleep = 0;         // fibers asleep here
  std::vector<Event> sleep_events; // their next events
  std::uint64_t backtrack = 0;     // source: fibers to explore from here
  std::uint64_t done = 0;          // fibers explored from here (or dropped)
  std::vector<Event> done_events;  // events explored from here, for later siblings' sleep sets
  std::vector<WutNode> wut;        // optimal: what is left to explore from here
  bool started = false;
  std::uint64_t cache_entry = kNoEntry;
  std::vector<FiberId> rename;      // symmetry: this state's fibers' canonical names
  std::vector<std::uint64_t> summary;
  // The event taken from here to the next node on the path.
  Event ev;
  std::uint32_t seq = 0;              // 1-based index of the event among its fiber's events
  std::vector<std::uint32_t> clock;   // per fiber: events of that fiber that happen before it (incl.)
  std::vector<WutNode> child_wut;     // optimal: the subtree handed to the child
  std::vector<std::uint32_t> races;   // optimal: earlier nodes whose events race with this one
  bool tracked = false;               // the event's effect on the race tables is in place
  bool pushed_wide = false;
  std::vector<std::pair<std::int32_t*, std::int32_t>> undo;
};

class Searcher {
 public:
  Searcher(Program& program, const SearchContext& c, const std::function<void(double)>& tick)
      : program_(program), c_(c), opt_(*c.options), ex_(program), tick_(tick) {
    fibers_ = program.fiber_names().size();
    summary_words_ = program.objects().size() * 3;
    dpor_ = c.reduction != Reduction::None;
    movers_ = dpor_ && !c.bound;
    ex_.set_checkpointing(true);
    if (c.cache != nullptr) ex_.set_interner(&c.cache->positions());
    if (c.cache != nullptr && c.classes != nullptr) ex_.set_symmetry(*c.classes);
    sym_ = ex_.symmetric();
    const std::size_t objects = program.objects().size();
    last_write_.assign(objects, -1);
    last_lock_.assign(objects, -1);
    last_read_.assign(objects * fibers_, -1);
    last_of_.assign(fibers_, -1);
  }

  UnitResult run(std::span<const FiberId> prefix) {
    ex_.begin(false);
    // The split explored every sibling of each prefix step as a unit of its own, earlier in
    // depth-first order: with a reduction, those whose next event is independent of the steps
    // taken since are asleep at this unit's root, as they would be in one search.
    std::vector<Event> asleep;
    Checkpoint here;
    for (std::size_t j = 0; j < prefix.size(); ++j) {
      if (ex_.over()) break;
      const FiberId c = prefix[j];
      if (ex_.restricted()) {
        ex_.advance(c);
        continue;
      }
      // (Optimal's wakeup trees start afresh in each unit. With symmetry, so do sleep sets: a
      // unit root asleep for a fiber relies on an earlier unit to cover it, and the cache may
      // prune that unit's root as a renaming of another unit's, which relies on it in turn.)
      if (c_.reduction == Reduction::Source && !sym_) {
        for (const Event& e : asleep)
          if (e.fiber == c) return std::move(r_);  // covered by an earlier unit
        ex_.save(here);
        const std::vector<FiberId> run = ex_.runnable();
        for (FiberId g : run) {
          if (g >= c) break;
          if (std::any_of(asleep.begin(), asleep.end(), [g](const Event& e) { return e.fiber == g; })) continue;
          asleep.push_back(take_event(g));
          ex_.restore(here);
        }
      }
      Event taken{.fiber = c};
      ex_.advance(c);
      taken.add(ex_.last_object(), made());
      while (j + 1 < prefix.size() && !ex_.over() && ex_.restricted()) {
        ex_.advance(prefix[++j]);
        taken.add(ex_.last_object(), made());
      }
      std::erase_if(asleep, [&](const Event& e) { return dependent(e, taken); });
    }
    while (!ex_.over() && ex_.restricted()) ex_.advance(ex_.runnable().front());
    base_ = ex_.depth();
    if (ex_.over() || ex_.depth() >= opt_.max_steps) {
      leaf(ex_.depth() >= opt_.max_steps && !ex_.over());
      return std::move(r_);
    }
    std::uint64_t sleep = 0;
    for (const Event& e : asleep) sleep |= bit(e.fiber);
    if (!enter_state(sleep, &asleep)) return std::move(r_);  // the start itself was explored before
    loop();
    return std::move(r_);
  }

 private:
  bool stopped() const {
    return c_.stop->load(std::memory_order_relaxed) ||
           c_.first_violation_unit->load(std::memory_order_relaxed) < c_.unit;
  }

  // Checks the state the execution is in against the cache and, if it is to be explored, pushes
  // a node for it. `from` is the parent node (nullptr for the root). Returns false when pruned.
  bool enter_state(std::uint64_t sleep, const std::vector<Event>* sleep_events) {
    std::uint64_t entry = kNoEntry;
    if (c_.cache != nullptr) {
      key_.clear();
      ex_.write_state(key_);
      if (c_.bound) key_.put(ex_.canonical(ex_.schedule().empty() ? kNoFiber : ex_.schedule().back()));
      std::uint32_t summary = 0;
      bool added = false;
      const auto d = c_.cache->visit(key_.words(), rename_mask(sleep, ex_.canonical_names()), ex_.preemptions(),
                                     c_.bound.has_value(), dpor_, entry, summary, added);
      if (added) maybe_record_first_path();
      // A state whose summary is not complete is being explored: by another thread (explore it
      // here as well rather than assume it touches everything), or on this path (a cycle).
      const bool busy_elsewhere = d == SharedCache::Decision::Prune && dpor_ && summary == 0 && !on_path(entry);
      // Optimal: a state reached along a wakeup sequence still has to follow the rest of it,
      // which its earlier visit need not have taken.
      const bool planned = c_.reduction == Reduction::Optimal && top_ > 0 && pool_[top_ - 1].child_wut.size() > 1;
      if (d == SharedCache::Decision::Prune && !busy_elsewhere && !planned) {
        ++r_.pruned;
        ++r_.executions;
        count_execution();
        maybe_check_state();
        if (c_.reduction == Reduction::Optimal) reverse_races(false);
        if (dpor_) apply_summary(summary);
        return false;
      }
    }
    if (top_ == pool_.size()) pool_.emplace_back();
    Node& n = pool_[top_++];
    ex_.save(n.cp);
    n.runnable = 0;
    for (FiberId f : ex_.runnable()) n.runnable |= bit(f);
    n.sleep = sleep;
    n.sleep_events.clear();
    if (sleep_events != nullptr) n.sleep_events = *sleep_events;
    n.backtrack = n.done = 0;
    n.done_events.clear();
    n.started = false;
    n.cache_entry = entry;
    if (sym_) n.rename.assign(ex_.canonical_names().begin(), ex_.canonical_names().end());
    n.summary.assign(summary_words_, 0);
    if (dpor_) {
      // What this state may still do counts for races with the path above a later visit.
      for (FiberId f = 0; f < fibers_; ++f) {
        if (ex_.finished(f)) continue;
        Event e{.fiber = f};
        e.add(ex_.pending_object(f), ex_.pending_access(f));
        summarize(n.summary, e);
      }
      for (const Event& e : n.sleep_events) summarize(n.summary, e);
    }
    live_ = top_ - 1;
    if (top_ > 1 && c_.reduction == Reduction::Optimal) {
      n.wut.swap(pool_[top_ - 2].child_wut);
    } else {
      n.wut.clear();
    }
    return true;
  }

  bool on_path(std::uint64_t entry) const {
    for (std::size_t j = 0; j < top_; ++j)
      if (pool_[j].cache_entry == entry) return true;
    return false;
  }

  static void merge(std::vector<std::uint64_t>& into, std::span<const std::uint64_t> from) {
    for (std::size_t i = 0; i < into.size() && i < from.size(); ++i) into[i] |= from[i];
  }

  // Picks the next fiber to explore from node n, or nothing when n is done.
  std::optional<FiberId> next_choice(Node& n) {
    while (true) {
      std::optional<FiberId> p;
      Event planned;
      bool from_wut = false;
      if (c_.reduction == Reduction::None) {
        const std::uint64_t left = n.runnable & ~n.done;
        if (left == 0) return std::nullopt;
        p = static_cast<FiberId>(std::countr_zero(left));
      } else if (c_.reduction == Reduction::Source) {
        if (!n.started) {
          n.started = true;
          const std::uint64_t awake = n.runnable & ~n.sleep;
          if (awake != 0) n.backtrack |= bit(static_cast<FiberId>(std::countr_zero(awake)));
        }
        const std::uint64_t left = n.backtrack & ~n.done & ~n.sleep;
        if (left == 0) return std::nullopt;
        p = static_cast<FiberId>(std::countr_zero(left));
      } else {
        if (!n.wut.empty() && n.wut[0].child >= 0) {
          const std::int32_t c = n.wut[0].child;
          planned = n.wut[static_cast<std::size_t>(c)].ev;
          p = planned.fiber;
          wut_copy_children(n.wut, c, n.child_wut);
          n.wut[0].child = n.wut[static_cast<std::size_t>(c)].sibling;
          if (n.wut[0].child < 0) n.wut.clear();
          from_wut = true;
          n.started = true;
        } else if (!n.started) {
          n.started = true;
          n.child_wut.clear();
          const std::uint64_t awake = n.runnable & ~n.sleep;
          if (awake == 0) return std::nullopt;
          p = static_cast<FiberId>(std::countr_zero(awake));
        } else {
          return std::nullopt;
        }
      }
      const FiberId f = *p;
      // A planned fiber that cannot run here (it was blocked), or is asleep, or was explored.
      if ((n.runnable & bit(f)) == 0 || (n.sleep & bit(f)) != 0 || (n.done & bit(f)) != 0) {
        if (!from_wut) n.done |= bit(f);
        continue;
      }
      if (c_.bound && !within_bound(n, f)) {
        r_.bound_cut = true;
        n.done |= bit(f);
        continue;
      }
      return f;
    }
  }

  bool within_bound(const Node& n, FiberId f) const {
    const FiberId last = n.cp.last;
    const bool preempts = last < fibers_ && last != f && (n.runnable & bit(last)) != 0;
    return !preempts || n.cp.preemptions + 1 <= *c_.bound;
  }

  void loop() {
    while (top_ > 0) {
      if (stopped() || stop_self_) return;
      Node& n = pool_[top_ - 1];
      const std::optional<FiberId> choice = next_choice(n);
      if (!choice) {
        pop();
        continue;
      }
      if (out_of_budget()) return;
      const FiberId p = *choice;
      const std::size_t i = top_ - 1;
      take_back(n);
      if (live_ != i) ex_.restore(n.cp);
      live_ = kNoLive;
      const Event e = take_event(p);
      r_.steps += ex_.depth() - n.cp.depth;
      n.done |= bit(p);
      n.ev = e;
      if (dpor_) {
        summarize(n.summary, e);
        track(i);
      }
      // Sleep set of the child: what was asleep or explored here and is independent of e.
      child_sleep_events_.clear();
      std::uint64_t child_sleep = 0;
      if (dpor_) {
        for (const Event& s : n.sleep_events)
          if (!dependent(s, e)) {
            child_sleep_events_.push_back(s);
            child_sleep |= bit(s.fiber);
          }
        for (const Event& s : n.done_events)
          if ((child_sleep & bit(s.fiber)) == 0 && !dependent(s, e)) {
            child_sleep_events_.push_back(s);
            child_sleep |= bit(s.fiber);
          }
        n.done_events.push_back(e);
      }
      if (ex_.over()) {
        leaf(false);
      } else if (ex_.depth() >= opt_.max_steps) {
        leaf(true);
      } else {
        enter_state(child_sleep, &child_sleep_events_);
      }
    }
  }

  // The access the last step made, as the reduction sees it. Source sets take a failed
  // compare-and-swap as the read it was. Optimal DPOR keeps the access announced: its wakeup
  // sequences replay an event in other states, where the same step may succeed and write.
  Access made() const {
    return c_.reduction == Reduction::Optimal ? ex_.last_announced() : ex_.last_access();
  }

  // Takes fiber p's next event: the step, the rest of an atomic section it opens, and with
  // movers the steps Lipton's reduction lets it run with.
  Event take_event(FiberId p) {
    Event e{.fiber = p};
    ex_.advance(p);
    e.add(ex_.last_object(), made());
    const Access first = ex_.last_announced();
    const bool first_local = ex_.last_object() == kNoObject;
    finish_atomic(p, e);
    if (movers_) extend(p, e, first, first_local);
    return e;
  }

  // The rest of an atomic section the step opened: no other fiber may run inside it.
  void finish_atomic(FiberId p, Event& e) {
    while (!ex_.over() && ex_.restricted()) {
      const FiberId f = ex_.runnable().front();
      RW_ASSERT(f == p, "an atomic section of fiber {} began inside fiber {}'s step", f, p);
      ex_.advance(f);
      e.add(ex_.last_object(), made());
    }
  }

  // Lipton's reduction on locks: an acquire moves right past other fibers' steps and a release
  // moves left, so a fiber's steps matching [acquire] [one other step] [releases...] can run as
  // one event (Lipton, CACM 1975; Flanagan and Qadeer, PLDI 2003). An acquire is never appended
  // (that could hide a deadlock between two locks), nor a step that waits on a condition.
  void extend(FiberId p, Event& e, Access first, bool first_local) {
    // Past the event's one non-mover (or a release): only releases and local steps may follow.
    bool left = first != Access::Lock && !first_local;
    while (!ex_.over()) {
      const auto& run = ex_.runnable();
      if (!std::binary_search(run.begin(), run.end(), p) || ex_.pending_conditional(p)) return;
      const Access a = ex_.pending_access(p);
      const bool local = ex_.pending_object(p) == kNoObject;  // touches nothing shared
      if (a == Access::Lock && !local) return;
      if (a == Access::Unlock) {
        left = true;
      } else if (!local) {
        if (left) return;
        left = true;
      }
      ex_.advance(p);
      e.add(ex_.last_object(), made());
      finish_atomic(p, e);
    }
  }

  void pop() {
    Node& n = pool_[top_ - 1];
    if (dpor_ && c_.cache != nullptr && n.cache_entry != kNoEntry) {
      // Consecutive states mostly share their summary: intern it once. Stored with the
      // state's canonical names.
      if (sym_) {
        renamed_.resize(n.summary.size());
        for (std::size_t w = 0; w < n.summary.size(); ++w) renamed_[w] = rename_mask(n.summary[w], n.rename);
      }
      const std::vector<std::uint64_t>& words = sym_ ? renamed_ : n.summary;
      if (words != last_summary_) {
        last_summary_ = words;
        last_summary_id_ = c_.cache->intern_summary(words);
      }
      c_.cache->set_summary(n.cache_entry, last_summary_id_);
    }
    if (top_ > 1) merge(pool_[top_ - 2].summary, n.summary);
    take_back(n);
    --top_;
    live_ = kNoLive;
  }

  // Happens-before and races for the event just taken from node i (source and optimal).
  // Per object, the last write, the last lock and each fiber's last read on the path, and each
  // fiber's last event: the only events a new event can race with. Changes are undone when the
  // event is taken back.
  void take_back(Node& n) {
    if (!n.tracked) return;
    if (n.pushed_wide) {
      wide_.pop_back();
      n.pushed_wide = false;
    }
    undo(n);
  }
  void undo(Node& n) {
    for (auto it = n.undo.rbegin(); it != n.undo.rend(); ++it) *it->first = it->second;
    n.undo.clear();
    n.tracked = false;
  }
  void set(Node& n, std::int32_t& slot, std::int32_t value) {
    n.undo.emplace_back(&slot, slot);
    slot = value;
  }

  void track(std::size_t i, bool record = true) {
    Node& n = pool_[i];
    const FiberId p = n.ev.fiber;
    const std::int32_t prev = last_of_[p];
    if (prev >= 0) {
      n.clock = pool_[static_cast<std::size_t>(prev)].clock;
      n.seq = pool_[static_cast<std::size_t>(prev)].seq + 1;
    } else {
      n.clock.assign(fibers_, 0);
      n.seq = 1;
    }
    n.clock[p] = n.seq;
    n.races.clear();
    const auto self = static_cast<std::int32_t>(i);
    candidates_.clear();
    if (n.ev.wide) {
      for (std::size_t j = 0; j < i; ++j) candidates_.push_back(static_cast<std::int32_t>(j));
    } else {
      for (std::uint8_t a = 0; a < n.ev.n; ++a) {
        const std::size_t o = n.ev.acc[a].obj;
        switch (n.ev.acc[a].kind) {
          case Access::Read: candidates_.push_back(last_write_[o]); break;
          case Access::Lock: candidates_.push_back(last_lock_[o]); break;
          default:
            candidates_.push_back(last_write_[o]);
            for (std::size_t f = 0; f < fibers_; ++f)
              if (last_read_[o * fibers_ + f] > last_write_[o]) candidates_.push_back(last_read_[o * fibers_ + f]);
            break;
        }
      }
      // Wide events met before can conflict with anything.
      for (std::int32_t w : wide_) candidates_.push_back(w);
    }
    // The acquires of the locks this event takes, by other fibers, not yet ordered before it.
    // A later step of the same holder inside its critical section can conflict with this event
    // too (an event merged by the movers, or a wide one): the race with that step cannot be
    // reversed (this fiber cannot take the lock there), and once its clock is joined the acquire
    // looks ordered. Unlocks are not events, so the acquire is where the order of the two
    // critical sections is decided: it is raced below even then.
    hidden_locks_.clear();
    if (!n.ev.wide)
      for (std::uint8_t a = 0; a < n.ev.n; ++a)
        if (n.ev.acc[a].kind == Access::Lock) {
          const std::int32_t j = last_lock_[n.ev.acc[a].obj];
          if (j < 0) continue;
          const Node& m = pool_[static_cast<std::size_t>(j)];
          if (m.ev.fiber != p && n.clock[m.ev.fiber] < m.seq) hidden_locks_.push_back(j);
        }
    const auto raced = [&](std::int32_t j) {
      if (c_.reduction == Reduction::Optimal && record)
        n.races.push_back(static_cast<std::uint32_t>(j));  // reversed when the execution ends
      else
        race(static_cast<std::size_t>(j), i, i + 1, true);
      std::erase(hidden_locks_, j);
    };
    std::sort(candidates_.begin(), candidates_.end(), std::greater<>());
    std::int32_t last = -1;
    for (std::int32_t j : candidates_) {
      if (j < 0 || j == last) continue;
      last = j;
      const Node& m = pool_[static_cast<std::size_t>(j)];
      const FiberId q = m.ev.fiber;
      if (q == p || n.clock[q] >= m.seq) continue;  // program order, or already before
      if (!dependent(m.ev, n.ev)) continue;
      raced(j);
      for (FiberId f = 0; f < fibers_; ++f) n.clock[f] = std::max(n.clock[f], m.clock[f]);
    }
    while (!hidden_locks_.empty()) raced(hidden_locks_.back());
    if (!record) return;
    n.tracked = true;
    set(n, last_of_[p], self);
    if (n.ev.wide) {
      wide_.push_back(self);
      n.pushed_wide = true;
    }
    for (std::uint8_t a = 0; a < n.ev.n; ++a) {
      const std::size_t o = n.ev.acc[a].obj;
      switch (n.ev.acc[a].kind) {
        case Access::Read: set(n, last_read_[o * fibers_ + p], self); break;
        case Access::Lock: set(n, last_lock_[o], self); break;
        default: set(n, last_write_[o], self); break;
      }
    }
  }

  // The events after node j's that do not happen after it, then node i's event.
  // notdep(e_j, E).e_i: the events after node j's (up to `end`, node i's excepted) that do not
  // happen after it, then node i's event.
  void reversal(std::size_t j, std::size_t i, std::size_t end, std::vector<Event>& v) const {
    const Node& e = pool_[j];
    v.clear();
    for (std::size_t k = j + 1; k < end; ++k)
      if (k != i && pool_[k].clock[e.ev.fiber] < e.seq) v.push_back(pool_[k].ev);
    v.push_back(pool_[i].ev);
  }

  // Optimal DPOR works on whole executions: the races of the path are reversed when it ends,
  // each with every event of the execution that does not happen after the first (Abdulla et
  // al., Alg. 2). `complete`: the path is a whole execution; a path cut at a cached state is
  // not, and its sequences are then inserted without the sleep-set test (which needs them whole).
  void reverse_races(bool complete) {
    for (std::size_t i = 0; i < top_; ++i)
      for (std::uint32_t j : pool_[i].races) race(j, i, top_, complete);
  }

  void race(std::size_t j, std::size_t i) { race(j, i, i, true); }

  void race(std::size_t j, std::size_t i, std::size_t end, bool sleep_test) {
    Node& at = pool_[j];
    reversal(j, i, std::max(end, i), v_);
    if (c_.reduction == Reduction::Source) {
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
      at.backtrack |= bit(static_cast<FiberId>(std::countr_zero(initials)));
      return;
    }
    // Optimal: skip if a sleeping (or explored) fiber is a weak initial of v.
    if (sleep_test) {
      for (const Event& s : at.sleep_events)
        if (weak_initial(v_, s.fiber, s)) return;
      for (const Event& s : at.done_events)
        if (weak_initial(v_, s.fiber, s)) return;
      if (weak_initial(v_, at.ev.fiber, at.ev)) return;  // the branch being explored
    }
    wut_insert(at.wut, v_);
  }

  // A pruned state's summary: every event on the path that conflicts with an access another
  // fiber makes below the state gets that fiber as an alternative (all runnable ones when it
  // cannot run there).
  void apply_summary(std::uint32_t id) {
    std::span<const std::uint64_t> sum;
    std::vector<std::uint64_t> all;
    if (id != 0 && sym_) {  // from canonical names to this state's fibers
      const auto names = ex_.canonical_names();
      inverse_.resize(names.size());
      for (FiberId f = 0; f < names.size(); ++f) inverse_[names[f]] = f;
      const auto stored = c_.cache->summary(id);
      all.resize(stored.size());
      for (std::size_t w = 0; w < stored.size(); ++w) all[w] = rename_mask(stored[w], inverse_);
      sum = all;
    } else if (id != 0) {
      sum = c_.cache->summary(id);
    } else {
      all.assign(summary_words_, ~std::uint64_t{0});
      sum = all;
    }
    if (top_ > 0) merge(pool_[top_ - 1].summary, sum);
    for (std::size_t j = 0; j < top_; ++j) {
      Node& at = pool_[j];
      const Event& e = at.ev;
      std::uint64_t others = 0;
      if (e.wide) {
        for (std::uint64_t w : sum) others |= w;
      } else {
        for (std::uint8_t a = 0; a < e.n; ++a) {
          const std::size_t o = e.acc[a].obj * 3;
          switch (e.acc[a].kind) {
            case Access::Read: others |= sum[o + kW]; break;
            case Access::Lock: others |= sum[o + kL]; break;
            default: others |= sum[o + kW] | sum[o + kR]; break;
          }
        }
      }
      others &= ~bit(e.fiber);
      if (others == 0) continue;
      // A fiber that cannot run here, or is asleep here, is no way to reverse the race: the
      // reversal starts with some other fiber (an initial of the sequence, which the summary
      // does not know), so every runnable one is tried.
      std::uint64_t add = others & at.runnable & ~at.sleep;
      if (add != others) add = at.runnable;
      if (c_.reduction == Reduction::Source) {
        at.backtrack |= add;
      } else {
        // Optimal: a one-event branch per fiber. Its next event is not known here, so it is
        // taken to conflict with everything; inserting it only adds a branch when no branch
        // starts with that fiber yet, and then as the last child of the root.
        add &= ~(at.done | at.sleep | bit(e.fiber));
        if (add == 0) continue;
        if (at.wut.empty()) at.wut.push_back(WutNode{});
        std::int32_t last = -1;
        for (std::int32_t c = at.wut[0].child; c >= 0; c = at.wut[static_cast<std::size_t>(c)].sibling) {
          add &= ~bit(at.wut[static_cast<std::size_t>(c)].ev.fiber);
          last = c;
        }
        for (; add != 0; add &= add - 1) {
          WutNode blind;
          blind.ev.fiber = static_cast<FiberId>(std::countr_zero(add));
          blind.ev.wide = true;
          at.wut.push_back(blind);
          const auto node = static_cast<std::int32_t>(at.wut.size() - 1);
          if (last < 0) at.wut[0].child = node;
          else at.wut[static_cast<std::size_t>(last)].sibling = node;
          last = node;
        }
      }
    }
  }

  void count_execution() {
    const std::uint64_t n = c_.executions->fetch_add(1, std::memory_order_relaxed) + 1;
    if ((n & 1023) == 0 && tick_) tick_(fraction_done());
  }

  // The execution budget is spent and there is more to explore: the search stops, incomplete.
  bool out_of_budget() {
    if (c_.executions->load(std::memory_order_relaxed) < opt_.max_executions) return false;
    r_.execution_bound_hit = true;
    return true;
  }

  // How much of this unit's tree is done, as the share of the path's choices behind it (each
  // level weighs 1/width of the level above): the estimate Nidhugg and GenMC print.
  double fraction_done() const {
    double done = 0, weight = 1;
    for (std::size_t j = 0; j < top_; ++j) {
      const Node& n = pool_[j];
      const double width = std::max(1, std::popcount(n.runnable));
      const double before = std::max(0, std::popcount(n.done & n.runnable) - 1);
      done += weight * before / width;
      weight /= width;
    }
    return std::min(1.0, done);
  }

  void leaf(bool step_bound) {
    if (c_.reduction == Reduction::Optimal) reverse_races(!step_bound);
    ++r_.executions;
    count_execution();
    r_.max_depth = std::max(r_.max_depth, ex_.depth());
    if (step_bound) {
      r_.step_bound_hit = true;
      return;
    }
    if (c_.cache != nullptr) {  // count the final state (complete, deadlock or violation)
      key_.clear();
      ex_.write_state(key_);
      if (c_.bound) key_.put(ex_.canonical(ex_.schedule().empty() ? kNoFiber : ex_.schedule().back()));
      std::uint64_t entry = 0;
      std::uint32_t summary = 0;
      bool added = false;
      c_.cache->visit(key_.words(), 0, ex_.preemptions(), c_.bound.has_value(), false, entry, summary, added);
    }
    if (const auto& v = ex_.violation()) {
      const bool wanted = opt_.target_kind.empty() || v->kind == opt_.target_kind;
      if (dpor_) pending_races(v->fiber);
      // A violation passed over (a target kind is sought) cut the other fibers off after their
      // next step: what they would have done after it is unknown, so it is taken to touch
      // everything, as at a state whose summary is not known yet.
      if (dpor_ && !wanted) apply_summary(0);
      if (wanted || !r_.violation) {
        r_.violation = *v;
        r_.violation->execution = c_.executions->load(std::memory_order_relaxed);
        r_.violation->preemptions = ex_.preemptions();
        r_.violation_schedule = ex_.schedule();
        r_.violation_wanted = wanted;
      }
      if (!wanted && std::find(r_.other_kinds.begin(), r_.other_kinds.end(), v->kind) == r_.other_kinds.end())
        r_.other_kinds.push_back(v->kind);
      if (wanted) {  // units after this one in depth-first order need not finish
        std::uint64_t cur = c_.first_violation_unit->load();
        while (c_.unit < cur && !c_.first_violation_unit->compare_exchange_weak(cur, c_.unit)) {
        }
        stop_self_ = true;
      }
      return;
    }
    ++r_.complete;
    ++r_.outcomes[ex_.outcome()];
  }

  // An execution cut short by a violation never takes the other fibers' next steps, so their
  // races with the path are found here, as if each were taken next (without recording it).
  void pending_races(FiberId failed) {
    if (top_ == 0) return;
    if (pool_.size() == top_) pool_.emplace_back();
    Node& tmp = pool_[top_];
    for (FiberId q = 0; q < fibers_; ++q) {
      if (q == failed || ex_.finished(q)) continue;
      tmp.ev = Event{.fiber = q};
      tmp.ev.add(ex_.pending_object(q), ex_.pending_access(q));
      if (tmp.ev.n == 0 && !tmp.ev.wide) continue;
      track(top_, false);
    }
  }

  // --check-state: remember the first path to each state; compare futures of sampled hits.
  void maybe_record_first_path() {
    if (!opt_.check_state) return;
    std::vector<FiberId> names(ex_.canonical_names().begin(), ex_.canonical_names().end());
    first_path_.emplace(key_string(), FirstPath{ex_.schedule(), std::move(names)});
  }
  std::string key_string() const {
    const auto w = key_.words();
    return {reinterpret_cast<const char*>(w.data()), w.size() * sizeof(std::uint64_t)};
  }
  void maybe_check_state();

  static constexpr std::size_t kNoLive = ~std::size_t{0};
  Program& program_;
  const SearchContext& c_;
  const ExploreOptions& opt_;
  Execution ex_;
  const std::function<void(double)>& tick_;
  std::size_t fibers_ = 0;
  std::size_t summary_words_ = 0;
  bool dpor_ = false;
  bool movers_ = false;
  bool sym_ = false;
  std::vector<std::uint64_t> renamed_;
  std::vector<FiberId> inverse_;
  std::uint32_t base_ = 0;
  std::vector<Node> pool_;  // the path: pool_[0, top_); nodes above top_ keep their buffers
  std::size_t top_ = 0;
  std::size_t live_ = kNoLive;  // the node whose checkpoint the execution is in, if any
  StateWriter key_;
  std::vector<Event> child_sleep_events_;
  std::vector<Event> v_;
  std::vector<std::int32_t> last_write_, last_lock_, last_read_, last_of_, wide_, candidates_, hidden_locks_;
  UnitResult r_;
  bool stop_self_ = false;
  std::vector<std::uint64_t> last_summary_;
  std::uint32_t last_summary_id_ = 0;
  struct FirstPath {
    std::vector<FiberId> schedule;
    std::vector<FiberId> names;  // with symmetry: its fibers' canonical names
  };
  std::unordered_map<std::string, FirstPath> first_path_;
};

}  // namespace

void Searcher::maybe_check_state() {
  if (!opt_.check_state || r_.state_checks >= opt_.check_state_samples) return;
  const std::string key = key_string();
  const std::uint64_t h = std::hash<std::string>{}(key) * 0x9e3779b97f4a7c15ull;
  if ((h & 3) != 0) return;
  const auto it = first_path_.find(key);
  if (it == first_path_.end()) return;
  ++r_.state_checks;
  const std::vector<FiberId> second = ex_.schedule();
  // With symmetry the two states may be renamings of each other: fiber f of the first is the
  // fiber of the second with f's canonical name.
  std::vector<FiberId> sigma;
  if (sym_) {
    const auto names = ex_.canonical_names();
    std::vector<FiberId> inverse(names.size());
    for (FiberId f = 0; f < names.size(); ++f) inverse[names[f]] = f;
    bool identity = true;
    for (FiberId f = 0; f < names.size(); ++f) {
      sigma.push_back(inverse[it->second.names[f]]);
      identity = identity && sigma.back() == f;
    }
    if (identity) sigma.clear();
  }
  // The comparison re-runs the program on its own fibers: the world must be restored after.
  std::string diff = compare_futures(program_, it->second.schedule, second, sigma, h, opt_.max_steps);
  live_ = kNoLive;
  if (top_ > 0) {
    ex_.restore(pool_[top_ - 1].cp);
    live_ = top_ - 1;
  }
  if (!diff.empty()) {
    r_.error = "--check-state: " + diff;
    c_.stop->store(true);
  }
}

UnitResult search_unit(Program& program, const SearchContext& context, std::span<const FiberId> prefix,
                       const std::function<void(double)>& tick) {
  Searcher s(program, context, tick);
  return s.run(prefix);
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
