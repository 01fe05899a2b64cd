// engine/search/movers.hpp: Lipton's reduction on locks (Lipton, CACM 1975; Flanagan & Qadeer,
// PLDI 2003): which steps of a fiber may run with its event as one. Used by both DPORs when no
// preemption bound counts the steps one by one.
#pragma once
#include "engine/execution.hpp"
#include "engine/types.hpp"

namespace rw::engine::detail {

// The steps a fiber's event may still take, one at a time (EventReader::take asks).
class MoverRun {
 public:
  // The event's first step announced `first`, on no shared object when `first_local`.
  MoverRun(Access first, bool first_local) : left_(first != Access::Lock && !first_local) {}
  // Whether fiber p's pending step may join the event (then the caller takes it).
  bool admits(const Execution& ex, FiberId p);

 private:
  bool left_;  // past the event's one non-mover (or a release): only releases and local steps may follow
};

}  // namespace rw::engine::detail
