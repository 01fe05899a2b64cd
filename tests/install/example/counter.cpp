// tests/install/example/counter.cpp: a model written against the installed racewin engine. Two
// fibers increment a shared counter; a checker waits for both and fails with "lost-update" unless
// the counter is 2. explore() finds the lost update when an increment is a read and then a write,
// and proves, by exploring every interleaving, that none is lost when it is one step.
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/execution.hpp"
#include "engine/explorer.hpp"
#include "engine/program.hpp"
#include "engine/schedule.hpp"

namespace {

using rw::engine::Access;
using rw::engine::Execution;
using rw::engine::FiberId;
using rw::engine::ObjectId;

class Counter final : public rw::engine::Program {
 public:
  explicit Counter(bool atomic) : atomic_(atomic) {}

  const std::vector<std::string>& fiber_names() const override { return names_; }
  const std::vector<rw::engine::ObjectInfo>& objects() const override { return objects_; }
  void reset() override { counter_ = done_ = 0; }

  // Every shared access is announced with ex.step() before it is made; what a fiber does between
  // two steps is atomic.
  void run(Execution& ex, FiberId self) override {
    if (self == kChecker) {
      ex.step_when(kDone, Access::Read, "checker: wait for both", [this] { return done_ == 2; });
      ex.step(kCounter, Access::Read, "checker: read counter");
      ex.observe("counter", counter_);
      if (counter_ != 2) ex.fail("lost-update", fmt::format("counter is {} after two increments", counter_));
      return;
    }
    auto frame = ex.enter("increment");
    if (atomic_) {
      ex.step(kCounter, Access::ReadModifyWrite, "counter += 1");
      ++counter_;
    } else {
      ex.step(kCounter, Access::Read, "tmp = counter");
      const std::int64_t tmp = counter_;
      ex.local(0, tmp);  // tmp outlives the next step, so it is part of this fiber's state
      ex.step(kCounter, Access::Write, "counter = tmp + 1");
      counter_ = tmp + 1;
    }
    ex.step(kDone, Access::ReadModifyWrite, "done += 1");
    ++done_;
  }

  // The world, for the visited-state cache and for the search's checkpoints.
  void write_state(rw::engine::StateWriter& out) const override {
    out.put_signed(counter_);
    out.put_signed(done_);
  }
  void save_world(std::vector<std::byte>& out) const override {
    rw::engine::put_bytes(out, counter_);
    rw::engine::put_bytes(out, done_);
  }
  void restore_world(std::span<const std::byte> in) override {
    rw::engine::get_bytes(in, counter_);
    rw::engine::get_bytes(in, done_);
  }
  std::string watch() const override { return fmt::format("counter={} done={}", counter_, done_); }

 private:
  static constexpr FiberId kChecker = 2;
  static constexpr ObjectId kCounter = 0, kDone = 1;
  const std::vector<std::string> names_{"a", "b", "checker"};
  const std::vector<rw::engine::ObjectInfo> objects_{{.name = "counter"}, {.name = "done"}};
  bool atomic_;
  std::int64_t counter_ = 0, done_ = 0;
};

}  // namespace

int main() {
  bool as_expected = true;
  for (const bool atomic : {false, true}) {
    Counter program(atomic);
    const rw::engine::Report r = rw::engine::explore(program);
    fmt::print("{}: {}", atomic ? "one read-modify-write" : "read then write", to_string(r.verdict));
    if (r.violation)
      fmt::print(" {}: {}; schedule '{}'", r.violation->kind, r.violation->message,
                 rw::engine::format_schedule(r.violation->schedule, r.fiber_names));
    fmt::print(" ({} executions)\n", r.executions);
    as_expected = as_expected && r.verdict == (atomic ? rw::engine::Verdict::Safe : rw::engine::Verdict::Violation);
  }
  return as_expected ? 0 : 1;
}
