// models/module.hpp: struct module's reference count and unload path, modern era
// (kernel/module/main.c, ≈v6.10), at the step granularity of shared/KERNEL.md §2-3.
#pragma once
#include "models/kernel.hpp"

namespace rw::models {

bool try_module_get(Ctx& c, Module* mod);
void __module_get(Ctx& c, Module* mod);
void module_put(Ctx& c, Module* mod);
int try_release_module_ref(Ctx& c, Module& mod);
int try_stop_module(Ctx& c, Module& mod);
// delete_module(2) with O_NONBLOCK, as kmod's rmmod always passes it.
int delete_module(Ctx& c, Module& mod);
void free_module(Ctx& c, Module& mod);

// Runs one of the module's own functions (a statement list) and returns its return value.
enum class Callback { Open, Release, Read, Exit };
std::int64_t run_callback(Ctx& c, Module& m, Callback which);

}  // namespace rw::models
