// engine/search/event.cpp: taking a fiber's next event off the execution (event.hpp).
#include "engine/search/event.hpp"

#include "engine/require.hpp"
#include "engine/search/movers.hpp"

namespace rw::engine::detail {

Event EventReader::take(FiberId p) {
  Event e{.fiber = p};
  step(p, e);
  const Access first = ex_.last_announced();
  const bool first_local = ex_.last_object() == kNoObject;
  finish_atomic(p, e);
  if (!movers_) return e;
  for (MoverRun run(first, first_local); !ex_.over() && run.admits(ex_, p);) {
    step(p, e);
    finish_atomic(p, e);
  }
  return e;
}

void EventReader::finish_atomic(FiberId p, Event& e) {
  while (!ex_.over() && ex_.restricted()) {
    const FiberId f = ex_.runnable().front();
    RW_ASSERT(f == p, "an atomic section of fiber {} began inside fiber {}'s step", f, p);
    step(f, e);
  }
}

}  // namespace rw::engine::detail
