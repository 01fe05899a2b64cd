// models/proc.hpp: a module's /proc entry, 2.6.24 (proc_dir_entry->owner, pde_users) and modern
// (proc_ops, use_pde/unuse_pde, proc_entry_rundown), shared/KERNEL.md §5.
#pragma once
#include "models/kernel.hpp"

namespace rw::models {

void create_proc_entry(Ctx& c, Module& m, bool with_owner);
void remove_proc_entry(Ctx& c, Module& m);
int proc_open(Ctx& c, Module& m);  // open("/proc/<name>")
int proc_read(Ctx& c);
int proc_close(Ctx& c);

}  // namespace rw::models
