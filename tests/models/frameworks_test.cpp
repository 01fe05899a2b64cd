// tests/models/frameworks_test.cpp: the caller frameworks (models/frameworks.hpp), the
// reader-writer locks and RCU (models/sync.hpp) and `depends`, as a user relies on them: what
// each framework's caller holds keeps rmmod's exit waiting, what it pins makes rmmod fail, and
// where it holds nothing the callback runs in a race window. Hand-written schedules with Driver,
// then every preset checked exhaustively for its verdict.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "driver.hpp"
#include "models/check.hpp"
#include "models/frameworks.hpp"
#include "models/violations.hpp"

namespace rw::models::testing {
namespace {

// A module `m` with no device and one callback `cb` of `framework`; `extra` adds keys to the
// callback's table (owner, release); `fibers` are TOML tables.
std::string with_callback(const std::string& framework, const std::string& body, const std::string& fibers,
                          const std::string& extra = "", const std::string& expect = "verdict = \"safe\"") {
  return "name = \"t\"\nkernel = \"modern\"\n[module.m]\nregister = \"none\"\n[module.m.callback.cb]\nframework = \"" +
         framework + "\"\nbody = [" + body + "]\n" + extra + "\n" + fibers + "\n[expect]\n" + expect + "\n";
}

const char* kWork = "\"work\", \"work\", \"return 0\"";
const char* kSelfGet = "\"if (!try_module_get(THIS_MODULE)) return -ENODEV\", \"work\", \"module_put(THIS_MODULE)\", \"return 0\"";
const char* kCallerAndRmmod = "[fiber.caller]\nrun = [\"call m.cb\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n";

// Whether `fiber` was inside a race window after the last step taken.
bool in_window(Driver& d, const std::string& fiber) {
  const auto& t = d.ex().trace();
  return !t.empty() && (t.back().window >> d.fiber(fiber) & 1u) != 0;
}

// Takes `fiber`'s next step, which must end in a violation; returns its kind.
std::string violation_at_next_step(Driver& d, const std::string& fiber) {
  EXPECT_THROW(d.take(fiber), std::runtime_error);
  return d.ex().violation() ? d.ex().violation()->kind : "none";
}

// ---- exclusion: the caller holds what unregistering takes --------------------------------------

TEST(CallerFrameworks, GenlExitWaitsForCbLockUntilTheDoitReturns) {
  Driver d(with_callback("genl", kWork, kCallerAndRmmod));
  d.until("caller", "m->cb: work");  // inside ->doit, cb_lock held for read
  d.until("rmmod", "genl_unregister_family: down_write(&cb_lock)");
  EXPECT_FALSE(d.runnable("rmmod"));
  EXPECT_FALSE(in_window(d, "caller"));  // the exclusion covers the callback
  d.take("caller");
  EXPECT_FALSE(d.runnable("rmmod"));
  d.finish("caller");  // up_read(&cb_lock)
  EXPECT_TRUE(d.runnable("rmmod"));
  d.finish("rmmod");
  EXPECT_TRUE(d.mod().text_freed);
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_FALSE(d.ex().violation().has_value());
  EXPECT_EQ(d.outcome(), "caller: call=0 | rmmod: rmmod=0");
}

TEST(CallerFrameworks, GenlCallAfterUnloadFindsNoFamily) {
  Driver d(with_callback("genl", kWork, "[fiber.rmmod]\nrun = [\"rmmod m\"]\n[fiber.caller]\nrun = [\"call m.cb\"]\n"));
  d.finish("rmmod");
  d.finish("caller");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | caller: call=-ENOENT");
}

TEST(CallerFrameworks, SysfsStoreRemovalDrainsTheActiveReference) {
  Driver d(with_callback("sysfs-store", kWork,
                         "[fiber.writer]\nrun = [\"call m.cb\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n"
                         "[fiber.late]\nrun = [\"call m.cb\"]\n"));
  d.until("writer", "m->cb: work");
  d.until("rmmod", "sysfs_remove_file: wait for the callers inside");
  EXPECT_FALSE(d.runnable("rmmod"));
  EXPECT_EQ(d.mod().cb_active[0], 1);
  EXPECT_FALSE(d.mod().cb_registered[0]);  // deactivated: new lookups fail
  d.finish("late");                        // a write after the removal began
  d.finish("writer");
  EXPECT_TRUE(d.runnable("rmmod"));
  d.finish("rmmod");
  EXPECT_FALSE(d.ex().violation().has_value());
  EXPECT_EQ(d.outcome(), "writer: call=0 | rmmod: rmmod=0 | late: call=-ENODEV");
}

TEST(CallerFrameworks, FreeIrqWaitsForTheRunningHandlerAndALaterIrqIsNone) {
  Driver d(with_callback("irq", "\"work\", \"return 1\"",
                         "[fiber.irq]\nrun = [\"call m.cb\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n"
                         "[fiber.late]\nrun = [\"call m.cb\"]\n"));
  d.until("irq", "m->cb: work");
  d.until("rmmod", "free_irq: wait for the callers inside");
  EXPECT_FALSE(d.runnable("rmmod"));
  d.finish("irq");
  d.finish("rmmod");
  d.finish("late");
  EXPECT_FALSE(d.ex().violation().has_value());
  EXPECT_EQ(d.outcome(), "irq: call=1 | rmmod: rmmod=0 | late: call=0");
}

TEST(CallerFrameworks, AnIrqHandlerThatSleepsIsSleepInAtomic) {
  Driver d(with_callback("irq", "\"msleep(10)\", \"return 1\"", "[fiber.irq]\nrun = [\"call m.cb\"]\n"));
  EXPECT_THROW(d.finish("irq"), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kSleepInAtomic);
}

TEST(CallerFrameworks, AnAtomicNotifierThatSleepsIsSleepInAtomic) {
  Driver d(with_callback("notifier-atomic", "\"msleep(10)\", \"return 0\"", "[fiber.caller]\nrun = [\"call m.cb\"]\n"));
  EXPECT_THROW(d.finish("caller"), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kSleepInAtomic);
}

TEST(CallerFrameworks, AtomicNotifierUnregisterSynchronizesRcuWithTheCaller) {
  Driver d(with_callback("notifier-atomic", kWork, kCallerAndRmmod));
  d.until("caller", "m->cb: work");  // inside the RCU read section
  d.until("rmmod", "atomic_notifier_chain_unregister: synchronize_rcu()");
  EXPECT_FALSE(d.runnable("rmmod"));
  EXPECT_FALSE(d.mod().cb_registered[0]);  // unlinked before the grace period
  d.finish("caller");
  EXPECT_TRUE(d.runnable("rmmod"));
  d.finish("rmmod");
  EXPECT_FALSE(d.ex().violation().has_value());
  EXPECT_EQ(d.outcome(), "caller: call=0 | rmmod: rmmod=0");
}

TEST(CallerFrameworks, SynchronizeRcuInModuleCodeWaitsForAnRcuReader) {
  // Two callbacks of one module: a reader inside rcu_read_lock, and a writer's synchronize_rcu.
  const std::string text =
      "name = \"t\"\nkernel = \"modern\"\n[module.m]\nregister = \"none\"\n"
      "[module.m.callback.reader]\nframework = \"genl\"\nbody = [\"rcu_read_lock()\", \"work\", \"rcu_read_unlock()\", \"return 0\"]\n"
      "[module.m.callback.updater]\nframework = \"netdev-open\"\nbody = [\"work\", \"synchronize_rcu()\", \"return 0\"]\n"
      "[fiber.reader]\nrun = [\"call m.reader\"]\n[fiber.updater]\nrun = [\"call m.updater\"]\n[expect]\nverdict = \"safe\"\n";
  Driver d(text);
  d.until("reader", "m->reader: work");
  d.until("updater", "m->updater: synchronize_rcu()");
  d.take("updater");                    // the statement's module text; the grace period follows
  EXPECT_EQ(d.ex().pending(d.fiber("updater")), "m->updater: synchronize_rcu()");
  EXPECT_FALSE(d.runnable("updater"));  // it waits for the reader
  d.finish("reader");
  d.finish("updater");
  EXPECT_EQ(d.outcome(), "reader: call=0 | updater: call=0");
}

// ---- no exclusion, no pin: the race window ------------------------------------------------------

TEST(CallerFrameworks, MisdnChannelCallAfterRmmodRunsFreedText) {
  Driver d(with_callback("misdn-channel", kWork, kCallerAndRmmod));
  d.until("caller", "connect_layer1: find m.cb");
  EXPECT_FALSE(in_window(d, "caller"));
  d.take("caller");  // dev->D.ctrl read: the caller has the pointer, nothing pins or waits
  EXPECT_TRUE(in_window(d, "caller"));
  d.finish("rmmod");
  EXPECT_TRUE(d.mod().text_freed);
  EXPECT_EQ(d.outcome(), "caller: - | rmmod: rmmod=0");
  // Every step rmmod took after the lookup left the caller inside its window.
  bool after_lookup = false;
  for (const auto& s : d.ex().trace()) {
    if (s.fiber == d.fiber("caller") && s.label.starts_with("connect_layer1: find")) after_lookup = true;
    if (after_lookup) {
      EXPECT_NE(s.window >> d.fiber("caller") & 1u, 0u) << s.label;
    }
  }
  EXPECT_EQ(violation_at_next_step(d, "caller"), kCodeAfterUnload);
}

TEST(CallerFrameworks, XprtClassOwnerPinMakesRmmodFailWhileTheSetupRuns) {
  Driver d(with_callback("xprt-class", kWork, kCallerAndRmmod, "owner = \"THIS_MODULE\""));
  d.until("caller", "m->cb: work");
  EXPECT_FALSE(in_window(d, "caller"));
  d.finish("rmmod");
  d.finish("caller");
  EXPECT_FALSE(d.ex().violation().has_value());
  EXPECT_EQ(d.outcome(), "caller: call=0 | rmmod: rmmod=-EWOULDBLOCK");
  EXPECT_EQ(d.mod().state, ModuleState::Live);
}

TEST(CallerFrameworks, XprtClassWithoutOwnerOpensTheWindowAtTheLookup) {
  Driver d(with_callback("xprt-class", kWork, kCallerAndRmmod, "owner = \"NULL\""));
  d.until("caller", "xprt_create_transport: unlock xprt_list_lock");
  EXPECT_FALSE(in_window(d, "caller"));
  d.take("caller");  // try_module_get(NULL) pinned nothing; the lock is dropped before ->setup
  EXPECT_TRUE(in_window(d, "caller"));
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "caller: - | rmmod: rmmod=0");
  EXPECT_EQ(violation_at_next_step(d, "caller"), kCodeAfterUnload);
}

TEST(CallerFrameworks, BlockOpenPinsFromCallToRelease) {
  Driver d(with_callback("block-open", kWork,
                         "[fiber.user]\nrun = [\"call m.cb\", \"release m.cb\", \"release m.cb\"]\n"
                         "[fiber.shell]\nrun = [\"lsmod m\", \"rmmod m\", \"lsmod m\", \"rmmod m\"]\n",
                         "owner = \"THIS_MODULE\"\nrelease = [\"work\", \"return 0\"]"));
  next_op(d, "user");   // call=0: blkdev_get_by_dev's pin stays
  EXPECT_EQ(d.task("user").life_pins[0], 1);
  next_op(d, "shell");  // lsmod=1
  next_op(d, "shell");  // rmmod=-EWOULDBLOCK
  EXPECT_EQ(d.mod().state, ModuleState::Live);
  next_op(d, "user");   // release=0: blkdev_put drops it
  EXPECT_EQ(d.task("user").life_pins[0], 0);
  next_op(d, "shell");  // lsmod=0
  next_op(d, "shell");  // rmmod=0
  d.finish("user");     // no pin left: -EBADF
  EXPECT_FALSE(d.ex().violation().has_value());
  EXPECT_EQ(d.outcome(), "user: call=0 release=0 release=-EBADF | shell: lsmod=1 rmmod=-EWOULDBLOCK lsmod=0 rmmod=0");
}

TEST(CallerFrameworks, BlockOpenReleaseWithoutACallIsEbadf) {
  Driver d(with_callback("block-open", kWork, "[fiber.user]\nrun = [\"release m.cb\"]\n", "owner = \"THIS_MODULE\""));
  d.finish("user");
  EXPECT_EQ(d.outcome(), "user: release=-EBADF");
}

TEST(CallerFrameworks, BlockOpenFailedOpenDropsThePinAtOnce) {
  Driver d(with_callback("block-open", "\"work\", \"return -ENXIO\"",
                         "[fiber.user]\nrun = [\"call m.cb\", \"release m.cb\"]\n[fiber.shell]\nrun = [\"lsmod m\"]\n",
                         "owner = \"THIS_MODULE\""));
  next_op(d, "user");
  EXPECT_EQ(d.task("user").life_pins[0], 0);
  d.finish("shell");
  d.finish("user");
  EXPECT_EQ(d.outcome(), "user: call=-ENXIO release=-EBADF | shell: lsmod=0");
}

// ---- rw_semaphore, rwlock_t and RCU in module code -------------------------------------------

// A char device whose open() runs `open` (TOML strings); an opener; `expect`.
std::string chardev_open(const std::string& open, const std::string& fibers, const std::string& expect) {
  return "name = \"t\"\nkernel = \"modern\"\n[module.chardev]\nfops.owner = \"THIS_MODULE\"\nfops.open = [" + open +
         ", \"return 0\"]\nfops.read = [\"down_write(sem)\", \"work\", \"up_write(sem)\", \"return 1\"]\n"
         "fops.release = [\"return 0\"]\n" + fibers + "\n[expect]\n" + expect + "\n";
}

TEST(RwLocks, AWriterWaitsForAReader) {
  Driver d(chardev_open("\"down_read(sem)\", \"work\", \"up_read(sem)\"",
                        "[fiber.reader]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                        "[fiber.writer]\nsetup = [\"open /dev/chardev\"]\nrun = [\"read\", \"close\"]\n",
                        "verdict = \"safe\""));
  d.until("reader", "chardev->open: work");  // holds sem for read
  d.until("writer", "chardev->read: down_write(sem)");
  d.take("writer");  // the statement; down_write's wait follows
  for (int i = 0; i < 8 && d.runnable("writer"); ++i) d.take("writer");
  EXPECT_FALSE(d.runnable("writer"));
  d.finish("reader");
  EXPECT_TRUE(d.runnable("writer"));
  d.finish("writer");
  EXPECT_EQ(d.outcome(), "reader: open=0 close=0 | writer: open=0 read=1 close=0");
}

TEST(RwLocks, ReadersShareARwSemaphore) {
  Driver d(chardev_open("\"down_read(sem)\", \"work\", \"up_read(sem)\"",
                        "[fiber.a]\nrun = [\"open /dev/chardev\", \"close\"]\n[fiber.b]\nrun = [\"open /dev/chardev\", \"close\"]\n",
                        "verdict = \"safe\""));
  d.until("a", "chardev->open: work");
  d.until("b", "chardev->open: work");  // b got it for read too
  d.finish("a");
  d.finish("b");
  EXPECT_EQ(d.outcome(), "a: open=0 close=0 | b: open=0 close=0");
}

// The whole search finds `kind` with `message`, raised by the opener.
void expect_finding(const std::string& open, const char* kind, const std::string& message) {
  const Checked c = check_all(chardev_open(open, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n",
                                           "verdict = \"violation\"\nkind = \"" + std::string(kind) + "\""));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
  ASSERT_TRUE(c.result.report.violation.has_value());
  EXPECT_EQ(c.result.report.violation->kind, kind);
  EXPECT_EQ(c.result.report.violation->message, message);
}

TEST(RwLocks, UpReadWithoutDownReadIsBadUnlockBalance) {
  expect_finding("\"up_read(sem)\"", kBadUnlockBalance,
                 "bad unlock balance detected: opener releases sem, which it does not hold for read");
}

TEST(RwLocks, WriteUnlockWithoutWriteLockIsBadUnlockBalance) {
  expect_finding("\"write_unlock(rwl)\"", kBadUnlockBalance,
                 "bad unlock balance detected: opener releases rwl, which it does not hold for write");
}

TEST(RwLocks, DownReadTwiceIsRecursiveLocking) {
  expect_finding("\"down_read(sem)\", \"down_read(sem)\", \"up_read(sem)\", \"up_read(sem)\"", kRecursiveLocking,
                 "possible recursive locking detected: opener already holds sem");
}

TEST(RwLocks, ReadLockTwiceIsRecursiveLocking) {
  expect_finding("\"read_lock(rwl)\", \"read_lock(rwl)\"", kRecursiveLocking,
                 "possible recursive locking detected: opener already holds rwl");
}

TEST(RwLocks, ReturningToUserSpaceHoldingAReadLockIsAFinding) {
  expect_finding("\"down_read(sem)\"", kLockHeldOnReturn,
                 "lock held when returning to user space: opener still holds sem");
}

TEST(RwLocks, ReturningToUserSpaceInsideRcuReadLockIsAFinding) {
  expect_finding("\"rcu_read_lock()\"", kLockHeldOnReturn,
                 "lock held when returning to user space: opener is still inside rcu_read_lock");
}

TEST(RwLocks, RcuReadUnlockWithoutLockIsAFinding) {
  expect_finding("\"rcu_read_unlock()\"", kBadUnlockBalance,
                 "rcu_read_unlock without rcu_read_lock: opener is not in an RCU read section");
}

TEST(RwLocks, SleepingInsideRcuReadLockIsSleepInAtomic) {
  const Checked c = check_all(chardev_open("\"rcu_read_lock()\", \"msleep(10)\", \"rcu_read_unlock()\"",
                                           "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n",
                                           "verdict = \"violation\"\nkind = \"sleep-in-atomic\""));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
}

TEST(RwLocks, SleepingUnderAReadLockIsSleepInAtomic) {
  const Checked c = check_all(chardev_open("\"read_lock(rwl)\", \"msleep(10)\", \"read_unlock(rwl)\"",
                                           "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n",
                                           "verdict = \"violation\"\nkind = \"sleep-in-atomic\""));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
}

TEST(RwLocks, BalancedUseStaysSafe) {
  const Checked c = check_all(chardev_open(
      "\"down_read(sem)\", \"up_read(sem)\", \"read_lock(rwl)\", \"read_unlock(rwl)\", \"rcu_read_lock()\", "
      "\"rcu_read_unlock()\", \"synchronize_rcu()\"",
      "[fiber.opener]\nrun = [\"open /dev/chardev\", \"read\", \"close\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n",
      "verdict = \"safe\""));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
}

// ---- depends ----------------------------------------------------------------------------------

// A loaded module `user` that links against `crypto` (both start loaded).
const std::string kDepends =
    "name = \"t\"\nkernel = [\"2.6.24\", \"modern\"]\n[module.crypto]\nregister = \"none\"\n"
    "[module.user]\nregister = \"none\"\ndepends = [\"crypto\"]\n"
    "[fiber.shell]\nrun = [\"lsmod crypto\", \"rmmod crypto\", \"lsmod crypto\"]\n[expect]\nverdict = \"safe\"\n";

TEST(Depends, AModuleALoadedModuleLinksAgainstCannotBeRemoved) {
  for (const auto& s : per_era(parse_or_die(kDepends))) {
    SCOPED_TRACE(era_name(s.era));
    const auto r = check_scenario(s, engine::ExploreOptions{.jobs = 1});
    EXPECT_TRUE(r.matches) << r.mismatch;
    ASSERT_EQ(r.report.outcomes.size(), 1u);
    EXPECT_EQ(r.report.outcomes.front().outcome, "shell: lsmod=1 rmmod=-EWOULDBLOCK lsmod=1");
  }
}

TEST(Depends, ForcedRemovalOfAModuleOthersUseIsStillRefused) {
  // delete_module checks source_list before it looks at O_TRUNC: -EWOULDBLOCK, forced or not.
  const std::string text =
      "name = \"t\"\nkernel = [\"2.6.24\", \"modern\"]\n[module.crypto]\nregister = \"none\"\n"
      "[module.user]\nregister = \"none\"\ndepends = [\"crypto\"]\n"
      "[fiber.shell]\nrun = [\"rmmod -f crypto\", \"lsmod crypto\"]\n[expect]\nverdict = \"safe\"\n";
  for (const auto& s : per_era(parse_or_die(text))) {
    SCOPED_TRACE(era_name(s.era));
    const auto r = check_scenario(s, engine::ExploreOptions{.jobs = 1});
    ASSERT_EQ(r.report.outcomes.size(), 1u);
    EXPECT_EQ(r.report.outcomes.front().outcome, "shell: rmmod=-EWOULDBLOCK lsmod=1");
  }
}

TEST(Depends, RemovingTheDependentReleasesItsReference) {
  const std::string text =
      "name = \"t\"\nkernel = \"modern\"\n[module.crypto]\nregister = \"none\"\n"
      "[module.user]\nregister = \"none\"\ndepends = [\"crypto\"]\n"
      "[fiber.shell]\nrun = [\"rmmod user\", \"lsmod crypto\", \"rmmod crypto\"]\n[expect]\nverdict = \"safe\"\n";
  Driver d(text);
  d.finish("shell");
  EXPECT_EQ(d.outcome(), "shell: rmmod=0 lsmod=0 rmmod=0");
}

TEST(Depends, InsmodOfADependentNeedsTheOtherLoadedAndPinsIt) {
  const std::string text =
      "name = \"t\"\nkernel = \"modern\"\n[module.crypto]\nregister = \"none\"\ninit = [\"return 0\"]\n"
      "[module.user]\nregister = \"none\"\ndepends = [\"crypto\"]\ninit = [\"return 0\"]\n"
      "[fiber.shell]\nrun = [\"insmod user\", \"insmod crypto\", \"insmod user\", \"lsmod crypto\", \"rmmod crypto\"]\n"
      "[expect]\nverdict = \"safe\"\n";
  Driver d(text);
  d.finish("shell");
  EXPECT_EQ(d.outcome(), "shell: insmod=-ENOENT insmod=0 insmod=0 lsmod=1 rmmod=-EWOULDBLOCK");
}

// ---- every preset, exhaustively ---------------------------------------------------------------

// The presets whose caller neither pins nor excludes exit: the callback may run after the free.
bool unprotected(const Framework& f) {
  return f.name == "misdn-channel" || f.name == "misdn-bprotocol" || f.name == "ops-no-owner" ||
         f.name == "kobject-release";
}

std::string preset_scenario(const Framework& f, const std::string& owner, const std::string& expect) {
  std::string extra = f.pin == Pin::None ? "" : "owner = \"" + owner + "\"";
  std::string run = "\"call m.cb\"";
  if (f.pin == Pin::Life) {
    extra += "\nrelease = [\"work\", \"return 0\"]";
    run += ", \"release m.cb\"";
  }
  return with_callback(std::string(f.name), kSelfGet,
                       "[fiber.caller]\nrun = [" + run + "]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n", extra, expect);
}

TEST(CallerFrameworks, EveryExcludingOrPinningPresetIsSafeWithASelfGet) {
  int checked = 0;
  for (const Framework& f : frameworks()) {
    if (unprotected(f)) continue;
    SCOPED_TRACE(std::string(f.name));
    const Checked c = check_all(preset_scenario(f, "THIS_MODULE", "verdict = \"safe\""));
    EXPECT_TRUE(c.result.matches) << c.result.mismatch;
    EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
    // rmmod removes the module in every outcome, or fails while the call pins it.
    for (const auto& o : c.outcomes) EXPECT_NE(o.find("rmmod: rmmod="), std::string::npos) << o;
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(frameworks().size()) - 4);  // misdn-channel, misdn-bprotocol, ops-no-owner, kobject-release
}

TEST(CallerFrameworks, EveryUnprotectedPresetRunsTextAfterUnload) {
  for (const Framework& f : frameworks()) {
    if (!unprotected(f)) continue;
    SCOPED_TRACE(std::string(f.name));
    const Checked c = check_all(preset_scenario(f, "NULL", "verdict = \"violation\"\nkind = \"module-code-after-unload\""));
    EXPECT_TRUE(c.result.matches) << c.result.mismatch;
    ASSERT_TRUE(c.result.report.violation.has_value());
    EXPECT_EQ(c.result.report.violation->kind, kCodeAfterUnload);
  }
}

TEST(CallerFrameworks, EveryPinningPresetWithoutOwnerRunsTextAfterUnload) {
  for (const Framework& f : frameworks()) {
    if (f.pin == Pin::None) continue;
    SCOPED_TRACE(std::string(f.name));
    // A pin for the call taken under a lock held across the call, which unregistering takes
    // (atm-ioctl: do_vcc_ioctl's ioctl_mutex), needs no owner: the lock alone keeps exit out.
    const bool excluded = f.pin == Pin::Call && f.across == Across::Mutex;
    const Checked c = check_all(preset_scenario(f, "NULL", excluded ? "verdict = \"safe\""
                                                                    : "verdict = \"violation\"\nkind = \"module-code-after-unload\""));
    EXPECT_TRUE(c.result.matches) << c.result.mismatch;
  }
}

TEST(CallerFrameworks, GenlWithASelfGetHasExactlyItsThreeOutcomes) {
  const Checked c = check_all(with_callback("genl", kSelfGet, kCallerAndRmmod));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
  // The doit ran whole before rmmod; its self get held the module while rmmod tried; it ran
  // while exit() waited and its self get failed (GOING); or the family was gone.
  const std::set<std::string> expected = {"caller: call=0 | rmmod: rmmod=0", "caller: call=0 | rmmod: rmmod=-EWOULDBLOCK",
                                          "caller: call=-ENODEV | rmmod: rmmod=0", "caller: call=-ENOENT | rmmod: rmmod=0"};
  EXPECT_EQ(c.outcomes, expected);
}

TEST(CallerFrameworks, XprtClassWithOwnerHasTheBusyOutcome) {
  const Checked c = check_all(with_callback("xprt-class", kWork, kCallerAndRmmod, "owner = \"THIS_MODULE\""));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
  const std::set<std::string> expected = {"caller: call=0 | rmmod: rmmod=0", "caller: call=0 | rmmod: rmmod=-EWOULDBLOCK",
                                          "caller: call=-EIO | rmmod: rmmod=0"};
  EXPECT_EQ(c.outcomes, expected);
}

}  // namespace
}  // namespace rw::models::testing
