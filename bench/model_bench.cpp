// bench/model_bench.cpp: the refcount hot path. The model's try_module_get + module_put pair run
// as one fiber's steps inside the engine (3 steps: module_is_live, atomic_inc_not_zero,
// atomic_dec_if_positive), beside the same algorithm (models/refcount.hpp) on a real std::atomic
// as the hardware baseline. racewin_refcount_bench (refcount_bench.cpp) does this on threads.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/execution.hpp"
#include "engine/program.hpp"
#include "models/atomic_std.hpp"
#include "models/kernel.hpp"
#include "models/module.hpp"

namespace {
namespace eng = rw::engine;
namespace m = rw::models;

constexpr int kPairs = 1000;

// One LIVE module with fops.owner = THIS_MODULE, as KernelProgram::reset builds it after insmod,
// and one fiber that takes and drops a reference kPairs times.
class RefcountProgram final : public eng::Program {
 public:
  RefcountProgram() {
    def_.name = "bench";
    def_.device = "bench";
    def_.fops_owner = m::Owner::ThisModule;
    def_.cdev_owner = m::Owner::ThisModule;
    kernel_.modules.resize(1);
    kernel_.tasks.resize(1);
    m::Module& mod = kernel_.modules[0];
    mod.def = &def_;
    mod.o_state = 0;
    mod.o_refcnt = 1;
    mod.o_text = 2;
    mod.o_data = 3;
    reset();
  }
  const std::vector<std::string>& fiber_names() const override { return names_; }
  const std::vector<eng::ObjectInfo>& objects() const override { return objects_; }
  void reset() override {
    m::Module& mod = kernel_.modules[0];
    mod.state = m::ModuleState::Live;
    mod.refcnt = m::MODULE_REF_BASE;
    mod.listed = true;
    mod.text_freed = mod.data_freed = false;
    mod.fops.home = &mod;
    mod.fops.owner = &mod;
    kernel_.tasks[0] = m::Task{};
    failed_gets_ = 0;
  }
  void run(eng::Execution& ex, eng::FiberId self) override {
    m::Ctx c{ex, kernel_, kernel_.tasks[self]};
    auto frame = ex.enter("bench: get/put loop");
    m::Module* mod = &kernel_.modules[0];
    for (int i = 0; i < kPairs; ++i) {
      ex.at(static_cast<std::uint32_t>(i));
      if (!m::try_module_get(c, mod)) ++failed_gets_;
      m::module_put(c, mod);
    }
  }
  void write_state(eng::StateWriter& out) const override {
    out.put(static_cast<std::uint64_t>(kernel_.modules[0].state));
    out.put_signed(kernel_.modules[0].refcnt);
  }
  const m::Module& module() const { return kernel_.modules[0]; }
  int failed_gets() const { return failed_gets_; }

 private:
  m::ModuleDef def_;
  m::Kernel kernel_;
  std::vector<std::string> names_{"user"};
  std::vector<eng::ObjectInfo> objects_{{"bench.state"}, {"bench.refcnt"}, {"bench.text"}, {"bench.data"}};
  int failed_gets_ = 0;
};

}  // namespace

TEST_CASE("try_module_get + module_put in the engine", "[model]") {
  RefcountProgram program;
  eng::Execution ex(program);
  BENCHMARK("1000 try_module_get+module_put pairs (3000 steps)") {
    ex.begin(false);
    while (!ex.over()) ex.advance(ex.runnable().front());
    return program.module().refcnt;
  };
  REQUIRE(ex.complete());
  REQUIRE(ex.depth() == 3 * kPairs);
  REQUIRE(program.failed_gets() == 0);
  REQUIRE(program.module().refcnt == m::MODULE_REF_BASE);

  // The same algorithm (models/refcount.hpp) that the model's steps run, on std::atomic.
  m::modern::Module<m::StdAtomic> native;
  BENCHMARK("baseline: one get+put pair on a std::atomic (no engine)") {
    const bool got = m::modern::try_module_get(native);
    return m::modern::module_put(native) + (got ? 1 : 0);
  };
  REQUIRE(native.refcnt.counter.load() == m::MODULE_REF_BASE);
}
