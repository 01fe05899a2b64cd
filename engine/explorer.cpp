// engine/explorer.cpp
#include "engine/explorer.hpp"

#include "engine/interrupt.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <queue>
#include <string_view>
#include <chrono>
#include <cmath>
#include <thread>
#include <unordered_map>

#include "engine/execution.hpp"
#include "engine/require.hpp"
#include "engine/search/check_state.hpp"
#include "engine/search/checkpoint.hpp"
#include "engine/search/search.hpp"
#include "engine/search/unit_runner.hpp"
#include "engine/strategies/registry.hpp"
#include "engine/state_store.hpp"

namespace rw::engine {

std::string_view to_string(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Source: return "source";
    case Reduction::Optimal: return "optimal";
  }
  return "?";
}
std::optional<Reduction> parse_reduction(std::string_view t) {
  if (t == "none") return Reduction::None;
  if (t == "source") return Reduction::Source;
  if (t == "optimal") return Reduction::Optimal;
  return std::nullopt;
}
namespace {

std::string names_of(const Execution& ex, std::span<const FiberId> fibers) {
  std::string s;
  for (FiberId f : fibers) s += (s.empty() ? "" : ", ") + ex.fiber_name(f);
  return s.empty() ? "none" : s;
}

}  // namespace

std::expected<Replay, ScheduleError> replay(Program& program, std::span<const FiberId> schedule, bool complete,
                                            std::uint32_t max_steps) {
  Execution ex(program);
  ex.begin(true);
  const auto& names = program.fiber_names();
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    if (ex.over())
      return std::unexpected(ScheduleError{0, fmt::format(
          "the schedule has {} steps, but the execution ends after step {} ({})", schedule.size(), i,
          detail::how_it_ended(ex))});
    const FiberId f = schedule[i];
    if (f >= names.size())
      return std::unexpected(ScheduleError{0, fmt::format(
          "step {} picks fiber {}, but the program has {} fibers", i + 1, f, names.size())});
    const auto& run = ex.runnable();
    if (!std::binary_search(run.begin(), run.end(), f))
      return std::unexpected(ScheduleError{0, fmt::format(
          "step {} picks '{}', which cannot run there (runnable: {})", i + 1, names.at(f),
          names_of(ex, run))});
    ex.advance(f);
  }
  while (complete && !ex.over() && ex.depth() < max_steps) {
    const auto& run = ex.runnable();
    const auto& done = ex.schedule();
    const bool last_runs = !done.empty() && std::binary_search(run.begin(), run.end(), done.back());
    ex.advance(last_runs ? done.back() : run.front());
  }
  if (!ex.over() && complete)
    return std::unexpected(ScheduleError{0, fmt::format("the execution completed from the prefix goes past {} steps", max_steps)});
  if (!ex.over())
    return std::unexpected(ScheduleError{0, fmt::format(
        "the schedule ends after {} step{}, but the execution goes on (runnable: {})",
        schedule.size(), schedule.size() == 1 ? "" : "s", names_of(ex, ex.runnable()))});
  Replay out;
  out.trace = ex.trace();
  out.preemptions = ex.preemptions();
  out.schedule = ex.schedule();
  if (ex.violation()) {
    out.violation = *ex.violation();
    out.violation->schedule = ex.schedule();
    out.violation->trace = ex.trace();
    out.violation->preemptions = ex.preemptions();
  } else {
    out.outcome = ex.outcome();
  }
  return out;
}

std::optional<std::vector<FiberId>> shrink_violation(Program& program, const std::string& kind,
                                                     std::uint64_t budget, std::span<const std::uint32_t> classes,
                                                     std::chrono::steady_clock::time_point deadline) {
  struct Node {
    std::uint32_t preemptions;
    std::uint32_t steps;
    std::uint64_t seq;
    std::vector<FiberId> path;
    bool operator>(const Node& o) const {
      return std::tie(preemptions, steps, seq) > std::tie(o.preemptions, o.steps, o.seq);
    }
  };
  Execution ex(program);
  ex.set_symmetry(classes);
  std::priority_queue<Node, std::vector<Node>, std::greater<>> queue;
  StateStore seen;
  StateWriter w;
  std::uint64_t seq = 0;
  std::uint64_t runs = 0;  // every node popped is one re-execution from the start: each counts
  // The paths waiting in the queue, in fiber ids: a memory bound (64 MiB of them).
  constexpr std::uint64_t kMaxStored = std::uint64_t{16} << 20;
  std::uint64_t stored = 0;
  queue.push(Node{0, 0, seq++, {}});
  const auto late = [deadline] {
    return past_memory_budget() ||
           (deadline != std::chrono::steady_clock::time_point{} && std::chrono::steady_clock::now() >= deadline);
  };
  while (!queue.empty() && runs < budget && stored <= kMaxStored && !stop_requested() && !late()) {
    Node n = queue.top();
    queue.pop();
    stored -= n.path.size();
    ++runs;
    ex.begin(false);
    for (FiberId f : n.path) ex.advance(f);
    if (ex.violation()) {
      if (ex.violation()->kind == kind) return n.path;
      continue;
    }
    if (ex.over()) continue;
    w.clear();
    ex.write_state(w);
    w.put(ex.canonical(n.path.empty() ? kNoFiber : n.path.back()));  // the cost of what follows depends on it
    if (!seen.insert(w.words())) continue;
    const auto& run = ex.runnable();
    const bool last_runnable = !n.path.empty() && std::binary_search(run.begin(), run.end(), n.path.back());
    for (FiberId f : run) {
      Node child{n.preemptions + (last_runnable && f != n.path.back() ? 1u : 0u), n.steps + 1, seq++, n.path};
      child.path.push_back(f);
      stored += child.path.size();
      queue.push(std::move(child));
    }
  }
  return std::nullopt;
}


namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string memory_reason(std::uint64_t executions) {
  return fmt::format("stopped at the --max-memory of {} MiB after {} executions", memory_budget() >> 20, executions);
}


// Shows the violation found: shrunk if asked, re-run with tracing; an error if it does not
// reproduce (the model is nondeterministic).
void finish_violation(Program& program, const ExploreOptions& opt, Report& r, const std::vector<FiberId>& found,
                      std::span<const std::uint32_t> classes) {
  std::erase(r.other_kinds, r.violation->kind);
  r.verdict = Verdict::Violation;
  r.violation_dfs_steps = found.size();
  std::vector<FiberId> shown = found;
  if (opt.shrink) {
    // Shrinking re-runs executions: the execution bound limits it too.
    const std::uint64_t budget = std::min(opt.shrink_budget, opt.max_executions);
    if (auto shorter = shrink_violation(program, r.violation->kind, budget, classes, opt.deadline)) {
      // The shrinking search is exhaustive up to its budget, so it never does worse; keep the
      // schedule found if the budget ran out first.
      shown = *shorter;
    }
  }
  auto again = replay(program, shown);
  if (!again || !again->violation || again->violation->kind != r.violation->kind) {
    r.verdict = Verdict::Error;
    r.error = fmt::format("nondeterminism: re-running the schedule '{}' that found {} did not reproduce it",
                          format_schedule(shown, program.fiber_names()), r.violation->kind);
    return;
  }
  const std::uint64_t execution = r.violation->execution;
  r.violation = std::move(*again->violation);
  r.violation->execution = execution;
}

// One exhaustive pass with a fixed bound (or none). A search with a reduction that one thread
// finishes within opt.serial_first executions is not split: split units lose some reduction.

Report exhaustive(Program& first, const ProgramFactory* make, const ExploreOptions& opt, Reduction reduction,
                  std::optional<std::uint32_t> bound, std::uint64_t executions_before, Clock::time_point t0,
                  const std::vector<std::uint32_t>* classes) {
  const bool checkpoints = !opt.checkpoint.empty() || !opt.resume.empty();
  if (opt.jobs > 1 && make != nullptr && opt.shard_count == 1 && reduction != Reduction::None && opt.serial_first > 0 &&
      !checkpoints) {
    ExploreOptions probe = opt;
    probe.jobs = 1;
    probe.max_executions = std::min(opt.max_executions, executions_before + opt.serial_first);
    Report small = exhaustive(first, nullptr, probe, reduction, bound, executions_before, t0, classes);
    // Done, or the budget asked for is no larger than the probe's: the serial answer stands.
    if (!small.hit_execution_bound || probe.max_executions == opt.max_executions || stop_requested() || past_budget(opt))
      return small;
  }
  Report r;
  const unsigned jobs = make == nullptr ? 1u : std::max(1u, opt.jobs);
  std::optional<detail::SharedCache> cache;
  if (opt.state_cache) cache.emplace(first.objects().size() * 3);
  std::vector<std::vector<FiberId>> units{{}};
  std::vector<std::size_t> mine{0};
  std::uint64_t split_pruned = 0;
  if (jobs > 1 || opt.shard_count > 1 || checkpoints) {
    // The split depends on the shard count only, so every machine of a sharded run agrees.
    // Checkpoints are written between units: more of them, so that one is never far off.
    const std::size_t want = opt.shard_count > 1 ? 16 * std::size_t{opt.shard_count}
                             : checkpoints      ? 32 * std::size_t{jobs}
                                                : 8 * std::size_t{jobs};
    const bool dedupe = cache && reduction == Reduction::None && !bound && opt.shard_count == 1;
    auto split = detail::split_tree(first, want, opt.max_steps, dedupe ? &*cache : nullptr, bound, classes);
    r.bound_cut = split.bound_cut;
    units = std::move(split.units);
    split_pruned = split.pruned;
    r.steps += split.steps;
    mine.clear();
    for (std::size_t i = 0; i < units.size(); ++i)
      if (i % opt.shard_count == opt.shard_index) mine.push_back(i);
  }
  r.units = units.size();
  r.executions += split_pruned;
  r.pruned_executions += split_pruned;
  std::atomic<bool> stop{false};
  detail::UnitRun run{.context = {.options = &opt,
                                  .reduction = reduction,
                                  .bound = bound,
                                  .cache = cache ? &*cache : nullptr,
                                  .classes = classes,
                                  .stop = &stop},
                      .units = &units,
                      .mine = mine,
                      .executions_before = executions_before + split_pruned,
                      .first = &first,
                      .make = make,
                      .jobs = jobs};
  if (opt.progress) {
    run.progress = [&](std::uint64_t executions, double share) {
      Progress p;
      p.executions = executions;
      p.states = cache ? cache->states() : 0;
      p.seconds = since(t0);
      p.bounded = bound.has_value();
      p.bound = bound.value_or(0);
      if (share > 0.001) p.estimated_total = static_cast<double>(executions) / std::min(1.0, share);
      opt.progress(p);
    };
  }
  detail::UnitsDone done;
  const std::string identity = checkpoint_identity(opt);
  if (!opt.resume.empty()) {
    if (cache) cache.emplace(first.objects().size() * 3);  // the checkpoint's holds the split's states too
    if (auto problem = detail::load_checkpoint(opt.resume, identity, done, cache ? &*cache : nullptr)) {
      r.verdict = Verdict::Error;
      r.error = std::move(*problem);
      return r;
    }
  }
  std::string checkpoint_error;
  if (!opt.checkpoint.empty()) {
    run.after_wave = [&, last = Clock::now()](const detail::UnitsDone& so_far) mutable {
      if (since(last) < opt.checkpoint_every) return true;
      if (auto problem = detail::save_checkpoint(opt.checkpoint, identity, so_far, cache ? &*cache : nullptr)) {
        checkpoint_error = std::move(*problem);
        return false;
      }
      last = Clock::now();
      return true;
    };
  }
  detail::run_units(run, done);
  if (!checkpoint_error.empty()) {
    r.verdict = Verdict::Error;
    r.error = std::move(checkpoint_error);
    return r;
  }
  std::vector<detail::UnitResult>& results = done.results;
  const std::uint64_t total_executions = done.executions;

  // Merge in depth-first order of the units.
  const std::string_view wanted = opt.target_kind;
  for (auto& u : results) {
    Report part;
    part.executions = u.executions;
    part.complete_executions = u.complete;
    part.pruned_executions = u.pruned;
    part.steps = u.steps;
    part.state_checks = u.state_checks;
    part.max_depth = u.max_depth;
    part.bound_cut = u.bound_cut;
    part.hit_step_bound = u.step_bound_hit;
    part.hit_execution_bound = u.execution_bound_hit;
    for (auto& [o, n] : u.outcomes) part.outcomes.push_back({o, n});
    part.other_kinds = std::move(u.other_kinds);
    part.error = std::move(u.error);
    if (u.violation) {
      part.violation = std::move(u.violation);
      part.violation->schedule = std::move(u.violation_schedule);
    }
    merge_report(r, part, wanted);
  }
  r.states = cache ? cache->states() : 0;
  if (!r.error.empty()) {
    r.verdict = Verdict::Error;
    return r;
  }
  const bool execution_bound = r.hit_execution_bound || done.budget_spent;
  r.hit_execution_bound = execution_bound;
  const bool target_found = r.violation && (opt.target_kind.empty() || r.violation->kind == opt.target_kind);
  if (stop_requested() && !target_found)
    r.incomplete_reason = fmt::format("interrupted (SIGINT or SIGTERM) after {} executions", total_executions);
  else if (past_deadline(opt) && !target_found)
    r.incomplete_reason = fmt::format("stopped at the --timeout of {} s after {} executions", opt.timeout, total_executions);
  else if (past_memory_budget() && !target_found)
    r.incomplete_reason = memory_reason(total_executions);
  else if (execution_bound && !target_found)
    r.incomplete_reason = fmt::format("stopped after {} executions (--max-executions)", total_executions);
  else if (r.hit_step_bound)
    r.incomplete_reason = fmt::format("an execution reached {} steps (--max-steps)", opt.max_steps);
  if (r.violation) {
    r.violation_found_preemptions = r.violation->preemptions;
    const std::vector<FiberId> found = r.violation->schedule;
    finish_violation(first, opt, r, found,
                     classes != nullptr ? std::span<const std::uint32_t>(*classes) : std::span<const std::uint32_t>());
  } else if (!r.incomplete_reason.empty()) {
    r.verdict = Verdict::Incomplete;
  }
  return r;
}

// Sampling: executions from the start, each picked by the strategy, which reproduces any of
// them from its seed.
Report randomized(Program& program, const ExploreOptions& opt, const StrategyEntry& entry) {
  Report r;
  Execution ex(program);
  const std::unique_ptr<Strategy> strategy =
      entry.make(StrategySettings{.seed = opt.seed, .depth = opt.pct_depth, .fibers = program.fiber_names().size()});
  std::map<std::string, std::uint64_t> outcomes;
  std::vector<FiberId> found;
  for (std::uint64_t it = 0; it < opt.iterations && !stop_requested() && !past_budget(opt); ++it) {
    strategy->begin_execution(it);
    ex.begin(false);
    while (!ex.over() && ex.depth() < opt.max_steps) {
      const auto& sched = ex.schedule();
      ex.advance(strategy->pick(ex.runnable(), sched.empty() ? std::nullopt : std::optional(sched.back())));
    }
    strategy->end_execution(ex.depth());
    ++r.executions;
    r.steps += ex.depth();
    r.max_depth = std::max(r.max_depth, ex.depth());
    if (opt.progress && (r.executions & 1023) == 0) {
      Progress p;
      p.executions = r.executions;
      p.estimated_total = static_cast<double>(opt.iterations);
      opt.progress(p);
    }
    if (!ex.over()) {
      r.incomplete_reason = fmt::format("an execution reached {} steps (--max-steps)", opt.max_steps);
      continue;
    }
    if (const auto& v = ex.violation()) {
      const bool wanted = opt.target_kind.empty() || v->kind == opt.target_kind;
      if (wanted || !r.violation) {
        r.violation = *v;
        r.violation->execution = r.executions;
        r.violation->preemptions = ex.preemptions();
        found = ex.schedule();
      }
      if (!wanted && std::find(r.other_kinds.begin(), r.other_kinds.end(), v->kind) == r.other_kinds.end())
        r.other_kinds.push_back(v->kind);
      if (wanted) break;
      continue;
    }
    ++r.complete_executions;
    ++outcomes[ex.outcome()];
  }
  for (auto& [text, count] : outcomes) r.outcomes.push_back({text, count});
  strategy->report(r);
  if (r.violation) {
    r.violation_found_preemptions = r.violation->preemptions;
    finish_violation(program, opt, r, found, {});
  } else {
    r.verdict = Verdict::Incomplete;
    if (stop_requested())
      r.incomplete_reason = fmt::format("interrupted (SIGINT or SIGTERM) after {} executions", r.executions);
    else if (past_deadline(opt))
      r.incomplete_reason = fmt::format("stopped at the --timeout of {} s after {} executions", opt.timeout, r.executions);
    else if (past_memory_budget())
      r.incomplete_reason = memory_reason(r.executions);
    else if (r.incomplete_reason.empty())
      r.incomplete_reason = fmt::format("{} search: {} executions found no violation; a sample, not a proof",
                                        strategy->name(), r.executions);
  }
  return r;
}

// What the report needs to read without the program: names, classes and the initial watch.
void describe_program(Program& program, Report& r) {
  r.fiber_names = program.fiber_names();
  r.fiber_classes = program.fiber_classes();
  r.object_names.clear();
  for (const auto& o : program.objects()) r.object_names.push_back(o.name);
  program.reset();
  r.initial_watch = program.watch();
}

Report explore_with(Program& program, const ProgramFactory* make, const ExploreOptions& opt) {
  const auto t0 = Clock::now();
  const StrategyEntry* entry = find_strategy(opt.strategy);
  RW_REQUIRE(entry != nullptr, "explore: no strategy named '{}' (expected {})", opt.strategy, strategy_names());
  Report r;
  if (!entry->exhaustive()) {
    r = randomized(program, opt, *entry);
    r.reduction = "none";
    r.symmetry_note = "sampling strategies (" + entry->name + ") keep no states to reduce";
  } else {
    Reduction reduction = opt.reduction;
    std::string note;
    if ((opt.preemption_bound || opt.auto_bound) && reduction != Reduction::None) {
      reduction = Reduction::None;
      note = "a preemption bound cuts schedules that partial-order reduction counts on, so bounded search runs without it";
    } else if (reduction == Reduction::Optimal && opt.state_cache) {
      // A wakeup sequence prescribes a path below a state; the cache may prune that state, and
      // its earlier visit need not have taken the path. Source sets only ever add alternatives
      // at nodes on the path, which the pruned state's summary covers.
      reduction = Reduction::Source;
      note = "with the state cache, optimal DPOR's wakeup sequences give way to source sets (a pruned state cannot follow one); without it (--no-state-cache) the search is optimal";
    }
    // Symmetry: on when some fibers are interchangeable and the program can rename them.
    const std::vector<std::uint32_t> classes = program.fiber_classes();
    const auto groups = symmetric_groups(classes);
    std::string sym_note;
    if (!opt.symmetry)
      sym_note = "turned off (--symmetry off)";
    else if (groups.empty())
      sym_note = "no two fibers run the same program from the same start";
    else if (auto blocker = program.symmetry_blocker(); !blocker.empty())
      sym_note = std::move(blocker);
    else if (!opt.state_cache)
      sym_note = "symmetry reduction works on the state cache, which is off (--no-state-cache)";
    const std::vector<std::uint32_t>* sym = sym_note.empty() ? &classes : nullptr;
    if (!opt.auto_bound) {
      r = exhaustive(program, make, opt, reduction, opt.preemption_bound, 0, t0, sym);
      if (opt.preemption_bound) {
        r.preemption_bound = *opt.preemption_bound;
        if (r.verdict == Verdict::Safe && r.bound_cut) {
          r.verdict = Verdict::Incomplete;
          r.incomplete_reason = fmt::format("safe up to {} preemption(s) (--preemption-bound); schedules with more were not explored",
                                            *opt.preemption_bound);
        }
      }
    } else {
      // Iterative context bounding: the first violation found has the fewest preemptions.
      std::uint64_t before = 0, steps = 0;
      for (std::uint32_t k = 0;; ++k) {
        Report pass = exhaustive(program, make, opt, reduction, k, before, t0, sym);
        before += pass.executions;
        steps += pass.steps;
        pass.executions = before;
        pass.steps = steps;
        pass.preemption_bound = k;
        r = std::move(pass);
        if (r.verdict != Verdict::Safe || !r.bound_cut) break;
      }
    }
    r.reduction = std::string(to_string(reduction));
    r.reduction_note = note;
    r.symmetry = sym != nullptr;
    r.symmetry_note = sym_note;
    for (const auto& g : groups) {
      auto& names = r.symmetry_classes.emplace_back();
      for (FiberId f : g) names.push_back(program.fiber_names()[f]);
    }
  }
  r.strategy = entry->name;
  r.state_cache = opt.state_cache && entry->exhaustive();
  if (!entry->exhaustive()) r.seed = opt.seed;
  r.jobs = entry->exhaustive() && r.units > 1 ? std::max(1u, opt.jobs) : 1u;  // threads used
  r.shard_index = opt.shard_index;
  r.shard_count = opt.shard_count;
  describe_program(program, r);
  return r;
}

}  // namespace

std::string checkpoint_identity(const ExploreOptions& o) {
  return fmt::format("{}|{}|{}|{}|{}|{}/{}|{}|{}|{}|{}", o.search_identity, o.strategy, to_string(o.reduction),
                     o.preemption_bound ? static_cast<std::int64_t>(*o.preemption_bound) : -1, o.jobs, o.shard_index,
                     o.shard_count, o.max_steps, o.state_cache, o.symmetry, o.target_kind);
}

std::optional<std::string> resume_problem(const ExploreOptions& o) {
  return detail::checkpoint_problem(o.resume, checkpoint_identity(o));
}

namespace {
void set_deadline(ExploreOptions& o) {
  if (o.timeout > 0 && o.deadline == std::chrono::steady_clock::time_point{})
    o.deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(o.timeout));
}
}  // namespace

Report explore(Program& program, const ExploreOptions& options) {
  ExploreOptions one = options;
  one.jobs = 1;
  set_deadline(one);
  set_memory_budget(one.max_memory);
  return explore_with(program, nullptr, one);
}

Report explore(const ProgramFactory& make, const ExploreOptions& options) {
  auto first = make();
  ExploreOptions opt = options;
  if (opt.check_state) opt.jobs = 1;  // its comparisons re-run the program on the side
  set_deadline(opt);
  set_memory_budget(opt.max_memory);
  return explore_with(*first, &make, opt);
}

}  // namespace rw::engine
