// bench/dfs_bench.cpp: executions per second of exhaustive DFS on scenarios/owner_pin.toml, as
// `racewin check` runs it (KernelProgram + engine::explore, optimal reduction, state cache), and
// as raw throughput without reduction or cache. Every exploration is deterministic, so their
// counts are printed too. The file lists two eras; each case names the one it explores.
//
// With the cache or the reduction, an exploration of the 2.6.24 era takes milliseconds and is a
// Catch2 BENCHMARK. Without either, the 2.6.24 era has more than 10 M executions (it would stop at
// the execution bound, incomplete), so that case explores the modern era: about a million
// executions (seconds). Catch2's sample count is global (--benchmark-samples), so it is one
// exploration timed with std::chrono.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "engine/explorer.hpp"
#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

namespace {
namespace eng = rw::engine;
namespace m = rw::models;

// owner_pin.toml as `racewin check` runs it in `era`.
m::KernelProgram load_owner_pin(m::Era era) {
  auto scenario = m::load_scenario(RW_SOURCE_DIR "/scenarios/owner_pin.toml");
  if (!scenario) FAIL(scenario.error().to_string());
  return m::KernelProgram(m::for_era(*scenario, era));
}

eng::ExploreOptions options_with(eng::Reduction reduction, bool cache) {
  eng::ExploreOptions options;
  options.reduction = reduction;
  options.state_cache = cache;
  return options;
}

// Runs one exhaustive exploration, checks it is complete and safe, and prints its counts and
// its rate. Returns the report.
eng::Report timed_exploration(m::KernelProgram& program, m::Era era, eng::Reduction reduction, bool cache) {
  const auto start = std::chrono::steady_clock::now();
  eng::Report r = eng::explore(program, options_with(reduction, cache));
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  REQUIRE(r.verdict == eng::Verdict::Safe);
  REQUIRE(r.incomplete_reason.empty());
  std::fputs(fmt::format("owner_pin [{}], reduction {}, state cache {}: {} executions ({} complete, {} pruned), {} "
                         "states, {} steps; one run {:.3f} s = {:.0f} executions/s\n",
                         m::era_name(era), eng::to_string(reduction), cache ? "on" : "off", r.executions,
                         r.complete_executions, r.pruned_executions, r.states, r.steps, took.count(),
                         static_cast<double>(r.executions) / took.count())
                 .c_str(),
             stdout);
  std::fflush(stdout);
  return r;
}
}  // namespace

TEST_CASE("Exhaustive DFS on owner_pin.toml [2.6.24], state cache on", "[dfs]") {
  m::KernelProgram program = load_owner_pin(m::Era::V2_6_24);
  const eng::Report r = timed_exploration(program, m::Era::V2_6_24, eng::Reduction::Optimal, true);
  const auto options = options_with(eng::Reduction::Optimal, true);
  BENCHMARK(fmt::format("one exhaustive DFS ({} executions, {} states)", r.executions, r.states)) {
    return eng::explore(program, options).executions;
  };
}

TEST_CASE("Exhaustive DFS on owner_pin.toml [2.6.24], optimal reduction, state cache off", "[dfs]") {
  m::KernelProgram program = load_owner_pin(m::Era::V2_6_24);
  const eng::Report r = timed_exploration(program, m::Era::V2_6_24, eng::Reduction::Optimal, false);
  REQUIRE(r.states == 0);
  const auto options = options_with(eng::Reduction::Optimal, false);
  BENCHMARK(fmt::format("one exhaustive DFS, optimal reduction, no cache ({} executions)", r.executions)) {
    return eng::explore(program, options).executions;
  };
}

// Every schedule of the modern era: the raw throughput of the checkpointed search.
TEST_CASE("Exhaustive DFS on owner_pin.toml [modern], no reduction, state cache off", "[dfs][no-cache]") {
  m::KernelProgram program = load_owner_pin(m::Era::Modern);
  const eng::Report r = timed_exploration(program, m::Era::Modern, eng::Reduction::None, false);
  REQUIRE(r.states == 0);
}
