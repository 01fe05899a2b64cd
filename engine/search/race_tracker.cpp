// engine/search/race_tracker.cpp: happens-before clocks and race detection (race_tracker.hpp).
#include "engine/search/race_tracker.hpp"

#include <algorithm>
#include <functional>

namespace rw::engine::detail {

RaceTracker::RaceTracker(std::size_t fibers, std::size_t objects) : fibers_(fibers) {
  last_write_.assign(objects, -1);
  last_lock_.assign(objects, -1);
  last_read_.assign(objects * fibers_, -1);
  last_of_.assign(fibers_, -1);
}

void RaceTracker::take_back(Node& n) {
  if (!n.tracked) return;
  if (n.pushed_wide) {
    wide_.pop_back();
    n.pushed_wide = false;
  }
  for (auto it = n.undo.rbegin(); it != n.undo.rend(); ++it) *it->first = it->second;
  n.undo.clear();
  n.tracked = false;
}

void RaceTracker::set(Node& n, std::int32_t& slot, std::int32_t value) {
  n.undo.emplace_back(&slot, slot);
  slot = value;
}

void RaceTracker::track(Path path, std::size_t i, Reducer& reducer, bool record) {
  Node& n = path[i];
  const FiberId p = n.ev.fiber;
  const std::int32_t prev = last_of_[p];
  if (prev >= 0) {
    n.clock = path[static_cast<std::size_t>(prev)].clock;
    n.seq = path[static_cast<std::size_t>(prev)].seq + 1;
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
        const Node& m = path[static_cast<std::size_t>(j)];
        if (m.ev.fiber != p && n.clock[m.ev.fiber] < m.seq) hidden_locks_.push_back(j);
      }
  const auto raced = [&](std::int32_t j) {
    reducer.on_race(path, static_cast<std::size_t>(j), i, !record);
    std::erase(hidden_locks_, j);
  };
  std::sort(candidates_.begin(), candidates_.end(), std::greater<>());
  std::int32_t last = -1;
  for (std::int32_t j : candidates_) {
    if (j < 0 || j == last) continue;
    last = j;
    const Node& m = path[static_cast<std::size_t>(j)];
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

void RaceTracker::pending_races(std::vector<Node>& pool, std::size_t top, const Execution& ex, FiberId failed,
                                Reducer& reducer, std::uint64_t only) {
  if (top == 0) return;
  if (pool.size() == top) pool.emplace_back();
  Node& tmp = pool[top];
  for (FiberId q = 0; q < fibers_; ++q) {
    if (q == failed || ex.finished(q) || (only >> q & 1u) == 0) continue;
    tmp.ev = Event{.fiber = q};
    tmp.ev.add(ex.pending_object(q), ex.pending_access(q));
    if (tmp.ev.n == 0 && !tmp.ev.wide) continue;
    track(Path(pool.data(), top + 1), top, reducer, false);
  }
}

void RaceTracker::blocked_races(std::vector<Node>& pool, std::size_t top, const Execution& ex, Reducer& reducer) {
  std::uint64_t blocked = 0;
  for (FiberId f = 0; f < fibers_; ++f) blocked |= bit(f);
  for (FiberId f : ex.runnable()) blocked &= ~bit(f);
  for (FiberId q = 0; q < fibers_; ++q)
    if ((blocked >> q & 1u) != 0 && (ex.finished(q) || ex.pending_access(q) == Access::Lock)) blocked &= ~bit(q);
  if (blocked != 0) pending_races(pool, top, ex, kNoFiber, reducer, blocked);
}

void reversal(std::span<const Node> path, std::size_t j, std::size_t i, std::size_t end, std::vector<Event>& v) {
  const Node& e = path[j];
  v.clear();
  for (std::size_t k = j + 1; k < end; ++k)
    if (k != i && path[k].clock[e.ev.fiber] < e.seq) v.push_back(path[k].ev);
  v.push_back(path[i].ev);
}

}  // namespace rw::engine::detail
