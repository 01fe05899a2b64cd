// engine/strategies/dfs.cpp
#include "engine/strategies/dfs.hpp"

#include "engine/require.hpp"

namespace rw::engine {

bool DfsStrategy::begin_execution() {
  if (started_) {
    // Levels past depth_ were recorded by an execution that ended early; they are not ours.
    stack_.resize(std::min(stack_.size(), depth_));
    while (!stack_.empty() && stack_.back().chosen + 1 == stack_.back().width)
      stack_.pop_back();                         // level exhausted: backtrack
    if (stack_.empty()) return false;            // every interleaving has run
    ++stack_.back().chosen;                      // next sibling at the deepest open level
    fresh_depth_ = stack_.size();                // states after the new choice are new
  }
  started_ = true;
  depth_ = 0;
  return true;
}

FiberId DfsStrategy::pick(std::span<const FiberId> runnable, std::optional<FiberId>) {
  if (depth_ == stack_.size()) stack_.push_back({.chosen = 0, .width = runnable.size()});
  // A replayed prefix must offer the same choices; otherwise the model is nondeterministic.
  RW_ASSERT(stack_[depth_].width == runnable.size(),
            "runnable set changed at step {} ({} now, {} before): the model is nondeterministic",
            depth_, runnable.size(), stack_[depth_].width);
  return runnable[stack_[depth_++].chosen];
}

}  // namespace rw::engine
