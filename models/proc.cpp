// models/proc.cpp: a module's /proc entry in both eras (shared/KERNEL.md §5).
// 2.6.24: proc_dir_entry->owner pins the module per inode (proc_get_inode .. proc_delete_inode),
// and the proc_reg_* wrappers count callers in pde_users, which remove_proc_entry drains.
// Modern: no pin at all; use_pde/unuse_pde brackets every call, proc_entry_rundown drains them
// and runs ->proc_release for files still open, whose later reads get -EIO.
#include "models/proc.hpp"

#include "models/errno.hpp"
#include "models/module.hpp"
#include "models/statements.hpp"

namespace rw::models {
using engine::Access;

namespace {
bool old(const Ctx& c) { return c.k.era == Era::V2_6_24; }

// A call into the module's handler from a proc wrapper. The wrapper's bracket (pde_users,
// use_pde) keeps remove_proc_entry, hence exit() and free_module, from passing: the task is
// protected without a pin, which the trace's window shows.
std::int64_t call_handler(Ctx& c, Module& m, Callback which) {
  const bool was = c.task.unloading;
  c.task.unloading = true;  // not a race window: the drain protects it
  const auto ret = run_callback(c, m, which);
  c.task.unloading = was;
  return ret;
}

// Mirrors fs/proc/inode.c pde_users_dec() (2.6.24): pde_users--, and complete the remover's
// completion at zero, under pde_unload_lock.
void pde_users_dec(Ctx& c, Module& m) {
  c.ex.lock(m.o_pde_lock, "pde_users_dec: spin_lock(&pde->pde_unload_lock)");
  c.ex.step(m.o_proc, Access::ReadModifyWrite, "pde_users_dec: pde->pde_users--; complete() if unloading and 0");
  --m.proc.pde_users;
  c.ex.unlock(m.o_pde_lock, "pde_users_dec: spin_unlock(&pde->pde_unload_lock)");
}

// The entry half of every 2.6.24 proc_reg_* wrapper: false when remove_proc_entry has cleared
// proc_fops (the caller then returns its fallback value).
bool pde_users_inc(Ctx& c, Module& m, engine::Label label) {
  c.ex.lock(m.o_pde_lock, "proc_reg: spin_lock(&pde->pde_unload_lock)");
  c.ex.step(m.o_proc, Access::ReadModifyWrite, label);
  const bool ok = m.proc.fops_present;
  if (ok) ++m.proc.pde_users;
  else c.ex.note("proc_fops is NULL: the module is gone");
  c.ex.local(0, ok);
  c.ex.unlock(m.o_pde_lock, "proc_reg: spin_unlock(&pde->pde_unload_lock)");
  return ok;
}

// Mirrors fs/proc/internal.h use_pde(): atomic_inc_unless_negative(&pde->in_use).
bool use_pde(Ctx& c, Module& m, engine::Label label) {
  c.ex.step(m.o_proc, Access::ReadModifyWrite, label);
  if (m.proc.unloading) {
    c.ex.narrow_access(Access::Read);
    c.ex.note("in_use is negative: the entry is going");
    return false;
  }
  ++m.proc.in_use;
  return true;
}

// Mirrors fs/proc/inode.c unuse_pde(): atomic_dec_return(&pde->in_use) == BIAS -> complete.
void unuse_pde(Ctx& c, Module& m) {
  c.ex.step(m.o_proc, Access::ReadModifyWrite, "unuse_pde: atomic_dec_return(&pde->in_use), complete() at BIAS");
  --m.proc.in_use;
}

// Mirrors fs/proc/inode.c close_pdeo() (modern), entered with pde_unload_lock held and leaving it
// released: if somebody else is already releasing the file, wait for them; else mark it
// closing, call ->proc_release, unlink the opener and complete whoever waits.
void close_pdeo(Ctx& c, Module& m, Task& opener) {
  auto frame = c.ex.enter("close_pdeo");
  if (opener.pdeo_closing) {
    c.ex.unlock(m.o_pde_lock, "close_pdeo: spin_unlock(&pde->pde_unload_lock), another closer runs ->proc_release");
    const Task& o = opener;
    c.ex.step_when(m.o_proc, Access::Read, "close_pdeo: wait_for_completion(&c) until the other closer is done",
                   [&o] { return !o.pdeo; });
    return;
  }
  c.ex.step(m.o_proc, Access::Write, "close_pdeo: pdeo->closing = true");
  opener.pdeo_closing = true;
  c.ex.unlock(m.o_pde_lock, "close_pdeo: spin_unlock(&pde->pde_unload_lock)");
  if (m.def->proc.has_release) call_handler(c, m, Callback::ProcRelease);
  c.ex.lock(m.o_pde_lock, "close_pdeo: spin_lock(&pde->pde_unload_lock)");
  c.ex.step(m.o_proc, Access::Write, "close_pdeo: list_del(&pdeo->lh); complete(pdeo->c) if set");
  opener.pdeo = false;
  opener.pdeo_closing = false;
  c.ex.unlock(m.o_pde_lock, "close_pdeo: spin_unlock(&pde->pde_unload_lock)");
}

// The 2.6.24 dentry's last dput: proc_delete_dentry says drop it, the inode goes, and
// proc_delete_inode puts the owner it reads *now* (W16: not necessarily the one it pinned).
void dput24(Ctx& c, Module& m) {
  auto frame = c.ex.enter("dput");
  c.ex.step(m.o_proc, Access::ReadModifyWrite, "dput: d_count--; at 0 proc_delete_dentry drops the dentry");
  if (--m.proc.dentry_refs > 0) return;
  c.ex.step(m.o_proc, Access::Read, "proc_delete_inode: if (de->owner) module_put(de->owner)");
  Module* owner = m.proc.owner_set ? &m : nullptr;
  c.ex.note("de->owner {}", owner ? m.def->name : "NULL");
  m.proc.inode_pinned = false;
  module_put(c, owner);
}
}  // namespace

// Mirrors fs/proc/generic.c create_proc_entry() + proc_register() (2.6.24) and proc_create()
// (modern): link the entry under proc_subdir_lock; from then on lookups find it. 2.6.24's
// create_proc_entry leaves ->owner NULL: the caller sets it afterwards (W16) unless
// `with_owner` (the entry is registered with its owner, as proc_create does with fops).
void create_proc_entry(Ctx& c, Module& m, bool with_owner) {
  auto frame = c.ex.enter(old(c) ? engine::Label("create_proc_entry") : engine::Label("proc_create"));
  c.ex.lock(c.k.o_proc_subdir_lock, "proc_register: spin_lock(&proc_subdir_lock)");
  c.ex.step(m.o_proc, Access::Write, "proc_register: link the entry into its parent");
  m.proc.registered = true;
  m.proc.fops_present = true;
  m.proc.unloading = false;
  m.proc.in_use = 0;
  m.proc.owner_set = with_owner && m.def->proc.owner == Owner::ThisModule;
  c.ex.unlock(c.k.o_proc_subdir_lock, "proc_register: spin_unlock(&proc_subdir_lock)");
}

// Mirrors fs/proc/generic.c remove_proc_entry(): 2.6.24 clears proc_fops ("Stop accepting new
// callers into module") and waits for pde_users to drain; modern runs proc_entry_rundown: BIAS
// makes use_pde fail, wait for in-flight callers, then close_pdeo every opener left.
void remove_proc_entry(Ctx& c, Module& m) {
  auto frame = c.ex.enter("remove_proc_entry");
  Kernel& k = c.k;
  c.ex.lock(k.o_proc_subdir_lock, old(c) ? engine::Label("remove_proc_entry: spin_lock(&proc_subdir_lock)")
                                          : engine::Label("remove_proc_entry: write_lock(&proc_subdir_lock)"));
  c.ex.step(m.o_proc, Access::Write, "remove_proc_entry: unlink the entry from its parent");
  m.proc.registered = false;
  if (old(c)) {
    c.ex.lock(m.o_pde_lock, "remove_proc_entry: spin_lock(&de->pde_unload_lock)");
    c.ex.step(m.o_proc, Access::Write, "remove_proc_entry: de->proc_fops = NULL");
    m.proc.fops_present = false;
    const bool wait = m.proc.pde_users > 0;
    if (wait) m.proc.unloading = true;
    c.ex.local(0, wait);
    c.ex.unlock(m.o_pde_lock, "remove_proc_entry: spin_unlock(&de->pde_unload_lock)");
    if (wait) {
      c.ex.unlock(k.o_proc_subdir_lock, "remove_proc_entry: spin_unlock(&proc_subdir_lock)");
      const ProcEntry& e = m.proc;
      c.ex.step_when(m.o_proc, Access::Read, "remove_proc_entry: wait_for_completion(pde_unload_completion)",
                     [&e] { return e.pde_users == 0; });
      c.ex.lock(k.o_proc_subdir_lock, "remove_proc_entry: spin_lock(&proc_subdir_lock)");
    }
    c.ex.unlock(k.o_proc_subdir_lock, "remove_proc_entry: spin_unlock(&proc_subdir_lock)");
    return;
  }
  c.ex.unlock(k.o_proc_subdir_lock, "remove_proc_entry: write_unlock(&proc_subdir_lock)");
  auto inner = c.ex.enter("proc_entry_rundown");
  c.ex.step(m.o_proc, Access::ReadModifyWrite, "proc_entry_rundown: atomic_add_return(BIAS, &de->in_use)");
  m.proc.unloading = true;
  if (m.proc.in_use != 0) {
    c.ex.note("{} caller(s) inside the module: wait", m.proc.in_use);
    const ProcEntry& e = m.proc;
    c.ex.step_when(m.o_proc, Access::Read, "proc_entry_rundown: wait_for_completion(&c) until in_use is BIAS",
                   [&e] { return e.in_use == 0; });
  }
  // "->pde_openers list can't grow from now on": release each file still open.
  for (;;) {
    c.ex.lock(m.o_pde_lock, "proc_entry_rundown: spin_lock(&de->pde_unload_lock)");
    c.ex.step(m.o_proc, Access::Read, "proc_entry_rundown: list_first_entry(&de->pde_openers)");
    std::size_t f = 0;
    while (f < k.tasks.size() && !(k.tasks[f].pdeo && k.tasks[f].proc == &m)) ++f;
    if (f == k.tasks.size()) {
      c.ex.unlock(m.o_pde_lock, "proc_entry_rundown: spin_unlock(&de->pde_unload_lock)");
      break;
    }
    c.ex.local(0, static_cast<std::int64_t>(f));
    c.ex.note("releases {}'s file", c.ex.fiber_name(static_cast<engine::FiberId>(f)));
    close_pdeo(c, m, k.tasks[f]);
  }
}

// open("/proc/<name>"): the lookup, then __dentry_open with the core proc_reg_file_ops and
// proc_reg_open. 2.6.24: proc_lookup -> proc_get_inode pins de->owner once per inode (a second
// opener of the same path reuses the cached dentry and adds nothing); a failed pin is -EINVAL.
// Modern: proc_lookup_de, no pin; proc_reg_open brackets ->proc_open with use_pde and records
// a pde_opener when the module has ->proc_release.
// 2.6.24's proc_lookup runs under lock_kernel(), modelled as the spinlock the BKL is without
// CONFIG_PREEMPT_BKL (nothing sleeps in it). Omitted: the path walk itself, security hooks,
// kmalloc failures.
int proc_open(Ctx& c, Module& m) {
  auto frame = c.ex.enter("proc_open");
  Kernel& k = c.k;
  c.task.kind = FileKind::Proc;
  c.task.proc = &m;
  if (old(c)) {
    c.ex.lock(k.o_proc_dir_mutex, "real_lookup: mutex_lock(&dir->i_mutex)");
    c.ex.step(m.o_proc, Access::ReadModifyWrite, "d_lookup: a cached dentry for the name? dget() it");
    if (m.proc.dentry_refs > 0) {
      ++m.proc.dentry_refs;
      c.ex.note("cached: no new inode, no new pin");
    } else {
      auto inner = c.ex.enter("proc_lookup");
      // The big kernel lock, a spinlock (CONFIG_PREEMPT_BKL=n): preemption stays off from the
      // lookup to the pin, so stop_machine cannot free the module between reading de->owner and
      // try_module_get. (With CONFIG_PREEMPT_BKL=y the BKL is a semaphore and that gap is open.)
      preempt_disable(c, "proc_lookup: lock_kernel()");
      c.ex.lock(k.o_proc_subdir_lock, "proc_lookup: spin_lock(&proc_subdir_lock)");
      c.ex.step(m.o_proc, Access::ReadModifyWrite, "proc_lookup: find the entry, de_get(de)");
      const bool found = m.proc.registered;
      c.ex.local(0, found);
      c.ex.unlock(k.o_proc_subdir_lock, "proc_lookup: spin_unlock(&proc_subdir_lock)");
      if (!found) {
        preempt_enable(c, "proc_lookup: unlock_kernel(), -ENOENT");
        c.ex.unlock(k.o_proc_dir_mutex, "real_lookup: mutex_unlock(&dir->i_mutex), -ENOENT");
        c.task.kind = FileKind::None;
        c.task.proc = nullptr;
        return -ENOENT;
      }
      {
        c.ex.step(m.o_proc, Access::Read, "proc_get_inode: try_module_get(de->owner)");
        Module* owner = m.proc.owner_set ? &m : nullptr;
        c.ex.note("de->owner {}", owner ? m.def->name : "NULL: nothing to pin");
        if (!try_module_get(c, owner)) {
          preempt_enable(c, "proc_lookup: de_put(de), unlock_kernel(), -EINVAL");
          c.ex.unlock(k.o_proc_dir_mutex, "real_lookup: mutex_unlock(&dir->i_mutex), -EINVAL");
          c.task.kind = FileKind::None;
          c.task.proc = nullptr;
          return -EINVAL;
        }
        m.proc.inode_pinned = owner != nullptr;
        m.proc.dentry_refs = 1;
      }
      preempt_enable(c, "proc_lookup: unlock_kernel()");
    }
    c.ex.unlock(k.o_proc_dir_mutex, "real_lookup: mutex_unlock(&dir->i_mutex)");
    c.task.file_open = true;
    // proc_reg_open: the module's ->open inside the pde_users bracket.
    if (!pde_users_inc(c, m, "proc_reg_open: if (!pde->proc_fops) return 0; pde->pde_users++")) return 0;
    std::int64_t rv = 0;
    if (m.def->proc.has_open) rv = call_handler(c, m, Callback::ProcOpen);
    c.ex.local(1, rv);
    pde_users_dec(c, m);
    if (rv != 0) {
      c.task.file_open = false;
      dput24(c, m);
      c.task.kind = FileKind::None;
      c.task.proc = nullptr;
    }
    return static_cast<int>(rv);
  }
  c.ex.lock(k.o_proc_subdir_lock, "proc_lookup_de: read_lock(&proc_subdir_lock)");
  c.ex.step(m.o_proc, Access::Read, "proc_lookup_de: pde_subdir_find, pde_get");
  const bool found = m.proc.registered;
  c.ex.local(0, found);
  c.ex.unlock(k.o_proc_subdir_lock, "proc_lookup_de: read_unlock(&proc_subdir_lock)");
  if (!found || !use_pde(c, m, "proc_reg_open: use_pde(pde)")) {
    c.task.kind = FileKind::None;
    c.task.proc = nullptr;
    return -ENOENT;
  }
  std::int64_t rv = 0;
  if (m.def->proc.has_open) rv = call_handler(c, m, Callback::ProcOpen);
  c.ex.local(1, rv);
  if (rv == 0 && m.def->proc.has_release) {
    c.ex.lock(m.o_pde_lock, "proc_reg_open: spin_lock(&pde->pde_unload_lock)");
    c.ex.step(m.o_proc, Access::Write, "proc_reg_open: list_add(&pdeo->lh, &pde->pde_openers)");
    c.task.pdeo = true;
    c.ex.unlock(m.o_pde_lock, "proc_reg_open: spin_unlock(&pde->pde_unload_lock)");
  }
  unuse_pde(c, m);
  if (rv != 0) {
    c.task.kind = FileKind::None;
    c.task.proc = nullptr;
    return static_cast<int>(rv);
  }
  c.task.file_open = true;
  return 0;
}

// read(2) on the open /proc file: proc_reg_read, the handler inside the bracket, or the
// fallback -EIO once the entry is going.
int proc_read(Ctx& c) {
  Module& m = *c.task.proc;
  auto frame = c.ex.enter("proc_reg_read");
  const bool in = old(c) ? pde_users_inc(c, m, "proc_reg_read: if (!pde->proc_fops) return -EIO; pde->pde_users++")
                         : use_pde(c, m, "proc_reg_read: use_pde(pde)");
  if (!in) return -EIO;
  std::int64_t rv = -EINVAL;
  if (m.def->proc.has_read) rv = call_handler(c, m, Callback::ProcRead);
  c.ex.local(0, rv);
  if (old(c)) pde_users_dec(c, m);
  else unuse_pde(c, m);
  return static_cast<int>(rv);
}

// close(2): __fput -> proc_reg_release. 2.6.24: ->release inside the bracket (skipped once
// proc_fops is NULL), then the dentry's dput, which may drop the inode's pin. Modern: find our
// pde_opener and close_pdeo it; nothing to do if the rundown already released the file.
int proc_close(Ctx& c) {
  Module& m = *c.task.proc;
  auto frame = c.ex.enter("__fput");
  c.task.file_open = false;
  if (old(c)) {
    {
      auto inner = c.ex.enter("proc_reg_release");
      if (pde_users_inc(c, m, "proc_reg_release: if (!pde->proc_fops) return 0; pde->pde_users++")) {
        if (m.def->proc.has_release) call_handler(c, m, Callback::ProcRelease);
        pde_users_dec(c, m);
      }
    }
    dput24(c, m);
  } else {
    auto inner = c.ex.enter("proc_reg_release");
    c.ex.lock(m.o_pde_lock, "proc_reg_release: spin_lock(&pde->pde_unload_lock)");
    c.ex.step(m.o_proc, Access::Read, "proc_reg_release: find our pde_opener");
    if (c.task.pdeo) close_pdeo(c, m, c.task);
    else c.ex.unlock(m.o_pde_lock, "proc_reg_release: spin_unlock(&pde->pde_unload_lock), nothing to release");
  }
  c.task.kind = FileKind::None;
  c.task.proc = nullptr;
  return 0;
}

}  // namespace rw::models
