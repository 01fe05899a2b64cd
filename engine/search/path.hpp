// engine/search/path.hpp: the search's path, one Node per state from the unit's root to the
// state at hand. A node keeps the checkpoint to come back to, the sets that decide what is
// explored from it (sleep set, source set, wakeup tree), and the event taken to the next node
// with its happens-before clock. Nodes above the path keep their buffers for reuse.
#pragma once
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "engine/execution.hpp"
#include "engine/search/event.hpp"

namespace rw::engine::detail {

// A wakeup tree (optimal_dpor.cpp) in a vector: node 0 is the root, the others events, linked
// by first child and next sibling.
struct WutNode {
  Event ev;
  std::int32_t child = -1;
  std::int32_t sibling = -1;
};

constexpr std::uint64_t kNoEntry = ~std::uint64_t{0};

struct Node {
  Checkpoint cp;
  std::uint64_t runnable = 0;      // as a mask
  std::uint64_t sleep = 0;         // fibers asleep here
  std::vector<Event> sleep_events; // their next events
  std::uint64_t backtrack = 0;     // source: fibers to explore from here
  std::uint64_t done = 0;          // fibers explored from here (or dropped)
  std::vector<Event> done_events;  // events explored from here, for later siblings' sleep sets
  std::vector<WutNode> wut;        // optimal: what is left to explore from here
  bool started = false;            // the reducer made its first choice here
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

// The nodes of the path, root first.
using Path = std::span<Node>;

}  // namespace rw::engine::detail
