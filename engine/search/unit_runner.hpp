// engine/search/unit_runner.hpp: running the units of a split search (units.hpp), one after the
// other on one thread, or in waves on several. A wave runs `jobs` consecutive units at once, each
// on a private overlay of the state cache (state_cache.hpp) and with its own execution count;
// when all are done, their results and overlays are taken in depth-first order. What a unit
// sees and does then depends only on the units before its wave, never on the threads' timing, so
// a run with threads gives the same report every time (the parallel DFS of Holzmann and
// Bošnački, SPIN 2007, made deterministic by synchronous rounds). Internal to the engine.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/options.hpp"
#include "engine/program.hpp"
#include "engine/search/search.hpp"

namespace rw::engine::detail {

// What every unit of the run shares: the search's settings (its cache is the base that waves
// overlay), and the programs the threads run (the first one is the caller's).
struct UnitRun {
  SearchContext context;                   // unit, executions and first_violation_unit are set per unit
  std::vector<std::vector<FiberId>>* units = nullptr;
  std::vector<std::size_t> mine;           // the units this run searches, in depth-first order
  std::uint64_t executions_before = 0;     // executions counted before the first unit
  Program* first = nullptr;
  const std::function<std::unique_ptr<Program>()>* make = nullptr;  // makes the other threads' programs; nullptr: one thread
  unsigned jobs = 1;
  // Progress: every thread's executions so far and the share of the units done.
  std::function<void(std::uint64_t, double)> progress;
  // Called after each wave (each unit, on one thread) with what is done so far; returns false
  // to stop there.
  std::function<bool(const struct UnitsDone&)> after_wave;
};

struct UnitsDone {
  std::vector<UnitResult> results;  // the units that count, in depth-first order
  std::size_t taken = 0;            // how many of `mine` were run to the end (or to the violation)
  bool budget_spent = false;        // units were left with no execution budget for them
  std::uint64_t executions = 0;     // executions_before plus every unit's
};

// Runs the units of `run.mine` from `done.taken` on (0, or where a checkpoint left off) and adds
// what they find to `done`.
void run_units(UnitRun& run, UnitsDone& done);

}  // namespace rw::engine::detail
