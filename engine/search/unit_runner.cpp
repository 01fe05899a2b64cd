// engine/search/unit_runner.cpp: running the units of a split search, serially or in
// deterministic waves (unit_runner.hpp).
#include "engine/search/unit_runner.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include "engine/interrupt.hpp"

namespace rw::engine::detail {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t kNone = ~std::uint64_t{0};

// Progress a few times a second, from whichever thread gets there.
class Ticker {
 public:
  Ticker(const UnitRun& run, const std::atomic<std::uint64_t>& seen, const UnitsDone& done)
      : run_(run), seen_(seen), done_(done) {}
  void operator()(double unit_fraction) {
    if (!run_.progress) return;
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock || std::chrono::duration<double>(Clock::now() - last_).count() < 0.25) return;
    last_ = Clock::now();
    const double share = (static_cast<double>(done_.taken) + unit_fraction) / static_cast<double>(run_.mine.size());
    run_.progress(seen_.load(std::memory_order_relaxed), share);
  }

 private:
  const UnitRun& run_;
  const std::atomic<std::uint64_t>& seen_;
  const UnitsDone& done_;
  std::mutex mutex_;
  Clock::time_point last_ = Clock::now();
};

bool interrupted(const ExploreOptions& opt) { return stop_requested() || past_budget(opt); }

// One thread, units in order, one execution count for all.
void serial(UnitRun& run, UnitsDone& done, Ticker& tick, std::atomic<std::uint64_t>& seen) {
  const ExploreOptions& opt = *run.context.options;
  std::atomic<std::uint64_t> first_violation{kNone};
  while (done.taken < run.mine.size()) {
    if (run.context.stop->load() || interrupted(opt)) return;
    if (done.executions >= opt.max_executions) {
      done.budget_spent = true;
      return;
    }
    std::atomic<std::uint64_t> executions{done.executions};
    SearchContext c = run.context;
    c.unit = run.mine[done.taken];
    c.executions = &executions;
    c.seen = &seen;
    c.first_violation_unit = &first_violation;
    UnitResult u = search_unit(*run.first, c, (*run.units)[c.unit], std::ref(tick));
    done.executions = executions.load();
    ++done.taken;
    const bool end = u.violation_wanted || u.execution_bound_hit || !u.error.empty();
    done.results.push_back(std::move(u));
    if (end || (run.after_wave && !run.after_wave(done))) return;
  }
}

// Waves of `jobs` units, each on its own overlay of the cache and its own count.
void waves(UnitRun& run, UnitsDone& done, Ticker& tick, std::atomic<std::uint64_t>& seen) {
  const ExploreOptions& opt = *run.context.options;
  SharedCache* base = run.context.cache;
  const bool bounded = run.context.bound.has_value();
  std::vector<std::unique_ptr<Program>> programs;
  for (unsigned j = 1; j < run.jobs; ++j) programs.push_back((*run.make)());
  std::atomic<std::uint64_t> first_violation{kNone};
  const std::size_t words = base != nullptr ? base->summary_words() : 0;
  auto context_for = [&](std::size_t unit, SharedCache* overlay, std::atomic<std::uint64_t>* count) {
    SearchContext c = run.context;
    c.unit = unit;
    c.cache = overlay;
    c.executions = count;
    c.seen = &seen;
    c.first_violation_unit = &first_violation;
    return c;
  };
  while (done.taken < run.mine.size()) {
    if (run.context.stop->load() || interrupted(opt)) return;
    if (done.executions >= opt.max_executions) {
      done.budget_spent = true;
      return;
    }
    const std::size_t w = done.taken;
    // The first unit runs alone: it meets most of the states, which the later waves then share.
    const std::size_t m = w == 0 ? 1 : std::min<std::size_t>(run.jobs, run.mine.size() - w);
    const std::uint64_t start = done.executions;
    std::vector<std::unique_ptr<SharedCache>> overlays(m);
    std::vector<std::atomic<std::uint64_t>> counts(m);
    std::vector<UnitResult> found(m);
    for (std::size_t i = 0; i < m; ++i) {  // a unit alone works on the base itself
      if (base != nullptr && m > 1) overlays[i] = std::make_unique<SharedCache>(words, base);
      counts[i] = start;
    }
    auto cache_of = [&](std::size_t i) { return m > 1 ? overlays[i].get() : base; };
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> failed(m);  // std::bad_alloc, say: rethrown on the calling thread
    auto work = [&](Program& program) {
      for (std::size_t i; (i = next.fetch_add(1)) < m;) {
        const std::size_t u = run.mine[w + i];
        try {
          found[i] = search_unit(program, context_for(u, cache_of(i), &counts[i]), (*run.units)[u], std::ref(tick));
        } catch (...) {
          failed[i] = std::current_exception();
          run.context.stop->store(true);
        }
      }
    };
    {
      std::vector<std::jthread> threads;
      for (std::size_t j = 0; j + 1 < m; ++j) threads.emplace_back([&work, &programs, j] { work(*programs[j]); });
      work(*run.first);
    }
    for (const auto& e : failed)
      if (e) std::rethrow_exception(e);
    // Take the wave's units in depth-first order.
    for (std::size_t i = 0; i < m; ++i) {
      UnitResult& u = found[i];
      const std::uint64_t budget = opt.max_executions - std::min(opt.max_executions, done.executions);
      if (!interrupted(opt) && (u.executions > budget || (u.execution_bound_hit && start != done.executions))) {
        // It ran past what is left after the units before it: run it again, alone, with that.
        if (base != nullptr && m > 1) overlays[i] = std::make_unique<SharedCache>(words, base);
        std::atomic<std::uint64_t> count{done.executions};
        u = search_unit(*run.first, context_for(run.mine[w + i], cache_of(i), &count), (*run.units)[run.mine[w + i]],
                        std::ref(tick));
      } else if (u.violation) {
        u.violation->execution += done.executions - start;  // its number in depth-first order
      }
      done.executions += u.executions;
      if (base != nullptr && m > 1) base->absorb(*overlays[i], bounded);
      ++done.taken;
      const bool end = u.violation_wanted || u.execution_bound_hit || !u.error.empty();
      done.results.push_back(std::move(u));
      if (end) return;
    }
    if (run.after_wave && !run.after_wave(done)) return;
  }
}

}  // namespace

void run_units(UnitRun& run, UnitsDone& done) {
  if (done.taken == 0) done.executions = run.executions_before;
  std::atomic<std::uint64_t> seen{done.executions};
  Ticker tick(run, seen, done);
  if (run.make == nullptr || run.jobs <= 1 || run.mine.size() - done.taken <= 1)
    serial(run, done, tick, seen);
  else
    waves(run, done, tick, seen);
}

}  // namespace rw::engine::detail
