// tests/models/lock_misuse_test.cpp: a lock misused by module code is a finding, as lockdep reports
// it, never a crash: a second acquire by the holder (recursive-locking), a release without a hold
// (bad-unlock-balance), and a lock still held when the task returns to user space or a kthread
// exits (lock-held-on-return). Each is checked through the whole search, with the kind, the
// message and the fiber, and balanced code stays safe.
#include <gtest/gtest.h>

#include <string>

#include "models/check.hpp"
#include "models/scenario_file.hpp"
#include "models/violations.hpp"

namespace rw::models {
namespace {

// A char device with .owner set, whose open() runs `open`; an opener and rmmod.
Scenario with_open(const std::string& open, const std::string& expect) {
  const std::string text = "name = \"t\"\nkernel = [\"2.6.24\", \"modern\"]\n[module.chardev]\nfops.owner = \"THIS_MODULE\"\n"
                           "fops.open = [" + open + ", \"return 0\"]\nfops.release = [\"return 0\"]\n"
                           "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                           "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n[expect]\n" + expect + "\n";
  auto s = parse_scenario(text, "t.toml");
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
  return s.value_or(Scenario{});
}

void expect_finding(const std::string& open, const char* kind, const std::string& message) {
  const Scenario file = with_open(open, "verdict = \"violation\"\nkind = \"" + std::string(kind) + "\"");
  for (const auto& s : per_era(file)) {
    SCOPED_TRACE(era_name(s.era));
    const auto r = check_scenario(s, engine::ExploreOptions{.jobs = 1});
    EXPECT_TRUE(r.matches) << r.mismatch;
    ASSERT_TRUE(r.report.violation.has_value());
    EXPECT_EQ(r.report.violation->kind, kind);
    EXPECT_EQ(r.report.violation->message, message);
    EXPECT_EQ(r.report.fiber_names.at(r.report.violation->fiber), "opener");
  }
}

TEST(LockMisuse, TakingAMutexTwiceIsRecursiveLocking) {
  expect_finding("\"mutex_lock(m)\", \"mutex_lock(m)\", \"mutex_unlock(m)\", \"mutex_unlock(m)\"", kRecursiveLocking,
                 "possible recursive locking detected: opener already holds m");
}

TEST(LockMisuse, TakingASpinlockTwiceIsRecursiveLocking) {
  expect_finding("\"spin_lock(s)\", \"spin_lock(s)\"", kRecursiveLocking,
                 "possible recursive locking detected: opener already holds s");
}

TEST(LockMisuse, ReleasingAMutexNotHeldIsBadUnlockBalance) {
  expect_finding("\"mutex_unlock(m)\"", kBadUnlockBalance,
                 "bad unlock balance detected: opener releases m, which it does not hold");
}

TEST(LockMisuse, ReturningToUserSpaceHoldingASpinlockIsAFinding) {
  expect_finding("\"spin_lock(s)\"", kLockHeldOnReturn,
                 "lock held when returning to user space: opener still holds s");
}

TEST(LockMisuse, ReturningToUserSpaceHoldingAMutexIsAFinding) {
  expect_finding("\"mutex_lock(m)\"", kLockHeldOnReturn,
                 "lock held when returning to user space: opener still holds m");
}

TEST(LockMisuse, BalancedLockingStaysSafe) {
  const Scenario file = with_open("\"mutex_lock(m)\", \"spin_lock(s)\", \"spin_unlock(s)\", \"mutex_unlock(m)\"",
                                  "verdict = \"safe\"");
  for (const auto& s : per_era(file)) {
    const auto r = check_scenario(s, engine::ExploreOptions{.jobs = 1});
    EXPECT_TRUE(r.matches) << era_name(s.era) << ": " << r.mismatch;
    EXPECT_EQ(r.report.verdict, engine::Verdict::Safe);
  }
}

TEST(LockMisuse, AKthreadThatExitsHoldingALockIsAFinding) {
  const std::string text =
      "name = \"t\"\nkernel = \"modern\"\n[module.worker]\nregister = \"none\"\ninit = [\"kthread_run(worker_fn)\", \"return 0\"]\n"
      "kthread.worker_fn = [\"mutex_lock(m)\", \"return 0\"]\n"
      "[fiber.thread]\nrun = [\"kthread worker.worker_fn\"]\n[fiber.loader]\nrun = [\"insmod worker\"]\n"
      "[expect]\nverdict = \"violation\"\nkind = \"lock-held-on-return\"\n";
  const auto s = parse_scenario(text, "t.toml");
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  const auto r = check_scenario(per_era(*s).front(), engine::ExploreOptions{.jobs = 1});
  EXPECT_TRUE(r.matches) << r.mismatch;
  ASSERT_TRUE(r.report.violation.has_value());
  EXPECT_EQ(r.report.violation->message, "kthread exits with a lock held: thread still holds m");
}

}  // namespace
}  // namespace rw::models
