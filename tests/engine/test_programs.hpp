// tests/engine/test_programs.hpp: small programs for the engine's unit tests (and the engine's
// regression tests in tests/regressions), a brute-force enumerator of their schedules to check
// explore() against, and the options of the searches they compare. Fiber bodies are lambdas kept
// in the program (so nothing that owns memory lives on a fiber's stack across a step) and the
// shared world is a vector of ints. Knows no kernel words.
#pragma once
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <source_location>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/execution.hpp"
#include "engine/explorer.hpp"
#include "engine/program.hpp"

namespace rw::engine::test {

// A Program assembled at run time: shared ints and locks as objects, fibers as lambdas. Bodies
// usually capture the program by reference, so it neither copies nor moves.
class LambdaProgram final : public Program {
 public:
  using Body = std::function<void(Execution&)>;

  LambdaProgram() = default;
  LambdaProgram(const LambdaProgram&) = delete;
  LambdaProgram& operator=(const LambdaProgram&) = delete;

  // A shared int that steps can name; reset() puts `initial` back.
  ObjectId add_int(std::string name, std::int64_t initial = 0) {
    objects_.push_back({.name = std::move(name), .is_lock = false});
    initial_.push_back(initial);
    values_.push_back(initial);
    fiber_ref_.push_back(false);
    return static_cast<ObjectId>(objects_.size() - 1);
  }
  // A shared int that holds a fiber's id, or -1 for none (an owner, the last writer). It is
  // written with put_fiber, so that symmetry renames it along with the fibers.
  ObjectId add_fiber_ref(std::string name) {
    const ObjectId v = add_int(std::move(name), -1);
    fiber_ref_.back() = true;
    return v;
  }
  // An engine-owned lock (Execution::lock / unlock); its value slot stays 0.
  ObjectId add_lock(std::string name) {
    objects_.push_back({.name = std::move(name), .is_lock = true});
    initial_.push_back(0);
    values_.push_back(0);
    fiber_ref_.push_back(false);
    return static_cast<ObjectId>(objects_.size() - 1);
  }
  FiberId add_fiber(std::string name, Body body) {
    names_.push_back(std::move(name));
    bodies_.push_back(std::move(body));
    return static_cast<FiberId>(names_.size() - 1);
  }
  // Symmetry: each fiber's class (Program::fiber_classes). Empty, the default: a class per fiber.
  void set_fiber_classes(std::vector<std::uint32_t> classes) { classes_ = std::move(classes); }
  // Symmetry: why this program's fibers cannot be renamed (Program::symmetry_blocker).
  void set_symmetry_blocker(std::string why) { blocker_ = std::move(why); }
  // A label made at run time; its text lives as long as the program.
  Label label(std::string text) {
    texts_.push_back(std::move(text));
    return Label::runtime(texts_.back().c_str());
  }

  std::int64_t& operator[](ObjectId v) { return values_.at(v); }
  std::int64_t operator[](ObjectId v) const { return values_.at(v); }

  // One step each: announce the access, then make it.
  std::int64_t read(Execution& ex, ObjectId v, Label label,
                    std::source_location where = std::source_location::current()) {
    ex.step(v, Access::Read, label, where);
    return values_[v];
  }
  void write(Execution& ex, ObjectId v, std::int64_t value, Label label,
             std::source_location where = std::source_location::current()) {
    ex.step(v, Access::Write, label, where);
    values_[v] = value;
  }
  // Returns the value after the increment.
  std::int64_t increment(Execution& ex, ObjectId v, Label label,
                         std::source_location where = std::source_location::current()) {
    ex.step(v, Access::ReadModifyWrite, label, where);
    return ++values_[v];
  }

  const std::vector<std::string>& fiber_names() const override { return names_; }
  const std::vector<ObjectInfo>& objects() const override { return objects_; }
  void reset() override { values_ = initial_; }
  void run(Execution& ex, FiberId self) override { bodies_.at(self)(ex); }
  void write_state(StateWriter& out) const override {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      if (fiber_ref_[i])
        out.put_fiber(values_[i] < 0 ? kNoFiber : static_cast<FiberId>(values_[i]));
      else
        out.put_signed(values_[i]);
    }
  }
  std::vector<std::uint32_t> fiber_classes() const override {
    return classes_.empty() ? Program::fiber_classes() : classes_;
  }
  std::string symmetry_blocker() const override { return blocker_; }
  void save_world(std::vector<std::byte>& out) const override {
    for (std::int64_t v : values_) put_bytes(out, v);
  }
  void restore_world(std::span<const std::byte> in) override {
    for (std::int64_t& v : values_) get_bytes(in, v);
  }
  std::string watch() const override {
    std::string s;
    for (std::size_t i = 0; i < objects_.size(); ++i) {
      if (objects_[i].is_lock) continue;
      if (!s.empty()) s += ' ';
      s += objects_[i].name + '=' + std::to_string(values_[i]);
    }
    return s;
  }

 private:
  std::vector<std::string> names_;
  std::vector<Body> bodies_;
  std::vector<ObjectInfo> objects_;
  std::vector<std::int64_t> initial_;
  std::vector<std::int64_t> values_;
  std::vector<bool> fiber_ref_;  // per object: holds a fiber id (add_fiber_ref)
  std::vector<std::uint32_t> classes_;
  std::string blocker_;
  std::deque<std::string> texts_;  // a deque: growing it never moves the texts labels point to
};

// One schedule, run to its end by for_each_schedule().
struct ScheduleRun {
  struct Step {
    FiberId fiber = 0;
    ObjectId object = kNoObject;
    Access access = Access::Read;     // as made (after narrow_access)
    Access announced = Access::Read;  // as announced by the step
  };
  std::vector<Step> steps;
  bool complete = false;            // every fiber finished
  std::string violation;            // its kind, if the run ended in one
  std::string outcome;              // when complete
  std::uint32_t preemptions = 0;    // at its end (Execution::preemptions)
  std::vector<FiberId> schedule() const {
    std::vector<FiberId> s;
    for (const Step& st : steps) s.push_back(st.fiber);
    return s;
  }
};

// The oracle for explore(): runs every schedule of `program` exactly once, by re-execution from
// the start, with no reduction and no cache (the classic stateless DFS: level i of `stack` is
// {chosen, width}: step i ran runnable[chosen] of `width`). Calls visit(const ScheduleRun&) per
// schedule and returns how many there were. Shares only Execution with the engine's search.
template <class Visit>
std::uint64_t for_each_schedule(Program& program, Visit&& visit, std::uint32_t max_steps = 1000) {
  struct Level {
    std::size_t chosen = 0, width = 0;
  };
  Execution ex(program);
  std::vector<Level> stack;
  std::uint64_t count = 0;
  while (true) {
    ex.begin(false);
    ScheduleRun run;
    std::size_t depth = 0;
    while (!ex.over() && ex.depth() < max_steps) {
      const std::vector<FiberId>& runnable = ex.runnable();
      if (depth == stack.size()) stack.push_back({0, runnable.size()});
      if (stack[depth].width != runnable.size())
        throw std::logic_error(fmt::format("for_each_schedule: the runnable set changed at step {}", depth));
      const FiberId f = runnable[stack[depth++].chosen];
      ex.advance(f);
      run.steps.push_back({f, ex.last_object(), ex.last_access(), ex.last_announced()});
    }
    if (depth != stack.size())
      throw std::logic_error(fmt::format("for_each_schedule: a replayed prefix ended at step {}", depth));
    run.complete = ex.complete();
    if (ex.violation()) run.violation = ex.violation()->kind;
    if (run.complete) run.outcome = ex.outcome();
    run.preemptions = ex.preemptions();
    visit(std::as_const(run));
    ++count;
    while (!stack.empty() && stack.back().chosen + 1 == stack.back().width) stack.pop_back();
    if (stack.empty()) return count;
    ++stack.back().chosen;
  }
}

// "a", "b", "c", ...: fiber names by index.
inline std::string fiber_name(std::size_t i) { return std::string(1, static_cast<char>('a' + i)); }

// (sum k_i)! / prod(k_i!), computed as a product of binomials so that it stays exact.
inline std::uint64_t multinomial(const std::vector<int>& k) {
  std::uint64_t result = 1;
  std::uint64_t total = 0;
  for (int ki : k) {
    for (std::uint64_t j = 1; j <= static_cast<std::uint64_t>(ki); ++j) {
      ++total;
      result = result * total / j;  // C(total, j) stays integral at every step
    }
  }
  return result;
}

inline std::uint64_t product_of_successors(const std::vector<int>& k) {
  std::uint64_t p = 1;
  for (int ki : k) p *= static_cast<std::uint64_t>(ki) + 1;
  return p;
}

inline std::string describe(const std::vector<int>& k) {
  std::string s = "{";
  for (std::size_t i = 0; i < k.size(); ++i) s += (i == 0 ? "" : ", ") + std::to_string(k[i]);
  return s + "}";
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Fiber i increments its own counter k[i] times, then observes it. No two steps conflict, so
// every interleaving is a distinct schedule and there are multinomial(k) of them.
inline std::unique_ptr<LambdaProgram> independent_program(const std::vector<int>& k) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  for (std::size_t i = 0; i < k.size(); ++i) {
    const ObjectId counter = prog.add_int("count_" + fiber_name(i));
    prog.add_fiber(fiber_name(i), [&prog, counter, steps = k[i]](Execution& ex) {
      for (int s = 0; s < steps; ++s) prog.increment(ex, counter, "increment own counter");
      ex.observe("count", prog[counter]);
    });
  }
  return p;
}

// Two fibers increment x through a declared local (read, then write back); a checker waits for
// both and fails with "lost-update" unless x is 2.
inline std::unique_ptr<LambdaProgram> lost_update_program() {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId x = prog.add_int("x");
  const ObjectId done = prog.add_int("done");
  for (const char* name : {"a", "b"}) {
    prog.add_fiber(name, [&prog, x, done](Execution& ex) {
      auto frame = ex.enter("increment x");
      const std::int64_t v = prog.read(ex, x, "tmp = x");
      ex.local(0, v);
      prog.write(ex, x, v + 1, "x = tmp + 1");
      ex.note("x {} -> {}", v, v + 1);
      prog.increment(ex, done, "done += 1");
    });
  }
  prog.add_fiber("checker", [&prog, x, done](Execution& ex) {
    ex.step_when(done, Access::Read, "checker: wait for both",
                 [&prog, done] { return prog[done] == 2; });
    ex.observe("x", prog[x]);
    if (prog[x] != 2) ex.fail("lost-update", fmt::format("x is {} after two increments", prog[x]));
  });
  return p;
}

inline ExploreOptions without_cache() {
  ExploreOptions o;
  o.state_cache = false;
  return o;
}

// Exhaustive search that runs every schedule: no reduction, no state cache.
inline ExploreOptions every_schedule() {
  ExploreOptions o = without_cache();
  o.reduction = Reduction::None;
  return o;
}

inline std::set<std::string> outcome_texts(const Report& r) {
  std::set<std::string> s;
  for (const auto& o : r.outcomes) s.insert(o.outcome);
  return s;
}

// The bug needs exactly one preemption: `victim` sets x = 1 and later checks it, and
// `disturber` sets x = 2 between its two unrelated steps. DFS tries the disturber first and
// finds "disturber victim disturber*2 victim" (two preemptions); the only schedule with one is
// "victim disturber*3 victim".
inline std::unique_ptr<LambdaProgram> overwrite_program() {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId x = prog.add_int("x");
  const ObjectId q = prog.add_int("q");
  prog.add_fiber("disturber", [&prog, x, q](Execution& ex) {
    prog.increment(ex, q, "disturber: ++q before");
    prog.write(ex, x, 2, "disturber: x = 2");
    prog.increment(ex, q, "disturber: ++q after");
  });
  prog.add_fiber("victim", [&prog, x](Execution& ex) {
    prog.write(ex, x, 1, "victim: x = 1");
    if (prog.read(ex, x, "victim: check x") != 1) ex.fail("overwritten", "x changed under the victim");
  });
  return p;
}

// a writes x = 1 then x = 2; b observes x twice: six outcomes, no violation.
inline std::unique_ptr<LambdaProgram> racy_reads_program() {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId x = prog.add_int("x");
  prog.add_fiber("a", [&prog, x](Execution& ex) {
    prog.write(ex, x, 1, "a: x = 1");
    prog.write(ex, x, 2, "a: x = 2");
  });
  prog.add_fiber("b", [&prog, x](Execution& ex) {
    ex.observe("first", prog.read(ex, x, "b: first read"));
    ex.observe("second", prog.read(ex, x, "b: second read"));
  });
  return p;
}

// ---- Exhaustive searches that reduction_test.cpp and tests/regressions compare ----------------

inline ExploreOptions exhaustive(Reduction reduction, bool cache) {
  ExploreOptions o;
  o.reduction = reduction;
  o.state_cache = cache;
  o.shrink = false;  // the schedule found is enough here; shrinking is tested in replay_test
  return o;
}

inline std::string describe(Reduction reduction, bool cache) {
  return fmt::format("reduction {}, state cache {}", to_string(reduction), cache ? "on" : "off");
}

// ---- Programs whose outcome spells their schedule (dfs_test.cpp, tests/regressions) -----------

// Every step appends its fiber to the shared int h (h = h * 4 + fiber + 1), and each fiber
// observes h after its last step. The largest value observed spells the whole schedule, so
// every schedule has an outcome of its own. All steps conflict: reduction cannot merge any two.
inline std::int64_t append(LambdaProgram& prog, Execution& ex, ObjectId h, Label label) {
  ex.step(h, Access::ReadModifyWrite, label);
  prog[h] = prog[h] * 4 + ex.self() + 1;
  return prog[h];
}

// Reads the schedule back from an outcome ("a: h=6 | b: h=27").
inline std::vector<FiberId> schedule_of(const std::string& outcome) {
  std::int64_t h = 0;
  for (std::size_t at = outcome.find("h="); at != std::string::npos; at = outcome.find("h=", at + 2))
    h = std::max<std::int64_t>(h, std::stoll(outcome.substr(at + 2)));
  std::vector<FiberId> s;
  for (; h > 0; h /= 4) s.push_back(static_cast<FiberId>(h % 4 - 1));
  std::reverse(s.begin(), s.end());
  return s;
}

// Fiber a runs `before` steps, then `inside` steps in an atomic section, then `after` steps;
// fiber b runs `other` steps. Each step appends its fiber to h, so outcomes spell schedules.
inline std::unique_ptr<LambdaProgram> atomic_program(int before, int inside, int after, int other,
                                                     bool use_atomic) {
  auto p = std::make_unique<LambdaProgram>();
  LambdaProgram& prog = *p;
  const ObjectId h = prog.add_int("h");
  prog.add_fiber("a", [&prog, h, before, inside, after, use_atomic](Execution& ex) {
    for (int i = 0; i < before; ++i) append(prog, ex, h, "a: before the section");
    if (use_atomic) ex.set_atomic(true);
    for (int i = 0; i < inside; ++i) append(prog, ex, h, "a: inside the section");
    if (use_atomic) ex.set_atomic(false);
    for (int i = 0; i < after; ++i) append(prog, ex, h, "a: after the section");
    ex.observe("h", prog[h]);
  });
  prog.add_fiber("b", [&prog, h, other](Execution& ex) {
    for (int i = 0; i < other; ++i) append(prog, ex, h, "b: step");
    ex.observe("h", prog[h]);
  });
  return p;
}

// The schedules a search ran on an atomic_program, read back from its outcomes (each must occur
// once).
inline std::vector<std::vector<FiberId>> schedules_in(const Report& r) {
  std::vector<std::vector<FiberId>> s;
  for (const auto& oc : r.outcomes) {
    EXPECT_EQ(oc.count, 1u) << oc.outcome;
    s.push_back(schedule_of(oc.outcome));
  }
  return s;
}

}  // namespace rw::engine::test
