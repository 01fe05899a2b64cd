// engine/options.hpp: what a caller asks of explore(): the search, its reduction and bounds,
// and a progress callback. Read by the explorer and the strategies; knows nothing of reports.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/memory.hpp"

namespace rw::engine {

enum class Reduction { None, Source, Optimal };
std::string_view to_string(Reduction r);
std::optional<Reduction> parse_reduction(std::string_view text);

// What a running search reports about itself, a few times a second.
struct Progress {
  std::uint64_t executions = 0;
  std::uint64_t states = 0;
  double seconds = 0;
  std::uint32_t bound = 0;          // current preemption bound, with --preemption-bound
  bool bounded = false;
  double estimated_total = 0;       // estimated executions in the whole search (0: unknown)
};

struct ExploreOptions {
  std::string strategy = "dfs";                   // a name from the strategy registry (engine/strategies/registry.hpp)
  Reduction reduction = Reduction::Optimal;
  std::optional<std::uint32_t> preemption_bound;  // CHESS: at most K preemptions per execution
  bool auto_bound = false;                        // K = 0, 1, 2, ... until a violation or the whole space
  std::uint64_t seed = 1;                         // sampling strategies
  std::uint64_t iterations = 10'000;              // sampling strategies: executions
  std::uint32_t pct_depth = 3;                    // pct: bug depth d
  unsigned jobs = 1;                              // threads for exhaustive search
  // With jobs, a search with a reduction first runs this many executions on one thread, and
  // starts threads only if that does not finish it (0: threads at once).
  std::uint64_t serial_first = 100'000;
  std::uint32_t shard_index = 0;                  // explore only the units with index % count == index
  std::uint32_t shard_count = 1;
  std::uint64_t max_executions = 10'000'000;      // bound on executions per run
  std::uint32_t max_steps = 10'000;               // bound on schedule points per execution
  double timeout = 0;                             // wall-clock seconds for the whole run (every phase); 0: none
  std::chrono::steady_clock::time_point deadline{};  // set by explore() from timeout
  std::uint64_t max_memory = 0;                   // resident bytes of the process (every phase); 0: none
  bool state_cache = true;                        // stateful search: never explore a state twice
  // Symmetry reduction over interchangeable fibers (Program::fiber_classes), with the state cache:
  // one state is stored per renaming of a class's fibers.
  bool symmetry = true;
  bool check_state = false;                       // re-run sampled futures of cache hits and compare
  std::uint32_t check_state_samples = 200;        // cache hits checked at most, with check_state
  bool shrink = true;                             // search the smallest schedule for the violation
  std::uint64_t shrink_budget = 200'000;          // executions the shrinking search may re-run (and at most max_executions)
  // When set, a violation of another kind ends only its own execution: the search goes on until
  // it finds this kind or exhausts the space. The first violation of each other kind is kept.
  std::string target_kind;
  std::function<void(const Progress&)> progress;  // called from the searching thread(s)
  // Checkpoints (exhaustive search without auto bound): write the search's progress to
  // `checkpoint` every `checkpoint_every` seconds, between units; go on from `resume`. The
  // caller names the program in `search_identity` (a checkpoint of another program is refused).
  std::string checkpoint;
  double checkpoint_every = 60;
  std::string resume;
  std::string search_identity;
};

// Whether the run's --timeout has passed (never, without one).
inline bool past_deadline(const ExploreOptions& o) {
  return o.deadline != std::chrono::steady_clock::time_point{} && std::chrono::steady_clock::now() >= o.deadline;
}
// Whether the run's --timeout or --max-memory (engine/memory.hpp) has passed.
inline bool past_budget(const ExploreOptions& o) { return past_deadline(o) || past_memory_budget(); }

}  // namespace rw::engine
