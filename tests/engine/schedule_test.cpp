// tests/engine/schedule_test.cpp: schedules as people read and type them: the format/parse
// round trip, and the error (with its 1-based column) for each kind of bad text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/schedule.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

const std::vector<std::string> kAB = {"a", "b"};

TEST(ScheduleText, CompressesRunsAndParsesThemBack) {
  const std::vector<FiberId> schedule = {0, 0, 0, 1, 0};
  EXPECT_EQ(format_schedule(schedule, kAB), "a*3 b a");
  const auto parsed = parse_schedule("a*3 b a", kAB);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(*parsed, schedule);
}

TEST(ScheduleText, RoundTripsEverySmallSchedule) {
  const std::vector<std::string> names = {"opener", "rmmod", "c"};
  // Every schedule of length 1..5 over three fibers.
  for (std::size_t length = 1; length <= 5; ++length) {
    std::size_t combinations = 1;
    for (std::size_t i = 0; i < length; ++i) combinations *= names.size();
    for (std::size_t n = 0; n < combinations; ++n) {
      std::vector<FiberId> schedule;
      for (std::size_t i = 0, rest = n; i < length; ++i, rest /= names.size())
        schedule.push_back(static_cast<FiberId>(rest % names.size()));
      const std::string text = format_schedule(schedule, names);
      const auto parsed = parse_schedule(text, names);
      ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
      EXPECT_EQ(*parsed, schedule) << text;
    }
  }
}

TEST(ScheduleText, AcceptsAnExplicitCountOfOneAndExtraSpaces) {
  const auto parsed = parse_schedule("  a*1   b*2 a ", kAB);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(*parsed, (std::vector<FiberId>{0, 1, 1, 0}));
}

TEST(ScheduleText, NamesAnUnknownFiberAndItsColumn) {
  const auto parsed = parse_schedule("a b*2 c a", kAB);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().column, 7u);
  EXPECT_TRUE(contains(parsed.error().message, "unknown fiber 'c'")) << parsed.error().message;
  EXPECT_TRUE(contains(parsed.error().message, "a, b")) << parsed.error().message;
}

TEST(ScheduleText, RejectsARepeatCountOfZero) {
  const auto parsed = parse_schedule("a*0", kAB);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().column, 3u);
  EXPECT_TRUE(contains(parsed.error().message, "repeat count")) << parsed.error().message;
}

TEST(ScheduleText, RejectsARepeatCountThatIsNotANumber) {
  for (const char* text : {"a*x", "a*", "a*-1"}) {
    const auto parsed = parse_schedule(text, kAB);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().column, 3u) << text;
    EXPECT_TRUE(contains(parsed.error().message, "repeat count"))
        << text << ": " << parsed.error().message;
  }
  const auto later = parse_schedule("b*2 a*x", kAB);
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().column, 7u);
}

TEST(ScheduleText, RejectsARepeatCountTooLargeToBeASchedule) {
  const auto parsed = parse_schedule("a*99999999999999999999999", kAB);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().column, 3u);
}

TEST(ScheduleText, RejectsAStarWithoutAName) {
  const auto parsed = parse_schedule("a *2", kAB);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().column, 3u);
}

TEST(ScheduleText, RejectsAnEmptySchedule) {
  for (const char* text : {"", "   ", "\n"}) {
    const auto parsed = parse_schedule(text, kAB);
    ASSERT_FALSE(parsed.has_value()) << '\'' << text << '\'';
    EXPECT_EQ(parsed.error().column, 0u);
    EXPECT_TRUE(contains(parsed.error().message, "empty")) << parsed.error().message;
  }
}

}  // namespace
}  // namespace rw::engine::test
