// engine/strategies/pct.hpp: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
// Nagarakatte, ASPLOS 2010). Each execution gives the fibers random distinct priorities above d
// and picks d-1 random change points among the k steps; the highest-priority runnable fiber
// always runs, and at the i-th change point the running fiber drops to priority i. A bug of depth
// d is then found by each execution with probability at least 1/(n k^(d-1)).
#pragma once
#include <memory>
#include <vector>

#include "engine/strategy.hpp"

namespace rw::engine {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(std::uint64_t seed, std::uint32_t depth, std::size_t fibers);
  void begin_execution(std::uint64_t index) override;
  FiberId pick(std::span<const FiberId> runnable, std::optional<FiberId> current) override;
  void end_execution(std::uint32_t steps) override;
  std::string_view name() const override { return "pct"; }
  // The guarantee for the executions so far: k is the longest execution seen.
  double probability() const;
  void report(Report& r) const override;

 private:
  std::uint64_t seed_;
  std::uint32_t depth_;
  std::size_t fibers_;
  std::uint32_t k_ = 1;                 // estimate of the steps in an execution
  std::uint32_t step_ = 0;              // steps taken in this execution
  std::vector<std::uint64_t> priority_; // per fiber; higher runs first
  std::vector<std::uint32_t> change_;   // change_[i]: the step at which priority drops to i
};

std::unique_ptr<Strategy> make_pct_strategy(const StrategySettings& s);

}  // namespace rw::engine
