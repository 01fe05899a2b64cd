// tests/regressions/model_regression_test.cpp: engine bugs found through the kernel models, one
// scenario each, with the hand-written schedules and the unreduced search that showed the
// outcome the search missed. The suite names what went wrong and the comment above it the commit
// that fixed it; the same bug's cut-down programs are in engine_regression_test.cpp.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "driver.hpp"
#include "engine/explorer.hpp"
#include "models/check.hpp"

namespace rw::models::testing {
namespace {

// Fixed by 2ced0d4 (engine/search.cpp: race an acquire with the holder's acquire of the lock
// even when a later step of the holder, a merged mover event or a wide event, orders them):
// the search explored one order of two critical sections and never the other. Each
// TheSearchFinds... test below is one way the models met it; the others show by hand, or
// without reduction, that the outcome it missed is reachable.

// The owner pin with the file held on CPU 1 and rmmod on CPU 0: rmmod before the close is
// refused, after it succeeds. Both are reachable by hand (first test); the search must find both.
// (era_test.cpp's old_kernel(kOwnerPin24, ...), written out.)
const std::string kHeldOnCpu1 =
    "name = \"t\"\nkernel = \"2.6.24\"\n[module.chardev]\n"
    "fops.owner = \"THIS_MODULE\"\nfops.open = [\"work\", \"return 0\"]\n"
    "[fiber.opener]\ncpu = 1\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
    "[fiber.rmmod]\ncpu = 0\nrun = [\"rmmod chardev\"]\n"
    "\n[expect]\nverdict = \"safe\"\n";

TEST(HiddenLockRace, RmmodBeforeTheCloseOnTheOtherCpuIsRefusedByHand) {
  Driver d(kHeldOnCpu1);
  d.finish("rmmod");
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK");
}

TEST(HiddenLockRace, TheSearchFindsRmmodBeforeAndAfterACloseOnTheOtherCpu) {
  // Regression (engine/search/, DPOR with Lipton movers): the search used to explore one
  // execution and report only "rmmod=0". The close's module_put span is the event {lock cpu1, local_dec
  // ref[1]}, then {read state}; rmmod's stop_machine on CPU 1 is one merged event {lock cpu1,
  // read ref[0], read ref[1], write state}. {read state} -> {write state} orders the two
  // acquisitions of cpu1 in happens-before, so their race is never reported, and the race that
  // is (read state vs rmmod's event) cannot be reversed while the closer holds cpu1. The same
  // masking as TheSearchFindsLsmodBeforeAndAfterRmmod, here made by a merged mover event.
  // track() now races each acquire with the holder's earlier acquire of that lock even when a
  // later step of the holder orders them.
  const auto c = check_all(kHeldOnCpu1);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK",
                                               "opener: open=0 close=0 | rmmod: rmmod=0"}));
}

TEST(HiddenLockRace, WithoutReductionTheSearchFindsBothOrdersOnTheOtherCpu) {
  const Scenario s = parse_or_die(kHeldOnCpu1);
  engine::ExploreOptions opt;
  opt.reduction = engine::Reduction::None;
  const CheckResult r = check_scenario(s, opt);
  std::set<std::string> got;
  for (const auto& o : r.report.outcomes) got.insert(o.outcome);
  EXPECT_EQ(got, (std::set<std::string>{"opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK",
                                        "opener: open=0 close=0 | rmmod: rmmod=0"}));
}

// A module with no device, rmmod and lsmod: lsmod before rmmod prints 0, after it no line.
const std::string kRmmodAndLsmod24 =
    "name = \"t\"\nkernel = \"2.6.24\"\n[module.m]\nregister = \"none\"\n"
    "[fiber.rmmod]\nrun = [\"rmmod m\"]\n[fiber.shell]\nrun = [\"lsmod m\"]\n[expect]\nverdict = \"safe\"\n";

TEST(HiddenLockRace, LsmodBeforeRmmodPrintsZeroByHand) {
  Driver d(kRmmodAndLsmod24);
  d.finish("shell");
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | shell: lsmod=0");
}

TEST(HiddenLockRace, TheSearchFindsLsmodBeforeAndAfterRmmod) {
  // Regression (engine/search/): the default search used to explore 1 execution and report
  // only "lsmod=-". In 2.6.24 free_module runs under module_mutex and ends with release_data's atomic
  // section, which writes 6 objects (more than kEventAccesses = 4): a `wide` event, dependent on
  // everything, lsmod's acquire of module_mutex included. That dependence orders rmmod's
  // acquire of module_mutex before lsmod's in happens-before, so their race is never reported;
  // the race that is reported (wide event vs lsmod's acquire) cannot be reversed, since lsmod
  // cannot take the mutex while rmmod holds it. Reduction::None finds "lsmod=0" too. The same
  // masking happens with Lipton movers (an acquire merged with a conflicting access).
  const auto c = check_all(kRmmodAndLsmod24);
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"rmmod: rmmod=0 | shell: lsmod=-", "rmmod: rmmod=0 | shell: lsmod=0"}));
}

// The loader's scenario, kInitFails24, is in driver.hpp.
TEST(HiddenLockRace, TheSearchFindsRmmodDuringAFailingInit) {
  // Regression: the one of TheSearchFindsLsmodBeforeAndAfterRmmod. The loader's free_module
  // (after the failed init) holds module_mutex across release_data's wide event; rmmod's
  // -EBUSY while COMING (era_test.cpp's Insmod.AFailedInitUnloadsTheModuleAgain) is never explored.
  const auto c = check_all(kInitFails24);
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"loader: insmod=-ENOMEM lsmod=- | rmmod: rmmod=-EBUSY",
                                               "loader: insmod=-ENOMEM lsmod=- | rmmod: rmmod=-ENOENT"}));
}

}  // namespace
}  // namespace rw::models::testing
