// scan/classify.hpp: from facts to a verdict per self-reference. For each site, the functions
// that reach it inside its module lead to its entry points (an ops structure's field, a kthread,
// a work item, a timer, an RCU callback, an irq handler, init, an exported symbol); the entry's
// framework preset (models/frameworks.hpp, or the char device, misc and /proc models) says what
// the caller pins, holds and waits for. racewin then writes the scenario of that protocol and
// checks it: the class follows from the verdict, never from the pattern alone.
#pragma once
#include <string>
#include <vector>

#include "scan/facts.hpp"
#include "scan/kbuild.hpp"

namespace rw::scan {

enum class Class {
  Unsafe,     // a get: module code runs before it with nothing pinning the module or excluding exit
  Redundant,  // a get: the caller already pins the module, or the module's exit waits for the callback
  HandOff,    // a get: the reference is taken for something that outlives the call
  Covered,    // a put: the code after it is covered (a pin, exit waits for it, or an exit helper)
  Uncovered,  // a put: the code after it can run after the module is freed
  Unknown,    // the entry's framework has no preset: not judged
};
const char* to_string(Class c);  // "unsafe", "redundant", "hand-off", "covered", "uncovered", "unknown"
bool is_finding(Class c);        // unsafe or uncovered

struct Finding {
  Site site;
  std::string module;      // its Kbuild object, "dir/name"
  std::string framework;   // preset name, or chardev, misc, proc, kthread, work, timer, rcu, init, exported, unknown
  std::string via;         // the entry: "file_operations.open of fops", "kthread_run(worker)", ...
  Class cls = Class::Unknown;
  std::string verdict;     // of the generated scenario: "safe", "violation module-code-after-unload", "not checked"
  std::string found_kind;  // the violation the check reported first, of any kind ("" when safe)
  std::string reason;      // the kernel caller and what it pins, holds or waits for
  std::string fix;         // one line; empty when nothing needs fixing
  std::string scenario;    // the generated scenario (TOML), empty when not judged
  std::string scenario_name;
};

// Every site of `facts`, classified; `modules` groups files into modules.
std::vector<Finding> classify(const Facts& facts, const ModuleMap& modules);

}  // namespace rw::scan
