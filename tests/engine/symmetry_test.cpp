// tests/engine/symmetry_test.cpp: symmetry reduction (Program::fiber_classes) against brute
// force. Random programs whose fibers come in classes running one op list each, some of them
// writing their own id into a shared fiber reference (renamed by put_fiber) and asking whether
// it is theirs, are run schedule by schedule; every search with symmetry (each reduction with the
// cache, a preemption bound, two jobs, two shards) must give the verdict, the violation kinds
// and the outcomes (up to renaming a class's fibers) of running every schedule. Every reachable
// state is enumerated too, with its orbit under renaming: the engine's canonical key must never
// join two orbits, and a search without reduction must store at least one state per orbit and
// no more than without symmetry. Then the report's notes, pinned state counts, replay of a
// violation found under symmetry, and canonical_outcome on strings. The programs on which a
// search once disagreed with brute force are in tests/regressions.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/execution.hpp"
#include "engine/explorer.hpp"
#include "engine/schedule.hpp"
#include "random_programs.hpp"
#include "symmetry_oracle.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

// ---- Random programs with classes of identical fibers -----------------------------------------

// The generator of this test; Op, Spec, build() and brute_force() are in random_programs.hpp.

// `top`: a compound operation (branch, lock, atomic section) may be drawn; its parts are simple.
Op random_op(std::mt19937_64& rng, const Spec& spec, bool atomic, bool top) {
  static constexpr Op::Kind kOnInts[] = {Op::Kind::Read,      Op::Kind::Read,      Op::Kind::Write,
                                         Op::Kind::Write,     Op::Kind::Increment, Op::Kind::Increment,
                                         Op::Kind::IncNotZero};
  static constexpr Op::Kind kOnOwner[] = {Op::Kind::Claim,     Op::Kind::Claim,   Op::Kind::ClaimIfFree,
                                          Op::Kind::Release,   Op::Kind::CheckMine, Op::Kind::CheckMine,
                                          Op::Kind::FailIfStolen};
  Op op;
  op.var = static_cast<ObjectId>(below(rng, spec.ints));
  // Simple ops on the ints, or on the owner when there is one; then compound ones.
  const std::uint64_t simple = spec.owner ? 14 : 7;
  const std::uint64_t pick = below(rng, top ? simple + 4 : simple);
  if (pick < 7) {
    op.kind = kOnInts[pick];
  } else if (pick < simple) {
    op.kind = kOnOwner[pick - 7];
  } else if (pick == simple && spec.lock) {
    op.kind = Op::Kind::Locked;
    op.inner.push_back(random_op(rng, spec, atomic, false));
  } else if (pick == simple + 1 && atomic) {
    op.kind = Op::Kind::Atomic;
    op.inner.push_back(random_op(rng, spec, atomic, false));
    op.inner.push_back(random_op(rng, spec, atomic, false));
  } else if (pick == simple + 2 && spec.owner) {
    op.kind = Op::Kind::BranchMine;
    op.inner.push_back(random_op(rng, spec, atomic, false));
    op.inner.push_back(random_op(rng, spec, atomic, false));
  } else {
    op.kind = Op::Kind::Branch;
    op.value = static_cast<std::int64_t>(below(rng, 2));
    op.inner.push_back(random_op(rng, spec, atomic, false));
    op.inner.push_back(random_op(rng, spec, atomic, false));
  }
  if (op.kind == Op::Kind::Write) op.value = static_cast<std::int64_t>(below(rng, 2));
  return op;
}

// 2-4 fibers in classes (a class of 2-4 identical fibers, most often with others), spread over
// the fiber ids in random order; 1-4 operations per body over 1-2 ints, 0-1 lock and, in most
// programs, the owner reference; a fifth of the programs have atomic sections and a fifth fail
// when a watched int reaches a limit. Programs with more than kMaxSchedules interleavings
// (counting steps, ignoring locks) are drawn again, so that running every schedule stays cheap.
Spec random_spec(std::mt19937_64& rng) {
  constexpr std::uint64_t kMaxSchedules = 1500;
  static const std::vector<std::vector<std::size_t>> kLayouts = {
      {2}, {2}, {3}, {2, 1}, {2, 1}, {2, 2}, {3, 1}, {2, 1, 1}, {4}, {1, 1}};
  while (true) {
    Spec spec;
    spec.ints = 1 + below(rng, 2);
    spec.lock = below(rng, 2) == 0;
    spec.owner = below(rng, 4) != 0;
    const bool atomic = below(rng, 5) == 0;
    if (below(rng, 5) == 0)
      spec.limit.emplace(static_cast<ObjectId>(below(rng, spec.ints)), 2 + static_cast<std::int64_t>(below(rng, 2)));
    const auto& layout = kLayouts[below(rng, kLayouts.size())];
    std::vector<int> steps;
    for (std::size_t c = 0; c < layout.size(); ++c) {
      std::vector<Op> ops;
      const std::size_t n = 1 + below(rng, 4);
      int body_steps = 0;
      for (std::size_t o = 0; o < n; ++o) {
        ops.push_back(random_op(rng, spec, atomic, true));
        body_steps += max_steps(ops.back());
      }
      spec.bodies.push_back(std::move(ops));
      for (std::size_t k = 0; k < layout[c]; ++k) {
        spec.classes.push_back(static_cast<std::uint32_t>(c));
        steps.push_back(body_steps);
      }
    }
    for (std::size_t i = spec.classes.size(); i > 1; --i)  // Fisher-Yates: classes need not be contiguous
      std::swap(spec.classes[i - 1], spec.classes[below(rng, i)]);
    if (multinomial(steps) <= kMaxSchedules) return spec;
  }
}

// ---- The oracle: every schedule, outcomes up to renaming (brute_force) -------------------------

// expect_agrees() (one search against the truth) is in symmetry_oracle.hpp.

// A search split over shards: their outcomes and kinds together against the truth.
void expect_shards_agree(const ProgramFactory& make, const Truth& truth, ExploreOptions o) {
  SCOPED_TRACE(describe(o));
  std::set<std::string> outcomes, found;
  for (std::uint32_t shard = 0; shard < o.shard_count; ++shard) {
    o.shard_index = shard;
    const auto program = make();
    const Report part = explore(*program, o);
    ASSERT_NE(part.verdict, Verdict::Error) << part.error;
    EXPECT_NE(part.verdict, Verdict::Incomplete) << part.incomplete_reason;
    const auto mine = canonical_texts(*program, part);
    outcomes.insert(mine.begin(), mine.end());
    const auto k = kinds(part);
    found.insert(k.begin(), k.end());
  }
  if (o.target_kind.empty()) {
    EXPECT_EQ(found.empty(), truth.safe());
    for (const auto& kind : found) EXPECT_TRUE(truth.violations.contains(kind)) << kind;
    if (truth.safe()) {
      EXPECT_EQ(outcomes, truth.outcomes);
    }
  } else {
    EXPECT_EQ(found, truth.violations);
    EXPECT_EQ(outcomes, truth.outcomes);
  }
}

// ---- The oracle for states: every reachable state, and which are renamings of each other ------

// A state reached by running `choices` from the start (each followed by the steps an atomic
// section forces, as the search takes them), written as Execution::write_state writes it
// without symmetry: fibers in id order, each named as itself. Empty when a choice cannot run.
std::optional<std::vector<std::uint64_t>> state_after(Execution& ex, std::span<const FiberId> choices,
                                                      std::vector<FiberId>* runnable = nullptr) {
  ex.begin(false);
  const auto settle = [&] {
    while (!ex.over() && ex.restricted()) ex.advance(ex.runnable().front());
  };
  settle();
  for (FiberId f : choices) {
    if (!std::binary_search(ex.runnable().begin(), ex.runnable().end(), f)) return std::nullopt;
    ex.advance(f);
    settle();
  }
  if (runnable != nullptr) runnable->assign(ex.runnable().begin(), ex.runnable().end());
  StateWriter w;
  ex.write_state(w);
  return std::vector<std::uint64_t>(w.words().begin(), w.words().end());
}

struct StateCount {
  std::size_t states = 0;     // distinct reachable states
  std::size_t orbits = 0;     // classes of states that are renamings of each other
  std::size_t canonical = 0;  // distinct keys the engine writes for them with symmetry
  bool renamed = false;       // orbits and keys were checked (see below)
  std::string error;          // a renamed run the program does not allow, or a key for two orbits
};

// Every reachable state, breadth first; then the orbits, by joining each state with the states
// its renamed runs reach (renaming the choices of a run renames the state it reaches, when the
// fibers of a class are interchangeable from the start). Generators of each class's
// permutations suffice: a swap of its first two fibers and a cycle through all of them. Last,
// the key Execution::write_state gives each state with symmetry: two states of one orbit may
// get two keys (a search stores both), but two orbits must never share one (a search would
// take one state's future for the other's). Atomic sections opened before the first step run
// first, in id order, which no renaming of their fibers undoes: when fibers of a class open
// one, renamed runs start elsewhere, and the orbits are not checked.
StateCount count_states(Program& program) {
  Execution ex(program);
  std::map<std::vector<std::uint64_t>, std::size_t> index;
  std::vector<std::vector<FiberId>> reached_by;
  std::deque<std::vector<FiberId>> queue{{}};
  while (!queue.empty()) {
    std::vector<FiberId> choices = std::move(queue.front());
    queue.pop_front();
    std::vector<FiberId> runnable;
    const auto key = state_after(ex, choices, &runnable);
    if (!key || !index.emplace(*key, reached_by.size()).second) continue;
    reached_by.push_back(choices);
    for (FiberId f : runnable) {
      queue.push_back(choices);
      queue.back().push_back(f);
    }
  }
  StateCount count{.states = reached_by.size(), .orbits = 0, .canonical = reached_by.size()};
  const auto groups = symmetric_groups(program.fiber_classes());
  ex.begin(false);
  for (const auto& group : groups)
    if (std::any_of(group.begin(), group.end(), [&](FiberId f) { return ex.atomic(f); })) return count;
  count.renamed = true;
  count.orbits = reached_by.size();
  std::vector<std::vector<FiberId>> generators;
  for (const auto& group : groups) {
    std::vector<FiberId> swap(program.fiber_names().size()), cycle;
    for (FiberId f = 0; f < swap.size(); ++f) swap[f] = f;
    cycle = swap;
    std::swap(swap[group[0]], swap[group[1]]);
    generators.push_back(swap);
    for (std::size_t k = 0; k < group.size(); ++k) cycle[group[k]] = group[(k + 1) % group.size()];
    if (group.size() > 2) generators.push_back(cycle);
  }
  std::vector<std::size_t> parent(reached_by.size());
  for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  const auto find = [&](std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (std::size_t i = 0; i < reached_by.size(); ++i) {
    for (const auto& rename : generators) {
      std::vector<FiberId> renamed;
      for (FiberId f : reached_by[i]) renamed.push_back(rename[f]);
      const auto key = state_after(ex, renamed);
      const auto it = key ? index.find(*key) : index.end();
      if (it == index.end()) {
        count.error = fmt::format("the renamed run '{}' of '{}' {}", format_schedule(renamed, program.fiber_names()),
                                  format_schedule(reached_by[i], program.fiber_names()),
                                  key ? "reaches an unreachable state" : "cannot run");
        return count;
      }
      const std::size_t a = find(i), b = find(it->second);
      if (a != b) {
        parent[a] = b;
        --count.orbits;
      }
    }
  }
  Execution canonical(program);
  canonical.set_symmetry(program.fiber_classes());
  std::map<std::vector<std::uint64_t>, std::size_t> orbit_of;  // canonical key -> a state
  for (std::size_t i = 0; i < reached_by.size(); ++i) {
    const auto key = state_after(canonical, reached_by[i]);
    const auto [it, fresh] = orbit_of.emplace(*key, i);
    if (!fresh && find(it->second) != find(i)) {
      count.error = fmt::format("'{}' and '{}' reach states that are not renamings of each other, with one key",
                                format_schedule(reached_by[it->second], program.fiber_names()),
                                format_schedule(reached_by[i], program.fiber_names()));
      return count;
    }
  }
  count.canonical = orbit_of.size();
  return count;
}

constexpr int kPrograms = 200;

// Each of 200 random programs is run schedule by schedule; then every search must agree.
TEST(Symmetry, EverySearchAgreesWithRunningEverySchedule) {
  std::mt19937_64 rng(20260412);
  int symmetric = 0, safe_symmetric = 0, fewer = 0, safe = 0, violating = 0, stolen = 0, owner = 0, orbits_exact = 0;
  std::uint64_t dpor_states[2] = {0, 0};  // source and optimal, symmetry off and on, safe programs
  for (int i = 0; i < kPrograms; ++i) {
    const Spec spec = random_spec(rng);
    SCOPED_TRACE(fmt::format("program {}: {}", i, spec.text()));
    auto program = build(spec);
    const ProgramFactory make = [spec]() -> std::unique_ptr<Program> { return build(spec); };
    const Truth truth = brute_force(*program);
    (truth.safe() ? safe : violating) += 1;
    stolen += truth.violations.contains("stolen") ? 1 : 0;
    owner += spec.owner ? 1 : 0;
    symmetric += spec.symmetric() ? 1 : 0;
    safe_symmetric += spec.symmetric() && truth.safe() ? 1 : 0;
    // A violating program is searched twice: to its first violation, and for a kind no program
    // has, which goes on through every violation to the end.
    const std::vector<std::string> targets =
        truth.safe() ? std::vector<std::string>{""} : std::vector<std::string>{"", kNoSuchKind};

    // Each reduction with the cache, symmetry on and off: the verdict and outcomes of running
    // every schedule.
    for (Reduction reduction : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
      std::uint64_t states[2] = {0, 0};  // symmetry off, on: of a search that ran to the end
      for (bool symmetry : {false, true}) {
        for (const std::string& target : targets) {
          ExploreOptions o = cached_search(reduction, symmetry);
          o.target_kind = target;
          const Report r = explore(*program, o);
          expect_agrees(*program, r, truth, o);
          EXPECT_EQ(r.symmetry, symmetry && spec.symmetric()) << r.symmetry_note;
          if (truth.safe() || !target.empty()) states[symmetry ? 1 : 0] = r.states;
        }
      }
      if (reduction == Reduction::None) {
        // Without reduction the cache holds every reachable state once, up to renaming: at
        // least one per orbit (two renamings of a state in which two fibers of a class are
        // alike may both be stored), and never more than without symmetry. Fewer than the
        // orbits would mean states that are not renamings of each other were merged.
        const StateCount count = count_states(*program);
        ASSERT_EQ(count.error, "");
        EXPECT_EQ(states[0], count.states);
        EXPECT_GE(states[1], count.orbits);
        EXPECT_LE(states[1], count.canonical);
        EXPECT_LE(states[1], states[0]);
        if (!spec.symmetric()) {
          EXPECT_EQ(states[1], states[0]);
        }
        fewer += states[1] < states[0] ? 1 : 0;
        orbits_exact += spec.symmetric() && count.renamed && states[1] == count.orbits ? 1 : 0;
      } else if (truth.safe()) {
        // With sleep sets, which states are stored depends on the order they are met in, so
        // symmetry may store a few more in a rare program (1 int, owner; a, b: if (v0 == 1)
        // { inc_not_zero(v0) } else { owner = self }; c: inc_not_zero(v0) stores 11 states
        // with source sets and symmetry, 10 without); over many programs it stores far fewer.
        dpor_states[0] += states[0];
        dpor_states[1] += states[1];
      }
    }

    // A preemption bound of 1, against the schedules with at most one preemption.
    const Truth bounded = brute_force(*program, 1);
    for (bool symmetry : {false, true}) {
      for (const std::string& target : bounded.safe() ? std::vector<std::string>{""} : std::vector<std::string>{"", kNoSuchKind}) {
        ExploreOptions o = cached_search(Reduction::Optimal, symmetry);
        o.preemption_bound = 1;
        o.target_kind = target;
        expect_agrees(*program, explore(*program, o), bounded, o, &truth);
      }
    }

    // Two jobs, and two shards, with symmetry (the reduction varies with the program).
    const Reduction reduction = std::array{Reduction::None, Reduction::Source, Reduction::Optimal}[i % 3];
    for (const std::string& target : targets) {
      ExploreOptions o = cached_search(reduction, true);
      o.target_kind = target;
      o.jobs = 2;
      o.serial_first = 0;
      expect_agrees(*program, explore(make, o), truth, o);
      o.jobs = 1;
      o.max_executions = ExploreOptions{}.max_executions;
      o.shard_count = 2;
      expect_shards_agree(make, truth, o);
    }
    if (HasFatalFailure()) return;
  }
  // The generator must make symmetry matter, and reach both verdicts and the owner checks.
  EXPECT_GE(symmetric, kPrograms * 3 / 4);
  EXPECT_GE(fewer, symmetric * 9 / 10) << "symmetry must store fewer states in most symmetric programs";
  EXPECT_GE(orbits_exact, symmetric * 3 / 4) << "and mostly exactly one per orbit";
  EXPECT_LT(dpor_states[1], dpor_states[0] * 3 / 4);
  EXPECT_GE(safe, kPrograms / 3);
  EXPECT_GE(violating, kPrograms / 10);
  EXPECT_GE(stolen, kPrograms / 20);
  EXPECT_GE(owner, kPrograms / 2);
  EXPECT_GE(safe_symmetric, kPrograms / 2);
}

// ---- Small programs ---------------------------------------------------------------------------

// `fibers` identical fibers: lock m; ++x (observed); unlock m.
std::unique_ptr<LambdaProgram> locked_counter_program(int fibers) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId x = prog.add_int("x");
  const ObjectId m = prog.add_lock("m");
  for (int f = 0; f < fibers; ++f) {
    prog.add_fiber(fiber_name(static_cast<std::size_t>(f)), [&prog, x, m](Execution& ex) {
      ex.lock(m, "lock m");
      ex.observe("x", prog.increment(ex, x, "++x"));
      ex.unlock(m, "unlock m");
    });
  }
  prog.set_fiber_classes(std::vector<std::uint32_t>(static_cast<std::size_t>(fibers), 0));
  return p;
}

TEST(Symmetry, ThreeIdenticalLockedIncrementsStoreFewerStates) {
  auto program = locked_counter_program(3);
  const ExploreOptions on = cached_search(Reduction::None, true);
  const ExploreOptions off = cached_search(Reduction::None, false);
  const Report with = explore(*program, on);
  const Report without = explore(*program, off);
  ASSERT_EQ(with.verdict, Verdict::Safe);
  ASSERT_EQ(without.verdict, Verdict::Safe);
  EXPECT_TRUE(with.symmetry);
  EXPECT_EQ(with.symmetry_note, "");
  EXPECT_EQ(with.symmetry_classes, (std::vector<std::vector<std::string>>{{"a", "b", "c"}}));
  EXPECT_FALSE(without.symmetry);
  // Pinned (reduction none, one job): every reachable state, and one per orbit.
  EXPECT_EQ(without.states, 46u);
  EXPECT_EQ(with.states, 10u);
  const StateCount count = count_states(*program);
  EXPECT_EQ(count.states, without.states);
  EXPECT_EQ(count.orbits, with.states);
  // Six orders of the increments, one outcome up to renaming; with symmetry the report
  // gives it in canonical form.
  EXPECT_EQ(outcome_texts(without).size(), 6u);
  EXPECT_EQ(canonical_texts(*program, without), outcome_texts(with));
  EXPECT_EQ(outcome_texts(with), std::set<std::string>{"a: x=1 | b: x=2 | c: x=3"});
}

TEST(Symmetry, ABlockerTurnsItOffAndIsTheNote) {
  auto program = locked_counter_program(2);
  program->set_symmetry_blocker("the holder is kept as a pointer");
  const Report r = explore(*program, cached_search(Reduction::None, true));
  EXPECT_EQ(r.verdict, Verdict::Safe);
  EXPECT_FALSE(r.symmetry);
  EXPECT_EQ(r.symmetry_note, "the holder is kept as a pointer");
  EXPECT_EQ(r.states, explore(*program, cached_search(Reduction::None, false)).states);
  EXPECT_EQ(outcome_texts(r).size(), 2u);  // concrete outcomes: who incremented first
}

// --check-state compares the futures of two paths that reach states that are renamings of each
// other, with the fibers renamed: a program that declares two fibers interchangeable while their
// futures differ (here b writes 2 where a writes 1, decided by its id after the first step) is
// caught, not trusted.
TEST(Symmetry, CheckStateCatchesFibersThatAreNotInterchangeable) {
  LambdaProgram prog;
  const ObjectId x = prog.add_int("x");
  const ObjectId y = prog.add_int("y");
  for (const char* name : {"a", "b"}) {
    const std::int64_t value = std::string(name) == "a" ? 1 : 2;
    prog.add_fiber(name, [&prog, x, y, value](Execution& ex) {
      prog.read(ex, y, "read y");
      prog.write(ex, x, value, "write x");
    });
  }
  prog.add_fiber("c", [&prog, y](Execution& ex) {  // many states where a and b mirror each other
    for (int i = 1; i <= 6; ++i) prog.write(ex, y, i, prog.label(fmt::format("write y = {}", i)));
  });
  prog.set_fiber_classes({0, 0, 1});
  ExploreOptions o;
  o.reduction = Reduction::None;
  o.check_state = true;
  o.check_state_samples = 1000;
  const Report wrong = explore(prog, o);
  EXPECT_TRUE(wrong.symmetry);
  ASSERT_EQ(wrong.verdict, Verdict::Error);
  EXPECT_NE(wrong.error.find("not interchangeable"), std::string::npos) << wrong.error;
  // Declared as they are (two classes), the same check passes.
  prog.set_fiber_classes({0, 1, 2});
  const Report right = explore(prog, o);
  EXPECT_EQ(right.verdict, Verdict::Safe) << right.error;
}

TEST(Symmetry, NotesWhyItWasNotUsed) {
  auto program = locked_counter_program(2);
  {
    const Report r = explore(*program, cached_search(Reduction::Source, false));
    EXPECT_FALSE(r.symmetry);
    EXPECT_TRUE(contains(r.symmetry_note, "turned off")) << r.symmetry_note;
  }
  {
    ExploreOptions o = cached_search(Reduction::Source, true);
    o.state_cache = false;
    const Report r = explore(*program, o);
    EXPECT_EQ(r.verdict, Verdict::Safe);
    EXPECT_FALSE(r.symmetry);
    EXPECT_TRUE(contains(r.symmetry_note, "cache")) << r.symmetry_note;
  }
  {
    ExploreOptions o;
    o.strategy = "random";
    o.iterations = 10;
    const Report r = explore(*program, o);
    EXPECT_FALSE(r.symmetry);
    EXPECT_FALSE(r.symmetry_note.empty());
  }
  {
    program->set_fiber_classes({});  // each fiber a class of its own, as by default
    const Report r = explore(*program, cached_search(Reduction::Source, true));
    EXPECT_FALSE(r.symmetry);
    EXPECT_TRUE(contains(r.symmetry_note, "no two fibers run the same program")) << r.symmetry_note;
    EXPECT_TRUE(r.symmetry_classes.empty());
  }
  {
    auto plain = racy_reads_program();  // never sets classes
    const Report r = explore(*plain, cached_search(Reduction::Source, true));
    EXPECT_FALSE(r.symmetry);
    EXPECT_TRUE(contains(r.symmetry_note, "no two fibers run the same program")) << r.symmetry_note;
  }
}

// a and b: owner = self; read v0; fail "stolen" when the owner is the other. c: v0 = 1.
Spec stolen_spec() {
  Spec spec;
  spec.owner = true;
  spec.bodies = {{Op{.kind = Op::Kind::Claim}, Op{.kind = Op::Kind::Read}, Op{.kind = Op::Kind::FailIfStolen}},
                 {Op{.kind = Op::Kind::Write, .value = 1}}};
  spec.classes = {0, 1, 0};  // a and c alike, b apart: the class is not a prefix of the ids
  return spec;
}

TEST(Symmetry, AViolationFoundWithItReplaysOnTheConcreteFibers) {
  const Spec spec = stolen_spec();
  auto program = build(spec);
  for (Reduction reduction : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
    for (bool shrink : {false, true}) {
      SCOPED_TRACE(fmt::format("{}, shrink {}", to_string(reduction), shrink));
      ExploreOptions o = cached_search(reduction, true);
      o.shrink = shrink;
      const Report r = explore(*program, o);
      ASSERT_EQ(r.verdict, Verdict::Violation) << r.error;
      EXPECT_TRUE(r.symmetry);
      EXPECT_EQ(r.violation->kind, "stolen");
      const auto again = replay(*program, r.violation->schedule);
      ASSERT_TRUE(again.has_value()) << again.error().message;
      ASSERT_TRUE(again->violation.has_value());
      EXPECT_EQ(again->violation->kind, "stolen");
      EXPECT_EQ(again->violation->fiber, r.violation->fiber);
      if (shrink) {
        // The fewest preemptions, then steps: one claims and reads, the other runs to its end
        // (claiming), the first checks: "a a c c c a" or a renaming of it.
        EXPECT_EQ(r.violation->preemptions, 1u);
        EXPECT_EQ(r.violation->schedule.size(), 6u);
      }
    }
  }
}

TEST(Symmetry, CanonicalOutcomeSortsWithinAClassOnly) {
  const std::vector<std::string> names = {"a", "b", "c"};
  const std::vector<std::uint32_t> ab = {0, 0, 1};
  EXPECT_EQ(canonical_outcome(names, ab, "a: x=2 | b: x=1 | c: y=0"), "a: x=1 | b: x=2 | c: y=0");
  EXPECT_EQ(canonical_outcome(names, ab, "a: x=1 | b: x=2 | c: y=0"), "a: x=1 | b: x=2 | c: y=0");
  EXPECT_EQ(canonical_outcome(names, ab, "a: x=1 | b: - | c: y=0"), "a: - | b: x=1 | c: y=0");
  // c's part stays where it is, even when it would sort first.
  EXPECT_EQ(canonical_outcome(names, ab, "a: z=9 | b: x=1 | c: a=0"), "a: x=1 | b: z=9 | c: a=0");
  // A class need not be contiguous; b stays.
  const std::vector<std::uint32_t> ac = {5, 7, 5};
  EXPECT_EQ(canonical_outcome(names, ac, "a: x=2 | b: z=9 | c: x=1"), "a: x=1 | b: z=9 | c: x=2");
  // Each fiber its own class: unchanged.
  EXPECT_EQ(canonical_outcome(names, std::vector<std::uint32_t>{0, 1, 2}, "a: x=2 | b: x=1 | c: x=0"),
            "a: x=2 | b: x=1 | c: x=0");
  // Three in one class.
  EXPECT_EQ(canonical_outcome(names, std::vector<std::uint32_t>{3, 3, 3}, "a: x=3 | b: x=1 | c: x=2"),
            "a: x=1 | b: x=2 | c: x=3");
  // Anything else comes back as it was.
  for (const char* odd : {"", "garbage", "a: x=2 | c: x=1", "a: x=2 | b: x=1", "b: x=1 | a: x=2 | c: y=0",
                          "a:x=2|b:x=1|c:y=0"}) {
    EXPECT_EQ(canonical_outcome(names, ab, odd), odd) << odd;
  }
}

TEST(Symmetry, GroupsAreTheClassesWithMoreThanOneFiber) {
  EXPECT_EQ(symmetric_groups(std::vector<std::uint32_t>{0, 1, 0, 2, 1}),
            (std::vector<std::vector<FiberId>>{{0, 2}, {1, 4}}));
  EXPECT_TRUE(symmetric_groups(std::vector<std::uint32_t>{0, 1, 2}).empty());
  EXPECT_TRUE(symmetric_groups(std::vector<std::uint32_t>{}).empty());
}

}  // namespace
}  // namespace rw::engine::test
