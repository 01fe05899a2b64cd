// engine/search/check_state.hpp: --check-state, a test of the model rather than a search. The
// state cache assumes that a state decides its future; at a sampled cache hit, the first path
// to the state and the one at hand are continued by the same fixed policies and their futures
// compared. A difference means a local that decides the future is not declared (or fibers
// declared interchangeable are not). Also how an execution ended, which replay() reports.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/execution.hpp"
#include "engine/program.hpp"

namespace rw::engine::detail {

// "violation <kind>: <message>", "complete: <outcome>", or "cut at the step bound".
std::string how_it_ended(const Execution& ex);

// Returns an empty string when both paths have the same futures, else what differs.
// `sigma` (empty: the identity) maps the fibers of the state `a` reaches to those of the state `b`
// reaches: b's continuation takes sigma of a's choices, and the steps must match up to it.
// Runs on an Execution of its own; the program's world must be restored after.
std::string compare_futures(Program& program, std::span<const FiberId> a, std::span<const FiberId> b,
                            std::span<const FiberId> sigma, std::uint64_t seed, std::uint32_t max_steps);

// Remembers the first path to each state, and compares futures at sampled later visits.
class StateCheck {
 public:
  StateCheck(std::uint32_t samples, std::uint32_t max_steps) : samples_(samples), max_steps_(max_steps) {}
  // The state `key` (as the cache stores it) was just stored; ex is in it.
  void stored(const Execution& ex, std::span<const std::uint64_t> key);
  // The cache has the state `key` that ex is in. Unless this visit is not sampled (`checks`
  // made so far, the state's hash) or the first path is unknown: compares the futures, and
  // returns what differs ("" when nothing does).
  std::optional<std::string> revisit(Program& program, const Execution& ex, std::span<const std::uint64_t> key,
                                     std::uint64_t checks) const;

 private:
  struct FirstPath {
    std::vector<FiberId> schedule;
    std::vector<FiberId> names;  // with symmetry: its fibers' canonical names
  };
  std::uint32_t samples_;
  std::uint32_t max_steps_;
  std::unordered_map<std::string, FirstPath> first_path_;
};

}  // namespace rw::engine::detail
