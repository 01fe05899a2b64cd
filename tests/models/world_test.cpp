// tests/models/world_test.cpp: the kernel world is one value (models/kernel.hpp). Saving and
// restoring it is a round trip, reset gives a fresh program's world, and the field tables say
// truly which fields decide the future: changing one changes the state, changing a field kept
// for traces does not, and a fixed field never changes.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <type_traits>
#include <utility>

#include "driver.hpp"

namespace rw::models::testing {
namespace {

KernelProgram& program(Driver& d) { return static_cast<KernelProgram&>(d.ex().program()); }

// The state as the search keys it: the shared world, then each fiber's part (no renaming).
std::vector<std::uint64_t> state_key(const KernelProgram& p) {
  engine::StateWriter w;
  p.write_state(w);
  for (engine::FiberId f = 0; f < p.fiber_names().size(); ++f) p.write_fiber_state(f, w);
  return {w.words().begin(), w.words().end()};
}

// Calls the field tables on every object of the world, in a fixed order.
template <class V, class K>
void visit_world(V& v, K& k) {
  for (auto& m : k.modules) module_fields(v, k, m);
  kernel_fields(v, k);
  for (auto& t : k.tasks) task_fields(v, t);
}

// Every value but the fixed ones, traces included; a pointer as the module it points into.
class Values {
 public:
  explicit Values(const Kernel& k) : k_(k) {}
  template <class T>
  void future(std::string_view, const T& x) { put(x); }
  template <class T>
  void flag(std::string_view, const T& x, unsigned = 1) { put(x); }
  void fiber(std::string_view, int x) { put(x); }
  template <class T>
  void trace(std::string_view, const T& x) { put(x); }
  template <class... T>
  void fixed(std::string_view, const T&...) {}
  std::vector<std::int64_t> out;

 private:
  template <class T>
  void put(const T& x) {
    if constexpr (std::is_pointer_v<T>) out.push_back(module_index(k_, x));
    else if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) out.push_back(static_cast<std::int64_t>(x));
    else for (const auto& e : x) put(e);
  }
  const Kernel& k_;
};

std::vector<std::int64_t> values(const KernelProgram& p) {
  Values v(p.kernel());
  visit_world(v, p.kernel());
  return v.out;
}

// The bytes of every fixed field.
struct FixedBytes {
  template <class T>
  void future(std::string_view, const T&) {}
  template <class T>
  void flag(std::string_view, const T&, unsigned = 1) {}
  void fiber(std::string_view, int) {}
  template <class T>
  void trace(std::string_view, const T&) {}
  template <class... T>
  void fixed(std::string_view, const T&... xs) {
    (put(xs), ...);
  }
  template <class T>
  void put(const T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&x);
    out.insert(out.end(), p, p + sizeof(T));
  }
  std::vector<std::byte> out;
};

std::vector<std::byte> fixed_bytes(const KernelProgram& p) {
  FixedBytes v;
  visit_world(v, p.kernel());
  return v.out;
}

// Changes the n-th field the tables visit (fixed ones aside) and says what it was for.
class ChangeField {
 public:
  ChangeField(Kernel& k, std::size_t n) : k_(k), n_(n) {}
  template <class T>
  void future(std::string_view field, T&& x) { visit(field, x, true); }
  template <class T>
  void flag(std::string_view field, T& x, unsigned = 1) { visit(field, x, true); }
  void fiber(std::string_view field, int& x) { visit(field, x, true); }
  template <class T>
  void trace(std::string_view field, T& x) { visit(field, x, false); }
  template <class... T>
  void fixed(std::string_view, T&...) {}

  std::string name;       // empty: there is no n-th field
  bool decides = false;   // visited as deciding the future
  bool changed = false;   // its value could be changed

 private:
  template <class T>
  void visit(std::string_view field, T& x, bool future) {
    if (seen_++ != n_) return;
    name = field;
    decides = future;
    changed = change(x);
  }
  template <class T>
  bool change(T& x) {
    if constexpr (std::is_same_v<T, bool>) x = !x;
    else if constexpr (std::is_pointer_v<T>) x = x != nullptr ? nullptr : const_cast<T>(part_of(k_.modules[0], x));
    else if constexpr (std::is_enum_v<T>) x = static_cast<T>(std::to_underlying(x) + 1);
    else if constexpr (std::is_integral_v<T>) x = static_cast<T>(x + 1);
    else return std::begin(x) != std::end(x) && change(*std::begin(x));
    return true;
  }
  Kernel& k_;
  std::size_t n_;
  std::size_t seen_ = 0;
};

// Two modules whose code uses every kind of shared value: in 2.6.24 (per-CPU counts and
// mod->waiter), with a /proc entry, a thread function, RCU (symbol_get), a variable, a
// completion and a userspace event, so that every conditional field of the tables is written.
const char* kEverything = R"toml(
name = "everything"
kernel = "2.6.24"
[module.a]
fops.owner = "THIS_MODULE"
fops.open = ["symbol_get(b.fn)", "atomic_inc(x)", "complete(done)", "symbol_put(b.fn)", "return 0"]
kthread.worker = ["return 0"]
[module.a.proc]
owner = "THIS_MODULE"
[module.b]
register = "none"
export.fn = ["return 0"]
[fiber.opener]
run = ["open /dev/a", "close"]
[fiber.signaller]
run = ["signal go"]
[fiber.waiter]
run = ["wait go"]
[expect]
verdict = "safe"
)toml";

TEST(World, SaveAndRestoreRoundTripAMidExecutionState) {
  Driver d(scenario(kOwnerPin, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                               "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n"));
  d.until("opener", "chardev->open: work");
  KernelProgram& p = program(d);
  std::vector<std::byte> saved;
  p.save_world(saved);
  EXPECT_EQ(saved.size(), used_bytes(p.kernel()).size());
  const auto key = state_key(p);
  const auto before = values(p);

  d.finish("opener");
  d.finish("rmmod");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | rmmod: rmmod=0");
  ASSERT_NE(values(p), before);

  p.restore_world(saved);
  EXPECT_EQ(state_key(p), key);
  EXPECT_EQ(values(p), before);
  EXPECT_EQ(p.kernel().modules[0].refcnt, MODULE_REF_BASE + 2);  // the file's two pins, as saved
  std::vector<std::byte> again;
  p.save_world(again);
  EXPECT_EQ(again, saved);
}

TEST(World, ResetGivesAFreshProgramsWorld) {
  const std::string toml = scenario(kNoOwnerSelfGet, "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
                                                     "[fiber.rmmod]\nrun = [\"rmmod chardev\"]\n");
  Driver d(toml);
  d.until("opener", "chardev->open: try_module_get(THIS_MODULE)");
  d.finish("rmmod");
  KernelProgram& p = program(d);
  const KernelProgram fresh(parse_or_die(toml));
  ASSERT_NE(values(p), values(fresh));  // the module is gone, the opener inside its open()

  p.reset();
  EXPECT_EQ(state_key(p), state_key(fresh));
  EXPECT_EQ(values(p), values(fresh));
  EXPECT_EQ(p.kernel().modules[0].state, ModuleState::Live);
  EXPECT_EQ(p.kernel().tasks[0].in_module, nullptr);
}

TEST(World, FixedFieldsKeepTheirValuesThroughAnExecution) {
  Driver d(kEverything);
  const auto before = fixed_bytes(program(d));
  d.finish("opener");
  d.finish("signaller");
  d.finish("waiter");
  EXPECT_EQ(d.outcome(), "opener: open=0 close=0 | signaller: - | waiter: -");
  EXPECT_EQ(fixed_bytes(program(d)), before);
}

TEST(World, AFieldThatDecidesTheFutureChangesTheStateAndATraceFieldDoesNot) {
  KernelProgram p(parse_or_die(kEverything));
  Kernel& k = p.kernel();
  k.tasks[0].preempt_count = 1;  // the task fields written only then
  const Kernel world = k;        // its pointers point into k, where it is copied back
  const auto key = state_key(p);
  std::set<std::string> future, trace;
  for (std::size_t n = 0;; ++n) {
    ChangeField change(k, n);
    visit_world(change, k);
    if (change.name.empty()) break;
    if (!change.changed) continue;  // an empty array (module b has no thread function)
    EXPECT_EQ(state_key(p) != key, change.decides)
        << change.name << (change.decides ? " decides the future but is not written" : " is for traces but is written");
    (change.decides ? future : trace).insert(change.name);
    k = world;
  }
  EXPECT_EQ(trace, (std::set<std::string>{"ever_loaded", "in_module", "holds", "unloading", "pins", "shield"}));
  for (const char* f : {"refcnt", "ref", "waiter", "proc.in_use", "kthread_starts", "vars", "completions", "events",
                        "rcu_readers", "file_open", "proc", "kind", "sleeping", "preempt_count"})
    EXPECT_TRUE(future.contains(f)) << f;
}

}  // namespace
}  // namespace rw::models::testing
