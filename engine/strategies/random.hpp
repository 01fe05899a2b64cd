// engine/strategies/random.hpp: uniform random walk: at every schedule point, any runnable fiber
// with equal probability.
#pragma once
#include <memory>

#include "engine/strategy.hpp"

namespace rw::engine {

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : seed_(seed) {}
  void begin_execution(std::uint64_t index) override;
  FiberId pick(std::span<const FiberId> runnable, std::optional<FiberId> current) override;
  std::string_view name() const override { return "random"; }

 private:
  std::uint64_t seed_;
  SplitMix rng_{0};
};

std::unique_ptr<Strategy> make_random_strategy(const StrategySettings& s);

}  // namespace rw::engine
