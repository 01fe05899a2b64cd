// models/kernel.hpp: the kernel objects our models share (struct module, file_operations,
// struct cdev, the device inode, struct file) and the context every model function gets.
// Field names follow the kernel's; everything here is reset before each execution.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "engine/execution.hpp"
#include "models/refcount.hpp"
#include "models/scenario.hpp"
#include "models/violations.hpp"

namespace rw::models {

using engine::Execution;
using engine::ObjectId;

// ModuleState and MODULE_REF_BASE come with the refcount algorithms (models/refcount.hpp).
const char* to_string(ModuleState s);

inline constexpr std::size_t kMaxModules = 4;

struct Module;

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
  std::string path;
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

struct Module {
  const ModuleDef* def = nullptr;
  std::size_t index = 0;
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
  bool listed = true;            // on the modules list (find_module sees it)
  bool text_freed = false;       // free_mod_mem: text and rodata released
  bool data_freed = false;       // free_mod_mem: MOD_DATA (struct module, fops, static cdev)
  FileOperations fops;
  Cdev cdev;
  Inode inode;
  // Objects that steps name.
  ObjectId o_state = 0, o_refcnt = 0, o_text = 0, o_data = 0, o_cdev = 0;
  ObjectId o_ref[kCpus] = {}, o_waiter = 0, o_kthreads = 0, o_proc = 0, o_pde_lock = 0;
  // Step labels for this module's functions, built once per program: the call, each
  // statement, and the branch a conditional statement takes after its call returns.
  struct BodyLabels {
    engine::Label call;
    std::vector<engine::Label> stmt, branch;
    std::vector<std::vector<engine::Label>> then;  // per statement: its if-block's statements
  };
  struct Labels {
    BodyLabels open, release, read, exit, init, proc_open, proc_read, proc_release;
    std::vector<BodyLabels> exports, kthreads;
  } labels;
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
  int pins = 0;                 // references this task took and has not dropped
};

struct Kernel {
  Era era = Era::Modern;
  // Preempt-disabled spans hold their CPU's lock (an engine lock per CPU), so that stop_machine,
  // which takes every CPU, cannot run inside one, and a task on the same CPU cannot either.
  // On in 2.6.24; in the modern model only module code disables preemption (see module.cpp).
  bool cpu_locks = false;
  std::vector<Module> modules;  // never resized after construction: pointers stay valid
  std::vector<Task> tasks;
  // The scenario's named variables, locks and completions: statics shared by its modules.
  std::vector<std::int64_t> vars;
  std::vector<int> completions;  // struct completion's done count
  std::vector<char> events;      // userspace signal/wait
  int rcu_readers = 0;           // tasks inside rcu_read_lock (symbol_get)
  bool rcu_used = false;         // some statement reads under RCU: synchronize_rcu can wait
  ObjectId o_module_mutex = 0, o_chrdevs_lock = 0, o_cdev_lock = 0, o_modules = 0;
  ObjectId o_cpu[kCpus] = {}, o_misc_mtx = 0, o_misc_list = 0, o_proc_subdir_lock = 0, o_rcu = 0;
  ObjectId o_proc_dir_mutex = 0;
  std::vector<ObjectId> o_vars, o_mutexes, o_spinlocks, o_completions, o_events;
};

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

}  // namespace rw::models
