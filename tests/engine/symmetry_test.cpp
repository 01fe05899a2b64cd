// tests/engine/symmetry_test.cpp: symmetry reduction (Program::fiber_classes) against brute
// force. Random programs whose fibers come in classes running one op list each, some of them
// writing their own id into a shared fiber reference (renamed by put_fiber) and asking whether
// it is theirs, are run schedule by schedule; every search with symmetry (each reduction with the
// cache, a preemption bound, two jobs, two shards) must give the verdict, the violation kinds
// and the outcomes (up to renaming a class's fibers) of running every schedule, and store no
// more states than without symmetry. Then the report's notes, pinned state counts, replay of a
// violation found under symmetry, and canonical_outcome on strings.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/execution.hpp"
#include "engine/explorer.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {
namespace {

// ---- Random programs with classes of identical fibers -----------------------------------------

// One operation of a class's body. A body depends on its fiber's id only through the fiber
// reference `owner`: it may write its id there, and it asks only whether the id there is its own.
struct Op {
  enum class Kind {
    Read,          // observe v
    Write,         // v = value
    Increment,     // ++v, observe the new value
    IncNotZero,    // ++v unless it is 0 (a conditional read-modify-write)
    Branch,        // read v; if (v == value) inner[0] else inner[1]
    Locked,        // lock m; inner[0]; unlock m
    Atomic,        // an atomic section of inner[0], inner[1]
    Claim,         // owner = self (the last writer)
    ClaimIfFree,   // if (owner == none) owner = self (a compare-exchange)
    Release,       // if (owner == self) owner = none
    CheckMine,     // observe whether owner is none (-1), another fiber (0) or self (1)
    FailIfStolen,  // fail "stolen" when owner is another fiber
    BranchMine,    // read owner; if (owner == self) inner[0] else inner[1]
  };
  Kind kind = Kind::Read;
  ObjectId var = 0;        // the int it touches (ints are objects 0 and 1)
  std::int64_t value = 0;  // Write: the constant written; Branch: the value that takes inner[0]
  std::vector<Op> inner;
  std::vector<Label> labels;  // filled by build()
};

// A random program as data, so that a failing one can be printed (and cut down by hand).
struct Spec {
  std::size_t ints = 1;
  bool lock = false;
  bool owner = false;  // the fiber reference
  std::optional<std::pair<ObjectId, std::int64_t>> limit;  // fail when this int reaches this value
  std::vector<std::vector<Op>> bodies;                     // one per class
  std::vector<std::uint32_t> classes;                      // per fiber: its class (index into bodies)

  bool symmetric() const {
    for (std::size_t f = 0; f < classes.size(); ++f)
      for (std::size_t g = f + 1; g < classes.size(); ++g)
        if (classes[f] == classes[g]) return true;
    return false;
  }
  std::string text() const {
    std::string t = fmt::format("{} int(s){}{};", ints, lock ? ", lock m" : "", owner ? ", fiber ref owner = none" : "");
    if (limit) t += fmt::format(" fail when v{} reaches {};", limit->first, limit->second);
    t += " fibers";
    for (std::size_t f = 0; f < classes.size(); ++f) t += fmt::format(" {}:k{}", fiber_name(f), classes[f]);
    t += ';';
    for (std::size_t c = 0; c < bodies.size(); ++c) {
      t += fmt::format(" k{}:", c);
      for (const Op& op : bodies[c]) t += ' ' + text_of(op);
    }
    return t;
  }
  static std::string text_of(const Op& op) {
    switch (op.kind) {
      case Op::Kind::Read: return fmt::format("read v{};", op.var);
      case Op::Kind::Write: return fmt::format("v{} = {};", op.var, op.value);
      case Op::Kind::Increment: return fmt::format("++v{};", op.var);
      case Op::Kind::IncNotZero: return fmt::format("inc_not_zero(v{});", op.var);
      case Op::Kind::Branch:
        return fmt::format("if (v{} == {}) {{ {} }} else {{ {} }}", op.var, op.value, text_of(op.inner[0]),
                           text_of(op.inner[1]));
      case Op::Kind::Locked: return fmt::format("lock m; {} unlock m;", text_of(op.inner[0]));
      case Op::Kind::Atomic: return fmt::format("atomic {{ {} {} }}", text_of(op.inner[0]), text_of(op.inner[1]));
      case Op::Kind::Claim: return "owner = self;";
      case Op::Kind::ClaimIfFree: return "claim_if_free(owner);";
      case Op::Kind::Release: return "release_if_mine(owner);";
      case Op::Kind::CheckMine: return "observe mine(owner);";
      case Op::Kind::FailIfStolen: return "fail_if_stolen(owner);";
      case Op::Kind::BranchMine:
        return fmt::format("if (owner == self) {{ {} }} else {{ {} }}", text_of(op.inner[0]), text_of(op.inner[1]));
    }
    return "?";
  }
};

std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) { return rng() % n; }

int max_steps(const Op& op) {
  switch (op.kind) {
    case Op::Kind::Branch:
    case Op::Kind::BranchMine: return 1 + std::max(max_steps(op.inner[0]), max_steps(op.inner[1]));
    case Op::Kind::Locked: return 2 + max_steps(op.inner[0]);
    case Op::Kind::Atomic: return max_steps(op.inner[0]) + max_steps(op.inner[1]);
    default: return 1;
  }
}

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

struct Objects {
  ObjectId lock = kNoObject;
  ObjectId owner = kNoObject;
};

void run_op(LambdaProgram& prog, Execution& ex, const Op& op, const Spec& spec, Objects obj) {
  const auto check = [&] {
    if (spec.limit && op.var == spec.limit->first && prog[op.var] == spec.limit->second)
      ex.fail("limit-reached", fmt::format("v{} reached {}", op.var, spec.limit->second));
  };
  const auto self = static_cast<std::int64_t>(ex.self());
  switch (op.kind) {
    case Op::Kind::Read:
      ex.observe(op.labels[0], prog.read(ex, op.var, op.labels[0]));
      break;
    case Op::Kind::Write:
      prog.write(ex, op.var, op.value, op.labels[0]);
      check();
      break;
    case Op::Kind::Increment:
      ex.observe(op.labels[0], prog.increment(ex, op.var, op.labels[0]));
      check();
      break;
    case Op::Kind::IncNotZero:
      ex.step(op.var, Access::ReadModifyWrite, op.labels[0]);
      if (prog[op.var] != 0) {
        ++prog[op.var];
        ex.observe(op.labels[0], 1);
        check();
      } else {
        ex.narrow_access(Access::Read);
        ex.observe(op.labels[0], 0);
      }
      break;
    case Op::Kind::Branch: {
      const std::int64_t v = prog.read(ex, op.var, op.labels[0]);
      ex.observe(op.labels[0], v);
      ex.local(0, v);
      run_op(prog, ex, op.inner[v == op.value ? 0 : 1], spec, obj);
      ex.local(0, 0);
      break;
    }
    case Op::Kind::Locked:
      ex.lock(obj.lock, op.labels[0]);
      run_op(prog, ex, op.inner[0], spec, obj);
      ex.unlock(obj.lock, op.labels[1]);
      break;
    case Op::Kind::Atomic:
      ex.set_atomic(true);
      for (const Op& o : op.inner) run_op(prog, ex, o, spec, obj);
      ex.set_atomic(false);
      break;
    case Op::Kind::Claim:
      prog.write(ex, obj.owner, self, op.labels[0]);
      break;
    case Op::Kind::ClaimIfFree:
      ex.step(obj.owner, Access::ReadModifyWrite, op.labels[0]);
      if (prog[obj.owner] < 0) {
        prog[obj.owner] = self;
        ex.observe(op.labels[0], 1);
      } else {
        ex.narrow_access(Access::Read);
        ex.observe(op.labels[0], 0);
      }
      break;
    case Op::Kind::Release:
      ex.step(obj.owner, Access::ReadModifyWrite, op.labels[0]);
      if (prog[obj.owner] == self) {
        prog[obj.owner] = -1;
        ex.observe(op.labels[0], 1);
      } else {
        ex.narrow_access(Access::Read);
        ex.observe(op.labels[0], 0);
      }
      break;
    case Op::Kind::CheckMine: {
      const std::int64_t v = prog.read(ex, obj.owner, op.labels[0]);
      ex.observe(op.labels[0], v < 0 ? -1 : v == self ? 1 : 0);
      break;
    }
    case Op::Kind::FailIfStolen: {
      const std::int64_t v = prog.read(ex, obj.owner, op.labels[0]);
      if (v >= 0 && v != self) ex.fail("stolen", "owner is another fiber");
      break;
    }
    case Op::Kind::BranchMine: {
      const bool mine = prog.read(ex, obj.owner, op.labels[0]) == self;
      ex.observe(op.labels[0], mine ? 1 : 0);
      ex.local(0, mine ? 1 : 2);
      run_op(prog, ex, op.inner[mine ? 0 : 1], spec, obj);
      ex.local(0, 0);
      break;
    }
  }
}

// Gives every step of `op` a label of its own ("k1.2.then: ++v0"); fibers of one class share them.
void label_op(LambdaProgram& prog, Op& op, const std::string& where) {
  const std::string v = fmt::format("v{}", op.var);
  switch (op.kind) {
    case Op::Kind::Read: op.labels = {prog.label(where + ": read " + v)}; break;
    case Op::Kind::Write: op.labels = {prog.label(fmt::format("{}: {} = {}", where, v, op.value))}; break;
    case Op::Kind::Increment: op.labels = {prog.label(where + ": ++" + v)}; break;
    case Op::Kind::IncNotZero: op.labels = {prog.label(where + ": inc_not_zero(" + v + ")")}; break;
    case Op::Kind::Claim: op.labels = {prog.label(where + ": owner = self")}; break;
    case Op::Kind::ClaimIfFree: op.labels = {prog.label(where + ": claim owner")}; break;
    case Op::Kind::Release: op.labels = {prog.label(where + ": release owner")}; break;
    case Op::Kind::CheckMine: op.labels = {prog.label(where + ": mine")}; break;
    case Op::Kind::FailIfStolen: op.labels = {prog.label(where + ": check owner")}; break;
    case Op::Kind::Branch:
    case Op::Kind::BranchMine:
      op.labels = {prog.label(where + (op.kind == Op::Kind::Branch ? ": read " + v + " to branch" : ": owner is self?"))};
      label_op(prog, op.inner[0], where + ".then");
      label_op(prog, op.inner[1], where + ".else");
      break;
    case Op::Kind::Locked:
      op.labels = {prog.label(where + ": lock m"), prog.label(where + ": unlock m")};
      label_op(prog, op.inner[0], where + ".locked");
      break;
    case Op::Kind::Atomic:
      label_op(prog, op.inner[0], where + ".atomic0");
      label_op(prog, op.inner[1], where + ".atomic1");
      break;
  }
}

std::unique_ptr<LambdaProgram> build(const Spec& spec) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  for (std::size_t i = 0; i < spec.ints; ++i) prog.add_int(fmt::format("v{}", i));
  Objects obj;
  if (spec.lock) obj.lock = prog.add_lock("m");
  if (spec.owner) obj.owner = prog.add_fiber_ref("owner");
  std::vector<std::vector<Op>> bodies = spec.bodies;
  for (std::size_t c = 0; c < bodies.size(); ++c)
    for (std::size_t o = 0; o < bodies[c].size(); ++o) label_op(prog, bodies[c][o], fmt::format("k{}.{}", c, o));
  for (std::size_t f = 0; f < spec.classes.size(); ++f) {
    prog.add_fiber(fiber_name(f), [&prog, ops = bodies[spec.classes[f]], spec, obj](Execution& ex) {
      auto frame = ex.enter("class body");
      for (std::uint32_t pc = 0; pc < ops.size(); ++pc) {
        ex.at(pc);
        run_op(prog, ex, ops[pc], spec, obj);
      }
    });
  }
  prog.set_fiber_classes(spec.classes);
  return p;
}

// ---- The oracle: every schedule, outcomes up to renaming ---------------------------------------

struct Truth {
  std::set<std::string> outcomes;    // canonical
  std::set<std::string> violations;  // kinds
  bool cut = false;                  // (bounded) some schedule has more preemptions than the bound
  bool safe() const { return violations.empty(); }
};

// Every schedule (with `bound`, those with at most that many preemptions), outcomes canonical.
Truth brute_force(Program& program, std::optional<std::uint32_t> bound = std::nullopt) {
  const std::vector<std::string>& names = program.fiber_names();
  const std::vector<std::uint32_t> classes = program.fiber_classes();
  Truth t;
  for_each_schedule(program, [&](const ScheduleRun& run) {
    if (bound && run.preemptions > *bound) {
      t.cut = true;
      return;
    }
    if (!run.violation.empty()) t.violations.insert(run.violation);
    if (run.complete) t.outcomes.insert(canonical_outcome(names, classes, run.outcome));
  });
  return t;
}

std::set<std::string> canonical_texts(const Program& program, const Report& r) {
  const std::vector<std::uint32_t> classes = program.fiber_classes();
  std::set<std::string> s;
  for (const auto& o : r.outcomes) s.insert(canonical_outcome(program.fiber_names(), classes, o.outcome));
  return s;
}

std::set<std::string> kinds(const Report& r) {
  std::set<std::string> s(r.other_kinds.begin(), r.other_kinds.end());
  if (r.violation) s.insert(r.violation->kind);
  return s;
}

// No program has a violation of this kind: a search for it goes on through every other
// violation, so its outcomes and the kinds it met can be compared with the truth's.
constexpr const char* kNoSuchKind = "no-such-kind";

ExploreOptions exhaustive(Reduction reduction, bool symmetry) {
  ExploreOptions o;
  o.reduction = reduction;
  o.state_cache = true;
  o.symmetry = symmetry;
  o.shrink = false;  // the schedule found is enough here; replayed below
  return o;
}

std::string describe(const ExploreOptions& o) {
  return fmt::format("reduction {}, symmetry {}{}{}{}{}", to_string(o.reduction), o.symmetry ? "on" : "off",
                     o.preemption_bound ? fmt::format(", preemption bound {}", *o.preemption_bound) : "",
                     o.jobs > 1 ? fmt::format(", jobs {}", o.jobs) : "",
                     o.shard_count > 1 ? fmt::format(", {} shards", o.shard_count) : "",
                     o.target_kind.empty() ? "" : ", target " + o.target_kind);
}

// The verdict of one search against the truth: safe with every outcome, or a violation of a
// kind that occurs (which replays). With target kNoSuchKind: every kind and every outcome.
// A bounded search (`truth` of the schedules within the bound, `whole` of all) may still prove
// the program safe: when the states its bound cut were reached within the bound as well.
void expect_agrees(Program& program, const Report& r, const Truth& truth, const ExploreOptions& o,
                   const Truth* whole = nullptr) {
  SCOPED_TRACE(describe(o));
  ASSERT_NE(r.verdict, Verdict::Error) << r.error;
  if (truth.safe()) {
    EXPECT_FALSE(r.violation.has_value());
    EXPECT_EQ(canonical_texts(program, r), truth.outcomes);
    if (!truth.cut) {
      EXPECT_EQ(r.verdict, Verdict::Safe) << r.incomplete_reason;
    } else if (r.verdict == Verdict::Safe) {
      ASSERT_NE(whole, nullptr);
      EXPECT_FALSE(r.bound_cut);
      EXPECT_TRUE(whole->safe());
      EXPECT_EQ(truth.outcomes, whole->outcomes);
    } else {
      EXPECT_EQ(r.verdict, Verdict::Incomplete);
      EXPECT_TRUE(r.bound_cut);
    }
    return;
  }
  ASSERT_EQ(r.verdict, Verdict::Violation);
  EXPECT_TRUE(truth.violations.contains(r.violation->kind)) << r.violation->kind;
  const auto again = replay(program, r.violation->schedule);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  ASSERT_TRUE(again->violation.has_value());
  EXPECT_EQ(again->violation->kind, r.violation->kind);
  if (!o.target_kind.empty()) {
    EXPECT_EQ(kinds(r), truth.violations);
    EXPECT_EQ(canonical_texts(program, r), truth.outcomes);
  }
}

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

// A search that fits in 20,000 executions runs on one thread unless max_executions is at most
// that (see reduction_test.cpp): set so, to run the threads.
constexpr std::uint64_t kThreadedMaxExecutions = 20'000;
const int kPrograms = std::getenv("SYM_N") ? std::atoi(std::getenv("SYM_N")) : 200;

TEST(Symmetry, EverySearchAgreesWithRunningEverySchedule) {
  std::mt19937_64 rng(20260412);
  int symmetric = 0, safe_symmetric = 0, fewer = 0, safe = 0, violating = 0, stolen = 0, owner = 0;
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
    const std::vector<std::string> targets =
        truth.safe() ? std::vector<std::string>{""} : std::vector<std::string>{"", kNoSuchKind};

    // Each reduction with the cache, symmetry on and off: the same verdict and outcomes, and
    // never more states with symmetry.
    for (Reduction reduction : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
      std::uint64_t states[2] = {0, 0};
      for (bool symmetry : {false, true}) {
        for (const std::string& target : targets) {
          ExploreOptions o = exhaustive(reduction, symmetry);
          o.target_kind = target;
          const Report r = explore(*program, o);
          expect_agrees(*program, r, truth, o);
          EXPECT_EQ(r.symmetry, symmetry && spec.symmetric()) << r.symmetry_note;
          if (target.empty()) states[symmetry ? 1 : 0] = r.states;
        }
      }
      if (truth.safe()) {
        EXPECT_LE(states[1], states[0]) << to_string(reduction);
        if (reduction == Reduction::None && states[1] < states[0]) ++fewer;
        if (!spec.symmetric()) {
          EXPECT_EQ(states[1], states[0]) << to_string(reduction);
        }
      }
    }

    // A preemption bound of 1, against the schedules with at most one preemption.
    const Truth bounded = brute_force(*program, 1);
    for (bool symmetry : {false, true}) {
      for (const std::string& target : bounded.safe() ? std::vector<std::string>{""} : std::vector<std::string>{"", kNoSuchKind}) {
        ExploreOptions o = exhaustive(Reduction::Optimal, symmetry);
        o.preemption_bound = 1;
        o.target_kind = target;
        expect_agrees(*program, explore(*program, o), bounded, o, &truth);
      }
    }

    // Two jobs, and two shards, with symmetry (the reduction varies with the program).
    const Reduction reduction = std::array{Reduction::None, Reduction::Source, Reduction::Optimal}[i % 3];
    for (const std::string& target : targets) {
      ExploreOptions o = exhaustive(reduction, true);
      o.target_kind = target;
      o.jobs = 2;
      o.max_executions = kThreadedMaxExecutions;
      expect_agrees(*program, explore(make, o), truth, o);
      o.jobs = 1;
      o.max_executions = ExploreOptions{}.max_executions;
      o.shard_count = 2;
      expect_shards_agree(make, truth, o);
    }
  }
  // The generator must make symmetry matter, and reach both verdicts and the owner checks.
  fmt::print("symmetric {} safe_symmetric {} fewer {} safe {} violating {} stolen {} owner {}\n", symmetric, safe_symmetric, fewer, safe, violating,
             stolen, owner);
  EXPECT_GE(symmetric, kPrograms * 3 / 4);
  EXPECT_GE(fewer, safe_symmetric * 3 / 4);
  EXPECT_GE(safe, kPrograms / 3);
  EXPECT_GE(violating, kPrograms / 10);
  EXPECT_GE(stolen, kPrograms / 20);
}

}  // namespace
}  // namespace rw::engine::test
namespace rw::engine::test {
namespace {
Op mk(Op::Kind k, ObjectId v = 0, std::int64_t value = 0, std::vector<Op> inner = {}) {
  return Op{.kind = k, .var = v, .value = value, .inner = std::move(inner)};
}
TEST(Scratch, Jobs689) {
  Spec spec;
  spec.ints = 1; spec.lock = true; spec.owner = true;
  spec.bodies = {{mk(Op::Kind::CheckMine), mk(Op::Kind::IncNotZero)}};
  spec.classes = {0, 0, 0};
  const ProgramFactory make = [spec]() -> std::unique_ptr<Program> { return build(spec); };
  auto program = build(spec);
  const Truth truth = brute_force(*program);
  int bad = 0;
  for (int rep = 0; rep < 2000; ++rep) {
    for (bool sym : {true, false})
    for (Reduction red : {Reduction::None, Reduction::Source, Reduction::Optimal}) {
      ExploreOptions o = exhaustive(red, sym);
      o.jobs = 2;
      o.max_executions = kThreadedMaxExecutions;
      const Report r = explore(make, o);
      if (canonical_texts(*program, r) != truth.outcomes || r.verdict != Verdict::Safe) {
        ++bad;
        if (bad < 10) fmt::print("rep {} sym {} red {}: verdict {} outcomes {} units {} jobs {} execs {} err '{}' inc '{}'\n", rep, sym, to_string(red), to_string(r.verdict), r.outcomes.size(), r.units, r.jobs, r.executions, r.error, r.incomplete_reason);
      }
    }
  }
  EXPECT_EQ(bad, 0);
}
}
}
