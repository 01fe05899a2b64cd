// tests/models/deferred_test.cpp: work items, timers, RCU callbacks and kthread_stop
// (models/deferred.hpp), and sysfs_remove_file_self, as a user relies on them: the module's
// exit that flushes, cancels, waits for RCU or stops the thread keeps its text alive until the
// deferred function has returned; one that does not lets it run after the free.
#include <gtest/gtest.h>

#include <string>

#include "driver.hpp"
#include "models/check.hpp"
#include "models/violations.hpp"

namespace rw::models::testing {
namespace {

// A module `m` loaded by the first fiber, whose init queues what `init` says, with `exit` and
// the deferred functions in `functions`; `runner` is the fiber that runs the deferred function.
std::string deferred(const std::string& init, const std::string& exit, const std::string& functions,
                     const std::string& runner, const std::string& expect = "verdict = \"safe\"") {
  return "name = \"t\"\nkernel = \"modern\"\n[module.m]\nregister = \"none\"\ninit = [" + init + ", \"return 0\"]\n" +
         (exit.empty() ? "" : "exit = [" + exit + "]\n") + functions +
         "\n[fiber.insmod]\nsetup = [\"insmod m\"]\nrun = [\"lsmod m\"]\n[fiber.runner]\nrun = [\"" + runner +
         "\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n[expect]\n" + expect + "\n";
}

// The nf_nat pattern: a work item holding a module reference drops it as its last statement.
const std::string kPutInWork = "work.cleanup = [\"work\", \"module_put(THIS_MODULE)\"]";

TEST(Deferred, AWorkFunctionsEndAfterItsOwnPutRunsFreedText) {
  Driver d(deferred("\"__module_get(THIS_MODULE)\", \"schedule_work(cleanup)\"", "", kPutInWork, "work m.cleanup"));
  d.until("runner", "m->cleanup: return");  // after module_put: only the function's end is left
  d.finish("rmmod");
  EXPECT_TRUE(d.mod().text_freed);
  EXPECT_THROW(d.take("runner"), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kCodeAfterUnload);
}

TEST(Deferred, FlushWorkInExitWaitsUntilTheWorkFunctionReturned) {
  Driver d(deferred("\"schedule_work(cleanup)\"", "\"flush_work(cleanup)\"", "work.cleanup = [\"work\", \"work\"]",
                    "work m.cleanup"));
  d.until("runner", "m->cleanup: return");
  d.until("rmmod", "m->exit: flush_work(cleanup)");
  d.take("rmmod");  // the statement's text step; flush_work itself now waits
  EXPECT_FALSE(d.runnable("rmmod"));
  d.finish("runner");
  d.finish("rmmod");
  EXPECT_FALSE(d.ex().violation().has_value());
  EXPECT_EQ(d.mod().deferred_running[0], 0);
}

TEST(Deferred, CancelWorkSyncOfAPendingWorkMeansItNeverRuns) {
  const Checked c = check_all(deferred("\"schedule_work(tx)\"", "\"cancel_work_sync(tx)\"", "work.tx = [\"work\"]",
                                       "work m.tx"));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
  EXPECT_EQ(c.result.report.verdict, engine::Verdict::Safe);
  // Both: the kworker ran it before the cancel, or never did (its fiber is no deadlock).
  bool ran = false, never = false;
  for (const auto& o : c.outcomes) {
    ran |= o.find("runner: work=0") != std::string::npos;
    never |= o.find("runner: - ") != std::string::npos || o.find("runner: -") != std::string::npos;
  }
  EXPECT_TRUE(ran);
  EXPECT_TRUE(never);
}

TEST(Deferred, DelTimerDoesNotWaitForARunningTimerButDelTimerSyncDoes) {
  const std::string fn = "timer.t = [\"work\", \"work\"]";
  const Checked plain = check_all(deferred("\"mod_timer(t)\"", "\"del_timer(t)\"", fn, "timer m.t",
                                           "verdict = \"violation\"\nkind = \"module-code-after-unload\""));
  EXPECT_TRUE(plain.result.matches) << plain.result.mismatch;
  const Checked sync = check_all(deferred("\"mod_timer(t)\"", "\"del_timer_sync(t)\"", fn, "timer m.t"));
  EXPECT_TRUE(sync.result.matches) << sync.result.mismatch;
  EXPECT_EQ(sync.result.report.verdict, engine::Verdict::Safe);
}

TEST(Deferred, ATimerFunctionMustNotSleep) {
  const Checked c = check_all(deferred("\"mod_timer(t)\"", "\"del_timer_sync(t)\"", "timer.t = [\"msleep(1)\"]",
                                       "timer m.t", "verdict = \"violation\"\nkind = \"sleep-in-atomic\""));
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
}

TEST(Deferred, RcuBarrierInExitWaitsForQueuedCallbacks) {
  const std::string fn = "rcu.free_entry = [\"work\"]";
  const Checked with = check_all(deferred("\"call_rcu(free_entry)\"", "\"rcu_barrier()\"", fn, "rcu m.free_entry"));
  EXPECT_TRUE(with.result.matches) << with.result.mismatch;
  EXPECT_EQ(with.result.report.verdict, engine::Verdict::Safe);
  const Checked without = check_all(deferred("\"call_rcu(free_entry)\"", "\"work\"", fn, "rcu m.free_entry",
                                             "verdict = \"violation\"\nkind = \"module-code-after-unload\""));
  EXPECT_TRUE(without.result.matches) << without.result.mismatch;
}

TEST(Deferred, AnRcuCallbackWaitsForTheGracePeriod) {
  // The opener's call into m queues the callback from inside an RCU read section: the callback
  // cannot run until the reader leaves it.
  Driver d(
      "name = \"t\"\nkernel = \"modern\"\n[module.m]\nregister = \"none\"\nrcu.cb = [\"work\"]\n"
      "export.reader = [\"rcu_read_lock()\", \"call_rcu(cb)\", \"work\", \"rcu_read_unlock()\", \"return 0\"]\n"
      "[module.user]\nfops.owner = \"THIS_MODULE\"\nfops.open = [\"m.reader()\", \"return 0\"]\n"
      "[fiber.opener]\nrun = [\"open /dev/user\"]\n[fiber.rcu]\nrun = [\"rcu m.cb\"]\n"
      "[expect]\nverdict = \"safe\"\n");
  d.until("opener", "m->reader: work");
  EXPECT_EQ(d.mod().deferred_pending[0], 1);
  EXPECT_FALSE(d.runnable("rcu"));  // a reader that began before call_rcu is still inside
  d.until("opener", "m->reader: return");
  EXPECT_TRUE(d.runnable("rcu"));
  d.finish("rcu");
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0 | rcu: rcu=0");
}

TEST(Deferred, KthreadStopWaitsForTheThreadToExit) {
  const std::string text =
      "name = \"t\"\nkernel = \"modern\"\n[module.m]\nregister = \"none\"\ninit = [\"kthread_run(worker)\", \"return 0\"]\n"
      "exit = [\"kthread_stop(worker)\"]\nkthread.worker = [\"wait_event(kthread_should_stop())\", \"work\", \"return 0\"]\n"
      "[fiber.insmod]\nsetup = [\"insmod m\"]\nrun = [\"lsmod m\"]\n[fiber.thread]\nrun = [\"kthread m.worker\"]\n"
      "[fiber.rmmod]\nrun = [\"rmmod m\"]\n[expect]\nverdict = \"safe\"\n";
  Driver d(text);
  d.until("thread", "m->worker: wait_event");
  d.take("thread");  // the text step; now it sleeps until kthread_stop
  EXPECT_FALSE(d.runnable("thread"));
  d.until("rmmod", "kthread_stop: wait_for_completion");
  EXPECT_FALSE(d.runnable("rmmod"));  // the thread has not exited
  EXPECT_TRUE(d.runnable("thread"));  // should_stop is set: it wakes
  d.finish("thread");
  d.finish("rmmod");
  EXPECT_FALSE(d.ex().violation().has_value());
  const Checked c = check_all(text);
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
  // A thread stopped before it ran never calls its function.
  bool never_ran = false;
  for (const auto& o : c.outcomes) never_ran |= o.find("thread: return=-EINTR") != std::string::npos;
  EXPECT_TRUE(never_ran);
}

TEST(Deferred, KthreadStopOfAThreadNeverCreatedIsAKernelBug) {
  const Checked c = check_all(
      "name = \"t\"\nkernel = \"modern\"\n[module.m]\nregister = \"none\"\nexit = [\"kthread_stop(worker)\"]\n"
      "kthread.worker = [\"return 0\"]\nexport.start = [\"kthread_run(worker)\", \"return 0\"]\n"
      "[fiber.thread]\nrun = [\"kthread m.worker\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n"
      "[expect]\nverdict = \"violation\"\nkind = \"kernel-bug\"\n");
  EXPECT_TRUE(c.result.matches) << c.result.mismatch;
}

TEST(Deferred, SysfsRemoveFileSelfDrainsOnlyTheOtherWriters) {
  const std::string self =
      "name = \"t\"\nkernel = \"modern\"\n[module.m]\nregister = \"none\"\n[module.m.callback.del]\n"
      "framework = \"sysfs-store\"\nbody = [\"sysfs_remove_file_self(del)\", \"return 0\"]\n"
      "[fiber.writer]\nrun = [\"call m.del\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n[expect]\n";
  const Checked ok = check_all(self + "verdict = \"safe\"\n");
  EXPECT_TRUE(ok.result.matches) << ok.result.mismatch;
  // sysfs_remove_file from the store itself waits for its own active reference: it hangs.
  std::string plain = self;
  plain.replace(plain.find("sysfs_remove_file_self"), 22, "sysfs_remove_file");
  const Checked hang = check_all(plain + "verdict = \"violation\"\nkind = \"deadlock\"\n");
  EXPECT_TRUE(hang.result.matches) << hang.result.mismatch;
}

}  // namespace
}  // namespace rw::models::testing
