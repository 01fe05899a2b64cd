// tests/engine/layout_test.cpp: the engine's shape, as shared/STYLE.md §1 wants it: no two files
// of engine/ need each other (no include cycle), no file of engine/search/ grows
// past 400 lines (one idea per file), and no kernel word appears in engine/ code.
#include <gtest/gtest.h>

#include <algorithm>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <functional>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace rw::engine::test {
namespace {
namespace fs = std::filesystem;

const fs::path kRoot = RW_SOURCE_DIR;

std::vector<fs::path> engine_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(kRoot / "engine"))
    if (e.path().extension() == ".cpp" || e.path().extension() == ".hpp") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string in_repo(const fs::path& p) { return fs::relative(p, kRoot).generic_string(); }

// One node per unit (a .hpp with its .cpp: "engine/search/event"), an edge to each unit whose
// header it includes. A cycle here is two units that need each other, even when no header
// includes itself (a.cpp includes b.hpp, b.cpp includes a.hpp).
std::map<std::string, std::vector<std::string>> include_graph() {
  std::map<std::string, std::vector<std::string>> g;
  const std::regex include(R"re(^\s*#\s*include\s+"(engine/[^"]+)\.hpp")re");
  for (const auto& f : engine_files()) {
    std::string unit = in_repo(f);
    unit = unit.substr(0, unit.rfind('.'));
    std::ifstream in(f);
    auto& edges = g[unit];
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, include) && m[1] != unit) edges.push_back(m[1]);
    }
  }
  return g;
}

TEST(EngineLayout, NoTwoUnitsIncludeEachOthersHeaders) {
  const auto g = include_graph();
  ASSERT_FALSE(g.empty());
  // Depth-first search with colours; a grey node met again closes a cycle.
  std::map<std::string, int> colour;
  std::vector<std::string> path;
  std::string cycle;
  std::function<void(const std::string&)> visit = [&](const std::string& f) {
    colour[f] = 1;
    path.push_back(f);
    if (auto it = g.find(f); it != g.end())
      for (const auto& to : it->second) {
        if (!cycle.empty()) break;
        if (colour[to] == 1) {
          for (auto p = std::find(path.begin(), path.end(), to); p != path.end(); ++p) cycle += *p + " -> ";
          cycle += to;
        } else if (colour[to] == 0) {
          visit(to);
        }
      }
    path.pop_back();
    colour[f] = 2;
  };
  for (const auto& [f, edges] : g)
    if (colour[f] == 0 && cycle.empty()) visit(f);
  EXPECT_EQ(cycle, "") << "include cycle";
}

TEST(EngineLayout, EachSearchFileHoldsOneIdeaInAtMost400Lines) {
  std::size_t files = 0;
  for (const auto& f : engine_files()) {
    if (in_repo(f).rfind("engine/search/", 0) != 0 || f.extension() != ".cpp") continue;
    ++files;
    std::ifstream in(f);
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    EXPECT_LE(lines, 400u) << in_repo(f);
  }
  EXPECT_GE(files, 5u) << "engine/search/ should hold the search, one file per idea";
}

TEST(EngineLayout, NoKernelWordInTheEngine) {
  const std::regex kernel(R"(\b(module|modules|fops|rmmod|insmod|refcnt|kthread|cdev|procfs|syscall)\b)",
                          std::regex::icase);
  for (const auto& f : engine_files()) {
    std::ifstream in(f);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      EXPECT_FALSE(std::regex_search(line, kernel)) << in_repo(f) << ":" << n << ": " << line;
    }
  }
}

}  // namespace
}  // namespace rw::engine::test
