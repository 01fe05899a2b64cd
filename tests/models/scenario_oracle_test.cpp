// tests/models/scenario_oracle_test.cpp: every shipped scenario, in every era it lists, gives the
// same verdict, the same violation kind and the same outcome set with the default search
// (source-set reduction, state cache, symmetry) as with no reduction at all. The models
// announce which objects each step touches; a step that touches memory it does not announce (a
// free that writes mod->data but not the mod->state a later read checks) makes the reduction skip
// interleavings. Comparing with the unreduced search over real kernel models catches that,
// where the engine's own oracle (tests/engine) only sees programs that announce correctly.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "models/check.hpp"
#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

namespace rw::models {
namespace {
namespace fs = std::filesystem;

struct Summary {
  engine::Verdict verdict = engine::Verdict::Safe;
  std::string kind;
  std::set<std::string> outcomes;
};

Summary run(const Scenario& s, engine::Reduction reduction) {
  engine::ExploreOptions opt;
  opt.reduction = reduction;
  opt.jobs = 1;
  opt.shrink = false;
  const CheckResult r = check_scenario(s, opt);
  Summary out;
  out.verdict = r.report.verdict;
  if (r.report.violation) out.kind = r.report.violation->kind;
  const KernelProgram program(s);
  for (const auto& o : r.report.outcomes)
    out.outcomes.insert(engine::canonical_outcome(program.fiber_names(), program.fiber_classes(), o.outcome));
  return out;
}

std::vector<fs::path> shipped() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(RW_SOURCE_DIR) / "scenarios"))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ScenarioOracle, EveryShippedScenarioAgreesWithTheUnreducedSearch) {
  int compared = 0;
  for (const auto& file : shipped()) {
    const auto loaded = load_scenario(file);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    for (const auto& s : per_era(*loaded)) {
      const Summary reduced = run(s, engine::Reduction::Optimal);
      const Summary plain = run(s, engine::Reduction::None);
      EXPECT_EQ(reduced.verdict, plain.verdict) << s.title();
      EXPECT_EQ(reduced.kind, plain.kind) << s.title();
      // A violation ends the search early, each at its own point: outcomes compare when safe.
      if (plain.verdict == engine::Verdict::Safe) {
        EXPECT_EQ(reduced.outcomes, plain.outcomes) << s.title();
      }
      ++compared;
    }
  }
  EXPECT_GE(compared, 60) << "every era of every shipped scenario";
}

}  // namespace
}  // namespace rw::models
