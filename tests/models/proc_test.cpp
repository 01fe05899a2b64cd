// tests/models/proc_test.cpp: a module's /proc entry in both eras (shared/KERNEL.md §5, W6-W8,
// W15, W16): 2.6.24's proc_dir_entry->owner pin per inode and pde_users drain, today's
// use_pde/unuse_pde, proc_entry_rundown and close_pdeo, driven by hand-written schedules, and a
// few whole scenarios checked exhaustively.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "driver.hpp"
#include "engine/explorer.hpp"
#include "models/check.hpp"

namespace rw::models::testing {
namespace {

// A module `sched` with only a /proc entry, /proc/sched. `proc_lines` are its proc.* keys.
std::string sched(const std::string& era, const std::string& proc_lines, const std::string& fibers,
                  const std::string& expect = "verdict = \"safe\"") {
  return "name = \"t\"\nkernel = \"" + era + "\"\n[module.sched]\nregister = \"none\"\nproc.name = \"sched\"\n" +
         proc_lines + "\n" + fibers + "\n[expect]\n" + expect + "\n";
}




long ref_sum(Driver& d) { return d.mod().ref[0] + d.mod().ref[1]; }


const char* kOwned = "proc.owner = \"THIS_MODULE\"\nproc.read = [\"work\", \"return 33\"]";
// No owner; ->read and ->release count their calls in `reads` and `released`.
const char* kCounting =
    "proc.read = [\"atomic_inc(reads)\", \"return 33\"]\n"
    "proc.release = [\"atomic_inc(released)\", \"return 0\"]";
constexpr std::size_t kReads = 0, kReleased = 1;

// ---- 2.6.24: the owner pin, one per inode (§5.1, W6) ------------------------------------------

TEST(ProcOwner2624, PinsTheModuleOncePerInodeNotPerOpenFile) {
  Driver d(sched("2.6.24", kOwned,
                 "[fiber.a]\nrun = [\"open /proc/sched\", \"read\", \"close\"]\n"
                 "[fiber.b]\nrun = [\"open /proc/sched\", \"read\", \"close\"]\n"
                 "[fiber.shell]\nrun = [\"lsmod sched\", \"rmmod sched\", \"lsmod sched\", \"rmmod sched\"]\n"));
  next_op(d, "a");
  EXPECT_EQ(ref_sum(d), 1);  // proc_get_inode: try_module_get(de->owner)
  EXPECT_TRUE(d.mod().proc.inode_pinned);
  next_op(d, "b");           // the cached dentry: no new inode, no new pin
  EXPECT_EQ(ref_sum(d), 1);
  EXPECT_EQ(d.mod().proc.dentry_refs, 2);
  next_op(d, "shell");  // lsmod: 1, as the Q&A's "sched 2868 1"
  next_op(d, "shell");  // rmmod: the pin
  EXPECT_EQ(d.mod().state, ModuleState::Live);
  d.finish("a");
  EXPECT_EQ(ref_sum(d), 1);  // the other open file keeps the dentry, the inode and the pin
  d.finish("b");             // the last dput: proc_delete_inode puts de->owner
  EXPECT_EQ(ref_sum(d), 0);
  EXPECT_FALSE(d.mod().proc.inode_pinned);
  d.finish("shell");
  EXPECT_EQ(d.outcome(), "a: open=0 read=33 close=0 | b: open=0 read=33 close=0 | "
                         "shell: lsmod=1 rmmod=-EWOULDBLOCK lsmod=0 rmmod=0");
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(ProcOwner2624, MitRmmodSaysInUseFromTheProcModulesPrecheck) {
  Driver d(sched("2.6.24", kOwned, "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"close\"]\n"
                                   "[fiber.shell]\nrun = [\"mit-rmmod sched\", \"mit-rmmod sched\"]\n"));
  next_op(d, "shell");
  EXPECT_FALSE(took(d, "shell", "delete_module"));  // check_usage refused before any syscall
  d.finish("tail");
  d.finish("shell");
  EXPECT_EQ(d.outcome(), "tail: open=0 close=0 | shell: rmmod=ERROR: Module sched is in use rmmod=0");
}

TEST(ProcOwner2624, AnOpenDuringUnloadFailsInTheLookupWithEinval) {
  Driver d(sched("2.6.24", kOwned, "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n[fiber.tail]\nrun = [\"open /proc/sched\"]\n"));
  d.until("rmmod", "delete_module: mutex_unlock(&module_mutex)");  // GOING; remove_proc_entry not yet
  EXPECT_TRUE(d.mod().proc.registered);
  d.finish("tail");  // proc_get_inode's try_module_get fails: proc_lookup returns -EINVAL
  EXPECT_EQ(d.mod().proc.dentry_refs, 0);
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | tail: open=-EINVAL");
}

TEST(ProcOwner2624, AnOpenAfterRemovalFindsNoEntry) {
  Driver d(sched("2.6.24", kOwned, "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n[fiber.tail]\nrun = [\"open /proc/sched\"]\n"));
  d.finish("rmmod");
  d.finish("tail");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | tail: open=-ENOENT");
}

TEST(ProcOwner2624, RmmodWaitSleepsUntilTheLastCloseDropsTheInodePin) {
  Driver d(sched("2.6.24", kOwned, "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"read\", \"close\"]\n"
                                   "[fiber.rmmod]\nrun = [\"rmmod -w sched\"]\n"));
  d.until("rmmod", "wait_for_zero_refcount: schedule()");
  EXPECT_FALSE(d.runnable("rmmod"));
  next_op(d, "tail");  // existing files keep working while GOING
  EXPECT_FALSE(d.runnable("rmmod"));
  d.finish("tail");  // proc_delete_inode's module_put wakes rmmod
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "tail: open=0 read=33 close=0 | rmmod: rmmod=0");
  EXPECT_FALSE(d.ex().violation().has_value());
}

// ---- 2.6.24: owner set after the entry is visible (W16) ---------------------------------------

const std::string kOwnerLate = sched(
    "2.6.24", "proc.owner = \"THIS_MODULE\"\nproc.read = [\"work\", \"return 33\"]\n"
              "init = [\"create_proc_entry(sched)\", \"proc->owner = THIS_MODULE\", \"return 0\"]",
    "[fiber.insmod]\nrun = [\"insmod sched\"]\n[fiber.tail]\nrun = [\"open /proc/sched\", \"close\"]\n");

TEST(ProcOwnerLate2624, AnOpenBeforeTheOwnerIsSetPinsNothingAndItsCloseUnderflows) {
  Driver d(kOwnerLate);
  d.until("insmod", "sched->init: proc->owner = THIS_MODULE");  // registered, owner still NULL
  next_op(d, "tail");
  EXPECT_FALSE(d.mod().proc.inode_pinned);
  d.finish("insmod");  // owner set, LIVE, the init reference dropped
  EXPECT_EQ(ref_sum(d), 0);
  EXPECT_THROW(d.finish("tail"), std::runtime_error);  // proc_delete_inode re-reads de->owner
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kRefcountUnderflow);
  EXPECT_EQ(ref_sum(d), -1);
}

TEST(ProcOwnerLate2624, AnOpenAfterTheOwnerIsSetIsBalanced) {
  Driver d(kOwnerLate);
  d.finish("insmod");
  d.finish("tail");
  EXPECT_EQ(ref_sum(d), 0);
  EXPECT_EQ(d.outcome(), "insmod: insmod=0 | tail: open=0 close=0");
}

TEST(ProcOwnerLate2624, TheSearchFindsTheUnderflow) {
  std::string toml = kOwnerLate;
  toml.replace(toml.find("verdict = \"safe\""), std::string::npos, "verdict = \"violation\"\nkind = \"refcount-underflow\"\n");
  const auto c = check_all(toml);
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
}

TEST(ProcOwnerLate2624, RegisteringWithTheOwnerIsSafe) {
  // The default init: the entry is created with its owner already set.
  const auto c = check_all(sched("2.6.24", kOwned, "[fiber.insmod]\nrun = [\"insmod sched\"]\n"
                                                   "[fiber.tail]\nrun = [\"open /proc/sched\", \"close\"]\n"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"insmod: insmod=0 | tail: open=-ENOENT close=-EBADF",
                                               "insmod: insmod=0 | tail: open=0 close=0"}));
}

// ---- 2.6.24 without an owner: the pde_users drain (W7) -----------------------------------------

TEST(ProcDrain2624, RmmodSucceedsWhileTheFileIsOpen) {
  Driver d(sched("2.6.24", kCounting, "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"read\", \"close\"]\n"
                                      "[fiber.rmmod]\nrun = [\"lsmod sched\", \"rmmod sched\"]\n"));
  d.finish("rmmod");
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_FALSE(d.mod().proc.fops_present);
  d.finish("tail");  // the fallbacks: read -EIO, release skipped (a leak, not a use-after-free)
  EXPECT_EQ(d.outcome(), "tail: open=0 read=-EIO close=0 | rmmod: lsmod=0 rmmod=0");
  EXPECT_EQ(var(d, kReads), 0);
  EXPECT_EQ(var(d, kReleased), 0);
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(ProcDrain2624, RemoveProcEntryWaitsForAReaderInsideTheHandler) {
  Driver d(sched("2.6.24", kCounting, "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"read\", \"read\", \"close\"]\n"
                                      "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n"));
  d.until("tail", "sched->proc_read: atomic_inc(reads)");  // pde_users is 1
  EXPECT_EQ(d.mod().proc.pde_users, 1);
  d.until("rmmod", "remove_proc_entry: wait_for_completion");
  EXPECT_FALSE(d.mod().proc.fops_present);  // new callers are turned away already
  EXPECT_FALSE(d.runnable("rmmod"));
  next_op(d, "tail");  // the read in flight finishes in module text that is still there
  EXPECT_EQ(d.mod().proc.pde_users, 0);
  EXPECT_TRUE(d.runnable("rmmod"));
  d.finish("rmmod");
  d.finish("tail");
  EXPECT_EQ(d.outcome(), "tail: open=0 read=33 read=-EIO close=0 | rmmod: rmmod=0");
  EXPECT_EQ(var(d, kReads), 1);
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(ProcDrain2624, AnOpenThroughTheCachedDentryAfterRemovalSucceedsWithoutTheModule) {
  // proc_reg_open's fallback is 0: a second open of a path still held open finds the dentry.
  Driver d(sched("2.6.24", "proc.open = [\"atomic_inc(opens)\", \"return 0\"]",
                 "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"close\"]\n"
                 "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n[fiber.cat]\nrun = [\"open /proc/sched\", \"read\", \"close\"]\n"));
  EXPECT_EQ(var(d, 0), 1);
  d.finish("rmmod");
  d.finish("cat");
  d.finish("tail");
  EXPECT_EQ(var(d, 0), 1);  // the module's ->open was not called again
  EXPECT_EQ(d.outcome(), "tail: open=0 close=0 | rmmod: rmmod=0 | cat: open=0 read=-EIO close=0");
}

// ---- Modern: use_pde, proc_entry_rundown, close_pdeo (§5.3, W8) -------------------------------

TEST(ProcModern, RmmodSucceedsWhileOpenAndLaterReadsGetEio) {
  Driver d(sched("modern", kCounting, "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"read\", \"read\", \"close\"]\n"
                                      "[fiber.shell]\nrun = [\"lsmod sched\", \"rmmod sched\"]\n"));
  next_op(d, "tail");
  d.finish("shell");
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_EQ(var(d, kReleased), 1);  // the rundown released the open file
  EXPECT_FALSE(d.task("tail").pdeo);
  d.finish("tail");
  EXPECT_EQ(var(d, kReleased), 1);  // and the close did not release it again
  EXPECT_EQ(d.outcome(), "tail: open=0 read=33 read=-EIO close=0 | shell: lsmod=0 rmmod=0");
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(ProcModern, TheRundownWaitsForAReadInFlight) {
  Driver d(sched("modern", kCounting, "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"read\", \"close\"]\n"
                                      "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n"));
  d.until("tail", "sched->proc_read: atomic_inc(reads)");
  EXPECT_EQ(d.mod().proc.in_use, 1);
  d.until("rmmod", "proc_entry_rundown: wait_for_completion");
  EXPECT_TRUE(d.mod().proc.unloading);  // BIAS added: use_pde fails from here on
  EXPECT_FALSE(d.runnable("rmmod"));
  next_op(d, "tail");
  EXPECT_EQ(d.mod().proc.in_use, 0);
  EXPECT_TRUE(d.runnable("rmmod"));
  d.finish("rmmod");
  d.finish("tail");
  EXPECT_EQ(d.outcome(), "tail: open=0 read=33 close=0 | rmmod: rmmod=0");
  EXPECT_EQ(var(d, kReleased), 1);
}

TEST(ProcModern, AnOpenAfterTheRundownStartedFails) {
  Driver d(sched("modern", kCounting, "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n[fiber.cat]\nrun = [\"open /proc/sched\", \"close\"]\n"));
  d.until("cat", "proc_reg_open: use_pde");  // the lookup found the entry
  d.until("rmmod", "proc_entry_rundown: spin_lock");
  d.finish("cat");
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | cat: open=-ENOENT close=-EBADF");
  EXPECT_EQ(var(d, kReleased), 0);
}

TEST(ProcModern, ReleaseRunsOnceWhenTheCloseStartsItBeforeTheRundown) {
  Driver d(sched("modern", kCounting, "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"close\"]\n"
                                      "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n"));
  d.until("tail", "sched->proc_release");  // close_pdeo: closing = true, lock dropped
  EXPECT_TRUE(d.task("tail").pdeo_closing);
  d.until("rmmod", "close_pdeo: wait_for_completion");  // the rundown finds the opener closing
  EXPECT_FALSE(d.runnable("rmmod"));
  d.finish("tail");
  EXPECT_TRUE(d.runnable("rmmod"));
  d.finish("rmmod");
  EXPECT_EQ(var(d, kReleased), 1);
  EXPECT_EQ(d.outcome(), "tail: open=0 close=0 | rmmod: rmmod=0");
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(ProcModern, ReleaseRunsOnceWhenTheRundownStartsItBeforeTheClose) {
  Driver d(sched("modern", kCounting, "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"close\"]\n"
                                      "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n"));
  d.until("rmmod", "sched->proc_release");  // the rundown's close_pdeo marked it closing
  EXPECT_TRUE(d.task("tail").pdeo_closing);
  d.until("tail", "close_pdeo: wait_for_completion");
  EXPECT_FALSE(d.runnable("tail"));  // close(2) waits: the struct file stays valid
  d.until("rmmod", "free_module");
  EXPECT_TRUE(d.runnable("tail"));
  d.finish("tail");
  d.finish("rmmod");
  EXPECT_EQ(var(d, kReleased), 1);
  EXPECT_EQ(d.outcome(), "tail: open=0 close=0 | rmmod: rmmod=0");
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(ProcModern, AHandlerThatNeverReturnsHangsRmmodInTheRundown) {
  // W15: the rundown waits for every caller inside the module.
  Driver d(sched("modern", "proc.read = [\"wait_for_completion(data)\", \"return 1\"]",
                 "[fiber.tail]\nsetup = [\"open /proc/sched\"]\nrun = [\"read\"]\n[fiber.rmmod]\nrun = [\"rmmod sched\"]\n"));
  EXPECT_THROW({
    d.until("tail", "sched->proc_read: wait_for_completion(data)");
    d.take("tail");
    d.finish("rmmod");
  }, std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kDeadlock);
  EXPECT_NE(d.ex().violation()->message.find("proc_entry_rundown"), std::string::npos);
}

// ---- Whole scenarios, every interleaving ------------------------------------------------------

// The Q&A's experiment (scenarios/sched_proc_experiment.toml, inlined): `tail -f /proc/sched`,
// lsmod and module-init-tools' rmmod, in both eras.
std::string experiment(const std::string& era) {
  return sched(era, "proc.owner = \"THIS_MODULE\"\nproc.read = [\"work\", \"return 33\"]",
               "[fiber.tail]\nsetup = [\"open /proc/sched\", \"read\"]\n"
               "run = [\"wait rmmod_tried\", \"read\", \"close\", \"signal tail_exited\"]\n"
               "[fiber.shell]\nrun = [\"lsmod sched\", \"mit-rmmod sched\", \"signal rmmod_tried\", "
               "\"wait tail_exited\", \"lsmod sched\", \"mit-rmmod sched\"]\n");
}

TEST(ProcScenarios, TheQandAExperimentIn2624IsInUseUntilTailExits) {
  const auto c = check_all(experiment("2.6.24"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"tail: open=0 read=33 read=33 close=0 | shell: lsmod=1 "
                                               "rmmod=ERROR: Module sched is in use lsmod=0 rmmod=0"}));
}

TEST(ProcScenarios, TheQandAExperimentTodayUnloadsAtOnce) {
  // proc.owner is ignored today (struct proc_ops has none); the parser accepts the key.
  const auto c = check_all(experiment("modern"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"tail: open=0 read=33 read=-EIO close=0 | shell: lsmod=0 rmmod=0 "
                                               "lsmod=- rmmod=ERROR: Module sched does not exist in /proc/modules"}));
}

TEST(ProcScenarios, AReaderAndRmmodAreSafeInBothErasWithoutAnOwner) {
  for (const char* era : {"2.6.24", "modern"}) {
    const auto c = check_all(sched(era, kCounting, "[fiber.tail]\nrun = [\"open /proc/sched\", \"read\", \"close\"]\n"
                                                   "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n"));
    EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe) << era;
    EXPECT_EQ(c.outcomes, (std::set<std::string>{"tail: open=-ENOENT read=-EBADF close=-EBADF | rmmod: rmmod=0",
                                                 "tail: open=0 read=-EIO close=0 | rmmod: rmmod=0",
                                                 "tail: open=0 read=33 close=0 | rmmod: rmmod=0"}))
        << era;
  }
}

TEST(ProcScenarios, TheOwnerPinIn2624IsSafe) {
  const auto c = check_all(sched("2.6.24", kOwned, "[fiber.tail]\nrun = [\"open /proc/sched\", \"read\", \"close\"]\n"
                                                   "[fiber.rmmod]\nrun = [\"rmmod sched\"]\n"));
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(c.outcomes, (std::set<std::string>{"tail: open=-EINVAL read=-EBADF close=-EBADF | rmmod: rmmod=0",
                                               "tail: open=-ENOENT read=-EBADF close=-EBADF | rmmod: rmmod=0",
                                               "tail: open=0 read=33 close=0 | rmmod: rmmod=-EWOULDBLOCK",
                                               "tail: open=0 read=33 close=0 | rmmod: rmmod=0"}));
}

}  // namespace
}  // namespace rw::models::testing
