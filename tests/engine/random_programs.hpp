// tests/engine/random_programs.hpp: random programs as data for the engine's oracle tests
// (reduction_test, symmetry_test): fibers in classes, each class running one list of operations
// on shared ints, a lock and a fiber reference; build() turns such a Spec into a LambdaProgram,
// and brute_force() runs every schedule of a program for the truth a search is checked against.
// Each test draws its own Specs (its own mix of operations and classes). Knows no kernel words.
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/execution.hpp"
#include "engine/explorer.hpp"
#include "test_programs.hpp"

namespace rw::engine::test {

// One operation of a class's body. Every value a step reads is observed at once, and the one
// value that decides a branch is also declared as a local, so the programs are correct models.
// A body depends on its fiber's id only through the fiber reference `owner`: it may write its
// id there, and it asks only whether the id there is its own.
struct Op {
  enum class Kind {
    Read,          // observe v
    Write,         // v = value
    Increment,     // ++v, observe the new value
    IncNotZero,    // ++v unless it is 0 (a conditional read-modify-write: when v is 0 it only read)
    Branch,        // read v; if (v == value) inner[0] else inner[1]
    Locked,        // lock m; inner...; unlock m (one or two ops)
    Atomic,        // an atomic section of inner[0], inner[1]
    Claim,         // owner = self (the last writer)
    ClaimIfFree,   // if (owner == none) owner = self (a compare-exchange)
    Release,       // if (owner == self) owner = none
    CheckMine,     // observe whether owner is none (-1), another fiber (0) or self (1)
    FailIfStolen,  // fail "stolen" when owner is another fiber
    BranchMine,    // read owner; if (owner == self) inner[0] else inner[1]
  };
  Kind kind = Kind::Read;
  ObjectId var = 0;        // the int it touches (ints are the first objects; the lock and owner come after)
  std::int64_t value = 0;  // Write: the constant written; Branch: the value that takes inner[0]
  std::vector<Op> inner;   // Branch(Mine): {then, else}; Locked: the ops under the lock; Atomic: its ops
  std::vector<Label> labels;  // filled by build()
};

// A random program as data, so that a failing one can be printed (and cut down by hand).
struct Spec {
  std::size_t ints = 1;
  bool lock = false;
  bool owner = false;  // the fiber reference
  std::optional<std::pair<ObjectId, std::int64_t>> limit;  // fail when this int reaches this value
  std::vector<std::vector<Op>> bodies;                     // one per class
  std::vector<std::uint32_t> classes;  // per fiber: its class (index into bodies); empty: a fiber per body

  // Per fiber, its class: `classes`, or each body a fiber (and class) of its own.
  std::vector<std::uint32_t> fiber_classes() const {
    if (!classes.empty()) return classes;
    std::vector<std::uint32_t> each(bodies.size());
    for (std::size_t c = 0; c < each.size(); ++c) each[c] = static_cast<std::uint32_t>(c);
    return each;
  }
  bool symmetric() const {
    for (std::size_t f = 0; f < classes.size(); ++f)
      for (std::size_t g = f + 1; g < classes.size(); ++g)
        if (classes[f] == classes[g]) return true;
    return false;
  }
  bool atomic() const {
    const auto has = [](const auto& self, const Op& op) -> bool {
      if (op.kind == Op::Kind::Atomic) return true;
      return std::any_of(op.inner.begin(), op.inner.end(), [&](const Op& o) { return self(self, o); });
    };
    for (const auto& ops : bodies)
      for (const Op& op : ops)
        if (has(has, op)) return true;
    return false;
  }
  std::string text() const {
    std::string t = fmt::format("{} int(s){}{};", ints, lock ? ", lock m" : "", owner ? ", fiber ref owner = none" : "");
    if (limit) t += fmt::format(" fail when v{} reaches {};", limit->first, limit->second);
    if (classes.empty()) {  // a fiber per body
      for (std::size_t f = 0; f < bodies.size(); ++f) {
        t += fmt::format(" {}:", fiber_name(f));
        for (const Op& op : bodies[f]) t += ' ' + text_of(op);
      }
      return t;
    }
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
      case Op::Kind::Locked:
        return fmt::format("lock m; {}{} unlock m;", text_of(op.inner[0]),
                           op.inner.size() > 1 ? " " + text_of(op.inner[1]) : std::string());
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

inline std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) { return rng() % n; }

// The most steps `op` can take (a branch its longer arm).
inline int max_steps(const Op& op) {
  switch (op.kind) {
    case Op::Kind::Branch:
    case Op::Kind::BranchMine: return 1 + std::max(max_steps(op.inner[0]), max_steps(op.inner[1]));
    case Op::Kind::Locked: {
      int n = 2;
      for (const Op& o : op.inner) n += max_steps(o);
      return n;
    }
    case Op::Kind::Atomic: return max_steps(op.inner[0]) + max_steps(op.inner[1]);
    default: return 1;
  }
}

// The objects of a built Spec besides its ints (kNoObject when it has none).
struct Objects {
  ObjectId lock = kNoObject;
  ObjectId owner = kNoObject;
};

inline void run_op(LambdaProgram& prog, Execution& ex, const Op& op, const Spec& spec, Objects obj) {
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
      for (const Op& o : op.inner) run_op(prog, ex, o, spec, obj);
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

// Gives every step of `op` a label of its own ("k1.2.then: ++v0"), so that positions differ;
// fibers of one class share them.
inline void label_op(LambdaProgram& prog, Op& op, const std::string& where) {
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
      for (std::size_t i = 0; i < op.inner.size(); ++i) label_op(prog, op.inner[i], where + fmt::format(".locked{}", i));
      break;
    case Op::Kind::Atomic:
      label_op(prog, op.inner[0], where + ".atomic0");
      label_op(prog, op.inner[1], where + ".atomic1");
      break;
  }
}

// The program of `spec`, its fiber classes declared. `delay_us`: each fiber sleeps that long
// before each operation (to steer threads in a repro).
inline std::unique_ptr<LambdaProgram> build(const Spec& spec, int delay_us = 0) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  for (std::size_t i = 0; i < spec.ints; ++i) prog.add_int(fmt::format("v{}", i));
  Objects obj;
  if (spec.lock) obj.lock = prog.add_lock("m");
  if (spec.owner) obj.owner = prog.add_fiber_ref("owner");
  std::vector<std::vector<Op>> bodies = spec.bodies;
  for (std::size_t c = 0; c < bodies.size(); ++c)
    for (std::size_t o = 0; o < bodies[c].size(); ++o) label_op(prog, bodies[c][o], fmt::format("k{}.{}", c, o));
  const std::vector<std::uint32_t> classes = spec.fiber_classes();
  for (std::size_t f = 0; f < classes.size(); ++f) {
    prog.add_fiber(fiber_name(f), [&prog, ops = bodies[classes[f]], spec, obj, delay_us](Execution& ex) {
      auto frame = ex.enter("random body");
      for (std::uint32_t pc = 0; pc < ops.size(); ++pc) {
        ex.at(pc);
        if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
        run_op(prog, ex, ops[pc], spec, obj);
      }
    });
  }
  prog.set_fiber_classes(spec.classes);
  return p;
}

// ---- The oracle: every schedule ---------------------------------------------------------------

struct Truth {
  std::uint64_t schedules = 0;       // run (with a bound: those within it)
  std::uint64_t complete = 0;        // of them, every fiber finished
  std::set<std::string> outcomes;    // canonical: up to renaming the fibers of a class
  std::set<std::string> violations;  // kinds
  bool cut = false;                  // (bounded) some schedule has more preemptions than the bound
  bool safe() const { return violations.empty() && complete == schedules; }
};

// Every schedule of `program` (with `bound`, those with at most that many preemptions), outcomes
// canonical; `each_complete` (if any) also sees every complete one.
inline Truth brute_force(Program& program, std::optional<std::uint32_t> bound = std::nullopt,
                         const std::function<void(const ScheduleRun&)>& each_complete = {}) {
  const std::vector<std::string>& names = program.fiber_names();
  const std::vector<std::uint32_t> classes = program.fiber_classes();
  const bool renames = !symmetric_groups(classes).empty();
  Truth t;
  for_each_schedule(program, [&](const ScheduleRun& run) {
    if (bound && run.preemptions > *bound) {
      t.cut = true;
      return;
    }
    ++t.schedules;
    if (!run.violation.empty()) t.violations.insert(run.violation);
    if (!run.complete) return;
    ++t.complete;
    t.outcomes.insert(renames ? canonical_outcome(names, classes, run.outcome) : run.outcome);
    if (each_complete) each_complete(run);
  });
  return t;
}

}  // namespace rw::engine::test
