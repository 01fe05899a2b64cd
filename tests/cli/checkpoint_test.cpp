// tests/cli/checkpoint_test.cpp: `racewin check --checkpoint FILE` writes the search's progress
// between units; a run killed with SIGKILL at any point and resumed with `--resume FILE` reaches
// the report (verdict, outcomes, every count) of the run that was never stopped. A checkpoint of
// another search, or a damaged one, is refused as bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/exit_codes.hpp"
#include "support/cli_run.hpp"

namespace rw::cli {
namespace {

using json = nlohmann::json;
using rw::testing::racewin;
const std::string kThree = std::string(RW_SOURCE_DIR) + "/scenarios/owner_pin_three_openers.toml";

json report(const std::vector<std::string>& args) {
  const auto r = racewin(args);
  EXPECT_EQ(r.code, kExitOk) << r.err;
  return json::parse(r.out)["scenarios"][0];
}

// Runs `args` in a child process and kills it (SIGKILL) once the checkpoint file has been
// written `writes` times (each write renames a new file into place), or lets it finish. Returns
// whether it killed it.
bool kill_after_writes(const std::vector<std::string>& args, const std::filesystem::path& file, int writes) {
  const pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) {
    racewin(args);
    _exit(0);
  }
  std::set<ino_t> seen;
  int status = 0;
  for (int i = 0; i < 600'000 && static_cast<int>(seen.size()) < writes; ++i) {
    struct stat st{};
    if (stat(file.c_str(), &st) == 0) seen.insert(st.st_ino);
    if (waitpid(child, &status, WNOHANG) == child) return false;  // finished first
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
  return true;
}

TEST(CliCheckpoint, AKilledRunResumesToTheReportOfOneThatWasNeverStopped) {
  const rw::testing::TempDir dir;
  for (const char* jobs : {"1", "2"}) {
    SCOPED_TRACE(std::string("jobs ") + jobs);
    const auto file = dir.path() / "three.ck";
    const std::vector<std::string> base = {"check", kThree, "--format", "json", "-q", "-j", jobs,
                                           "--checkpoint", file.string(), "--checkpoint-every", "0"};
    const json whole = report(base);
    EXPECT_EQ(whole["verdict"], "safe");
    int killed = 0;
    for (int writes : {1, 4, 12}) {
      SCOPED_TRACE(writes);
      std::filesystem::remove(file);
      killed += kill_after_writes(base, file, writes) ? 1 : 0;
      ASSERT_TRUE(std::filesystem::exists(file));
      std::vector<std::string> resume = base;
      resume.insert(resume.end(), {"--resume", file.string()});
      EXPECT_EQ(report(resume), whole);
    }
    EXPECT_GT(killed, 0);  // 32 units per job: the runs were stopped part way
  }
}

TEST(CliCheckpoint, AnotherSearchsOrADamagedCheckpointIsRefused) {
  const rw::testing::TempDir dir;
  const auto file = dir.path() / "three.ck";
  const auto made = racewin({"check", kThree, "-q", "--checkpoint", file.string(), "--checkpoint-every", "0"});
  ASSERT_EQ(made.code, kExitOk) << made.err;
  // Other search flags shape another tree.
  const auto other = racewin({"check", kThree, "-q", "--reduction", "none", "--resume", file.string()});
  EXPECT_EQ(other.code, kExitBadInput);
  EXPECT_NE(other.err.find("belongs to another search"), std::string::npos) << other.err;
  const auto elsewhere = racewin({"check", std::string(RW_SOURCE_DIR) + "/scenarios/owner_pin.toml", "-q", "--resume", file.string()});
  EXPECT_EQ(elsewhere.code, kExitBadInput) << elsewhere.err;
  // One byte changed, or the file cut short.
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (const std::string& broken : {bytes.substr(0, bytes.size() / 2), std::string(bytes).replace(bytes.size() / 2, 1, "\x7f")}) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << broken;
    const auto r = racewin({"check", kThree, "-q", "--resume", file.string()});
    EXPECT_EQ(r.code, kExitBadInput);
    EXPECT_NE(r.err.find("damaged or incomplete"), std::string::npos) << r.err;
  }
  const auto missing = racewin({"check", kThree, "-q", "--resume", (dir.path() / "none").string()});
  EXPECT_EQ(missing.code, kExitBadInput);
  // One scenario in one era, and exhaustive search only.
  EXPECT_EQ(racewin({"check", std::string(RW_SOURCE_DIR) + "/scenarios", "--checkpoint", file.string()}).code, kExitBadInput);
  EXPECT_EQ(racewin({"check", kThree, "--strategy", "random", "--checkpoint", file.string()}).code, kExitBadInput);
  EXPECT_EQ(racewin({"check", kThree, "--checkpoint-every", "5"}).code, kExitBadInput);
}

}  // namespace
}  // namespace rw::cli
