// models/char_dev.cpp
#include "models/char_dev.hpp"

#include "models/errno.hpp"
#include "models/module.hpp"
#include "models/statements.hpp"
#include "models/vfs.hpp"

namespace rw::models {
using engine::Access;

std::int64_t cdev_index(const Kernel& k, const Cdev* p) {
  for (std::size_t i = 0; i < k.modules.size(); ++i)
    if (&k.modules[i].cdev == p) return static_cast<std::int64_t>(i) + 1;
  return 0;
}

namespace {
Module& cdev_module(Kernel& k, Cdev& p) { return k.modules.at(static_cast<std::size_t>(cdev_index(k, &p) - 1)); }

// A struct cdev lives in its module's data (cdev_init on a static) or in core memory (cdev_alloc).
void check_cdev(Ctx& c, Cdev& p, std::string_view what) {
  check_data(c, p.home, what);
  if (p.freed) c.ex.fail(kCdevAfterFree, fmt::format("{} reads a struct cdev that kfree released", what));
}
}  // namespace

// Mirrors fs/char_dev.c cdev_get() (both eras): pin cdev->owner, then take a kobject reference.
// Omitted: the module_put when kobject_get returns NULL (it never does for a live cdev).
bool cdev_get(Ctx& c, Cdev& p) {
  auto frame = c.ex.enter("cdev_get");
  c.ex.step(cdev_module(c.k, p).o_cdev, Access::Read, "cdev_get: owner = p->owner");
  check_cdev(c, p, "cdev_get: p->owner");
  Module* owner = p.owner;
  c.ex.note("owner {}", owner ? owner->def->name : "NULL");
  if (owner != nullptr && !try_module_get(c, owner)) return false;
  c.ex.step(cdev_module(c.k, p).o_cdev, Access::ReadModifyWrite, "cdev_get: kobject_get(&p->kobj)");
  check_cdev(c, p, "cdev_get: kobject_get");
  ++p.kobj_refcount;
  return true;
}

// Mirrors lib/kobject.c kobject_put() on a cdev's kobject; at zero the release runs:
// cdev_dynamic_release (cdev_alloc'd: cdev_purge, then kfree) or cdev_default_release
// (static: cdev_purge only). cdev_purge clears inode->i_cdev under cdev_lock.
// Omitted: kobject_put(parent), the kobject's sysfs side.
void kobject_put(Ctx& c, Cdev& p) {
  auto frame = c.ex.enter("kobject_put");
  Module& m = cdev_module(c.k, p);
  c.ex.step(m.o_cdev, Access::ReadModifyWrite, "kobject_put(&p->kobj)");
  check_cdev(c, p, "kobject_put: p->kobj");
  c.ex.note("kobj refcount {} -> {}", p.kobj_refcount, p.kobj_refcount - 1);
  if (--p.kobj_refcount > 0) return;
  c.ex.lock(c.k.o_cdev_lock, "cdev_purge: spin_lock(&cdev_lock)");
  c.ex.step(m.inode.obj, Access::Write, "cdev_purge: inode->i_cdev = NULL");
  if (m.inode.i_cdev == &p) m.inode.i_cdev = nullptr;
  c.ex.unlock(c.k.o_cdev_lock, "cdev_purge: spin_unlock(&cdev_lock)");
  if (p.home == nullptr) {
    c.ex.step(m.o_cdev, Access::Write, "cdev_dynamic_release: kfree(p)");
    p.freed = true;
  }
}

// Mirrors fs/char_dev.c cdev_put() (both eras): read owner, drop the kobject, then the module.
void cdev_put(Ctx& c, Cdev& p) {
  auto frame = c.ex.enter("cdev_put");
  c.ex.step(cdev_module(c.k, p).o_cdev, Access::Read, "cdev_put: owner = p->owner");
  check_cdev(c, p, "cdev_put: p->owner");
  Module* owner = p.owner;
  c.ex.local(0, owner ? cdev_index(c.k, &owner->cdev) : 0);
  kobject_put(c, p);
  module_put(c, owner);
}

// Mirrors drivers/base/map.c kobj_lookup() for cdev_map: under chrdevs_lock find the probe of
// the device number, pin the probe's owner (NULL for cdev_add: nothing), call exact_lock, which
// is cdev_get(p), drop the lock, and return the cdev's kobject. Finding the probe is merged into
// the lock step: cdev_map is only read and written under chrdevs_lock.
// Omitted: base_probe's request_module fallback (module autoload).
Cdev* kobj_lookup(Ctx& c, Inode& inode) {
  auto frame = c.ex.enter("kobj_lookup");
  c.ex.lock(c.k.o_chrdevs_lock, "kobj_lookup: mutex_lock(&chrdevs_lock), find the probe");
  Cdev* p = nullptr;
  for (auto& m : c.k.modules)
    if (&m.inode == &inode && m.cdev.mapped) p = &m.cdev;
  if (p == nullptr) {
    c.ex.note("no probe for {}", inode.path);
    c.ex.unlock(c.k.o_chrdevs_lock, "kobj_lookup: mutex_unlock(&chrdevs_lock), no probe");
    return nullptr;
  }
  c.ex.local(0, cdev_index(c.k, p));
  if (!cdev_get(c, *p)) {
    c.ex.unlock(c.k.o_chrdevs_lock, "kobj_lookup: mutex_unlock(&chrdevs_lock), exact_lock failed");
    return nullptr;
  }
  c.ex.unlock(c.k.o_chrdevs_lock, "kobj_lookup: mutex_unlock(&chrdevs_lock)");
  return p;
}

// Mirrors fs/char_dev.c chrdev_open() (modern), C1-C8 then fops_get(p->ops), replace_fops and
// ->open (shared/KERNEL.md §4.4); 2.6.24 differs only in calling ->open under lock_kernel(), which
// is omitted: the BKL is dropped whenever ->open sleeps, and leaving it out only adds
// interleavings (stop_machine inside a non-sleeping ->open), so a safe verdict stays sound. The
// W1 window is open in 2.6.24 either way: between fops_get and lock_kernel nothing pins. Reading inode->i_cdev is merged into the spin_lock steps: the
// field is only written under cdev_lock.
int chrdev_open(Ctx& c, Inode& inode) {
  auto frame = c.ex.enter("chrdev_open");
  Kernel& k = c.k;
  // Locals that survive steps: 0 = p, 1 = new, 2 = ret.
  c.ex.lock(k.o_cdev_lock, "chrdev_open: spin_lock(&cdev_lock); p = inode->i_cdev");
  Cdev* p = inode.i_cdev;
  Cdev* fresh = nullptr;
  int ret = 0;
  c.ex.local(0, cdev_index(k, p));
  if (p == nullptr) {
    c.ex.unlock(k.o_cdev_lock, "chrdev_open: spin_unlock(&cdev_lock), i_cdev is NULL");
    c.ex.at(1);
    Cdev* kobj = kobj_lookup(c, inode);
    if (kobj == nullptr) return -ENXIO;
    fresh = kobj;
    c.ex.local(1, cdev_index(k, fresh));
    c.ex.lock(k.o_cdev_lock, "chrdev_open: spin_lock(&cdev_lock); p = inode->i_cdev again");
    p = inode.i_cdev;
    c.ex.local(0, cdev_index(k, p));
    if (p == nullptr) {
      c.ex.step(inode.obj, Access::Write, "chrdev_open: inode->i_cdev = p = new");
      inode.i_cdev = p = fresh;
      fresh = nullptr;
      c.ex.local(0, cdev_index(k, p));
      c.ex.local(1, 0);
    } else {
      c.ex.at(2);
      if (!cdev_get(c, *p)) ret = -ENXIO;
    }
  } else {
    c.ex.at(3);
    if (!cdev_get(c, *p)) ret = -ENXIO;
  }
  c.ex.local(2, ret);
  c.ex.unlock(k.o_cdev_lock, "chrdev_open: spin_unlock(&cdev_lock)");
  if (fresh != nullptr) {
    c.ex.at(4);
    cdev_put(c, *fresh);
  }
  if (ret != 0) return ret;

  c.ex.at(5);
  c.ex.step(cdev_module(k, *p).o_cdev, Access::Read, "chrdev_open: fops = fops_get(p->ops)");
  check_cdev(c, *p, "chrdev_open: p->ops");
  c.task.holds = p->ops->home;  // from here the task holds a pointer into module data
  update_window(c);
  FileOperations* fops = fops_get(c, p->ops);
  if (fops == nullptr) {
    c.task.holds = nullptr;
    update_window(c);
    c.ex.at(6);
    cdev_put(c, *p);
    return -ENXIO;
  }
  c.task.f_op = fops;  // replace_fops(filp, fops)
  Module& m = *fops->home;
  if (!m.def->has_open) return 0;
  c.ex.step(m.o_data, Access::Read, "chrdev_open: call filp->f_op->open()");
  check_data(c, fops->home, "chrdev_open: filp->f_op->open");
  c.ex.note("{}", c.task.pins[m.index] == 0 ? "enters module text holding no pin" : "enters module text, pinned");
  c.task.in_module = &m;  // the call jumps into module text
  update_window(c);
  ret = static_cast<int>(run_callback(c, m, Callback::Open));
  c.task.in_module = nullptr;
  update_window(c);
  if (ret != 0) {
    c.ex.local(2, ret);
    c.ex.at(7);
    cdev_put(c, *p);
    return ret;
  }
  return 0;
}

// Mirrors fs/char_dev.c cdev_del() (both eras): cdev_unmap (kobj_unmap under chrdevs_lock), then
// kobject_put. Open files keep the cdev alive through their kobject reference.
void cdev_del(Ctx& c, Cdev& p) {
  auto frame = c.ex.enter("cdev_del");
  c.ex.lock(c.k.o_chrdevs_lock, "cdev_del: kobj_unmap: mutex_lock(&chrdevs_lock), remove the probe");
  p.mapped = false;
  c.ex.unlock(c.k.o_chrdevs_lock, "cdev_del: kobj_unmap: mutex_unlock(&chrdevs_lock)");
  kobject_put(c, p);
}

// Mirrors fs/char_dev.c __unregister_chrdev() (modern): release the region, cdev_del(cd->cdev).
// Omitted: the char_device_struct bookkeeping of __unregister_chrdev_region (core memory, not
// part of any window).
void unregister_chrdev(Ctx& c, Module& m) {
  auto frame = c.ex.enter("unregister_chrdev");
  cdev_del(c, m.cdev);
}

// Mirrors fs/char_dev.c register_chrdev() / cdev_add() (both eras): kobj_map the device number
// under chrdevs_lock; and drivers/char/misc.c misc_register(): list_add the minor to misc_list
// under misc_mtx. What init() does to make the device openable.
// Omitted: the char_device_struct and the sysfs device (core memory, not part of any window).
void register_device(Ctx& c, Module& m) {
  switch (m.def->registration) {
    case Registration::None: return;
    case Registration::MiscRegister: {
      auto frame = c.ex.enter("misc_register");
      c.ex.lock(c.k.o_misc_mtx, "misc_register: mutex_lock(&misc_mtx)");
      c.ex.step(c.k.o_misc_list, Access::Write, "misc_register: list_add(&misc->list, &misc_list)");
      m.misc_listed = true;
      c.ex.unlock(c.k.o_misc_mtx, "misc_register: mutex_unlock(&misc_mtx)");
      return;
    }
    case Registration::RegisterChrdev:
    case Registration::CdevAdd: {
      auto frame = c.ex.enter(m.def->registration == Registration::CdevAdd ? engine::Label("cdev_add")
                                                                            : engine::Label("register_chrdev"));
      c.ex.lock(c.k.o_chrdevs_lock, "cdev_add: kobj_map: mutex_lock(&chrdevs_lock)");
      m.cdev.mapped = true;
      c.ex.unlock(c.k.o_chrdevs_lock, "cdev_add: kobj_map: mutex_unlock(&chrdevs_lock)");
      return;
    }
  }
}

// Mirrors drivers/char/misc.c misc_deregister(): list_del under misc_mtx, which misc_open holds
// across the driver's ->open, so it waits for every open in progress.
// Omitted: device_destroy (sysfs).
void misc_deregister(Ctx& c, Module& m) {
  auto frame = c.ex.enter("misc_deregister");
  c.ex.lock(c.k.o_misc_mtx, "misc_deregister: mutex_lock(&misc_mtx)");
  c.ex.step(c.k.o_misc_list, Access::Write, "misc_deregister: list_del(&misc->list)");
  m.misc_listed = false;
  c.ex.unlock(c.k.o_misc_mtx, "misc_deregister: mutex_unlock(&misc_mtx)");
}

// Mirrors drivers/char/misc.c misc_open() (both eras): under misc_mtx find the minor on
// misc_list, fops_get(c->fops), replace_fops, and call the driver's ->open, still under misc_mtx;
// in 2.6.24 (before replace_fops) a failed ->open is also undone under misc_mtx.
// chrdev_open before it works on misc's own cdev (core, owner NULL): it pins nothing.
// Omitted: request_module("char-major-%d-%d") and the retry when the minor is not found.
int misc_open(Ctx& c, Module& m) {
  auto frame = c.ex.enter("misc_open");
  c.ex.lock(c.k.o_misc_mtx, "misc_open: mutex_lock(&misc_mtx)");
  c.ex.step(c.k.o_misc_list, Access::Read, "misc_open: list_for_each_entry(c, &misc_list, list): the minor");
  if (!m.misc_listed) {
    c.ex.note("minor not registered");
    c.ex.unlock(c.k.o_misc_mtx, "misc_open: mutex_unlock(&misc_mtx), -ENODEV");
    return -ENODEV;
  }
  c.task.holds = &m;  // a pointer into the module's struct miscdevice
  update_window(c);
  FileOperations* fops = fops_get(c, &m.fops);
  if (fops == nullptr) {
    c.task.holds = nullptr;
    update_window(c);
    c.ex.unlock(c.k.o_misc_mtx, "misc_open: mutex_unlock(&misc_mtx), -ENODEV");
    return -ENODEV;
  }
  c.task.f_op = fops;  // replace_fops(file, new_fops)
  int err = 0;
  if (m.def->has_open) {
    c.ex.step(m.o_data, Access::Read, "misc_open: call file->f_op->open()");
    check_data(c, &m, "misc_open: file->f_op->open");
    c.ex.note("{}", c.task.pins[m.index] == 0 ? "enters module text holding no pin, misc_mtx held"
                                     : "enters module text, pinned");
    err = static_cast<int>(run_callback(c, m, Callback::Open));
  }
  c.ex.local(2, err);
  if (err != 0 && c.k.era == Era::V2_6_24) {
    // 2.6.24 undoes a failed ->open itself, still under misc_mtx: fops_put(file->f_op), then
    // file->f_op = fops_get(old_fops), misc's own (core). exit()'s misc_deregister waits for it,
    // so the module's fops are never read after the free; do_dentry_open's (__dentry_open's)
    // cleanup then puts misc's fops, core's. Today replace_fops leaves that put to the cleanup,
    // after misc_mtx is dropped.
    fops_put(c, c.task.f_op);
    c.task.f_op = nullptr;
    c.task.holds = nullptr;
    update_window(c);
  }
  c.ex.unlock(c.k.o_misc_mtx, "misc_open: mutex_unlock(&misc_mtx)");
  return err;
}

}  // namespace rw::models
