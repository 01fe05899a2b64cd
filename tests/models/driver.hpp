// tests/models/driver.hpp: drives a scenario's fibers by hand, one named step at a time, so that
// a test can put a kernel primitive exactly where it races another and look at the state.
#pragma once
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

#include "engine/execution.hpp"
#include "models/check.hpp"
#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

namespace rw::models::testing {

inline Scenario parse_or_die(const std::string& toml) {
  auto s = parse_scenario(toml, "test.toml");
  if (!s) throw std::runtime_error(s.error().to_string());
  return *s;
}

class Driver {
 public:
  // Starts an execution and runs every fiber's setup (they run alone, so there is no choice).
  explicit Driver(const std::string& toml) : program_(parse_or_die(toml)), ex_(program_) {
    ex_.begin(true);
    while (!ex_.over() && ex_.runnable().size() == 1 && ex_.atomic(ex_.runnable().front()))
      ex_.advance(ex_.runnable().front());
  }

  engine::FiberId fiber(const std::string& name) const {
    const auto& names = program_.fiber_names();
    for (engine::FiberId i = 0; i < names.size(); ++i)
      if (names[i] == name) return i;
    throw std::runtime_error("no fiber " + name);
  }
  // Runs `name` until the step it waits to take starts with `label` (that step is not taken).
  void until(const std::string& name, std::string_view label) {
    const auto f = fiber(name);
    for (int guard = 0; guard < 10'000; ++guard) {
      if (ex_.pending(f).starts_with(label)) return;
      take(name);
    }
    throw std::runtime_error("no step '" + std::string(label) + "' for " + name);
  }
  // Takes `name`'s next step; it must be runnable. Throws when the step ends in a violation.
  void take(const std::string& name) {
    const auto f = fiber(name);
    if (ex_.over()) throw std::runtime_error("the execution is over: " + describe());
    const auto& run = ex_.runnable();
    if (std::find(run.begin(), run.end(), f) == run.end())
      throw std::runtime_error(name + " cannot run at '" + std::string(ex_.pending(f)) + "'");
    ex_.advance(f);
    if (ex_.violation()) throw std::runtime_error("violation " + describe());
  }
  // Runs `name` until it finishes.
  void finish(const std::string& name) {
    const auto f = fiber(name);
    while (!ex_.finished(f)) take(name);
  }
  bool runnable(const std::string& name) const {
    const auto& run = ex_.runnable();
    return std::find(run.begin(), run.end(), fiber(name)) != run.end();
  }
  std::string describe() const {
    return ex_.violation() ? ex_.violation()->kind + ": " + ex_.violation()->message : ex_.outcome();
  }
  Module& mod(std::size_t i = 0) { return program_.kernel().modules.at(i); }
  Task& task(const std::string& name) { return program_.kernel().tasks.at(fiber(name)); }
  engine::Execution& ex() { return ex_; }
  std::string outcome() const { return ex_.outcome(); }

 private:
  KernelProgram program_;
  engine::Execution ex_;
};

// Runs `name` until its next operation returns: its part of the outcome grows by one result.
inline void next_op(Driver& d, const std::string& name) {
  const std::string before = d.outcome();
  while (d.outcome() == before) d.take(name);
}

// Whether `fiber` has taken a step whose label starts with `label_prefix`.
inline bool took(Driver& d, const std::string& fiber, std::string_view label_prefix) {
  for (const auto& s : d.ex().trace())
    if (s.fiber == d.fiber(fiber) && s.label.starts_with(label_prefix)) return true;
  return false;
}

// The value of the scenario's i-th named variable (atomic_inc(x) and the like).
inline std::int64_t var(Driver& d, std::size_t i) {
  return static_cast<KernelProgram&>(d.ex().program()).kernel().vars.at(i);
}

// The whole scenario, checked exhaustively with the default search, and its outcomes.
struct Checked {
  CheckResult result;
  std::set<std::string> outcomes;
};
inline Checked check_all(const std::string& toml) {
  const Scenario s = parse_or_die(toml);
  Checked c{check_scenario(s, engine::ExploreOptions{}), {}};
  for (const auto& o : c.result.report.outcomes) c.outcomes.insert(o.outcome);
  return c;
}

// A module with the given fops fields (TOML lines) and fibers (TOML tables).
inline std::string scenario(const std::string& module_lines, const std::string& fibers) {
  return "name = \"t\"\nkernel = \"modern\"\n[module.chardev]\n" + module_lines + "\n" + fibers +
         "\n[expect]\nverdict = \"safe\"\n";
}

inline const char* kOwnerPin =
    "fops.owner = \"THIS_MODULE\"\nfops.open = [\"work\", \"return 0\"]\nfops.release = [\"work\", \"return 0\"]";
inline const char* kNoOwnerSelfGet =
    "fops.owner = \"NULL\"\nfops.open = [\"try_module_get(THIS_MODULE)\", \"return 0\"]\n"
    "fops.release = [\"module_put(THIS_MODULE)\", \"return 0\"]";

// insmod whose init fails, and rmmod: rmmod during the init is -EBUSY, after the failed load
// -ENOENT (era_test.cpp drives it by hand, tests/regressions searches it).
inline const std::string kInitFails24 =
    "name = \"t\"\nkernel = \"2.6.24\"\n[module.m]\nregister = \"none\"\ninit = [\"return -ENOMEM\"]\n"
    "[fiber.loader]\nrun = [\"insmod m\", \"lsmod m\"]\n[fiber.rmmod]\nrun = [\"rmmod m\"]\n[expect]\nverdict = \"safe\"\n";

}  // namespace rw::models::testing
