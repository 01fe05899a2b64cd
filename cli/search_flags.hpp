// cli/search_flags.hpp: the one place where command-line flags become engine::ExploreOptions.
// The flags are kept as the text the user typed, so that every number is checked here with a
// message naming the flag, and the cross-flag rules read from the strategy registry.
#pragma once
#include <expected>
#include <string>

#include "engine/options.hpp"

namespace CLI {
class App;
}

namespace rw::cli {

struct SearchFlags {
  std::string max_executions, max_steps;
  bool no_state_cache = false, check_state = false, no_shrink = false;
  std::string reduction = "optimal", symmetry = "on", strategy = "dfs";
  std::string bound, jobs, shard, seed, iterations, depth, timeout, max_memory;
  std::string checkpoint, checkpoint_every, resume;
  bool quiet = false;
};

// Declares the search flags on `sub` (check), bound to `flags`.
void add_search_flags(CLI::App* sub, SearchFlags& flags);

// The options the flags ask for, or the message for the first bad one ("--depth: at most 64, got
// '99'"). `jobs` defaults to every core.
std::expected<engine::ExploreOptions, std::string> to_explore_options(const SearchFlags& flags);

}  // namespace rw::cli
