// tests/engine/state_cache_test.cpp: the visited-state cache. It must count states as the
// product of the fibers' positions, agree with the uncached search on verdicts and outcomes
// (on a thousand random programs, without reduction and with the default optimal reduction),
// and --check-state must catch a local a model forgot. reduction_test.cpp checks every
// combination of reduction and cache on programs with more kinds of operations.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/explorer.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

// Without reduction, so that the search walks every path and meets every state.
ExploreOptions cached_only() {
  ExploreOptions o;
  o.reduction = Reduction::None;
  return o;
}

TEST(StateCache, StoresEachStateOfIndependentFibersOnce) {
  for (const auto& k : std::vector<std::vector<int>>{{1, 1}, {2, 1}, {2, 2}, {3, 2, 1}, {3, 3}}) {
    auto program = independent_program(k);
    const Report cached = explore(*program, cached_only());
    const Report uncached = explore(*program, every_schedule());
    // A state is where each fiber is: before step 1..k_i, or finished.
    EXPECT_EQ(cached.states, product_of_successors(k))
        << describe(k) << ": the state in which every fiber has finished is a state too";
    EXPECT_EQ(cached.verdict, uncached.verdict) << describe(k);
    EXPECT_EQ(outcome_texts(cached), outcome_texts(uncached)) << describe(k);
    EXPECT_LE(cached.executions, uncached.executions) << describe(k);
    EXPECT_EQ(cached.executions, cached.complete_executions + cached.pruned_executions) << describe(k);
  }
}

TEST(StateCache, RunsFewerExecutionsThanTheMultinomial) {
  auto program = independent_program({3, 3, 3});
  const Report cached = explore(*program, cached_only());
  EXPECT_EQ(cached.verdict, Verdict::Safe);
  EXPECT_LT(cached.executions, multinomial({3, 3, 3}) / 10);
  EXPECT_GT(cached.pruned_executions, 0u);
}

// ---- Random programs ------------------------------------------------------------------------

// One operation of a random fiber. Every value it reads is observed at once, so no C++ local
// survives a step and the program is a correct model without declared locals.
struct RandomOp {
  enum class Kind { Read, Write, Increment, Locked };
  Kind kind = Kind::Read;
  ObjectId var = 0;
  std::int64_t value = 0;        // Write: the constant written
  std::vector<ObjectId> locks;   // Locked: taken in this order, released in reverse
  std::vector<Label> labels;     // one per step of the operation
};

struct RandomFiber {
  std::vector<RandomOp> ops;
};

std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) { return rng() % n; }

int steps_of(const RandomOp& op) {
  return op.kind == RandomOp::Kind::Locked ? 2 * static_cast<int>(op.locks.size()) + 1 : 1;
}

// 2-3 fibers of 1-4 operations (read and observe, write a constant, increment, increment under
// one or two locks taken in either order) over 1-3 ints and 2 locks; the watched int reaching
// `limit` is a violation. Programs with more than kMaxSchedules interleavings are drawn again,
// so that the uncached search stays small. `text` describes the program for failure messages.
std::unique_ptr<LambdaProgram> random_program(std::mt19937_64& rng, std::string& text) {
  constexpr std::uint64_t kMaxSchedules = 10000;
  while (true) {
    auto p = std::make_unique<LambdaProgram>();
    LambdaProgram& prog = *p;
    text.clear();
    const std::size_t ints = 1 + below(rng, 3);
    std::vector<ObjectId> vars;
    for (std::size_t i = 0; i < ints; ++i) vars.push_back(prog.add_int(fmt::format("v{}", i)));
    const ObjectId locks[2] = {prog.add_lock("m0"), prog.add_lock("m1")};
    const ObjectId watched = vars[below(rng, ints)];
    const std::int64_t limit = 2 + static_cast<std::int64_t>(below(rng, 3));
    text += fmt::format("fail when v{} reaches {};", watched, limit);

    const std::size_t fibers = 2 + below(rng, 2);
    std::vector<int> steps;
    for (std::size_t f = 0; f < fibers; ++f) {
      RandomFiber fiber;
      const std::size_t ops = 1 + below(rng, 4);
      int fiber_steps = 0;
      text += fmt::format(" {}:", fiber_name(f));
      for (std::size_t o = 0; o < ops; ++o) {
        RandomOp op;
        op.var = vars[below(rng, ints)];
        const auto& var = prog.objects()[op.var].name;
        switch (below(rng, 5)) {
          case 0:
            op.kind = RandomOp::Kind::Read;
            op.labels.push_back(prog.label("read " + var));
            text += " read " + var + ";";
            break;
          case 1:
            op.kind = RandomOp::Kind::Write;
            op.value = static_cast<std::int64_t>(below(rng, 3));
            op.labels.push_back(prog.label(fmt::format("write {} = {}", var, op.value)));
            text += fmt::format(" {} = {};", var, op.value);
            break;
          case 2:
            op.kind = RandomOp::Kind::Increment;
            op.labels.push_back(prog.label("increment " + var));
            text += " ++" + var + ";";
            break;
          default: {
            op.kind = RandomOp::Kind::Locked;
            const std::size_t first = below(rng, 2);
            op.locks.push_back(locks[first]);
            if (below(rng, 4) != 0) op.locks.push_back(locks[1 - first]);
            text += " {";
            for (ObjectId l : op.locks) {
              op.labels.push_back(prog.label("lock " + prog.objects()[l].name));
              text += " lock " + prog.objects()[l].name + ";";
            }
            op.labels.push_back(prog.label("increment " + var + " under lock"));
            text += " ++" + var + ";";
            for (auto l = op.locks.rbegin(); l != op.locks.rend(); ++l) {
              op.labels.push_back(prog.label("unlock " + prog.objects()[*l].name));
              text += " unlock " + prog.objects()[*l].name + ";";
            }
            text += " }";
            break;
          }
        }
        fiber_steps += steps_of(op);
        fiber.ops.push_back(std::move(op));
      }
      steps.push_back(fiber_steps);
      prog.add_fiber(fiber_name(f), [&prog, fiber = std::move(fiber), watched, limit](Execution& ex) {
        const auto check = [&](ObjectId v) {
          if (v == watched && prog[v] == limit)
            ex.fail("limit-reached", fmt::format("v{} reached {}", v, limit));
        };
        auto frame = ex.enter("random fiber");
        for (std::uint32_t pc = 0; pc < fiber.ops.size(); ++pc) {
          const RandomOp& op = fiber.ops[pc];
          ex.at(pc);
          switch (op.kind) {
            case RandomOp::Kind::Read:
              ex.observe(op.labels[0], prog.read(ex, op.var, op.labels[0]));
              break;
            case RandomOp::Kind::Write:
              prog.write(ex, op.var, op.value, op.labels[0]);
              check(op.var);
              break;
            case RandomOp::Kind::Increment:
              prog.increment(ex, op.var, op.labels[0]);
              check(op.var);
              break;
            case RandomOp::Kind::Locked: {
              std::size_t l = 0;
              for (ObjectId lock : op.locks) ex.lock(lock, op.labels[l++]);
              prog.increment(ex, op.var, op.labels[l++]);
              check(op.var);
              for (auto it = op.locks.rbegin(); it != op.locks.rend(); ++it)
                ex.unlock(*it, op.labels[l++]);
              break;
            }
          }
        }
      });
    }
    if (multinomial(steps) <= kMaxSchedules) return p;
  }
}

TEST(StateCache, AgreesWithTheUncachedSearchOnRandomPrograms) {
  constexpr int kPrograms = 1000;
  std::mt19937_64 rng(20240611);
  int safe = 0;
  int violations = 0;
  int deadlocks = 0;
  for (int i = 0; i < kPrograms; ++i) {
    std::string text;
    auto program = random_program(rng, text);
    SCOPED_TRACE(fmt::format("program {}: {}", i, text));
    const Report uncached = explore(*program, every_schedule());
    ASSERT_NE(uncached.verdict, Verdict::Incomplete);
    ASSERT_NE(uncached.verdict, Verdict::Error) << uncached.error;
    if (uncached.verdict == Verdict::Safe)
      ++safe;
    else
      ++(uncached.violation->kind == "deadlock" ? deadlocks : violations);
    // The cache without reduction (every path), then as `racewin check` runs it (optimal).
    for (Reduction reduction : {Reduction::None, Reduction::Optimal}) {
      SCOPED_TRACE(fmt::format("cached, reduction {}", to_string(reduction)));
      ExploreOptions o;
      o.reduction = reduction;
      const Report cached = explore(*program, o);
      EXPECT_EQ(cached.verdict, uncached.verdict) << cached.error;
      if (cached.verdict != uncached.verdict) continue;
      // Without reduction the cached search walks a part of the uncached tree.
      if (reduction == Reduction::None) {
        EXPECT_LE(cached.executions, uncached.executions);
      }
      if (uncached.verdict == Verdict::Safe) {
        EXPECT_EQ(outcome_texts(cached), outcome_texts(uncached));
      } else {
        ASSERT_TRUE(cached.violation.has_value());
        // Both searches stop at the first violation they meet; only the same order meets the same.
        if (reduction == Reduction::None) {
          EXPECT_EQ(cached.violation->kind, uncached.violation->kind);
        }
      }
    }
  }
  // The generator must produce every verdict for the comparison to mean something.
  EXPECT_GE(safe, kPrograms / 10);
  EXPECT_GE(violations, kPrograms / 10);
  EXPECT_GE(deadlocks, 20);
}

// ---- --check-state --------------------------------------------------------------------------

// `reader` reads x into a C++ local, takes kPad more steps, then writes the local to z and
// observes it; `writer` sets x to 1..kWrites. Paths that read x at different times meet in the
// same state unless the local is declared, and their futures differ.
constexpr int kWrites = 6;
constexpr int kPad = 3;
std::unique_ptr<LambdaProgram> copy_program(bool declare_local) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId x = prog.add_int("x");
  const ObjectId y = prog.add_int("y");
  const ObjectId z = prog.add_int("z");
  prog.add_fiber("reader", [&prog, x, y, z, declare_local](Execution& ex) {
    auto frame = ex.enter("reader");
    const std::int64_t v = prog.read(ex, x, "reader: v = x");
    if (declare_local) ex.local(0, v);
    for (int i = 0; i < kPad; ++i) prog.increment(ex, y, "reader: unrelated work");
    prog.write(ex, z, v, "reader: z = v");
    ex.observe("z", prog[z]);
  });
  prog.add_fiber("writer", [&prog, x](Execution& ex) {
    for (int i = 1; i <= kWrites; ++i) prog.write(ex, x, i, "writer: x = i");
  });
  return p;
}

// Without reduction: the cache then meets each state by every path, which is what the check
// samples (a reduced search reaches fewer states twice).
ExploreOptions checking() {
  ExploreOptions o = cached_only();
  o.check_state = true;
  o.check_state_samples = 1000;
  return o;
}

TEST(CheckState, CatchesALocalTheModelForgotToDeclare) {
  auto program = copy_program(false);
  // The premise: the cache alone is fooled, it misses outcomes the uncached search finds.
  const Report uncached = explore(*program, every_schedule());
  const Report fooled = explore(*program, cached_only());
  ASSERT_EQ(uncached.verdict, Verdict::Safe);
  ASSERT_EQ(outcome_texts(uncached).size(), static_cast<std::size_t>(kWrites + 1));
  ASSERT_EQ(fooled.verdict, Verdict::Safe);
  ASSERT_NE(outcome_texts(fooled), outcome_texts(uncached));

  const Report r = explore(*program, checking());
  EXPECT_EQ(r.verdict, Verdict::Error);
  EXPECT_GT(r.state_checks, 0u);
  EXPECT_TRUE(contains(r.error, "--check-state")) << r.error;
  EXPECT_TRUE(contains(r.error, "not declared")) << r.error;
}

TEST(CheckState, AcceptsTheSameProgramWithTheLocalDeclared) {
  auto program = copy_program(true);
  const Report uncached = explore(*program, every_schedule());
  const Report r = explore(*program, checking());
  EXPECT_EQ(r.verdict, Verdict::Safe) << r.error;
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_GT(r.state_checks, 0u);  // the check ran, and found the futures equal
  EXPECT_EQ(outcome_texts(r), outcome_texts(uncached));
}

TEST(CheckState, NeverAccusesACorrectModel) {
  // The random programs keep no undeclared local, so sampled futures must always agree.
  constexpr int kPrograms = 300;
  std::mt19937_64 rng(77);
  std::uint64_t checks = 0;
  for (int i = 0; i < kPrograms; ++i) {
    std::string text;
    auto program = random_program(rng, text);
    SCOPED_TRACE(fmt::format("program {}: {}", i, text));
    const Report uncached = explore(*program, every_schedule());
    const Report checked = explore(*program, checking());
    ASSERT_NE(checked.verdict, Verdict::Error) << checked.error;
    EXPECT_EQ(checked.verdict, uncached.verdict);
    checks += checked.state_checks;
    // Nor under the default optimal reduction, as `racewin check --check-state` runs (whether
    // that reduction finds every verdict is reduction_test.cpp's question).
    ExploreOptions reduced = checking();
    reduced.reduction = Reduction::Optimal;
    const Report checked_reduced = explore(*program, reduced);
    EXPECT_NE(checked_reduced.verdict, Verdict::Error) << checked_reduced.error;
  }
  EXPECT_GT(checks, static_cast<std::uint64_t>(kPrograms));
}

}  // namespace
}  // namespace rw::engine::test
