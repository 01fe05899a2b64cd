// tests/models/era_test.cpp: the 2.6.24 era (per-CPU local_t counts, get_cpu..put_cpu spans,
// stop_machine, rmmod -w/-f, free_module's stop_machine), forced unload today, insmod, lsmod and
// the userspace rmmod tools (shared/KERNEL.md §1-3, §8, W1, W9, W10, W13, W14), driven by
// hand-written schedules, and a few whole scenarios checked exhaustively. The engine bugs that
// whole scenarios found are pinned in tests/regressions.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "driver.hpp"
#include "engine/explorer.hpp"
#include "models/check.hpp"

namespace rw::models::testing {
namespace {

// A scenario in the given era ("2.6.24" or "modern") with one module, chardev.
std::string in_era(const std::string& era, const std::string& module_lines, const std::string& fibers) {
  return "name = \"t\"\nkernel = \"" + era + "\"\n[module.chardev]\n" + module_lines + "\n" + fibers +
         "\n[expect]\nverdict = \"safe\"\n";
}
std::string old_kernel(const std::string& module_lines, const std::string& fibers) {
  return in_era("2.6.24", module_lines, fibers);
}
// The same, expecting a violation of `kind`: the search goes on until it finds that kind.
std::string expecting(std::string toml, const std::string& kind) {
  const auto at = toml.rfind("verdict = \"safe\"");
  return toml.replace(at, std::string::npos, "verdict = \"violation\"\nkind = \"" + kind + "\"\n");
}




// LKMPG's chardev.c (W1): no .owner, the module pins itself inside its own open.
const char* kSelfGet =
    "fops.owner = \"NULL\"\nfops.open = [\"try_module_get(THIS_MODULE)\", \"return 0\"]\n"
    "fops.release = [\"module_put(THIS_MODULE)\", \"return 0\"]";

// ---- The preempt-disabled span and stop_machine (§2.1, §3.2) ---------------------------------

TEST(StopMachine, CannotStartWhileAnOpenerIsInsideTryModuleGetsGetCpuSpan) {
  Driver d(old_kernel(kSelfGet, "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.until("opener", "try_module_get: module_is_live");  // get_cpu() taken: CPU 0's lock held
  EXPECT_EQ(d.task("opener").cpu, 0);
  EXPECT_EQ(d.task("opener").preempt_count, 1);
  d.until("rmmod", "stop_machine: CPU 0's stopper thread");
  EXPECT_FALSE(d.runnable("rmmod"));  // the stopper cannot take CPU 0 inside the span
  d.until("opener", "chardev->open: return 0");  // state read, local_inc, put_cpu
  EXPECT_EQ(d.task("opener").preempt_count, 0);
  EXPECT_TRUE(d.runnable("rmmod"));
  d.finish("rmmod");  // __try_stop_module sees the opener's increment
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0 | rmmod: rmmod=-EWOULDBLOCK");
  EXPECT_EQ(d.mod().state, ModuleState::Live);
  EXPECT_EQ(d.mod().ref[0], 1);
}

TEST(StopMachine, WaitsForASpanOnTheSecondCpuAfterTakingTheFirst) {
  Driver d(old_kernel(kSelfGet, "[fiber.opener]\ncpu = 1\nrun = [\"open /dev/chardev\"]\n"
                                "[fiber.rmmod]\ncpu = 0\nrun = [\"rmmod chardev\"]\n"));
  d.until("opener", "try_module_get: module_is_live");
  d.until("rmmod", "stop_machine: CPU 1's stopper thread");  // CPU 0 is stopped already
  EXPECT_FALSE(d.runnable("rmmod"));
  d.finish("opener");
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=0 | rmmod: rmmod=-EWOULDBLOCK");
  EXPECT_EQ(d.mod().ref[0], 0);
  EXPECT_EQ(d.mod().ref[1], 1);
}

TEST(StopMachine, AGoingModuleFailsTheGetOnceTheStopWentFirst) {
  Driver d(old_kernel(kSelfGet, "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.until("opener", "try_module_get: cpu = get_cpu()");
  d.until("rmmod", "delete_module: mutex_unlock(&module_mutex)");  // GOING, exit() not yet run
  EXPECT_EQ(d.mod().state, ModuleState::Going);
  d.finish("opener");  // LKMPG ignores the failure: open succeeds with nothing pinned
  EXPECT_EQ(d.mod().ref[0], 0);
  EXPECT_EQ(d.outcome(), "opener: open=0 | rmmod: -");
}

TEST(StopMachine, RunsBetweenTheVfsCallIntoOpenAndTheModulesOwnGet) {
  // W1: at the top of ->open the opener is in module text but in no preempt-disabled span.
  Driver d(old_kernel(kSelfGet, "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.until("opener", "chardev->open: try_module_get(THIS_MODULE)");
  EXPECT_EQ(d.task("opener").preempt_count, 0);
  d.finish("rmmod");
  EXPECT_TRUE(d.mod().text_freed);
  EXPECT_EQ(d.outcome(), "opener: - | rmmod: rmmod=0");
  EXPECT_THROW(d.take("opener"), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kCodeAfterUnload);
}

TEST(StopMachine, FreeModuleWaitsForTheTailOfAModulePutThatReadsTheWaiter) {
  // §3.3: module_put reads mod->state and mod->waiter after its decrement; free_module's
  // stop_machine(__unlink_module) cannot overlap that span, so the memory is still there.
  Driver d(old_kernel("fops.owner = \"THIS_MODULE\"\nfops.open = [\"work\", \"return 0\"]",
                      "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
                      "[fiber.rmmod]\nrun = [\"rmmod -w chardev\"]\n"));
  d.until("rmmod", "wait_for_zero_refcount: schedule()");
  d.until("opener", "fops_put");  // cdev_put's module_put woke rmmod; the fops pin is left
  d.until("rmmod", "module_refcount");
  d.until("opener", "module_put: local_dec");
  d.take("opener");  // the last reference is gone; the span goes on to read state and waiter
  EXPECT_EQ(d.task("opener").preempt_count, 1);
  d.until("rmmod", "stop_machine: CPU 0's stopper thread");  // exit() ran; free_module next
  EXPECT_FALSE(d.runnable("rmmod"));
  EXPECT_FALSE(d.mod().data_freed);
  d.finish("opener");
  d.finish("rmmod");
  EXPECT_FALSE(d.ex().violation().has_value());
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=0");  // open=0: its setup
}

// ---- Per-CPU counts (§1.2, §2.4, W10) ---------------------------------------------------------

// Two openers of /proc/sched on different CPUs: the first pins the inode on CPU 0, the last
// close drops the pin on CPU 1 (§5.1).
const std::string kSchedTwoCpus =
    "name = \"t\"\nkernel = \"2.6.24\"\n[module.sched]\nregister = \"none\"\nproc.name = \"sched\"\n"
    "proc.owner = \"THIS_MODULE\"\nproc.read = [\"work\", \"return 33\"]\n"
    "[fiber.a]\ncpu = 0\nrun = [\"open /proc/sched\", \"close\"]\n"
    "[fiber.b]\ncpu = 1\nrun = [\"open /proc/sched\", \"close\"]\n"
    "[fiber.shell]\ncpu = 0\nrun = [\"lsmod sched\", \"mit-rmmod sched\"]\n[expect]\nverdict = \"safe\"\n";

TEST(PerCpuRefs, AGetOnCpu0AndAPutOnCpu1LeavePlusOneAndMinusOneSummingToZero) {
  Driver d(kSchedTwoCpus);
  next_op(d, "a");  // open: proc_get_inode pins on CPU 0
  next_op(d, "b");  // open: the cached dentry, no pin
  EXPECT_EQ(d.mod().ref[0], 1);
  next_op(d, "a");  // close: not the last user of the dentry
  next_op(d, "b");  // close: the last dput; proc_delete_inode puts on CPU 1
  EXPECT_EQ(d.mod().ref[0], 1);
  EXPECT_EQ(d.mod().ref[1], -1);
  d.finish("shell");
  EXPECT_EQ(d.outcome(), "a: open=0 close=0 | b: open=0 close=0 | shell: lsmod=0 rmmod=0");
  EXPECT_FALSE(d.ex().violation().has_value());  // a sum of 0 is no underflow
}

TEST(PerCpuRefs, LsmodReadingTheSlotsAroundAGetAndAPutPrintsTheWrappedSum) {
  Driver d(kSchedTwoCpus);
  d.until("shell", "module_refcount: total += local_read");
  d.take("shell");  // slot 0 read: 0
  next_op(d, "a");
  next_op(d, "b");
  next_op(d, "a");
  next_op(d, "b");  // slots now 1 and -1
  next_op(d, "shell");  // slot 1 read: -1, summed as unsigned
  EXPECT_EQ(d.outcome(), "a: open=0 close=0 | b: open=0 close=0 | shell: lsmod=4294967295");
  next_op(d, "shell");  // module-init-tools' pre-check reads the settled sum
  EXPECT_EQ(d.outcome(), "a: open=0 close=0 | b: open=0 close=0 | shell: lsmod=4294967295 rmmod=0");
}

TEST(PerCpuRefs, TheMitPrecheckCanReadTheWrappedSumAndCallAnIdleModuleInUse) {
  Driver d(kSchedTwoCpus);
  next_op(d, "shell");  // lsmod: 0
  d.until("shell", "module_refcount: total += local_read");
  d.take("shell");  // rmmod's check_usage reads slot 0: 0
  next_op(d, "a");
  next_op(d, "b");
  next_op(d, "a");
  next_op(d, "b");
  d.finish("shell");
  EXPECT_EQ(d.outcome(), "a: open=0 close=0 | b: open=0 close=0 | shell: lsmod=0 rmmod=ERROR: Module sched is in use");
}

// ---- rmmod -w (W13) ---------------------------------------------------------------------------

const char* kOwnerPin24 = "fops.owner = \"THIS_MODULE\"\nfops.open = [\"work\", \"return 0\"]";

TEST(RmmodWait, MarksTheModuleGoingWithUsersAndSleepsUntilTheLastPutWakesIt) {
  Driver d(old_kernel(kOwnerPin24, "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
                                   "[fiber.rmmod]\nrun = [\"rmmod -w chardev\"]\n"
                                   "[fiber.late]\nrun = [\"open /dev/chardev\", \"close\"]\n"));
  EXPECT_EQ(d.mod().ref[0], 2);  // cdev_get and fops_get
  d.until("rmmod", "wait_for_zero_refcount: schedule()");
  EXPECT_EQ(d.mod().state, ModuleState::Going);
  EXPECT_EQ(d.mod().waiter, static_cast<int>(d.fiber("rmmod")));
  EXPECT_TRUE(d.task("rmmod").sleeping);
  EXPECT_FALSE(d.runnable("rmmod"));
  d.finish("late");  // new opens fail from the moment GOING is set
  EXPECT_EQ(d.outcome(), "opener: open=0 | rmmod: - | late: open=-ENXIO close=-EBADF");
  d.until("opener", "fops_put");  // cdev_put's module_put: GOING, so wake_up_process(waiter)
  EXPECT_FALSE(d.task("rmmod").sleeping);
  EXPECT_TRUE(d.runnable("rmmod"));
  d.take("rmmod");
  d.until("rmmod", "wait_for_zero_refcount: schedule()");  // woke, counted 1, sleeps again
  EXPECT_FALSE(d.runnable("rmmod"));
  d.finish("opener");  // fops_put: the last reference, another wake-up
  EXPECT_TRUE(d.runnable("rmmod"));
  EXPECT_FALSE(d.mod().text_freed);
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=0 | late: open=-ENXIO close=-EBADF");
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(RmmodWait, AFileThatIsNeverClosedLeavesRmmodAsleepForever) {
  Driver d(old_kernel(kOwnerPin24, "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n[fiber.rmmod]\nrun = [\"rmmod -w chardev\"]\n"));
  d.finish("opener");
  EXPECT_THROW(d.finish("rmmod"), std::runtime_error);  // no fiber can run: D state
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kDeadlock);
  EXPECT_NE(d.ex().violation()->message.find("wait_for_zero_refcount"), std::string::npos);
  EXPECT_EQ(d.mod().state, ModuleState::Going);
  EXPECT_FALSE(d.mod().text_freed);
}

TEST(RmmodWait, ModernKernelsIgnoreTheFlagAndReportBusyAtOnce) {
  Driver d(in_era("modern", kOwnerPin24, "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
                                         "[fiber.rmmod]\nrun = [\"rmmod -w chardev\"]\n"));
  d.finish("rmmod");
  EXPECT_FALSE(d.task("rmmod").sleeping);
  EXPECT_EQ(d.mod().state, ModuleState::Live);
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK");
}

// ---- rmmod -f (W9) ----------------------------------------------------------------------------

class RmmodForce : public ::testing::TestWithParam<const char*> {};

TEST_P(RmmodForce, UnloadsAModuleWithAnOpenFileWhoseCloseThenReadsFreedFops) {
  Driver d(in_era(GetParam(), kOwnerPin24, "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
                                           "[fiber.rmmod]\nrun = [\"rmmod -f chardev\"]\n"));
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=0 | rmmod: rmmod=0");
  EXPECT_TRUE(d.mod().tainted);  // TAINT_FORCED_RMMOD
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_THROW(d.finish("opener"), std::runtime_error);  // __fput reads f_op->release
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kDataAfterFree);
}

TEST_P(RmmodForce, WithoutForceTheSameUnloadIsRefused) {
  Driver d(in_era(GetParam(), kOwnerPin24, "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
                                           "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.finish("rmmod");
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK");
  EXPECT_FALSE(d.mod().tainted);
}

std::string era_test_name(const ::testing::TestParamInfo<const char*>& p) {
  return std::string(p.param) == "modern" ? "modern" : "v2_6_24";
}
INSTANTIATE_TEST_SUITE_P(BothEras, RmmodForce, ::testing::Values("2.6.24", "modern"), era_test_name);

// ---- The userspace tools (§8, W10) ------------------------------------------------------------

TEST(MitRmmod, RefusesAModuleInUseWithoutCallingTheKernel) {
  Driver d(old_kernel(kOwnerPin24, "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
                                   "[fiber.tool]\nrun = [\"mit-rmmod chardev\", \"kmod-rmmod chardev\"]\n"));
  d.finish("tool");
  EXPECT_EQ(d.outcome(), "opener: open=0 | tool: rmmod=ERROR: Module chardev is in use rmmod=Module chardev is in use");
  EXPECT_FALSE(took(d, "tool", "delete_module"));
  EXPECT_EQ(d.mod().state, ModuleState::Live);
}

TEST(MitRmmod, APinTakenBetweenThePrecheckAndTheSyscallGivesTheKernelsError) {
  Driver d(old_kernel(kOwnerPin24, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                   "[fiber.tool]\nrun = [\"mit-rmmod chardev\", \"mit-rmmod chardev\"]\n"));
  d.until("tool", "delete_module: mutex_lock");  // /proc/modules said 0
  next_op(d, "opener");
  next_op(d, "tool");
  EXPECT_EQ(d.outcome(), "opener: open=0 | tool: rmmod=ERROR: Removing 'chardev': Resource temporarily unavailable");
  next_op(d, "opener");
  next_op(d, "tool");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | tool: rmmod=ERROR: Removing 'chardev': Resource temporarily "
                         "unavailable rmmod=0");
}

TEST(MitRmmod, AModuleNoLongerLoadedIsNotInProcModules) {
  Driver d(old_kernel(kOwnerPin24, "[fiber.tool]\nrun = [\"mit-rmmod chardev\", \"mit-rmmod chardev\", "
                                   "\"kmod-rmmod chardev\", \"lsmod chardev\"]\n"));
  d.finish("tool");
  EXPECT_EQ(d.outcome(), "tool: rmmod=0 rmmod=ERROR: Module chardev does not exist in /proc/modules "
                         "rmmod=Module chardev is not currently loaded lsmod=-");
}

// ---- lsmod ------------------------------------------------------------------------------------

TEST(Lsmod, CountsBothVfsPinsOfARegisterChrdevDevice) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(in_era(era, kOwnerPin24, "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
                                      "[fiber.shell]\nrun = [\"lsmod chardev\", \"lsmod chardev\"]\n"));
    next_op(d, "shell");
    d.finish("opener");
    d.finish("shell");
    EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | shell: lsmod=2 lsmod=0") << era;
  }
}

TEST(Lsmod, ModernShowsMinusOneWhileTheModuleUnloads) {
  Driver d(in_era("modern", kOwnerPin24, "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n[fiber.shell]\nrun = [\"lsmod chardev\", \"lsmod chardev\"]\n"));
  d.until("rmmod", "chardev->exit");  // refcnt 0, GOING
  next_op(d, "shell");
  d.finish("rmmod");
  d.finish("shell");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | shell: lsmod=-1 lsmod=-");
}

// ---- insmod and COMING (§1.2, W14) ------------------------------------------------------------

TEST(Insmod, HoldsTheInitReferenceWhileComingAndDropsItOnceLive) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(in_era(era, kOwnerPin24, "[fiber.loader]\nrun = [\"insmod chardev\"]\n"));
    EXPECT_EQ(d.mod().state, ModuleState::Unformed) << era;
    EXPECT_FALSE(d.mod().listed) << era;
    d.until("loader", "chardev->init");
    EXPECT_EQ(d.mod().state, ModuleState::Coming) << era;
    const bool modern = std::string(era) == "modern";
    if (modern) EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 1);
    else EXPECT_EQ(d.mod().ref[0], 1);  // module_unload_init: this CPU's slot
    d.finish("loader");
    EXPECT_EQ(d.mod().state, ModuleState::Live) << era;
    if (modern) EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);
    else EXPECT_EQ(d.mod().ref[0], 0);
    EXPECT_TRUE(d.mod().cdev.mapped) << era;  // the default init registered the device
    EXPECT_EQ(d.outcome(), "loader: insmod=0") << era;
  }
}

TEST(Insmod, RmmodDuringInitIsBusyAndOpensDuringInitPin) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(in_era(era, kOwnerPin24, "[fiber.loader]\nrun = [\"insmod chardev\", \"insmod chardev\"]\n"
                                      "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                      "[fiber.rmmod]\nrun = [\"rmmod chardev\", \"rmmod chardev\"]\n"));
    d.until("loader", "chardev->init: return 0");  // the device is registered, still COMING
    next_op(d, "rmmod");   // "Doing init or already dying?"
    next_op(d, "opener");  // COMING counts as live: both pins are taken
    next_op(d, "loader");  // LIVE, the init reference dropped
    next_op(d, "rmmod");   // the open file's pins
    d.finish("opener");
    d.finish("loader");    // already loaded
    EXPECT_EQ(d.outcome(), "loader: insmod=0 insmod=-EEXIST | opener: open=0 close=0 | "
                           "rmmod: rmmod=-EBUSY rmmod=-EWOULDBLOCK") << era;
    EXPECT_EQ(d.mod().state, ModuleState::Live) << era;
  }
}

TEST(Insmod, AModuleCanBeLoadedAgainAfterItWasUnloaded) {
  Driver d(in_era("modern", kOwnerPin24, "[fiber.shell]\nrun = [\"insmod chardev\", \"rmmod chardev\", "
                                         "\"insmod chardev\", \"lsmod chardev\"]\n"));
  d.finish("shell");
  EXPECT_EQ(d.outcome(), "shell: insmod=0 rmmod=0 insmod=0 lsmod=0");
  EXPECT_FALSE(d.mod().text_freed);
  EXPECT_EQ(d.mod().state, ModuleState::Live);
}

// kInitFails24 is in driver.hpp (tests/regressions runs it through the search).
TEST(Insmod, AFailedInitUnloadsTheModuleAgain) {
  for (const char* era : {"2.6.24", "modern"}) {
    std::string toml = kInitFails24;
    toml.replace(toml.find("2.6.24"), 6, era);
    Driver d(toml);
    d.until("loader", "m->init: return -ENOMEM");
    next_op(d, "rmmod");  // COMING: "Doing init or already dying?"
    d.finish("loader");
    EXPECT_EQ(d.outcome(), "loader: insmod=-ENOMEM lsmod=- | rmmod: rmmod=-EBUSY") << era;
    EXPECT_TRUE(d.mod().data_freed) << era;
    EXPECT_FALSE(d.mod().listed) << era;
    EXPECT_FALSE(d.ex().violation().has_value()) << era;
  }
}

// ---- Whole scenarios, every interleaving ------------------------------------------------------

TEST(EraScenarios, LkmpgChardevIn2624StillRunsFreedText) {
  const auto c = check_all(expecting(old_kernel(kSelfGet, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                                          "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"),
                                     kCodeAfterUnload));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
  ASSERT_EQ(c.result.report.verdict, engine::Verdict::Violation);
  EXPECT_EQ(c.result.report.violation->kind, kCodeAfterUnload);
}

TEST(EraScenarios, TheOwnerPinIn2624IsSafeWithThreeOutcomes) {
  const auto c = check_all(old_kernel(kOwnerPin24, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                                   "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"opener: open=-ENXIO close=-EBADF | rmmod: rmmod=0",
                                               "opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK",
                                               "opener: open=0 close=0 | rmmod: rmmod=0"}));
}

TEST(EraScenarios, RmmodWaitIsSafeAndAlwaysUnloads) {
  const auto c = check_all(old_kernel(kOwnerPin24, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                                   "[fiber.rmmod]\nrun = [\"rmmod -w chardev\"]\n"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"opener: open=-ENXIO close=-EBADF | rmmod: rmmod=0",
                                               "opener: open=0 close=0 | rmmod: rmmod=0"}));
}

TEST(EraScenarios, RmmodWaitHangsWhenTheFileStaysOpen) {
  const auto c = check_all(old_kernel(kOwnerPin24, "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"
                                                   "[fiber.rmmod]\nrun = [\"rmmod -w chardev\"]\n"));
  ASSERT_EQ(c.result.report.verdict, engine::Verdict::Violation);
  EXPECT_EQ(c.result.report.violation->kind, kDeadlock);
}

TEST(EraScenarios, ForcedUnloadReadsFreedFopsInBothEras) {
  for (const char* era : {"2.6.24", "modern"}) {
    const auto c = check_all(in_era(era, kOwnerPin24, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                                      "[fiber.rmmod]\nrun = [\"rmmod -f chardev\"]\n"));
    ASSERT_EQ(c.result.report.verdict, engine::Verdict::Violation) << era;
    EXPECT_EQ(c.result.report.violation->kind, kDataAfterFree) << era;  // the close reads f_op
  }
}

TEST(EraScenarios, TheMitPrecheckRacesTheKernelsDecision) {
  const auto c = check_all(old_kernel(kOwnerPin24, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                                   "[fiber.tool]\nrun = [\"mit-rmmod chardev\"]\n"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes,
            (std::set<std::string>{"opener: open=-ENXIO close=-EBADF | tool: rmmod=0",
                                   "opener: open=0 close=0 | tool: rmmod=0",
                                   "opener: open=0 close=0 | tool: rmmod=ERROR: Module chardev is in use",
                                   "opener: open=0 close=0 | tool: rmmod=ERROR: Removing 'chardev': Resource "
                                   "temporarily unavailable"}));
}

// W11 in 2.6.24: a put without a get drives the per-CPU sum below zero.
TEST(PerCpuRefs, AnUnbalancedPutIsAnUnderflowOfTheSum) {
  Driver d(old_kernel("fops.owner = \"NULL\"\nfops.open = [\"return 0\"]\n"
                      "fops.release = [\"module_put(THIS_MODULE)\", \"return 0\"]",
                      "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"));
  EXPECT_THROW(d.finish("opener"), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kRefcountUnderflow);
  EXPECT_EQ(d.mod().ref[0], -1);
}

TEST(PerCpuRefs, ModuleGetWithNoReferenceToShareIsABug) {
  // 2.6.24 __module_get: BUG_ON(module_refcount(module) == 0). Today: an unconditional inc.
  const std::string fops = "fops.owner = \"NULL\"\nfops.open = [\"__module_get(THIS_MODULE)\", \"return 0\"]";
  Driver old(old_kernel(fops, "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"));
  EXPECT_THROW(old.finish("opener"), std::runtime_error);
  ASSERT_TRUE(old.ex().violation().has_value());
  EXPECT_EQ(old.ex().violation()->kind, kRefcountBug);
  Driver today(in_era("modern", fops, "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"));
  today.finish("opener");
  EXPECT_EQ(today.mod().refcnt, MODULE_REF_BASE + 1);
}

}  // namespace
}  // namespace rw::models::testing
