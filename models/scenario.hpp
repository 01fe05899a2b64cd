// models/scenario.hpp: a scenario as data: the kernel era, the modules under test (their file
// operations and unload code as statement lists), the fibers' programs, and what is expected.
// Read from TOML by scenario_file.cpp; run by kernel_program.cpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rw::models {

enum class Owner { Null, ThisModule };  // the value of a .owner field

// How the module made its char device (what its init() did before the scenario starts).
enum class Registration {
  RegisterChrdev,  // register_chrdev(): a cdev_alloc'd cdev, cdev->owner = fops->owner
  CdevAdd,         // cdev_init() + cdev_add() on a static struct cdev in module data
};

// One statement of module code: one step of module text, plus the kernel calls it makes.
struct Statement {
  enum class Kind {
    TryModuleGet,      // try_module_get(THIS_MODULE)
    ModuleGet,         // __module_get(THIS_MODULE)
    ModulePut,         // module_put(THIS_MODULE)
    Work,              // one step of plain module code
    Return,            // return <value>
    UnregisterChrdev,  // unregister_chrdev(major, name)   (exit only)
    CdevDel,           // cdev_del(&cdev)                  (exit only)
  };
  Kind kind = Kind::Work;
  std::int64_t value = 0;  // for Return
  std::string text;        // as written in the scenario
};

struct ModuleDef {
  std::string name;
  std::string device;  // the node is /dev/<device>
  Registration registration = Registration::RegisterChrdev;
  Owner fops_owner = Owner::Null;
  Owner cdev_owner = Owner::Null;  // with RegisterChrdev, a copy of fops_owner
  std::vector<Statement> open, release, read, exit;
  bool has_open = false, has_release = false, has_read = false;
};

struct Op {
  enum class Kind { Open, Read, Close, Rmmod };
  Kind kind = Kind::Open;
  std::size_t module = 0;  // Open: the module whose device is opened; Rmmod: the module removed
  std::string text;
};

struct FiberDef {
  std::string name;
  std::vector<Op> setup;  // runs before any interleaving: fibers' setups in order, each alone
  std::vector<Op> run;
};

struct Expectation {
  bool violation = false;  // false: "safe"
  std::string kind;        // with violation
  std::optional<std::vector<std::string>> outcomes;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::string kernel;  // "modern"
  std::vector<ModuleDef> modules;
  std::vector<FiberDef> fibers;
  Expectation expect;
};

}  // namespace rw::models
