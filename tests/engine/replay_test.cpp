// tests/engine/replay_test.cpp: re-running one schedule. A violation's schedule replays to the
// identical report; a schedule that does not fit the program is an error naming the step; and
// shrinking finds the schedule with the fewest preemptions.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/explorer.hpp"
#include "engine/schedule.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

TEST(Replay, ReproducesTheViolationExploreFound) {
  auto program = lost_update_program();
  const auto& names = program->fiber_names();
  for (bool cache : {true, false}) {
    ExploreOptions o;
    o.state_cache = cache;
    const Report r = explore(*program, o);
    ASSERT_EQ(r.verdict, Verdict::Violation) << "cache " << cache;
    const Violation& found = *r.violation;

    // Save the schedule as text, read it back, and replay it.
    const std::string text = format_schedule(found.schedule, names);
    const auto parsed = parse_schedule(text, names);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, found.schedule);
    const auto again = replay(*program, *parsed);
    ASSERT_TRUE(again.has_value()) << again.error().message;
    ASSERT_TRUE(again->violation.has_value()) << text;
    EXPECT_EQ(again->violation->kind, found.kind);
    EXPECT_EQ(again->violation->message, found.message);
    EXPECT_EQ(again->violation->fiber, found.fiber);
    EXPECT_EQ(again->violation->schedule, found.schedule);
    EXPECT_EQ(again->violation->trace, found.trace);
    EXPECT_EQ(again->violation->preemptions, found.preemptions);
    EXPECT_EQ(again->trace, found.trace);
    EXPECT_TRUE(again->outcome.empty());

    // The trace is the readable story: every step, the model's notes, and the violation.
    ASSERT_EQ(found.trace.size(), found.schedule.size());
    for (std::size_t i = 0; i < found.trace.size(); ++i) {
      EXPECT_EQ(found.trace[i].fiber, found.schedule[i]);
      EXPECT_FALSE(found.trace[i].label.empty());
      EXPECT_TRUE(contains(found.trace[i].where, "test_programs.hpp:")) << found.trace[i].where;
    }
    EXPECT_TRUE(contains(found.trace.back().detail, found.message)) << found.trace.back().detail;
    int notes = 0;
    for (const auto& step : found.trace) notes += contains(step.detail, "x 0 -> 1") ? 1 : 0;
    EXPECT_EQ(notes, 2);  // both increments read 0: that is the lost update
  }
}

TEST(Replay, TraceNamesTheModelFileFromTheProjectRoot) {
  // The steps of lost_update_program() are announced in tests/engine/test_programs.hpp; a
  // trace that says engine/test_programs.hpp points at a file that does not exist.
  auto program = lost_update_program();
  const auto r = replay(*program, std::vector<FiberId>{0, 0, 0, 1, 1, 1, 2});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_FALSE(r->trace.empty());
  for (const auto& step : r->trace)
    EXPECT_TRUE(step.where.starts_with("tests/engine/test_programs.hpp:")) << step.where;
}

TEST(Replay, GivesTheOutcomeOfACompleteExecution) {
  auto program = lost_update_program();
  const auto schedule = parse_schedule("a*3 b*3 checker", program->fiber_names());
  ASSERT_TRUE(schedule.has_value());
  const auto r = replay(*program, *schedule);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->violation.has_value());
  EXPECT_EQ(r->outcome, "a: - | b: - | checker: x=2");
  EXPECT_EQ(r->trace.size(), 7u);
  EXPECT_EQ(r->preemptions, 0u);
}

// a: one step. b: takes m, one step, drops m. c: takes m, drops m.
// Its complete schedules have six steps, for example "a b*3 c*2".
std::unique_ptr<LambdaProgram> misfit_program() {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId m = prog.add_lock("m");
  const ObjectId x = prog.add_int("x");
  const ObjectId y = prog.add_int("y");
  prog.add_fiber("a", [&prog, x](Execution& ex) { prog.increment(ex, x, "a: ++x"); });
  prog.add_fiber("b", [&prog, m, y](Execution& ex) {
    ex.lock(m, "b: take m");
    prog.increment(ex, y, "b: ++y");
    ex.unlock(m, "b: drop m");
  });
  prog.add_fiber("c", [m](Execution& ex) {
    ex.lock(m, "c: take m");
    ex.unlock(m, "c: drop m");
  });
  return p;
}

std::string replay_error(Program& program, const char* text) {
  const auto schedule = parse_schedule(text, program.fiber_names());
  if (!schedule) return "parse error: " + schedule.error().message;
  const auto r = replay(program, *schedule);
  if (r) return {};
  EXPECT_EQ(r.error().column, 0u);
  return r.error().message;
}

TEST(Replay, AcceptsACompleteScheduleThatFits) {
  auto program = misfit_program();
  EXPECT_EQ(replay_error(*program, "a b*3 c*2"), "");
  EXPECT_EQ(replay_error(*program, "c*2 b*3 a"), "");
}

TEST(Replay, RejectsAStepThatPicksAFinishedFiber) {
  auto program = misfit_program();
  const std::string e = replay_error(*program, "a a b*3 c*2");
  EXPECT_TRUE(contains(e, "step 2 picks 'a'")) << e;
  EXPECT_TRUE(contains(e, "runnable: b, c")) << e;
}

TEST(Replay, RejectsAStepThatPicksABlockedFiber) {
  auto program = misfit_program();
  const std::string e = replay_error(*program, "b c b b c c a");
  EXPECT_TRUE(contains(e, "step 2 picks 'c'")) << e;
  EXPECT_TRUE(contains(e, "runnable: a, b")) << e;
}

TEST(Replay, RejectsAScheduleThatEndsTooEarly) {
  auto program = misfit_program();
  const std::string e = replay_error(*program, "a b");
  EXPECT_TRUE(contains(e, "ends after 2 steps")) << e;
  EXPECT_TRUE(contains(e, "goes on")) << e;
}

TEST(Replay, RejectsAScheduleThatGoesOnAfterTheEnd) {
  auto program = misfit_program();
  const std::string e = replay_error(*program, "a b*3 c*2 a");
  EXPECT_TRUE(contains(e, "has 7 steps")) << e;
  EXPECT_TRUE(contains(e, "ends after step 6")) << e;
}

TEST(Replay, RejectsAScheduleThatGoesOnAfterAViolation) {
  auto program = lost_update_program();
  const Report r = explore(*program);
  ASSERT_TRUE(r.violation.has_value());
  std::vector<FiberId> longer = r.violation->schedule;
  longer.push_back(0);
  const auto again = replay(*program, longer);
  ASSERT_FALSE(again.has_value());
  EXPECT_TRUE(contains(again.error().message, fmt::format("ends after step {}", longer.size() - 1)))
      << again.error().message;
  EXPECT_TRUE(contains(again.error().message, "lost-update")) << again.error().message;
}

TEST(Replay, RejectsAFiberTheProgramDoesNotHave) {
  // replay() takes ids, not text: an id past the last fiber is a misfit like any other.
  auto program = misfit_program();
  const std::vector<FiberId> schedule = {7};
  std::expected<Replay, ScheduleError> r = Replay{};
  EXPECT_NO_THROW(r = replay(*program, schedule));
  EXPECT_FALSE(r.has_value());
  if (!r) {
    EXPECT_TRUE(contains(r.error().message, "step 1")) << r.error().message;
  }
}

TEST(ShrinkViolation, FindsTheScheduleWithTheFewestPreemptions) {
  auto program = overwrite_program();
  const auto& names = program->fiber_names();
  ExploreOptions plain;
  plain.shrink = false;
  const Report dfs = explore(*program, plain);
  ASSERT_EQ(dfs.verdict, Verdict::Violation);
  ASSERT_EQ(dfs.violation->preemptions, 2u) << format_schedule(dfs.violation->schedule, names);

  const auto shrunk = shrink_violation(*program, "overwritten", 10'000);
  ASSERT_TRUE(shrunk.has_value());
  EXPECT_EQ(format_schedule(*shrunk, names), "victim disturber*3 victim");
  EXPECT_LE(shrunk->size(), dfs.violation->schedule.size());
  const auto again = replay(*program, *shrunk);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  ASSERT_TRUE(again->violation.has_value());
  EXPECT_EQ(again->violation->kind, "overwritten");
  EXPECT_EQ(again->violation->preemptions, 1u);

  // explore() shows the shrunk schedule, and remembers how long the one DFS found was.
  const Report shown = explore(*program);
  ASSERT_EQ(shown.verdict, Verdict::Violation);
  EXPECT_EQ(shown.violation->schedule, *shrunk);
  EXPECT_EQ(shown.violation->preemptions, 1u);
  EXPECT_EQ(shown.violation_dfs_steps, dfs.violation->schedule.size());
}

TEST(ShrinkViolation, PrefersFewerStepsAmongEqualPreemptions) {
  // `setter` sets x and `checker` fails once it sees it. DFS runs `pad` first and finds
  // "pad*3 setter checker"; "setter checker" has no preemption either, and two steps.
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  const ObjectId q = prog.add_int("q");
  prog.add_fiber("pad", [&prog, q](Execution& ex) {
    for (int i = 0; i < 3; ++i) prog.increment(ex, q, "pad: ++q");
  });
  prog.add_fiber("setter", [&prog, x](Execution& ex) { prog.write(ex, x, 1, "setter: x = 1"); });
  prog.add_fiber("checker", [&prog, x](Execution& ex) {
    if (prog.read(ex, x, "checker: read x") == 1) ex.fail("saw-x", "checker saw x = 1");
  });
  ExploreOptions plain;
  plain.shrink = false;
  const Report dfs = explore(prog, plain);
  ASSERT_EQ(dfs.verdict, Verdict::Violation);
  ASSERT_EQ(format_schedule(dfs.violation->schedule, prog.fiber_names()), "pad*3 setter checker");

  const auto shrunk = shrink_violation(prog, "saw-x", 10'000);
  ASSERT_TRUE(shrunk.has_value());
  EXPECT_EQ(format_schedule(*shrunk, prog.fiber_names()), "setter checker");
  const Report shown = explore(prog);
  EXPECT_EQ(shown.violation->schedule, *shrunk);
  EXPECT_EQ(shown.violation->preemptions, 0u);
  EXPECT_EQ(shown.violation_dfs_steps, 5u);
}

TEST(ShrinkViolation, ReturnsNothingForAKindThatNeverHappens) {
  auto program = overwrite_program();
  EXPECT_FALSE(shrink_violation(*program, "no-such-kind", 10'000).has_value());
  EXPECT_FALSE(shrink_violation(*program, "overwritten", 0).has_value());
}

}  // namespace
}  // namespace rw::engine::test
