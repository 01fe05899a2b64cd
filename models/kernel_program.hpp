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

 private:
  ObjectId add_object(std::string name, bool is_lock = false);
  engine::Label label(std::string text);
  std::int64_t tool_rmmod(Ctx& c, Module& m, Op::Tool tool);

  Scenario scenario_;
  std::vector<std::string> fiber_names_;
  std::vector<engine::ObjectInfo> objects_;
  std::deque<std::string> label_text_;  // owns the text of runtime labels; never moves
  std::vector<engine::Label> fiber_labels_;  // per fiber: its class's first fiber's name
  std::vector<std::uint32_t> classes_;
  std::vector<int> cpus_;  // per fiber
  Kernel kernel_;
};

}  // namespace rw::models
