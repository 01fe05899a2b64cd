// engine/search/event.hpp: what the reductions reason about. An event is one step of a fiber,
// a whole atomic section, or (with movers, movers.hpp) the steps Lipton's reduction runs with
// it; two events of different fibers are dependent when they touch the same object and one
// writes, or both acquire the same lock (the dependence relation of Flanagan & Godefroid,
// POPL 2005). Knows accesses to objects, never what the objects are.
#pragma once
#include <array>
#include <cstdint>

#include "engine/execution.hpp"
#include "engine/types.hpp"

namespace rw::engine::detail {

inline std::uint64_t bit(FiberId f) { return std::uint64_t{1} << f; }

struct Acc {
  ObjectId obj = kNoObject;
  Access kind = Access::Read;
};

constexpr std::size_t kEventAccesses = 4;

// Unlocks and object-less steps conflict with nothing (an unlock never races: whoever waits for
// the lock is disabled until it), so they are not kept. An event with more accesses than kept is
// `wide` and conflicts with everything.
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

inline bool conflict(Acc a, Acc b) {
  if (a.obj != b.obj) return false;
  const bool la = a.kind == Access::Lock, lb = b.kind == Access::Lock;
  if (la || lb) return la && lb;  // an acquire depends on the other acquires of that lock
  return a.kind != Access::Read || b.kind != Access::Read;
}

// Dependence of events of two different fibers.
inline bool dependent(const Event& x, const Event& y) {
  if (x.wide || y.wide) return true;
  for (std::uint8_t i = 0; i < x.n; ++i)
    for (std::uint8_t j = 0; j < y.n; ++j)
      if (conflict(x.acc[i], y.acc[j])) return true;
  return false;
}

// Takes events from an execution, as the reduction in force sees them.
class EventReader {
 public:
  // `announced`: count a step's announced access, not the one made (see made()). `movers`:
  // let Lipton's reduction extend events (movers.hpp).
  EventReader(Execution& ex, bool announced, bool movers) : ex_(ex), announced_(announced), movers_(movers) {}
  Execution& execution() { return ex_; }
  // The access the last step made, as the reduction sees it. Source sets take a failed
  // compare-and-swap as the read it was. Optimal DPOR keeps the access announced: its wakeup
  // sequences replay an event in other states, where the same step may succeed and write.
  Access made() const { return announced_ ? ex_.last_announced() : ex_.last_access(); }
  // Takes fiber p's next event: the step, the rest of an atomic section it opens, and with
  // movers the steps Lipton's reduction lets it run with.
  Event take(FiberId p);
  // Advances fiber f by one step and adds that step's access to e.
  void step(FiberId f, Event& e) {
    ex_.advance(f);
    e.add(ex_.last_object(), made());
  }
  // The rest of an atomic section the step opened: no other fiber may run inside it.
  void finish_atomic(FiberId p, Event& e);

 private:
  Execution& ex_;
  bool announced_;
  bool movers_;
};

}  // namespace rw::engine::detail
