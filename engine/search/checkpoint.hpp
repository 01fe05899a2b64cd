// engine/search/checkpoint.hpp: a long search's progress on disk (--checkpoint, --resume): the
// units taken so far with what they found, and the state cache, written between waves
// (unit_runner.hpp), when every unit taken is finished. A run resumed from it goes on with the
// next unit over the same cache, so it reaches the verdict, outcomes and counts the run would
// have reached without stopping. The file names the search it belongs to (the program and the
// options that shape the tree), and carries a checksum: another search's or a damaged file is
// refused, never half-read. Internal to the engine.
#pragma once
#include <optional>
#include <string>

#include "engine/search/state_cache.hpp"
#include "engine/search/unit_runner.hpp"

namespace rw::engine::detail {

// Writes it through a temporary file renamed over `path`, so that a kill never leaves half a
// file. Returns what went wrong, if anything.
std::optional<std::string> save_checkpoint(const std::string& path, const std::string& identity,
                                           const UnitsDone& done, const SharedCache* cache);
// Reads it into an empty `done` and `cache` (nullptr: the search keeps none).
std::optional<std::string> load_checkpoint(const std::string& path, const std::string& identity, UnitsDone& done,
                                           SharedCache* cache);
// Whether `path` holds a whole checkpoint of the search `identity` names (what is wrong if not).
std::optional<std::string> checkpoint_problem(const std::string& path, const std::string& identity);

}  // namespace rw::engine::detail
