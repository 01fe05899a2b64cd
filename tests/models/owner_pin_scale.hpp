// tests/models/owner_pin_scale.hpp: the owner pin (scenarios/owner_pin.toml) with N identical
// openers plus rmmod, checked with the default search on one thread, for the tests that pin its
// state counts with and without symmetry.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "engine/execution.hpp"
#include "engine/explorer.hpp"
#include "models/check.hpp"
#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

namespace rw::models {

// The protocol of scenarios/owner_pin.toml, with `openers` processes declared by count = N.
inline std::string owner_pin(int openers, const std::string& extra_fibers = "") {
  return "name = \"pin\"\nkernel = \"modern\"\n"
         "[module.chardev]\nfops.owner = \"THIS_MODULE\"\n"
         "fops.open = [\"work\", \"return 0\"]\nfops.release = [\"work\", \"return 0\"]\n"
         "[fiber.opener]\ncount = " +
         std::to_string(openers) + "\nrun = [\"open /dev/chardev\", \"close\"]\n" + extra_fibers +
         "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n[expect]\nverdict = \"safe\"\n";
}

inline Scenario parse(const std::string& toml) {
  auto s = parse_scenario(toml, "test.toml");
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
  return s ? *s : Scenario{};
}

struct Counts {
  std::uint64_t executions, states;
};

inline Counts check(int openers, bool symmetry, std::set<std::string>* outcomes = nullptr,
                    std::uint64_t max_executions = 10'000'000) {
  const Scenario s = parse(owner_pin(openers));
  engine::ExploreOptions opt;  // jobs 1: the counts are exact and repeatable
  opt.symmetry = symmetry;
  opt.max_executions = max_executions;
  const CheckResult r = check_scenario(s, opt);
  EXPECT_TRUE(r.matches) << r.mismatch;
  EXPECT_EQ(r.report.verdict, engine::Verdict::Safe);
  EXPECT_EQ(r.report.symmetry, symmetry && openers > 1);
  if (outcomes != nullptr) {
    const KernelProgram p(s);
    for (const auto& o : r.report.outcomes)
      outcomes->insert(engine::canonical_outcome(p.fiber_names(), p.fiber_classes(), o.outcome));
  }
  return {r.report.executions, r.report.states};
}

}  // namespace rw::models
