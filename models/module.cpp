// models/module.cpp: module reference counting and delete_module, modern era.
// Each ex.step() is one atomic kernel operation; the label names the kernel function. The
// refcount algorithms themselves are models/refcount.hpp's, stepped by models/atomic_stepped.hpp.
#include "models/module.hpp"

#include "models/atomic_stepped.hpp"
#include "models/char_dev.hpp"
#include "models/errno.hpp"
#include "models/refcount.hpp"
#include "models/statements.hpp"

namespace rw::models {
using engine::Access;

const char* to_string(ModuleState s) {
  switch (s) {
    case ModuleState::Live: return "LIVE";
    case ModuleState::Coming: return "COMING";
    case ModuleState::Going: return "GOING";
    case ModuleState::Unformed: return "UNFORMED";
  }
  return "?";
}

// The window is per module: a pin on the caller's module does not cover a call into another
// one (B.fn() from a pinned open), and a framework's exclusion (Task::shield) covers the callback
// its unregistration waits for.
void update_window(Ctx& c) {
  const Task& t = c.task;
  const bool in_text = t.in_module != nullptr && t.pins[t.in_module->index] == 0 && t.shield == 0;
  const bool holds = t.holds != nullptr && t.pins[t.holds->index] == 0;
  c.ex.set_window((in_text || holds) && !t.unloading);
}

void check_text(Ctx& c, Module& m, std::string_view what) {
  if (m.text_freed)
    c.ex.fail(kCodeAfterUnload, fmt::format("{} executes text of module {}, which free_module released",
                                            what, m.def->name));
}

void check_data(Ctx& c, Module* home, std::string_view what) {
  if (home != nullptr && home->data_freed)
    c.ex.fail(kDataAfterFree, fmt::format("{} reads data of module {}, which free_module released",
                                          what, home->def->name));
}

namespace {
// How the module model watches the generic algorithms' steps: struct module must still be there
// when they read it, and the kernel's WARN in module_put and BUG in try_release_module_ref are
// violations.
class ModuleHooks final : public SteppedHooks {
 public:
  ModuleHooks(Ctx& c, Module& m) : c_(c), m_(m) {}
  void accessed(const char* what) override { check_data(c_, &m_, what); }
  [[noreturn]] void warn(Site, std::int64_t refcnt) override {
    c_.ex.fail(kRefcountUnderflow,
               fmt::format("module_put: WARN_ON(ret < 0): refcnt of {} is {}, failed to put refcount",
                           m_.def->name, refcnt));
  }
  [[noreturn]] void bug(Site, std::int64_t refcnt) override {
    c_.ex.fail(kRefcountBug, fmt::format("try_release_module_ref: BUG_ON(ret < 0): refcnt of {} went to {}",
                                         m_.def->name, refcnt));
  }

 private:
  Ctx& c_;
  Module& m_;
};

constexpr const char* kRefNames[kCpus] = {"ref[0]", "ref[1]"};

// The module's state and refcnt as the stepped instantiation of models/refcount.hpp sees them.
modern::Module<SteppedAtomic> stepped(StepContext& sc, Module& mod) {
  return {.state = {&sc, &mod.state, mod.o_state, "state"}, .refcnt = {&sc, &mod.refcnt, mod.o_refcnt, "refcnt"}};
}
}  // namespace

// ---- Preemption and stop_machine ---------------------------------------------------------

// Mirrors include/linux/preempt.h preempt_disable() (with CONFIG_PREEMPT): from here until the
// matching preempt_enable, nothing else runs on this CPU and stop_machine cannot start. Where
// that can matter (Kernel::cpu_locks), the outermost one takes the CPU's lock.
void preempt_disable(Ctx& c, engine::Label label) {
  if (c.task.preempt_count++ == 0 && c.k.cpu_locks)
    c.ex.lock(c.k.o_cpu[c.task.cpu], label);
}

void preempt_enable(Ctx& c, engine::Label label) {
  if (c.task.preempt_count == 0) return;
  if (--c.task.preempt_count == 0 && c.k.cpu_locks) c.ex.unlock(c.k.o_cpu[c.task.cpu], label);
}

// Mirrors kernel/sched might_sleep() / schedule_debug(): sleeping with preemption disabled is
// "BUG: scheduling while atomic".
void might_sleep(Ctx& c, std::string_view what) {
  if (c.task.preempt_count > 0)
    c.ex.fail(kSleepInAtomic, fmt::format("BUG: scheduling while atomic: {} sleeps with preemption disabled "
                                          "(preempt_count {})", what, c.task.preempt_count));
  if (c.task.rcu_depth > 0)
    c.ex.fail(kSleepInAtomic, fmt::format("Voluntary context switch within RCU read-side critical section: {} sleeps "
                                          "inside rcu_read_lock", what));
}

namespace {
// Mirrors kernel/stop_machine.c stop_machine_run() (2.6.24): a thread on every CPU disables
// interrupts; only then does fn run, alone. Taking every CPU's lock waits out every
// preempt-disabled span; the atomic section stops every other fiber while fn runs.
constexpr engine::Label kStopCpu[] = {"stop_machine: CPU 0's stopper thread runs, interrupts off",
                                       "stop_machine: CPU 1's stopper thread runs, interrupts off"};
constexpr engine::Label kRestartCpu[] = {"stop_machine: CPU 0 restarts", "stop_machine: CPU 1 restarts"};
static_assert(std::size(kStopCpu) == kCpus);

void stop_machine_begin(Ctx& c) {
  for (std::size_t i = 0; i < kCpus; ++i) c.ex.lock(c.k.o_cpu[i], kStopCpu[i]);
  c.ex.set_atomic(true);
}
void stop_machine_end(Ctx& c) {
  c.ex.set_atomic(false);
  for (std::size_t i = kCpus; i-- > 0;) c.ex.unlock(c.k.o_cpu[i], kRestartCpu[i]);
}

// The 2.6.24 struct module as the stepped instantiation of models/refcount.hpp sees it.
v2_6_24::Module<SteppedAtomic, kCpus> stepped24(StepContext& sc, Module& mod) {
  v2_6_24::Module<SteppedAtomic, kCpus> m{.state = {&sc, &mod.state, mod.o_state, "state"}, .ref = {}};
  for (std::size_t i = 0; i < kCpus; ++i) m.ref[i].count = {&sc, &mod.ref[i], mod.o_ref[i], kRefNames[i]};
  return m;
}

long ref_sum(const Module& m) {
  long s = 0;
  for (long r : m.ref) s += r;
  return s;
}

// The per-CPU sum is exact at every instant (only its reading is not); below zero means more
// puts than gets: the unsigned sum 2.6.24 prints wraps, and the module can never unload.
void check_sum(Ctx& c, Module& m) {
  if (ref_sum(m) < 0)
    c.ex.fail(kRefcountUnderflow, fmt::format("module_put: the per-CPU counts of {} sum to {}: module_refcount() "
                                              "reads {} and rmmod reports it in use forever",
                                              m.def->name, ref_sum(m), static_cast<unsigned>(ref_sum(m))));
}
}  // namespace

// The four refcount primitives run the algorithms of models/refcount.hpp, the very code that
// bench/ times on real threads, with one step per atomic operation (models/atomic_stepped.hpp).
// What is added here is the model's bookkeeping: the NULL module, the fiber's position (its
// frame), the pins the task holds and its race window; and in 2.6.24 the preempt-disabled span
// (get_cpu .. put_cpu) that stop_machine cannot split.

// Mirrors kernel/module/main.c try_module_get() (≈v6.10) through modern::try_module_get, and
// include/linux/module.h try_module_get() (2.6.24) through v2_6_24::try_module_get inside
// get_cpu()/put_cpu(). try_module_get(NULL) succeeds and pins nothing: that is what a NULL
// owner means.
bool try_module_get(Ctx& c, Module* mod) {
  if (mod == nullptr) return true;
  auto frame = c.ex.enter("try_module_get");
  ModuleHooks hooks(c, *mod);
  StepContext sc{&c.ex, &hooks};
  bool ok = false;
  if (c.k.era == Era::V2_6_24) {
    preempt_disable(c, "try_module_get: cpu = get_cpu()");
    auto refs = stepped24(sc, *mod);
    ok = v2_6_24::try_module_get(refs, static_cast<unsigned>(c.task.cpu));
    preempt_enable(c, "try_module_get: put_cpu()");
  } else {
    auto refs = stepped(sc, *mod);
    ok = modern::try_module_get(refs);
  }
  if (!ok) return false;
  ++c.task.pins[mod->index];
  update_window(c);
  return true;
}

namespace {
// Mirrors kernel/module.c module_refcount() (2.6.24) through v2_6_24::module_refcount: NR_CPUS
// separate reads, unsigned.
unsigned module_refcount24(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("module_refcount");
  ModuleHooks hooks(c, mod);
  StepContext sc{&c.ex, &hooks};
  auto refs = stepped24(sc, mod);
  // v2_6_24::module_refcount, one read per step, with the partial sum declared: it decides
  // what the caller does after the last read.
  unsigned total = 0;
  for (std::size_t i = 0; i < kCpus; ++i) {
    total += static_cast<unsigned>(local_read(refs.ref[i].count, Site::V2624RefcountRead));
    c.ex.local(0, total);
  }
  c.ex.note("sum {}", total);
  return total;
}
}  // namespace

// Mirrors kernel/module/main.c __module_get() (≈v6.10) through modern::__module_get, and
// include/linux/module.h __module_get() (2.6.24): BUG_ON(module_refcount(module) == 0), then
// local_inc on this CPU's slot inside get_cpu()/put_cpu().
void __module_get(Ctx& c, Module* mod) {
  if (mod == nullptr) return;
  auto frame = c.ex.enter("__module_get");
  ModuleHooks hooks(c, *mod);
  StepContext sc{&c.ex, &hooks};
  if (c.k.era == Era::V2_6_24) {
    if (module_refcount24(c, *mod) == 0)
      c.ex.fail(kRefcountBug, fmt::format("__module_get: BUG_ON(module_refcount(module) == 0): {} has no reference "
                                          "to share", mod->def->name));
    preempt_disable(c, "__module_get: get_cpu()");
    auto refs = stepped24(sc, *mod);
    local_inc(refs.ref[c.task.cpu].count, Site::V2624GetInc);
    preempt_enable(c, "__module_get: put_cpu()");
  } else {
    auto refs = stepped(sc, *mod);
    modern::__module_get(refs);
  }
  ++c.task.pins[mod->index];
  update_window(c);
}

// Mirrors kernel/module/main.c module_put() (≈v6.10) through modern::module_put (its WARN is
// reported as refcount-underflow), and kernel/module.c module_put() (2.6.24) through
// v2_6_24::module_put inside get_cpu()/put_cpu(): local_dec, then, once the module is GOING,
// wake_up_process(module->waiter), the rmmod sleeping in wait_for_zero_refcount.
void module_put(Ctx& c, Module* mod) {
  if (mod == nullptr) return;
  auto frame = c.ex.enter("module_put");
  ModuleHooks hooks(c, *mod);
  StepContext sc{&c.ex, &hooks};
  if (c.k.era == Era::V2_6_24) {
    preempt_disable(c, "module_put: cpu = get_cpu()");
    auto refs = stepped24(sc, *mod);
    const bool wake = v2_6_24::module_put(refs, static_cast<unsigned>(c.task.cpu));
    check_sum(c, *mod);
    if (wake) {
      c.ex.step(mod->o_waiter, Access::Write, "module_put: wake_up_process(module->waiter)");
      check_data(c, mod, "module_put: module->waiter");
      if (mod->waiter >= 0) c.k.tasks[static_cast<std::size_t>(mod->waiter)].sleeping = false;
    }
    preempt_enable(c, "module_put: put_cpu()");
  } else {
    auto refs = stepped(sc, *mod);
    modern::module_put(refs);
  }
  if (c.task.pins[mod->index] > 0) --c.task.pins[mod->index];
  update_window(c);
}

// Mirrors kernel/module/main.c strong_try_module_get() (≈v6.10; 2.6.24 returns 0 for failure):
// a module still in init (COMING) is refused, else try_module_get.
bool strong_try_module_get(Ctx& c, Module* mod) {
  if (mod == nullptr) return true;
  auto frame = c.ex.enter("strong_try_module_get");
  c.ex.step(mod->o_state, Access::Read, "strong_try_module_get: mod->state == MODULE_STATE_COMING?");
  check_data(c, mod, "strong_try_module_get: mod->state");
  if (mod->state == ModuleState::Coming) {
    c.ex.note("COMING: -EBUSY");
    return false;
  }
  return try_module_get(c, mod);
}

// Mirrors kernel/module/main.c try_release_module_ref() (≈v6.10) through
// modern::try_release_module_ref. Its BUG_ON is reported as refcount-bug. Its sites check no
// memory: only the rmmod running it could free the module, and it has not yet.
int try_release_module_ref(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("try_release_module_ref");
  ModuleHooks hooks(c, mod);
  StepContext sc{&c.ex, &hooks};
  auto refs = stepped(sc, mod);
  return modern::try_release_module_ref(refs);
}

// Mirrors kernel/module/main.c try_force_unload() with CONFIG_MODULE_FORCE_UNLOAD (both eras):
// O_TRUNC (rmmod -f) forces, and taints the kernel.
static bool try_force_unload(Ctx& c, Module& mod, const UnloadFlags& flags) {
  if (!flags.force) return false;
  c.ex.note("forced: add_taint(TAINT_FORCED_RMMOD)");
  mod.tainted = true;
  return true;
}

// Mirrors kernel/module/main.c try_stop_module() (≈v6.10): -EWOULDBLOCK while in use unless
// forced, else mod->state = MODULE_STATE_GOING.
int try_stop_module(Ctx& c, Module& mod, const UnloadFlags& flags, bool& forced) {
  auto frame = c.ex.enter("try_stop_module");
  if (try_release_module_ref(c, mod) != 0) {
    forced = try_force_unload(c, mod, flags);
    if (!forced) return -EWOULDBLOCK;
  }
  c.ex.step(mod.o_state, Access::Write, "try_stop_module: mod->state = MODULE_STATE_GOING");
  c.ex.note("state {} -> GOING", to_string(mod.state));
  mod.state = ModuleState::Going;
  return 0;
}

namespace {
// Mirrors kernel/module.c try_stop_module() and __try_stop_module() (2.6.24), run by
// stop_machine_run while every other CPU spins with interrupts off: with O_NONBLOCK and users,
// -EWOULDBLOCK unless forced; else GOING, users or not (rmmod --wait then waits for them).
int try_stop_module24(Ctx& c, Module& mod, const UnloadFlags& flags, bool& forced) {
  auto frame = c.ex.enter("try_stop_module");
  stop_machine_begin(c);  // stop_machine_run(__try_stop_module, ...)
  ModuleHooks hooks(c, mod);
  StepContext sc{&c.ex, &hooks};
  auto refs = stepped24(sc, mod);
  int ret = 0;
  if (flags.nonblock && v2_6_24::module_refcount(refs) != 0) {
    forced = try_force_unload(c, mod, flags);
    if (!forced) ret = -EWOULDBLOCK;
  }
  if (ret == 0) atomic_set(refs.state, ModuleState::Going, Site::V2624StopGoing);
  c.ex.local(0, ret);
  c.ex.local(1, forced);
  stop_machine_end(c);
  return ret;
}

// Mirrors kernel/module.c wait_for_zero_refcount() (2.6.24), entered with module_mutex held:
// sleep uninterruptibly until the sum is 0; each module_put on a GOING module wakes us.
void wait_for_zero_refcount(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("wait_for_zero_refcount");
  c.ex.unlock(c.k.o_module_mutex, "wait_for_zero_refcount: mutex_unlock(&module_mutex)");
  for (;;) {
    c.ex.step(mod.o_waiter, Access::Write, "wait_for_zero_refcount: set_current_state(TASK_UNINTERRUPTIBLE)");
    c.task.sleeping = true;
    if (module_refcount24(c, mod) == 0) break;
    const Task& me = c.task;
    c.ex.step_when(mod.o_waiter, Access::Read, "wait_for_zero_refcount: schedule(), until module_put wakes us",
                   [&me] { return !me.sleeping; });
  }
  c.task.sleeping = false;  // current->state = TASK_RUNNING
  c.ex.lock(c.k.o_module_mutex, "wait_for_zero_refcount: mutex_lock(&module_mutex)");
}
}  // namespace

// Mirrors kernel/module/main.c SYSCALL_DEFINE2(delete_module) D4-D17 (≈v6.10), and
// kernel/module.c sys_delete_module() D3-D13 (2.6.24), shared/KERNEL.md §3.1 and §3.4.
// D6-D8 (source_list, state, init/exit) are one step: they only read struct module under
// module_mutex, which every writer of those fields holds; a module on which others depend
// (ref_module) is refused with -EWOULDBLOCK. Modern kernels ignore O_NONBLOCK
// (no waiting unload since v3.13). Omitted: D1-D3 (capability, name copy, audit), the modern
// D12-D14 (notifiers, livepatch, ftrace, async_synchronize_full, taint), and modules without an
// exit function (every scenario module has one).
int delete_module(Ctx& c, Module& mod, const UnloadFlags& flags) {
  auto frame = c.ex.enter("delete_module");
  const ObjectId mutex = c.k.o_module_mutex;
  c.ex.lock(mutex, "delete_module: mutex_lock(&module_mutex)");
  c.ex.step(c.k.o_modules, Access::Read, "delete_module: find_module(name)");
  if (!mod.listed || mod.state == ModuleState::Unformed) {
    c.ex.note("{} not found", mod.def->name);
    c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex), -ENOENT");
    return -ENOENT;
  }
  c.ex.step(mod.o_state, Access::Read, "delete_module: check source_list, mod->state, mod->exit");
  check_data(c, &mod, "delete_module: mod->state");
  if (mod.users > 0) {
    // Other modules link against it (ref_module put them on mod->source_list).
    c.ex.note("{} module{} use{} it: source_list not empty", mod.users, mod.users == 1 ? "" : "s", mod.users == 1 ? "s" : "");
    c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex), -EWOULDBLOCK");
    return -EWOULDBLOCK;
  }
  if (mod.state != ModuleState::Live) {
    c.ex.note("state {}: not LIVE", to_string(mod.state));
    c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex), -EBUSY");
    return -EBUSY;
  }
  bool forced = false;
  if (c.k.era == Era::V2_6_24) {
    c.ex.step(mod.o_waiter, Access::Write, "delete_module: mod->waiter = current");
    mod.waiter = static_cast<int>(c.ex.self());
    const int stopped = try_stop_module24(c, mod, flags, forced);
    c.ex.local(0, forced);
    if (stopped != 0) {
      c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex), -EWOULDBLOCK");
      return -EWOULDBLOCK;
    }
    // D10: never with O_NONBLOCK unforced (the count was 0 under stop_machine); rmmod -w waits.
    if (!forced && !flags.nonblock && module_refcount24(c, mod) != 0) wait_for_zero_refcount(c, mod);
  } else if (try_stop_module(c, mod, flags, forced) != 0) {
    c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex), -EWOULDBLOCK");
    return -EWOULDBLOCK;
  }
  c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex)");
  c.task.unloading = true;
  run_callback(c, mod, Callback::Exit);
  if (c.k.era == Era::V2_6_24) {
    c.ex.lock(mutex, "delete_module: mutex_lock(&module_mutex) for free_module");
    free_module(c, mod);
    c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex)");
  } else {
    free_module(c, mod);
  }
  c.task.unloading = false;
  return 0;
}

namespace {
// The rest of the free of the module's data: every object that lives in it (struct module's
// fields, a static struct cdev) is written by the free, in the same atomic event as the step
// before, so that reduction orders each later read of them after the free. (Each read checks
// data_freed; a free that wrote only mod->o_data would look independent of a read of
// mod->state, and the search could skip the interleaving where that read comes after it.)
void release_data(Ctx& c, Module& mod) {
  c.ex.set_atomic(true);
  if (c.k.era == Era::V2_6_24) c.ex.step(mod.o_data, Access::Write, "free_module: ... fops and statics");
  c.ex.step(mod.o_state, Access::Write, "free_module: ... struct module");
  if (c.k.era == Era::V2_6_24) {
    for (std::size_t i = 0; i < kCpus; ++i) c.ex.step(mod.o_ref[i], Access::Write, "free_module: ... mod->ref[]");
    c.ex.step(mod.o_waiter, Access::Write, "free_module: ... mod->waiter");
  } else {
    c.ex.step(mod.o_refcnt, Access::Write, "free_module: ... mod->refcnt");
  }
  if (mod.cdev.home == &mod) c.ex.step(mod.o_cdev, Access::Write, "free_module: ... the static struct cdev");
  c.ex.set_atomic(false);
}
}  // namespace

// Mirrors kernel/module/main.c module_unload_free() (6.1; 2.6.24's is the same on
// modules_which_use_me): for each module this one used, module_put(it) and drop the use from its
// source_list, under module_mutex (2.6.24: free_module's caller holds it already).
void module_unload_free(Ctx& c, Module& mod) {
  if (mod.def->depends.empty()) return;
  auto frame = c.ex.enter("module_unload_free");
  const bool take = c.k.era == Era::Modern;
  if (take) c.ex.lock(c.k.o_module_mutex, "module_unload_free: mutex_lock(&module_mutex)");
  for (const std::size_t j : mod.def->depends) {
    Module& used = c.k.modules[j];
    c.ex.step(used.o_state, Access::Write, "module_unload_free: list_del(&use->source_list)");
    --used.users;
    module_put(c, &used);
  }
  if (take) c.ex.unlock(c.k.o_module_mutex, "module_unload_free: mutex_unlock(&module_mutex)");
}

// Mirrors kernel/module/main.c free_module() (≈v6.10) F3, F7 and F9 of shared/KERNEL.md §3.6,
// and kernel/module.c free_module() (2.6.24) F1 and F7 of §3.3 (called with module_mutex held).
// module_unload_free drops the uses of the modules it depends on. Omitted: sysfs teardown, arch
// cleanup, and synchronize_rcu unless some statement reads under RCU (symbol_get): no other RCU reader
// of the module list is modelled; the window's fibers are not in RCU read sections, which is
// exactly why the grace period does not protect them.
void free_module(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("free_module");
  if (c.k.era == Era::V2_6_24) {
    // F1: unlink with the whole machine stopped: no preempt-disabled span (the tail of a
    // module_put reading mod->waiter, a symbol_get) is still running when the memory goes.
    stop_machine_begin(c);  // stop_machine_run(__unlink_module, ...)
    c.ex.step(c.k.o_modules, Access::Write, "__unlink_module: list_del(&mod->list)");
    mod.listed = false;
    stop_machine_end(c);
    module_unload_free(c, mod);
    // F7: text, data and struct module are one allocation.
    c.ex.step(mod.o_text, Access::Write, "free_module: module_free(mod, mod->module_core)");
    c.ex.note("text, data and struct module freed");
    mod.text_freed = mod.data_freed = true;
    release_data(c, mod);
    return;
  }
  const ObjectId mutex = c.k.o_module_mutex;
  c.ex.lock(mutex, "free_module: mutex_lock(&module_mutex) to mark it UNFORMED");
  c.ex.step(mod.o_state, Access::Write, "free_module: mod->state = MODULE_STATE_UNFORMED");
  c.ex.note("state {} -> UNFORMED", to_string(mod.state));
  mod.state = ModuleState::Unformed;
  c.ex.unlock(mutex, "free_module: mutex_unlock(&module_mutex) after UNFORMED");
  module_unload_free(c, mod);
  c.ex.lock(mutex, "free_module: mutex_lock(&module_mutex) to unlink it");
  c.ex.step(c.k.o_modules, Access::Write, "free_module: list_del_rcu(&mod->list)");
  mod.listed = false;
  if (c.k.rcu_used) {
    const Kernel& k = c.k;
    c.ex.step_when(k.o_rcu, Access::Read, "free_module: synchronize_rcu()", [&k] { return k.rcu_readers == 0; });
  }
  c.ex.unlock(mutex, "free_module: mutex_unlock(&module_mutex) after list_del_rcu");
  c.ex.step(mod.o_text, Access::Write, "free_mod_mem: free module text and rodata");
  mod.text_freed = true;
  c.ex.step(mod.o_data, Access::Write, "free_mod_mem: free MOD_DATA (struct module, fops, statics)");
  mod.data_freed = true;
  release_data(c, mod);
}

// Mirrors kernel/module/main.c resolve_symbol() -> ref_module(a, b) (6.1; 2.6.24's use_module),
// with module_mutex held: the symbol is found unless b is not loaded (-ENOENT, "Unknown symbol");
// strong_try_module_get(b): -EBUSY while b is COMING, -ENOENT when b is going; then b's
// source_list gains the use, which keeps delete_module(b) away until a is freed.
int ref_module(Ctx& c, Module& a, Module& b) {
  auto frame = c.ex.enter("ref_module");
  c.ex.step(c.k.o_modules, Access::Read, "resolve_symbol: find_symbol()");
  if (!b.listed || b.state == ModuleState::Unformed) {
    c.ex.note("{}: Unknown symbol (module {} is not loaded)", a.def->name, b.def->name);
    return -ENOENT;
  }
  if (b.state == ModuleState::Coming) {
    c.ex.step(b.o_state, Access::Read, "strong_try_module_get: mod->state == MODULE_STATE_COMING?");
    c.ex.note("COMING: -EBUSY");
    return -EBUSY;
  }
  if (!strong_try_module_get(c, &b)) return -ENOENT;
  c.ex.step(b.o_state, Access::Write, "add_module_usage: list_add(&use->source_list, &b->source_list)");
  ++b.users;
  --c.task.pins[b.index];  // the reference belongs to module a from now on, not to the loader
  return 0;
}

// Mirrors kernel/module/main.c load_module() .. do_init_module() (≈v6.10) and kernel/module.c
// sys_init_module() (2.6.24), from the module's appearance on the list to its init reference
// being dropped: UNFORMED/COMING with refcnt MODULE_REF_BASE + 1 (2.6.24: this CPU's slot 1),
// ->init() in module text, then LIVE and module_put, or on failure GOING, module_put and
// free_module. Omitted: reading and relocating the image, sysfs, kallsyms, parameters.
int load_module(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("load_module");
  const ObjectId mutex = c.k.o_module_mutex;
  c.ex.lock(mutex, "load_module: mutex_lock(&module_mutex)");
  c.ex.step(c.k.o_modules, Access::Write, "load_module: list_add_rcu(&mod->list), MODULE_STATE_COMING");
  if (mod.listed) {
    c.ex.note("{} is already loaded", mod.def->name);
    c.ex.unlock(mutex, "load_module: mutex_unlock(&module_mutex), -EEXIST");
    return -EEXIST;
  }
  mod.listed = true;
  mod.ever_loaded = true;
  mod.state = ModuleState::Coming;
  mod.text_freed = mod.data_freed = false;
  mod.refcnt = MODULE_REF_BASE + 1;  // module_unload_init: hold a reference during init
  for (auto& r : mod.ref) r = 0;
  mod.ref[c.task.cpu] = 1;
  for (const std::size_t j : mod.def->depends) {
    const int err = ref_module(c, mod, c.k.modules[j]);
    if (err == 0) continue;
    // The symbols did not resolve: undo the uses taken so far and unlink the module.
    for (const std::size_t k : mod.def->depends) {
      if (k == j) break;
      --c.k.modules[k].users;
      module_put(c, &c.k.modules[k]);
    }
    c.ex.step(c.k.o_modules, Access::Write, "load_module: free_module: list_del_rcu(&mod->list)");
    mod.listed = false;
    mod.state = ModuleState::Unformed;
    c.ex.unlock(mutex, "load_module: mutex_unlock(&module_mutex), unknown symbol");
    return err;
  }
  c.ex.unlock(mutex, "load_module: mutex_unlock(&module_mutex)");
  ++c.task.pins[mod.index];
  const auto ret = run_callback(c, mod, Callback::Init);
  c.ex.local(0, ret);
  if (ret != 0) {
    c.ex.step(mod.o_state, Access::Write, "do_init_module: init failed, mod->state = MODULE_STATE_GOING");
    mod.state = ModuleState::Going;
    module_put(c, &mod);
    c.ex.lock(mutex, "do_init_module: mutex_lock(&module_mutex) for free_module");
    c.task.unloading = true;
    if (c.k.era == Era::V2_6_24) {
      free_module(c, mod);
      c.ex.unlock(mutex, "do_init_module: mutex_unlock(&module_mutex)");
    } else {
      c.ex.unlock(mutex, "do_init_module: mutex_unlock(&module_mutex)");
      free_module(c, mod);
    }
    c.task.unloading = false;
    return static_cast<int>(ret);
  }
  c.ex.lock(mutex, "do_init_module: mutex_lock(&module_mutex)");
  c.ex.step(mod.o_state, Access::Write, "do_init_module: mod->state = MODULE_STATE_LIVE");
  c.ex.note("state COMING -> LIVE");
  mod.state = ModuleState::Live;
  module_put(c, &mod);  // Drop initial reference.
  c.ex.unlock(mutex, "do_init_module: mutex_unlock(&module_mutex)");
  return 0;
}

// Mirrors kernel/module/main.c module_refcount() (≈v6.10) and kernel/module.c module_refcount()
// (2.6.24), as m_show prints it in /proc/modules (" %i " / " %u "), read under module_mutex as
// the seq_file's m_start takes it. kNotListed: the module is not on the list.
std::int64_t proc_modules_refcount(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("m_show");
  const ObjectId mutex = c.k.o_module_mutex;
  c.ex.lock(mutex, "m_start: mutex_lock(&module_mutex)");
  c.ex.step(c.k.o_modules, Access::Read, "m_show: list_for_each_entry(mod, &modules, list)");
  std::int64_t v = kNotListed;
  if (mod.listed && mod.state != ModuleState::Unformed) {
    if (c.k.era == Era::V2_6_24) {
      v = module_refcount24(c, mod);
    } else {
      c.ex.step(mod.o_refcnt, Access::Read, "module_refcount: atomic_read(&mod->refcnt) - MODULE_REF_BASE");
      v = mod.refcnt - MODULE_REF_BASE;
      c.ex.note("{}", v);
    }
  }
  c.ex.local(0, v);
  c.ex.unlock(mutex, "m_stop: mutex_unlock(&module_mutex)");
  return v;
}

}  // namespace rw::models
