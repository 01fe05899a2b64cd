// engine/search/symmetry.hpp: symmetry reduction's side of the search (Ip & Dill, 1996; Emerson
// & Sistla, 1996). With it, the cache stores states in canonical form (Execution::set_symmetry)
// and a state matched by renaming is treated as the renamed copy of the one explored: the
// fibers a visit names (its sleep set, the summary's fibers) are stored under their canonical
// names and mapped back to the fibers of the state at hand.
#pragma once
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/types.hpp"

namespace rw::engine::detail {

// A mask of fibers, each renamed by `to` (fiber f becomes to[f]); `to` empty: unchanged.
inline std::uint64_t rename_mask(std::uint64_t m, std::span<const FiberId> to) {
  if (to.empty()) return m;
  std::uint64_t out = 0;
  for (; m != 0; m &= m - 1) {
    const auto f = static_cast<std::size_t>(std::countr_zero(m));
    out |= std::uint64_t{1} << (f < to.size() ? to[f] : static_cast<FiberId>(f));  // bits past the fibers: "everything"
  }
  return out;
}
// The inverse of a renaming: inverse[names[f]] == f.
void invert(std::span<const FiberId> names, std::vector<FiberId>& inverse);
// A summary's words (masks of fibers), each renamed by `to`.
void rename_summary(std::span<const std::uint64_t> words, std::span<const FiberId> to, std::vector<std::uint64_t>& out);

}  // namespace rw::engine::detail
