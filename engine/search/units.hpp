// engine/search/units.hpp: splitting the search into units, subtrees below fixed prefixes that
// threads (--jobs) and machines (--shard) search apart: split_tree makes the prefixes,
// enter_unit starts a unit's search at the end of its own.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/program.hpp"
#include "engine/search/event.hpp"
#include "engine/search/state_cache.hpp"

namespace rw::engine::detail {

// Splits the tree into at least `want` units by expanding every choice breadth-first; returns
// the prefixes in depth-first order (a prefix whose execution ended early is a unit too). With
// `cache`, the states inside the split are stored as the search would store them and a prefix
// reaching one again is dropped and counted in `pruned`, so that a search without sleep sets
// counts exactly what a serial one does.
struct Split {
  std::vector<std::vector<FiberId>> units;
  std::uint64_t pruned = 0;
  std::uint64_t steps = 0;
  bool bound_cut = false;  // a prefix was dropped for having more preemptions than the bound
};
Split split_tree(Program& program, std::size_t want, std::uint32_t max_steps, SharedCache* cache,
                 std::optional<std::uint32_t> bound, const std::vector<std::uint32_t>* classes);

// Replays `prefix` from the start, then the forced steps of an atomic section it leaves open.
// With `sleep_sets`, `asleep` gets the next events of the fibers asleep at the unit's root, as
// they would be in one search; returns false when the unit is covered by an earlier one.
bool enter_unit(EventReader& events, std::span<const FiberId> prefix, bool sleep_sets, std::vector<Event>& asleep);

}  // namespace rw::engine::detail
