// models/kernel_program.hpp: a Scenario as an engine::Program. Builds the kernel's initial state
// (each module loaded, LIVE, its char device registered), and runs each fiber's operations.
#pragma once
#include <deque>
#include <string>
#include <vector>

#include "engine/program.hpp"
#include "models/kernel.hpp"
#include "models/scenario.hpp"

namespace rw::models {

class KernelProgram final : public engine::Program {
 public:
  explicit KernelProgram(Scenario scenario);
  // The world holds pointers into itself (a cdev's ops, a task's f_op): it never moves.
  KernelProgram(const KernelProgram&) = delete;
  KernelProgram& operator=(const KernelProgram&) = delete;
  const std::vector<std::string>& fiber_names() const override { return fiber_names_; }
  const std::vector<engine::ObjectInfo>& objects() const override { return objects_; }
  void reset() override;
  void run(Execution& ex, engine::FiberId self) override;
  void write_state(engine::StateWriter& out) const override;
  void write_fiber_state(engine::FiberId f, engine::StateWriter& out) const override;
  std::vector<std::uint32_t> fiber_classes() const override { return classes_; }
  void save_world(std::vector<std::byte>& out) const override;
  void restore_world(std::span<const std::byte> in) override;
  std::string watch() const override;
  std::string format_value(std::int64_t v) const override;
  std::string symmetry_blocker() const override;

  const Scenario& scenario() const { return scenario_; }
  Kernel& kernel() { return kernel_; }
  const Kernel& kernel() const { return kernel_; }

 private:
  ObjectId add_object(std::string name, bool is_lock = false);
  std::string_view keep(std::string text);
  engine::Label label(std::string text);
  std::int64_t tool_rmmod(Ctx& c, Module& m, Op::Tool tool);

  Scenario scenario_;
  std::vector<std::string> fiber_names_;
  std::vector<engine::ObjectInfo> objects_;
  std::deque<std::string> text_;  // owns the text of runtime labels and /dev paths; never moves
  std::vector<Module::Labels> labels_;  // per module; sized once, so Module::labels stay valid
  std::vector<engine::Label> fiber_labels_;  // per fiber: its class's first fiber's name
  std::vector<std::uint32_t> classes_;
  Kernel kernel_;
  Kernel initial_;  // kernel_ as reset() leaves it (its pointers point into kernel_)
};

}  // namespace rw::models
