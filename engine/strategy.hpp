// engine/strategy.hpp: the oracle consulted at every schedule point of a sampled execution
// (random walks, PCT). It outlives executions (it carries a seeded PRNG) and never sees model
// state. Exhaustive search does not use it: engine/search/'s depth-first search over checkpoints
// decides its own choices, with partial-order reduction.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "engine/types.hpp"

namespace rw::engine {

struct Report;

// What a sampling strategy may be built from (the CLI's --seed and --depth).
struct StrategySettings {
  std::uint64_t seed = 1;
  std::uint32_t depth = 3;
  std::size_t fibers = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Called before each execution, with its 0-based index.
  virtual void begin_execution(std::uint64_t index) = 0;
  // `runnable` is never empty and is sorted by FiberId; `current` is nullopt at step one.
  virtual FiberId pick(std::span<const FiberId> runnable, std::optional<FiberId> current) = 0;
  // Called after each execution with the steps it took.
  virtual void end_execution(std::uint32_t /*steps*/) {}
  // Stable name for reports: "random", "pct"; the name it is registered under.
  virtual std::string_view name() const = 0;
  // Writes what the strategy has to say about the run into the report (Report::strategy_fields
  // and strategy_summary), after the last execution. PCT gives its depth and its guarantee.
  virtual void report(Report& /*r*/) const {}
};

// The seeded generator every sampling strategy uses (splitmix64): one stream per execution,
// so execution i of a run can be reproduced from the seed alone.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

}  // namespace rw::engine
