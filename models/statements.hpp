// models/statements.hpp: the module's own code. A scenario writes each module function as a list
// of statements (models/scenario.hpp); this runs them, one step of module text per statement,
// with the kernel calls they make.
#pragma once
#include <source_location>

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
// Runs a function of module m (its statements and their labels) from a caller in core code.
BodyResult run_function(Ctx& c, Module& m, const std::vector<Statement>& body, const Module::BodyLabels& labels);
// Runs the module's thread function `fn` (index into ModuleDef::kthreads).
BodyResult run_kthread(Ctx& c, Module& m, std::size_t fn);
// mutex_lock / spin_lock and their unlocks of a scenario's lock: a second acquire by the holder
// (recursive-locking) or a release without a hold (bad-unlock-balance) is a finding.
void lock_checked(Ctx& c, ObjectId lock, engine::Label here, std::source_location where);
void unlock_checked(Ctx& c, ObjectId lock, engine::Label here, std::source_location where);
// After each operation of a task: a lock of the scenario's still held is a finding
// (lock-held-on-return), on the return to user space or at a kthread's exit.
void check_no_locks_held(Ctx& c, bool kthread_exit);

}  // namespace rw::models
