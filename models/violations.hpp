// models/violations.hpp: every violation kind the models can report, in one table: the kind
// (an opaque string to the engine), what it means, and what raises it. `[expect] kind` accepts
// exactly these; model code raises them through the constants below, each checked against the
// table when it compiles.
#pragma once
#include <cstddef>
#include <iterator>
#include <span>
#include <string_view>

namespace rw::models {

struct ViolationKind {
  const char* kind;
  std::string_view meaning;
  std::string_view raised_by;
};

inline constexpr ViolationKind kViolationKinds[] = {
    {"module-code-after-unload", "a task executes text of a module that free_module released",
     "check_text (models/module.cpp)"},
    {"module-data-after-free", "a task reads data of a module (its fops, its static cdev) that free_module released",
     "check_data (models/module.cpp)"},
    {"refcount-underflow", "a module's count went below zero: module_put's WARN, or 2.6.24's per-CPU sum",
     "module_put (models/module.cpp)"},
    {"refcount-bug", "a BUG_ON on a module's count: try_release_module_ref, or __module_get with no reference",
     "try_release_module_ref, __module_get (models/module.cpp)"},
    {"deadlock", "no fiber can run and some have not finished: a hang, such as rmmod in D state",
     "the engine (engine/execution.cpp)"},
    {"cdev-after-free", "a task reads a struct cdev that kfree released", "check_cdev (models/char_dev.cpp)"},
    {"sleep-in-atomic", "a task sleeps with preemption disabled: \"BUG: scheduling while atomic\"",
     "might_sleep (models/module.cpp)"},
    {"kernel-bug", "a BUG_ON in models/refcount.hpp that no model hook names more precisely, or __symbol_put's",
     "SteppedHooks' default (models/atomic_stepped.cpp), __symbol_put (models/statements.cpp)"},
    {"kernel-warn", "a WARN_ON in models/refcount.hpp that no model hook names more precisely",
     "SteppedHooks' default (models/atomic_stepped.cpp)"},
    {"recursive-locking", "a task takes a lock it already holds (lockdep: \"possible recursive locking detected\"); it deadlocks on itself",
     "mutex_lock, spin_lock in module code (models/statements.cpp)"},
    {"bad-unlock-balance", "a task releases a lock it does not hold (lockdep: \"bad unlock balance detected\")",
     "mutex_unlock, spin_unlock in module code (models/statements.cpp)"},
    {"lock-held-on-return", "a task returns to user space, or a kthread exits, holding a lock (lockdep: \"lock held when returning to user space\", \"still has locks held\")",
     "check_no_locks_held (models/statements.cpp), after each operation of a fiber"},
};

// The index of `kind`'s row in the table, or the table's size when it has none.
constexpr std::size_t violation_kind_index(std::string_view kind) {
  std::size_t i = 0;
  while (i < std::size(kViolationKinds) && kViolationKinds[i].kind != kind) ++i;
  return i;
}

// The table's row for `kind`, or nullptr.
inline const ViolationKind* find_violation_kind(std::string_view kind) {
  const std::size_t i = violation_kind_index(kind);
  return i < std::size(kViolationKinds) ? &kViolationKinds[i] : nullptr;
}

// The kind's string, from the table; a kind not in it does not compile. (By index, not by
// pointer: the sanitizers' builds do not compare addresses in constant expressions.)
consteval const char* violation_kind(std::string_view kind) {
  const std::size_t i = violation_kind_index(kind);
  if (i == std::size(kViolationKinds)) throw "not in kViolationKinds";
  return kViolationKinds[i].kind;
}

inline constexpr const char* kCodeAfterUnload = violation_kind("module-code-after-unload");
inline constexpr const char* kDataAfterFree = violation_kind("module-data-after-free");
inline constexpr const char* kRefcountUnderflow = violation_kind("refcount-underflow");
inline constexpr const char* kRefcountBug = violation_kind("refcount-bug");
inline constexpr const char* kCdevAfterFree = violation_kind("cdev-after-free");
inline constexpr const char* kKernelWarn = violation_kind("kernel-warn");
inline constexpr const char* kKernelBug = violation_kind("kernel-bug");
inline constexpr const char* kSleepInAtomic = violation_kind("sleep-in-atomic");
inline constexpr const char* kDeadlock = violation_kind("deadlock");
inline constexpr const char* kRecursiveLocking = violation_kind("recursive-locking");
inline constexpr const char* kBadUnlockBalance = violation_kind("bad-unlock-balance");
inline constexpr const char* kLockHeldOnReturn = violation_kind("lock-held-on-return");

}  // namespace rw::models
