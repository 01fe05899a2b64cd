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

namespace rw::models {

using engine::Execution;
using engine::ObjectId;

// ModuleState and MODULE_REF_BASE come with the refcount algorithms (models/refcount.hpp).
const char* to_string(ModuleState s);

// Violation kinds (opaque strings to the engine).
inline constexpr const char* kCodeAfterUnload = "module-code-after-unload";
inline constexpr const char* kDataAfterFree = "module-data-after-free";
inline constexpr const char* kRefcountUnderflow = "refcount-underflow";
inline constexpr const char* kRefcountBug = "refcount-bug";
inline constexpr const char* kCdevAfterFree = "cdev-after-free";
// A WARN_ON or BUG_ON in models/refcount.hpp that no model hook names more precisely.
inline constexpr const char* kKernelWarn = "kernel-warn";
inline constexpr const char* kKernelBug = "kernel-bug";

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

struct Module {
  const ModuleDef* def = nullptr;
  ModuleState state = ModuleState::Live;
  int refcnt = MODULE_REF_BASE;  // atomic_t refcnt
  bool listed = true;            // on the modules list (find_module sees it)
  bool text_freed = false;       // free_mod_mem: text and rodata released
  bool data_freed = false;       // free_mod_mem: MOD_DATA (struct module, fops, static cdev)
  FileOperations fops;
  Cdev cdev;
  Inode inode;
  // Objects that steps name.
  ObjectId o_state = 0, o_refcnt = 0, o_text = 0, o_data = 0, o_cdev = 0, o_cdev_map = 0;
  // Step labels for this module's statements, built once per program.
  struct Labels {
    std::vector<engine::Label> open, release, read, exit;
    engine::Label call_open, call_release, call_read, call_exit;
  } labels;
};

// What one fiber owns: its open file (struct file) and, for traces, the module pins it holds.
struct Task {
  bool file_open = false;
  FileOperations* f_op = nullptr;  // file->f_op
  Inode* f_inode = nullptr;
  Module* in_module = nullptr;  // module whose text this task is executing, if any
  Module* holds = nullptr;      // module whose memory this task holds a pointer to (its fops)
  bool unloading = false;       // the task is delete_module: its exit() runs on purpose
  int pins = 0;                 // references this task took and has not dropped
};

struct Kernel {
  std::vector<Module> modules;  // never resized after construction: pointers stay valid
  std::vector<Task> tasks;
  ObjectId o_module_mutex = 0, o_chrdevs_lock = 0, o_cdev_lock = 0, o_modules = 0;
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
