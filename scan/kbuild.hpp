// scan/kbuild.hpp: which kernel module a C file belongs to. A module is its Kbuild object, not
// its folder: `obj-m += foo.o` (or obj-$(CONFIG_FOO), obj-y) with `foo-y := a.o b.o` (or
// foo-objs, foo-$(CONFIG_X)) in the folder's Makefile or Kbuild. A file no Makefile names is
// a module of its own, named after the file.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rw::scan {

struct ModuleMap {
  std::map<std::string, std::string> module_of;  // C file (as given) -> "dir/module"
  std::map<std::string, std::vector<std::string>> files_of;  // "dir/module" -> its C files that exist
  std::string name(const std::string& module) const;  // "module", without its folder
};

// Reads the Makefile / Kbuild of the folder of each file in `c_files`.
ModuleMap read_kbuild(const std::vector<std::filesystem::path>& c_files);

}  // namespace rw::scan
