// models/kernel_program.cpp
#include "models/kernel_program.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#include "models/char_dev.hpp"
#include "models/deferred.hpp"
#include "models/errno.hpp"
#include "models/frameworks.hpp"
#include "models/module.hpp"
#include "models/proc.hpp"
#include "models/statements.hpp"
#include "models/userspace.hpp"
#include "models/vfs.hpp"

namespace rw::models {

ObjectId KernelProgram::add_object(std::string name, bool is_lock) {
  objects_.push_back({std::move(name), is_lock});
  return static_cast<ObjectId>(objects_.size() - 1);
}

std::string_view KernelProgram::keep(std::string text) { return text_.emplace_back(std::move(text)); }

engine::Label KernelProgram::label(std::string text) { return engine::Label::runtime(keep(std::move(text)).data()); }

namespace {
bool same_ops(const std::vector<Op>& a, const std::vector<Op>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Op& x, const Op& y) {
    return x.kind == y.kind && x.module == y.module && x.name == y.name && x.nonblock == y.nonblock &&
           x.force == y.force && x.tool == y.tool;
  });
}
}  // namespace

KernelProgram::KernelProgram(Scenario scenario) : scenario_(std::move(scenario)) {
  Kernel& k = kernel_;
  k.era = scenario_.era;
  // Where a CPU's preemption matters, preempt-disabled spans take the CPU's lock: in 2.6.24
  // always (stop_machine), in the modern model when module code disables preemption and two
  // fibers share a CPU. Fibers run on CPU (index mod NR_CPUS) unless the scenario says.
  std::vector<int> cpus;
  for (std::size_t i = 0; i < scenario_.fibers.size(); ++i) {
    const int cpu = scenario_.fibers[i].cpu;
    cpus.push_back(cpu >= 0 ? cpu : static_cast<int>(i % kCpus));
  }
  bool module_preempt = false;
  for (const auto& m : scenario_.modules)
    for_each_statement(m, [&](const Statement& st, bool) {
      module_preempt |= st.kind == Statement::Kind::SpinLock || st.kind == Statement::Kind::PreemptDisable;
    });
  bool shared_cpu = false;
  for (std::size_t i = 0; i < cpus.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) shared_cpu |= cpus[i] == cpus[j];
  k.cpu_locks = k.era == Era::V2_6_24 || (module_preempt && shared_cpu);
  const bool cpu_matters = k.cpu_locks || k.era == Era::V2_6_24;

  // Fibers with the same operations (setup and run), on the same CPU where the CPU matters, are
  // one class: processes running the same program, interchangeable but for their pid. Their
  // task state is theirs (write_fiber_state), and what is shared names a task only through
  // put_fiber (lock holders, mod->waiter), so renaming them is sound. Their outermost frame is
  // named after the class, so that their positions compare equal.
  for (std::size_t i = 0; i < scenario_.fibers.size(); ++i) {
    const FiberDef& f = scenario_.fibers[i];
    fiber_names_.push_back(f.name);
    std::size_t c = 0;
    while (c < i && !(same_ops(scenario_.fibers[c].setup, f.setup) && same_ops(scenario_.fibers[c].run, f.run) &&
                      (!cpu_matters || cpus[c] == cpus[i])))
      ++c;
    classes_.push_back(static_cast<std::uint32_t>(c));
    fiber_labels_.push_back(c == i ? label(f.name) : fiber_labels_[c]);
  }
  k.o_module_mutex = add_object("module_mutex", true);
  k.o_chrdevs_lock = add_object("chrdevs_lock", true);
  k.o_cdev_lock = add_object("cdev_lock", true);
  k.o_modules = add_object("modules");
  for (std::size_t i = 0; i < kCpus; ++i) k.o_cpu[i] = add_object(fmt::format("cpu{}", i), true);
  k.o_misc_mtx = add_object("misc_mtx", true);
  k.o_misc_list = add_object("misc_list");
  k.o_proc_subdir_lock = add_object("proc_subdir_lock", true);
  k.o_proc_dir_mutex = add_object("/proc i_mutex", true);
  k.o_rcu = add_object("rcu");
  for (const auto& n : scenario_.vars) k.o_vars.push_back(add_object(n));
  for (const auto& n : scenario_.mutexes) k.o_mutexes.push_back(add_object(n, true));
  for (const auto& n : scenario_.spinlocks) k.o_spinlocks.push_back(add_object(n, true));
  for (const auto& n : scenario_.completions) k.o_completions.push_back(add_object(n));
  for (const auto& n : scenario_.events) k.o_events.push_back(add_object("event " + n));
  // Reader-writer locks: the scenario's rw_semaphores, its rwlock_ts, then the frameworks' own
  // (created below, one per lock name, or one per callback where the framework has one each).
  for (const auto& n : scenario_.rwsems) k.o_rwsems.push_back(add_object(n));
  k.first_rwlock = static_cast<std::uint8_t>(k.o_rwsems.size());
  for (const auto& n : scenario_.rwlocks) k.o_rwsems.push_back(add_object(n));
  k.first_core_rwsem = static_cast<std::uint8_t>(k.o_rwsems.size());
  std::vector<std::pair<std::string, ObjectId>> core_locks;  // by name: engine mutexes and rwsems' objects
  k.vars.assign(scenario_.vars.size(), 0);
  k.completions.assign(scenario_.completions.size(), 0);
  k.events.assign(scenario_.events.size(), 0);
  k.modules.resize(scenario_.modules.size());
  labels_.resize(scenario_.modules.size());
  for (std::size_t i = 0; i < k.modules.size(); ++i) {
    Module& m = k.modules[i];
    const ModuleDef& d = scenario_.modules[i];
    m.def = &d;
    m.index = i;
    m.labels = &labels_[i];
    m.o_state = add_object(d.name + ".state");
    m.o_refcnt = add_object(d.name + ".refcnt");
    m.o_text = add_object(d.name + ".text");
    m.o_data = add_object(d.name + ".data");
    m.o_cdev = add_object(d.name + ".cdev");
    for (std::size_t c = 0; c < kCpus; ++c) m.o_ref[c] = add_object(fmt::format("{}.ref[{}]", d.name, c));
    m.o_waiter = add_object(d.name + ".waiter");
    m.o_kthreads = add_object(d.name + ".kthreads");
    m.o_proc = add_object("/proc/" + (d.proc.present ? d.proc.name : d.name));
    m.o_pde_lock = add_object("/proc/" + (d.proc.present ? d.proc.name : d.name) + ".pde_unload_lock", true);
    m.inode.path = keep("/dev/" + d.device);
    m.inode.obj = add_object(std::string(m.inode.path) + ".i_cdev");
    auto body_labels = [&](const std::vector<Statement>& body, const std::string& fn) {
      Module::BodyLabels out;
      out.call = label(d.name + "->" + fn);
      for (const auto& st : body) {
        out.stmt.push_back(label(fmt::format("{}->{}: {}", d.name, fn, st.text)));
        out.branch.push_back(label(fmt::format("{}->{}: {}: test the result", d.name, fn, st.text)));
        out.then.emplace_back();
        for (const auto& inner : st.then) out.then.back().push_back(label(fmt::format("{}->{}: {}", d.name, fn, inner.text)));
      }
      return out;
    };
    Module::Labels& l = labels_[i];
    l.open = body_labels(d.open, "open");
    l.release = body_labels(d.release, "release");
    l.read = body_labels(d.read, "read");
    l.exit = body_labels(d.exit, "exit");
    l.init = body_labels(d.init, "init");
    l.proc_open = body_labels(d.proc.open, "proc_open");
    l.proc_read = body_labels(d.proc.read, "proc_read");
    l.proc_release = body_labels(d.proc.release, "proc_release");
    for (const auto& f : d.exports) l.exports.push_back(body_labels(f.body, f.name));
    for (const auto& f : d.kthreads) l.kthreads.push_back(body_labels(f.body, f.name));
    for (std::size_t fn = 0; fn < d.deferred.size(); ++fn) {
      const DeferredDef& dd = d.deferred[fn];
      l.deferred.push_back(body_labels(dd.body, dd.name));
      m.o_deferred[fn] = add_object(fmt::format("{}.{} ({})", d.name, dd.name,
                                                dd.kind == DeferredKind::Work    ? "work_struct"
                                                : dd.kind == DeferredKind::Timer ? "timer_list"
                                                                                 : "rcu_head"));
    }
    for_each_statement(d, [&](const Statement& st, bool) {
      if (st.kind == Statement::Kind::KthreadStop) m.kthread_stopped[st.name] = true;
    });
    for (std::size_t cb = 0; cb < d.callbacks.size(); ++cb) {
      const CallbackDef& cd = d.callbacks[cb];
      const Framework& fw = frameworks()[cd.framework];
      l.callbacks.push_back(body_labels(cd.body, cd.name));
      l.cb_releases.push_back(body_labels(cd.release, fmt::format("{}.{}", cd.name, fw.release_field)));
      l.cb_steps.push_back(callback_steps(fw, d.name, cd.name, [this](std::string t) { return label(std::move(t)); }));
      m.o_cb[cb] = add_object(fmt::format("{}.{} ({})", d.name, cd.name, fw.ops));
      k.rcu_used |= fw.across == Across::Rcu || fw.lookup_rcu || fw.unregister_syncs;
      if (fw.lock.empty() || fw.across == Across::Active || fw.across == Across::Irq) continue;
      const std::string lock = fw.lock_per_callback ? fmt::format("{}.{}: {}", d.name, cd.name, fw.lock) : std::string(fw.lock);
      const auto known = std::find_if(core_locks.begin(), core_locks.end(), [&](const auto& p) { return p.first == lock; });
      const bool rw = fw.across == Across::RwsemRead;
      if (known != core_locks.end()) {
        m.o_cb_lock[cb] = known->second;
      } else {
        m.o_cb_lock[cb] = add_object(lock, !rw);  // an rwsem is model state, a mutex the engine's
        core_locks.emplace_back(lock, m.o_cb_lock[cb]);
        if (rw) k.o_rwsems.push_back(m.o_cb_lock[cb]);
      }
      if (rw)
        m.cb_rwsem[cb] = static_cast<std::uint8_t>(
            std::find(k.o_rwsems.begin(), k.o_rwsems.end(), m.o_cb_lock[cb]) - k.o_rwsems.begin());
    }
    for_each_statement(d, [&](const Statement& st, bool) {
      using SK = Statement::Kind;
      k.rcu_used |= st.kind == SK::SymbolGet || st.kind == SK::SymbolPut || st.kind == SK::RcuReadLock ||
                    st.kind == SK::SynchronizeRcu || st.kind == SK::CallRcu || st.kind == SK::RcuBarrier;
    });
  }
  k.rwsems.assign(k.o_rwsems.size(), RwSem{});
  // A module no fiber loads starts as after insmod: init() ran, registered its device, /proc
  // entry and callbacks, linked against the modules it depends on (ref_module: a reference on
  // each, and an entry on its source_list), and the loader dropped its initial reference (LIVE, refcnt = MODULE_REF_BASE, every
  // per-CPU slot 0). A module some fiber loads starts absent.
  for (auto& m : k.modules) {
    const ModuleDef& d = *m.def;
    const bool loaded = !d.insmod;
    m.state = loaded ? ModuleState::Live : ModuleState::Unformed;
    m.refcnt = loaded ? MODULE_REF_BASE : 0;
    m.ever_loaded = loaded;
    m.listed = loaded;
    m.misc_listed = loaded && d.registration == Registration::MiscRegister;
    m.proc.registered = loaded && d.proc.present;
    m.proc.owner_set = m.proc.registered && d.proc.owner == Owner::ThisModule;
    for (std::size_t cb = 0; cb < d.callbacks.size(); ++cb) m.cb_registered[cb] = loaded;
    m.fops.home = &m;
    m.fops.owner = d.fops_owner == Owner::ThisModule ? &m : nullptr;
    const bool chrdev = d.registration == Registration::RegisterChrdev || d.registration == Registration::CdevAdd;
    // Only cdev_add's struct cdev is static, in the module's data; register_chrdev's is
    // cdev_alloc'd, and a misc or /proc-only module has none of its own.
    m.cdev = Cdev{.owner = d.cdev_owner == Owner::ThisModule ? &m : nullptr,
                  .ops = &m.fops,
                  .home = d.registration == Registration::CdevAdd ? &m : nullptr,
                  .kobj_refcount = 1,
                  .mapped = loaded && chrdev,
                  .freed = false};
  }
  for (auto& m : k.modules)
    if (!m.def->insmod)
      for (const std::size_t j : m.def->depends) {
        Module& target = k.modules[j];
        ++target.users;
        ++target.refcnt;
        ++target.ref[0];
      }
  k.tasks.resize(fiber_names_.size());
  for (std::size_t i = 0; i < k.tasks.size(); ++i) k.tasks[i].cpu = cpus[i];
  initial_ = kernel_;
}

// The world is one value (models/kernel.hpp): reset, save and restore copy its used bytes.
void KernelProgram::reset() {
  const auto from = used_bytes(initial_);
  std::memcpy(&kernel_, from.data(), from.size());
}

void KernelProgram::save_world(std::vector<std::byte>& out) const {
  const auto bytes = used_bytes(kernel_);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void KernelProgram::restore_world(std::span<const std::byte> in) {
  std::memcpy(&kernel_, in.data(), in.size());
}

void KernelProgram::run(Execution& ex, engine::FiberId self) {
  Ctx c{ex, kernel_, kernel_.tasks[self]};
  auto frame = ex.enter(fiber_labels_[self]);
  const FiberDef& def = scenario_.fibers[self];
  const std::size_t total = def.setup.size() + def.run.size();
  // Setup operations run alone, before any interleaving: the state the scenario starts from.
  if (!def.setup.empty()) ex.set_atomic(true);
  for (std::size_t i = 0; i < total; ++i) {
    if (i == def.setup.size()) ex.set_atomic(false);
    const Op& op = i < def.setup.size() ? def.setup[i] : def.run[i - def.setup.size()];
    ex.at(static_cast<std::uint32_t>(i));
    Module& m = kernel_.modules[op.module];
    switch (op.kind) {
      case Op::Kind::Open: ex.observe("open", vfs_open(c, m)); break;
      case Op::Kind::OpenProc: ex.observe("open", proc_open(c, m)); break;
      case Op::Kind::Read: ex.observe("read", vfs_read(c)); break;
      case Op::Kind::Close: ex.observe("close", vfs_close(c)); break;
      case Op::Kind::Rmmod:
        ex.observe("rmmod", delete_module(c, m, UnloadFlags{.nonblock = op.nonblock, .force = op.force}));
        break;
      case Op::Kind::ToolRmmod: ex.observe("rmmod", tool_rmmod(c, m, op.tool)); break;
      case Op::Kind::Lsmod: {
        // lsmod prints the count as /proc/modules has it ("%u" in 2.6.24, "%i" today), or no line.
        const auto used = proc_modules_refcount(c, m);
        ex.observe("lsmod", used == kNotListed ? message_value(Message::NotListed, m.index)
                                               : message_value(Message::UsedBy, m.index, used));
        break;
      }
      case Op::Kind::Insmod: ex.observe("insmod", load_module(c, m)); break;
      case Op::Kind::Kthread: {
        // kthread(): the new thread sleeps until kthread_run's wake_up_process, then calls
        // threadfn in module text; when threadfn returns, kthread() calls do_exit (core text).
        // Each kthread_run creates one thread: this fiber becomes one of those not yet taken.
        const Module& mm = m;
        const std::size_t fn = op.name;
        ex.wait_to_start(m.o_kthreads, engine::Access::ReadModifyWrite, "kthread: wait for kthread_run to wake us",
                         [&mm, fn] { return mm.kthread_starts[fn] > 0; });
        --m.kthread_starts[fn];
        // kernel/kthread.c kthread() (6.1): a thread stopped before it ran never calls threadfn.
        if (m.kthread_should_stop[fn]) {
          ex.note("KTHREAD_SHOULD_STOP already set: threadfn never runs");
          ex.observe("return", -EINTR);
          break;
        }
        ++m.kthread_running[fn];
        const BodyResult r = run_kthread(c, m, op.name);
        // do_exit, in core text: kthread_stop's wait for kthread->exited ends here (a step only
        // where some kthread_stop waits for it).
        ex.local(0, r.ret);
        ex.local(1, r.exited);
        if (m.kthread_stopped[fn])
          ex.step(m.o_kthreads, engine::Access::ReadModifyWrite, "kthread_exit: complete(&kthread->exited)");
        --m.kthread_running[fn];
        if (r.exited) ex.observe("exit", r.ret);
        else ex.observe("return", r.ret);
        break;
      }
      case Op::Kind::Deferred: {
        // It records that it ran: `work=0` (void functions return nothing else).
        const DeferredKind kind = m.def->deferred[op.name].kind;
        run_deferred(c, m, op.name);
        ex.observe(kind == DeferredKind::Work    ? engine::Label("work")
                   : kind == DeferredKind::Timer ? engine::Label("timer")
                                                 : engine::Label("rcu"),
                   0);
        break;
      }
      case Op::Kind::Call: ex.observe("call", call_callback(c, m, op.name)); break;
      case Op::Kind::Release: ex.observe("release", release_callback(c, m, op.name)); break;
      case Op::Kind::Signal:
        ex.step(kernel_.o_events[op.name], engine::Access::Write, "signal (userspace)");
        kernel_.events[op.name] = 1;
        break;
      case Op::Kind::Wait: {
        const Kernel& k = kernel_;
        const std::size_t e = op.name;
        ex.step_when(k.o_events[e], engine::Access::Read, "wait (userspace)", [&k, e] { return k.events[e] != 0; });
        break;
      }
    }
    check_no_locks_held(c, op.kind == Op::Kind::Kthread);
  }
}

// The userspace rmmod tools (shared/KERNEL.md §8). module-init-tools (the 2.6.24 era's) reads
// /proc/modules first and refuses a module in use without calling the kernel; kmod reads
// /sys/module/<name>/refcnt, modelled as the same read under module_mutex (the sysfs file's own
// protection, the teardown draining its readers, is not modelled). Both then call
// delete_module(name, O_NONBLOCK).
std::int64_t KernelProgram::tool_rmmod(Ctx& c, Module& m, Op::Tool tool) {
  auto frame = c.ex.enter(tool == Op::Tool::ModuleInitTools ? engine::Label("rmmod (module-init-tools)")
                                                             : engine::Label("rmmod (kmod)"));
  const std::int64_t refs = proc_modules_refcount(c, m);
  const auto msg = [&](Message what, int err = 0) { return message_value(what, m.index, err); };
  if (refs == kNotListed) return msg(tool == Op::Tool::ModuleInitTools ? Message::MitNotExist : Message::KmodNotLoaded);
  if (refs != 0) return msg(tool == Op::Tool::ModuleInitTools ? Message::MitInUse : Message::KmodInUse);
  const int r = delete_module(c, m, UnloadFlags{});
  if (r < 0) return msg(tool == Op::Tool::ModuleInitTools ? Message::MitRemoving : Message::KmodCouldNotRemove, -r);
  return 0;
}

namespace {
// Writes the future fields of the tables in models/kernel.hpp, each run of flags packed into
// one word (the first flag in bit 0).
class StateFields {
 public:
  StateFields(const Kernel& k, engine::StateWriter& out) : k_(k), out_(out) {}
  template <class T>
  void future(std::string_view, const T& x) {
    flush();
    put(x);
  }
  template <class T>
  void flag(std::string_view, const T& x, unsigned bits = 1) {
    flags_ |= static_cast<std::uint64_t>(x) << flag_bits_;
    flag_bits_ += bits;
  }
  void fiber(std::string_view, int f) {
    flush();
    if (f >= 0) out_.put_fiber(static_cast<engine::FiberId>(f));
    else out_.put(~std::uint64_t{0});
  }
  template <class T>
  void trace(std::string_view, const T&) {}
  template <class... T>
  void fixed(std::string_view, const T&...) {}
  void flush() {
    if (flag_bits_ == 0) return;
    out_.put(flags_);
    flags_ = 0;
    flag_bits_ = 0;
  }

 private:
  template <class T>
  void put(const T& x) {
    if constexpr (std::is_pointer_v<T>) out_.put_signed(module_index(k_, x));
    else if constexpr (std::is_enum_v<T>) put(std::to_underlying(x));
    else if constexpr (std::is_signed_v<T>) out_.put_signed(x);
    else if constexpr (std::is_integral_v<T>) out_.put(x);
    else for (const auto& e : x) put(e);
  }

  const Kernel& k_;
  engine::StateWriter& out_;
  std::uint64_t flags_ = 0;
  unsigned flag_bits_ = 0;
};
}  // namespace

void KernelProgram::write_state(engine::StateWriter& out) const {
  StateFields v(kernel_, out);
  for (const auto& m : kernel_.modules) module_fields(v, kernel_, m);
  kernel_fields(v, kernel_);
  v.flush();
}

void KernelProgram::write_fiber_state(engine::FiberId f, engine::StateWriter& out) const {
  StateFields v(kernel_, out);
  task_fields(v, kernel_.tasks[f]);
  v.flush();
}

std::string KernelProgram::symmetry_blocker() const {
  if (kernel_.era == Era::Modern)
    for (const auto& m : scenario_.modules)
      if (m.proc.present && m.proc.has_release)
        return fmt::format("proc_entry_rundown of /proc/{} releases open files in pde_openers order, which names "
                           "tasks",
                           m.proc.name);
  return {};
}

std::string KernelProgram::watch() const {
  std::string s;
  for (const auto& m : kernel_.modules) {
    if (!s.empty()) s += "; ";
    if (kernel_.modules.size() > 1) s += m.def->name + " ";
    if (kernel_.era == Era::V2_6_24) {
      s += "ref";
      for (std::size_t i = 0; i < kCpus; ++i) s += fmt::format("{}{}", i == 0 ? " " : "/", m.ref[i]);
      s += fmt::format(" {}", to_string(m.state));
    } else {
      s += fmt::format("refcnt {} {}", m.refcnt, to_string(m.state));
    }
    if (!m.listed && !m.data_freed) {
      s += m.ever_loaded ? " (unlinked)" : " (not loaded)";
      continue;
    }
    if (m.data_freed) s += " freed";
    else if (m.text_freed) s += " text freed";
  }
  return s;
}

std::string KernelProgram::format_value(std::int64_t v) const {
  if (auto text = message_text(v, scenario_)) return *text;
  return errno_text(v);
}

}  // namespace rw::models
