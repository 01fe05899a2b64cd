// tests/models/scale_test.cpp: the owner pin's state counts where a run takes tens of seconds
// (ctest label `heavy`; `ctest -LE heavy` leaves them out): four openers without symmetry and
// five with it. The smaller ones are in symmetry_model_test.cpp.
#include <gtest/gtest.h>

#include "owner_pin_scale.hpp"

namespace rw::models {
namespace {

TEST(OwnerPinScale, FourOpenersWithoutSymmetry) {
  const Counts p = check(4, false, nullptr, 100'000'000);
  EXPECT_EQ(p.executions, 15986789u);
  EXPECT_EQ(p.states, 7807009u);
}

TEST(OwnerPinScale, FiveOpenersWithSymmetry) {
  const Counts s = check(5, true, nullptr, 100'000'000);
  EXPECT_EQ(s.executions, 10229613u);
  EXPECT_EQ(s.states, 2940249u);
}

}  // namespace
}  // namespace rw::models
