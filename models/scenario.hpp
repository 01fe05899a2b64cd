// models/scenario.hpp: a scenario as data: the kernel era, the modules under test (their file
// operations, /proc entries, threads, exported functions, init and exit code as statement
// lists), the fibers' programs, and what is expected in each era.
// Read from TOML by models/scenario/; run by kernel_program.cpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rw::models {

// Which kernel the models follow (shared/KERNEL.md): 2.6.24's per-CPU local_t counts and
// stop_machine unload, or today's atomic refcnt (≈v6.10).
enum class Era { V2_6_24, Modern };
const char* era_name(Era e);                        // "2.6.24", "modern"
std::optional<Era> parse_era(std::string_view name);  // the era era_name names, if any

enum class Owner { Null, ThisModule };  // the value of a .owner field

// How the module made its char device (what its init() did, or does).
enum class Registration {
  None,            // no char device
  RegisterChrdev,  // register_chrdev(): a cdev_alloc'd cdev, cdev->owner = fops->owner
  CdevAdd,         // cdev_init() + cdev_add() on a static struct cdev in module data
  MiscRegister,    // misc_register(): a minor of misc's own char device (drivers/char/misc.c)
};

// At most this many of each kind of name (variables, locks, completions, events), modules
// and fibers in a scenario.
inline constexpr std::size_t kMaxNames = 8;
inline constexpr std::size_t kMaxModules = 4;
inline constexpr std::size_t kMaxFibers = 64;
inline constexpr std::size_t kCpus = 2;  // NR_CPUS: enough for a sum read half-way

// One statement of module code: one step of module text, plus the kernel calls it makes.
struct Statement {
  enum class Kind {
    Work,               // one step of plain module code
    Return,             // return <value>
    TryModuleGet,       // try_module_get(M)            (M: THIS_MODULE or another module)
    ModuleGet,          // __module_get(M)
    ModulePut,          // module_put(M)
    SymbolGet,          // symbol_get(B.fn)             (pins B unless it is COMING)
    SymbolPut,          // symbol_put(B.fn)
    Call,               // B.fn()                       (runs B's exported function)
    MutexLock,          // mutex_lock(name)
    MutexUnlock,        // mutex_unlock(name)
    SpinLock,           // spin_lock(name): preemption off until spin_unlock
    SpinUnlock,         // spin_unlock(name)
    PreemptDisable,     // preempt_disable()
    PreemptEnable,      // preempt_enable()
    AtomicInc,          // atomic_inc(name)
    AtomicDec,          // atomic_dec(name)
    AtomicSet,          // atomic_set(name, value)
    AtomicRead,         // atomic_read(name)            (in a condition)
    AtomicCmpxchg,      // atomic_cmpxchg(name, old, new) (in a condition: true when old != 0)
    AtomicDecAndTest,   // atomic_dec_and_test(name)
    Complete,           // complete(name)
    WaitForCompletion,  // wait_for_completion(name)
    Msleep,             // msleep(ms): a schedule point
    KthreadRun,         // kthread_run(fn)              (starts the fiber running `kthread <mod>.<fn>`)
    ModulePutAndExit,   // module_put_and_kthread_exit(v) / module_put_and_exit(v) (2.6.24)
    CompleteAndExit,    // kthread_complete_and_exit(name, v) / complete_and_exit (2.6.24)
    // Registration (init) and unregistration (exit).
    RegisterDevice,     // register_chrdev / cdev_add / misc_register, as the module's `register` says
    UnregisterChrdev,   // unregister_chrdev(major, name)
    CdevDel,            // cdev_del(&cdev)
    MiscDeregister,     // misc_deregister(&misc)
    CreateProcEntry,    // create_proc_entry(name) (2.6.24) / proc_create(name) (modern)
    SetProcOwner,       // proc->owner = THIS_MODULE (2.6.24)
    RemoveProcEntry,    // remove_proc_entry(name)
    // Reader-writer locks and RCU (models/sync.hpp).
    DownRead,           // down_read(sem)               (a rw_semaphore: may sleep)
    UpRead,             // up_read(sem)
    DownWrite,          // down_write(sem)
    UpWrite,            // up_write(sem)
    ReadLock,           // read_lock(rwl)               (an rwlock_t: preemption off until the unlock)
    ReadUnlock,         // read_unlock(rwl)
    WriteLock,          // write_lock(rwl)
    WriteUnlock,        // write_unlock(rwl)
    RcuReadLock,        // rcu_read_lock()
    RcuReadUnlock,      // rcu_read_unlock()
    SynchronizeRcu,     // synchronize_rcu()             (waits for every RCU reader and preempt-off section)
    // A callback registered with a caller framework (models/frameworks.hpp).
    // Deferred work (models/deferred.hpp): work items, timers, RCU callbacks, kthread_stop.
    QueueWork,          // schedule_work(fn) / queue_work(fn): queues work.<fn> (in a condition: true if it was not pending)
    FlushWork,          // flush_work(fn): waits until work.<fn> is neither pending nor running
    CancelWorkSync,     // cancel_work_sync(fn): unqueues it, then waits until it is not running
    ModTimer,           // mod_timer(fn) / add_timer(fn): arms timer.<fn>
    DelTimer,           // del_timer(fn): disarms it; does not wait
    DelTimerSync,       // del_timer_sync(fn): disarms it, then waits until its function is not running
    CallRcu,            // call_rcu(fn): rcu.<fn> runs after a grace period
    RcuBarrier,         // rcu_barrier(): waits until every queued RCU callback has run
    KthreadStop,        // kthread_stop(fn): sets should_stop, waits for the thread to exit
    KthreadShouldStop,  // kthread_should_stop()                 (in a condition, in kthread.<fn>)
    WaitShouldStop,     // wait_event(kthread_should_stop())    (in kthread.<fn>: sleeps until stopped)
    RegisterCallback,   // register(cb), or the framework's own name (genl_register_family(cb), ...)
    UnregisterCallback, // unregister(cb), or the framework's own name (genl_unregister_family(cb), ...)
    RemoveSelf,         // sysfs_remove_file_self(cb): a sysfs-store callback removes its own attribute
  };
  // A statement may be a condition: `if (!try_module_get(THIS_MODULE)) return -ENODEV`, or
  // `if (!try_module_get(fs)) { spin_unlock(fs_lock); return -ENODEV; }`: when the test holds,
  // `then` runs (each one step of module text), and a `return` in it returns.
  enum class Guard { None, IfTrue, IfFalse };
  Kind kind = Kind::Work;
  Guard guard = Guard::None;
  std::int64_t value = 0;   // Return, the guard's return value, exit code, msleep ms
  std::size_t module = 0;   // the module a get/put/call/symbol names (index)
  bool this_module = true;  // the module named is THIS_MODULE
  std::size_t name = 0;     // variable, lock, completion, function or thread index
  std::int64_t a = 0, b = 0;  // atomic_set value; atomic_cmpxchg old and new
  std::string text;         // as written in the scenario
  std::vector<Statement> then;  // with a guard
};

struct ProcDef {
  bool present = false;
  std::string name;                 // the entry is /proc/<name>
  Owner owner = Owner::Null;        // 2.6.24 proc_dir_entry->owner
  std::vector<Statement> open, read, release;
  bool has_open = false, has_read = false, has_release = false;
};

struct Function {
  std::string name;
  std::vector<Statement> body;
};

// A function the kernel runs later on the module's behalf: a work item (work.<fn>, run by a
// kworker), a timer (timer.<fn>, in softirq context) or an RCU callback (rcu.<fn>, after a grace
// period, in softirq context). It returns void: its end is one more step of module text.
enum class DeferredKind { Work, Timer, Rcu };
struct DeferredDef {
  std::string name;
  DeferredKind kind = DeferredKind::Work;
  std::vector<Statement> body;
};

// A callback the module registers with a caller framework (callback.<name>): the framework's
// preset (models/frameworks.hpp) says how core code looks it up, what it pins or holds across
// the call, and what unregistering takes or waits for.
struct CallbackDef {
  std::string name;
  std::size_t framework = 0;       // index into frameworks()
  Owner owner = Owner::Null;       // the ops structure's .owner, for a framework that pins it
  std::vector<Statement> body;     // the callback
  std::vector<Statement> release;  // the matching release, for a framework that pins for a lifetime
  bool has_release = false;
};

struct ModuleDef {
  std::string name;
  std::string device;  // the node is /dev/<device>
  Registration registration = Registration::RegisterChrdev;
  Owner fops_owner = Owner::Null;
  Owner cdev_owner = Owner::Null;  // with RegisterChrdev, a copy of fops_owner
  std::vector<Statement> open, release, read, exit, init;
  bool has_open = false, has_release = false, has_read = false;
  bool insmod = false;    // some fiber loads it: it starts unloaded and `init` runs then
  ProcDef proc;
  std::vector<Function> exports;  // export.<fn>: functions other modules call or symbol_get
  std::vector<Function> kthreads;  // kthread.<fn>: thread functions for kthread_run
  std::vector<CallbackDef> callbacks;  // callback.<name>: registered in init, unregistered in exit
  std::vector<DeferredDef> deferred;   // work.<fn>, timer.<fn>, rcu.<fn>
  std::vector<std::size_t> depends;    // modules whose exported symbols it links against (ref_module)
};

struct Op {
  enum class Kind {
    Open,        // open /dev/<device>
    OpenProc,    // open /proc/<name>
    Read,        // read
    Close,       // close
    Rmmod,       // rmmod [-w|-f] <module>: delete_module(2)
    ToolRmmod,   // mit-rmmod / kmod-rmmod <module>: the userspace tool's pre-check, then delete_module
    Lsmod,       // lsmod <module>: the "Used by" count of /proc/modules
    Insmod,      // insmod <module>: load_module, init, LIVE
    Kthread,     // kthread <module>.<fn>: this fiber is that kernel thread
    Signal,      // signal <event>
    Wait,        // wait <event>
    Call,        // call <module>.<callback>: core code calls it through its framework
    Release,     // release <module>.<callback>: the end of a lifetime pin (close of a block device, tty, socket)
    Deferred,    // work/timer/rcu <module>.<fn>: this fiber is the kworker, timer softirq or RCU callback that runs it once
  };
  enum class Tool { ModuleInitTools, Kmod };
  Kind kind = Kind::Open;
  std::size_t module = 0;  // Open: the module whose device is opened; Rmmod: the module removed
  std::size_t name = 0;    // Kthread: the thread function; Signal/Wait: the event; Call/Release: the callback
  bool nonblock = true;    // Rmmod: O_NONBLOCK (rmmod -w clears it)
  bool force = false;      // Rmmod: O_TRUNC (rmmod -f)
  Tool tool = Tool::ModuleInitTools;
  std::string text;
};

struct FiberDef {
  std::string name;
  std::vector<Op> setup;  // runs before any interleaving: fibers' setups in order, each alone
  std::vector<Op> run;
  int cpu = -1;           // the CPU it runs on; -1: its index modulo the CPUs
};

struct Expectation {
  // false: the scenario has no [expect]; it asks "is this safe?": a violation or an incomplete
  // search does not match, and nothing else is compared.
  bool stated = true;
  bool violation = false;  // false: "safe"
  std::string kind;        // with violation
  std::optional<std::vector<std::string>> outcomes;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::vector<Era> eras;            // kernel = "modern" or ["2.6.24", "modern"]
  Era era = Era::Modern;            // the era this copy runs in (for_era)
  std::vector<Expectation> expects;  // per era, in the order of `eras`
  std::vector<ModuleDef> modules;
  std::vector<FiberDef> fibers;
  std::vector<std::string> events;  // names of signal/wait events
  // Named variables (atomic_t), mutexes, spinlocks and completions, shared by the modules.
  std::vector<std::string> vars, mutexes, spinlocks, completions;
  std::vector<std::string> rwsems, rwlocks;  // rw_semaphores and rwlock_ts
  Expectation expect;               // this copy's era's expectation
  bool multi_era() const { return eras.size() > 1; }
  // "name" or "name [2.6.24]" when the file lists several eras.
  std::string title() const;
};

// Calls f(statement, in_init) for every statement of the module's code, those inside an if's
// block included.
template <class F>
void for_each_statement(const ModuleDef& d, F&& f) {
  const auto body = [&](const std::vector<Statement>& b, bool init) {
    for (const auto& s : b) {
      f(s, init);
      for (const auto& inner : s.then) f(inner, init);
    }
  };
  for (const auto* b : {&d.open, &d.release, &d.read, &d.exit, &d.proc.open, &d.proc.read, &d.proc.release})
    body(*b, false);
  body(d.init, true);
  for (const auto& x : d.exports) body(x.body, false);
  for (const auto& x : d.kthreads) body(x.body, false);
  for (const auto& x : d.deferred) body(x.body, false);
  for (const auto& x : d.callbacks) {
    body(x.body, false);
    body(x.release, false);
  }
}

// The scenario as checked in one of its eras: `era` and `expect` set.
Scenario for_era(const Scenario& s, Era e);
// Each of its eras, in file order.
std::vector<Scenario> per_era(const Scenario& s);

}  // namespace rw::models
