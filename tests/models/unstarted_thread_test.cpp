// tests/models/unstarted_thread_test.cpp: a kernel thread that is created on some paths only.
// A `kthread` fiber whose kthread_run never comes never existed: the execution is complete, not a
// deadlock, and its part of the outcome is "-". Which of two waiting threads a kthread_run
// starts is a race the reduced search must explore both ways, as the unreduced one does.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "models/check.hpp"
#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

namespace rw::models {
namespace {

Scenario load(const std::string& text) {
  auto s = parse_scenario(text, "t.toml");
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
  return s.value_or(Scenario{});
}

std::set<std::string> outcomes(const engine::Report& r) {
  std::set<std::string> out;
  for (const auto& o : r.outcomes) out.insert(o.outcome);
  return out;
}

// A char device whose open() starts one worker thread, and a process that opens it.
const std::string kStartsAWorker = R"toml([module.chardev]
fops.owner = "THIS_MODULE"
fops.open = ["kthread_run(worker)", "return 0"]
fops.release = ["return 0"]
kthread.worker = ["return 0"]
[fiber.opener]
run = ["open /dev/chardev", "close"]
)toml";

// Two thread fibers wait to become the one worker.
const std::string kOneOfTwo = "name = \"one_of_two\"\nkernel = [\"2.6.24\", \"modern\"]\n" + kStartsAWorker + R"toml([fiber.thread]
count = 2
run = ["kthread chardev.worker"]
[expect]
verdict = "safe"
)toml";

TEST(UnstartedKthread, AThreadNeverCreatedIsNotADeadlockAndEitherThreadMayBeTheOneStarted) {
  for (const auto& s : per_era(load(kOneOfTwo))) {
    SCOPED_TRACE(era_name(s.era));
    const auto reduced = check_scenario(s, engine::ExploreOptions{.jobs = 1, .symmetry = false});
    EXPECT_EQ(reduced.report.verdict, engine::Verdict::Safe) << reduced.mismatch;
    const std::set<std::string> both = {"opener: open=0 close=0 | thread1: - | thread2: return=0",
                                        "opener: open=0 close=0 | thread1: return=0 | thread2: -"};
    EXPECT_EQ(outcomes(reduced.report), both);
    engine::ExploreOptions none{.reduction = engine::Reduction::None, .jobs = 1, .symmetry = false};
    EXPECT_EQ(outcomes(check_scenario(s, none).report), both);
  }
}

// The opener's open() starts the worker, unless rmmod went first and the open failed: then
// the thread never exists. When it does, it runs module text with nothing pinning the module.
const std::string kStartOnOpen = "name = \"start_on_open\"\nkernel = \"modern\"\n" + kStartsAWorker + R"toml([fiber.thread]
run = ["kthread chardev.worker"]
[fiber.rmmod]
run = ["rmmod chardev"]
[expect]
verdict = "violation"
kind = "module-code-after-unload"
)toml";

TEST(UnstartedKthread, ThePathOnWhichTheThreadIsNeverCreatedEndsNormally) {
  const Scenario s = per_era(load(kStartOnOpen)).front();
  const auto r = check_scenario(s, engine::ExploreOptions{.jobs = 1});
  EXPECT_TRUE(r.matches) << r.mismatch;
  EXPECT_TRUE(r.report.other_kinds.empty()) << r.report.other_kinds.front();  // no deadlock on the way
  // Every path, violations passed over: the failed open leaves the thread uncreated, and that
  // execution completes.
  engine::ExploreOptions every{.reduction = engine::Reduction::None, .jobs = 1, .target_kind = "none-such"};
  const auto all = engine::explore([&s] { return std::make_unique<KernelProgram>(s); }, every);
  EXPECT_TRUE(outcomes(all).contains("opener: open=-ENXIO close=-EBADF | thread: - | rmmod: rmmod=0"))
      << ::testing::PrintToString(outcomes(all));
  EXPECT_EQ(std::count(all.other_kinds.begin(), all.other_kinds.end(), "deadlock"), 0);
}

}  // namespace
}  // namespace rw::models
