// tests/cli/explore_cli_test.cpp: the exploration flags of `racewin check` (reductions, bounds,
// randomized search, jobs, shards) and `racewin merge`, through rw::cli::run on the shipped
// scenarios.
#include <fstream>
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "engine/memory.hpp"
#include "support/cli_run.hpp"

namespace {

using rw::testing::racewin;
using json = nlohmann::json;

const std::string kDir = std::string(RW_SOURCE_DIR) + "/scenarios/";
const std::string kSelfGet = kDir + "lkmpg_chardev.toml";
const std::string kOwnerPin = kDir + "owner_pin.toml";
const std::string kTwoOpeners = kDir + "owner_pin_two_openers.toml";

json check_json(std::vector<std::string> args) {
  args.insert(args.begin(), "check");
  args.push_back("--format");
  args.push_back("json");
  const auto r = racewin(args);
  EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;
  return json::parse(r.out);
}

std::set<std::string> outcome_set(const json& scenario) {
  std::set<std::string> s;
  for (const auto& o : scenario["outcomes"]) s.insert(o["outcome"].get<std::string>());
  return s;
}

TEST(CliReduction, EveryModeWithAndWithoutTheCacheMeetsEveryShippedExpectation) {
  for (const char* mode : {"none", "source", "optimal"}) {
    EXPECT_EQ(racewin({"check", kDir, "--reduction", mode, "--no-timing"}).code, 0) << mode;
    // Without the cache the two-opener scenario is far too large, and so is any scenario without
    // a reduction too (a million executions); one opener with a reduction is not.
    if (std::string(mode) != "none") {
      EXPECT_EQ(racewin({"check", kOwnerPin, kSelfGet, "--reduction", mode, "--no-state-cache"}).code, 0) << mode;
    }
  }
}

TEST(CliReduction, ModesAgreeOnTheOutcomesOfTwoOpenersAndReduceTheWork) {
  const json none = check_json({kTwoOpeners, "--reduction", "none", "-j", "1"})["scenarios"][0];
  for (const char* mode : {"source", "optimal"}) {
    const json r = check_json({kTwoOpeners, "--reduction", mode, "-j", "1"})["scenarios"][0];
    EXPECT_EQ(r["verdict"], "safe");
    EXPECT_EQ(r["reduction"], "source");  // with the cache, optimal gives way to source sets
    if (std::string(mode) == "optimal") {
      EXPECT_TRUE(r.contains("reduction_note"));
    }
    EXPECT_EQ(outcome_set(r), outcome_set(none)) << mode;
    EXPECT_LT(r["states"].get<std::uint64_t>(), none["states"].get<std::uint64_t>()) << mode;
    EXPECT_LT(r["executions"].get<std::uint64_t>(), none["executions"].get<std::uint64_t>()) << mode;
  }
}

TEST(CliJson, ReportsTheExplorationFields) {
  const json s = check_json({kSelfGet, "-j", "1"})["scenarios"][0];
  EXPECT_EQ(s["strategy"], "dfs");
  EXPECT_EQ(s["reduction"], "source");  // the default, optimal, gives way to source sets with the cache
  EXPECT_TRUE(s.contains("reduction_note"));
  EXPECT_EQ(check_json({kSelfGet, "--no-state-cache"})["scenarios"][0]["reduction"], "optimal");
  EXPECT_EQ(s["state_cache"], true);
  EXPECT_TRUE(s["seed"].is_null());
  EXPECT_TRUE(s["preemption_bound"].is_null());
  EXPECT_EQ(s["jobs"], 1);
  EXPECT_GT(s["states"].get<std::uint64_t>(), 0u);
  ASSERT_TRUE(s.contains("violation"));
  EXPECT_EQ(s["violation"]["preemptions"], 1);
  EXPECT_EQ(s["violation"]["steps"], s["violation"]["trace"].size());
  EXPECT_TRUE(s["violation"]["found"].contains("preemptions"));
}

TEST(CliPreemptionBound, AutoFindsTheSelfGetWithExactlyOnePreemption) {
  for (const char* shrink : {"", "--no-shrink"}) {
    std::vector<std::string> args{kSelfGet, "--preemption-bound", "auto", "-j", "1"};
    if (*shrink) args.push_back(shrink);
    const json s = check_json(args)["scenarios"][0];
    EXPECT_EQ(s["verdict"], "violation");
    EXPECT_EQ(s["matches"], true);
    EXPECT_EQ(s["preemption_bound"], 1);
    EXPECT_EQ(s["violation"]["preemptions"], 1);
    EXPECT_EQ(s["violation"]["found"]["preemptions"], 1) << shrink;  // the first found, before shrinking
    EXPECT_EQ(s["reduction"], "none");
    EXPECT_TRUE(s.contains("reduction_note"));
  }
}

TEST(CliPreemptionBound, ZeroPreemptionsCannotShowTheSelfGetAndProveNothing) {
  for (const char* jobs : {"1", "2"}) {
  const auto r = racewin({"check", kSelfGet, "--preemption-bound", "0", "--format", "json", "-j", jobs});
  EXPECT_EQ(r.code, 1);
  const json s = json::parse(r.out)["scenarios"][0];
  EXPECT_EQ(s["verdict"], "incomplete");
  EXPECT_EQ(s["bound_cut"], true);
  EXPECT_EQ(s["preemption_bound"], 0);
  }
}

TEST(CliPreemptionBound, AutoProvesTheOwnerPinSafeOverTheWholeSpace) {
  const json s = check_json({kOwnerPin, "--preemption-bound", "auto"})["scenarios"][0];
  EXPECT_EQ(s["verdict"], "safe");
  EXPECT_EQ(s["matches"], true);
  EXPECT_EQ(s["bound_cut"], false);
}

TEST(CliRandomized, RandomAndPctFindTheSelfGetAndReplayFromTheirSeed) {
  for (const char* strategy : {"random", "pct"}) {
    const std::vector<std::string> args{"check", kSelfGet, "--strategy", strategy, "--seed", "7",
                                        "--iterations", "3000", "--format", "json"};
    const auto a = racewin(args);
    const auto b = racewin(args);
    EXPECT_EQ(a.code, 0) << strategy << a.err;
    EXPECT_EQ(a.out, b.out) << strategy;
    const json s = json::parse(a.out)["scenarios"][0];
    EXPECT_EQ(s["strategy"], strategy);
    EXPECT_EQ(s["seed"], 7);
    EXPECT_EQ(s["verdict"], "violation");
    if (std::string(strategy) == "pct") {
      EXPECT_GT(s["pct"]["probability"].get<double>(), 0.0);
    }
  }
}

TEST(CliRandomized, ASafeScenarioIsNeverCalledSafeBySampling) {
  const auto r = racewin({"check", kOwnerPin, "--strategy", "pct", "--iterations", "200", "--format", "json"});
  EXPECT_EQ(r.code, 1);
  const json s = json::parse(r.out)["scenarios"][0];
  EXPECT_EQ(s["verdict"], "incomplete");
  EXPECT_EQ(s["executions"], 200);
}

TEST(CliJobs, TwoThreadsWithoutSleepSetsStoreTheStatesOfOneAndRepeat) {
  const json one = check_json({kTwoOpeners, "--reduction", "none", "-j", "1"})["scenarios"][0];
  const json two = check_json({kTwoOpeners, "--reduction", "none", "-j", "2"})["scenarios"][0];
  EXPECT_EQ(two["jobs"], 2);
  EXPECT_EQ(one["states"], two["states"]);
  EXPECT_EQ(outcome_set(one), outcome_set(two));
  for (int run = 0; run < 3; ++run) {
    const json again = check_json({kTwoOpeners, "--reduction", "none", "-j", "2"})["scenarios"][0];
    EXPECT_EQ(again["executions"], two["executions"]);
    EXPECT_EQ(again["outcomes"], two["outcomes"]);
  }
}

TEST(CliJobs, ParallelRunsGiveTheSerialVerdictOutcomesAndViolation) {
  for (const char* mode : {"source", "optimal"}) {
    const json one = check_json({kDir, "--reduction", mode, "-j", "1"});
    const json four = check_json({kDir, "--reduction", mode, "-j", "4"});
    ASSERT_EQ(one["scenarios"].size(), four["scenarios"].size());
    for (std::size_t i = 0; i < one["scenarios"].size(); ++i) {
      const json& a = one["scenarios"][i];
      const json& b = four["scenarios"][i];
      EXPECT_EQ(a["verdict"], b["verdict"]) << a["name"];
      if (a["verdict"] == "safe") {
        EXPECT_EQ(outcome_set(a), outcome_set(b)) << a["name"];
      }
      if (a.contains("violation")) {
        EXPECT_EQ(a["violation"]["kind"], b["violation"]["kind"]);
        EXPECT_EQ(a["violation"]["schedule"], b["violation"]["schedule"]);  // the minimal one
      }
    }
  }
}

TEST(CliShards, MergedShardsGiveTheUnshardedVerdictsAndOutcomes) {
  rw::testing::TempDir dir;
  std::vector<std::string> reports;
  for (int i = 0; i < 3; ++i) {
    const auto r = racewin({"check", kDir, "--shard", std::to_string(i) + "/3", "--format", "json"});
    EXPECT_EQ(r.code, 0) << r.err;
    reports.push_back(dir.write("shard" + std::to_string(i) + ".json", r.out).string());
  }
  std::vector<std::string> args{"merge"};
  args.insert(args.end(), reports.begin(), reports.end());
  args.insert(args.end(), {"--format", "json"});
  const auto merged = racewin(args);
  EXPECT_EQ(merged.code, 0) << merged.err;
  const json m = json::parse(merged.out);
  const json whole = check_json({kDir});
  ASSERT_EQ(m["scenarios"].size(), whole["scenarios"].size());
  for (std::size_t i = 0; i < whole["scenarios"].size(); ++i) {
    const json& a = whole["scenarios"][i];
    const json& b = m["scenarios"][i];
    EXPECT_EQ(a["name"], b["name"]);
    EXPECT_EQ(a["verdict"], b["verdict"]) << a["name"];
    EXPECT_EQ(b["matches"], true) << a["name"];
    if (a["verdict"] == "safe") {
      EXPECT_EQ(outcome_set(a), outcome_set(b)) << a["name"];
    } else {  // a search stops at its violation: the outcomes met before it are not all of them
      EXPECT_EQ(a["violation"]["kind"], b["violation"]["kind"]) << a["name"];
    }
  }
  // Text output says the same.
  args.resize(args.size() - 2);
  const auto text = racewin(args);
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find(fmt::format("{0} scenarios: {0} as expected, 0 not", whole["scenarios"].size())), std::string::npos) << text.out;
}

// A shard sees part of the tree: one that finds no violation proves nothing. cdev_owner_null's
// violation lies in shard 0 of 2; shard 1 used to print safe, "every interleaving covered", ok.
TEST(CliShards, AShardWithoutAViolationIsPartialNeverSafeOrOk) {
  const std::string file = kDir + "cdev_owner_null.toml";
  const auto text = racewin({"check", file, "--shard", "1/2", "--no-timing"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(text.out.find("every interleaving covered"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("  ok\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("partial: no violation in shard 1/2"), std::string::npos) << text.out;
  const auto j = racewin({"check", file, "--shard", "1/2", "--format", "json"});
  // The document outlives the loop: a range-for over a member of a temporary reads freed memory.
  const json shard_one = json::parse(j.out);
  for (const auto& s : shard_one["scenarios"]) {
    EXPECT_EQ(s["verdict"], "partial");
    EXPECT_EQ(s["matches"], false);
    EXPECT_EQ(s["partial"], true);
  }
  // The shard that holds the violation reports it, and merge of both gives the verdict.
  const auto zero = racewin({"check", file, "--shard", "0/2", "--format", "json"});
  EXPECT_EQ(zero.code, 0) << zero.err;
  rw::testing::TempDir dir;
  const auto m = racewin({"merge", dir.write("a.json", zero.out).string(), dir.write("b.json", j.out).string(), "--format", "json"});
  EXPECT_EQ(m.code, 0) << m.err;
  const json merged = json::parse(m.out);
  for (const auto& s : merged["scenarios"]) {
    EXPECT_EQ(s["verdict"], "violation");
    EXPECT_EQ(s["matches"], true);
  }
}

TEST(CliShards, MergeRefusesMissingDuplicateOrForeignReports) {
  rw::testing::TempDir dir;
  const auto s0 = racewin({"check", kOwnerPin, "--shard", "0/2", "--format", "json"});
  const auto s1 = racewin({"check", kOwnerPin, "--shard", "1/2", "--format", "json"});
  const auto s3 = racewin({"check", kOwnerPin, "--shard", "0/3", "--format", "json"});
  const std::string a = dir.write("a.json", s0.out).string();
  const std::string b = dir.write("b.json", s1.out).string();
  const std::string c = dir.write("c.json", s3.out).string();
  const std::string junk = dir.write("junk.json", "{ not json").string();
  const std::string other = dir.write("other.json", R"({"tool": "spin"})").string();
  struct Case {
    std::vector<std::string> files;
    const char* says;
  };
  for (const Case& k : {Case{{a}, "missing"}, Case{{a, a}, "also in"}, Case{{a, c}, "split in"},
                        Case{{a, junk}, "not JSON"}, Case{{a, other}, "not a report"},
                        Case{{a, dir.path().string() + "/absent.json"}, "cannot open"}}) {
    std::vector<std::string> args{"merge"};
    args.insert(args.end(), k.files.begin(), k.files.end());
    const auto r = racewin(args);
    EXPECT_EQ(r.code, 2) << k.says;
    EXPECT_NE(r.err.find(k.says), std::string::npos) << r.err;
    EXPECT_EQ(rw::testing::line_count(r.err), 1u) << r.err;
  }
  EXPECT_EQ(racewin({"merge", a, b}).code, 0);
}

TEST(CliProgress, NothingIsPrintedWhenStderrIsNotATerminal) {
  const auto r = racewin({"check", kTwoOpeners, "-j", "1"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
}

class BadExplorationFlag : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(BadExplorationFlag, ExitsTwoWithOneLine) {
  std::vector<std::string> args{"check", kOwnerPin};
  args.insert(args.end(), GetParam().begin(), GetParam().end());
  const auto r = racewin(args);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(rw::testing::line_count(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(GetParam().front()), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Flags, BadExplorationFlag,
    ::testing::Values(std::vector<std::string>{"--reduction", "dpor"}, std::vector<std::string>{"--reduction", ""},
                      std::vector<std::string>{"--preemption-bound", "-1"},
                      std::vector<std::string>{"--preemption-bound", "two"},
                      std::vector<std::string>{"--strategy", "bfs"}, std::vector<std::string>{"--jobs", "0"},
                      std::vector<std::string>{"--jobs", "x"}, std::vector<std::string>{"--shard", "3/3"},
                      std::vector<std::string>{"--shard", "1"}, std::vector<std::string>{"--shard", "a/b"},
                      std::vector<std::string>{"--seed", "5"},
                      std::vector<std::string>{"--iterations", "0", "--strategy", "random"},
                      std::vector<std::string>{"--depth", "0", "--strategy", "pct"},
                      std::vector<std::string>{"--depth", "3", "--strategy", "random"},
                      std::vector<std::string>{"--shard", "0/2", "--strategy", "random"},
                      std::vector<std::string>{"--timeout", "0"}, std::vector<std::string>{"--timeout", "-1"},
                      std::vector<std::string>{"--timeout", "soon"}, std::vector<std::string>{"--max-memory", "0"},
                      std::vector<std::string>{"--max-memory", "512K"}, std::vector<std::string>{"--max-memory", "2T"},
                      std::vector<std::string>{"--max-memory", "-5M"}, std::vector<std::string>{"--max-memory", "lots"}));

// --timeout bounds the whole run: a search that would take minutes (three openers, no reduction,
// no cache) ends incomplete, saying which budget stopped it; a run within it is unchanged.
TEST(CliBudgets, ATimeoutEndsTheRunIncompleteAndSaysSo) {
  const auto r = racewin({"check", kDir + "owner_pin_three_openers.toml", "--reduction", "none", "--no-state-cache",
                          "--jobs", "2", "--timeout", "0.3", "--no-timing"});
  EXPECT_EQ(r.code, 1) << r.err;  // safe expected, incomplete found
  EXPECT_NE(r.out.find("incomplete: stopped at the --timeout of 0.3 s"), std::string::npos) << r.out.substr(0, 2000);
  const auto sampled = racewin({"check", kOwnerPin, "--strategy", "random", "--iterations", "100000000", "--timeout", "0.3",
                                "--no-timing"});
  EXPECT_NE(sampled.out.find("stopped at the --timeout of 0.3 s"), std::string::npos) << sampled.out.substr(0, 2000);
  const auto within = racewin({"check", kOwnerPin, "--timeout", "600", "--no-timing"});
  EXPECT_EQ(within.code, 0) << within.out;
}

// --max-memory bounds the whole run: six identical openers grow the state cache past 64 MiB
// (above what the process holds) within seconds; the run ends incomplete, with what it covered, and says which budget stopped it.
TEST(CliBudgets, AMemoryBudgetEndsTheRunIncompleteAndSaysSo) {
  std::ifstream in(kDir + "owner_pin_three_openers.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("\ncount = 3\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 11, "\ncount = 6\n");
  const std::string file = ::testing::TempDir() + "six_openers.toml";
  std::ofstream(file) << text;
  for (const char* jobs : {"1", "2"}) {
    // 64 MiB above what the process holds now (more under ASan, whose shadow memory counts).
    const std::uint64_t mib = (rw::engine::resident_bytes() >> 20) + 64;
    const std::string budget = fmt::format("{}M", mib);
    const json r = check_json({file, "--max-memory", budget, "-j", jobs})["scenarios"][0];
    EXPECT_EQ(r["verdict"], "incomplete") << jobs;
    EXPECT_NE(r["incomplete_reason"].get<std::string>().find(fmt::format("stopped at the --max-memory of {} MiB", mib)),
              std::string::npos)
        << r["incomplete_reason"];
    EXPECT_GT(r["executions"].get<std::uint64_t>(), 1000u);
  }
  const auto within = racewin({"check", kOwnerPin, "--max-memory", "4G", "--no-timing"});
  EXPECT_EQ(within.code, 0) << within.out;
}

// ---- symmetry --------------------------------------------------------------------------------

const std::string kThreeOpeners = kDir + "owner_pin_three_openers.toml";

TEST(CliSymmetry, IsOnForIdenticalOpenersAndNamesTheirClass) {
  for (const std::string& file : {kTwoOpeners, kThreeOpeners}) {
    const json r = check_json({file, "-j", "1"})["scenarios"][0];
    EXPECT_EQ(r["symmetry"]["on"], true) << file;
    EXPECT_FALSE(r["symmetry"].contains("note")) << file;
    ASSERT_EQ(r["symmetry"]["classes"].size(), 1u) << file;
    EXPECT_EQ(r["symmetry"]["classes"][0][0], "opener1") << file;
  }
  const json one = check_json({kOwnerPin, "-j", "1"})["scenarios"][0];
  EXPECT_EQ(one["symmetry"]["on"], false);
  EXPECT_EQ(one["symmetry"]["note"], "no two fibers run the same program from the same start");
}

TEST(CliSymmetry, OffGivesTheSameVerdictAndOutcomesUpToRenamingWithMoreStates) {
  const json on = check_json({kThreeOpeners, "-j", "1"})["scenarios"][0];
  const json off = check_json({kThreeOpeners, "-j", "1", "--symmetry", "off"})["scenarios"][0];
  EXPECT_EQ(off["symmetry"]["on"], false);
  EXPECT_EQ(off["symmetry"]["note"], "turned off (--symmetry off)");
  EXPECT_EQ(on["verdict"], "safe");
  EXPECT_EQ(off["verdict"], "safe");
  EXPECT_EQ(on["matches"], true);
  EXPECT_EQ(off["matches"], true);  // the expected outcomes are compared up to renaming
  // Without symmetry each outcome appears once per way of assigning the results to the openers;
  // with it, once. Each outcome with symmetry is one of those without.
  const auto with = outcome_set(on), without = outcome_set(off);
  EXPECT_EQ(with.size(), 5u);
  EXPECT_EQ(without.size(), 9u);
  for (const auto& o : with) EXPECT_TRUE(without.contains(o)) << o;
  EXPECT_LT(on["states"].get<std::uint64_t>() * 5, off["states"].get<std::uint64_t>());
}

TEST(CliSymmetry, WithoutTheStateCacheItIsOffAndSaysWhy) {
  const json r = check_json({kTwoOpeners, "-j", "1", "--no-state-cache", "--reduction", "optimal",
                             "--max-executions", "100"})["scenarios"][0];
  EXPECT_EQ(r["symmetry"]["on"], false);
  EXPECT_NE(r["symmetry"]["note"].get<std::string>().find("state cache"), std::string::npos);
}

TEST(CliSymmetry, BoundsJobsAndShardsGiveTheSameVerdictsWithIt) {
  const json plain = check_json({kThreeOpeners, "-j", "1"})["scenarios"][0];
  // Iterative bounding on three openers needs millions of executions; two show the same.
  const json bounded = check_json({kTwoOpeners, "--preemption-bound", "auto"})["scenarios"][0];
  EXPECT_EQ(bounded["verdict"], "safe");
  EXPECT_EQ(bounded["symmetry"]["on"], true);
  EXPECT_EQ(outcome_set(bounded), outcome_set(check_json({kTwoOpeners, "-j", "1"})["scenarios"][0]));
  const json two = check_json({kThreeOpeners, "-j", "2"})["scenarios"][0];
  EXPECT_EQ(two["verdict"], "safe");
  EXPECT_EQ(outcome_set(two), outcome_set(plain));
  rw::testing::TempDir dir;
  std::vector<std::string> reports;
  for (int i = 0; i < 3; ++i) {
    const auto r = racewin({"check", kThreeOpeners, "--shard", fmt::format("{}/3", i), "--format", "json"});
    ASSERT_EQ(r.code, 0) << r.err;
    reports.push_back(dir.write(fmt::format("s{}.json", i), r.out).string());
  }
  std::vector<std::string> args{"merge"};
  args.insert(args.end(), reports.begin(), reports.end());
  args.insert(args.end(), {"--format", "json"});
  const auto m = racewin(args);
  ASSERT_EQ(m.code, 0) << m.err;
  const json merged = json::parse(m.out)["scenarios"][0];
  EXPECT_EQ(merged["verdict"], "safe");
  EXPECT_EQ(merged["matches"], true);
  EXPECT_EQ(outcome_set(merged), outcome_set(plain));
}

TEST(CliSymmetry, AViolationAmongIdenticalOpenersReplaysOnTheFibersThatRan) {
  rw::testing::TempDir dir;
  const std::string file = dir.write("selfget3.toml", "name = \"selfget3\"\nkernel = \"modern\"\n[module.chardev]\nregister = \"register_chrdev\"\n"
                         "fops.owner = \"NULL\"\nfops.open = [\"try_module_get(THIS_MODULE)\", \"return 0\"]\n"
                         "fops.release = [\"module_put(THIS_MODULE)\", \"return 0\"]\n"
                         "[fiber.opener]\ncount = 3\nrun = [\"open /dev/chardev\", \"close\"]\n"
                         "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"
                         "[expect]\nverdict = \"violation\"\nkind = \"module-code-after-unload\"\n").string();
  const json r = check_json({file, "-j", "1"})["scenarios"][0];
  ASSERT_EQ(r["verdict"], "violation");
  EXPECT_EQ(r["symmetry"]["on"], true);
  const std::string schedule = r["violation"]["schedule"];
  const auto again = racewin({"replay", file, "--schedule", schedule});
  EXPECT_EQ(again.code, 1) << again.err;
  EXPECT_NE(again.out.find("module-code-after-unload"), std::string::npos) << again.out;
}

}  // namespace

namespace {

TEST(CliSymmetry, MergeRefusesShardsRunWithAndWithoutIt) {
  rw::testing::TempDir dir;
  const auto a = racewin({"check", kDir + "owner_pin_three_openers.toml", "--shard", "0/2", "--format", "json"});
  const auto b = racewin({"check", kDir + "owner_pin_three_openers.toml", "--shard", "1/2", "--format", "json",
                          "--symmetry", "off"});
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  const auto m = racewin({"merge", dir.write("a.json", a.out).string(), dir.write("b.json", b.out).string()});
  EXPECT_EQ(m.code, 2);
  EXPECT_NE(m.err.find("symmetry"), std::string::npos) << m.err;
}

}  // namespace
