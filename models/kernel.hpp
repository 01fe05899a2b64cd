// models/kernel.hpp: the kernel objects our models share (struct module, file_operations,
// struct cdev, the device inode, struct file) and the context every model function gets.
// Field names follow the kernel's. The objects make up one trivially copyable value, the
// Kernel: saving, restoring and resetting it copies its bytes, and the field tables at the end
// of this file say how each field enters the state. A new kernel object is declared here, once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/execution.hpp"
#include "models/inplace_vector.hpp"
#include "models/refcount.hpp"
#include "models/scenario.hpp"
#include "models/violations.hpp"

namespace rw::models {

using engine::Execution;
using engine::ObjectId;

// ModuleState and MODULE_REF_BASE come with the refcount algorithms (models/refcount.hpp).
const char* to_string(ModuleState s);

struct Module;
inline constexpr std::size_t kMaxRwsems = 2 * kMaxNames + kMaxModules * kMaxNames;

// Where a piece of memory lives: in a module's image (freed by free_module) or in core memory.
struct FileOperations {
  Module* owner = nullptr;  // fops->owner; nullptr is NULL
  Module* home = nullptr;   // the module whose data holds this struct (model-only)
};

struct Cdev {
  Module* owner = nullptr;         // cdev->owner
  FileOperations* ops = nullptr;   // cdev->ops
  Module* home = nullptr;          // static struct cdev in this module's data; nullptr: cdev_alloc
  int kobj_refcount = 0;           // cdev->kobj.kref
  bool mapped = false;             // present in cdev_map (cdev_add / kobj_unmap)
  bool freed = false;              // cdev_dynamic_release kfree'd it
};

struct Inode {  // the /dev node; core memory
  std::string_view path;  // "/dev/<device>", text the program owns
  Cdev* i_cdev = nullptr;
  ObjectId obj = 0;
};

// A /proc entry (struct proc_dir_entry), in core memory: proc_create kmallocs it.
struct ProcEntry {
  bool registered = false;   // linked under its parent: lookups find it
  bool owner_set = false;    // 2.6.24 de->owner == THIS_MODULE
  bool fops_present = true;  // 2.6.24 de->proc_fops != NULL (remove_proc_entry clears it)
  int pde_users = 0;         // 2.6.24 callers inside the module
  int in_use = 0;            // modern: atomic_t in_use; negative (BIAS added) once rundown began
  bool unloading = false;    // pde_unload_completion installed: rundown waits
  // 2.6.24: the entry's dentry/inode, shared by every open of the path (proc_lookup reuses it).
  int dentry_refs = 0;       // open files holding the dentry
  bool inode_pinned = false; // proc_get_inode's try_module_get(de->owner) took a pin
};

// A reader-writer lock: a rw_semaphore (sleeping) or an rwlock_t (spinning), the scenario's or a
// framework's (cb_lock, nh->rwsem). Readers share it; a writer excludes readers and writers.
struct RwSem {
  int readers = 0;
  int writer = -1;  // the fiber holding it for write; -1: none
};

// The step labels of one registered callback's caller and of its unregistration
// (models/frameworks.cpp), built once per program.
struct CallbackSteps {
  engine::Label caller, lock, lookup, read_ops, unlock, put, reg, unreg, unreg_lock, unlink, unreg_unlock,
      wait, release_frame;
};

struct Module {
  // Step labels for this module's functions, built once per program: the call, each
  // statement, and the branch a conditional statement takes after its call returns.
  struct BodyLabels {
    engine::Label call;
    std::vector<engine::Label> stmt, branch;
    std::vector<std::vector<engine::Label>> then;  // per statement: its if-block's statements
  };
  struct Labels {
    BodyLabels open, release, read, exit, init, proc_open, proc_read, proc_release;
    std::vector<BodyLabels> exports, kthreads, callbacks, cb_releases, deferred;
    std::vector<CallbackSteps> cb_steps;
  };

  const ModuleDef* def = nullptr;
  std::size_t index = 0;
  const Labels* labels = nullptr;  // owned by the program
  ModuleState state = ModuleState::Live;
  int refcnt = MODULE_REF_BASE;  // modern: atomic_t refcnt
  long ref[kCpus] = {};          // 2.6.24: struct module_ref ref[NR_CPUS], one local_t each
  int waiter = -1;               // 2.6.24: mod->waiter, the task in delete_module (a fiber)
  bool tainted = false;          // forced unload: TAINT_FORCED_RMMOD
  bool ever_loaded = false;      // for traces: "not loaded" before insmod, "unlinked" after free
  bool misc_listed = false;      // on misc_list (misc_register .. misc_deregister)
  // Per thread function: threads kthread_run created that no kthread fiber has become yet.
  std::uint8_t kthread_starts[kMaxNames] = {};
  ProcEntry proc;
  // Per callback (callback.<name>): linked where its framework's callers find it, and the callers
  // inside it under an active reference (kernfs, use_pde, an irq handler in progress).
  bool cb_registered[kMaxNames] = {};
  std::uint8_t cb_active[kMaxNames] = {};
  std::uint8_t users = 0;        // loaded modules that link against this one (mod->source_list)
  // Per work, timer and RCU function (ModuleDef::deferred): queued (a work item or timer is
  // pending once; call_rcu can queue several), and running in a kworker or softirq.
  std::uint8_t deferred_pending[kMaxNames] = {};
  std::uint8_t deferred_running[kMaxNames] = {};
  // Per thread function: kthread_run calls made, threads inside threadfn, and kthread_stop's flag.
  std::uint8_t kthread_created[kMaxNames] = {};
  std::uint8_t kthread_running[kMaxNames] = {};
  bool kthread_should_stop[kMaxNames] = {};
  bool kthread_stopped[kMaxNames] = {};  // some statement calls kthread_stop on it (fixed)
  bool listed = true;            // on the modules list (find_module sees it)
  bool text_freed = false;       // free_mod_mem: text and rodata released
  bool data_freed = false;       // free_mod_mem: MOD_DATA (struct module, fops, static cdev)
  FileOperations fops;
  Cdev cdev;
  Inode inode;
  // Objects that steps name.
  ObjectId o_state = 0, o_refcnt = 0, o_text = 0, o_data = 0, o_cdev = 0;
  ObjectId o_ref[kCpus] = {}, o_waiter = 0, o_kthreads = 0, o_proc = 0, o_pde_lock = 0;
  ObjectId o_deferred[kMaxNames] = {}; // a work item's or timer's pending/running state
  ObjectId o_cb[kMaxNames] = {};       // a callback's registration (its entry on the framework's list)
  ObjectId o_cb_lock[kMaxNames] = {};  // the lock its framework's callers take (an engine lock or an rwsem's object)
  std::uint8_t cb_rwsem[kMaxNames] = {};  // Across::RwsemRead: its index in Kernel::rwsems
};

// What a task's open file is.
enum class FileKind : std::uint8_t { None, Chr, Proc };

// What one fiber owns: its open file (struct file) and, for traces, the module pins it holds.
struct Task {
  bool file_open = false;
  FileKind kind = FileKind::None;
  Module* proc = nullptr;       // FileKind::Proc: the module whose /proc entry is open
  bool pdeo = false;            // modern: a struct pde_opener for this file on pde->pde_openers
  bool pdeo_closing = false;    // pdeo->closing: somebody runs ->proc_release for it
  int cpu = 0;                  // the CPU it runs on (no migration)
  int preempt_count = 0;        // preempt_disable depth; > 0 holds its CPU's lock where that matters
  bool sleeping = false;        // TASK_UNINTERRUPTIBLE, until wake_up_process
  FileOperations* f_op = nullptr;  // file->f_op
  Inode* f_inode = nullptr;
  Module* in_module = nullptr;  // module whose text this task is executing, if any
  Module* holds = nullptr;      // module whose memory this task holds a pointer to (its fops)
  bool unloading = false;       // the task is delete_module: its exit() runs on purpose
  std::uint8_t pins[kMaxModules] = {};  // references this task took on each module and has not dropped
  std::uint8_t shield = 0;      // inside a callback its framework's unregistration waits for (no window)
  std::uint8_t rcu_depth = 0;   // RCU read sections (and, where RCU is used, preempt-off sections) it is in
  std::uint32_t rw_reads = 0;   // bit i: it holds Kernel::rwsems[i] for read
  std::uint8_t life_pins[kMaxModules] = {};  // bit cb: a Pin::Life framework pins the module for callback cb
  std::uint8_t actives[kMaxModules] = {};    // bit cb: it holds an active reference on callback cb (kernfs, use_pde)
};

// The whole world, one value. Model code holds pointers into it (a task's f_op, a cdev's ops),
// which stay valid because the value is only ever copied back into the same object.
struct Kernel {
  Era era = Era::Modern;
  // Preempt-disabled spans hold their CPU's lock (an engine lock per CPU), so that stop_machine,
  // which takes every CPU, cannot run inside one, and a task on the same CPU cannot either.
  // On in 2.6.24; in the modern model only module code disables preemption (see module.cpp).
  bool cpu_locks = false;
  bool rcu_used = false;         // some statement reads under RCU: synchronize_rcu can wait
  ObjectId o_module_mutex = 0, o_chrdevs_lock = 0, o_cdev_lock = 0, o_modules = 0;
  ObjectId o_cpu[kCpus] = {}, o_misc_mtx = 0, o_misc_list = 0, o_proc_subdir_lock = 0, o_rcu = 0;
  ObjectId o_proc_dir_mutex = 0;
  InplaceVector<ObjectId, kMaxNames> o_vars, o_mutexes, o_spinlocks, o_completions, o_events;
  InplaceVector<Module, kMaxModules> modules;
  // The scenario's named variables, locks and completions: statics shared by its modules.
  InplaceVector<std::int64_t, kMaxNames> vars;
  InplaceVector<int, kMaxNames> completions;  // struct completion's done count
  InplaceVector<char, kMaxNames> events;      // userspace signal/wait
  int rcu_readers = 0;           // tasks inside an RCU read section (symbol_get, rcu_read_lock, ...)
  // Reader-writer locks: the scenario's rw_semaphores, then its rwlock_ts, then the frameworks'.
  InplaceVector<RwSem, kMaxRwsems> rwsems;
  InplaceVector<ObjectId, kMaxRwsems> o_rwsems;
  std::uint8_t first_rwlock = 0, first_core_rwsem = 0;
  InplaceVector<Task, kMaxFibers> tasks;  // last: the world's used bytes end with the last task
};
static_assert(std::is_trivially_copyable_v<Kernel>, "the world is one value: saved and restored by copying bytes");
static_assert(offsetof(Kernel, tasks) + sizeof(Kernel::tasks) == sizeof(Kernel), "tasks come last in the Kernel");

// The world's bytes, up to its last task (the task slots past it are never used).
inline std::span<const std::byte> used_bytes(const Kernel& k) {
  const auto* begin = reinterpret_cast<const std::byte*>(&k);
  return {begin, reinterpret_cast<const std::byte*>(k.tasks.end())};
}

// Every model function takes the execution, the kernel and the calling task.
struct Ctx {
  Execution& ex;
  Kernel& k;
  Task& task;
};

// Marks the race window in traces: the task runs module text, or holds a pointer into module
// memory, and holds no reference on the module.
void update_window(Ctx& c);
// Checks made at the moment of an access (after its step).
void check_text(Ctx& c, Module& m, std::string_view what);   // executing m's text
void check_data(Ctx& c, Module* home, std::string_view what);  // reading m's data, if home set

// How the state names a pointer into the world: the 1-based index of the module that holds *p
// (the module itself, its fops, cdev or inode); 0 for NULL.
inline const Module* part_of(const Module& m, const Module*) { return &m; }
inline const FileOperations* part_of(const Module& m, const FileOperations*) { return &m.fops; }
inline const Cdev* part_of(const Module& m, const Cdev*) { return &m.cdev; }
inline const Inode* part_of(const Module& m, const Inode*) { return &m.inode; }
template <class T>
std::int64_t module_index(const Kernel& k, const T* p) {
  for (std::size_t i = 0; i < k.modules.size(); ++i)
    if (part_of(k.modules[i], p) == p) return static_cast<std::int64_t>(i) + 1;
  return 0;
}

// ---- The field tables: how each field of the world enters the state ----------------------
// Every field, once, with what it is for. The visitor `v` is called with each:
//   v.future(name, x)        decides what can happen next: written into the state, one word
//                            per value (x: a number, an enum, an array of them, or a pointer
//                            into a module, written as module_index)
//   v.flag(name, x[, bits])  decides the future too: packed with the flags next to it into one word
//   v.fiber(name, x)         decides the future, and names a fiber (-1: none): written so that
//                            symmetry renames it (StateWriter::put_fiber)
//   v.trace(name, x)         kept for traces, race windows and checks: not written
//   v.fixed(name, x...)      set when the program is built, the same in every state: not written
// A field visited only under a condition (an era, a /proc entry) is written only then: two
// states are the same exactly when the future fields they visit are. M, T and K are the
// object's type, const or not (the tests change fields through the same tables).

template <class V, class M>
void module_fields(V& v, const Kernel& k, M& m) {
  v.future("state", m.state);
  v.future("refcnt", m.refcnt);
  v.flag("listed", m.listed);
  v.flag("text_freed", m.text_freed);
  v.flag("data_freed", m.data_freed);
  v.flag("cdev.mapped", m.cdev.mapped);
  v.flag("cdev.freed", m.cdev.freed);
  v.flag("misc_listed", m.misc_listed);
  v.flag("tainted", m.tainted);
  v.future("cdev.kobj_refcount", m.cdev.kobj_refcount);
  v.future("inode.i_cdev", m.inode.i_cdev);
  if (k.era == Era::V2_6_24) {
    v.future("ref", m.ref);
    v.fiber("waiter", m.waiter);
  }
  if (m.def->proc.present) {
    v.flag("proc.registered", m.proc.registered);
    v.flag("proc.owner_set", m.proc.owner_set);
    v.flag("proc.fops_present", m.proc.fops_present);
    v.flag("proc.unloading", m.proc.unloading);
    v.flag("proc.inode_pinned", m.proc.inode_pinned);
    v.future("proc.pde_users", m.proc.pde_users);
    v.future("proc.in_use", m.proc.in_use);
    v.future("proc.dentry_refs", m.proc.dentry_refs);
  }
  v.future("kthread_starts", std::span(m.kthread_starts, m.def->kthreads.size()));
  if (!m.def->callbacks.empty()) {
    v.future("cb_registered", std::span(m.cb_registered, m.def->callbacks.size()));
    v.future("cb_active", std::span(m.cb_active, m.def->callbacks.size()));
  }
  v.future("users", m.users);
  if (!m.def->deferred.empty()) {
    v.future("deferred_pending", std::span(m.deferred_pending, m.def->deferred.size()));
    v.future("deferred_running", std::span(m.deferred_running, m.def->deferred.size()));
  }
  if (!m.def->kthreads.empty()) {
    v.future("kthread_created", std::span(m.kthread_created, m.def->kthreads.size()));
    v.future("kthread_running", std::span(m.kthread_running, m.def->kthreads.size()));
    v.future("kthread_should_stop", std::span(m.kthread_should_stop, m.def->kthreads.size()));
  }
  v.trace("ever_loaded", m.ever_loaded);
  v.fixed("def, index, labels", m.def, m.index, m.labels);
  v.fixed("fops, cdev.owner, cdev.ops, cdev.home", m.fops, m.cdev.owner, m.cdev.ops, m.cdev.home);
  v.fixed("inode.path, inode.obj", m.inode.path, m.inode.obj);
  v.fixed("object ids", m.o_state, m.o_refcnt, m.o_text, m.o_data, m.o_cdev, m.o_ref, m.o_waiter, m.o_kthreads,
          m.o_proc, m.o_pde_lock, m.o_cb, m.o_cb_lock, m.cb_rwsem, m.o_deferred,
          m.kthread_stopped);
}

// struct task_struct's part: written next to the fiber's position (write_fiber_state).
template <class V, class T>
void task_fields(V& v, T& t) {
  v.flag("file_open", t.file_open);
  v.flag("rcu_depth", t.rcu_depth, 4);
  v.future("f_op", t.f_op);
  v.future("f_inode", t.f_inode);
  v.future("rw_reads", t.rw_reads);
  v.future("life_pins", t.life_pins);
  v.future("actives", t.actives);
  if (t.proc != nullptr || t.preempt_count != 0 || t.sleeping) {
    v.future("proc", t.proc);
    v.flag("kind", t.kind, 2);
    v.flag("pdeo", t.pdeo);
    v.flag("pdeo_closing", t.pdeo_closing);
    v.flag("sleeping", t.sleeping);
    v.future("preempt_count", t.preempt_count);
  }
  v.trace("in_module", t.in_module);
  v.trace("holds", t.holds);
  v.trace("unloading", t.unloading);
  v.trace("pins", t.pins);
  v.trace("shield", t.shield);
  v.fixed("cpu", t.cpu);
}

// What the modules share; the modules themselves are module_fields, the tasks task_fields.
template <class V, class K>
void kernel_fields(V& v, K& k) {
  v.future("vars", k.vars);
  v.future("completions", k.completions);
  v.future("events", k.events);
  if (k.rcu_used) v.future("rcu_readers", k.rcu_readers);
  for (auto& r : k.rwsems) {
    v.future("rwsem.readers", r.readers);
    v.fiber("rwsem.writer", r.writer);
  }
  v.fixed("era, cpu_locks, rcu_used", k.era, k.cpu_locks, k.rcu_used);
  v.fixed("object ids", k.o_module_mutex, k.o_chrdevs_lock, k.o_cdev_lock, k.o_modules, k.o_cpu, k.o_misc_mtx,
          k.o_misc_list, k.o_proc_subdir_lock, k.o_rcu, k.o_proc_dir_mutex, k.o_vars, k.o_mutexes, k.o_spinlocks,
          k.o_completions, k.o_events, k.o_rwsems, k.first_rwlock, k.first_core_rwsem);
}

}  // namespace rw::models
