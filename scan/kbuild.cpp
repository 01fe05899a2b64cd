// scan/kbuild.cpp
#include "scan/kbuild.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace rw::scan {
namespace fs = std::filesystem;

namespace {
// The Makefile's logical lines: backslash continuations joined, comments dropped.
std::vector<std::string> logical_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  std::string line, cur;
  while (std::getline(in, line)) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    if (!line.empty() && line.back() == '\\') {
      line.pop_back();
      cur += line + " ";
      continue;
    }
    out.push_back(cur + line);
    cur.clear();
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

// "obj-m", "obj-$(CONFIG_X)", "foo-y", "foo-objs", "foo-$(CONFIG_Y)": the list's owner and
// whether it is an obj list.
bool split_lhs(const std::string& lhs, std::string& owner, bool& obj) {
  if (lhs.starts_with("obj-")) {
    owner.clear();
    obj = true;
    return true;
  }
  for (const char* suffix : {"-y", "-m", "-objs"}) {
    if (lhs.ends_with(suffix)) {
      owner = lhs.substr(0, lhs.size() - std::string(suffix).size());
      obj = false;
      return true;
    }
  }
  if (const auto dollar = lhs.find("-$("); dollar != std::string::npos && lhs.back() == ')') {
    owner = lhs.substr(0, dollar);
    obj = false;
    return true;
  }
  return false;
}
}  // namespace

std::string ModuleMap::name(const std::string& module) const {
  const auto slash = module.rfind('/');
  return slash == std::string::npos ? module : module.substr(slash + 1);
}

ModuleMap read_kbuild(const std::vector<fs::path>& c_files) {
  ModuleMap map;
  std::set<fs::path> dirs;
  for (const auto& f : c_files) dirs.insert(f.parent_path());
  // For each folder: the objects its Makefile builds, and each composite object's parts.
  std::map<fs::path, std::map<std::string, std::string>> part_of;  // dir -> object stem -> module stem
  for (const auto& dir : dirs) {
    auto& parts = part_of[dir];
    std::set<std::string> objects;
    std::map<std::string, std::vector<std::string>> composite;
    for (const char* name : {"Kbuild", "Makefile"}) {
      const fs::path mk = dir / name;
      std::error_code ec;
      if (!fs::exists(mk, ec)) continue;
      for (const auto& line : logical_lines(mk)) {
        std::size_t op = line.find("+=");
        std::size_t len = 2;
        if (op == std::string::npos) op = line.find(":="), len = 2;
        if (op == std::string::npos) op = line.find('='), len = 1;
        if (op == std::string::npos) continue;
        const auto lhs_words = words(line.substr(0, op));
        if (lhs_words.size() != 1) continue;
        std::string owner;
        bool obj = false;
        if (!split_lhs(lhs_words.front(), owner, obj)) continue;
        for (const auto& w : words(line.substr(op + len))) {
          if (!w.ends_with(".o")) continue;
          const std::string stem = w.substr(0, w.size() - 2);
          if (obj) objects.insert(stem);
          else composite[owner].push_back(stem);
        }
      }
    }
    for (const auto& o : objects) {
      const auto it = composite.find(o);
      if (it == composite.end()) parts[o] = o;
      else
        for (const auto& p : it->second) parts[p] = o;
    }
  }
  // Each given file's module, with every part of it that exists in the folder: the scan must
  // read a module's other files too (its ops structures, its exit).
  for (const auto& f : c_files) {
    const auto& parts = part_of[f.parent_path()];
    const std::string stem = f.stem().string();
    const auto it = parts.find(stem);
    const std::string object = it == parts.end() ? stem : it->second;
    const std::string module = (f.parent_path() / object).string();
    map.module_of[f.string()] = module;
    if (map.files_of.contains(module)) continue;
    auto& files = map.files_of[module];
    files.push_back(f.string());
    for (const auto& [part, owner] : parts) {
      if (owner != object || part == stem) continue;
      const fs::path other = f.parent_path() / (part + ".c");
      std::error_code ec;
      if (!fs::exists(other, ec)) continue;
      files.push_back(other.string());
      map.module_of[other.string()] = module;
    }
  }
  return map;
}

}  // namespace rw::scan
