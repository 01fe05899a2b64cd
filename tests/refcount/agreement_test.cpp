// tests/refcount/agreement_test.cpp: the two instantiations of each algorithm of
// models/refcount.hpp, on std::atomic and as racewin steps, agree on every return value and
// every counter for random single-threaded sequences from a fixed seed; and the stepped one takes
// one step per atomic operation, with the labels and notes the module model's traces show.
#include <gtest/gtest.h>

#include <ostream>

#include "algorithms.hpp"

namespace rw::models::testing {

void PrintTo(const Outcome& o, std::ostream* os) {
  *os << "results [";
  for (auto r : o.results) *os << ' ' << r;
  *os << " ] warned [";
  for (auto w : o.warned) *os << ' ' << w;
  *os << " ] stopped '" << o.stopped << "' counters [";
  for (auto c : o.counters) *os << ' ' << c;
  *os << " ]";
}

namespace {

constexpr std::uint32_t kSeed = 20261124;
constexpr std::size_t kSequences = 500;

template <class A>
class Agreement : public ::testing::Test {};
using Algorithms = ::testing::Types<Modern, V2624, Percpu, Plain>;
TYPED_TEST_SUITE(Agreement, Algorithms);

TYPED_TEST(Agreement, StdAndSteppedFlavoursAgreeOnRandomSequences) {
  std::size_t stopped = 0;
  for (const auto& ops : random_sequences<TypeParam>(kSequences, kSeed)) {
    const Outcome native = run_native<TypeParam>(ops);
    const Outcome stepped = run_stepped<TypeParam>(ops);
    ASSERT_EQ(native, stepped) << describe<TypeParam>(ops);
    if (!native.stopped.empty() || !native.warned.empty()) ++stopped;
  }
  // The sequences reach the WARN and BUG paths where the algorithm has them.
  if constexpr (std::is_same_v<TypeParam, Modern> || std::is_same_v<TypeParam, Percpu>) {
    EXPECT_GT(stopped, 10u);
  }
}

TEST(Agreement, RandomModernSequencesReachBothTheWarnAndTheBug) {
  std::size_t warns = 0, bugs = 0;
  for (const auto& ops : random_sequences<Modern>(kSequences, kSeed)) {
    const Outcome o = run_native<Modern>(ops);
    warns += !o.warned.empty();
    bugs += o.stopped == kKernelBug;
  }
  EXPECT_GT(warns, 10u);
  EXPECT_GT(bugs, 10u);
}

// ---- one step per operation ---------------------------------------------------------------

template <class A>
std::uint32_t steps(std::vector<Op> ops) {
  SteppedRun run;
  run_stepped<A>(ops, &run);
  EXPECT_FALSE(run.violation.has_value()) << describe<A>(ops);
  return run.steps;
}

TEST(SteppedFlavour, TakesOneStepPerAtomicOperation) {
  using M = Modern;
  EXPECT_EQ(steps<M>({{M::Get}}), 2u);                       // module_is_live, atomic_inc_not_zero
  EXPECT_EQ(steps<M>({{M::Going}, {M::Get}}), 1u);           // GOING: the state read decides
  EXPECT_EQ(steps<M>({{M::ModuleGet}}), 1u);
  EXPECT_EQ(steps<M>({{M::Put}}), 1u);
  EXPECT_EQ(steps<M>({{M::Release}}), 1u);                   // idle: the sub_return reaches 0
  EXPECT_EQ(steps<M>({{M::Get}, {M::Release}}), 2u + 2u);    // in use: sub_return, add_unless
  using V = V2624;
  EXPECT_EQ(steps<V>({{V::Get, 1}}), 2u);
  EXPECT_EQ(steps<V>({{V::Put, 1}}), 2u);
  EXPECT_EQ(steps<V>({{V::Refcount}}), V::kCpus);            // one local_read per slot
  EXPECT_EQ(steps<V>({{V::Stop}}), V::kCpus + 1);
  using P = Percpu;
  EXPECT_EQ(steps<P>({{P::Get, 0}}), 2u);                    // __ref_is_percpu, this_cpu_add
  EXPECT_EQ(steps<P>({{P::Put, 1}}), 2u);
  EXPECT_EQ(steps<P>({{P::ToAtomic}}), 3u + P::kCpus + 1);   // read, mark, grace period, sums, fold
  EXPECT_EQ(steps<P>({{P::ToAtomic}, {P::TryGet, 0}}), 3u + P::kCpus + 1 + 3);  // mode, DEAD, CAS
  EXPECT_EQ(steps<Plain>({{Plain::Get}, {Plain::Put}}), 2u);
}

// The module model's traces come from here now: these are the labels, notes and objects that
// models/module.cpp showed before the algorithms moved, and `where` names the algorithm's line.
TEST(SteppedFlavour, ModernStepsCarryTheModuleModelsLabelsAndNotes) {
  using M = Modern;
  SteppedRun run;
  run_stepped<M>({{M::Get}, {M::Release}, {M::Put}, {M::Release}, {M::Get}}, &run);
  ASSERT_FALSE(run.violation.has_value());
  struct Expected {
    const char* label;
    const char* detail;
    engine::ObjectId object;
    engine::Access access;
  };
  const std::vector<Expected> expected = {
      {"try_module_get: module_is_live(mod)", "", 0, engine::Access::Read},
      {"try_module_get: atomic_inc_not_zero(&mod->refcnt)", "refcnt 1 -> 2", 1, engine::Access::ReadModifyWrite},
      {"try_release_module_ref: atomic_sub_return(MODULE_REF_BASE, &mod->refcnt)", "refcnt 2 -> 1", 1,
       engine::Access::ReadModifyWrite},
      {"try_release_module_ref: atomic_add_unless(&mod->refcnt, MODULE_REF_BASE, 0)", "refcnt 1 -> 2: in use", 1,
       engine::Access::ReadModifyWrite},
      {"module_put: atomic_dec_if_positive(&mod->refcnt)", "refcnt 2 -> 1", 1, engine::Access::ReadModifyWrite},
      {"try_release_module_ref: atomic_sub_return(MODULE_REF_BASE, &mod->refcnt)", "refcnt 1 -> 0", 1,
       engine::Access::ReadModifyWrite},
      {"try_module_get: module_is_live(mod)", "", 0, engine::Access::Read},
      {"try_module_get: atomic_inc_not_zero(&mod->refcnt)", "refcnt 0: fails", 1, engine::Access::ReadModifyWrite},
  };
  ASSERT_EQ(run.trace.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(run.trace[i].label, expected[i].label) << "step " << i + 1;
    EXPECT_EQ(run.trace[i].detail, expected[i].detail) << "step " << i + 1;
    EXPECT_EQ(run.trace[i].object, expected[i].object) << "step " << i + 1;
    EXPECT_EQ(run.trace[i].access, expected[i].access) << "step " << i + 1;
    EXPECT_TRUE(run.trace[i].where.starts_with("models/refcount.hpp:")) << run.trace[i].where;
  }
}

TEST(SteppedFlavour, ModernRecoveryThatFindsZeroAndGoingSayWhy) {
  using M = Modern;
  SteppedRun run;
  run_stepped<M>({{M::Going}, {M::Get}}, &run);
  ASSERT_EQ(run.trace.size(), 1u);
  EXPECT_EQ(run.trace[0].detail, "state GOING: fails");

  // atomic_add_unless finding 0 cannot happen on one fiber; drive the two steps by hand.
  Modern::World w;
  w.refcnt = 0;
  OneFiber program(Modern::objects(), [&](engine::Execution& ex) {
    StepContext sc{&ex, nullptr};
    auto mod = Modern::stepped(sc, w);
    EXPECT_FALSE(atomic_add_unless(mod.refcnt, MODULE_REF_BASE, 0, Site::ReleaseRecover));
  });
  run = run_stepped(program);
  ASSERT_EQ(run.trace.size(), 1u);
  EXPECT_EQ(run.trace[0].detail, "refcnt 0: the last user put it meanwhile; unload goes on");
}

TEST(SteppedFlavour, WarnAndBugAreViolationsThatEndTheExecution) {
  using M = Modern;
  SteppedRun run;
  const Outcome warn = run_stepped<M>({{M::Release}, {M::Put}, {M::Get}}, &run, /*violations=*/true);
  ASSERT_TRUE(run.violation.has_value());
  EXPECT_EQ(run.violation->kind, kKernelWarn);
  EXPECT_EQ(run.violation->message,
            "WARN_ON at 'module_put: atomic_dec_if_positive(&mod->refcnt)': refcnt is 0");
  EXPECT_EQ(warn.results, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(run.steps, 2u);

  const Outcome bug = run_stepped<M>({{M::Release}, {M::Release}}, &run, /*violations=*/true);
  ASSERT_TRUE(run.violation.has_value());
  EXPECT_EQ(run.violation->kind, kKernelBug);
  EXPECT_EQ(bug.counters, (std::vector<std::int64_t>{0, -1}));  // atomic_sub_return stored -1
}

}  // namespace
}  // namespace rw::models::testing
