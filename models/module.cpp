// models/module.cpp: module reference counting and delete_module, modern era.
// Each ex.step() is one atomic kernel operation; the label names the kernel function.
#include "models/module.hpp"

#include "models/char_dev.hpp"
#include "models/errno.hpp"

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

void update_window(Ctx& c) {
  const bool uses = c.task.in_module != nullptr || c.task.holds != nullptr;
  c.ex.set_window(uses && c.task.pins == 0 && !c.task.unloading);
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

// Mirrors kernel/module/main.c try_module_get() (≈v6.10): module_is_live(), then
// atomic_inc_not_zero(&module->refcnt). The CAS is the linearization point; the state check is
// an early-out. try_module_get(NULL) succeeds and pins nothing: that is what a NULL owner means.
// Omitted: trace_module_get (reads nothing the window depends on).
bool try_module_get(Ctx& c, Module* mod) {
  if (mod == nullptr) return true;
  auto frame = c.ex.enter("try_module_get");
  c.ex.step(mod->o_state, Access::Read, "try_module_get: module_is_live(mod)");
  check_data(c, mod, "try_module_get: mod->state");
  if (mod->state == ModuleState::Going) {
    c.ex.note("state GOING: fails");
    return false;
  }
  c.ex.step(mod->o_refcnt, Access::ReadModifyWrite, "try_module_get: atomic_inc_not_zero(&mod->refcnt)");
  check_data(c, mod, "try_module_get: mod->refcnt");
  if (mod->refcnt == 0) {
    c.ex.note("refcnt 0: fails");
    return false;
  }
  c.ex.note("refcnt {} -> {}", mod->refcnt, mod->refcnt + 1);
  ++mod->refcnt;
  ++c.task.pins;
  update_window(c);
  return true;
}

// Mirrors kernel/module/main.c __module_get() (≈v6.10): an unconditional atomic_inc.
void __module_get(Ctx& c, Module* mod) {
  if (mod == nullptr) return;
  auto frame = c.ex.enter("__module_get");
  c.ex.step(mod->o_refcnt, Access::ReadModifyWrite, "__module_get: atomic_inc(&mod->refcnt)");
  check_data(c, mod, "__module_get: mod->refcnt");
  c.ex.note("refcnt {} -> {}", mod->refcnt, mod->refcnt + 1);
  ++mod->refcnt;
  ++c.task.pins;
  update_window(c);
}

// Mirrors kernel/module/main.c module_put() (≈v6.10): atomic_dec_if_positive, then
// WARN_ON(ret < 0) "Failed to put refcount". The WARN is reported as refcount-underflow.
// Omitted: trace_module_put.
void module_put(Ctx& c, Module* mod) {
  if (mod == nullptr) return;
  auto frame = c.ex.enter("module_put");
  c.ex.step(mod->o_refcnt, Access::ReadModifyWrite, "module_put: atomic_dec_if_positive(&mod->refcnt)");
  check_data(c, mod, "module_put: mod->refcnt");
  if (mod->refcnt <= 0)
    c.ex.fail(kRefcountUnderflow,
              fmt::format("module_put: WARN_ON(ret < 0): refcnt of {} is {}, failed to put refcount",
                          mod->def->name, mod->refcnt));
  c.ex.note("refcnt {} -> {}", mod->refcnt, mod->refcnt - 1);
  --mod->refcnt;
  if (c.task.pins > 0) --c.task.pins;
  update_window(c);
}

// Mirrors kernel/module/main.c try_release_module_ref() (≈v6.10): atomic_sub_return of the
// base, BUG_ON(ret < 0), and if users remain the atomic_add_unless(.., 0) recovery, which fails
// when a concurrent module_put dropped the last user between the two steps.
int try_release_module_ref(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("try_release_module_ref");
  c.ex.step(mod.o_refcnt, Access::ReadModifyWrite,
            "try_release_module_ref: atomic_sub_return(MODULE_REF_BASE, &mod->refcnt)");
  const int ret = mod.refcnt - MODULE_REF_BASE;
  c.ex.note("refcnt {} -> {}", mod.refcnt, ret);
  mod.refcnt = ret;
  if (ret < 0)
    c.ex.fail(kRefcountBug, fmt::format("try_release_module_ref: BUG_ON(ret < 0): refcnt of {} went to {}",
                                        mod.def->name, ret));
  if (ret == 0) return 0;
  c.ex.step(mod.o_refcnt, Access::ReadModifyWrite,
            "try_release_module_ref: atomic_add_unless(&mod->refcnt, MODULE_REF_BASE, 0)");
  if (mod.refcnt == 0) {
    c.ex.note("refcnt 0: the last user put it meanwhile; unload goes on");
    return 0;
  }
  c.ex.note("refcnt {} -> {}: in use", mod.refcnt, mod.refcnt + MODULE_REF_BASE);
  mod.refcnt += MODULE_REF_BASE;
  return 1;
}

// Mirrors kernel/module/main.c try_stop_module() (≈v6.10) without forcing: -EWOULDBLOCK while
// in use, else mod->state = MODULE_STATE_GOING. Omitted: try_force_unload (rmmod -f, issue #4).
int try_stop_module(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("try_stop_module");
  if (try_release_module_ref(c, mod) != 0) return -EWOULDBLOCK;
  c.ex.step(mod.o_state, Access::Write, "try_stop_module: mod->state = MODULE_STATE_GOING");
  c.ex.note("state {} -> GOING", to_string(mod.state));
  mod.state = ModuleState::Going;
  return 0;
}

// Mirrors kernel/module/main.c SYSCALL_DEFINE2(delete_module) D4-D17 (≈v6.10), flags O_NONBLOCK.
// D6-D8 (source_list, state, init/exit) are one step: they only read struct module under
// module_mutex, which every writer of those fields holds. Omitted: D1-D3 (capability, name
// copy, audit), D12-D14 (notifiers, livepatch, ftrace, async_synchronize_full, taint): core
// work that touches no object of the window.
int delete_module(Ctx& c, Module& mod) {
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
  if (mod.state != ModuleState::Live) {
    c.ex.note("state {}: not LIVE", to_string(mod.state));
    c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex), -EBUSY");
    return -EBUSY;
  }
  if (try_stop_module(c, mod) != 0) {
    c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex), -EWOULDBLOCK");
    return -EWOULDBLOCK;
  }
  c.ex.unlock(mutex, "delete_module: mutex_unlock(&module_mutex)");
  c.task.unloading = true;
  run_callback(c, mod, Callback::Exit);
  free_module(c, mod);
  c.task.unloading = false;
  return 0;
}

// Mirrors kernel/module/main.c free_module() (≈v6.10) F3, F7 and F9 of shared/KERNEL.md §3.6.
// Omitted: sysfs teardown, arch cleanup, module_unload_free (no module uses another here),
// synchronize_rcu (no RCU reader of the module list is modelled: the window's fibers are not
// in RCU read sections, which is exactly why the grace period does not protect them).
void free_module(Ctx& c, Module& mod) {
  auto frame = c.ex.enter("free_module");
  const ObjectId mutex = c.k.o_module_mutex;
  c.ex.lock(mutex, "free_module: mutex_lock(&module_mutex) to mark it UNFORMED");
  c.ex.step(mod.o_state, Access::Write, "free_module: mod->state = MODULE_STATE_UNFORMED");
  c.ex.note("state {} -> UNFORMED", to_string(mod.state));
  mod.state = ModuleState::Unformed;
  c.ex.unlock(mutex, "free_module: mutex_unlock(&module_mutex) after UNFORMED");
  c.ex.lock(mutex, "free_module: mutex_lock(&module_mutex) to unlink it");
  c.ex.step(c.k.o_modules, Access::Write, "free_module: list_del_rcu(&mod->list)");
  mod.listed = false;
  c.ex.unlock(mutex, "free_module: mutex_unlock(&module_mutex) after list_del_rcu");
  c.ex.step(mod.o_text, Access::Write, "free_mod_mem: free module text and rodata");
  mod.text_freed = true;
  c.ex.step(mod.o_data, Access::Write, "free_mod_mem: free MOD_DATA (struct module, fops, statics)");
  mod.data_freed = true;
}

// The module's own code: every statement is one step of module text (checked against
// free_module), followed by the kernel calls it makes. The task counts as inside the module
// from the first statement to the return, which is what the trace's window shows.
std::int64_t run_callback(Ctx& c, Module& m, Callback which) {
  const ModuleDef& d = *m.def;
  const auto& [body, labels, fn] = [&]() -> std::tuple<const std::vector<Statement>&,
                                                        const std::vector<engine::Label>&, engine::Label> {
    switch (which) {
      case Callback::Open: return {d.open, m.labels.open, m.labels.call_open};
      case Callback::Release: return {d.release, m.labels.release, m.labels.call_release};
      case Callback::Read: return {d.read, m.labels.read, m.labels.call_read};
      case Callback::Exit: break;
    }
    return {d.exit, m.labels.exit, m.labels.call_exit};
  }();
  auto frame = c.ex.enter(fn);
  Module* const outer = c.task.in_module;
  c.task.in_module = &m;
  update_window(c);
  std::int64_t ret = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const Statement& s = body[i];
    c.ex.at(static_cast<std::uint32_t>(i));
    c.ex.step(m.o_text, Access::Read, labels[i]);
    check_text(c, m, labels[i].text);
    switch (s.kind) {
      case Statement::Kind::TryModuleGet:
        // LKMPG ignores the result; `if (!try_module_get(..))` is issue #4's statement language.
        try_module_get(c, &m);
        break;
      case Statement::Kind::ModuleGet: __module_get(c, &m); break;
      case Statement::Kind::ModulePut: module_put(c, &m); break;
      case Statement::Kind::Work: break;
      case Statement::Kind::UnregisterChrdev: unregister_chrdev(c, m); break;
      case Statement::Kind::CdevDel: cdev_del(c, m.cdev); break;
      case Statement::Kind::Return:
        ret = s.value;
        i = body.size();
        break;
    }
  }
  c.task.in_module = outer;
  update_window(c);
  return ret;
}

}  // namespace rw::models
