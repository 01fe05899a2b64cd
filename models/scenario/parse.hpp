// models/scenario/parse.hpp: the parts of the scenario reader, one per section of the file, as
// load.cpp puts them together. Internal to models/: callers read scenarios through
// models/scenario_file.hpp.
#pragma once
#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>
#include <toml++/toml.h>

#include "models/scenario.hpp"

namespace rw::models::scenario {

// Where a statement list is: what it may contain and how it must end.
enum class Body {
  Callback,  // a file operation, /proc handler or exported function: returns an int
  Exit,      // module_exit: void
  Init,      // module_init: returns an int
  Kthread,   // a thread function: returns, or ends its thread with a helper
  Void,      // a work, timer or RCU callback function: returns void (a bare `return`, or its end)
};

// What statements may refer to: the scenario's modules, their exported functions and threads,
// and the named variables, locks and completions (declared by their first use).
struct Names {
  struct ModuleNames {
    std::string name;
    std::vector<std::string> exports, kthreads;
    std::vector<std::string> callbacks;           // callback.<name>
    std::vector<std::size_t> callback_frameworks;  // each one's preset (index into frameworks())
    std::vector<std::string> deferred;             // work.<fn>, timer.<fn>, rcu.<fn>
    std::vector<DeferredKind> deferred_kinds;
  };
  std::vector<ModuleNames> modules;
  std::vector<std::string> vars, mutexes, spinlocks, completions, rwsems, rwlocks;
  std::vector<Era> eras;
  bool modern() const { return std::find(eras.begin(), eras.end(), Era::Modern) != eras.end(); }
};

// statements_parse.cpp: a list of statements, module code (`what` names it in messages).
// `fn`: in a thread function, its index (kthread_should_stop names that thread).
std::vector<Statement> parse_body(const toml::node& n, std::string_view what, Body body, std::size_t self,
                                  const ModuleDef& module, Names& names, std::size_t fn = 0);

// module_parse.cpp: the [module.<name>] tables in file order, with the checks across modules.
std::vector<ModuleDef> parse_modules(const toml::table& modules, Names& names,
                                     const std::set<std::string>& loaded_by_insmod);

// ops_parse.cpp: which modules some fiber loads (they start unloaded, and only they may have an
// init), and the [fiber.<name>] tables in file order.
std::set<std::string> loaded_by_insmod(const toml::table& fibers);
std::vector<FiberDef> parse_fibers(const toml::table& fibers, const std::vector<ModuleDef>& modules,
                                   std::vector<std::string>& events);

// expect_parse.cpp: [expect], one per era of `eras`.
std::vector<Expectation> parse_expects(const toml::node& expect, const std::vector<Era>& eras);

}  // namespace rw::models::scenario
