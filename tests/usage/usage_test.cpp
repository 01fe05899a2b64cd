// tests/usage/usage_test.cpp: bad input exits 2 with one line that names the problem. Each
// *.toml here is one bad scenario whose first line says what `racewin check` must print:
//   # expect: <line>:<column>: <message fragment>     (a problem at a place in the file)
//   # expect: <message fragment>                      (a problem with the whole file)
// The cases that cannot be a file in this folder (a missing file, an empty folder, an empty
// file) are written below in C++.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.hpp"
#include "support/cli_run.hpp"

namespace {
namespace fs = std::filesystem;

using rw::testing::line_count;
using rw::testing::racewin;
using rw::testing::Result;
using rw::testing::TempDir;


// What a case file's first line asks for.
struct Expectation {
  std::optional<std::string> place;  // "<line>:<column>", or nullopt for a whole-file problem
  std::string fragment;
};

std::optional<Expectation> read_expectation(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string first;
  std::getline(in, first);
  const std::string marker = "# expect: ";
  if (!first.starts_with(marker)) return std::nullopt;
  std::string rest = first.substr(marker.size());
  Expectation x;
  // "<digits>:<digits>: " at the front is the place; anything else is all fragment.
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    return i > start;
  };
  if (digits() && i < rest.size() && rest[i] == ':' && (++i, digits()) && rest.compare(i, 2, ": ") == 0) {
    x.place = rest.substr(0, i);
    rest = rest.substr(i + 2);
  }
  x.fragment = rest;
  if (x.fragment.empty()) return std::nullopt;
  return x;
}

// One *.toml of this folder; printed by its file name in test listings.
struct CaseFile {
  fs::path path;
};
void PrintTo(const CaseFile& c, std::ostream* os) { *os << c.path.filename().string(); }

std::vector<CaseFile> case_files() {
  std::vector<CaseFile> files;
  for (const auto& e : fs::directory_iterator(RW_USAGE_DIR))
    if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back({e.path()});
  std::sort(files.begin(), files.end(), [](const CaseFile& a, const CaseFile& b) { return a.path < b.path; });
  return files;
}

std::string test_name(const testing::TestParamInfo<CaseFile>& info) {
  std::string name = info.param.path.stem().string();
  for (char& c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
  return name;
}

class BadScenarioFile : public testing::TestWithParam<CaseFile> {};

TEST_P(BadScenarioFile, ExitsTwoWithOneLineNamingFileLineColumnAndProblem) {
  const fs::path file = GetParam().path;
  const auto x = read_expectation(file);
  ASSERT_TRUE(x.has_value()) << file << ": the first line must be '# expect: [<line>:<column>: ]<fragment>'";

  const Result r = racewin({"check", file.string()});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput) << r.err;
  EXPECT_EQ(r.out, "") << "bad input must not print a report";
  EXPECT_EQ(line_count(r.err), 1u) << "expected exactly one line on stderr, got:\n" << r.err;
  EXPECT_TRUE(r.err.ends_with('\n')) << r.err;
  const std::string prefix = file.string() + ":" + (x->place ? *x->place + ": " : "");
  EXPECT_TRUE(r.err.starts_with(prefix)) << "expected the message to start with '" << prefix << "', got:\n" << r.err;
  EXPECT_NE(r.err.find(x->fragment), std::string::npos)
      << "expected the message to contain '" << x->fragment << "', got:\n" << r.err;
}

INSTANTIATE_TEST_SUITE_P(UsageFolder, BadScenarioFile, testing::ValuesIn(case_files()), test_name);

TEST(UsageFolder, EveryCaseFileStartsWithAnExpectLine) {
  const auto files = case_files();
  // The issue lists about forty kinds of bad input; a listing far below that means the
  // folder was not found or the cases were lost, and the parameterized test would pass vacuously.
  EXPECT_GE(files.size(), 40u) << RW_USAGE_DIR;
  for (const auto& f : files) EXPECT_TRUE(read_expectation(f.path).has_value()) << f.path;
}

TEST(UsageFolder, ExpectLineParserSeparatesPlaceFromFragment) {
  TempDir dir;
  auto x = read_expectation(dir.write("a.toml", "# expect: 12:3: unknown key 'x'\n"));
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->place, "12:3");
  EXPECT_EQ(x->fragment, "unknown key 'x'");
  x = read_expectation(dir.write("b.toml", "# expect: no such file\n"));
  ASSERT_TRUE(x.has_value());
  EXPECT_FALSE(x->place.has_value());
  EXPECT_EQ(x->fragment, "no such file");
  EXPECT_FALSE(read_expectation(dir.write("c.toml", "name = \"x\"\n")).has_value());
}

TEST(BadInput, MissingFileExitsTwoWithOneLineNamingIt) {
  TempDir dir;
  const std::string file = (dir.path() / "does_not_exist.toml").string();
  const Result r = racewin({"check", file});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_EQ(r.err, file + ": no such file\n");
}

TEST(BadInput, MissingFileForReplayExitsTwoWithOneLine) {
  TempDir dir;
  const std::string file = (dir.path() / "does_not_exist.toml").string();
  const Result r = racewin({"replay", file, "--schedule", "opener"});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, file + ": no such file\n");
}

TEST(BadInput, FolderWithoutScenarioFilesExitsTwo) {
  TempDir dir;
  dir.write("notes.txt", "name = \"not a scenario\"\n");
  const Result r = racewin({"check", dir.path().string()});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with(dir.path().string() + ": ")) << r.err;
  EXPECT_NE(r.err.find("no scenario files"), std::string::npos) << r.err;
}

TEST(BadInput, FolderGivenToReplayExitsTwo) {
  TempDir dir;
  const Result r = racewin({"replay", dir.path().string(), "--schedule", "opener"});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with(dir.path().string() + ": ")) << r.err;
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
}

TEST(BadInput, EmptyFileExitsTwoSayingTheScenarioHasNoName) {
  TempDir dir;
  const std::string file = dir.write("empty.toml", "").string();
  const Result r = racewin({"check", file});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with(file + ":")) << r.err;
  EXPECT_NE(r.err.find("has no name"), std::string::npos) << r.err;
}

TEST(BadInput, FileOfOnlyCommentsExitsTwoSayingTheScenarioHasNoName) {
  TempDir dir;
  const std::string file = dir.write("comments.toml", "# nothing here yet\n\n# still nothing\n").string();
  const Result r = racewin({"check", file});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("has no name"), std::string::npos) << r.err;
}

TEST(BadInput, MoreThanSixtyFourFibersExitsTwoAtTheFiberTable) {
  std::string text = "name = \"many\"\nkernel = \"modern\"\n[module.chardev]\nfops.owner = \"NULL\"\n";
  for (int i = 1; i <= 65; ++i) text += "[fiber.f" + std::to_string(i) + "]\nrun = [\"rmmod chardev\"]\n";
  text += "[expect]\nverdict = \"safe\"\n";
  TempDir dir;
  const std::string file = dir.write("many.toml", text).string();
  const Result r = racewin({"check", file});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with(file + ":5:1: 65 fibers: at most 64")) << r.err;
}

TEST(BadInput, OneBadFileAmongGoodOnesStopsTheWholeCheckBeforeExploring) {
  const std::string good = std::string(RW_SOURCE_DIR) + "/scenarios/owner_pin.toml";
  const std::string bad = (fs::path(RW_USAGE_DIR) / "unknown_key_top_level.toml").string();
  const Result r = racewin({"check", good, bad});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "") << "no partial report when some input is bad";
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with(bad + ":4:1: ")) << r.err;
}

TEST(BadInput, EveryBadFileInAFolderIsReportedOnItsOwnLine) {
  TempDir dir;
  const std::string body = "name = \"x\"\nkernel = \"modern\"\n";
  dir.write("a.toml", body + "colour = \"red\"\n");
  dir.write("b.toml", "name = 1\n");
  const Result r = racewin({"check", dir.path().string()});
  EXPECT_EQ(r.code, rw::cli::kExitBadInput);
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(line_count(r.err), 2u) << r.err;
  const std::string a = (dir.path() / "a.toml").string(), b = (dir.path() / "b.toml").string();
  EXPECT_TRUE(r.err.starts_with(a + ":3:1: unknown key 'colour'")) << r.err;
  EXPECT_NE(r.err.find("\n" + b + ":1:8: 'name' must be a string"), std::string::npos) << r.err;
}

TEST(BadInput, BadScenarioGivenToReplayGivesTheSameMessageAsCheck) {
  const std::string file = (fs::path(RW_USAGE_DIR) / "device_nobody_registers.toml").string();
  const Result checked = racewin({"check", file});
  const Result replayed = racewin({"replay", file, "--schedule", "opener"});
  EXPECT_EQ(replayed.code, rw::cli::kExitBadInput);
  EXPECT_EQ(replayed.out, "");
  EXPECT_EQ(replayed.err, checked.err);
}

}  // namespace
