// models/statements.hpp: the module's own code. A scenario writes each module function as a list
// of statements (models/scenario.hpp); this runs them, one step of module text per statement,
// with the kernel calls they make.
#pragma once
#include "models/kernel.hpp"

namespace rw::models {

enum class Callback { Open, Release, Read, Exit, Init, ProcOpen, ProcRead, ProcRelease };

// What a function did: its return value, or that it ended its thread (module_put_and_exit and
// the like, which never return).
struct BodyResult {
  std::int64_t ret = 0;
  bool exited = false;
};

// Runs one of the module's callbacks and returns its return value.
std::int64_t run_callback(Ctx& c, Module& m, Callback which);
// Runs the module's thread function `fn` (index into ModuleDef::kthreads).
BodyResult run_kthread(Ctx& c, Module& m, std::size_t fn);

}  // namespace rw::models
