// tests/cli/commands_test.cpp: what the command line takes from the engine's registries and how
// its exit codes read: a strategy registered in one line is a --strategy choice with its own
// report, and a search that ended in an error exits 4, apart from a mismatch (1); --version,
// standard input and replay --complete.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "cli/app.hpp"
#include "engine/strategies/registry.hpp"
#include "support/cli_run.hpp"

namespace rw::cli {
namespace {

using rw::testing::racewin;
using rw::testing::TempDir;

const std::string kScenarios = RW_SOURCE_DIR "/scenarios";

// Each fiber in turn, lowest id first after the current one.
class TakeTurns final : public engine::Strategy {
 public:
  void begin_execution(std::uint64_t) override {}
  engine::FiberId pick(std::span<const engine::FiberId> runnable, std::optional<engine::FiberId> current) override {
    if (current)
      for (engine::FiberId f : runnable)
        if (f > *current) return f;
    return runnable.front();
  }
  std::string_view name() const override { return "take-turns"; }
};

void register_take_turns() {
  static const bool once = [] {
    engine::register_strategy({"take-turns", "each fiber in turn",
                               [](const engine::StrategySettings&) -> std::unique_ptr<engine::Strategy> {
                                 return std::make_unique<TakeTurns>();
                               }});
    return true;
  }();
  (void)once;
}

TEST(CommandLineRegistry, ARegisteredStrategyIsAStrategyChoiceAndNamesItselfInTheReport) {
  register_take_turns();
  const auto r = racewin({"check", kScenarios + "/owner_pin.toml", "--strategy", "take-turns", "--iterations", "4",
                          "--no-timing"});
  EXPECT_EQ(r.code, kExitMismatch) << r.err;  // a sample is incomplete: it does not meet "safe"
  EXPECT_NE(r.out.find("take-turns search: 4 executions found no violation"), std::string::npos) << r.out;
  const auto json = racewin({"check", kScenarios + "/owner_pin.toml", "--strategy", "take-turns", "--iterations", "4",
                             "--format", "json"});
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["scenarios"][0]["strategy"], "take-turns");
  EXPECT_EQ(doc["scenarios"][0]["verdict"], "incomplete");
  const auto help = racewin({"check", "--help"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_NE(help.out.find("take-turns: each fiber in turn"), std::string::npos) << help.out;
}

TEST(CommandLineRegistry, FlagsOfOtherStrategiesAreRefusedWithTheRegistrysNames) {
  register_take_turns();
  const auto depth = racewin({"check", kScenarios + "/owner_pin.toml", "--strategy", "take-turns", "--depth", "2"});
  EXPECT_EQ(depth.code, kExitBadInput);
  EXPECT_EQ(depth.err, "racewin: --depth applies to --strategy pct (see racewin --help)\n");
  const auto unknown = racewin({"check", kScenarios + "/owner_pin.toml", "--strategy", "nonesuch"});
  EXPECT_EQ(unknown.code, kExitBadInput);
  EXPECT_NE(unknown.err.find("expected dfs, random, pct"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("take-turns, got 'nonesuch'"), std::string::npos) << unknown.err;
}

// A shard report as `racewin check --shard i/2 --format json` writes one, cut to what merge reads.
std::string shard(int index, const std::string& verdict, const std::string& extra) {
  return "{\"tool\": \"racewin\", \"command\": \"check\", \"scenarios\": [{\"name\": \"s\", \"file\": \"s.toml\", "
         "\"kernel\": \"modern\", \"expected\": {\"verdict\": \"safe\"}, \"verdict\": \"" +
         verdict + "\", \"shard\": {\"index\": " + std::to_string(index) +
         ", \"count\": 2}, \"executions\": 5, \"states\": 7, \"steps\": 9, \"outcomes\": [{\"outcome\": \"a: x=1\", "
         "\"count\": 5}]" +
         extra + "}]}";
}

TEST(MergeCommand, AShardThatEndedInAnErrorGivesExitFourNotAMismatch) {
  TempDir dir;
  const auto a = dir.write("a.json", shard(0, "safe", ""));
  const auto b = dir.write("b.json", shard(1, "error", ", \"error\": \"--check-state: paths differ\""));
  const auto r = racewin({"merge", a.string(), b.string()});
  EXPECT_EQ(r.code, kExitError) << r.out << r.err;
  EXPECT_NE(r.out.find("error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shard 1 reported an error: --check-state: paths differ"), std::string::npos) << r.out;
}

TEST(MergeCommand, CountsAddUpAndOutcomesMergeAcrossShards) {
  TempDir dir;
  const auto a = dir.write("a.json", shard(0, "safe", ""));
  const auto b = dir.write("b.json", shard(1, "safe", ""));
  const auto r = racewin({"merge", "--format", "json", a.string(), b.string()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const auto& s = doc["scenarios"][0];
  EXPECT_EQ(s["verdict"], "safe");
  EXPECT_EQ(s["executions"], 10);
  EXPECT_EQ(s["states"], 14);
  EXPECT_EQ(s["steps"], 18);
  ASSERT_EQ(s["outcomes"].size(), 1u);
  EXPECT_EQ(s["outcomes"][0]["count"], 10);
}

TEST(CheckCommandFindings, ALockTakenTwiceIsAFindingInTheTableNotACrashOfTheBatch) {
  TempDir dir;
  dir.write("a_double_lock.toml",
            "name = \"double_lock\"\nkernel = \"modern\"\n[module.chardev]\nfops.owner = \"THIS_MODULE\"\n"
            "fops.open = [\"mutex_lock(m)\", \"mutex_lock(m)\", \"return 0\"]\nfops.release = [\"return 0\"]\n"
            "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n[expect]\nverdict = \"safe\"\n");
  std::filesystem::copy(kScenarios + "/owner_pin.toml", dir.path() / "b_owner_pin.toml");
  const auto r = racewin({"check", dir.path().string(), "--no-timing"});
  EXPECT_EQ(r.code, kExitMismatch) << r.err;  // a finding, not exit 3
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("MISMATCH: expected safe, found recursive-locking"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("owner_pin [modern]"), std::string::npos) << r.out;  // the batch went on
  EXPECT_NE(r.out.find("3 scenarios: 2 as expected, 1 not"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace rw::cli

namespace rw::cli {
namespace {

// `racewin --version`, a scenario read from standard input (`-`), and a replay prefix finished
// with --complete.
struct Ran {
  int code;
  std::string out, err;
};
Ran run_with_stdin(const std::vector<std::string>& args, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  const int code = rw::cli::run(args, out, err, in);
  return {code, out.str(), err.str()};
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(ToolCommands, VersionPrintsTheProjectVersion) {
  const auto r = rw::testing::racewin({"--version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, std::string("racewin ") + RW_VERSION + "\n");
}

TEST(ToolCommands, ADashReadsTheScenarioFromStandardInput) {
  const std::string lkmpg = file_text(RW_SOURCE_DIR "/scenarios/lkmpg_chardev.toml");
  const auto r = run_with_stdin({"check", "-", "--no-timing", "-q"}, lkmpg);
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_NE(r.out.find("lkmpg_chardev [modern]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("racewin replay - --kernel modern --schedule"), std::string::npos) << r.out;
  const auto replayed = run_with_stdin({"replay", "-", "--kernel", "modern", "--schedule", "opener*3", "--complete"}, lkmpg);
  EXPECT_EQ(replayed.code, kExitOk) << replayed.err;
  const auto bad = run_with_stdin({"check", "-"}, "name = \n");
  EXPECT_EQ(bad.code, kExitBadInput);
  EXPECT_TRUE(bad.err.starts_with("<stdin>:1:")) << bad.err;
  const auto large = run_with_stdin({"check", "-"}, std::string((1u << 20) + 10, '#'));
  EXPECT_EQ(large.code, kExitBadInput);
  EXPECT_NE(large.err.find("larger than 1 MiB"), std::string::npos) << large.err;
}

TEST(ToolCommands, AReplayPrefixIsFinishedWithTheFirstScheduleThatFitsWithComplete) {
  const std::string file = RW_SOURCE_DIR "/scenarios/lkmpg_chardev.toml";
  const auto prefix = rw::testing::racewin({"replay", file, "--kernel", "modern", "--schedule", "opener*3"});
  EXPECT_EQ(prefix.code, kExitBadInput);
  EXPECT_NE(prefix.err.find("add --complete"), std::string::npos) << prefix.err;
  const auto done = rw::testing::racewin({"replay", file, "--kernel", "modern", "--schedule", "opener*3", "--complete", "--format", "json"});
  ASSERT_EQ(done.code, kExitOk) << done.err;
  const auto doc = nlohmann::json::parse(done.out);
  EXPECT_EQ(doc["prefix_steps"], 3);
  EXPECT_EQ(doc["preemptions"], 0);  // the last fiber runs on while it can
  const std::string schedule = doc["schedule"];
  EXPECT_TRUE(schedule.starts_with("opener*")) << schedule;
  // The completed schedule replays exactly, without --complete, to the same end.
  const auto again = rw::testing::racewin({"replay", file, "--kernel", "modern", "--schedule", schedule, "--format", "json"});
  ASSERT_EQ(again.code, kExitOk) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["outcome"], doc["outcome"]);
}

TEST(ToolCommands, TracesFitTheWidthAskedForOrColumns) {
  const std::vector<std::string> replay = {"replay", RW_SOURCE_DIR "/scenarios/lkmpg_chardev.toml", "--kernel", "modern",
                                           "--schedule", "opener*10 rmmod*20 opener"};
  const auto lines_at = [&](const char* width) {
    auto args = replay;
    if (width != nullptr) args.insert(args.end(), {"--width", width});
    const auto r = rw::testing::racewin(args);
    EXPECT_EQ(r.code, kExitMismatch) << r.err;  // the trace ends in the window
    return rw::testing::line_count(r.out);
  };
  const std::size_t narrow = lines_at("60"), wide = lines_at("200");
  EXPECT_GT(narrow, wide);  // narrow columns wrap labels onto more lines
  ::setenv("COLUMNS", "60", 1);
  EXPECT_EQ(lines_at(nullptr), narrow);
  ::unsetenv("COLUMNS");
  EXPECT_EQ(rw::testing::racewin({"replay", RW_SOURCE_DIR "/scenarios/lkmpg_chardev.toml", "--kernel", "modern",
                                  "--schedule", "opener", "--width", "5"}).code, kExitBadInput);
}

TEST(CompareCommand, AFixIsProvedAndARegressionOrAnUnfixedWindowIsNot) {
  const std::string before = RW_SOURCE_DIR "/scenarios/lkmpg_chardev.toml";
  const std::string after = RW_SOURCE_DIR "/scenarios/owner_pin_redundant_get.toml";
  const auto fixed = rw::testing::racewin({"compare", before, after, "-q"});
  EXPECT_EQ(fixed.code, kExitOk) << fixed.out << fixed.err;
  EXPECT_NE(fixed.out.find("fixed: the window is gone"), std::string::npos) << fixed.out;
  EXPECT_NE(fixed.out.find("before window: racewin replay"), std::string::npos) << fixed.out;
  const auto json = rw::testing::racewin({"compare", before, after, "-q", "--format", "json"});
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["fixed"], true);
  ASSERT_EQ(doc["eras"].size(), 2u);
  for (const auto& e : doc["eras"]) {
    EXPECT_EQ(e["before"]["verdict"], "violation");
    EXPECT_EQ(e["after"]["verdict"], "safe");
    EXPECT_GT(e["after"]["executions"].get<std::uint64_t>(), 0u);
  }
  const auto broken = rw::testing::racewin({"compare", after, before, "-q"});
  EXPECT_EQ(broken.code, kExitMismatch);
  EXPECT_NE(broken.out.find("broken: the change opens a window"), std::string::npos) << broken.out;
  const auto same = rw::testing::racewin({"compare", before, before, "-q"});
  EXPECT_EQ(same.code, kExitMismatch);
  EXPECT_NE(same.out.find("not fixed: the same kind of window remains"), std::string::npos) << same.out;
  EXPECT_EQ(rw::testing::racewin({"compare", before, "/no/such.toml"}).code, kExitBadInput);
}

}  // namespace
}  // namespace rw::cli
