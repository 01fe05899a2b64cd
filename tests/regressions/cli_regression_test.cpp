// tests/regressions/cli_regression_test.cpp: bad input that crashed, hung or garbled racewin
// instead of giving one line on stderr and exit 2 (issue 15), driven through rw::cli::run. The
// suite names what went wrong and the comment above it the commit that fixed it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli/exit_codes.hpp"
#include "support/cli_run.hpp"

namespace {
namespace fs = std::filesystem;
using rw::cli::kExitBadInput;
using rw::testing::line_count;
using rw::testing::racewin;
using rw::testing::Result;
using rw::testing::TempDir;

const std::string kOwnerPin = RW_SOURCE_DIR "/scenarios/owner_pin.toml";

// One line on stderr, naming `names`, with no control character but its final newline.
void expect_one_clean_line(const Result& r, const std::string& names) {
  EXPECT_EQ(r.code, kExitBadInput) << r.err;
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_TRUE(std::none_of(r.err.begin(), r.err.end() - 1,
                           [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; }))
      << r.err;
}

// Fixed by 70b5ca9: collect() in cli/check.cpp called the throwing is_regular_file() on each
// entry of the folder walk, so a link to itself (ELOOP) or an entry of /proc/1 it may not stat
// ended racewin with an uncaught std::filesystem::filesystem_error.
TEST(FolderWalkThrew, ALinkToItselfIsOneLineNotAnException) {
  TempDir dir;
  fs::copy_file(kOwnerPin, dir.path() / "owner_pin.toml");
  fs::create_symlink("self.toml", dir.path() / "self.toml");
  const Result r = racewin({"check", dir.path().string()});
  expect_one_clean_line(r, "self.toml");
}

TEST(FolderWalkThrew, ALinkToItsOwnFolderIsNotFollowed) {
  TempDir dir;
  fs::copy_file(kOwnerPin, dir.path() / "owner_pin.toml");
  fs::create_directory_symlink(".", dir.path() / "loop");
  fs::create_symlink("itself", dir.path() / "itself");  // not a *.toml: not the walk's business
  const Result r = racewin({"check", "--no-timing", dir.path().string()});
  EXPECT_EQ(r.code, rw::cli::kExitOk) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(FolderWalkThrew, AProcFolderIsOneLineNotAnException) {
  if (!fs::is_directory("/proc/1")) GTEST_SKIP() << "no /proc/1";
  const Result r = racewin({"check", "/proc/1"});
  expect_one_clean_line(r, "/proc/1");
}

// A report of `racewin check --shard i/2 --format json`, cut to what merge reads; `entry` is
// spliced into its one scenario.
std::string report(const std::string& entry) {
  return R"({"tool": "racewin", "command": "check", "scenarios": [{"name": "s", "file": "s.toml", )"
         R"("kernel": "modern", "expected": {"verdict": "safe"}, "verdict": "safe", )" +
         entry + "}]}";
}
const std::string kOutcomes = R"("outcomes": [{"outcome": "a: x=1", "count": 5}])";
std::string shard(int i, int n) {
  return R"("shard": {"index": )" + std::to_string(i) + R"(, "count": )" + std::to_string(n) + "}";
}

// Fixed by 09ce752: merge read its reports with unchecked nlohmann accessors and an ifstream
// that throws on a folder: a folder given as a report ended racewin with a std::ios_failure,
// and a field of the wrong type ("outcomes": 3) with a json::type_error; shard labels were taken
// on trust.
TEST(MergeThrewOnABadReport, AFolderGivenAsAReportIsOneLine) {
  TempDir dir;
  const auto good = dir.write("a.json", report(kOutcomes)).string();
  const Result r = racewin({"merge", good, dir.path().string()});
  expect_one_clean_line(r, dir.path().string() + ": is a directory");
}

TEST(MergeThrewOnABadReport, AFieldOfTheWrongTypeIsOneLineNamingIt) {
  TempDir dir;
  struct Case {
    std::string entry, says;
  };
  const std::vector<Case> cases = {
      {R"("outcomes": 3)", "'outcomes' is a number, expected an array"},
      {R"("outcomes": [7])", "an entry of 'outcomes' is a number"},
      {R"("outcomes": [{"outcome": "a", "count": -1}])", "'outcomes[].count' is -1: expected a non-negative integer"},
      {R"("outcomes": [{"outcome": "a", "count": 1.5}])", "'outcomes[].count' is 1.5"},
      {R"("outcomes": [{"outcome": 1, "count": 1}])", "'outcomes[].outcome' is a number, expected a string"},
      {kOutcomes + R"(, "executions": -4)", "'executions' is -4"},
      {kOutcomes + R"(, "states": "many")", "'states' is a string"},
      {kOutcomes + R"(, "symmetry": {"on": "yes"})", "'symmetry.on' is a string"},
      {kOutcomes + R"(, "symmetry": {"on": true, "classes": [[1]]})", "'symmetry.classes'"},
      {kOutcomes + R"(, "violation": {"kind": 5})", "'violation.kind' is a number"},
      {kOutcomes + R"(, "shard": 1)", "'shard' is a number, expected an object"},
      {kOutcomes + R"(, "shard": {"index": "0", "count": 2})", "'shard.index' is a string"},
      {kOutcomes + R"(, "kernel": ["modern"])", "'kernel' is an array"},
  };
  for (const Case& c : cases) {
    const auto f = dir.write("bad.json", report(c.entry)).string();
    const Result r = racewin({"merge", f});
    expect_one_clean_line(r, f + ": scenario 1 ('s'): " + c.says);
  }
  const auto top = dir.write("top.json", R"({"tool": 1, "command": "check", "scenarios": []})").string();
  expect_one_clean_line(racewin({"merge", top}), top + ": not a report");
}

TEST(MergeThrewOnABadReport, ShardLabelsOutsideZeroToNOrRelabelledAreRefused) {
  TempDir dir;
  const auto s0 = dir.write("s0.json", report(kOutcomes + ", " + shard(0, 2))).string();
  const auto s1 = dir.write("s1.json", report(kOutcomes + ", " + shard(1, 2))).string();
  ASSERT_EQ(racewin({"merge", s0, s1}).code, rw::cli::kExitOk);
  // Shard 0 relabelled 1/2: two reports say 1/2.
  const auto relabelled = dir.write("relabelled.json", report(kOutcomes + ", " + shard(1, 2))).string();
  expect_one_clean_line(racewin({"merge", relabelled, s1}), "shard 1/2 of 's' is also in");
  const auto past = dir.write("past.json", report(kOutcomes + ", " + shard(2, 2))).string();
  expect_one_clean_line(racewin({"merge", s0, s1, past}), past + ": scenario 1 ('s'): 'shard' is 2/2");
  const auto zero = dir.write("zero.json", report(kOutcomes + ", " + shard(0, 0))).string();
  expect_one_clean_line(racewin({"merge", zero}), "'shard' is 0/0");
  // A count no `check --shard` writes, which merge would list the missing shards of one by one.
  const auto huge = dir.write("huge.json", report(kOutcomes + R"(, "shard": {"index": 0, "count": 10000000000000})"))
                        .string();
  expect_one_clean_line(racewin({"merge", huge}), "'shard' is 0/10000000000000");
}

// Fixed by 7433364: merge compared the shards' symmetry with "symmetry" optional, but named it
// in its message with the const operator[], which is undefined for an absent key: a shard 0
// without "symmetry" and a shard 1 with it on ended racewin with a json::type_error (an
// assertion in nlohmann's debug builds). Seen while writing fuzz/merge_fuzz.cpp, which aborts on it.
TEST(MergeSymmetryOfAnAbsentKey, AShardWithoutSymmetryAgainstOneWithItOnIsOneLine) {
  TempDir dir;
  const auto s0 = dir.write("s0.json", report(kOutcomes + ", " + shard(0, 2))).string();
  const auto s1 = dir.write("s1.json", report(kOutcomes + ", " + shard(1, 2) + R"(, "symmetry": {"on": true})")).string();
  expect_one_clean_line(racewin({"merge", s0, s1}), s1 + ": scenario 's' ran with symmetry on, but " + s0 + " with it off");
  expect_one_clean_line(racewin({"merge", s1, s0}), s1 + ": scenario 's' ran with symmetry on, but " + s0 + " with it off");
  const auto off = dir.write("off.json", report(kOutcomes + ", " + shard(1, 2) + R"(, "symmetry": {"on": false})")).string();
  EXPECT_EQ(racewin({"merge", s0, off}).code, rw::cli::kExitOk);
}

// Fixed by 4c5981e: load_scenario opened whatever it was given and read it to its end: a FIFO
// blocked (or read whatever a writer sent), /dev/zero never ended, a huge file was read whole.
TEST(ScenarioReadWithoutBound, AFifoIsRefusedWithoutReadingIt) {
  TempDir dir;
  const fs::path fifo = dir.path() / "fifo.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A writer with a valid scenario: if the loader opened the FIFO, it would read and accept it.
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);  // blocks until some reader opens it
    if (fd < 0) return;
    const std::string text = "name = \"t\"\n";
    [[maybe_unused]] const auto n = ::write(fd, text.data(), text.size());
    ::close(fd);
  });
  const Result r = racewin({"check", fifo.string()});
  const int unblock = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // lets the writer finish
  writer.join();
  if (unblock >= 0) ::close(unblock);
  expect_one_clean_line(r, fifo.string() + ": not a regular file");
}

TEST(ScenarioReadWithoutBound, ADeviceIsRefusedWithoutReadingIt) {
  if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  expect_one_clean_line(racewin({"check", "/dev/zero"}), "/dev/zero: not a regular file");
}

TEST(ScenarioReadWithoutBound, AFileOverOneMebibyteIsRefused) {
  TempDir dir;
  const auto big = dir.write("big.toml", "name = \"t\"\n");
  fs::resize_file(big, (std::uintmax_t{1} << 20) + 1);  // sparse: costs no disk
  expect_one_clean_line(racewin({"check", big.string()}), big.string() + ": is larger than 1 MiB: not a scenario");
}

// Fixed by b2cd084: InputError::to_string copied scenario text into the message as it was, so a
// value holding ESC or a newline drove the terminal or split the one-line error.
TEST(ScenarioErrorEchoedControlCharacters, AQuotedValueShowsThemAsEscapes) {
  TempDir dir;
  const auto f = dir.write("esc.toml", "name = \"t\"\nkernel = \"\\u001b[31mred\\r\\n\\u0000x\"\n").string();
  const Result r = racewin({"check", f});
  expect_one_clean_line(r, f + ":2:");
  EXPECT_NE(r.err.find("\\x1b[31mred\\r\\n\\0x"), std::string::npos) << r.err;
}

TEST(ScenarioErrorEchoedControlCharacters, AFileNameShowsThemAsEscapes) {
  TempDir dir;
  const auto f = dir.write("a\nb\x1b.toml", "name = 3\n").string();
  const Result r = racewin({"check", f});
  expect_one_clean_line(r, "a\\nb\\x1b.toml:1:");
}

}  // namespace
