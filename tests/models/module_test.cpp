// tests/models/module_test.cpp: the module refcount primitives and delete_module, driven by
// hand-written schedules (shared/KERNEL.md §2-3).
#include <gtest/gtest.h>

#include "driver.hpp"

namespace rw::models::testing {
namespace {

const std::string kOpenerAndRmmod =
    "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n";
const std::string kHeldOpenAndRmmod =
    "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n";

TEST(DeleteModule, UnloadsAnIdleModuleAndFreesTextBeforeData) {
  Driver d(scenario(kOwnerPin, "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);
  d.until("rmmod", "free_mod_mem: free MOD_DATA");
  EXPECT_TRUE(d.mod().text_freed);
  EXPECT_FALSE(d.mod().data_freed);
  EXPECT_EQ(d.mod().state, ModuleState::Unformed);
  EXPECT_FALSE(d.mod().listed);
  d.finish("rmmod");
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_EQ(d.mod().refcnt, 0);
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0");
}

TEST(TryStopModule, ReportsBusyAndRestoresTheBaseWhileAFileIsOpen) {
  Driver d(scenario(kOwnerPin, kHeldOpenAndRmmod));
  d.until("opener", "__fput");  // setup done: the open file holds cdev_get's and fops_get's pins
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 2);
  d.finish("rmmod");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 2);
  EXPECT_EQ(d.mod().state, ModuleState::Live);
  EXPECT_FALSE(d.mod().text_freed);
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);
}

TEST(TryReleaseModuleRef, SucceedsWhenTheLastUserPutsBetweenItsTwoSteps) {
  Driver d(scenario(kOwnerPin, kHeldOpenAndRmmod));
  d.until("rmmod", "try_release_module_ref: atomic_add_unless");
  EXPECT_EQ(d.mod().refcnt, 2);  // the base is gone; two users remain
  d.finish("opener");            // close: cdev_put and fops_put drop both users
  EXPECT_EQ(d.mod().refcnt, 0);
  d.take("rmmod");  // atomic_add_unless(&refcnt, 1, 0) finds 0: the unload goes on
  EXPECT_EQ(d.mod().refcnt, 0);
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=0");
  EXPECT_TRUE(d.mod().data_freed);
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(TryReleaseModuleRef, AGetBetweenItsTwoStepsSucceedsAndMakesRmmodFail) {
  Driver d(scenario(kOwnerPin, kHeldOpenAndRmmod +
                                   std::string("[fiber.opener2]\nrun = [\"open /dev/chardev\", \"close\"]\n")));
  d.until("rmmod", "try_release_module_ref: atomic_add_unless");
  EXPECT_EQ(d.mod().refcnt, 2);
  d.until("opener2", "chrdev_open: spin_unlock(&cdev_lock)");  // cdev_get: inc_not_zero(2) succeeds
  EXPECT_EQ(d.mod().refcnt, 3);
  d.finish("rmmod");
  EXPECT_EQ(d.mod().state, ModuleState::Live);
  EXPECT_EQ(d.mod().refcnt, 4);  // recovery re-added the base
  d.finish("opener2");
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK | opener2: open=0 close=0");  // file order
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);
}

TEST(TryModuleGet, FailsOnceRefcntIsZeroEvenBeforeTheStateIsGoing) {
  Driver d(scenario(kOwnerPin, kOpenerAndRmmod));
  d.until("rmmod", "try_stop_module: mod->state = MODULE_STATE_GOING");
  EXPECT_EQ(d.mod().refcnt, 0);
  EXPECT_EQ(d.mod().state, ModuleState::Live);
  d.finish("opener");  // cdev_get: module_is_live says yes, atomic_inc_not_zero fails
  EXPECT_EQ(d.mod().refcnt, 0);
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=-ENXIO close=-EBADF | rmmod: rmmod=0");
}

TEST(TryModuleGet, FailsOnAGoingModule) {
  Driver d(scenario(kOwnerPin, kOpenerAndRmmod));
  d.until("rmmod", "delete_module: mutex_unlock(&module_mutex)");
  EXPECT_EQ(d.mod().state, ModuleState::Going);
  d.finish("opener");
  bool saw_state_check = false;
  for (const auto& s : d.ex().trace()) {
    if (s.fiber != d.fiber("opener")) continue;
    EXPECT_NE(s.label, "try_module_get: atomic_inc_not_zero(&mod->refcnt)");  // GOING fails first
    saw_state_check |= s.label == "try_module_get: module_is_live(mod)" && s.detail == "state GOING: fails";
  }
  EXPECT_TRUE(saw_state_check);
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=-ENXIO close=-EBADF | rmmod: rmmod=0");
}

TEST(ModulePut, AnUnbalancedPutStealsTheBaseAndRmmodHitsTheBug) {
  // open() does not get, release() puts: the put takes refcnt from the base to 0 (no WARN, W11),
  // and delete_module's atomic_sub_return then goes negative: BUG_ON(ret < 0).
  Driver d(scenario("fops.owner = \"NULL\"\nfops.open = [\"return 0\"]\nfops.release = [\"module_put(THIS_MODULE)\", \"return 0\"]",
                    "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.finish("opener");
  EXPECT_EQ(d.mod().refcnt, 0);
  EXPECT_EQ(d.mod().state, ModuleState::Live);
  EXPECT_THROW(d.finish("rmmod"), std::runtime_error);  // the execution ends at the BUG
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kRefcountBug);
}

TEST(ModulePut, APutAtZeroWarnsAsRefcountUnderflow) {
  Driver d(scenario("fops.owner = \"NULL\"\nfops.open = [\"return 0\"]\n"
                    "fops.release = [\"module_put(THIS_MODULE)\", \"module_put(THIS_MODULE)\", \"return 0\"]",
                    "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"));
  EXPECT_THROW(d.finish("opener"), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kRefcountUnderflow);
  EXPECT_EQ(d.mod().refcnt, 0);  // atomic_dec_if_positive stores nothing below zero
}

TEST(ModuleGet, IncrementsUnconditionally) {
  Driver d(scenario("fops.owner = \"NULL\"\nfops.open = [\"__module_get(THIS_MODULE)\", \"return 0\"]",
                    "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"));
  d.finish("opener");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 1);
}

TEST(DeleteModule, ASecondRmmodGetsEbusyWhileTheFirstUnloadsAndEnoentAfter) {
  Driver d(scenario(kOwnerPin, "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n[fiber.rmmod2]\nrun = [\"rmmod chardev\", \"rmmod chardev\"]\n"));
  d.until("rmmod", "chardev->exit");
  EXPECT_EQ(d.mod().state, ModuleState::Going);
  d.until("rmmod2", "delete_module: mutex_lock");
  d.take("rmmod2");
  d.until("rmmod2", "delete_module: mutex_lock");  // the first call returned -EBUSY
  d.finish("rmmod");
  d.finish("rmmod2");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | rmmod2: rmmod=-EBUSY rmmod=-ENOENT");
}

TEST(SelfGetInOpen, TheModuleTextRunsAfterFreeWhenRmmodWinsTheWindow) {
  Driver d(scenario(kNoOwnerSelfGet, kOpenerAndRmmod));
  d.until("opener", "chardev->open: try_module_get(THIS_MODULE)");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);  // nothing pinned the module
  d.finish("rmmod");
  EXPECT_TRUE(d.mod().text_freed);
  EXPECT_THROW(d.take("opener"), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kCodeAfterUnload);
}

TEST(SelfGetInOpen, RmmodReportsBusyOnceTheSelfGetLanded) {
  Driver d(scenario(kNoOwnerSelfGet, kOpenerAndRmmod));
  d.until("opener", "chardev->open: return 0");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 1);
  d.finish("rmmod");
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=-EWOULDBLOCK");
}

}  // namespace
}  // namespace rw::models::testing
