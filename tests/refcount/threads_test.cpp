// tests/refcount/threads_test.cpp: the std flavour on real threads, as the benchmarks run it:
// workers taking and dropping references while an unload attempt loops and must fail (a
// reference is held throughout), after which the counts are back where they started. No timing.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "models/atomic_std.hpp"
#include "models/refcount.hpp"

namespace rw::models::testing {
namespace {

constexpr unsigned kWorkers = 2;
constexpr int kPairs = 20'000;

// Runs kWorkers threads doing `pair(cpu)` kPairs times (between `enter(cpu)` and `leave(cpu)`)
// and one thread doing `unload()` until they are done; returns how many unload attempts succeeded.
template <class Pair, class Unload, class Enter = void (*)(unsigned), class Leave = void (*)(unsigned)>
int hammer(Pair pair, Unload unload, Enter enter = [](unsigned) {}, Leave leave = [](unsigned) {}) {
  std::atomic<bool> done{false};
  std::atomic<int> unloaded{0};
  std::thread unloader([&] {
    while (!done.load()) unloaded += unload() ? 1 : 0;
  });
  std::vector<std::thread> workers;
  for (unsigned cpu = 0; cpu < kWorkers; ++cpu)
    workers.emplace_back([&, cpu] {
      enter(cpu);
      for (int i = 0; i < kPairs; ++i) pair(cpu);
      leave(cpu);
    });
  for (auto& w : workers) w.join();
  done = true;
  unloader.join();
  return unloaded.load();
}

TEST(RefcountThreads, ModernPairsBalanceWhileReleaseAttemptsFailAndRecover) {
  modern::Module<StdAtomic> mod;
  ASSERT_TRUE(modern::try_module_get(mod));  // the user that keeps the module busy
  std::atomic<int> failed_gets{0}, warnings{0};
  const int unloaded = hammer(
      [&](unsigned) {
        std_kernel_log = {};
        if (!modern::try_module_get(mod)) ++failed_gets;
        modern::module_put(mod);
        warnings += static_cast<int>(std_kernel_log.warnings);
      },
      [&] { return modern::try_release_module_ref(mod) == 0; });
  EXPECT_EQ(unloaded, 0);
  EXPECT_EQ(failed_gets.load(), 0);
  EXPECT_EQ(warnings.load(), 0);
  modern::module_put(mod);
  EXPECT_EQ(mod.refcnt.counter.load(), MODULE_REF_BASE);
}

TEST(RefcountThreads, V2624SlotsSumToZeroAfterBalancedPairs) {
  v2_6_24::Module<StdAtomic, kWorkers + 1> mod;
  ASSERT_TRUE(v2_6_24::try_module_get(mod, kWorkers));
  const int unloaded = hammer(
      [&](unsigned cpu) {
        v2_6_24::try_module_get(mod, cpu);
        v2_6_24::module_put(mod, cpu);
      },
      [&] { return v2_6_24::__try_stop_module(mod) == 0; });
  EXPECT_EQ(unloaded, 0);
  v2_6_24::module_put(mod, kWorkers);
  EXPECT_EQ(v2_6_24::module_refcount(mod), 0u);
  EXPECT_EQ(mod.state.counter.load(), ModuleState::Live);
}

TEST(RefcountThreads, PercpuRefSurvivesModeSwitchesUnderLoad) {
  using Ref = percpu::percpu_ref<StdAtomic, StdRcu<kWorkers + 1>, kWorkers + 1>;
  Ref ref;
  ASSERT_TRUE(percpu::percpu_ref_tryget_live(ref, kWorkers));  // this thread is not an RCU reader
  std::atomic<int> failed_gets{0};
  const int unloaded = hammer(
      [&](unsigned cpu) {
        if (!percpu::percpu_ref_tryget_live(ref, cpu)) ++failed_gets;
        percpu::percpu_ref_put(ref, cpu);
      },
      [&] { return percpu::percpu_ref_try_release(ref) == 0; },
      // RCU readers: online before the first read-side section, offline after the last, or a
      // grace period would wait for them forever.
      [&](unsigned cpu) { ref.rcu.online(cpu); }, [&](unsigned cpu) { ref.rcu.offline(cpu); });
  EXPECT_EQ(unloaded, 0);
  EXPECT_EQ(failed_gets.load(), 0);
  EXPECT_FALSE(percpu::percpu_ref_put(ref, kWorkers));
  EXPECT_TRUE(percpu::percpu_ref_kill(ref, kWorkers));  // only the initial reference was left
}

TEST(RefcountThreads, PlainCounterBalances) {
  plain::Counter<StdAtomic> c;
  const int unloaded = hammer(
      [&](unsigned) {
        plain::get(c);
        plain::put(c);
      },
      [&] { return !plain::in_use(c); });
  EXPECT_GE(unloaded, 0);
  EXPECT_EQ(c.count.counter.load(), MODULE_REF_BASE);
}

}  // namespace
}  // namespace rw::models::testing
