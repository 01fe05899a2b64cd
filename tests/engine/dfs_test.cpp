// tests/engine/dfs_test.cpp: exhaustive DFS by re-execution, against brute-force counts.
// Oracle: if fiber i takes k_i steps that conflict with nobody, there are exactly
// (sum k_i)! / prod(k_i!) distinct schedules, and DFS without the state cache runs each once.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "engine/explorer.hpp"
#include "engine/strategies/dfs.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

const std::vector<std::vector<int>> kCases = {{1, 1}, {2, 1}, {2, 2}, {3, 2, 1}, {3, 3}};

TEST(DfsStrategy, VisitsEveryInterleavingExactlyOnce) {
  for (const auto& k : kCases) {
    auto program = independent_program(k);
    DfsStrategy dfs;
    RecordingStrategy recorder(dfs);
    const Report r = explore(*program, recorder, without_cache());
    const std::uint64_t expected = multinomial(k);
    EXPECT_EQ(r.verdict, Verdict::Safe) << describe(k);
    EXPECT_EQ(r.executions, expected) << describe(k);
    EXPECT_EQ(r.complete_executions, expected) << describe(k);
    EXPECT_EQ(r.pruned_executions, 0u) << describe(k);
    EXPECT_EQ(r.states, 0u) << describe(k);

    const auto& schedules = recorder.schedules();
    EXPECT_EQ(schedules.size(), expected) << describe(k);
    const std::set<std::vector<FiberId>> distinct(schedules.begin(), schedules.end());
    EXPECT_EQ(distinct.size(), expected) << describe(k);
    for (const auto& s : schedules) {
      // Each schedule is an interleaving: fiber i appears exactly k[i] times.
      for (std::size_t f = 0; f < k.size(); ++f)
        EXPECT_EQ(std::count(s.begin(), s.end(), static_cast<FiberId>(f)), k[f])
            << describe(k) << " schedule " << format_schedule(s, program->fiber_names());
    }
  }
}

TEST(DfsStrategy, TriesSiblingsInFiberOrderAndThenStops) {
  // Drives the strategy by hand over a tree of two levels of width 2 and 1 level of width 1.
  DfsStrategy dfs;
  const std::vector<FiberId> both = {0, 1};
  const std::vector<FiberId> only_b = {1};
  std::vector<std::vector<FiberId>> seen;
  while (dfs.begin_execution()) {
    ASSERT_LT(seen.size(), 10u) << "DFS does not terminate";
    std::vector<FiberId> s;
    s.push_back(dfs.pick(both, std::nullopt));
    s.push_back(dfs.pick(both, s.back()));
    s.push_back(dfs.pick(only_b, s.back()));
    seen.push_back(s);
  }
  const std::vector<std::vector<FiberId>> expected = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
  EXPECT_EQ(seen, expected);
}

TEST(DfsStrategy, BacktracksOverExecutionsOfDifferentLengths) {
  // A fiber that stops early (here: after a, the execution ends at depth 1) must not leave
  // levels of a longer earlier execution on the stack.
  DfsStrategy dfs;
  const std::vector<FiberId> both = {0, 1};
  std::vector<std::vector<FiberId>> seen;
  while (dfs.begin_execution()) {
    ASSERT_LT(seen.size(), 10u) << "DFS does not terminate";
    std::vector<FiberId> s;
    s.push_back(dfs.pick(both, std::nullopt));
    if (s.back() == 1) s.push_back(dfs.pick(both, s.back()));
    seen.push_back(s);
  }
  const std::vector<std::vector<FiberId>> expected = {{0}, {1, 0}, {1, 1}};
  EXPECT_EQ(seen, expected);
}

// Fiber a runs `before` steps, then `inside` steps in an atomic section, then `after` steps;
// fiber b runs `other` steps. All touch private counters, so only atomicity limits choices.
std::unique_ptr<LambdaProgram> atomic_program(int before, int inside, int after, int other,
                                              bool use_atomic) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId x = prog.add_int("x");
  const ObjectId y = prog.add_int("y");
  prog.add_fiber("a", [&prog, x, before, inside, after, use_atomic](Execution& ex) {
    for (int i = 0; i < before; ++i) prog.increment(ex, x, "a: before the section");
    if (use_atomic) ex.set_atomic(true);
    for (int i = 0; i < inside; ++i) prog.increment(ex, x, "a: inside the section");
    if (use_atomic) ex.set_atomic(false);
    for (int i = 0; i < after; ++i) prog.increment(ex, x, "a: after the section");
  });
  prog.add_fiber("b", [&prog, y, other](Execution& ex) {
    for (int i = 0; i < other; ++i) prog.increment(ex, y, "b: step");
  });
  return p;
}

TEST(AtomicSection, OffersNoChoiceDuringTheFirstSteps) {
  // a: 2 atomic steps, then 1; b: 2. Only a's last step interleaves with b's two.
  auto plain = atomic_program(0, 2, 1, 2, false);
  auto atomic = atomic_program(0, 2, 1, 2, true);
  const Report without = explore_dfs(*plain, without_cache());
  ASSERT_EQ(without.executions, multinomial({3, 2}));  // the control: 10 schedules

  DfsStrategy dfs;
  RecordingStrategy recorder(dfs);
  const Report r = explore(*atomic, recorder, without_cache());
  EXPECT_EQ(r.verdict, Verdict::Safe);
  EXPECT_EQ(r.executions, multinomial({1, 2}));
  for (const auto& s : recorder.schedules()) {
    ASSERT_GE(s.size(), 2u);
    EXPECT_EQ(s[0], 0u) << format_schedule(s, atomic->fiber_names());
    EXPECT_EQ(s[1], 0u) << format_schedule(s, atomic->fiber_names());
  }
}

TEST(AtomicSection, GluesItsStepsToTheStepBeforeIt) {
  // a: 1 step, then 2 atomic, then 1; b: 2. Once a takes its first step, its next two follow.
  // a is thus two units (1+2, then 1), and there are multinomial({2, 2}) schedules.
  auto atomic = atomic_program(1, 2, 1, 2, true);
  DfsStrategy dfs;
  RecordingStrategy recorder(dfs);
  const Report r = explore(*atomic, recorder, without_cache());
  EXPECT_EQ(r.verdict, Verdict::Safe);
  EXPECT_EQ(r.executions, multinomial({2, 2}));
  for (const auto& s : recorder.schedules()) {
    const auto first_a = std::find(s.begin(), s.end(), 0u);
    ASSERT_LE(first_a + 3, s.end());
    EXPECT_TRUE(first_a[1] == 0u && first_a[2] == 0u) << format_schedule(s, atomic->fiber_names());
  }

  // The trace marks the steps taken inside the section.
  const auto replayed = replay(*atomic, std::vector<FiberId>{0, 0, 0, 1, 1, 0});
  ASSERT_TRUE(replayed.has_value()) << replayed.error().message;
  std::vector<bool> atomic_flags;
  for (const auto& step : replayed->trace) atomic_flags.push_back(step.atomic);
  EXPECT_EQ(atomic_flags, (std::vector<bool>{false, true, true, false, false, false}));
}

}  // namespace
}  // namespace rw::engine::test
