// engine/search/search.cpp: the search loop behind search_unit() (search.hpp). A depth-first
// search over checkpoints: each node of the path keeps the execution's state before its step,
// so going back costs one restore, not a re-run from the start (the exhaustive search of
// Flanagan & Godefroid, POPL 2005, made stateful after Yang et al., SPIN 2008). The reducer
// (reducer.hpp) decides what each node explores; the loop keeps sleep sets, has races tracked
// (race_tracker.hpp), consults the state cache (state_cache.hpp), cuts choices beyond the
// preemption bound (Musuvathi & Qadeer, PLDI 2007) and records what the unit found.
#include "engine/search/search.hpp"

#include <algorithm>
#include <bit>
#include <memory>

#include "engine/execution.hpp"
#include "engine/interrupt.hpp"
#include "engine/search/check_state.hpp"
#include "engine/search/event.hpp"
#include "engine/search/path.hpp"
#include "engine/search/race_tracker.hpp"
#include "engine/search/reducer.hpp"
#include "engine/search/symmetry.hpp"
#include "engine/search/units.hpp"

namespace rw::engine::detail {

namespace {

class Searcher {
 public:
  Searcher(Program& program, const SearchContext& c, const std::function<void(double)>& tick)
      : program_(program),
        c_(c),
        opt_(*c.options),
        ex_(program),
        tick_(tick),
        reducer_(make_reducer(c.reduction)),
        dpor_(reducer_->tracks_races()),
        events_(ex_, reducer_->announced_access(), dpor_ && !c.bound),  // movers: not when steps are counted
        races_(program.fiber_names().size(), program.objects().size()),
        check_(opt_.check_state_samples, opt_.max_steps) {
    fibers_ = program.fiber_names().size();
    summary_words_ = program.objects().size() * 3;
    ex_.set_checkpointing(true);
    if (c.cache != nullptr) ex_.set_interner(&c.cache->positions());
    if (c.cache != nullptr && c.classes != nullptr) ex_.set_symmetry(*c.classes);
    sym_ = ex_.symmetric();
  }

  UnitResult run(std::span<const FiberId> prefix) {
    std::vector<Event> asleep;
    if (!enter_unit(events_, prefix, reducer_->sleeps_across_units() && !sym_, asleep)) return std::move(r_);
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
  Path path() { return Path(pool_.data(), top_); }

  bool stopped() const {
    return c_.stop->load(std::memory_order_relaxed) ||
           c_.first_violation_unit->load(std::memory_order_relaxed) < c_.unit;
  }

  // The state the execution is in, as the cache stores it (with a bound, with the last fiber:
  // whether the next step preempts depends on it).
  void write_key() {
    key_.clear();
    ex_.write_state(key_);
    if (c_.bound) key_.put(ex_.canonical(ex_.schedule().empty() ? kNoFiber : ex_.schedule().back()));
  }

  // Checks the state the execution is in against the cache and, if it is to be explored, pushes
  // a node for it. Returns false when pruned.
  bool enter_state(std::uint64_t sleep, const std::vector<Event>* sleep_events) {
    std::uint64_t entry = kNoEntry;
    if (c_.cache != nullptr) {
      write_key();
      std::uint32_t summary = 0;
      bool added = false;
      const auto d = c_.cache->visit(key_.words(), rename_mask(sleep, ex_.canonical_names()), ex_.preemptions(),
                                     c_.bound.has_value(), dpor_, entry, summary, added);
      if (added && opt_.check_state) check_.stored(ex_, key_.words());
      // A state whose summary is not complete is being explored: by another thread (explore it
      // here as well rather than assume it touches everything), or on this path (a cycle).
      const bool busy_elsewhere = d == SharedCache::Decision::Prune && dpor_ && summary == 0 && !on_path(entry);
      const bool planned = top_ > 0 && reducer_->must_explore(pool_[top_ - 1]);
      if (d == SharedCache::Decision::Prune && !busy_elsewhere && !planned) {
        ++r_.pruned;
        ++r_.executions;
        count_execution();
        check_state();
        reducer_->on_leaf(path(), false);
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
    reducer_->on_node(n, top_ > 1 ? &pool_[top_ - 2] : nullptr);
    return true;
  }

  bool on_path(std::uint64_t entry) const {
    for (std::size_t j = 0; j < top_; ++j)
      if (pool_[j].cache_entry == entry) return true;
    return false;
  }

  // Picks the next fiber to explore from node n, or nothing when n is done.
  std::optional<FiberId> next_choice(Node& n) {
    while (true) {
      const std::optional<Reducer::Choice> c = n.started ? reducer_->next_choice(n) : reducer_->first_choice(n);
      n.started = true;
      if (!c) return std::nullopt;
      const FiberId f = c->fiber;
      // A planned fiber that cannot run here (it was blocked), or is asleep, or was explored.
      if ((n.runnable & bit(f)) == 0 || (n.sleep & bit(f)) != 0 || (n.done & bit(f)) != 0) {
        if (!c->planned) n.done |= bit(f);
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
      races_.take_back(n);
      if (live_ != i) ex_.restore(n.cp);
      live_ = kNoLive;
      const Event e = events_.take(p);
      r_.steps += ex_.depth() - n.cp.depth;
      n.done |= bit(p);
      n.ev = e;
      child_sleep_events_.clear();
      std::uint64_t child_sleep = 0;
      if (dpor_) {
        summarize(n.summary, e);
        races_.track(path(), i, *reducer_);
        // Sleep set of the child: what was asleep or explored here and is independent of e.
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
        // Blocked fibers' pending steps race with the path at every state (RaceTracker::blocked_races).
        if (!ex_.over()) races_.blocked_races(pool_, top_, ex_, *reducer_);
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

  void pop() {
    Node& n = pool_[top_ - 1];
    if (dpor_ && c_.cache != nullptr && n.cache_entry != kNoEntry) {
      // Consecutive states mostly share their summary: intern it once. Stored with the
      // state's canonical names.
      if (sym_) rename_summary(n.summary, n.rename, renamed_);
      const std::vector<std::uint64_t>& words = sym_ ? renamed_ : n.summary;
      if (words != last_summary_) {
        last_summary_ = words;
        last_summary_id_ = c_.cache->intern_summary(words);
      }
      c_.cache->set_summary(n.cache_entry, last_summary_id_);
    }
    if (top_ > 1) merge_summary(pool_[top_ - 2].summary, n.summary);
    races_.take_back(n);
    --top_;
    live_ = kNoLive;
  }

  // A pruned state's summary (id 0: unknown, taken to touch everything): every event on the
  // path that conflicts with an access another fiber makes below the state gets that fiber as
  // an alternative (all runnable ones when it cannot run there).
  void apply_summary(std::uint32_t id) {
    std::span<const std::uint64_t> sum;
    std::vector<std::uint64_t> all;
    if (id != 0 && sym_) {  // from canonical names to this state's fibers
      invert(ex_.canonical_names(), inverse_);
      rename_summary(c_.cache->summary(id), inverse_, all);
      sum = all;
    } else if (id != 0) {
      sum = c_.cache->summary(id);
    } else {
      all.assign(summary_words_, ~std::uint64_t{0});
      sum = all;
    }
    if (top_ > 0) merge_summary(pool_[top_ - 1].summary, sum);
    for (std::size_t j = 0; j < top_; ++j) {
      Node& at = pool_[j];
      const std::uint64_t others = summary_conflicts(sum, at.ev) & ~bit(at.ev.fiber);
      if (others == 0) continue;
      // A fiber that cannot run here, or is asleep here, is no way to reverse the race: the
      // reversal starts with some other fiber (an initial of the sequence, which the summary
      // does not know), so every runnable one is tried.
      std::uint64_t add = others & at.runnable & ~at.sleep;
      if (add != others) add = at.runnable;
      reducer_->on_pruned_state(at, add);
    }
  }

  void count_execution() {
    c_.executions->fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t n = c_.seen->fetch_add(1, std::memory_order_relaxed) + 1;
    if ((n & 1023) == 0 && tick_) tick_(fraction_done());
  }

  // The execution budget is spent and there is more to explore: the search stops, incomplete.
  bool out_of_budget() {
    // An interrupt (engine/interrupt.hpp) or the --timeout ends it like the budget; explorer.cpp says which.
    if (!stop_requested() && !past_budget(opt_) && c_.executions->load(std::memory_order_relaxed) < opt_.max_executions)
      return false;
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
    reducer_->on_leaf(path(), !step_bound);
    ++r_.executions;
    count_execution();
    r_.max_depth = std::max(r_.max_depth, ex_.depth());
    if (step_bound) {
      r_.step_bound_hit = true;
      return;
    }
    if (c_.cache != nullptr) {  // count the final state (complete, deadlock or violation)
      write_key();
      std::uint64_t entry = 0;
      std::uint32_t summary = 0;
      bool added = false;
      c_.cache->visit(key_.words(), 0, ex_.preemptions(), c_.bound.has_value(), false, entry, summary, added);
    }
    if (const auto& v = ex_.violation()) {
      found(*v);
      return;
    }
    // A fiber never started (Execution::wait_to_start) took no step, but its start races with
    // the steps that enabled it for another fiber: found as for a violation's cut-off fibers.
    if (dpor_) races_.pending_races(pool_, top_, ex_, kNoFiber, *reducer_);
    ++r_.complete;
    ++r_.outcomes[ex_.outcome()];
  }

  void found(const Violation& v) {
    const bool wanted = opt_.target_kind.empty() || v.kind == opt_.target_kind;
    if (dpor_) {
      races_.pending_races(pool_, top_, ex_, v.fiber, *reducer_);
      // A violation passed over (a target kind is sought) cut the other fibers off after their
      // next step: what they would have done after it is unknown, so it is taken to touch
      // everything, as at a state whose summary is not known yet.
      if (!wanted) apply_summary(0);
    }
    if (wanted || !r_.violation) {
      r_.violation = v;
      r_.violation->execution = c_.executions->load(std::memory_order_relaxed);
      r_.violation->preemptions = ex_.preemptions();
      r_.violation_schedule = ex_.schedule();
      r_.violation_wanted = wanted;
    }
    if (!wanted && std::find(r_.other_kinds.begin(), r_.other_kinds.end(), v.kind) == r_.other_kinds.end())
      r_.other_kinds.push_back(v.kind);
    if (wanted) {  // units after this one in depth-first order need not finish
      std::uint64_t cur = c_.first_violation_unit->load();
      while (c_.unit < cur && !c_.first_violation_unit->compare_exchange_weak(cur, c_.unit)) {
      }
      stop_self_ = true;
    }
  }

  // --check-state at a cache hit (check_state.hpp).
  void check_state() {
    if (!opt_.check_state) return;
    const std::optional<std::string> diff = check_.revisit(program_, ex_, key_.words(), r_.state_checks);
    if (!diff) return;
    ++r_.state_checks;
    // The comparison re-ran the program on its own fibers: the world must be restored.
    live_ = kNoLive;
    if (top_ > 0) {
      ex_.restore(pool_[top_ - 1].cp);
      live_ = top_ - 1;
    }
    if (!diff->empty()) {
      r_.error = "--check-state: " + *diff;
      c_.stop->store(true);
    }
  }

  static constexpr std::size_t kNoLive = ~std::size_t{0};
  Program& program_;
  const SearchContext& c_;
  const ExploreOptions& opt_;
  Execution ex_;
  const std::function<void(double)>& tick_;
  std::unique_ptr<Reducer> reducer_;
  bool dpor_;  // sleep sets, races and summaries: source or optimal
  EventReader events_;
  RaceTracker races_;
  StateCheck check_;
  std::size_t fibers_ = 0;
  std::size_t summary_words_ = 0;
  bool sym_ = false;
  std::vector<std::uint64_t> renamed_;
  std::vector<FiberId> inverse_;
  std::vector<Node> pool_;  // the path: pool_[0, top_); nodes above top_ keep their buffers
  std::size_t top_ = 0;
  std::size_t live_ = kNoLive;  // the node whose checkpoint the execution is in, if any
  StateWriter key_;
  std::vector<Event> child_sleep_events_;
  UnitResult r_;
  bool stop_self_ = false;
  std::vector<std::uint64_t> last_summary_;
  std::uint32_t last_summary_id_ = 0;
};

}  // namespace

UnitResult search_unit(Program& program, const SearchContext& context, std::span<const FiberId> prefix,
                       const std::function<void(double)>& tick) {
  Searcher s(program, context, tick);
  return s.run(prefix);
}

}  // namespace rw::engine::detail
