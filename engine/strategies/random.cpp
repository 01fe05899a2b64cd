// engine/strategies/random.cpp
#include "engine/strategies/random.hpp"

namespace rw::engine {

void RandomStrategy::begin_execution(std::uint64_t index) { rng_ = SplitMix(seed_ * 0x2545f4914f6cdd1dull + index); }

FiberId RandomStrategy::pick(std::span<const FiberId> runnable, std::optional<FiberId>) {
  return runnable[rng_.below(runnable.size())];
}

std::unique_ptr<Strategy> make_random_strategy(const StrategySettings& s) {
  return std::make_unique<RandomStrategy>(s.seed);
}

}  // namespace rw::engine
