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

// Fixed by FIXME: collect() in cli/check.cpp called the throwing is_regular_file() on each
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

}  // namespace
