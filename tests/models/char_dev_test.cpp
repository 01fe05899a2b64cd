// tests/models/char_dev_test.cpp: chrdev_open's pins, the i_cdev cache, cdev_del and the
// deferred cdev_purge (shared/KERNEL.md §4.4), driven by hand-written schedules.
#include <gtest/gtest.h>

#include "driver.hpp"

namespace rw::models::testing {
namespace {

TEST(ChrdevOpen, RegisterChrdevWithOwnerPinsTheModuleTwice) {
  Driver d(scenario(kOwnerPin, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"));
  d.until("opener", "__fput");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 2);  // cdev_get (cdev->owner) and fops_get (fops->owner)
  EXPECT_EQ(d.mod().cdev.kobj_refcount, 2);
  EXPECT_EQ(d.mod().inode.i_cdev, &d.mod().cdev);
  d.finish("opener");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);
  EXPECT_EQ(d.mod().cdev.kobj_refcount, 1);
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0");
}

TEST(ChrdevOpen, CdevInitLeavesCdevOwnerNullSoOnlyTheFopsPinIsTaken) {
  Driver d(scenario("register = \"cdev_add\"\n" + std::string(kOwnerPin),
                    "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"));
  d.until("opener", "__fput");
  EXPECT_EQ(d.mod().cdev.owner, nullptr);
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 1);
  d.finish("opener");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);
}

TEST(ChrdevOpen, WithoutOwnerNothingIsPinned) {
  Driver d(scenario("fops.owner = \"NULL\"\nfops.open = [\"work\", \"return 0\"]",
                    "[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"));
  d.finish("opener");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);
  EXPECT_EQ(d.outcome(), "opener: open=0");
}

TEST(ChrdevOpen, TheSecondOpenerTakesTheFastPathThroughICdev) {
  Driver d(scenario(kOwnerPin, "[fiber.a]\nrun = [\"open /dev/chardev\"]\n[fiber.b]\nrun = [\"open /dev/chardev\"]\n"));
  d.finish("a");
  d.finish("b");
  bool b_looked_up = false;
  for (const auto& s : d.ex().trace())
    if (s.fiber == d.fiber("b") && s.label.starts_with("kobj_lookup")) b_looked_up = true;
  EXPECT_FALSE(b_looked_up);
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 4);
  EXPECT_EQ(d.mod().cdev.kobj_refcount, 3);
}

TEST(ChrdevOpen, TwoFirstOpenersRaceToInstallICdevAndTheLoserDropsItsExtraReference) {
  Driver d(scenario(kOwnerPin, "[fiber.a]\nrun = [\"open /dev/chardev\"]\n[fiber.b]\nrun = [\"open /dev/chardev\"]\n"));
  d.until("a", "chrdev_open: spin_lock(&cdev_lock); p = inode->i_cdev again");
  d.until("b", "chrdev_open: spin_lock(&cdev_lock); p = inode->i_cdev again");
  d.finish("a");  // installs i_cdev = new
  d.finish("b");  // finds i_cdev set: cdev_get(p), then cdev_put(new)
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 4);
  EXPECT_EQ(d.mod().cdev.kobj_refcount, 3);
  EXPECT_EQ(d.outcome(), "a: open=0 | b: open=0");
}

TEST(ChrdevOpen, FailsWithEnxioOnceRmmodUnmappedTheDevice) {
  Driver d(scenario(kOwnerPin, "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n[fiber.opener]\nrun = [\"open /dev/chardev\"]\n"));
  d.finish("rmmod");
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "rmmod: rmmod=0 | opener: open=-ENXIO");  // fibers in file order
  EXPECT_FALSE(d.ex().violation().has_value());
}

TEST(CdevDel, AnOpenFileDefersThePurgeToItsLastClose) {
  // .owner NULL so that rmmod can run while the file is open; the close path then reads freed
  // module data in fops_put, which is the W3 bug, so stop before it.
  Driver d(scenario("fops.owner = \"NULL\"\nfops.open = [\"return 0\"]",
                    "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.until("rmmod", "free_module");
  EXPECT_FALSE(d.mod().cdev.mapped);
  EXPECT_EQ(d.mod().cdev.kobj_refcount, 1);  // the open file's kobject reference
  EXPECT_EQ(d.mod().inode.i_cdev, &d.mod().cdev);
  EXPECT_FALSE(d.mod().cdev.freed);
  d.until("opener", "fops_put");  // __fput: ->release (none), cdev_put: the last kobject_put
  EXPECT_EQ(d.mod().cdev.kobj_refcount, 0);
  EXPECT_EQ(d.mod().inode.i_cdev, nullptr);  // cdev_purge
  EXPECT_TRUE(d.mod().cdev.freed);           // cdev_dynamic_release
}

TEST(CdevDel, WithoutOpenFilesPurgesAndFreesAtOnce) {
  Driver d(scenario(kOwnerPin, "[fiber.opener]\nsetup = [\"open /dev/chardev\", \"close\"]\nrun = [\"open /dev/chardev\", \"close\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.until("rmmod", "free_module");
  EXPECT_EQ(d.mod().cdev.kobj_refcount, 0);
  EXPECT_EQ(d.mod().inode.i_cdev, nullptr);
  EXPECT_TRUE(d.mod().cdev.freed);
  d.finish("opener");  // i_cdev is NULL and the probe is gone: -ENXIO, no access to the freed cdev
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 open=-ENXIO close=-EBADF | rmmod: rmmod=0");
  EXPECT_FALSE(d.ex().violation().has_value());
}

}  // namespace
}  // namespace rw::models::testing
