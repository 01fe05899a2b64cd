// tests/engine/sampling_test.cpp: the sampling strategies, random walks and PCT: a run is
// reproducible from its seed, different seeds sample differently, a shallow violation is found
// (and replays), and a sample without a violation is never a proof (incomplete, and every outcome
// it meets is one that running every schedule meets too).
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "engine/explorer.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

ExploreOptions randomized(std::string kind, std::uint64_t seed, std::uint64_t iterations) {
  ExploreOptions o;
  o.strategy = kind;
  o.seed = seed;
  o.iterations = iterations;
  o.shrink = false;
  return o;
}

void expect_same(const Report& a, const Report& b) {
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(a.executions, b.executions);
  EXPECT_EQ(a.complete_executions, b.complete_executions);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.outcomes, b.outcomes);
  EXPECT_EQ(a.strategy_number("probability"), b.strategy_number("probability"));
  ASSERT_EQ(a.violation.has_value(), b.violation.has_value());
  if (!a.violation) return;
  EXPECT_EQ(a.violation->kind, b.violation->kind);
  EXPECT_EQ(a.violation->schedule, b.violation->schedule);
  EXPECT_EQ(a.violation->execution, b.violation->execution);
}

TEST(Randomized, GivesTheSameReportForTheSameSeed) {
  for (std::string kind : {"random", "pct"}) {
    for (bool violating : {false, true}) {
      SCOPED_TRACE(fmt::format("{}, {}", kind, violating ? "lost update" : "racy reads"));
      auto program = violating ? lost_update_program() : racy_reads_program();
      auto twin = violating ? lost_update_program() : racy_reads_program();
      const Report first = explore(*program, randomized(kind, 42, 200));
      const Report again = explore(*program, randomized(kind, 42, 200));
      const Report other_program = explore(*twin, randomized(kind, 42, 200));
      expect_same(first, again);
      expect_same(first, other_program);
      EXPECT_EQ(first.strategy, kind);
      EXPECT_EQ(first.seed, 42u);
      EXPECT_FALSE(first.state_cache);
    }
  }
}

TEST(Randomized, DifferentSeedsSampleDifferently) {
  // Not a guarantee for any two seeds, but these two runs of 20 walks must not coincide.
  auto program = racy_reads_program();
  const Report a = explore(*program, randomized("random", 1, 20));
  const Report b = explore(*program, randomized("random", 2, 20));
  EXPECT_NE(a.outcomes, b.outcomes);
}

TEST(Randomized, FindsAShallowViolation) {
  auto program = lost_update_program();
  for (std::string kind : {"random", "pct"}) {
    SCOPED_TRACE(kind);
    const Report r = explore(*program, randomized(kind, 3, 1000));
    ASSERT_EQ(r.verdict, Verdict::Violation) << r.incomplete_reason;
    EXPECT_EQ(r.violation->kind, "lost-update");
    EXPECT_LE(r.violation->execution, 1000u);
    EXPECT_EQ(r.executions, r.violation->execution);  // it stops at the violation
    // The schedule replays to the same violation.
    const auto again = replay(*program, r.violation->schedule);
    ASSERT_TRUE(again.has_value()) << again.error().message;
    ASSERT_TRUE(again->violation.has_value());
    EXPECT_EQ(again->violation->kind, "lost-update");
  }
}

TEST(Randomized, IsIncompleteWithoutAViolation) {
  // A sample is never a proof, even one that happens to meet every outcome.
  auto program = racy_reads_program();
  for (std::string kind : {"random", "pct"}) {
    SCOPED_TRACE(kind);
    const Report r = explore(*program, randomized(kind, 5, 300));
    EXPECT_EQ(r.verdict, Verdict::Incomplete);
    EXPECT_FALSE(r.violation.has_value());
    EXPECT_EQ(r.executions, 300u);
    EXPECT_EQ(r.complete_executions, 300u);
    EXPECT_FALSE(r.incomplete_reason.empty());
    EXPECT_EQ(r.reduction, "none");
    // Every outcome seen is a real one.
    const auto all = outcome_texts(explore(*program, every_schedule()));
    for (const auto& o : outcome_texts(r)) EXPECT_TRUE(all.contains(o)) << o;
    if (kind == "pct") {
      EXPECT_GT(r.strategy_number("probability"), 0.0);
      EXPECT_LE(r.strategy_number("probability"), 1.0);
      EXPECT_EQ(r.strategy_number("depth"), 3.0);
    } else {
      EXPECT_EQ(r.strategy_number("probability"), 0.0);
    }
  }
}

}  // namespace
}  // namespace rw::engine::test
