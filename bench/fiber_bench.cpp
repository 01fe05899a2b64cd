// bench/fiber_bench.cpp: the floor under every step: raw Boost.Context switches through
// engine::FiberSlot, and a fiber's whole life on a reused slot (shared/PERFORMANCE.md, "The floor").
// As a baseline only, the same round trip on boost::context::fiber directly, with the switch
// inlined into a loop: the engine never includes Boost.Context outside engine/fiber.cpp, but the
// gap between the two figures is the price of FiberSlot's out-of-line resume()/yield().
#include <boost/context/fiber.hpp>
#include <catch2/catch.hpp>

#include "engine/fiber.hpp"

namespace {
using rw::engine::FiberSlot;

// Yields forever; the slot forgets it, suspended, when it is destroyed (engine/fiber.hpp).
void yield_forever(void* arg) {
  auto* slot = static_cast<FiberSlot*>(arg);
  for (;;) slot->yield();
}

void count_once(void* arg) { ++*static_cast<unsigned*>(arg); }
}  // namespace

TEST_CASE("Boost.Context switch through FiberSlot", "[switch]") {
  FiberSlot slot;
  slot.start(&yield_forever, &slot);
  slot.resume();  // runs the body up to its first yield
  // One iteration is a resume (scheduler -> fiber) and a yield (fiber -> scheduler): halve the
  // time for one switch.
  BENCHMARK("resume+yield round trip (2 switches)") { slot.resume(); };
  REQUIRE_FALSE(slot.finished());

  namespace ctx = boost::context;
  ctx::fiber back;
  ctx::fiber raw{[&back](ctx::fiber&& caller) {
    back = std::move(caller);
    for (;;) back = std::move(back).resume();
    return std::move(back);
  }};
  raw = std::move(raw).resume();
  BENCHMARK("baseline: boost::context::fiber round trip, inlined (2 switches)") {
    raw = std::move(raw).resume();
  };
  REQUIRE(static_cast<bool>(raw));
  // `raw` is suspended: destroying it unwinds its stack (forced_unwind), which is what
  // FiberSlot avoids; here it happens once, after the measurement.
}

TEST_CASE("Fiber life on a reused slot", "[fiber]") {
  FiberSlot slot;
  unsigned runs = 0;
  BENCHMARK("start + resume to completion (reused slot)") {
    slot.start(&count_once, &runs);
    slot.resume();
    return slot.finished();
  };
  REQUIRE(runs > 0);
  REQUIRE(slot.finished());
}
