// engine/strategy.hpp: the oracle consulted at every schedule point. It outlives executions
// (DFS remembers what it tried) and never sees model state.
#pragma once
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "engine/types.hpp"

namespace rw::engine {

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Called before each execution. Returns false when nothing is left to explore.
  virtual bool begin_execution() = 0;
  // `runnable` is never empty and is sorted by FiberId; `current` is nullopt at step one.
  virtual FiberId pick(std::span<const FiberId> runnable, std::optional<FiberId> current) = 0;
  // Stable name for reports and schedule files: "dfs", "replay".
  virtual std::string_view name() const = 0;
  // Schedule points below this depth re-run a prefix an earlier execution already took, so the
  // states there are known; the visited-state cache only prunes from this depth on.
  virtual std::size_t fresh_depth() const { return 0; }
};

}  // namespace rw::engine
