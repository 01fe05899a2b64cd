// tests/engine/explorer_test.cpp: what explore() reports: outcomes, determinism, deadlocks,
// exceptions from model code, blocking conditions, and the bounds that make a run incomplete.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/explorer.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

TEST(Explorer, FindsALostUpdate) {
  auto program = lost_update_program();
  for (bool cache : {true, false}) {
    ExploreOptions o;
    o.state_cache = cache;
    const Report r = explore(*program, o);
    ASSERT_EQ(r.verdict, Verdict::Violation) << "cache " << cache;
    ASSERT_TRUE(r.violation.has_value());
    EXPECT_EQ(r.violation->kind, "lost-update");
    EXPECT_EQ(r.violation->message, "x is 1 after two increments");
    EXPECT_EQ(program->fiber_names()[r.violation->fiber], "checker");
    EXPECT_FALSE(r.violation->trace.empty());
    EXPECT_EQ(r.violation->trace.size(), r.violation->schedule.size());
  }
}

TEST(Explorer, ListsEachDistinctOutcomeWithItsCount) {
  // a observes x before or after b writes it: two outcomes, one schedule each.
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  prog.add_fiber("a", [&prog, x](Execution& ex) { ex.observe("x", prog.read(ex, x, "a: read x")); });
  prog.add_fiber("b", [&prog, x](Execution& ex) { prog.write(ex, x, 1, "b: x = 1"); });
  const Report r = explore(prog, without_cache());
  EXPECT_EQ(r.verdict, Verdict::Safe);
  const std::vector<OutcomeCount> expected = {{"a: x=0 | b: -", 1}, {"a: x=1 | b: -", 1}};
  EXPECT_EQ(r.outcomes, expected);
}

TEST(Explorer, GivesTheSameReportTwice) {
  for (bool violating : {true, false}) {
    auto program = violating ? lost_update_program() : racy_reads_program();
    auto twin = violating ? lost_update_program() : racy_reads_program();
    const Report first = explore(*program);
    const Report second = explore(*program);
    const Report other = explore(*twin);
    for (const Report* r : {&second, &other}) {
      EXPECT_EQ(r->verdict, first.verdict);
      EXPECT_EQ(r->executions, first.executions);
      EXPECT_EQ(r->complete_executions, first.complete_executions);
      EXPECT_EQ(r->pruned_executions, first.pruned_executions);
      EXPECT_EQ(r->states, first.states);
      EXPECT_EQ(r->steps, first.steps);
      EXPECT_EQ(r->outcomes, first.outcomes);
      EXPECT_EQ(r->violation_dfs_steps, first.violation_dfs_steps);
      ASSERT_EQ(r->violation.has_value(), first.violation.has_value());
      if (!first.violation) continue;
      EXPECT_EQ(r->violation->kind, first.violation->kind);
      EXPECT_EQ(r->violation->message, first.violation->message);
      EXPECT_EQ(r->violation->schedule, first.violation->schedule);
      EXPECT_EQ(r->violation->trace, first.violation->trace);
      EXPECT_EQ(r->violation->execution, first.violation->execution);
      EXPECT_EQ(r->violation->preemptions, first.violation->preemptions);
    }
    EXPECT_EQ(first.verdict, violating ? Verdict::Violation : Verdict::Safe);
    EXPECT_EQ(first.outcomes.size(), violating ? 1u : 6u);
  }
}

// Two fibers take two locks, in opposite orders or in the same order.
std::unique_ptr<LambdaProgram> two_lock_program(bool same_order) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId first = prog.add_lock("lock_first");
  const ObjectId second = prog.add_lock("lock_second");
  const ObjectId x = prog.add_int("x");
  prog.add_fiber("a", [&prog, first, second, x](Execution& ex) {
    ex.lock(first, "a: take lock_first");
    ex.lock(second, "a: take lock_second");
    prog.increment(ex, x, "a: ++x");
    ex.unlock(second, "a: drop lock_second");
    ex.unlock(first, "a: drop lock_first");
  });
  const ObjectId b1 = same_order ? first : second;
  const ObjectId b2 = same_order ? second : first;
  prog.add_fiber("b", [&prog, b1, b2, x](Execution& ex) {
    ex.lock(b1, "b: take one lock");
    ex.lock(b2, "b: take the other lock");
    prog.increment(ex, x, "b: ++x");
    ex.unlock(b2, "b: drop the other lock");
    ex.unlock(b1, "b: drop one lock");
  });
  return p;
}

TEST(Explorer, ReportsALockOrderInversionAsADeadlock) {
  auto program = two_lock_program(false);
  for (bool cache : {true, false}) {
    ExploreOptions o;
    o.state_cache = cache;
    const Report r = explore(*program, o);
    ASSERT_EQ(r.verdict, Verdict::Violation) << "cache " << cache;
    ASSERT_TRUE(r.violation.has_value());
    EXPECT_EQ(r.violation->kind, "deadlock");
    EXPECT_TRUE(contains(r.violation->message, "lock_first")) << r.violation->message;
    EXPECT_TRUE(contains(r.violation->message, "lock_second")) << r.violation->message;
    // Each fiber holds one lock and waits for the other: a b or b a, then the other's lock.
    EXPECT_EQ(r.violation->schedule.size(), 2u)
        << format_schedule(r.violation->schedule, program->fiber_names());
  }
}

// A fiber that waits to be started (a thread another fiber creates) and never is: the
// execution is complete, not a deadlock, and the fiber observed nothing. When the creator may
// start one of two such fibers, both choices are explored.
TEST(Explorer, AFiberNeverStartedIsNotADeadlock) {
  for (const int creators : {0, 1}) {
    LambdaProgram prog;
    const ObjectId started = prog.add_int("started");
    for (int i = 0; i < creators; ++i)
      prog.add_fiber("creator", [&prog, started](Execution& ex) { prog.write(ex, started, 1, "start one thread"); });
    for (const char* name : {"t1", "t2"})
      prog.add_fiber(name, [&prog, started](Execution& ex) {
        ex.wait_to_start(started, Access::ReadModifyWrite, "wait to be started", [&prog, started] { return prog[started] > 0; });
        prog[started] = prog[started] - 1;
        ex.observe("ran", 1);
      });
    for (const Reduction r : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
      ExploreOptions o;
      o.reduction = r;
      o.state_cache = r != Reduction::Optimal;
      const Report rep = explore(prog, o);
      SCOPED_TRACE(fmt::format("{} creator(s), reduction {}", creators, to_string(r)));
      EXPECT_EQ(rep.verdict, Verdict::Safe);
      if (creators == 0) {
        EXPECT_EQ(outcome_texts(rep), (std::set<std::string>{"t1: - | t2: -"}));
      } else {
        EXPECT_EQ(outcome_texts(rep), (std::set<std::string>{"creator: - | t1: ran=1 | t2: -", "creator: - | t1: - | t2: ran=1"}));
      }
    }
  }
}

TEST(Explorer, FindsNoDeadlockWhenLocksAreTakenInOneOrder) {
  auto program = two_lock_program(true);
  for (bool cache : {true, false}) {
    ExploreOptions o;
    o.state_cache = cache;
    const Report r = explore(*program, o);
    EXPECT_EQ(r.verdict, Verdict::Safe) << "cache " << cache;
    EXPECT_FALSE(r.violation.has_value());
    EXPECT_GT(r.complete_executions, 0u);
  }
  // Only the fiber that wins lock_first can run until it drops it: two schedules, no more.
  const Report uncached = explore(*program, without_cache());
  EXPECT_EQ(uncached.executions, 2u);
}

TEST(Explorer, ReportsAConditionThatNeverHoldsAsADeadlock) {
  LambdaProgram prog;
  const ObjectId flag = prog.add_int("flag");
  prog.add_fiber("waiter", [&prog, flag](Execution& ex) {
    ex.step_when(flag, Access::Read, "waiter: wait for flag == 2",
                 [&prog, flag] { return prog[flag] == 2; });
  });
  prog.add_fiber("setter",
                 [&prog, flag](Execution& ex) { prog.write(ex, flag, 1, "setter: flag = 1"); });
  const Report r = explore(prog);
  ASSERT_EQ(r.verdict, Verdict::Violation);
  EXPECT_EQ(r.violation->kind, "deadlock");
  EXPECT_TRUE(contains(r.violation->message, "waiter: wait for flag == 2")) << r.violation->message;
}

TEST(Explorer, RunsAWaitingFiberOnlyOnceItsConditionHolds) {
  LambdaProgram prog;
  const ObjectId flag = prog.add_int("flag");
  prog.add_fiber("waiter", [&prog, flag](Execution& ex) {
    ex.step_when(flag, Access::Read, "waiter: wait for flag", [&prog, flag] { return prog[flag] == 1; });
    ex.observe("flag", prog[flag]);
  });
  prog.add_fiber("setter",
                 [&prog, flag](Execution& ex) { prog.write(ex, flag, 1, "setter: flag = 1"); });
  const Report r = explore(prog, without_cache());
  EXPECT_EQ(r.verdict, Verdict::Safe);
  EXPECT_EQ(r.executions, 1u);
  EXPECT_EQ(outcome_texts(r), (std::set<std::string>{"waiter: flag=1 | setter: -"}));
}

TEST(Explorer, ReportsAnExceptionFromModelCodeAsAViolation) {
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  prog.add_fiber("a", [&prog, x](Execution& ex) {
    if (prog.increment(ex, x, "a: ++x") == 2) throw std::runtime_error("x reached two");
  });
  prog.add_fiber("b", [&prog, x](Execution& ex) { prog.increment(ex, x, "b: ++x"); });
  for (bool cache : {true, false}) {
    ExploreOptions o;
    o.state_cache = cache;
    const Report r = explore(prog, o);
    ASSERT_EQ(r.verdict, Verdict::Violation) << "cache " << cache;
    EXPECT_EQ(r.violation->kind, "exception");
    EXPECT_TRUE(contains(r.violation->message, "x reached two")) << r.violation->message;
    EXPECT_EQ(r.violation->fiber, 0u);
    EXPECT_EQ(format_schedule(r.violation->schedule, prog.fiber_names()), "b a");
  }
}

TEST(Explorer, ReportsAnExceptionThrownBeforeTheFirstStep) {
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  prog.add_fiber("a", [&prog, x](Execution& ex) { prog.increment(ex, x, "a: ++x"); });
  prog.add_fiber("b", [](Execution&) { throw 42; });
  const Report r = explore(prog);
  ASSERT_EQ(r.verdict, Verdict::Violation);
  EXPECT_EQ(r.violation->kind, "exception");
  EXPECT_EQ(r.violation->fiber, 1u);
  EXPECT_TRUE(r.violation->schedule.empty());
  EXPECT_TRUE(contains(r.violation->message, "non-standard")) << r.violation->message;
}

TEST(Explorer, StopsAtMaxExecutionsAndSaysIncomplete) {
  // 6 schedules without reduction and cache (with reduction, one: no two steps conflict).
  auto program = independent_program({2, 2});
  for (bool cache : {true, false}) {
    ExploreOptions o = every_schedule();
    o.state_cache = cache;
    o.max_executions = 2;
    const Report r = explore(*program, o);
    EXPECT_EQ(r.verdict, Verdict::Incomplete) << "cache " << cache;
    EXPECT_EQ(r.executions, 2u);
    EXPECT_TRUE(contains(r.incomplete_reason, "--max-executions")) << r.incomplete_reason;
  }
}

TEST(Explorer, IsSafeWhenMaxExecutionsIsExactlyEnough) {
  // A bound that the exhaustive search does not exceed must not make the run incomplete.
  auto program = independent_program({2, 2});
  ExploreOptions o = every_schedule();
  o.max_executions = multinomial({2, 2});
  const Report r = explore(*program, o);
  EXPECT_EQ(r.executions, multinomial({2, 2}));
  EXPECT_EQ(r.verdict, Verdict::Safe) << r.incomplete_reason;

  // The same with optimal reduction, which runs one execution: no two steps conflict.
  ExploreOptions one;
  one.max_executions = 1;
  const Report reduced = explore(*program, one);
  EXPECT_EQ(reduced.executions, 1u);
  EXPECT_EQ(reduced.verdict, Verdict::Safe) << reduced.incomplete_reason;
}

TEST(Explorer, StopsAtMaxStepsAndSaysIncomplete) {
  // a counts to 20; with a bound of 5 steps no execution finishes, so nothing is proved.
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  const ObjectId y = prog.add_int("y");
  prog.add_fiber("a", [&prog, x](Execution& ex) {
    for (int i = 0; i < 20; ++i) prog.increment(ex, x, "a: ++x");
  });
  prog.add_fiber("b", [&prog, y](Execution& ex) { prog.increment(ex, y, "b: ++y"); });
  for (bool cache : {true, false}) {
    ExploreOptions o;
    o.state_cache = cache;
    o.max_steps = 5;
    const Report r = explore(prog, o);
    EXPECT_EQ(r.verdict, Verdict::Incomplete) << "cache " << cache;
    EXPECT_EQ(r.complete_executions, 0u);
    EXPECT_LE(r.max_depth, 5u);
    EXPECT_TRUE(contains(r.incomplete_reason, "--max-steps")) << r.incomplete_reason;
  }
  // The same bound is no bound for a program whose executions are 5 steps long.
  auto short_program = independent_program({3, 2});
  ExploreOptions o;
  o.max_steps = 5;
  EXPECT_EQ(explore(*short_program, o).verdict, Verdict::Safe);
}

TEST(Explorer, StillReportsAViolationFoundBeforeABound) {
  auto program = lost_update_program();
  ExploreOptions o = without_cache();
  o.max_steps = 1000;
  o.max_executions = 1000;
  const Report r = explore(*program, o);
  EXPECT_EQ(r.verdict, Verdict::Violation);
}

TEST(Explorer, SearchesOnPastOtherKindsForTheTargetKind) {
  // Whoever runs first fails: a with "early" (DFS tries it first), b with "late".
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  prog.add_fiber("a", [&prog, x](Execution& ex) {
    if (prog.increment(ex, x, "a: ++x") == 1) ex.fail("early", "a ran first");
  });
  prog.add_fiber("b", [&prog, x](Execution& ex) {
    if (prog.increment(ex, x, "b: ++x") == 1) ex.fail("late", "b ran first");
  });
  const Report plain = explore(prog);
  ASSERT_EQ(plain.verdict, Verdict::Violation);
  EXPECT_EQ(plain.violation->kind, "early");

  // Every reduction must go on past "early" to the other order of the two increments.
  for (Reduction reduction : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
    for (bool cache : {true, false}) {
      SCOPED_TRACE(fmt::format("reduction {}, cache {}", to_string(reduction), cache));
      ExploreOptions o;
      o.reduction = reduction;
      o.state_cache = cache;
      o.target_kind = "late";
      const Report targeted = explore(prog, o);
      ASSERT_EQ(targeted.verdict, Verdict::Violation);
      EXPECT_EQ(targeted.violation->kind, "late");
      EXPECT_EQ(format_schedule(targeted.violation->schedule, prog.fiber_names()), "b");
      EXPECT_EQ(targeted.violation->execution, 2u);
      EXPECT_EQ(targeted.other_kinds, std::vector<std::string>{"early"});
    }
  }
}

TEST(Explorer, ReportsNondeterminismWhenAViolationDoesNotReplay) {
  // The model fails only in the first execution it ever runs: state kept outside the program.
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  auto runs = std::make_shared<int>(0);
  prog.add_fiber("a", [&prog, x, runs](Execution& ex) {
    ++*runs;
    prog.increment(ex, x, "a: ++x");
    if (*runs == 1) ex.fail("flaky", "only the first time");
  });
  const Report r = explore(prog);
  EXPECT_EQ(r.verdict, Verdict::Error);
  EXPECT_TRUE(contains(r.error, "nondeterminism")) << r.error;
}

TEST(ExplorerDeathTest, AbortsWhenAModelLocksSomethingThatIsNotALock) {
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  prog.add_fiber("a", [x](Execution& ex) { ex.lock(x, "a: lock an int"); });
  EXPECT_EXIT(explore(prog), ::testing::ExitedWithCode(3), "engine misused.*is not a lock");
}

TEST(ExplorerDeathTest, AbortsWhenAModelDropsALockItDoesNotHold) {
  LambdaProgram prog;
  const ObjectId m = prog.add_lock("m");
  prog.add_fiber("a", [m](Execution& ex) { ex.unlock(m, "a: drop m"); });
  EXPECT_EXIT(explore(prog), ::testing::ExitedWithCode(3), "engine misused.*does not hold");
}

// A fiber waiting for a condition that another fiber's step falsifies and a later step of that
// fiber makes true again (a cancel that waits until a work item is not running, against the
// worker that takes the item and runs it): the waiter's step ends up ordered after both, but it
// could also have run before the first one, and then the worker never starts. Every reduction
// must find both outcomes, as the unreduced search does.
TEST(Explorer, AWaitDisabledAndReenabledByAnotherFiberIsRacedWithWhatDisabledIt) {
  LambdaProgram prog;
  const ObjectId work = prog.add_int("work", 1);  // 1 pending, 2 running, 0 idle
  const ObjectId other = prog.add_int("other");
  prog.add_fiber("worker", [&prog, work](Execution& ex) {
    ex.wait_to_start(work, Access::ReadModifyWrite, "worker: take the pending item", [&prog, work] { return prog[work] == 1; });
    prog[work] = 2;
    prog.write(ex, work, 0, "worker: the function returned");
    ex.observe("ran", 1);
  });
  prog.add_fiber("canceller", [&prog, work, other](Execution& ex) {
    prog.write(ex, other, 1, "canceller: something else first");
    ex.step_when(work, Access::ReadModifyWrite, "canceller: wait until not running, unqueue",
                 [&prog, work] { return prog[work] != 2; });
    ex.observe("was_pending", prog[work] == 1 ? 1 : 0);
    prog[work] = 0;
  });
  const std::set<std::string> both{"worker: - | canceller: was_pending=1", "worker: ran=1 | canceller: was_pending=0"};
  for (const Reduction r : {Reduction::None, Reduction::Source, Reduction::Optimal})
    for (const bool cache : {true, false}) {
      SCOPED_TRACE(describe(r, cache));
      EXPECT_EQ(outcome_texts(explore(prog, exhaustive(r, cache))), both);
    }
}

}  // namespace
}  // namespace rw::engine::test
