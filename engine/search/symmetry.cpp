// engine/search/symmetry.cpp: renaming masks of fibers between canonical and concrete names
// (symmetry.hpp).
#include "engine/search/symmetry.hpp"

namespace rw::engine::detail {

void invert(std::span<const FiberId> names, std::vector<FiberId>& inverse) {
  inverse.resize(names.size());
  for (FiberId f = 0; f < names.size(); ++f) inverse[names[f]] = f;
}

void rename_summary(std::span<const std::uint64_t> words, std::span<const FiberId> to, std::vector<std::uint64_t>& out) {
  out.resize(words.size());
  for (std::size_t w = 0; w < words.size(); ++w) out[w] = rename_mask(words[w], to);
}

}  // namespace rw::engine::detail
