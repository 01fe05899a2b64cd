// engine/strategies/registry.hpp: the search strategies by name. explore() looks its
// ExploreOptions::strategy up here and the CLI takes --strategy's choices from here, so adding a
// strategy is one file in engine/strategies/ and one line in registry.cpp (see engine/README.md).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engine/strategy.hpp"

namespace rw::engine {

struct StrategyEntry {
  std::string name;
  std::string help;  // one line for --help
  // Builds a sampling strategy; nullptr for the exhaustive search (dfs), which needs none.
  std::unique_ptr<Strategy> (*make)(const StrategySettings&) = nullptr;
  bool takes_depth = false;  // reads StrategySettings::depth (--depth)
  bool exhaustive() const { return make == nullptr; }
};

// Every strategy, built-in ones first, in registration order.
std::span<const StrategyEntry> strategies();
// nullptr when no strategy has that name.
const StrategyEntry* find_strategy(std::string_view name);
// Adds a strategy before any search starts (not thread-safe; pointers from find_strategy and
// the span from strategies() do not outlive it). Its name must be new.
void register_strategy(StrategyEntry entry);
// "dfs, random or pct": the names of the strategies for which `keep` holds, for messages.
std::string strategy_names(bool (*keep)(const StrategyEntry&) = nullptr);

}  // namespace rw::engine
