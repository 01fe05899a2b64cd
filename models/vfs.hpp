// models/vfs.hpp: the VFS around a char device (fs/open.c, fs/read_write.c, fs/file_table.c,
// include/linux/fs.h), modern era: open, read and close as a process makes them.
#pragma once
#include "models/kernel.hpp"

namespace rw::models {

FileOperations* fops_get(Ctx& c, FileOperations* fops);
void fops_put(Ctx& c, FileOperations* fops);
int vfs_open(Ctx& c, Module& device_owner);  // open("/dev/<device>")
int vfs_read(Ctx& c);
int vfs_close(Ctx& c);

}  // namespace rw::models
