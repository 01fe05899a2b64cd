// models/module.cpp: module reference counting and delete_module, modern era.
// Each ex.step() is one atomic kernel operation; the label names the kernel function. The
// refcount algorithms themselves are models/refcount.hpp's, stepped by models/atomic_stepped.hpp.
#include "models/module.hpp"

#include "models/atomic_stepped.hpp"
#include "models/char_dev.hpp"
#include "models/errno.hpp"
#include "models/refcount.hpp"

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

// The module's state and refcnt as the stepped instantiation of models/refcount.hpp sees them.
modern::Module<SteppedAtomic> stepped(StepContext& sc, Module& mod) {
  return {.state = {&sc, &mod.state, mod.o_state, "state"}, .refcnt = {&sc, &mod.refcnt, mod.o_refcnt, "refcnt"}};
}
}  // namespace

// The four refcount primitives run the algorithms of models/refcount.hpp, the very code that
// bench/ times on real threads, with one step per atomic operation (models/atomic_stepped.hpp).
// What is added here is the model's bookkeeping: the NULL module, the fiber's position (its
// frame), the pins the task holds and its race window.

// Mirrors kernel/module/main.c try_module_get() (≈v6.10) through modern::try_module_get.
// try_module_get(NULL) succeeds and pins nothing: that is what a NULL owner means.
bool try_module_get(Ctx& c, Module* mod) {
  if (mod == nullptr) return true;
  auto frame = c.ex.enter("try_module_get");
  ModuleHooks hooks(c, *mod);
  StepContext sc{&c.ex, &hooks};
  auto refs = stepped(sc, *mod);
  if (!modern::try_module_get(refs)) return false;
  ++c.task.pins;
  update_window(c);
  return true;
}

// Mirrors kernel/module/main.c __module_get() (≈v6.10) through modern::__module_get.
void __module_get(Ctx& c, Module* mod) {
  if (mod == nullptr) return;
  auto frame = c.ex.enter("__module_get");
  ModuleHooks hooks(c, *mod);
  StepContext sc{&c.ex, &hooks};
  auto refs = stepped(sc, *mod);
  modern::__module_get(refs);
  ++c.task.pins;
  update_window(c);
}

// Mirrors kernel/module/main.c module_put() (≈v6.10) through modern::module_put. Its WARN is
// reported as refcount-underflow.
void module_put(Ctx& c, Module* mod) {
  if (mod == nullptr) return;
  auto frame = c.ex.enter("module_put");
  ModuleHooks hooks(c, *mod);
  StepContext sc{&c.ex, &hooks};
  auto refs = stepped(sc, *mod);
  modern::module_put(refs);
  if (c.task.pins > 0) --c.task.pins;
  update_window(c);
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
