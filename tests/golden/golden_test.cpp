// tests/golden/golden_test.cpp: every shipped scenario against its golden JSON report
// (tests/golden/<name>.expected), byte for byte: verdict, execution and state counts, outcome
// table, and for violations the schedule and the whole trace. The report is the one `racewin
// check` prints, made by the CLI itself (rw::cli::run). RW_UPDATE_GOLDEN=1 rewrites them; review
// the diff before committing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "support/cli_run.hpp"

namespace rw::cli {
namespace {
namespace fs = std::filesystem;

const fs::path kRoot = RW_SOURCE_DIR;

std::vector<std::string> shipped() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kRoot / "scenarios"))
    if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The report `racewin check scenarios/<name>.toml --format json --jobs 1` prints from the source
// root (every era the file lists, in its order); `matches` is whether it exits 0, i.e. every era
// meets its [expect].
std::string report(const std::string& name, bool* matches) {
  fs::current_path(kRoot);
  const auto r = rw::testing::racewin({"check", "scenarios/" + name + ".toml", "--format", "json", "--jobs", "1"});
  EXPECT_TRUE(r.code == kExitOk || r.code == kExitMismatch) << name << " exits " << r.code << ": " << r.err;
  *matches = r.code == kExitOk;
  return r.out;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, ReportMatchesItsGoldenFileAndItsExpectation) {
  const std::string name = GetParam();
  bool matches = false;
  const std::string got = report(name, &matches);
  EXPECT_TRUE(matches) << name << " does not match its [expect]";
  const fs::path golden = kRoot / "tests" / "golden" / (name + ".expected");
  if (const char* update = std::getenv("RW_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(golden, std::ios::binary) << got;
    GTEST_SKIP() << "rewrote " << golden;
  }
  std::ifstream in(golden, std::ios::binary);
  ASSERT_TRUE(in) << "no golden file " << golden << " (run with RW_UPDATE_GOLDEN=1 and review it)";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(got, want.str()) << "report of " << name << " differs from " << golden;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Golden, ::testing::ValuesIn(shipped()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(Golden, EveryGoldenFileHasItsScenario) {
  const auto names = shipped();
  for (const auto& e : fs::directory_iterator(kRoot / "tests" / "golden")) {
    if (e.path().extension() != ".expected") continue;
    EXPECT_NE(std::find(names.begin(), names.end(), e.path().stem().string()), names.end())
        << e.path() << " has no scenario";
  }
}

// The owner pin must be proved by exhausting the space, and the self get must be found; these
// are the two verdicts the project exists for.
TEST(Golden, TheSelfGetIsFoundAndTheOwnerPinIsProvedSafe) {
  bool matches = false;
  const auto lkmpg = nlohmann::json::parse(report("lkmpg_chardev", &matches));
  EXPECT_EQ(lkmpg["scenarios"][0]["verdict"], "violation");
  EXPECT_EQ(lkmpg["scenarios"][0]["violation"]["kind"], "module-code-after-unload");
  EXPECT_EQ(lkmpg["scenarios"][0]["violation"]["preemptions"], 1);
  const auto owner = nlohmann::json::parse(report("owner_pin", &matches));
  EXPECT_EQ(owner["scenarios"][0]["verdict"], "safe");
  EXPECT_EQ(owner["scenarios"][0]["outcomes"].size(), 3u);
}

}  // namespace
}  // namespace rw::cli
