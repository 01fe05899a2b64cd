// models/refcount.hpp: the module refcount algorithms, written once and generic over the atomic
// they use. With StdAtomic (models/atomic_std.hpp) they run on real threads for the benchmarks;
// with SteppedAtomic (models/atomic_stepped.hpp) every operation is one engine step, and
// models/module.cpp runs the modern ones under racewin. The algorithms use only the kernel's
// atomic_t operations (atomic_read, atomic_inc_not_zero, ...), each one linearizable operation,
// found by argument-dependent lookup on the atomic type; they know nothing of either flavour.
//
// Every call of an operation names its Site: the stepped flavour labels its step with it
// (models/atomic_stepped.cpp), the std flavour ignores it.
#pragma once
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>

namespace rw::models {

// include/linux/module.h: enum module_state.
enum class ModuleState { Live, Coming, Going, Unformed };
inline constexpr int MODULE_REF_BASE = 1;  // kernel/module/main.c

// Slots that different CPUs write live on separate cache lines (____cacheline_aligned).
inline constexpr std::size_t kCacheLine = 64;

// Each call site of an atomic operation in the algorithms below.
enum class Site : std::uint8_t {
  // modern
  TryModuleGetLive, TryModuleGetInc, ModuleGetInc, ModulePutDec, ReleaseSub, ReleaseRecover,
  // 2.6.24
  V2624GetLive, V2624GetInc, V2624PutDec, V2624PutLive, V2624RefcountRead, V2624StopGoing,
  // percpu_ref
  PercpuGetMode, PercpuGetCpu, PercpuGetAtomic,
  PercpuTrygetMode, PercpuTrygetCpu, PercpuTrygetDead, PercpuTrygetAtomic,
  PercpuPutMode, PercpuPutCpu, PercpuPutAtomic,
  PercpuToAtomicRead, PercpuToAtomicMark, PercpuToAtomicGp, PercpuToAtomicSum, PercpuToAtomicFold,
  PercpuKillRead, PercpuKillMark,
  PercpuToPercpuRead, PercpuToPercpuBias, PercpuToPercpuZero, PercpuToPercpuMark,
  PercpuIsZeroMode, PercpuIsZeroRead, PercpuTryReleaseRead,
  // the floor
  PlainGet, PlainPut, PlainRead,
  Count_
};

// ---- Modern: one atomic_t refcnt biased by MODULE_REF_BASE (kernel/module/main.c, ≈v6.10) ----
namespace modern {

// The fields of struct module that the refcount touches. refcnt sits on its own cache line, as
// it does in the kernel, far from the read-mostly state.
template <template <class> class Atomic>
struct Module {
  Atomic<ModuleState> state{ModuleState::Live};
  alignas(kCacheLine) Atomic<int> refcnt{MODULE_REF_BASE};
};

// Mirrors kernel/module/main.c try_module_get() (≈v6.10): module_is_live(), then
// atomic_inc_not_zero(&module->refcnt). The CAS is the linearization point; the state check is
// an early-out. Omitted: the NULL module (callers handle it: try_module_get(NULL) is true) and
// trace_module_get.
template <class Mod>
bool try_module_get(Mod& module) {
  /* Note: here, we can fail to get a reference */
  if (atomic_read(module.state, Site::TryModuleGetLive) == ModuleState::Going)  // !module_is_live()
    return false;
  return atomic_inc_not_zero(module.refcnt, Site::TryModuleGetInc);
}

// Mirrors kernel/module/main.c __module_get() (≈v6.10): an unconditional atomic_inc, which
// resurrects a count that reached 0 (W12 in shared/KERNEL.md).
template <class Mod>
void __module_get(Mod& module) {
  atomic_inc(module.refcnt, Site::ModuleGetInc);
}

// Mirrors kernel/module/main.c module_put() (≈v6.10): atomic_dec_if_positive, then
// WARN_ON(ret < 0) "Failed to put refcount". Returns ret, which the kernel's does not, so that a
// caller can see the WARN. Omitted: trace_module_put.
template <class Mod>
int module_put(Mod& module) {
  const int ret = atomic_dec_if_positive(module.refcnt, Site::ModulePutDec);
  warn_on(ret < 0, module.refcnt, Site::ModulePutDec); /* Failed to put refcount */
  return ret;
}

// Mirrors kernel/module/main.c try_release_module_ref() (≈v6.10): atomic_sub_return of the base,
// BUG_ON(ret < 0), and while users remain the atomic_add_unless(.., 0) recovery, which fails
// when a concurrent module_put dropped the last user between the two steps. Returns 0 when the
// module may go, 1 while in use, and the negative count where the kernel's BUG_ON stops.
template <class Mod>
int try_release_module_ref(Mod& mod) {
  /* Try to decrement refcnt which we set at loading */
  int ret = atomic_sub_return(MODULE_REF_BASE, mod.refcnt, Site::ReleaseSub);
  if (bug_on(ret < 0, mod.refcnt, Site::ReleaseSub)) return ret;
  if (ret != 0)
    /* Someone can put this right now, recover with checking */
    ret = atomic_add_unless(mod.refcnt, MODULE_REF_BASE, 0, Site::ReleaseRecover) ? 1 : 0;
  return ret;
}

}  // namespace modern

// ---- 2.6.24: one local_t per CPU (kernel/module.c, include/linux/module.h of 2.6.24) ----------
namespace v2_6_24 {

// struct module's state and `struct module_ref { local_t count; } ____cacheline_aligned
// ref[NR_CPUS]`. Only the sum of the slots means anything: a get on one CPU and a put on another
// leave +1 and -1.
template <template <class> class Atomic, std::size_t NR_CPUS>
struct Module {
  Atomic<ModuleState> state{ModuleState::Live};
  struct alignas(kCacheLine) module_ref {
    Atomic<long> count{0};
  } ref[NR_CPUS];
};

// Mirrors include/linux/module.h try_module_get() (2.6.24): get_cpu(); if module_is_live(),
// local_inc(&module->ref[cpu].count), else fail; put_cpu(). `cpu` is the caller's CPU, and the
// preempt-disabled span is the caller's: check and increment are made atomic with respect to
// the unload decision only by stop_machine (shared/KERNEL.md §3.2), which this code leaves out.
template <class Mod>
bool try_module_get(Mod& module, unsigned cpu) {
  if (atomic_read(module.state, Site::V2624GetLive) == ModuleState::Going) return false;
  local_inc(module.ref[cpu].count, Site::V2624GetInc);
  return true;
}

// Mirrors kernel/module.c module_put() (2.6.24): local_dec(&module->ref[cpu].count), then
// wake_up_process(module->waiter) if the module is no longer live. Returns whether it would
// wake the waiter. Omitted: the waiter itself (rmmod --wait, issue #4).
template <class Mod>
bool module_put(Mod& module, unsigned cpu) {
  local_dec(module.ref[cpu].count, Site::V2624PutDec);
  return atomic_read(module.state, Site::V2624PutLive) == ModuleState::Going;
}

// Mirrors kernel/module.c module_refcount() (2.6.24): the unsigned sum of every CPU's slot, NR_CPUS
// separate reads, exact only while no CPU moves its slot (under stop_machine).
template <class Mod>
unsigned module_refcount(Mod& mod) {
  unsigned total = 0;
  for (auto& r : mod.ref) total += static_cast<unsigned>(local_read(r.count, Site::V2624RefcountRead));
  return total;
}

// Mirrors kernel/module.c __try_stop_module() (2.6.24) with O_NONBLOCK and no forcing: in use ->
// -EWOULDBLOCK, else mod->state = MODULE_STATE_GOING. Omitted: stop_machine_run around it (every
// other CPU spinning with interrupts off), try_force_unload.
template <class Mod>
int __try_stop_module(Mod& mod) {
  if (module_refcount(mod) != 0) return -EWOULDBLOCK;
  atomic_set(mod.state, ModuleState::Going, Site::V2624StopGoing);
  return 0;
}

}  // namespace v2_6_24

// ---- percpu_ref: per-CPU counts until a switch to one atomic count (lib/percpu-refcount.c) ----
namespace percpu {

inline constexpr unsigned long __PERCPU_REF_ATOMIC = 1UL << 0;
inline constexpr unsigned long __PERCPU_REF_DEAD = 1UL << 1;
inline constexpr unsigned long __PERCPU_REF_ATOMIC_DEAD = __PERCPU_REF_ATOMIC | __PERCPU_REF_DEAD;
inline constexpr unsigned long PERCPU_COUNT_BIAS = 1UL << (sizeof(unsigned long) * CHAR_BIT - 1);

// struct percpu_ref with its data: the mode bits (the kernel keeps them in the low bits of the
// per-CPU pointer), one counter per CPU on its own cache line, and the atomic count, which holds
// PERCPU_COUNT_BIAS while the per-CPU counters are in use so that it cannot reach zero then. The
// count is unsigned here (atomic_long_t in the kernel, which wraps the same way). Rcu is the
// grace-period mechanism of the flavour.
template <template <class> class Atomic, class Rcu, std::size_t NR_CPUS>
struct percpu_ref {
  Atomic<unsigned long> percpu_count_ptr{0};
  struct alignas(kCacheLine) percpu_count_t {
    Atomic<unsigned long> count{0};
  } percpu_count[NR_CPUS];
  alignas(kCacheLine) Atomic<unsigned long> count{1 + PERCPU_COUNT_BIAS};  // ref->data->count
  Rcu rcu;
};

// Mirrors include/linux/percpu-refcount.h __ref_is_percpu(): READ_ONCE(ref->percpu_count_ptr),
// per-CPU unless ATOMIC or DEAD is set. The kernel orders the per-CPU access after it by the
// address dependency on the pointer; the acquire load is that ordering here.
template <class Ref>
bool __ref_is_percpu(Ref& ref, Site site) {
  return (smp_load_acquire(ref.percpu_count_ptr, site) & __PERCPU_REF_ATOMIC_DEAD) == 0;
}

// Mirrors include/linux/percpu-refcount.h percpu_ref_get_many(ref, 1).
template <class Ref>
void percpu_ref_get(Ref& ref, unsigned cpu) {
  rcu_read_lock(ref.rcu, cpu);
  if (__ref_is_percpu(ref, Site::PercpuGetMode))
    this_cpu_add(ref.percpu_count[cpu].count, 1, Site::PercpuGetCpu);
  else
    atomic_add(1, ref.count, Site::PercpuGetAtomic);
  rcu_read_unlock(ref.rcu, cpu);
}

// Mirrors include/linux/percpu-refcount.h percpu_ref_tryget_live(): succeeds in per-CPU mode,
// fails once the ref is dead, else atomic_long_inc_not_zero. The DEAD test is a second read of
// percpu_count_ptr, as in the kernel.
template <class Ref>
bool percpu_ref_tryget_live(Ref& ref, unsigned cpu) {
  bool ret = false;
  rcu_read_lock(ref.rcu, cpu);
  if (__ref_is_percpu(ref, Site::PercpuTrygetMode)) {
    this_cpu_add(ref.percpu_count[cpu].count, 1, Site::PercpuTrygetCpu);  // this_cpu_inc
    ret = true;
  } else if ((atomic_read(ref.percpu_count_ptr, Site::PercpuTrygetDead) & __PERCPU_REF_DEAD) == 0) {
    ret = atomic_inc_not_zero(ref.count, Site::PercpuTrygetAtomic);
  }
  rcu_read_unlock(ref.rcu, cpu);
  return ret;
}

// Mirrors include/linux/percpu-refcount.h percpu_ref_put_many(ref, 1). Returns true when it
// dropped the last reference, where the kernel calls ref->data->release(ref).
template <class Ref>
bool percpu_ref_put(Ref& ref, unsigned cpu) {
  bool released = false;
  rcu_read_lock(ref.rcu, cpu);
  if (__ref_is_percpu(ref, Site::PercpuPutMode))
    this_cpu_sub(ref.percpu_count[cpu].count, 1, Site::PercpuPutCpu);
  else if (atomic_sub_and_test(1, ref.count, Site::PercpuPutAtomic))
    released = true;
  rcu_read_unlock(ref.rcu, cpu);
  return released;
}

// Mirrors lib/percpu-refcount.c __percpu_ref_switch_to_atomic() followed by its RCU callback
// percpu_ref_switch_to_atomic_rcu(), run synchronously as percpu_ref_switch_to_atomic_sync()
// waits for them: set __PERCPU_REF_ATOMIC, wait for a grace period (after which no get or put
// still uses the per-CPU counters), then fold their sum into the count and remove the bias.
// Omitted: the confirm callback, percpu_ref_switch_lock (one switcher at a time here), and the
// extra reference the kernel holds across the asynchronous grace period.
template <class Ref>
void percpu_ref_switch_to_atomic_sync(Ref& ref) {
  const unsigned long mode = atomic_read(ref.percpu_count_ptr, Site::PercpuToAtomicRead);
  if ((mode & __PERCPU_REF_ATOMIC) != 0) return;
  atomic_set(ref.percpu_count_ptr, mode | __PERCPU_REF_ATOMIC, Site::PercpuToAtomicMark);
  synchronize_rcu(ref.rcu, Site::PercpuToAtomicGp);
  unsigned long count = 0;
  for (auto& c : ref.percpu_count) count += atomic_read(c.count, Site::PercpuToAtomicSum);
  atomic_add(count - PERCPU_COUNT_BIAS, ref.count, Site::PercpuToAtomicFold);
}

// Mirrors lib/percpu-refcount.c percpu_ref_switch_to_percpu() -> __percpu_ref_switch_to_percpu():
// nothing while the ref is dying or already per-CPU; else put the bias back, zero the per-CPU
// counters, and clear __PERCPU_REF_ATOMIC with smp_store_release so that a get that sees per-CPU
// mode sees the zeroed counters. Omitted: the allow_reinit check.
template <class Ref>
void percpu_ref_switch_to_percpu(Ref& ref) {
  const unsigned long mode = atomic_read(ref.percpu_count_ptr, Site::PercpuToPercpuRead);
  if ((mode & __PERCPU_REF_DEAD) != 0 || (mode & __PERCPU_REF_ATOMIC) == 0) return;
  atomic_add(PERCPU_COUNT_BIAS, ref.count, Site::PercpuToPercpuBias);
  for (auto& c : ref.percpu_count) atomic_set(c.count, 0, Site::PercpuToPercpuZero);
  smp_store_release(ref.percpu_count_ptr, mode & ~__PERCPU_REF_ATOMIC, Site::PercpuToPercpuMark);
}

// Mirrors lib/percpu-refcount.c percpu_ref_kill() = percpu_ref_kill_and_confirm(ref, NULL):
// WARN_ONCE if already dying, set __PERCPU_REF_DEAD (tryget_live fails from here on), switch to
// atomic mode, and drop the initial reference with percpu_ref_put. Returns true when that put
// released the last reference. `cpu` is the killer's, for the put.
template <class Ref>
bool percpu_ref_kill(Ref& ref, unsigned cpu) {
  const unsigned long mode = atomic_read(ref.percpu_count_ptr, Site::PercpuKillRead);
  warn_on((mode & __PERCPU_REF_DEAD) != 0, ref.percpu_count_ptr, Site::PercpuKillRead);
  atomic_set(ref.percpu_count_ptr, mode | __PERCPU_REF_DEAD, Site::PercpuKillMark);
  percpu_ref_switch_to_atomic_sync(ref);
  return percpu_ref_put(ref, cpu);
}

// Mirrors include/linux/percpu-refcount.h percpu_ref_is_zero(): false in per-CPU mode, else
// whether the count is 0.
template <class Ref>
bool percpu_ref_is_zero(Ref& ref) {
  if (__ref_is_percpu(ref, Site::PercpuIsZeroMode)) return false;
  return atomic_read(ref.count, Site::PercpuIsZeroRead) == 0;
}

// Not a kernel function: a module unload built on percpu_ref, as try_release_module_ref is on
// atomic_t. Switch to atomic mode and look: only the initial reference left -> 0 (the caller
// would now percpu_ref_kill, staying in atomic mode), users left -> switch back to per-CPU mode,
// 1. Killing first instead would be one-way: gets would fail from then on.
template <class Ref>
int percpu_ref_try_release(Ref& ref) {
  percpu_ref_switch_to_atomic_sync(ref);
  if (atomic_read(ref.count, Site::PercpuTryReleaseRead) == 1) return 0;
  percpu_ref_switch_to_percpu(ref);
  return 1;
}

}  // namespace percpu

// ---- The floor: a plain counter, fetch_add to get and fetch_sub to put -----------------------
namespace plain {

template <template <class> class Atomic>
struct Counter {
  alignas(kCacheLine) Atomic<int> count{MODULE_REF_BASE};
};

// No kernel counterpart: the cheapest correct pair, one locked instruction each, with no check.
template <class C>
int get(C& c) {
  return atomic_fetch_add(1, c.count, Site::PlainGet);
}
template <class C>
int put(C& c) {
  return atomic_fetch_sub(1, c.count, Site::PlainPut);
}
// The unload check: users left when the count is above the base.
template <class C>
bool in_use(C& c) {
  return atomic_read(c.count, Site::PlainRead) != MODULE_REF_BASE;
}

}  // namespace plain
}  // namespace rw::models
