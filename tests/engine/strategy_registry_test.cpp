// tests/engine/strategy_registry_test.cpp: adding a strategy is one class and one registry line.
// A trivial round-robin strategy, registered here, runs through explore() by name like the
// built-in ones, and the registry lists it for messages and --help.
#include <gtest/gtest.h>

#include "engine/strategies/registry.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

// Runs the fiber after the current one (in id order, wrapping around) at every schedule point.
class RoundRobinStrategy final : public Strategy {
 public:
  void begin_execution(std::uint64_t) override {}
  FiberId pick(std::span<const FiberId> runnable, std::optional<FiberId> current) override {
    if (current)
      for (FiberId f : runnable)
        if (f > *current) return f;
    return runnable.front();
  }
  std::string_view name() const override { return "round-robin"; }
};

void register_round_robin() {
  static const bool once = [] {
    register_strategy({"round-robin", "each fiber in turn", [](const StrategySettings&) -> std::unique_ptr<Strategy> {
                         return std::make_unique<RoundRobinStrategy>();
                       }});
    return true;
  }();
  (void)once;
}

TEST(StrategyRegistry, ListsTheBuiltInStrategiesWithDfsFirstAndExhaustive) {
  ASSERT_GE(strategies().size(), 3u);
  EXPECT_EQ(strategies()[0].name, "dfs");
  EXPECT_TRUE(strategies()[0].exhaustive());
  ASSERT_NE(find_strategy("pct"), nullptr);
  EXPECT_TRUE(find_strategy("pct")->takes_depth);
  ASSERT_NE(find_strategy("random"), nullptr);
  EXPECT_FALSE(find_strategy("random")->takes_depth);
  EXPECT_EQ(find_strategy("nonesuch"), nullptr);
}

TEST(StrategyRegistry, ARegisteredRoundRobinRunsByNameAndFindsTheLostUpdateAtOnce) {
  register_round_robin();
  ASSERT_NE(find_strategy("round-robin"), nullptr);
  EXPECT_NE(strategy_names().find("round-robin"), std::string::npos);
  auto program = lost_update_program();
  ExploreOptions o;
  o.strategy = "round-robin";
  o.iterations = 5;
  const Report r = explore(*program, o);
  EXPECT_EQ(r.strategy, "round-robin");
  // a and b alternate: both read x = 0 before either writes, on the first execution.
  EXPECT_EQ(r.verdict, Verdict::Violation);
  ASSERT_TRUE(r.violation.has_value());
  EXPECT_EQ(r.violation->kind, "lost-update");
  EXPECT_EQ(r.violation->execution, 1u);
  EXPECT_FALSE(r.state_cache);
}

TEST(StrategyRegistry, ARegisteredStrategyNamesItselfWhenItFindsNothing) {
  register_round_robin();
  auto program = independent_program({2, 2});
  ExploreOptions o;
  o.strategy = "round-robin";
  o.iterations = 3;
  const Report r = explore(*program, o);
  EXPECT_EQ(r.verdict, Verdict::Incomplete);
  EXPECT_EQ(r.executions, 3u);
  EXPECT_EQ(r.outcomes.size(), 1u);  // the same schedule every time
  EXPECT_EQ(r.incomplete_reason, "round-robin search: 3 executions found no violation; a sample, not a proof");
  EXPECT_TRUE(r.strategy_fields.empty());  // it has nothing of its own to report
}

TEST(StrategyRegistry, PctReportsItsDepthAndBoundThroughItsHook) {
  auto program = lost_update_program();
  ExploreOptions o;
  o.strategy = "pct";
  o.pct_depth = 2;
  o.iterations = 50;
  o.shrink = false;
  const Report r = explore(*program, o);
  ASSERT_EQ(r.strategy_fields.size(), 2u);
  EXPECT_EQ(r.strategy_fields[0].key, "depth");
  EXPECT_EQ(r.strategy_number("depth"), 2.0);
  EXPECT_GT(r.strategy_number("probability"), 0.0);
  EXPECT_NE(r.strategy_summary.find("depth 2"), std::string::npos) << r.strategy_summary;
}

}  // namespace
}  // namespace rw::engine::test
