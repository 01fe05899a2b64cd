// tests/models/statement_test.cpp: the module code a scenario writes (models/statements.cpp) and
// the kernel services it calls: locks, preemption, atomics, completions, symbol_get/symbol_put
// and calls into another module (KERNEL.md §7.1), kthreads and their exits (§6, W4), and misc
// devices (misc_open holds misc_mtx across ->open). Hand-written schedules, and a few whole
// scenarios checked exhaustively.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "driver.hpp"
#include "engine/explorer.hpp"
#include "models/check.hpp"

namespace rw::models::testing {
namespace {

std::string scenario_in(const std::string& era, const std::string& modules, const std::string& fibers,
                        const std::string& expect = "verdict = \"safe\"") {
  return "name = \"t\"\nkernel = \"" + era + "\"\n" + modules + "\n" + fibers + "\n[expect]\n" + expect + "\n";
}



// Expects the step `name` waits to take to end the execution in a violation of `kind`.
void expect_violation(Driver& d, const std::string& name, const char* kind) {
  EXPECT_THROW(d.finish(name), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kind) << d.ex().violation()->message;
}


// A char device module `chardev` with the given fops lines.
std::string chardev(const std::string& fops_lines) { return "[module.chardev]\n" + fops_lines + "\n"; }

// ---- Locks and preemption ---------------------------------------------------------------------

TEST(Statements, AMutexExcludesASecondOpener) {
  Driver d(scenario_in("modern",
                       chardev("fops.owner = \"THIS_MODULE\"\n"
                               "fops.open = [\"mutex_lock(lk)\", \"work\", \"mutex_unlock(lk)\", \"return 0\"]"),
                       "[fiber.a]\nrun = [\"open /dev/chardev\"]\n[fiber.b]\nrun = [\"open /dev/chardev\"]\n"));
  d.until("a", "chardev->open: work");  // a holds lk
  d.until("b", "chardev->open: mutex_lock(lk)");
  d.take("b");  // the statement's step of module text; then mutex_lock itself
  EXPECT_FALSE(d.runnable("b"));
  d.until("a", "chardev->open: return 0");
  EXPECT_TRUE(d.runnable("b"));
  d.finish("b");
  d.finish("a");
  EXPECT_EQ(d.outcome(), "a: open=0 | b: open=0");
}

TEST(Statements, SleepingUnderASpinlockIsSchedulingWhileAtomic) {
  for (const char* era : {"2.6.24", "modern"}) {
    for (const char* sleep : {"msleep(10)", "mutex_lock(lk)", "wait_for_completion(done)"}) {
      Driver d(scenario_in(era,
                           chardev("fops.owner = \"THIS_MODULE\"\nfops.open = [\"spin_lock(sl)\", \"" + std::string(sleep) +
                                   "\", \"spin_unlock(sl)\", \"return 0\"]"),
                           "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"));
      expect_violation(d, "opener", kSleepInAtomic);
      EXPECT_EQ(d.task("opener").preempt_count, 1) << era << " " << sleep;
    }
  }
}

TEST(Statements, SleepingOutsideASpinlockIsFine) {
  Driver d(scenario_in("modern",
                       chardev("fops.owner = \"THIS_MODULE\"\n"
                               "fops.open = [\"spin_lock(sl)\", \"spin_unlock(sl)\", \"msleep(10)\", \"return 0\"]"),
                       "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"));
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0");
  EXPECT_EQ(d.task("opener").preempt_count, 0);
}

TEST(Statements, In2624AModuleSpinlockHoldsOffStopMachine) {
  // A spinlock disables preemption: stop_machine's stopper cannot run on that CPU meanwhile.
  Driver d(scenario_in("2.6.24",
                       chardev("fops.owner = \"NULL\"\n"
                               "fops.open = [\"spin_lock(sl)\", \"work\", \"spin_unlock(sl)\", \"return 0\"]"),
                       "[fiber.opener]\ncpu = 0\nrun = [\"open /dev/chardev\"]\n[fiber.rmmod]\ncpu = 1\nrun = [\"rmmod chardev\"]\n"));
  d.until("opener", "chardev->open: work");
  d.until("rmmod", "stop_machine: CPU 0's stopper thread");
  EXPECT_FALSE(d.runnable("rmmod"));
  d.until("opener", "chardev->open: return 0");  // spin_unlock: preemption back on
  EXPECT_TRUE(d.runnable("rmmod"));
}

// ---- Conditions -------------------------------------------------------------------------------

TEST(Statements, AFailedTryModuleGetReturnsTheErrorWhenTheModuleIsGoing) {
  const std::string toml = scenario_in(
      "modern",
      chardev("fops.owner = \"NULL\"\nfops.open = [\"if (!try_module_get(THIS_MODULE)) return -ENODEV\", \"return 0\"]\n"
              "fops.release = [\"module_put(THIS_MODULE)\", \"return 0\"]"),
      "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n");
  Driver d(toml);
  d.until("opener", "chardev->open: if (!try_module_get(THIS_MODULE))");
  d.until("rmmod", "chardev->exit");  // GOING, exit() and the free still to come
  d.finish("opener");  // the get fails; open returns -ENODEV and the VFS drops the cdev
  EXPECT_EQ(d.mod().refcnt, 0);
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=-ENODEV close=-EBADF | rmmod: rmmod=0");
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(Statements, ASuccessfulTryModuleGetTakesTheOtherBranch) {
  Driver d(scenario_in(
      "2.6.24",
      chardev("fops.owner = \"NULL\"\nfops.open = [\"if (!try_module_get(THIS_MODULE)) return -ENODEV\", \"return 0\"]\n"
              "fops.release = [\"module_put(THIS_MODULE)\", \"return 0\"]"),
      "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"));
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0");
  EXPECT_EQ(d.mod().ref[0], 1);
}

// LKMPG's exclusive open: atomic_cmpxchg(&already_open, CDEV_NOT_USED, CDEV_EXCLUSIVE_OPEN).
const std::string kExclusive =
    chardev("fops.owner = \"THIS_MODULE\"\nfops.open = [\"if (atomic_cmpxchg(already_open, 0, 1)) return -EBUSY\", \"return 0\"]\n"
            "fops.release = [\"atomic_set(already_open, 0)\", \"return 0\"]");

TEST(Statements, AtomicCmpxchgLetsOneOpenerIn) {
  Driver d(scenario_in("modern", kExclusive,
                       "[fiber.a]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                       "[fiber.b]\nrun = [\"open /dev/chardev\", \"close\", \"open /dev/chardev\"]\n"));
  next_op(d, "a");
  EXPECT_EQ(var(d, 0), 1);
  next_op(d, "b");  // the cmpxchg finds 1: -EBUSY (the VFS drops its pins again); the close
                    // that follows has no file and takes no step: -EBADF at once
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 2);
  EXPECT_EQ(d.outcome(), "a: open=0 | b: open=-EBUSY close=-EBADF");
  next_op(d, "a");  // release: atomic_set(already_open, 0)
  EXPECT_EQ(var(d, 0), 0);
  next_op(d, "b");
  EXPECT_EQ(d.outcome(), "a: open=0 close=0 | b: open=-EBUSY close=-EBADF open=0");
  EXPECT_EQ(var(d, 0), 1);
}

TEST(Statements, AtomicCmpxchgExcludesInEveryInterleaving) {
  const auto c = check_all(scenario_in("modern", kExclusive,
                                       "[fiber.a]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                       "[fiber.b]\nrun = [\"open /dev/chardev\", \"close\"]\n"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  // a and b are one class: outcomes are compared with their results sorted among their names.
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"a: open=-EBUSY close=-EBADF | b: open=0 close=0",
                                               "a: open=0 close=0 | b: open=0 close=0"}));
}

TEST(Statements, AtomicDecAndTestTellsTheLastUser) {
  Driver d(scenario_in("modern",
                       chardev("fops.owner = \"THIS_MODULE\"\nfops.open = [\"atomic_inc(users)\", \"return 0\"]\n"
                               "fops.release = [\"if (atomic_dec_and_test(users)) return 1\", \"return 0\"]"),
                       "[fiber.a]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"
                       "[fiber.b]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n"));
  EXPECT_EQ(var(d, 0), 2);
  d.finish("b");
  d.finish("a");
  EXPECT_EQ(var(d, 0), 0);
}

// ---- symbol_get / symbol_put and calls into another module (§7.1) ------------------------------

// Module b exports fn; module a's open pins b with symbol_get, calls fn, and puts it.
std::string with_symbol(const std::string& a_open) {
  return "[module.b]\nregister = \"none\"\nexport.fn = [\"work\", \"return 7\"]\n"
         "[module.a]\nfops.owner = \"NULL\"\nfops.open = " + a_open + "\n";
}
const std::string kSymbolOpen = with_symbol(
    "[\"if (!symbol_get(b.fn)) return -ENOENT\", \"b.fn()\", \"symbol_put(b.fn)\", \"return 0\"]");

TEST(SymbolGet, RefusesAModuleThatIsNotLoaded) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(scenario_in(era, kSymbolOpen, "[fiber.opener]\nrun = [\"open /dev/a\"]\n[fiber.loader]\nrun = [\"insmod b\"]\n"));
    d.finish("opener");
    d.finish("loader");
    EXPECT_EQ(d.outcome(), "opener: open=-ENOENT | loader: insmod=0") << era;
  }
}

TEST(SymbolGet, RefusesAModuleStillInItsInit) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(scenario_in(era, kSymbolOpen, "[fiber.opener]\nrun = [\"open /dev/a\"]\n[fiber.loader]\nrun = [\"insmod b\"]\n"));
    d.until("loader", "b->init");  // listed, COMING
    EXPECT_EQ(d.mod(0).state, ModuleState::Coming) << era;
    d.finish("opener");  // strong_try_module_get: COMING is refused, although try_module_get would pin
    d.finish("loader");
    EXPECT_EQ(d.outcome(), "opener: open=-ENOENT | loader: insmod=0") << era;
  }
}

TEST(SymbolGet, PinsALiveModuleUntilSymbolPut) {
  Driver d(scenario_in("modern", kSymbolOpen, "[fiber.opener]\nrun = [\"open /dev/a\"]\n[fiber.rmmod]\nrun = [\"rmmod b\"]\n"));
  d.until("opener", "a->open: b.fn()");
  EXPECT_EQ(d.mod(0).refcnt, MODULE_REF_BASE + 1);
  d.finish("rmmod");  // b is in use
  EXPECT_EQ(d.mod(0).state, ModuleState::Live);
  d.finish("opener");
  EXPECT_EQ(d.mod(0).refcnt, MODULE_REF_BASE);
  EXPECT_EQ(d.outcome(), "opener: open=0 | rmmod: rmmod=-EWOULDBLOCK");
}

TEST(SymbolGet, FreeModuleWaitsForASymbolGetInItsRcuReadSection) {
  // Modern __symbol_get looks the symbol up and pins its owner under rcu_read_lock;
  // free_module's synchronize_rcu cannot complete until it leaves.
  Driver d(scenario_in("modern", kSymbolOpen, "[fiber.opener]\nrun = [\"open /dev/a\"]\n[fiber.rmmod]\nrun = [\"rmmod b\"]\n"));
  d.until("opener", "strong_try_module_get");  // found b, inside the read section
  d.until("rmmod", "free_module: synchronize_rcu()");
  EXPECT_FALSE(d.runnable("rmmod"));
  next_op(d, "opener");  // b is GOING: the get fails, symbol_get returns NULL
  EXPECT_TRUE(d.runnable("rmmod"));
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=-ENOENT | rmmod: rmmod=0");
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(SymbolGet, CallingAnotherModulesFunctionWithoutAReferenceRunsFreedText) {
  Driver d(scenario_in("modern", with_symbol("[\"work\", \"b.fn()\", \"return 0\"]"),
                       "[fiber.opener]\nrun = [\"open /dev/a\"]\n[fiber.rmmod]\nrun = [\"rmmod b\"]\n"));
  d.until("opener", "a->open: b.fn()");
  d.finish("rmmod");
  EXPECT_TRUE(d.mod(0).text_freed);
  expect_violation(d, "opener", kCodeAfterUnload);
  EXPECT_NE(d.ex().violation()->message.find("module b"), std::string::npos);
}

TEST(SymbolGet, TheSearchFindsTheUnpinnedCallAndProvesThePinnedOneSafe) {
  for (const char* era : {"2.6.24", "modern"}) {
    const auto bad = check_all(scenario_in(era, with_symbol("[\"work\", \"b.fn()\", \"return 0\"]"),
                                           "[fiber.opener]\nrun = [\"open /dev/a\"]\n[fiber.rmmod]\nrun = [\"rmmod b\"]\n",
                                           "verdict = \"violation\"\nkind = \"module-code-after-unload\""));
    EXPECT_TRUE(bad.result.matches) << era << ": " << bad.result.mismatch;
    const auto good = check_all(scenario_in(era, kSymbolOpen,
                                            "[fiber.opener]\nrun = [\"open /dev/a\"]\n[fiber.rmmod]\nrun = [\"rmmod b\"]\n"));
    EXPECT_EQ(good.result.report.verdict, engine::Verdict::Safe) << era;
    EXPECT_EQ(good.outcomes, (std::set<std::string>{"opener: open=-ENOENT | rmmod: rmmod=0",
                                                    "opener: open=0 | rmmod: rmmod=-EWOULDBLOCK",
                                                    "opener: open=0 | rmmod: rmmod=0"}))
        << era;
  }
}

// ---- kthreads (§6, W4) ------------------------------------------------------------------------

// Module m starts thread `worker` from its init; `pin` takes a reference for it first.
std::string with_kthread(const std::string& worker, bool pin, const std::string& exit = "") {
  return std::string("[module.m]\nregister = \"none\"\ninit = [") + (pin ? "\"__module_get(THIS_MODULE)\", " : "") +
         "\"kthread_run(worker)\", \"return 0\"]\nkthread.worker = " + worker + "\n" +
         (exit.empty() ? "" : "exit = " + exit + "\n");
}
const std::string kThreadFibers =
    "[fiber.loader]\nrun = [\"insmod m\"]\n[fiber.worker]\nrun = [\"kthread m.worker\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n";

TEST(Kthread, AThreadIsNotRunnableUntilKthreadRunWakesIt) {
  Driver d(scenario_in("modern", with_kthread("[\"work\", \"return 0\"]", false), kThreadFibers));
  EXPECT_FALSE(d.runnable("worker"));
  d.until("loader", "m->init: return 0");
  EXPECT_TRUE(d.runnable("worker"));
}

TEST(Kthread, ModulePutThenReturnRunsFreedTextWhenRmmodWinsInBetween) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(scenario_in(era, with_kthread("[\"work\", \"module_put(THIS_MODULE)\", \"return 0\"]", true), kThreadFibers));
    d.finish("loader");
    d.until("worker", "m->worker: return 0");  // the thread's reference is dropped
    d.finish("rmmod");
    EXPECT_EQ(d.outcome(), "loader: insmod=0 | worker: - | rmmod: rmmod=0") << era;
    expect_violation(d, "worker", kCodeAfterUnload);
  }
}

TEST(Kthread, ModulePutAndKthreadExitLeavesNoModuleTextToRun) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(scenario_in(era, with_kthread("[\"work\", \"module_put_and_kthread_exit(0)\"]", true), kThreadFibers));
    d.finish("loader");
    d.until("worker", "m->worker: module_put_and_kthread_exit(0)");
    next_op(d, "rmmod");  // the thread still holds its reference
    d.finish("worker");   // the put runs in core text and the thread exits there
    EXPECT_EQ(d.outcome(), "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-EWOULDBLOCK") << era;
    EXPECT_FALSE(d.ex().violation().has_value());
  }
}

TEST(Kthread, CompleteThenReturnRunsFreedTextOnceExitStopsWaiting) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(scenario_in(era, with_kthread("[\"work\", \"complete(done)\", \"return 0\"]", false, "[\"wait_for_completion(done)\"]"),
                         kThreadFibers));
    d.finish("loader");
    d.until("rmmod", "m->exit: wait_for_completion(done)");
    d.take("rmmod");
    EXPECT_FALSE(d.runnable("rmmod"));  // exit() waits for the thread
    d.until("worker", "m->worker: return 0");
    d.finish("rmmod");
    EXPECT_TRUE(d.mod().text_freed) << era;
    expect_violation(d, "worker", kCodeAfterUnload);
  }
}

TEST(Kthread, TheSearchTellsTheUnsafeExitsFromTheHelpers) {
  for (const char* era : {"2.6.24", "modern"}) {
    const std::string kind = "verdict = \"violation\"\nkind = \"module-code-after-unload\"";
    EXPECT_TRUE(check_all(scenario_in(era, with_kthread("[\"work\", \"module_put(THIS_MODULE)\", \"return 0\"]", true),
                                      kThreadFibers, kind)).result.matches) << era;
    EXPECT_TRUE(check_all(scenario_in(era, with_kthread("[\"work\", \"complete(done)\", \"return 0\"]", false,
                                                        "[\"wait_for_completion(done)\"]"),
                                      kThreadFibers, kind)).result.matches) << era;
    const auto put = check_all(scenario_in(era, with_kthread("[\"work\", \"module_put_and_kthread_exit(0)\"]", true), kThreadFibers));
    EXPECT_EQ(put.result.report.verdict, engine::Verdict::Safe) << era;
    const auto done = check_all(scenario_in(era, with_kthread("[\"work\", \"kthread_complete_and_exit(done, 0)\"]", false,
                                                              "[\"wait_for_completion(done)\"]"),
                                            kThreadFibers));
    EXPECT_EQ(done.result.report.verdict, engine::Verdict::Safe) << era;
    EXPECT_EQ(done.outcomes, (std::set<std::string>{"loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-EBUSY",
                                                    "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-ENOENT",
                                                    "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=0"}))
        << era;
  }
}

TEST(Kthread, ThePinnedThreadsHelperExitHasFourOutcomesToday) {
  const auto c = check_all(scenario_in("modern", with_kthread("[\"work\", \"module_put_and_kthread_exit(0)\"]", true), kThreadFibers));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-EBUSY",
                                               "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-ENOENT",
                                               "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-EWOULDBLOCK",
                                               "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=0"}));
}

TEST(Kthread, ThePinnedThreadsHelperExitHasFourOutcomesIn2624) {
  // Regression (the bug of HiddenLockRace.TheSearchFindsRmmodBeforeAndAfterACloseOnTheOtherCpu in
  // tests/regressions): the thread runs on CPU 1 and puts there; rmmod's stop_machine before that
  // put (-EWOULDBLOCK, reached by hand in ModulePutAndKthreadExitLeavesNoModuleTextToRun) was
  // never explored by the default search (it was: see engine/search/race_tracker.cpp, hidden lock races).
  const auto c = check_all(scenario_in("2.6.24", with_kthread("[\"work\", \"module_put_and_kthread_exit(0)\"]", true), kThreadFibers));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-EBUSY",
                                               "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-ENOENT",
                                               "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=-EWOULDBLOCK",
                                               "loader: insmod=0 | worker: exit=0 | rmmod: rmmod=0"}));
}

// ---- misc devices -----------------------------------------------------------------------------

std::string misc(const std::string& owner) {
  return "[module.m]\nregister = \"misc_register\"\nfops.owner = \"" + owner + "\"\nfops.open = [\"work\", \"return 0\"]\n";
}

TEST(Misc, OpenRunsTheDriversOpenWithMiscMtxHeld) {
  Driver d(scenario_in("modern", misc("THIS_MODULE"),
                       "[fiber.a]\nrun = [\"open /dev/m\"]\n[fiber.b]\nrun = [\"open /dev/m\"]\n"));
  d.until("a", "m->open: work");
  d.until("b", "misc_open: mutex_lock(&misc_mtx)");
  EXPECT_FALSE(d.runnable("b"));
  d.finish("a");
  EXPECT_TRUE(d.runnable("b"));
  d.finish("b");
  EXPECT_EQ(d.outcome(), "a: open=0 | b: open=0");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 2);  // fops_get pins once per open; misc's cdev pins nothing
}

TEST(Misc, MiscDeregisterWaitsForAnOpenInsideTheDriver) {
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(scenario_in(era, misc("NULL"), "[fiber.opener]\nrun = [\"open /dev/m\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n"));
    d.until("opener", "m->open: work");  // no pin (owner NULL): rmmod goes on to exit()
    d.until("rmmod", "misc_deregister: mutex_lock(&misc_mtx)");
    EXPECT_EQ(d.mod().state, ModuleState::Going) << era;
    EXPECT_FALSE(d.runnable("rmmod")) << era;
    d.finish("opener");  // ->open returns in text that is still there
    EXPECT_TRUE(d.runnable("rmmod")) << era;
    d.finish("rmmod");
    EXPECT_EQ(d.outcome(), "opener: open=0 | rmmod: rmmod=0") << era;
    EXPECT_FALSE(d.ex().violation().has_value()) << era;
  }
}

// A failed ->open (the driver's checked self get, refused while the module is GOING): 2.6.24's
// misc_open puts the module's fops before it drops misc_mtx, so misc_deregister, which waits for
// misc_mtx, cannot let the module be freed first; today the put comes after, in do_dentry_open.
TEST(Misc, In2624AFailedOpenPutsTheModulesFopsBeforeDroppingMiscMtx) {
  const std::string failing = "[module.m]\nregister = \"misc_register\"\nfops.owner = \"NULL\"\n"
                              "fops.open = [\"if (!try_module_get(THIS_MODULE)) return -ENODEV\", \"return 0\"]\n";
  const std::string fibers = "[fiber.opener]\nrun = [\"open /dev/m\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n";
  for (const char* era : {"2.6.24", "modern"}) {
    Driver d(scenario_in(era, failing, fibers));
    d.until("rmmod", "m->exit");  // GOING: the get in ->open will fail
    d.until("opener", "misc_open: mutex_unlock(&misc_mtx)");
    const bool put_inside = took(d, "opener", "fops_put: read fops->owner");
    EXPECT_EQ(put_inside, std::string(era) == "2.6.24") << era;
    d.finish("opener");
    d.finish("rmmod");
    EXPECT_EQ(d.outcome(), "opener: open=-ENODEV | rmmod: rmmod=0") << era;
  }
}

// free_module writes what lives in the module's data: a static struct cdev only when the module
// has one (cdev_add); a misc device's cdev is misc's own, in core memory.
TEST(Misc, FreeModuleWritesNoStaticCdevOfAMiscModule) {
  Driver d(scenario_in("modern", misc("NULL"), "[fiber.rmmod]\nrun = [\"rmmod m\"]\n"));
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0");
  EXPECT_TRUE(took(d, "rmmod", "free_module: ... struct module"));
  EXPECT_FALSE(took(d, "rmmod", "free_module: ... the static struct cdev"));
}

TEST(Misc, AnOpenAfterMiscDeregisterFindsNoMinor) {
  Driver d(scenario_in("modern", misc("THIS_MODULE"), "[fiber.rmmod]\nrun = [\"rmmod m\"]\n[fiber.opener]\nrun = [\"open /dev/m\"]\n"));
  d.finish("rmmod");
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | opener: open=-ENODEV");
}

TEST(Misc, WithAnOwnerTheOpenFilePinsTheModule) {
  const auto c = check_all(scenario_in("modern", misc("THIS_MODULE"),
                                       "[fiber.opener]\nrun = [\"open /dev/m\", \"close\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"opener: open=-ENODEV close=-EBADF | rmmod: rmmod=0",
                                               "opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK",
                                               "opener: open=0 close=0 | rmmod: rmmod=0"}));
}

TEST(Misc, WithoutAnOwnerTheCloseReadsFreedFops) {
  const auto c = check_all(scenario_in("modern", misc("NULL"),
                                       "[fiber.opener]\nrun = [\"open /dev/m\", \"close\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n",
                                       "verdict = \"violation\"\nkind = \"module-data-after-free\""));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
}

}  // namespace
}  // namespace rw::models::testing
