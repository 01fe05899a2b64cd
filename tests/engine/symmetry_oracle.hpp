// tests/engine/symmetry_oracle.hpp: a search with symmetry against the truth of running every
// schedule (random_programs.hpp's brute_force): outcomes compared up to renaming the fibers of a
// class, violations replayed. Shared by symmetry_test.cpp and tests/regressions.
#pragma once
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "engine/explorer.hpp"
#include "random_programs.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {

inline std::set<std::string> canonical_texts(const Program& program, const Report& r) {
  const std::vector<std::uint32_t> classes = program.fiber_classes();
  std::set<std::string> s;
  for (const auto& o : r.outcomes) s.insert(canonical_outcome(program.fiber_names(), classes, o.outcome));
  return s;
}

inline std::set<std::string> kinds(const Report& r) {
  std::set<std::string> s(r.other_kinds.begin(), r.other_kinds.end());
  if (r.violation) s.insert(r.violation->kind);
  return s;
}

// No program has a violation of this kind: a search for it goes on through every other
// violation, so its outcomes and the kinds it met can be compared with the truth's.
inline constexpr const char* kNoSuchKind = "no-such-kind";

// The stateful exhaustive search (state cache on) with or without symmetry.
inline ExploreOptions cached_search(Reduction reduction, bool symmetry) {
  ExploreOptions o;
  o.reduction = reduction;
  o.state_cache = true;
  o.symmetry = symmetry;
  o.shrink = false;  // the schedule found is enough here; expect_agrees replays it
  return o;
}

inline std::string describe(const ExploreOptions& o) {
  return fmt::format("reduction {}, symmetry {}{}{}{}{}", to_string(o.reduction), o.symmetry ? "on" : "off",
                     o.preemption_bound ? fmt::format(", preemption bound {}", *o.preemption_bound) : "",
                     o.jobs > 1 ? fmt::format(", jobs {}", o.jobs) : "",
                     o.shard_count > 1 ? fmt::format(", {} shards", o.shard_count) : "",
                     o.target_kind.empty() ? "" : ", target " + o.target_kind);
}

// The verdict of one search against the truth: safe with every outcome, or a violation of a
// kind that occurs (which replays). With target kNoSuchKind: every kind and every outcome.
// A bounded search (`truth` of the schedules within the bound, `whole` of all) may still prove
// the program safe: when the states its bound cut were reached within the bound as well.
inline void expect_agrees(Program& program, const Report& r, const Truth& truth, const ExploreOptions& o,
                          const Truth* whole = nullptr) {
  SCOPED_TRACE(describe(o));
  ASSERT_NE(r.verdict, Verdict::Error) << r.error;
  if (truth.safe()) {
    EXPECT_FALSE(r.violation.has_value());
    EXPECT_EQ(canonical_texts(program, r), truth.outcomes);
    if (!truth.cut) {
      EXPECT_EQ(r.verdict, Verdict::Safe) << r.incomplete_reason;
    } else if (r.verdict == Verdict::Safe) {
      ASSERT_NE(whole, nullptr);
      EXPECT_FALSE(r.bound_cut);
      EXPECT_TRUE(whole->safe());
      EXPECT_EQ(truth.outcomes, whole->outcomes);
    } else {
      EXPECT_EQ(r.verdict, Verdict::Incomplete);
      EXPECT_TRUE(r.bound_cut);
    }
    return;
  }
  ASSERT_EQ(r.verdict, Verdict::Violation);
  EXPECT_TRUE(truth.violations.contains(r.violation->kind)) << r.violation->kind;
  const auto again = replay(program, r.violation->schedule);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  ASSERT_TRUE(again->violation.has_value());
  EXPECT_EQ(again->violation->kind, r.violation->kind);
  if (!o.target_kind.empty()) {
    EXPECT_EQ(kinds(r), truth.violations);
    EXPECT_EQ(canonical_texts(program, r), truth.outcomes);
  }
}

}  // namespace rw::engine::test
