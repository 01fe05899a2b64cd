// models/kernel_program.cpp
#include "models/kernel_program.hpp"

#include <algorithm>

#include "models/char_dev.hpp"
#include "models/errno.hpp"
#include "models/module.hpp"
#include "models/vfs.hpp"

namespace rw::models {

ObjectId KernelProgram::add_object(std::string name, bool is_lock) {
  objects_.push_back({std::move(name), is_lock});
  return static_cast<ObjectId>(objects_.size() - 1);
}

engine::Label KernelProgram::label(std::string text) {
  label_text_.push_back(std::move(text));
  return engine::Label::runtime(label_text_.back().c_str());
}

namespace {
bool same_ops(const std::vector<Op>& a, const std::vector<Op>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const Op& x, const Op& y) { return x.kind == y.kind && x.module == y.module; });
}
}  // namespace

KernelProgram::KernelProgram(Scenario scenario) : scenario_(std::move(scenario)) {
  // Fibers with the same operations (setup and run) are one class: processes running the same
  // program, interchangeable but for their pid. Their task state is theirs (write_fiber_state),
  // and nothing shared names a task but the engine's locks, so renaming them is sound. Their
  // outermost frame is named after the class, so that their positions compare equal.
  for (std::size_t i = 0; i < scenario_.fibers.size(); ++i) {
    const FiberDef& f = scenario_.fibers[i];
    fiber_names_.push_back(f.name);
    std::size_t c = 0;
    while (c < i && !(same_ops(scenario_.fibers[c].setup, f.setup) && same_ops(scenario_.fibers[c].run, f.run))) ++c;
    classes_.push_back(static_cast<std::uint32_t>(c));
    fiber_labels_.push_back(c == i ? label(f.name) : fiber_labels_[c]);
  }
  Kernel& k = kernel_;
  k.o_module_mutex = add_object("module_mutex", true);
  k.o_chrdevs_lock = add_object("chrdevs_lock", true);
  k.o_cdev_lock = add_object("cdev_lock", true);
  k.o_modules = add_object("modules");
  k.modules.resize(scenario_.modules.size());
  for (std::size_t i = 0; i < k.modules.size(); ++i) {
    Module& m = k.modules[i];
    const ModuleDef& d = scenario_.modules[i];
    m.def = &d;
    m.o_state = add_object(d.name + ".state");
    m.o_refcnt = add_object(d.name + ".refcnt");
    m.o_text = add_object(d.name + ".text");
    m.o_data = add_object(d.name + ".data");
    m.o_cdev = add_object(d.name + ".cdev");
    m.inode.path = "/dev/" + d.device;
    m.inode.obj = add_object(m.inode.path + ".i_cdev");
    auto body_labels = [&](const std::vector<Statement>& body, const char* fn) {
      std::vector<engine::Label> out;
      for (const auto& s : body) out.push_back(label(fmt::format("{}->{}: {}", d.name, fn, s.text)));
      return out;
    };
    m.labels.open = body_labels(d.open, "open");
    m.labels.release = body_labels(d.release, "release");
    m.labels.read = body_labels(d.read, "read");
    m.labels.exit = body_labels(d.exit, "exit");
    m.labels.call_open = label(d.name + "->open");
    m.labels.call_release = label(d.name + "->release");
    m.labels.call_read = label(d.name + "->read");
    m.labels.call_exit = label(d.name + "->exit");
  }
  k.tasks.resize(fiber_names_.size());
  reset();
}

void KernelProgram::reset() {
  // The state after insmod: init() ran, registered the char device, and the loader dropped
  // its initial reference (refcnt = MODULE_REF_BASE, state LIVE).
  for (auto& m : kernel_.modules) {
    m.state = ModuleState::Live;
    m.refcnt = MODULE_REF_BASE;
    m.listed = true;
    m.text_freed = m.data_freed = false;
    m.fops.home = &m;
    m.fops.owner = m.def->fops_owner == Owner::ThisModule ? &m : nullptr;
    const bool dynamic = m.def->registration == Registration::RegisterChrdev;
    m.cdev = Cdev{.owner = m.def->cdev_owner == Owner::ThisModule ? &m : nullptr,
                  .ops = &m.fops,
                  .home = dynamic ? nullptr : &m,
                  .kobj_refcount = 1,
                  .mapped = true,
                  .freed = false};
    m.inode.i_cdev = nullptr;
  }
  for (auto& t : kernel_.tasks) t = Task{};
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
      case Op::Kind::Read: ex.observe("read", vfs_read(c)); break;
      case Op::Kind::Close: ex.observe("close", vfs_close(c)); break;
      case Op::Kind::Rmmod: ex.observe("rmmod", delete_module(c, m)); break;
    }
  }
}

void KernelProgram::write_state(engine::StateWriter& out) const {
  const Kernel& k = kernel_;
  for (const auto& m : k.modules) {
    out.put(static_cast<std::uint64_t>(m.state));
    out.put_signed(m.refcnt);
    out.put((m.listed ? 1u : 0u) | (m.text_freed ? 2u : 0u) | (m.data_freed ? 4u : 0u) |
            (m.cdev.mapped ? 8u : 0u) | (m.cdev.freed ? 16u : 0u));
    out.put_signed(m.cdev.kobj_refcount);
    out.put_signed(cdev_index(k, m.inode.i_cdev));
  }
}

// struct task_struct's part: its open file, if any.
void KernelProgram::write_fiber_state(engine::FiberId f, engine::StateWriter& out) const {
  const Kernel& k = kernel_;
  const Task& t = k.tasks[f];
  std::int64_t f_op = 0, inode = 0;
  for (std::size_t i = 0; i < k.modules.size(); ++i) {
    if (t.f_op == &k.modules[i].fops) f_op = static_cast<std::int64_t>(i) + 1;
    if (t.f_inode == &k.modules[i].inode) inode = static_cast<std::int64_t>(i) + 1;
  }
  out.put(t.file_open ? 1 : 0);
  out.put_signed(f_op);
  out.put_signed(inode);
}

// Everything reset() sets, and nothing else changes: the modules' mutable fields and the tasks.
void KernelProgram::save_world(std::vector<std::byte>& out) const {
  for (const auto& m : kernel_.modules) {
    engine::put_bytes(out, m.state);
    engine::put_bytes(out, m.refcnt);
    const std::uint8_t flags = static_cast<std::uint8_t>((m.listed ? 1 : 0) | (m.text_freed ? 2 : 0) | (m.data_freed ? 4 : 0));
    engine::put_bytes(out, flags);
    engine::put_bytes(out, m.fops);
    engine::put_bytes(out, m.cdev);
    engine::put_bytes(out, m.inode.i_cdev);
  }
  for (const auto& t : kernel_.tasks) engine::put_bytes(out, t);
}

void KernelProgram::restore_world(std::span<const std::byte> in) {
  for (auto& m : kernel_.modules) {
    std::uint8_t flags = 0;
    engine::get_bytes(in, m.state);
    engine::get_bytes(in, m.refcnt);
    engine::get_bytes(in, flags);
    m.listed = (flags & 1) != 0;
    m.text_freed = (flags & 2) != 0;
    m.data_freed = (flags & 4) != 0;
    engine::get_bytes(in, m.fops);
    engine::get_bytes(in, m.cdev);
    engine::get_bytes(in, m.inode.i_cdev);
  }
  for (auto& t : kernel_.tasks) engine::get_bytes(in, t);
}

std::string KernelProgram::watch() const {
  std::string s;
  for (const auto& m : kernel_.modules) {
    if (!s.empty()) s += "; ";
    if (kernel_.modules.size() > 1) s += m.def->name + " ";
    s += fmt::format("refcnt {} {}", m.refcnt, to_string(m.state));
    if (m.data_freed) s += " freed";
    else if (m.text_freed) s += " text freed";
  }
  return s;
}

std::string KernelProgram::format_value(std::int64_t v) const { return errno_text(v); }

}  // namespace rw::models
