// tests/engine/reduction_test.cpp: partial-order reduction, preemption bounds, jobs and shards,
// against oracles computed here by brute force (random walks and PCT: sampling_test.cpp):
//  - every reduction, with and without the state cache, gives the verdict and the set of
//    outcomes of running every schedule (on a few hundred random programs);
//  - optimal reduction without the cache runs one execution per Mazurkiewicz trace, counted by
//    canonicalizing every schedule under the engine's dependence relation;
//  - a preemption bound cuts exactly the schedules with more preemptions;
//  - splitting the search over threads or shards changes neither verdict nor outcomes.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/explorer.hpp"
#include "random_programs.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

// ---- Random programs --------------------------------------------------------------------------

// The generator of this test: fibers of their own (no classes) and no owner; Op, Spec, build()
// and brute_force() are in random_programs.hpp.

// `top`: a compound operation (branch, lock, atomic section) may be drawn; its parts are simple.
Op random_op(std::mt19937_64& rng, const Spec& spec, bool atomic, bool top) {
  Op op;
  op.var = static_cast<ObjectId>(below(rng, spec.ints));
  std::uint64_t pick = below(rng, top ? 11 : 8);
  if (pick == 9 && !spec.lock) pick = below(rng, 8);
  if (pick == 10 && !atomic) pick = below(rng, 8);
  switch (pick) {
    case 0:
    case 1: op.kind = Op::Kind::Read; break;
    case 2:
    case 3:
      op.kind = Op::Kind::Write;
      op.value = static_cast<std::int64_t>(below(rng, 2));
      break;
    case 4:
    case 5: op.kind = Op::Kind::Increment; break;
    case 6:
    case 7: op.kind = Op::Kind::IncNotZero; break;
    case 8:
      op.kind = Op::Kind::Branch;
      op.value = static_cast<std::int64_t>(below(rng, 2));
      op.inner.push_back(random_op(rng, spec, atomic, false));
      op.inner.push_back(random_op(rng, spec, atomic, false));
      break;
    case 9:
      // One or two ops under the lock: with two, the holder's second step can conflict with
      // another fiber's acquire merged with its first (the race of the two acquires must still
      // be explored; see HiddenLockRace.RacesTwoAcquiresThatALaterStepOfTheHolderOrders in
      // tests/regressions).
      op.kind = Op::Kind::Locked;
      op.inner.push_back(random_op(rng, spec, atomic, false));
      if (below(rng, 2) == 0) op.inner.push_back(random_op(rng, spec, atomic, false));
      break;
    default:
      op.kind = Op::Kind::Atomic;
      op.inner.push_back(random_op(rng, spec, atomic, false));
      op.inner.push_back(random_op(rng, spec, atomic, false));
      break;
  }
  return op;
}

// 2-4 fibers of 1-5 operations over 1-3 ints and 0-1 lock; a quarter of the programs have
// atomic sections, and a quarter fail when a watched int reaches a limit. Programs with more
// than kMaxSchedules interleavings (counting steps, ignoring locks) are drawn again, so that
// running every schedule stays cheap.
Spec random_spec(std::mt19937_64& rng) {
  constexpr std::uint64_t kMaxSchedules = 3000;
  while (true) {
    Spec spec;
    spec.ints = 1 + below(rng, 3);
    spec.lock = below(rng, 2) == 0;
    const bool atomic = below(rng, 4) == 0;
    if (below(rng, 4) == 0)
      spec.limit.emplace(static_cast<ObjectId>(below(rng, spec.ints)), 2 + static_cast<std::int64_t>(below(rng, 2)));
    const std::size_t fibers = 2 + below(rng, 3);
    std::vector<int> steps;
    for (std::size_t f = 0; f < fibers; ++f) {
      std::vector<Op> ops;
      const std::size_t n = 1 + below(rng, 5);
      int fiber_steps = 0;
      for (std::size_t o = 0; o < n; ++o) {
        ops.push_back(random_op(rng, spec, atomic, true));
        fiber_steps += max_steps(ops.back());
      }
      steps.push_back(fiber_steps);
      spec.bodies.push_back(std::move(ops));
    }
    if (multinomial(steps) <= kMaxSchedules) return spec;
  }
}

// ---- The oracle: every schedule, and its Mazurkiewicz trace -----------------------------------

// The engine's dependence relation on the steps of two different fibers: the same object and
// one of them not a read, or both acquiring the same lock. Unlocks and steps that name no object
// are independent of everything.
bool dependent(const ScheduleRun::Step& x, const ScheduleRun::Step& y) {
  if (x.object == kNoObject || y.object == kNoObject || x.object != y.object) return false;
  if (x.access == Access::Unlock || y.access == Access::Unlock) return false;
  if (x.access == Access::Lock || y.access == Access::Lock)
    return x.access == Access::Lock && y.access == Access::Lock;
  return x.access != Access::Read || y.access != Access::Read;
}

// A trace's canonical form: each fiber's steps (object and access, in program order), then
// every ordered pair of dependent steps of different fibers, named (fiber, index in fiber). Two
// schedules are equivalent (one is the other with independent neighbours swapped) exactly when
// their forms are equal.
using TraceForm = std::vector<std::uint64_t>;
TraceForm trace_form(const ScheduleRun& run) {
  std::vector<std::uint32_t> index(run.steps.size());
  std::vector<std::uint32_t> taken;
  std::vector<std::vector<std::uint64_t>> per_fiber;
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const auto& s = run.steps[i];
    if (taken.size() <= s.fiber) {
      taken.resize(s.fiber + 1);
      per_fiber.resize(s.fiber + 1);
    }
    index[i] = taken[s.fiber]++;
    per_fiber[s.fiber].push_back((std::uint64_t{s.object} << 8) | static_cast<std::uint8_t>(s.access));
  }
  std::vector<std::uint64_t> edges;
  for (std::size_t i = 0; i < run.steps.size(); ++i)
    for (std::size_t j = i + 1; j < run.steps.size(); ++j)
      if (run.steps[i].fiber != run.steps[j].fiber && dependent(run.steps[i], run.steps[j]))
        edges.push_back((std::uint64_t{run.steps[i].fiber} << 48) | (std::uint64_t{index[i]} << 32) |
                        (std::uint64_t{run.steps[j].fiber} << 16) | index[j]);
  std::sort(edges.begin(), edges.end());
  TraceForm form;
  for (const auto& steps : per_fiber) {
    form.push_back(steps.size());
    form.insert(form.end(), steps.begin(), steps.end());
  }
  form.push_back(~std::uint64_t{0});
  form.insert(form.end(), edges.begin(), edges.end());
  return form;
}

// The truth of every schedule (random_programs.hpp), with the traces of the complete ones.
struct TraceTruth : Truth {
  std::set<TraceForm> traces;     // of complete schedules, with the accesses made
  std::set<TraceForm> announced;  // the same, with the accesses announced (what optimal uses)
};

TraceTruth brute_force_traces(Program& program) {
  TraceTruth t;
  static_cast<Truth&>(t) = brute_force(program, std::nullopt, [&](const ScheduleRun& run) {
    t.traces.insert(trace_form(run));
    ScheduleRun as_announced = run;
    for (auto& st : as_announced.steps) st.access = st.announced;
    t.announced.insert(trace_form(as_announced));
  });
  return t;
}

// ---- Reduction against brute force ------------------------------------------------------------

constexpr int kPrograms = 300;

TEST(Reduction, EveryCombinationAgreesWithRunningEverySchedule) {
  std::mt19937_64 rng(20261125);
  int safe = 0, violating = 0, atomic = 0;
  for (int i = 0; i < kPrograms; ++i) {
    const Spec spec = random_spec(rng);
    SCOPED_TRACE(fmt::format("program {}: {}", i, spec.text()));
    auto program = build(spec);
    const Truth truth = brute_force(*program);
    ASSERT_TRUE(truth.violations.empty() || truth.violations == std::set<std::string>{"limit-reached"});
    (truth.safe() ? safe : violating) += 1;
    atomic += spec.atomic() ? 1 : 0;
    for (Reduction reduction : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
      for (bool cache : {false, true}) {
        SCOPED_TRACE(describe(reduction, cache));
        const Report r = explore(*program, exhaustive(reduction, cache));
        // With the cache, optimal runs source sets (its wakeup sequences could end at a pruned state).
        EXPECT_EQ(r.reduction, to_string(reduction == Reduction::Optimal && cache ? Reduction::Source : reduction));
        if (truth.safe()) {
          ASSERT_EQ(r.verdict, Verdict::Safe) << r.error;
          EXPECT_EQ(outcome_texts(r), truth.outcomes);
        } else {
          ASSERT_EQ(r.verdict, Verdict::Violation) << r.error;
          EXPECT_EQ(r.violation->kind, "limit-reached");
        }
        // Without the cache no path is cut short; and no reduction runs more than every schedule.
        if (!cache) {
          EXPECT_EQ(r.pruned_executions, 0u);
          EXPECT_EQ(r.states, 0u);
        }
        if (truth.safe() && !cache) {
          EXPECT_EQ(r.executions, r.complete_executions);
          EXPECT_LE(r.executions, truth.schedules);
        }
        if (truth.safe() && reduction == Reduction::None && !cache) {
          EXPECT_EQ(r.executions, truth.schedules);
        }
      }
    }
  }
  // The generator must produce both verdicts, and atomic sections, for this to mean something.
  EXPECT_GE(safe, kPrograms / 2);
  EXPECT_GE(violating, kPrograms / 12);
  EXPECT_GE(atomic, kPrograms / 15);
}

TEST(Reduction, OptimalRunsOneExecutionPerMazurkiewiczTrace) {
  std::mt19937_64 rng(7);
  int checked = 0;
  std::uint64_t schedules = 0, traces = 0;
  for (int i = 0; i < kPrograms; ++i) {
    const Spec spec = random_spec(rng);
    if (spec.atomic()) continue;  // an atomic section is one event: the oracle counts steps
    auto program = build(spec);
    const TraceTruth truth = brute_force_traces(*program);
    if (!truth.safe()) continue;  // a violation ends the search early
    SCOPED_TRACE(fmt::format("program {}: {}", i, spec.text()));
    ++checked;
    schedules += truth.schedules;
    traces += truth.traces.size();
    const Report optimal = explore(*program, exhaustive(Reduction::Optimal, false));
    ASSERT_EQ(optimal.verdict, Verdict::Safe);
    // One execution per trace: none is missed (the outcome sets agree) and none is run twice.
    // Optimal DPOR keeps each step's announced access (a failed inc_not_zero stays a
    // read-modify-write), so it is optimal for the traces under that relation.
    EXPECT_EQ(optimal.complete_executions, truth.announced.size());
    EXPECT_EQ(optimal.executions, truth.announced.size());
    EXPECT_EQ(outcome_texts(optimal), truth.outcomes);
    // Source sets may run more than one execution per trace, never fewer.
    const Report source = explore(*program, exhaustive(Reduction::Source, false));
    ASSERT_EQ(source.verdict, Verdict::Safe);
    EXPECT_GE(source.complete_executions, truth.traces.size());
    EXPECT_LE(source.complete_executions, truth.schedules);
  }
  EXPECT_GE(checked, kPrograms / 3);
  EXPECT_LT(traces, schedules / 2) << "the programs must leave reduction something to remove";
}

TEST(Reduction, CountsTracesOfSmallProgramsByHand) {
  // a: x = 1; y = 1. b: read y; read x. Of the 6 schedules, the traces are decided by the
  // order of (a's x, b's x) and (a's y, b's y), and b's reads of y then x rule out one of the
  // four (b reads x before a writes it but y after): 3 traces.
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  const ObjectId y = prog.add_int("y");
  prog.add_fiber("a", [&prog, x, y](Execution& ex) {
    prog.write(ex, x, 1, "a: x = 1");
    prog.write(ex, y, 1, "a: y = 1");
  });
  prog.add_fiber("b", [&prog, x, y](Execution& ex) {
    ex.observe("y", prog.read(ex, y, "b: read y"));
    ex.observe("x", prog.read(ex, x, "b: read x"));
  });
  const TraceTruth truth = brute_force_traces(prog);
  EXPECT_EQ(truth.schedules, 6u);
  EXPECT_EQ(truth.traces.size(), 3u);
  const Report r = explore(prog, exhaustive(Reduction::Optimal, false));
  EXPECT_EQ(r.executions, 3u);
  EXPECT_EQ(outcome_texts(r), (std::set<std::string>{"a: - | b: y=0 x=0", "a: - | b: y=0 x=1",
                                                      "a: - | b: y=1 x=1"}));

  // A failed inc_not_zero only reads: two of them on a zero int do not conflict for source sets.
  // Optimal DPOR keeps the access announced (a wakeup sequence may replay the step where it
  // succeeds), so for it they conflict: two traces.
  LambdaProgram cond;
  const ObjectId z = cond.add_int("z");
  for (const char* name : {"a", "b"}) {
    cond.add_fiber(name, [&cond, z](Execution& ex) {
      ex.step(z, Access::ReadModifyWrite, "inc_not_zero(z)");
      if (cond[z] != 0)
        ++cond[z];
      else
        ex.narrow_access(Access::Read);
    });
  }
  EXPECT_EQ(explore(cond, exhaustive(Reduction::Source, false)).executions, 1u);
  EXPECT_EQ(explore(cond, exhaustive(Reduction::Optimal, false)).executions, 2u);
  EXPECT_EQ(explore(cond, exhaustive(Reduction::None, false)).executions, 2u);
}

// ---- Preemption bounds ------------------------------------------------------------------------

TEST(PreemptionBound, ZeroPreemptionsCannotShowABugThatNeedsOne) {
  auto program = overwrite_program();
  for (bool cache : {false, true}) {
    SCOPED_TRACE(fmt::format("cache {}", cache));
    ExploreOptions o = exhaustive(Reduction::Optimal, cache);
    o.preemption_bound = 0;
    const Report r = explore(*program, o);
    EXPECT_EQ(r.verdict, Verdict::Incomplete);
    EXPECT_FALSE(r.violation.has_value());
    EXPECT_TRUE(r.bound_cut);
    EXPECT_EQ(r.preemption_bound, 0);
    EXPECT_TRUE(contains(r.incomplete_reason, "preemption")) << r.incomplete_reason;
    // Bounded search runs without reduction, and says so.
    EXPECT_EQ(r.reduction, "none");
    EXPECT_FALSE(r.reduction_note.empty());
    // With no preemption, each fiber runs to its end once it starts: two schedules.
    if (!cache) {
      EXPECT_EQ(r.complete_executions, 2u);
    }
  }
}

TEST(PreemptionBound, OnePreemptionShowsIt) {
  auto program = overwrite_program();
  ExploreOptions o = exhaustive(Reduction::None, false);
  o.preemption_bound = 1;
  const Report r = explore(*program, o);
  ASSERT_EQ(r.verdict, Verdict::Violation);
  EXPECT_EQ(r.violation->kind, "overwritten");
  EXPECT_EQ(r.violation->preemptions, 1u);
  EXPECT_EQ(r.preemption_bound, 1);
}

TEST(PreemptionBound, AutoBoundRaisesTheBoundUntilTheViolation) {
  auto program = overwrite_program();
  for (bool cache : {false, true}) {
    SCOPED_TRACE(fmt::format("cache {}", cache));
    ExploreOptions o = exhaustive(Reduction::Optimal, cache);
    o.auto_bound = true;
    const Report r = explore(*program, o);
    ASSERT_EQ(r.verdict, Verdict::Violation) << r.incomplete_reason;
    EXPECT_EQ(r.violation->kind, "overwritten");
    EXPECT_EQ(r.preemption_bound, 1);
    EXPECT_EQ(r.violation->preemptions, 1u);
    EXPECT_EQ(r.violation_found_preemptions, 1u);  // found so, not only shown so after shrinking
    EXPECT_EQ(format_schedule(r.violation->schedule, program->fiber_names()), "victim disturber*3 victim");
    // The executions of the pass with bound 0 count too.
    if (!cache) {
      EXPECT_GT(r.executions, 2u);
    }
  }
}

TEST(PreemptionBound, AutoBoundProvesASafeProgramSafe) {
  // With enough preemptions every schedule fits: the last pass cuts nothing, the verdict is safe.
  auto program = independent_program({2, 2});
  ExploreOptions o = exhaustive(Reduction::None, false);
  o.auto_bound = true;
  const Report r = explore(*program, o);
  EXPECT_EQ(r.verdict, Verdict::Safe) << r.incomplete_reason;
  EXPECT_FALSE(r.bound_cut);
  EXPECT_EQ(outcome_texts(r), outcome_texts(explore(*program, every_schedule())));
}

// ---- Jobs and shards --------------------------------------------------------------------------

// The first `count` safe programs drawn from `seed`, as factories (each call builds a new copy),
// with their outcomes.
struct SafeProgram {
  ProgramFactory make;
  std::string text;
  std::set<std::string> outcomes;
};
std::vector<SafeProgram> safe_programs(std::uint64_t seed, int count) {
  std::vector<SafeProgram> out;
  std::mt19937_64 rng(seed);
  for (int i = 0; static_cast<int>(out.size()) < count; ++i) {
    const Spec spec = random_spec(rng);
    Truth truth = brute_force(*build(spec));
    if (!truth.safe()) continue;
    out.push_back({[spec]() -> std::unique_ptr<Program> { return build(spec); },
                   fmt::format("program {}: {}", i, spec.text()), std::move(truth.outcomes)});
  }
  return out;
}

TEST(Jobs, TwoThreadsFindWhatOneFinds) {
  for (const auto& [make, text, outcomes] : safe_programs(99, 30)) {
    SCOPED_TRACE(text);
    for (Reduction reduction : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
      for (bool cache : {false, true}) {
        SCOPED_TRACE(describe(reduction, cache));
        ExploreOptions one = exhaustive(reduction, cache);
        ExploreOptions two = one;
        two.jobs = 2;
        two.serial_first = 0;
        const Report r1 = explore(make, one);
        const Report r2 = explore(make, two);
        ASSERT_EQ(r1.verdict, Verdict::Safe);
        EXPECT_EQ(r2.verdict, Verdict::Safe) << r2.incomplete_reason;
        EXPECT_GT(r2.units, 1u);
        EXPECT_EQ(r2.jobs, 2u);
        EXPECT_EQ(outcome_texts(r2), outcomes);
        if (reduction == Reduction::None && !cache) {
          // Every schedule, whoever runs it.
          EXPECT_EQ(r2.executions, r1.executions);
          EXPECT_EQ(r2.outcomes, r1.outcomes);
        }
      }
    }
  }
}

TEST(Jobs, ASmallReducedSearchRunsOnOneThread) {
  // Below 100,000 executions, a search with a reduction is finished serially first, so that its
  // report does not depend on timing: the same counts as with one job.
  auto make = [] { return std::unique_ptr<Program>(independent_program({2, 2, 2})); };
  ExploreOptions two;
  two.jobs = 2;
  const Report r1 = explore(make, ExploreOptions{});
  const Report r2 = explore(make, two);
  EXPECT_EQ(r2.jobs, 1u);
  EXPECT_EQ(r2.executions, r1.executions);
  EXPECT_EQ(r2.states, r1.states);
  EXPECT_EQ(r2.outcomes, r1.outcomes);
}

TEST(Jobs, AViolationIsFoundWithTwoThreads) {
  ProgramFactory make = [] { return lost_update_program(); };
  for (Reduction reduction : {Reduction::None, Reduction::Optimal}) {
    SCOPED_TRACE(to_string(reduction));
    ExploreOptions o;
    o.reduction = reduction;
    o.jobs = 2;
    o.serial_first = 0;
    const Report r = explore(make, o);
    ASSERT_EQ(r.verdict, Verdict::Violation) << r.error;
    EXPECT_EQ(r.violation->kind, "lost-update");
    EXPECT_EQ(r.jobs, 2u);
  }
}

TEST(Jobs, StatefulSearchWithoutReductionStoresTheStatesOfOneThread) {
  // Without sleep sets, the stateful search stores every reachable state, whatever the order
  // and however the threads share what they store.
  for (const auto& [make, text, outcomes] : safe_programs(1234, 20)) {
    SCOPED_TRACE(text);
    ExploreOptions one = exhaustive(Reduction::None, true);
    ExploreOptions two = one;
    two.jobs = 2;
    const Report r1 = explore(make, one);
    const Report r2 = explore(make, two);
    EXPECT_EQ(r2.verdict, r1.verdict);
    EXPECT_EQ(outcome_texts(r2), outcomes);
    EXPECT_EQ(outcome_texts(r1), outcomes);
    EXPECT_EQ(r2.states, r1.states);
  }
}

// What a report says that must not change from run to run.
std::string counts_of(const Report& r) {
  std::string s = fmt::format("{} {} {} {} {} {} {} {}", to_string(r.verdict), r.executions, r.complete_executions,
                              r.pruned_executions, r.states, r.steps, r.max_depth, r.incomplete_reason);
  for (const auto& o : r.outcomes) s += fmt::format(" [{}]={}", o.outcome, o.count);
  if (r.violation) s += fmt::format(" {}@{}/{}", r.violation->kind, r.violation->execution, r.violation_dfs_steps);
  return s;
}

TEST(Jobs, ThreadedRunsGiveTheSameReportEveryTime) {
  // Units run in waves, each on its own view of the cache, taken in depth-first order: nothing
  // in the report depends on the threads' timing, with or without a budget that stops them.
  const std::vector<std::pair<ProgramFactory, std::string>> programs = {
      {[] { return std::unique_ptr<Program>(independent_program({3, 3, 3, 3})); }, "independent 3x4"},
      {[] { return lost_update_program(); }, "lost update"}};
  for (const auto& [make, name] : programs) {
    for (Reduction reduction : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
      for (std::uint64_t budget : {std::uint64_t{10'000'000}, std::uint64_t{40}}) {
        SCOPED_TRACE(fmt::format("{}, {}, budget {}", name, to_string(reduction), budget));
        ExploreOptions o = exhaustive(reduction, true);
        o.jobs = 3;
        o.serial_first = 0;
        o.max_executions = budget;
        const std::string first = counts_of(explore(make, o));
        for (int run = 0; run < 6; ++run) EXPECT_EQ(counts_of(explore(make, o)), first);
        const Report r = explore(make, o);
        EXPECT_LE(r.executions, budget);
        EXPECT_GT(r.units, 1u);
      }
    }
  }
}

TEST(Shards, TogetherFindWhatTheWholeSearchFinds) {
  for (const auto& [make, text, outcomes] : safe_programs(4321, 30)) {
    SCOPED_TRACE(text);
    for (Reduction reduction : {Reduction::None, Reduction::Optimal}) {
      for (bool cache : {false, true}) {
        SCOPED_TRACE(describe(reduction, cache));
        const Report whole = explore(make, exhaustive(reduction, cache));
        ASSERT_EQ(whole.verdict, Verdict::Safe);
        std::set<std::string> together;
        std::uint64_t executions = 0;
        for (std::uint32_t shard = 0; shard < 3; ++shard) {
          ExploreOptions o = exhaustive(reduction, cache);
          o.shard_index = shard;
          o.shard_count = 3;
          const Report part = explore(make, o);
          EXPECT_EQ(part.verdict, Verdict::Safe) << "shard " << shard;
          EXPECT_EQ(part.shard_index, shard);
          EXPECT_EQ(part.shard_count, 3u);
          const auto mine = outcome_texts(part);
          together.insert(mine.begin(), mine.end());
          executions += part.executions;
        }
        EXPECT_EQ(together, outcomes);
        // Without reduction or cache the shards split the schedules: each runs its own.
        if (reduction == Reduction::None && !cache) {
          EXPECT_EQ(executions, whole.executions);
        }
      }
    }
  }
}

TEST(Shards, TheShardWithTheViolationFindsIt) {
  ProgramFactory make = [] { return lost_update_program(); };
  bool found = false;
  for (std::uint32_t shard = 0; shard < 3; ++shard) {
    ExploreOptions o;
    o.shard_index = shard;
    o.shard_count = 3;
    const Report part = explore(make, o);
    ASSERT_NE(part.verdict, Verdict::Error) << part.error;
    if (part.verdict == Verdict::Violation) {
      EXPECT_EQ(part.violation->kind, "lost-update");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace rw::engine::test
