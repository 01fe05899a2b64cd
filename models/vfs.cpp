// models/vfs.cpp
#include "models/vfs.hpp"

#include "models/char_dev.hpp"
#include "models/errno.hpp"
#include "models/module.hpp"
#include "models/proc.hpp"
#include "models/statements.hpp"

namespace rw::models {
using engine::Access;

// Mirrors include/linux/fs.h fops_get() (unchanged since 2.6.12): read fops->owner, which lives in
// the module's data, then try_module_get(owner).
FileOperations* fops_get(Ctx& c, FileOperations* fops) {
  if (fops == nullptr) return nullptr;
  auto frame = c.ex.enter("fops_get");
  c.ex.step(fops->home->o_data, Access::Read, "fops_get: read fops->owner");
  check_data(c, fops->home, "fops_get: fops->owner");
  c.ex.note("owner {}", fops->owner ? fops->owner->def->name : "NULL, nothing pinned");
  return try_module_get(c, fops->owner) ? fops : nullptr;
}

// Mirrors include/linux/fs.h fops_put(): read fops->owner, then module_put(owner).
void fops_put(Ctx& c, FileOperations* fops) {
  if (fops == nullptr) return;
  auto frame = c.ex.enter("fops_put");
  c.ex.step(fops->home->o_data, Access::Read, "fops_put: read fops->owner");
  check_data(c, fops->home, "fops_put: fops->owner");
  module_put(c, fops->owner);
}

// Mirrors fs/open.c do_dentry_open() (modern) for a char device node: f_op = def_chr_fops (core
// text, owner NULL, so its fops_get pins nothing and takes no step), call chrdev_open, and on
// error cleanup_all: fops_put(f->f_op), which is the module's fops if chrdev_open replaced them.
// Omitted: path lookup, security_file_open, break_lease (core only).
int vfs_open(Ctx& c, Module& device_owner) {
  auto frame = c.ex.enter("do_dentry_open");
  c.task.f_inode = &device_owner.inode;
  c.task.f_op = nullptr;  // def_chr_fops
  c.task.kind = FileKind::Chr;
  const bool misc = device_owner.def->registration == Registration::MiscRegister;
  const int err = misc ? misc_open(c, device_owner) : chrdev_open(c, device_owner.inode);
  if (err != 0) {
    c.ex.local(0, err);
    fops_put(c, c.task.f_op);
    c.task.f_op = nullptr;
    c.task.f_inode = nullptr;
    c.task.holds = nullptr;
    c.task.kind = FileKind::None;
    update_window(c);
    return err;
  }
  c.task.file_open = true;
  return 0;
}

// Mirrors fs/read_write.c vfs_read(): call file->f_op->read, or -EINVAL when there is none.
// Omitted: rw_verify_area, fsnotify, the ->read_iter path.
int vfs_read(Ctx& c) {
  if (!c.task.file_open) return -EBADF;
  if (c.task.kind == FileKind::Proc) return proc_read(c);
  auto frame = c.ex.enter("vfs_read");
  FileOperations* fops = c.task.f_op;
  Module& m = *fops->home;
  c.ex.step(m.o_data, Access::Read, "vfs_read: call file->f_op->read()");
  check_data(c, fops->home, "vfs_read: file->f_op->read");
  if (!m.def->has_read) {
    c.ex.note("no ->read: -EINVAL");
    return -EINVAL;
  }
  return static_cast<int>(run_callback(c, m, Callback::Read));
}

// Mirrors fs/file_table.c __fput() (modern; run from task_work before close(2) returns):
// ->release, then cdev_put(inode->i_cdev), then fops_put(file->f_op) (shared/KERNEL.md §4.5).
// Omitted: fsnotify, eventpoll, locks, security_file_free, dput/mntput (core only).
int vfs_close(Ctx& c) {
  if (!c.task.file_open) return -EBADF;
  if (c.task.kind == FileKind::Proc) return proc_close(c);
  auto frame = c.ex.enter("__fput");
  c.task.file_open = false;  // close_fd: the descriptor is gone; __fput finishes the file
  FileOperations* fops = c.task.f_op;
  Module& m = *fops->home;
  c.ex.step(m.o_data, Access::Read, "__fput: call file->f_op->release()");
  check_data(c, fops->home, "__fput: file->f_op->release");
  if (m.def->has_release) {
    c.task.in_module = &m;  // the call jumps into module text
    update_window(c);
    run_callback(c, m, Callback::Release);
    c.task.in_module = nullptr;
    update_window(c);
  }
  Inode& inode = *c.task.f_inode;
  c.ex.at(1);
  // A misc device's inode->i_cdev is misc's own (core, owner NULL): its cdev_put pins nothing.
  if (m.def->registration != Registration::MiscRegister) {
    c.ex.step(inode.obj, Access::Read, "__fput: inode->i_cdev");
    if (Cdev* p = inode.i_cdev) cdev_put(c, *p);
  }
  c.ex.at(2);
  fops_put(c, fops);
  c.task.f_op = nullptr;
  c.task.f_inode = nullptr;
  c.task.holds = nullptr;
  c.task.kind = FileKind::None;
  update_window(c);
  return 0;
}

}  // namespace rw::models
