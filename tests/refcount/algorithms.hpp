// tests/refcount/algorithms.hpp: each algorithm of models/refcount.hpp described once for the
// tests: its operations, how one is applied (generic code, the same for both flavours), its
// object in either flavour, and the counter values that must agree. A one-fiber engine Program
// runs the stepped flavour.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/execution.hpp"
#include "engine/program.hpp"
#include "models/atomic_std.hpp"
#include "models/atomic_stepped.hpp"
#include "models/kernel.hpp"
#include "models/refcount.hpp"

namespace rw::models::testing {

// One fiber running `body`. The world it acts on belongs to the test; reset() leaves it alone.
class OneFiber final : public engine::Program {
 public:
  OneFiber(std::vector<engine::ObjectInfo> objects, std::function<void(engine::Execution&)> body)
      : objects_(std::move(objects)), body_(std::move(body)) {}
  const std::vector<std::string>& fiber_names() const override { return names_; }
  const std::vector<engine::ObjectInfo>& objects() const override { return objects_; }
  void reset() override {}
  void run(engine::Execution& ex, engine::FiberId) override { body_(ex); }
  void write_state(engine::StateWriter&) const override {}

 private:
  std::vector<std::string> names_{"cpu"};
  std::vector<engine::ObjectInfo> objects_;
  std::function<void(engine::Execution&)> body_;
};

// Runs the program's one execution to its end, with tracing.
struct SteppedRun {
  std::optional<engine::Violation> violation;
  std::vector<engine::TraceStep> trace;
  std::uint32_t steps = 0;
};
inline SteppedRun run_stepped(OneFiber& program) {
  engine::Execution ex(program);
  ex.begin(true);
  while (!ex.over()) ex.advance(ex.runnable().front());
  return {ex.violation(), ex.trace(), ex.depth()};
}

// What a sequence of operations did: each operation's return value, the operations whose WARN
// fired (the kernel logs it and carries on), where a BUG stopped the sequence (kKernelBug, or
// a violation's kind; "" when nothing did), and the counters at the end.
struct Outcome {
  std::vector<std::int64_t> results;
  std::vector<std::size_t> warned;
  std::string stopped;
  std::vector<std::int64_t> counters;
  bool operator==(const Outcome&) const = default;
};

// Stepped hooks that log as the std flavour does: a WARN is counted and the algorithm carries on;
// a BUG is counted and the algorithm returns where the kernel would have stopped.
class LoggingHooks final : public SteppedHooks {
 public:
  void accessed(const char*) override {}
  void warn(Site, std::int64_t) override { ++log.warnings; }
  void bug(Site, std::int64_t) override { ++log.bugs; }
  StdKernelLog log;
};

struct Op {
  int kind = 0;
  unsigned cpu = 0;
};

// ---- modern --------------------------------------------------------------------------------
struct Modern {
  enum Kind { Get, ModuleGet, Put, Release, Going, kKinds };
  static constexpr const char* kNames[] = {"try_module_get", "__module_get", "module_put",
                                           "try_release_module_ref", "state = GOING"};
  static constexpr unsigned kCpus = 1;
  using Native = modern::Module<StdAtomic>;
  struct World {
    ModuleState state = ModuleState::Live;
    int refcnt = MODULE_REF_BASE;
  };
  static std::vector<engine::ObjectInfo> objects() { return {{"state"}, {"refcnt"}}; }
  static modern::Module<SteppedAtomic> stepped(StepContext& sc, World& w) {
    return {.state = {&sc, &w.state, 0, "state"}, .refcnt = {&sc, &w.refcnt, 1, "refcnt"}};
  }
  template <class M>
  static std::int64_t apply(M& mod, Op op) {
    switch (op.kind) {
      case Get: return modern::try_module_get(mod) ? 1 : 0;
      case ModuleGet: modern::__module_get(mod); return 0;
      case Put: return modern::module_put(mod);
      case Release: return modern::try_release_module_ref(mod);
      default: set_going(mod); return 0;
    }
  }
  // What try_stop_module does after a release that returned 0; not one of the algorithms, so
  // written directly (in the one-fiber program, nothing else could see it between steps).
  static void set_going(Native& mod) { mod.state.counter.store(ModuleState::Going); }
  static void set_going(modern::Module<SteppedAtomic>& mod) { *mod.state.value = ModuleState::Going; }
  static std::vector<std::int64_t> counters(const Native& m) {
    return {static_cast<std::int64_t>(m.state.counter.load()), m.refcnt.counter.load()};
  }
  static std::vector<std::int64_t> counters(const World& w) { return {static_cast<std::int64_t>(w.state), w.refcnt}; }
};

// ---- 2.6.24 ----------------------------------------------------------------------------------
struct V2624 {
  enum Kind { Get, Put, Refcount, Stop, kKinds };
  static constexpr const char* kNames[] = {"try_module_get", "module_put", "module_refcount", "__try_stop_module"};
  static constexpr unsigned kCpus = 3;
  using Native = v2_6_24::Module<StdAtomic, kCpus>;
  using Stepped = v2_6_24::Module<SteppedAtomic, kCpus>;
  struct World {
    ModuleState state = ModuleState::Live;
    long ref[kCpus] = {};
  };
  static std::vector<engine::ObjectInfo> objects() {
    return {{"state"}, {"ref[0].count"}, {"ref[1].count"}, {"ref[2].count"}};
  }
  static Stepped stepped(StepContext& sc, World& w) {
    return {.state = {&sc, &w.state, 0, "state"},
            .ref = {{{&sc, &w.ref[0], 1, "ref[0].count"}},
                    {{&sc, &w.ref[1], 2, "ref[1].count"}},
                    {{&sc, &w.ref[2], 3, "ref[2].count"}}}};
  }
  template <class M>
  static std::int64_t apply(M& mod, Op op) {
    switch (op.kind) {
      case Get: return v2_6_24::try_module_get(mod, op.cpu) ? 1 : 0;
      case Put: return v2_6_24::module_put(mod, op.cpu) ? 1 : 0;
      case Refcount: return v2_6_24::module_refcount(mod);
      default: return v2_6_24::__try_stop_module(mod);
    }
  }
  static std::vector<std::int64_t> counters(const Native& m) {
    std::vector<std::int64_t> out{static_cast<std::int64_t>(m.state.counter.load())};
    for (const auto& r : m.ref) out.push_back(r.count.counter.load());
    return out;
  }
  static std::vector<std::int64_t> counters(const World& w) {
    std::vector<std::int64_t> out{static_cast<std::int64_t>(w.state)};
    for (long r : w.ref) out.push_back(r);
    return out;
  }
};

// ---- percpu_ref ----------------------------------------------------------------------------
struct Percpu {
  enum Kind { Get, TryGet, Put, ToAtomic, ToPercpu, Kill, IsZero, TryRelease, kKinds };
  static constexpr const char* kNames[] = {"percpu_ref_get", "percpu_ref_tryget_live", "percpu_ref_put",
                                           "percpu_ref_switch_to_atomic_sync", "percpu_ref_switch_to_percpu",
                                           "percpu_ref_kill", "percpu_ref_is_zero", "percpu_ref_try_release"};
  static constexpr unsigned kCpus = 2;
  using Native = percpu::percpu_ref<StdAtomic, StdRcu<kCpus>, kCpus>;
  using Stepped = percpu::percpu_ref<SteppedAtomic, SteppedRcu, kCpus>;
  struct World {
    unsigned long mode = 0;
    unsigned long pcpu[kCpus] = {};
    unsigned long count = 1 + percpu::PERCPU_COUNT_BIAS;
    int readers = 0;
  };
  static std::vector<engine::ObjectInfo> objects() {
    return {{"percpu_count_ptr"}, {"percpu_count[0]"}, {"percpu_count[1]"}, {"count"}, {"rcu"}};
  }
  static Stepped stepped(StepContext& sc, World& w) {
    return {.percpu_count_ptr = {&sc, &w.mode, 0, "percpu_count_ptr"},
            .percpu_count = {{{&sc, &w.pcpu[0], 1, "percpu_count[0]"}}, {{&sc, &w.pcpu[1], 2, "percpu_count[1]"}}},
            .count = {&sc, &w.count, 3, "count"},
            .rcu = {&sc, &w.readers, 4}};
  }
  template <class R>
  static std::int64_t apply(R& ref, Op op) {
    switch (op.kind) {
      case Get: percpu::percpu_ref_get(ref, op.cpu); return 0;
      case TryGet: return percpu::percpu_ref_tryget_live(ref, op.cpu) ? 1 : 0;
      case Put: return percpu::percpu_ref_put(ref, op.cpu) ? 1 : 0;
      case ToAtomic: percpu::percpu_ref_switch_to_atomic_sync(ref); return 0;
      case ToPercpu: percpu::percpu_ref_switch_to_percpu(ref); return 0;
      case Kill: return percpu::percpu_ref_kill(ref, op.cpu) ? 1 : 0;
      case IsZero: return percpu::percpu_ref_is_zero(ref) ? 1 : 0;
      default: return percpu::percpu_ref_try_release(ref);
    }
  }
  static std::vector<std::int64_t> counters(const Native& r) {
    std::vector<std::int64_t> out{static_cast<std::int64_t>(r.percpu_count_ptr.counter.load())};
    for (const auto& c : r.percpu_count) out.push_back(static_cast<std::int64_t>(c.count.counter.load()));
    out.push_back(static_cast<std::int64_t>(r.count.counter.load()));
    return out;
  }
  static std::vector<std::int64_t> counters(const World& w) {
    std::vector<std::int64_t> out{static_cast<std::int64_t>(w.mode)};
    for (unsigned long c : w.pcpu) out.push_back(static_cast<std::int64_t>(c));
    out.push_back(static_cast<std::int64_t>(w.count));
    return out;
  }
};

// ---- the floor -----------------------------------------------------------------------------
struct Plain {
  enum Kind { Get, Put, InUse, kKinds };
  static constexpr const char* kNames[] = {"get", "put", "in_use"};
  static constexpr unsigned kCpus = 1;
  using Native = plain::Counter<StdAtomic>;
  struct World {
    int count = MODULE_REF_BASE;
  };
  static std::vector<engine::ObjectInfo> objects() { return {{"count"}}; }
  static plain::Counter<SteppedAtomic> stepped(StepContext& sc, World& w) { return {.count = {&sc, &w.count, 0, "count"}}; }
  template <class C>
  static std::int64_t apply(C& c, Op op) {
    switch (op.kind) {
      case Get: return plain::get(c);
      case Put: return plain::put(c);
      default: return plain::in_use(c) ? 1 : 0;
    }
  }
  static std::vector<std::int64_t> counters(const Native& c) { return {c.count.counter.load()}; }
  static std::vector<std::int64_t> counters(const World& w) { return {w.count}; }
};

// ---- running a sequence both ways ---------------------------------------------------------

// The std flavour on this thread.
template <class A>
Outcome run_native(const std::vector<Op>& ops) {
  typename A::Native obj;
  Outcome out;
  std_kernel_log = {};
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const unsigned warnings = std_kernel_log.warnings;
    const std::int64_t r = A::apply(obj, ops[i]);
    if (std_kernel_log.bugs > 0) {
      out.stopped = kKernelBug;
      break;
    }
    out.results.push_back(r);
    if (std_kernel_log.warnings != warnings) out.warned.push_back(i);
  }
  out.counters = A::counters(obj);
  return out;
}

// The stepped flavour, as one fiber of an engine execution, with LoggingHooks; or, with
// `violations`, with no hooks, so that a WARN or BUG is a violation that ends the execution.
template <class A>
Outcome run_stepped(const std::vector<Op>& ops, SteppedRun* run = nullptr, bool violations = false) {
  typename A::World world;
  Outcome out;
  LoggingHooks hooks;
  OneFiber program(A::objects(), [&](engine::Execution& ex) {
    StepContext sc{&ex, violations ? nullptr : &hooks};
    auto obj = A::stepped(sc, world);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const unsigned warnings = hooks.log.warnings;
      const std::int64_t r = A::apply(obj, ops[i]);
      if (hooks.log.bugs > 0) {
        out.stopped = kKernelBug;
        return;
      }
      out.results.push_back(r);
      if (hooks.log.warnings != warnings) out.warned.push_back(i);
    }
  });
  SteppedRun r = run_stepped(program);
  if (r.violation) out.stopped = r.violation->kind;
  out.counters = A::counters(world);
  if (run != nullptr) *run = std::move(r);
  return out;
}

template <class A>
std::string describe(const std::vector<Op>& ops) {
  std::string s;
  for (const Op& op : ops) {
    if (!s.empty()) s += ", ";
    s += A::kNames[op.kind];
    if (A::kCpus > 1) {  // not "@" + to_string(): g++ 12 -O3 warns falsely (-Wrestrict)
      s += '@';
      s += std::to_string(op.cpu);
    }
  }
  return s;
}

// Sequences of 1 to 24 operations from a fixed seed.
template <class A>
std::vector<std::vector<Op>> random_sequences(std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<Op>> out(count);
  for (auto& seq : out) {
    const std::size_t n = 1 + rng() % 24;
    for (std::size_t i = 0; i < n; ++i)
      seq.push_back(Op{static_cast<int>(rng() % A::kKinds), static_cast<unsigned>(rng() % A::kCpus)});
  }
  return out;
}

}  // namespace rw::models::testing
