// engine/strategies/registry.cpp: the built-in strategies. One line each: name, help, factory.
#include "engine/strategies/registry.hpp"

#include <vector>

#include "engine/require.hpp"
#include "engine/strategies/pct.hpp"
#include "engine/strategies/random.hpp"

namespace rw::engine {

namespace {

std::vector<StrategyEntry>& table() {
  static std::vector<StrategyEntry> t{
      {"dfs", "exhaustive depth-first search with partial-order reduction (the default)", nullptr, false},
      {"random", "uniform random walks", make_random_strategy, false},
      {"pct", "probabilistic concurrency testing with bug depth --depth", make_pct_strategy, true},
  };
  return t;
}

}  // namespace

std::span<const StrategyEntry> strategies() { return table(); }

const StrategyEntry* find_strategy(std::string_view name) {
  for (const auto& e : table())
    if (e.name == name) return &e;
  return nullptr;
}

void register_strategy(StrategyEntry entry) {
  RW_REQUIRE(find_strategy(entry.name) == nullptr, "strategy '{}' is registered twice", entry.name);
  RW_REQUIRE(entry.make != nullptr, "strategy '{}' has no factory (only dfs is exhaustive)", entry.name);
  table().push_back(std::move(entry));
}

std::string strategy_names(bool (*keep)(const StrategyEntry&)) {
  std::vector<std::string> names;
  for (const auto& e : table())
    if (keep == nullptr || keep(e)) names.push_back(e.name);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

}  // namespace rw::engine
