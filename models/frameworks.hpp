// models/frameworks.hpp: how core code calls into a module, as data. Each caller framework of
// shared/FRAMEWORKS.md is one preset: how the caller looks the callback up, what it pins and for
// how long, what it holds across the call, and what unregistering takes or waits for. The presets
// share one model (frameworks.cpp); a scenario names a preset for each of a module's callbacks
// (callback.<name>.framework), and `racewin scan` maps ops structure types to the same names.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <optional>
#include <span>
#include <string_view>

#include "models/kernel.hpp"

namespace rw::models {

// What the caller holds across the call, which the module's unregistration must take or wait
// out: the one thing that can keep exit() and free_module away from a callback without a pin.
enum class Across {
  Nothing,    // nothing: after the lookup the call runs unprotected
  Mutex,      // a mutex (rtnl_mutex, device_lock, nfnl_lock ...); unregistering takes it
  RwsemRead,  // a rw_semaphore for read (nh->rwsem, cb_lock); unregistering takes it for write
  Rcu,        // an RCU read section; unregistering unlinks, then synchronize_rcu()
  Active,     // an active reference (kernfs, use_pde); removal deactivates and drains them
  Irq,        // a running hard-irq handler (interrupts off); free_irq's synchronize_irq waits
};

// What the caller pins: ops->owner for the one call, from a call to a later release, or nothing.
enum class Pin { None, Call, Life };

struct Framework {
  std::string_view name;           // the stable preset name scenarios and racewin scan use
  std::string_view ops;            // the ops structure and field: "genl_ops.doit"
  std::string_view caller;         // the core function that makes the call (a trace frame)
  std::string_view mirrors;        // the kernel functions the preset follows (Linux 6.1)
  std::string_view register_fn;    // what init calls to register it
  std::string_view unregister_fn;  // what exit calls to unregister it
  Across across = Across::Nothing;
  std::string_view lock;           // Across::Mutex / RwsemRead: the lock; Rcu / Nothing / pins: the registry lock
  bool lock_per_callback = false;  // one lock per registration (a chain's rwsem, a device's lock), not one for all
  Pin pin = Pin::None;
  bool lookup_rcu = false;         // Across::Nothing: the lookup (and the pin) run inside rcu_read_lock
  bool unregister_syncs = false;   // Across::Nothing / Rcu: unregistering ends with synchronize_rcu()
  bool ops_in_module_data = true;  // the caller reads the function pointer from the module's static ops
  std::int64_t absent = 0;         // what the caller returns when the callback is not registered
  std::string_view release_field;  // Pin::Life: the ops field the release op calls ("release")
};

// Every preset, in a stable order (CallbackDef::framework indexes it).
std::span<const Framework> frameworks();
std::optional<std::size_t> find_framework(std::string_view name);

// The caller's side: core code calls callback `cb` of module `m` through its framework (the
// `call` operation); for a Pin::Life framework the pin stays with the task until release_callback.
std::int64_t call_callback(Ctx& c, Module& m, std::size_t cb);
std::int64_t release_callback(Ctx& c, Module& m, std::size_t cb);
// The module's side, from its init and exit: register_callback makes the callback reachable;
// unregister_callback unlinks it and takes or waits for what the framework's callers hold.
void register_callback(Ctx& c, Module& m, std::size_t cb);
void unregister_callback(Ctx& c, Module& m, std::size_t cb);
// Mirrors fs/kernfs/dir.c kernfs_remove_self (sysfs_remove_file_self): a callback removing its own
// attribute gives up its own active reference first, so the drain waits only for the others.
void remove_self(Ctx& c, Module& m, std::size_t cb);
// The step labels of callback `cb` of `module` (its caller, lookup, unregistration), made by
// `label`, which owns their text.
CallbackSteps callback_steps(const Framework& f, const std::string& module, const std::string& cb,
                             const std::function<engine::Label(std::string)>& label);

}  // namespace rw::models
