// engine/search/race_tracker.hpp: happens-before and races along the path, for both DPORs
// (Flanagan & Godefroid, POPL 2005, with the vector clocks of Abdulla et al., POPL 2014). Each
// event gets a clock: per fiber, how many of that fiber's events happen before it. Two events
// race when they are dependent, of different fibers, and not already ordered.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "engine/search/path.hpp"
#include "engine/search/reducer.hpp"

namespace rw::engine::detail {

// Per object, the last write, the last lock and each fiber's last read on the path, and each
// fiber's last event: the only events a new event can race with. Changes are undone when the
// event is taken back.
class RaceTracker {
 public:
  RaceTracker(std::size_t fibers, std::size_t objects);
  // Gives path[i]'s event its clock and reports each race it has with an earlier event to the
  // reducer. With `record` false, path[i] is a pending event (not taken): the tables stay as
  // they are.
  void track(Path path, std::size_t i, Reducer& reducer, bool record = true);
  // Undoes track() for n's event, before it is replaced or popped.
  void take_back(Node& n);
  // An execution cut short by a violation never takes the other fibers' next steps, so their
  // races with the path (pool[0, top)) are found here, as if each were taken next (without
  // recording it); pool[top] is used for it.
  // `only`: the fibers to race (all but `failed` by default).
  void pending_races(std::vector<Node>& pool, std::size_t top, const Execution& ex, FiberId failed, Reducer& reducer,
                     std::uint64_t only = ~std::uint64_t{0});
  // A fiber waiting for a condition (Execution::step_when) takes its step only once something
  // re-enables it, which orders that step after whatever disabled it: the order where it runs
  // first would never be raced. As Flanagan and Godefroid do for a disabled process, each
  // blocked fiber's pending step is raced with the path at every state, so that the writes its
  // condition depends on are reversed with it. (A lock's acquire is raced by the lock's own rule.)
  void blocked_races(std::vector<Node>& pool, std::size_t top, const Execution& ex, Reducer& reducer);

 private:
  void set(Node& n, std::int32_t& slot, std::int32_t value);
  std::size_t fibers_;
  std::vector<std::int32_t> last_write_, last_lock_, last_read_, last_of_, wide_, candidates_, hidden_locks_;
};

// notdep(e_j, E).e_i: the events after node j's (up to `end`, node i's excepted) that do not
// happen after it, then node i's event. Reversing a race starts with one of these.
void reversal(std::span<const Node> path, std::size_t j, std::size_t i, std::size_t end, std::vector<Event>& v);

}  // namespace rw::engine::detail
