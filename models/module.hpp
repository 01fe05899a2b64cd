// models/module.hpp: struct module's reference count, load and unload paths in both eras
// (kernel/module/main.c ≈v6.10; kernel/module.c and include/linux/module.h of 2.6.24), at the
// step granularity of shared/KERNEL.md §2-3, and the preemption they rely on.
#pragma once
#include <cstdint>

#include "models/kernel.hpp"

namespace rw::models {

// What rmmod passes to delete_module(2): O_NONBLOCK (cleared by rmmod -w), O_TRUNC (rmmod -f).
struct UnloadFlags {
  bool nonblock = true;
  bool force = false;
};

bool try_module_get(Ctx& c, Module* mod);
void __module_get(Ctx& c, Module* mod);
void module_put(Ctx& c, Module* mod);
bool strong_try_module_get(Ctx& c, Module* mod);
int try_release_module_ref(Ctx& c, Module& mod);
int try_stop_module(Ctx& c, Module& mod, const UnloadFlags& flags, bool& forced);
int delete_module(Ctx& c, Module& mod, const UnloadFlags& flags);
void free_module(Ctx& c, Module& mod);
int load_module(Ctx& c, Module& mod);
int ref_module(Ctx& c, Module& a, Module& b);
void module_unload_free(Ctx& c, Module& mod);
inline constexpr std::int64_t kNotListed = INT64_MIN;
// The "Used by" count of /proc/modules, as lsmod and module-init-tools' rmmod read it.
std::int64_t proc_modules_refcount(Ctx& c, Module& mod);

void preempt_disable(Ctx& c, engine::Label label);
void preempt_enable(Ctx& c, engine::Label label);
void might_sleep(Ctx& c, std::string_view what);

}  // namespace rw::models
