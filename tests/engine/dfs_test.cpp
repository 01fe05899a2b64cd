// tests/engine/dfs_test.cpp: exhaustive depth-first search without reduction or cache, against
// brute-force counts. Oracle: if fiber i takes k_i steps, there are exactly (sum k_i)! / prod(k_i!)
// distinct schedules, and the search runs each once (for_each_schedule() enumerates them by
// re-execution, on its own); it takes each step of the tree of schedules once, since it goes back
// to checkpoints instead of re-running prefixes.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/explorer.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

const std::vector<std::vector<int>> kCases = {{1, 1}, {2, 1}, {2, 2}, {3, 2, 1}, {3, 3}};

// The steps of the tree of schedules: its distinct non-empty prefixes.
std::uint64_t tree_steps(Program& program) {
  std::set<std::vector<FiberId>> prefixes;
  for_each_schedule(program, [&](const ScheduleRun& run) {
    const std::vector<FiberId> s = run.schedule();
    for (std::size_t n = 1; n <= s.size(); ++n) prefixes.emplace(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
  });
  return prefixes.size();
}

TEST(DepthFirstSearch, RunsEveryInterleavingOfIndependentStepsOnce) {
  for (const auto& k : kCases) {
    auto program = independent_program(k);
    const Report r = explore(*program, every_schedule());
    const std::uint64_t expected = multinomial(k);
    EXPECT_EQ(r.verdict, Verdict::Safe) << describe(k);
    EXPECT_EQ(r.reduction, "none") << describe(k);
    EXPECT_EQ(r.executions, expected) << describe(k);
    EXPECT_EQ(r.complete_executions, expected) << describe(k);
    EXPECT_EQ(r.pruned_executions, 0u) << describe(k);
    EXPECT_EQ(r.states, 0u) << describe(k);
    EXPECT_EQ(for_each_schedule(*program, [](const ScheduleRun&) {}), expected) << describe(k);
    // Checkpoints: every step of the tree is taken once, none is re-run for a later sibling.
    EXPECT_EQ(r.steps, tree_steps(*program)) << describe(k);
    std::uint32_t longest = 0;
    for (int ki : k) longest += static_cast<std::uint32_t>(ki);
    EXPECT_EQ(r.max_depth, longest) << describe(k);
  }
}

// ---- Programs whose outcome spells their schedule -------------------------------------------

// append(), schedule_of() and atomic_program() are in test_programs.hpp.

// Fiber i takes k[i] steps, all appending to h.
std::unique_ptr<LambdaProgram> history_program(const std::vector<int>& k) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId h = prog.add_int("h");
  for (std::size_t i = 0; i < k.size(); ++i) {
    prog.add_fiber(fiber_name(i), [&prog, h, steps = k[i]](Execution& ex) {
      for (int s = 0; s < steps; ++s) append(prog, ex, h, "append to h");
      ex.observe("h", prog[h]);
    });
  }
  return p;
}

// The schedules of the first `n` complete executions, in the order the search ran them.
std::vector<std::string> first_schedules(Program& program, std::uint64_t n) {
  std::vector<std::string> order;
  for (std::uint64_t m = 1; m <= n; ++m) {
    ExploreOptions o = every_schedule();
    o.max_executions = m;
    const Report r = explore(program, o);
    std::set<std::string> seen(order.begin(), order.end());
    for (const auto& oc : r.outcomes) {
      const std::string s = format_schedule(schedule_of(oc.outcome), program.fiber_names());
      if (!seen.contains(s)) order.push_back(s);
    }
  }
  return order;
}

TEST(DepthFirstSearch, RunsEachScheduleExactlyOnce) {
  for (const auto& k : kCases) {
    auto program = history_program(k);
    // The oracle's schedules, each with the outcome that spells it.
    std::map<std::string, std::uint64_t> expected;
    for_each_schedule(*program, [&](const ScheduleRun& run) {
      ASSERT_TRUE(run.complete);
      EXPECT_EQ(schedule_of(run.outcome), run.schedule()) << run.outcome;
      const std::vector<FiberId> s = run.schedule();
      for (std::size_t f = 0; f < k.size(); ++f)
        EXPECT_EQ(std::count(s.begin(), s.end(), static_cast<FiberId>(f)), k[f])
            << describe(k) << " schedule " << format_schedule(s, program->fiber_names());
      ++expected[run.outcome];
    });
    ASSERT_EQ(expected.size(), multinomial(k)) << describe(k);
    // With every step in conflict, optimal reduction has nothing to remove either.
    for (Reduction reduction : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
      ExploreOptions o = every_schedule();
      o.reduction = reduction;
      const Report r = explore(*program, o);
      EXPECT_EQ(r.executions, multinomial(k)) << describe(k) << " " << to_string(reduction);
      std::map<std::string, std::uint64_t> got;
      for (const auto& oc : r.outcomes) got[oc.outcome] = oc.count;
      EXPECT_EQ(got, expected) << describe(k) << " " << to_string(reduction);
    }
  }
}

TEST(DepthFirstSearch, TriesFibersInIdOrder) {
  // a: 1 step, b: 2 steps. Siblings go in fiber order, deepest level first.
  auto program = history_program({1, 2});
  EXPECT_EQ(first_schedules(*program, 3), (std::vector<std::string>{"a b*2", "b a b", "b*2 a"}));
  const Report r = explore(*program, every_schedule());
  EXPECT_EQ(r.verdict, Verdict::Safe);
  EXPECT_EQ(r.executions, 3u);
}

TEST(DepthFirstSearch, BacktracksOverExecutionsOfDifferentLengths) {
  // a: 1 step. b: 1 step, and a second one only if a has not run yet. "a b" ends at depth 2,
  // and must not leave its levels on the stack when "b a b" and "b b a" follow.
  LambdaProgram prog;
  const ObjectId h = prog.add_int("h");
  prog.add_fiber("a", [&prog, h](Execution& ex) {
    append(prog, ex, h, "a: append");
    ex.observe("h", prog[h]);
  });
  prog.add_fiber("b", [&prog, h](Execution& ex) {
    if (append(prog, ex, h, "b: append") == 2) append(prog, ex, h, "b: append again");
    ex.observe("h", prog[h]);
  });
  EXPECT_EQ(first_schedules(prog, 3), (std::vector<std::string>{"a b", "b a b", "b*2 a"}));
  const Report r = explore(prog, every_schedule());
  EXPECT_EQ(r.executions, 3u);
  EXPECT_EQ(r.complete_executions, 3u);
  EXPECT_EQ(r.max_depth, 3u);
  EXPECT_EQ(r.steps, tree_steps(prog));  // a, a b, b, b a, b a b, b b, b b a
  EXPECT_EQ(r.steps, 7u);
}

TEST(AtomicSection, OffersNoChoiceDuringTheFirstSteps) {
  // a: 2 atomic steps, then 1; b: 2. Only a's last step interleaves with b's two.
  auto plain = atomic_program(0, 2, 1, 2, false);
  auto atomic = atomic_program(0, 2, 1, 2, true);
  const Report without = explore(*plain, every_schedule());
  ASSERT_EQ(without.executions, multinomial({3, 2}));  // the control: 10 schedules

  const Report r = explore(*atomic, every_schedule());
  EXPECT_EQ(r.verdict, Verdict::Safe);
  EXPECT_EQ(r.executions, multinomial({1, 2}));
  const auto schedules = schedules_in(r);
  EXPECT_EQ(schedules.size(), multinomial({1, 2}));
  for (const auto& s : schedules) {
    ASSERT_EQ(s.size(), 5u);
    EXPECT_EQ(s[0], 0u) << format_schedule(s, atomic->fiber_names());
    EXPECT_EQ(s[1], 0u) << format_schedule(s, atomic->fiber_names());
  }
}

}  // namespace
}  // namespace rw::engine::test
