// models/char_dev.hpp: fs/char_dev.c and drivers/base/map.c (both eras; shared/KERNEL.md §4.4,
// §7.3): opening a char device, the cdev pins, and tearing a cdev down.
#pragma once
#include "models/kernel.hpp"

namespace rw::models {

bool cdev_get(Ctx& c, Cdev& p);
void cdev_put(Ctx& c, Cdev& p);
Cdev* kobj_lookup(Ctx& c, Inode& inode);
int chrdev_open(Ctx& c, Inode& inode);
void cdev_del(Ctx& c, Cdev& p);
void unregister_chrdev(Ctx& c, Module& m);
void kobject_put(Ctx& c, Cdev& p);

// Model-only: which module's cdev a pointer is, as a small number for declared locals.
void register_device(Ctx& c, Module& m);
void misc_deregister(Ctx& c, Module& m);
int misc_open(Ctx& c, Module& m);

std::int64_t cdev_index(const Kernel& k, const Cdev* p);

}  // namespace rw::models
