// tests/models/vfs_test.cpp: do_dentry_open's error path, vfs_read, and __fput's order
// (shared/KERNEL.md §4.3, §4.5).
#include <gtest/gtest.h>

#include "driver.hpp"

namespace rw::models::testing {
namespace {

TEST(DoDentryOpen, AFailingOpenDropsBothPins) {
  Driver d(scenario("fops.owner = \"THIS_MODULE\"\nfops.open = [\"return -EBUSY\"]",
                    "[fiber.opener]\nrun = [\"open /dev/chardev\", \"read\", \"close\"]\n"));
  d.finish("opener");
  EXPECT_EQ(d.outcome(), "opener: open=-EBUSY read=-EBADF close=-EBADF");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);  // chrdev_open's cdev_put and cleanup_all's fops_put
  EXPECT_EQ(d.mod().cdev.kobj_refcount, 1);    // inode->i_cdev stays set but holds no reference
  EXPECT_EQ(d.mod().inode.i_cdev, &d.mod().cdev);
}

TEST(VfsRead, CallsTheModulesReadOrReturnsEinvalWithoutOne) {
  Driver with(scenario(std::string(kOwnerPin) + "\nfops.read = [\"work\", \"return 5\"]",
                       "[fiber.opener]\nrun = [\"open /dev/chardev\", \"read\", \"close\"]\n"));
  with.finish("opener");
  EXPECT_EQ(with.outcome(), "opener: open=0 read=5 close=0");
  Driver without(scenario(kOwnerPin, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"read\", \"close\"]\n"));
  without.finish("opener");
  EXPECT_EQ(without.outcome(), "opener: open=0 read=-EINVAL close=0");
}

TEST(Fput, CallsReleaseBeforeDroppingThePins) {
  Driver d(scenario(kOwnerPin, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"));
  d.until("opener", "chardev->release: work");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 2);  // ->release runs with both VFS pins held
  d.until("opener", "fops_put");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE + 1);  // cdev_put dropped pin #1; fops_put drops the last
  d.finish("opener");
  EXPECT_EQ(d.mod().refcnt, MODULE_REF_BASE);
}

TEST(Fput, ReadsFopsOwnerFromFreedDataWhenReleaseDroppedTheOnlyReference) {
  // W3 with the module's own __module_get in open: release puts, rmmod frees, and __fput's
  // fops_put reads fops->owner from the freed module data.
  Driver d(scenario("fops.owner = \"NULL\"\nfops.open = [\"__module_get(THIS_MODULE)\", \"return 0\"]\n"
                    "fops.release = [\"module_put(THIS_MODULE)\", \"return 0\"]",
                    "[fiber.opener]\nsetup = [\"open /dev/chardev\"]\nrun = [\"close\"]\n[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.until("opener", "chardev->release: return 0");
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=0 | rmmod: rmmod=0");
  EXPECT_THROW(d.take("opener"), std::runtime_error);
  ASSERT_TRUE(d.ex().violation().has_value());
  EXPECT_EQ(d.ex().violation()->kind, kCodeAfterUnload);
}

}  // namespace
}  // namespace rw::models::testing
