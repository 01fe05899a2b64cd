// models/statements.cpp
#include "models/statements.hpp"

#include "models/char_dev.hpp"
#include "models/deferred.hpp"
#include "models/errno.hpp"
#include "models/frameworks.hpp"
#include "models/module.hpp"
#include "models/proc.hpp"
#include "models/sync.hpp"

namespace rw::models {
using engine::Access;
using Kind = Statement::Kind;

namespace {

engine::Label thread_exit_name(Era e) {
  return e == Era::V2_6_24 ? engine::Label("__module_put_and_exit") : engine::Label("__module_put_and_kthread_exit");
}

// Mirrors kernel/module/main.c __symbol_get() (≈v6.10: under rcu_read_lock; 2.6.24: under
// preempt_disable): find the symbol on the module list, then strong_try_module_get(owner).
// NULL when the module is not loaded, still in init, or going.
bool symbol_get(Ctx& c, Module& owner) {
  auto frame = c.ex.enter("__symbol_get");
  const bool old = c.k.era == Era::V2_6_24;
  if (old) preempt_disable(c, "__symbol_get: preempt_disable()");
  else ++c.k.rcu_readers;  // rcu_read_lock(): not a step (no shared access)
  c.ex.step(c.k.o_modules, Access::Read, "__symbol_get: find_symbol(symbol)");
  bool ok = owner.listed && owner.state != ModuleState::Unformed;
  if (!ok) c.ex.note("{} not loaded: NULL", owner.def->name);
  else ok = strong_try_module_get(c, &owner);
  c.ex.local(0, ok);
  if (old) preempt_enable(c, "__symbol_get: preempt_enable()");
  else --c.k.rcu_readers;
  return ok;
}

// Mirrors kernel/module/main.c __symbol_put(): find the symbol's module (BUG if gone), module_put.
void symbol_put(Ctx& c, Module& owner) {
  auto frame = c.ex.enter("__symbol_put");
  const bool old = c.k.era == Era::V2_6_24;
  if (old) preempt_disable(c, "__symbol_put: preempt_disable()");
  else ++c.k.rcu_readers;
  c.ex.step(c.k.o_modules, Access::Read, "__symbol_put: find_symbol(symbol)");
  if (!owner.listed)
    c.ex.fail(kKernelBug, fmt::format("__symbol_put: BUG_ON(!find_symbol): {} is not loaded", owner.def->name));
  module_put(c, &owner);
  if (old) preempt_enable(c, "__symbol_put: preempt_enable()");
  else --c.k.rcu_readers;
}

// Mirrors kernel/sched/completion.c complete() and wait_for_completion(): `done` counts.
void complete(Ctx& c, std::size_t which, engine::Label here) {
  c.ex.step(c.k.o_completions[which], Access::ReadModifyWrite, here);
  ++c.k.completions[which];
}
void wait_for_completion(Ctx& c, std::size_t which, engine::Label here) {
  might_sleep(c, "wait_for_completion");
  const Kernel& k = c.k;
  c.ex.step_when(k.o_completions[which], Access::ReadModifyWrite, here,
                 [&k, which] { return k.completions[which] > 0; });
  --c.k.completions[which];
}

BodyResult run_body(Ctx& c, Module& m, const std::vector<Statement>& body, const Module::BodyLabels& labels);

// The kernel calls a statement makes, after its step of module text. Returns the value a
// condition tests.
bool execute(Ctx& c, Module& m, const Statement& s, engine::Label here, BodyResult& r) {
  Kernel& k = c.k;
  Module& target = s.this_module ? m : k.modules[s.module];
  switch (s.kind) {
    case Kind::Work:
    case Kind::Return: return false;
    case Kind::TryModuleGet: return try_module_get(c, &target);
    case Kind::ModuleGet: __module_get(c, &target); return true;
    case Kind::ModulePut: module_put(c, &target); return true;
    case Kind::SymbolGet: return symbol_get(c, target);
    case Kind::SymbolPut: symbol_put(c, target); return true;
    case Kind::Call: {
      // The call jumps into the other module's text; it returns here, into this module's.
      const BodyResult inner = run_body(c, target, target.def->exports[s.name].body, target.labels->exports[s.name]);
      return inner.ret != 0;
    }
    case Kind::MutexLock:
      might_sleep(c, "mutex_lock");
      lock_checked(c, k.o_mutexes[s.name], here, std::source_location::current());
      return true;
    case Kind::MutexUnlock: unlock_checked(c, k.o_mutexes[s.name], here, std::source_location::current()); return true;
    case Kind::SpinLock:
      preempt_disable(c, "spin_lock: preempt_disable()");
      rcu_sched_enter(c);
      lock_checked(c, k.o_spinlocks[s.name], here, std::source_location::current());
      return true;
    case Kind::SpinUnlock:
      unlock_checked(c, k.o_spinlocks[s.name], here, std::source_location::current());
      rcu_sched_exit(c);
      preempt_enable(c, "spin_unlock: preempt_enable()");
      return true;
    case Kind::PreemptDisable:
      preempt_disable(c, "preempt_disable()");
      rcu_sched_enter(c);
      return true;
    case Kind::PreemptEnable:
      rcu_sched_exit(c);
      preempt_enable(c, "preempt_enable()");
      return true;
    case Kind::DownRead: down_read(c, s.name, false, here); return true;
    case Kind::UpRead: up_read(c, s.name, false, here); return true;
    case Kind::DownWrite: down_write(c, s.name, false, here); return true;
    case Kind::UpWrite: up_write(c, s.name, false, here); return true;
    case Kind::ReadLock:
    case Kind::WriteLock: {
      const std::size_t i = k.first_rwlock + s.name;
      if (s.kind == Kind::ReadLock) down_read(c, i, true, here);
      else down_write(c, i, true, here);
      rcu_sched_enter(c);
      return true;
    }
    case Kind::ReadUnlock:
    case Kind::WriteUnlock: {
      const std::size_t i = k.first_rwlock + s.name;
      rcu_sched_exit(c);
      if (s.kind == Kind::ReadUnlock) up_read(c, i, true, here);
      else up_write(c, i, true, here);
      return true;
    }
    case Kind::RcuReadLock: rcu_read_lock(c, here); return true;
    case Kind::RcuReadUnlock: rcu_read_unlock(c, here); return true;
    case Kind::SynchronizeRcu: synchronize_rcu(c, here); return true;
    case Kind::QueueWork:
    case Kind::ModTimer:
    case Kind::CallRcu: return queue_deferred(c, m, s.name, here);
    case Kind::CancelWorkSync: cancel_deferred(c, m, s.name, true, here); return true;
    case Kind::DelTimer: cancel_deferred(c, m, s.name, false, here); return true;
    case Kind::DelTimerSync: cancel_deferred(c, m, s.name, true, here); return true;
    case Kind::FlushWork: flush_deferred(c, m, s.name, here); return true;
    case Kind::RcuBarrier: rcu_barrier(c, here); return true;
    case Kind::KthreadStop: kthread_stop(c, m, s.name, here); return true;
    case Kind::KthreadShouldStop: return kthread_should_stop(c, m, s.name, here);
    case Kind::WaitShouldStop: wait_kthread_should_stop(c, m, s.name, here); return true;
    case Kind::RegisterCallback: register_callback(c, m, s.name); return true;
    case Kind::UnregisterCallback: unregister_callback(c, m, s.name); return true;
    case Kind::RemoveSelf: remove_self(c, m, s.name); return true;
    case Kind::AtomicInc:
    case Kind::AtomicDec: {
      c.ex.step(k.o_vars[s.name], Access::ReadModifyWrite, here);
      auto& v = k.vars[s.name];
      c.ex.note("{} -> {}", v, v + (s.kind == Kind::AtomicInc ? 1 : -1));
      v += s.kind == Kind::AtomicInc ? 1 : -1;
      return true;
    }
    case Kind::AtomicSet:
      c.ex.step(k.o_vars[s.name], Access::Write, here);
      k.vars[s.name] = s.a;
      return true;
    case Kind::AtomicRead:
      c.ex.step(k.o_vars[s.name], Access::Read, here);
      c.ex.note("{}", k.vars[s.name]);
      return k.vars[s.name] != 0;
    case Kind::AtomicCmpxchg: {
      c.ex.step(k.o_vars[s.name], Access::ReadModifyWrite, here);
      auto& v = k.vars[s.name];
      const auto old = v;
      if (old == s.a) v = s.b;
      else c.ex.narrow_access(Access::Read);
      c.ex.note("was {}{}", old, old == s.a ? fmt::format(", now {}", v) : "");
      return old != 0;
    }
    case Kind::AtomicDecAndTest: {
      c.ex.step(k.o_vars[s.name], Access::ReadModifyWrite, here);
      auto& v = k.vars[s.name];
      --v;
      c.ex.note("-> {}", v);
      return v == 0;
    }
    case Kind::Complete: complete(c, s.name, here); return true;
    case Kind::WaitForCompletion: wait_for_completion(c, s.name, here); return true;
    case Kind::Msleep:
      // A sleep lets every other fiber run; interleavings already cover that, so it is one
      // step that touches nothing shared.
      might_sleep(c, "msleep");
      c.ex.step(engine::kNoObject, Access::Read, "msleep: schedule_timeout");
      return true;
    case Kind::KthreadRun:
      c.ex.step(m.o_kthreads, Access::Write, "kthread_run: kthread_create_on_node, wake_up_process");
      ++m.kthread_starts[s.name];
      ++m.kthread_created[s.name];
      return true;
    case Kind::ModulePutAndExit: {
      // Core text from here on: the put, then do_exit, which never returns to module code.
      auto frame = c.ex.enter(thread_exit_name(k.era));
      module_put(c, &m);
      r.ret = s.value;
      r.exited = true;
      return true;
    }
    case Kind::CompleteAndExit: {
      auto frame = c.ex.enter(k.era == Era::V2_6_24 ? engine::Label("complete_and_exit")
                                                    : engine::Label("kthread_complete_and_exit"));
      complete(c, s.name, here);
      r.ret = s.value;
      r.exited = true;
      return true;
    }
    case Kind::RegisterDevice: register_device(c, m); return true;
    case Kind::UnregisterChrdev: unregister_chrdev(c, m); return true;
    case Kind::CdevDel: cdev_del(c, m.cdev); return true;
    case Kind::MiscDeregister: misc_deregister(c, m); return true;
    case Kind::CreateProcEntry: create_proc_entry(c, m, s.a != 0); return true;
    case Kind::SetProcOwner:
      c.ex.step(m.o_proc, Access::Write, "proc_dir_entry->owner = THIS_MODULE");
      m.proc.owner_set = true;
      return true;
    case Kind::RemoveProcEntry: remove_proc_entry(c, m); return true;
  }
  return false;
}

// Every statement is one step of module text (checked against free_module), followed by the
// kernel calls it makes; a conditional statement takes one more step of module text to branch
// on the result. The task counts as inside the module from the first statement to the return,
// which is what the trace's window shows.
BodyResult run_body(Ctx& c, Module& m, const std::vector<Statement>& body, const Module::BodyLabels& labels) {
  auto frame = c.ex.enter(labels.call);
  Module* const outer = c.task.in_module;
  c.task.in_module = &m;
  update_window(c);
  BodyResult r;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const Statement& s = body[i];
    c.ex.at(static_cast<std::uint32_t>(i));
    c.ex.step(m.o_text, Access::Read, labels.stmt[i]);
    check_text(c, m, labels.stmt[i].text);
    if (s.kind == Kind::Return) {
      r.ret = s.value;
      break;
    }
    const bool result = execute(c, m, s, labels.stmt[i], r);
    if (r.exited) break;
    if (s.guard != Statement::Guard::None) {
      c.ex.local(0, result);
      c.ex.step(m.o_text, Access::Read, labels.branch[i]);
      check_text(c, m, labels.branch[i].text);
      if (result != (s.guard == Statement::Guard::IfTrue)) continue;
      // The block: each statement one step of module text, at a position of its own.
      bool returned = false;
      for (std::size_t j = 0; j < s.then.size() && !returned; ++j) {
        const Statement& t = s.then[j];
        c.ex.at(static_cast<std::uint32_t>(0x10000 + i * 0x100 + j));
        c.ex.step(m.o_text, Access::Read, labels.then[i][j]);
        check_text(c, m, labels.then[i][j].text);
        if (t.kind == Kind::Return) {
          c.ex.note("returns {}", errno_text(t.value));
          r.ret = t.value;
          returned = true;
        } else {
          execute(c, m, t, labels.then[i][j], r);
          returned = r.exited;
        }
      }
      if (returned) break;
    }
  }
  c.task.in_module = outer;
  update_window(c);
  return r;
}

}  // namespace

std::int64_t run_callback(Ctx& c, Module& m, Callback which) {
  const ModuleDef& d = *m.def;
  switch (which) {
    case Callback::Open: return run_body(c, m, d.open, m.labels->open).ret;
    case Callback::Release: return run_body(c, m, d.release, m.labels->release).ret;
    case Callback::Read: return run_body(c, m, d.read, m.labels->read).ret;
    case Callback::Exit: return run_body(c, m, d.exit, m.labels->exit).ret;
    case Callback::Init: return run_body(c, m, d.init, m.labels->init).ret;
    case Callback::ProcOpen: return run_body(c, m, d.proc.open, m.labels->proc_open).ret;
    case Callback::ProcRead: return run_body(c, m, d.proc.read, m.labels->proc_read).ret;
    case Callback::ProcRelease: return run_body(c, m, d.proc.release, m.labels->proc_release).ret;
  }
  return 0;
}

BodyResult run_function(Ctx& c, Module& m, const std::vector<Statement>& body, const Module::BodyLabels& labels) {
  return run_body(c, m, body, labels);
}

BodyResult run_kthread(Ctx& c, Module& m, std::size_t fn) {
  return run_body(c, m, m.def->kthreads[fn].body, m.labels->kthreads[fn]);
}

// Lock misuse in module code is a finding, as lockdep reports it (kernel/locking/lockdep.c:
// print_deadlock_bug, print_unlock_imbalance_bug, and lockdep_sys_exit / debug_check_no_locks_held
// at the return to user space and at do_exit), never a misuse of the engine.
// Mirrors: mutex_lock / spin_lock of a lock the task holds: the acquire never succeeds (the task
// waits for itself); the attempt is the violation.
void lock_checked(Ctx& c, ObjectId lock, engine::Label here, std::source_location where) {
  if (c.ex.lock_holder(lock) == c.ex.self()) {
    c.ex.step(engine::kNoObject, engine::Access::Read, here, where);  // the attempt, local to the task
    c.ex.fail(kRecursiveLocking, fmt::format("possible recursive locking detected: {} already holds {}",
                                             c.ex.fiber_name(c.ex.self()), c.ex.program().objects()[lock].name));
  }
  c.ex.lock(lock, here, where);
}

// Mirrors: mutex_unlock / spin_unlock of a lock the task does not hold.
void unlock_checked(Ctx& c, ObjectId lock, engine::Label here, std::source_location where) {
  if (c.ex.lock_holder(lock) != c.ex.self()) {
    c.ex.step(engine::kNoObject, engine::Access::Read, here, where);
    c.ex.fail(kBadUnlockBalance, fmt::format("bad unlock balance detected: {} releases {}, which it does not hold",
                                             c.ex.fiber_name(c.ex.self()), c.ex.program().objects()[lock].name));
  }
  c.ex.unlock(lock, here, where);
}

// Mirrors: lockdep_sys_exit() on the return to user space (kernel/entry/common.c), and
// debug_check_no_locks_held() in do_exit() for a kthread: no lock of the module's may be held
// once an operation of the task is over. Only the scenario's own locks can be left held: the
// core kernel's are taken and released by model code.
void check_no_locks_held(Ctx& c, bool kthread_exit) {
  for (const auto& locks : {std::cref(c.k.o_mutexes), std::cref(c.k.o_spinlocks)})
    for (const ObjectId lock : locks.get())
      if (c.ex.lock_holder(lock) == c.ex.self())
        c.ex.fail(kLockHeldOnReturn, fmt::format("{}: {} still holds {}",
                                                 kthread_exit ? "kthread exits with a lock held" : "lock held when returning to user space",
                                                 c.ex.fiber_name(c.ex.self()), c.ex.program().objects()[lock].name));
  const auto what = kthread_exit ? "kthread exits with a lock held" : "lock held when returning to user space";
  for (std::size_t i = 0; i < c.k.first_core_rwsem; ++i)
    if ((c.task.rw_reads >> i & 1u) != 0 || c.k.rwsems[i].writer == static_cast<int>(c.ex.self()))
      c.ex.fail(kLockHeldOnReturn, fmt::format("{}: {} still holds {}", what, c.ex.fiber_name(c.ex.self()),
                                               c.ex.program().objects()[c.k.o_rwsems[i]].name));
  if (c.task.rcu_depth > 0)
    c.ex.fail(kLockHeldOnReturn, fmt::format("{}: {} is still inside rcu_read_lock", what, c.ex.fiber_name(c.ex.self())));
}

}  // namespace rw::models
