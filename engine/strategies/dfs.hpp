// engine/strategies/dfs.hpp: exhaustive depth-first search by re-execution. Each execution
// replays the recorded choices up to the deepest level with an untried sibling, then takes it.
#pragma once
#include <vector>

#include "engine/strategy.hpp"

namespace rw::engine {

class DfsStrategy final : public Strategy {
 public:
  bool begin_execution() override;
  FiberId pick(std::span<const FiberId> runnable, std::optional<FiberId> current) override;
  std::string_view name() const override { return "dfs"; }
  std::size_t fresh_depth() const override { return fresh_depth_; }

 private:
  struct Level {
    std::size_t chosen = 0;
    std::size_t width = 0;
  };
  std::vector<Level> stack_;  // stack_[i] = {chosen, width}: step i ran runnable[chosen] of `width`
  std::size_t depth_ = 0;
  std::size_t fresh_depth_ = 0;
  bool started_ = false;
};

}  // namespace rw::engine
