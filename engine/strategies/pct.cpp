// engine/strategies/pct.cpp
#include "engine/strategies/pct.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/report.hpp"

namespace rw::engine {

PctStrategy::PctStrategy(std::uint64_t seed, std::uint32_t depth, std::size_t fibers)
    : seed_(seed), depth_(std::max<std::uint32_t>(1, depth)), fibers_(fibers), priority_(fibers) {}

void PctStrategy::begin_execution(std::uint64_t index) {
  SplitMix rng(seed_ * 0x2545f4914f6cdd1dull + index);
  // Initial priorities depth+1 .. depth+n in a random order (Fisher-Yates).
  for (std::size_t i = 0; i < fibers_; ++i) priority_[i] = depth_ + 1 + i;
  for (std::size_t i = fibers_; i > 1; --i) std::swap(priority_[i - 1], priority_[rng.below(i)]);
  change_.clear();
  for (std::uint32_t i = 1; i < depth_; ++i) change_.push_back(1 + static_cast<std::uint32_t>(rng.below(k_)));
  step_ = 0;
}

FiberId PctStrategy::pick(std::span<const FiberId> runnable, std::optional<FiberId>) {
  FiberId f = runnable.front();
  for (FiberId g : runnable)
    if (priority_[g] > priority_[f]) f = g;
  ++step_;
  for (std::uint32_t i = 0; i < change_.size(); ++i)
    if (change_[i] == step_) priority_[f] = i + 1;  // below every initial priority
  return f;
}

void PctStrategy::end_execution(std::uint32_t steps) { k_ = std::max(k_, steps); }

double PctStrategy::probability() const {
  return 1.0 / (static_cast<double>(fibers_) * std::pow(static_cast<double>(k_), depth_ - 1));
}

void PctStrategy::report(Report& r) const {
  r.strategy_fields = {{"depth", std::int64_t{depth_}}, {"probability", probability()}};
  r.strategy_summary = fmt::format("depth {}, each execution finds a depth-{} bug with probability >= {:.3g}",
                                   depth_, depth_, probability());
}

std::unique_ptr<Strategy> make_pct_strategy(const StrategySettings& s) {
  return std::make_unique<PctStrategy>(s.seed, s.depth, s.fibers);
}

}  // namespace rw::engine
