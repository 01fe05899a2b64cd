// tests/refcount/semantics_test.cpp: each algorithm of models/refcount.hpp does what its kernel
// does (shared/KERNEL.md §1.2, §2, §3.4; lib/percpu-refcount.c), on hand-written edge cases. Each
// case runs on std::atomic, is checked against the values worked out by hand, and must give the
// same outcome as racewin steps.
#include <gtest/gtest.h>

#include <climits>

#include "algorithms.hpp"

namespace rw::models::testing {
namespace {

using Results = std::vector<std::int64_t>;
constexpr auto kLive = static_cast<std::int64_t>(ModuleState::Live);
constexpr auto kGoing = static_cast<std::int64_t>(ModuleState::Going);

// Runs `ops` both ways, requires agreement, and returns the outcome.
template <class A>
Outcome run(const std::vector<Op>& ops) {
  const Outcome native = run_native<A>(ops);
  const Outcome stepped = run_stepped<A>(ops);
  EXPECT_EQ(native.results, stepped.results) << describe<A>(ops);
  EXPECT_EQ(native.warned, stepped.warned) << describe<A>(ops);
  EXPECT_EQ(native.stopped, stepped.stopped) << describe<A>(ops);
  EXPECT_EQ(native.counters, stepped.counters) << describe<A>(ops);
  return native;
}

// ---- modern --------------------------------------------------------------------------------
using M = Modern;

TEST(ModernRefcount, GetAndPutMoveRefcntAboveTheBase) {
  const Outcome o = run<M>({{M::Get}, {M::Get}, {M::Put}});
  EXPECT_EQ(o.results, (Results{1, 1, MODULE_REF_BASE + 1}));
  EXPECT_EQ(o.counters, (Results{kLive, MODULE_REF_BASE + 1}));
}

TEST(ModernRefcount, GetOnZeroFailsAlthoughTheModuleIsStillLive) {
  const Outcome o = run<M>({{M::Release}, {M::Get}});
  EXPECT_EQ(o.results, (Results{0, 0}));
  EXPECT_EQ(o.counters, (Results{kLive, 0}));
}

TEST(ModernRefcount, GetOnAGoingModuleFailsWithoutTouchingRefcnt) {
  const Outcome o = run<M>({{M::Going}, {M::Get}});
  EXPECT_EQ(o.results, (Results{0, 0}));
  EXPECT_EQ(o.counters, (Results{kGoing, MODULE_REF_BASE}));
}

TEST(ModernRefcount, AnUnbalancedPutAtTheBaseReachesZeroWithoutAWarning) {  // W11
  const Outcome o = run<M>({{M::Put}});
  EXPECT_EQ(o.results, (Results{0}));
  EXPECT_TRUE(o.warned.empty());
  EXPECT_EQ(o.counters, (Results{kLive, 0}));
}

TEST(ModernRefcount, PutAtZeroWarnsAndStoresNothing) {
  const Outcome o = run<M>({{M::Release}, {M::Put}});
  EXPECT_EQ(o.results, (Results{0, -1}));
  EXPECT_EQ(o.warned, (std::vector<std::size_t>{1}));
  EXPECT_EQ(o.counters, (Results{kLive, 0}));
  modern::Module<StdAtomic> mod;
  modern::try_release_module_ref(mod);
  std_kernel_log = {};
  EXPECT_EQ(modern::module_put(mod), -1);
  EXPECT_EQ(std_kernel_log.warnings, 1u);
}

TEST(ModernRefcount, ReleaseWithUsersRestoresTheBaseAndReportsInUse) {
  const Outcome o = run<M>({{M::Get}, {M::Get}, {M::Release}});
  EXPECT_EQ(o.results, (Results{1, 1, 1}));
  EXPECT_EQ(o.counters, (Results{kLive, MODULE_REF_BASE + 2}));
}

TEST(ModernRefcount, ReleaseOfAnIdleModuleLeavesZero) {
  const Outcome o = run<M>({{M::Release}});
  EXPECT_EQ(o.results, (Results{0}));
  EXPECT_EQ(o.counters, (Results{kLive, 0}));
}

TEST(ModernRefcount, ReleaseAtZeroIsTheBug) {
  const Outcome o = run<M>({{M::Release}, {M::Release}});
  EXPECT_EQ(o.results, (Results{0}));
  EXPECT_EQ(o.stopped, kKernelBug);
  EXPECT_EQ(o.counters, (Results{kLive, -1}));
}

TEST(ModernRefcount, ModuleGetResurrectsACountAtZero) {  // W12
  const Outcome o = run<M>({{M::Release}, {M::ModuleGet}, {M::Get}});
  EXPECT_EQ(o.results, (Results{0, 0, 1}));
  EXPECT_EQ(o.counters, (Results{kLive, 2}));
}

// ---- 2.6.24 ----------------------------------------------------------------------------------
using V = V2624;

TEST(Refcount2624, OnlyTheSumOfTheSlotsMeansAnything) {
  const Outcome o = run<V>({{V::Get, 0}, {V::Put, 1}, {V::Refcount}});
  EXPECT_EQ(o.results, (Results{1, 0, 0}));
  EXPECT_EQ(o.counters, (Results{kLive, 1, -1, 0}));
}

TEST(Refcount2624, TheSumIsUnsignedAndWrapsOnAnUnbalancedPut) {
  const Outcome o = run<V>({{V::Put, 2}, {V::Refcount}});
  EXPECT_EQ(o.results, (Results{0, UINT_MAX}));
}

TEST(Refcount2624, StopFailsWhileAUserHoldsAReferenceOnAnyCpu) {
  const Outcome o = run<V>({{V::Get, 2}, {V::Stop}});
  EXPECT_EQ(o.results, (Results{1, -EWOULDBLOCK}));
  EXPECT_EQ(o.counters, (Results{kLive, 0, 0, 1}));
}

TEST(Refcount2624, AfterStopGetsFailAndPutsWouldWakeTheWaiter) {
  const Outcome o = run<V>({{V::Get, 0}, {V::Put, 1}, {V::Stop}, {V::Get, 2}, {V::Put, 2}});
  EXPECT_EQ(o.results, (Results{1, 0, 0, 0, 1}));
  EXPECT_EQ(o.counters, (Results{kGoing, 1, -1, -1}));
}

// ---- percpu_ref ----------------------------------------------------------------------------
using P = Percpu;
constexpr auto kBias = static_cast<std::int64_t>(percpu::PERCPU_COUNT_BIAS);
constexpr std::int64_t kAtomic = 1, kDead = 2;

TEST(PercpuRef, PerCpuModeCountsInTheSlotsAndLeavesTheBiasedCountAlone) {
  const Outcome o = run<P>({{P::Get, 0}, {P::TryGet, 1}, {P::Put, 0}});
  EXPECT_EQ(o.results, (Results{0, 1, 0}));
  EXPECT_EQ(o.counters, (Results{0, 0, 1, 1 + kBias}));
}

TEST(PercpuRef, SwitchingToAtomicFoldsTheSlotsAndRemovesTheBias) {
  const Outcome o = run<P>({{P::Get, 0}, {P::Get, 1}, {P::Put, 0}, {P::ToAtomic}});
  EXPECT_EQ(o.counters, (Results{kAtomic, 0, 1, 1 + 1}));
}

TEST(PercpuRef, SwitchingBackReaddsTheBiasAndZeroesTheSlots) {
  // count 1+B -> gets on both CPUs -> atomic: 3 -> a put there: 2 -> per-CPU: 2+B, slots 0 ->
  // a put on CPU 1 takes its slot below zero -> try_release folds 2+B + (-1) - B = 1: only the
  // initial reference, so it stays atomic and answers 0.
  const Outcome o = run<P>({{P::Get, 0}, {P::Get, 1}, {P::ToAtomic}, {P::Put, 0}, {P::ToPercpu}, {P::Put, 1},
                            {P::TryRelease}});
  EXPECT_EQ(o.results, (Results{0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(o.counters, (Results{kAtomic, 0, -1, 1}));
}

TEST(PercpuRef, TryReleaseWithUsersSwitchesBackToPerCpuMode) {
  const Outcome o = run<P>({{P::TryGet, 1}, {P::TryRelease}, {P::Put, 1}});
  EXPECT_EQ(o.results, (Results{1, 1, 0}));
  EXPECT_EQ(o.counters, (Results{0, 0, static_cast<std::int64_t>(-1UL), 2 + kBias}));
}

TEST(PercpuRef, KillWithoutUsersReleases) {
  const Outcome o = run<P>({{P::Kill, 0}, {P::IsZero}});
  EXPECT_EQ(o.results, (Results{1, 1}));
  EXPECT_EQ(o.counters, (Results{kAtomic | kDead, 0, 0, 0}));
}

TEST(PercpuRef, AfterKillTrygetLiveFailsAndTheLastPutReleases) {
  const Outcome o = run<P>({{P::TryGet, 0}, {P::Kill, 1}, {P::TryGet, 0}, {P::IsZero}, {P::Put, 0}, {P::IsZero}});
  EXPECT_EQ(o.results, (Results{1, 0, 0, 0, 1, 1}));
  EXPECT_EQ(o.counters, (Results{kAtomic | kDead, 1, 0, 0}));
}

TEST(PercpuRef, KillingTwiceWarnsAndDropsTheInitialReferenceAgain) {
  const Outcome o = run<P>({{P::TryGet, 0}, {P::Kill, 0}, {P::Kill, 0}});
  EXPECT_EQ(o.results, (Results{1, 0, 1}));  // the second put releases with the user still there
  EXPECT_EQ(o.warned, (std::vector<std::size_t>{2}));
  EXPECT_EQ(o.counters, (Results{kAtomic | kDead, 1, 0, 0}));
}

TEST(PercpuRef, ADeadRefStaysAtomic) {
  const Outcome o = run<P>({{P::Get, 0}, {P::Kill, 0}, {P::ToPercpu}, {P::Get, 1}});
  EXPECT_EQ(o.counters, (Results{kAtomic | kDead, 1, 0, 2}));
}

// ---- the floor -----------------------------------------------------------------------------
TEST(PlainRefcount, FetchAddAndFetchSubReturnTheOldValue) {
  const Outcome o = run<Plain>({{Plain::InUse}, {Plain::Get}, {Plain::InUse}, {Plain::Put}, {Plain::InUse}});
  EXPECT_EQ(o.results, (Results{0, 1, 1, 2, 0}));
  EXPECT_EQ(o.counters, (Results{MODULE_REF_BASE}));
}

}  // namespace
}  // namespace rw::models::testing
