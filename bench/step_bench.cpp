// bench/step_bench.cpp: one engine step: a fiber announces an access with Execution::step(), the
// scheduler picks it and resumes it. Measured as a whole execution of kSteps steps, so divide
// by kSteps for the per-step cost (it includes the two fiber switches of each step).
#include <catch2/catch.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "engine/execution.hpp"
#include "engine/explorer.hpp"
#include "engine/program.hpp"

namespace {
namespace eng = rw::engine;

constexpr int kSteps = 1000;

// One fiber incrementing one shared counter kSteps times, one step per increment.
class CounterProgram final : public eng::Program {
 public:
  const std::vector<std::string>& fiber_names() const override { return names_; }
  const std::vector<eng::ObjectInfo>& objects() const override { return objects_; }
  void reset() override { counter_ = 0; }
  void run(eng::Execution& ex, eng::FiberId) override {
    for (int i = 0; i < kSteps; ++i) {
      ex.step(0, eng::Access::ReadModifyWrite, "bench: counter++");
      ++counter_;
    }
  }
  void write_state(eng::StateWriter& out) const override { out.put_signed(counter_); }
  // The search goes back to checkpoints: the world is the counter.
  void save_world(std::vector<std::byte>& out) const override { eng::put_bytes(out, counter_); }
  void restore_world(std::span<const std::byte> in) override { eng::get_bytes(in, counter_); }
  std::int64_t counter() const { return counter_; }

 private:
  std::vector<std::string> names_{"stepper"};
  std::vector<eng::ObjectInfo> objects_{{"counter"}};
  std::int64_t counter_ = 0;
};
}  // namespace

TEST_CASE("One engine step", "[step]") {
  CounterProgram program;
  eng::Execution ex(program);
  BENCHMARK("1000 steps: Execution::begin + 1000 advances") {
    ex.begin(false);
    while (!ex.over()) ex.advance(ex.runnable().front());
    return program.counter();
  };
  REQUIRE(ex.complete());
  REQUIRE(program.counter() == kSteps);

  // The same 1000 steps through the explorer: one DFS execution, which adds the Execution's
  // set-up (its fiber stacks), a checkpoint per step and, with the cache, hashing and storing
  // 1001 states.
  for (const bool cache : {true, false}) {
    eng::ExploreOptions options;
    options.state_cache = cache;
    BENCHMARK(cache ? "1000 steps via explore, state cache on" : "1000 steps via explore, state cache off") {
      return eng::explore(program, options).steps;
    };
    const eng::Report r = eng::explore(program, options);
    REQUIRE(r.verdict == eng::Verdict::Safe);
    REQUIRE(r.executions == 1);
    REQUIRE(r.steps == kSteps);
  }
}
