// engine/search/movers.cpp: Lipton's reduction on locks (Lipton, CACM 1975; Flanagan & Qadeer,
// PLDI 2003). An acquire moves right past other fibers' steps and a release moves left, so a
// fiber's steps matching [acquire] [one other step] [releases...] can run as one event.
#include "engine/search/movers.hpp"

#include <algorithm>

namespace rw::engine::detail {

// An acquire is never appended (that could hide a deadlock between two locks), nor a step that
// waits on a condition.
bool MoverRun::admits(const Execution& ex, FiberId p) {
  const auto& run = ex.runnable();
  if (!std::binary_search(run.begin(), run.end(), p) || ex.pending_conditional(p)) return false;
  const Access a = ex.pending_access(p);
  const bool local = ex.pending_object(p) == kNoObject;  // touches nothing shared
  if (a == Access::Lock && !local) return false;
  if (a == Access::Unlock) {
    left_ = true;
  } else if (!local) {
    if (left_) return false;
    left_ = true;
  }
  return true;
}

}  // namespace rw::engine::detail
