// models/atomic_std.hpp: the kernel's atomic operations over std::atomic, for running the
// algorithms of models/refcount.hpp on real threads (bench/, tests/refcount/). Each operation is
// one linearizable operation: a single locked instruction or a CAS loop, with the kernel's
// ordering (value-returning read-modify-writes are fully ordered; atomic_read, atomic_set and
// the void operations are relaxed; a failed conditional operation orders nothing).
// Knows nothing of the engine. Sites are accepted and ignored.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <type_traits>

#include "models/refcount.hpp"

namespace rw::models {

template <class T>
struct StdAtomic {
  static_assert(std::atomic<T>::is_always_lock_free);
  std::atomic<T> counter{};
  StdAtomic() = default;
  explicit StdAtomic(T v) : counter(v) {}
};

// What the kernel would have logged: WARN_ON and BUG_ON that fired on this thread. The std flavour
// carries on after both (a BUG returns to the caller, which stops where the kernel would).
struct StdKernelLog {
  unsigned warnings = 0;
  unsigned bugs = 0;
};
inline thread_local StdKernelLog std_kernel_log;

namespace std_atomic_detail {
inline constexpr auto relaxed = std::memory_order_relaxed;
inline constexpr auto full = std::memory_order_seq_cst;
}  // namespace std_atomic_detail

// include/linux/atomic: READ_ONCE / WRITE_ONCE.
template <class T>
T atomic_read(const StdAtomic<T>& v, Site) {
  return v.counter.load(std_atomic_detail::relaxed);
}
template <class T>
void atomic_set(StdAtomic<T>& v, std::type_identity_t<T> i, Site) {
  v.counter.store(i, std_atomic_detail::relaxed);
}
template <class T>
T smp_load_acquire(const StdAtomic<T>& v, Site) {
  return v.counter.load(std::memory_order_acquire);
}
template <class T>
void smp_store_release(StdAtomic<T>& v, std::type_identity_t<T> i, Site) {
  v.counter.store(i, std::memory_order_release);
}

// Void read-modify-writes (lock inc / lock add): atomic, unordered.
template <class T>
void atomic_inc(StdAtomic<T>& v, Site) {
  v.counter.fetch_add(1, std_atomic_detail::relaxed);
}
template <class T>
void atomic_add(std::type_identity_t<T> i, StdAtomic<T>& v, Site) {
  v.counter.fetch_add(i, std_atomic_detail::relaxed);
}

// Value-returning read-modify-writes (lock xadd): fully ordered.
template <class T>
T atomic_fetch_add(std::type_identity_t<T> i, StdAtomic<T>& v, Site) {
  return v.counter.fetch_add(i, std_atomic_detail::full);
}
template <class T>
T atomic_fetch_sub(std::type_identity_t<T> i, StdAtomic<T>& v, Site) {
  return v.counter.fetch_sub(i, std_atomic_detail::full);
}
template <class T>
T atomic_sub_return(std::type_identity_t<T> i, StdAtomic<T>& v, Site) {
  return static_cast<T>(v.counter.fetch_sub(i, std_atomic_detail::full) - i);
}
template <class T>
bool atomic_sub_and_test(std::type_identity_t<T> i, StdAtomic<T>& v, Site) {
  return v.counter.fetch_sub(i, std_atomic_detail::full) == i;
}

// Conditional read-modify-writes: CAS loops, as include/linux/atomic/atomic-arch-fallback.h
// writes them with raw_atomic_try_cmpxchg.
// Mirrors raw_atomic_add_unless() / raw_atomic_fetch_add_unless(): add a unless the value is u.
template <class T>
bool atomic_add_unless(StdAtomic<T>& v, std::type_identity_t<T> a, std::type_identity_t<T> u, Site) {
  T c = v.counter.load(std_atomic_detail::relaxed);
  do {
    if (c == u) return false;
  } while (!v.counter.compare_exchange_weak(c, static_cast<T>(c + a), std_atomic_detail::full,
                                            std_atomic_detail::relaxed));
  return true;
}
// Mirrors raw_atomic_inc_not_zero(): raw_atomic_add_unless(v, 1, 0).
template <class T>
bool atomic_inc_not_zero(StdAtomic<T>& v, Site site) {
  return atomic_add_unless(v, 1, 0, site);
}
// Mirrors raw_atomic_dec_if_positive(): the decremented value, stored only if it is >= 0.
template <class T>
T atomic_dec_if_positive(StdAtomic<T>& v, Site) {
  T c = v.counter.load(std_atomic_detail::relaxed);
  T dec;
  do {
    dec = static_cast<T>(c - 1);
    if (dec < 0) break;
  } while (!v.counter.compare_exchange_weak(c, dec, std_atomic_detail::full, std_atomic_detail::relaxed));
  return dec;
}

// Per-CPU counters (local_t, this_cpu_*): only their own CPU writes them, with one unlocked
// instruction, so a relaxed load and store is the same operation. Other CPUs only read them
// (module_refcount, the percpu_ref fold), or write them while their owner cannot (the zeroing in
// __percpu_ref_switch_to_percpu).
template <class T>
void local_inc(StdAtomic<T>& l, Site) {
  l.counter.store(static_cast<T>(l.counter.load(std_atomic_detail::relaxed) + 1), std_atomic_detail::relaxed);
}
template <class T>
void local_dec(StdAtomic<T>& l, Site) {
  l.counter.store(static_cast<T>(l.counter.load(std_atomic_detail::relaxed) - 1), std_atomic_detail::relaxed);
}
template <class T>
T local_read(const StdAtomic<T>& l, Site) {
  return l.counter.load(std_atomic_detail::relaxed);
}
template <class T>
void this_cpu_add(StdAtomic<T>& l, std::type_identity_t<T> i, Site) {
  l.counter.store(static_cast<T>(l.counter.load(std_atomic_detail::relaxed) + i), std_atomic_detail::relaxed);
}
template <class T>
void this_cpu_sub(StdAtomic<T>& l, std::type_identity_t<T> i, Site) {
  l.counter.store(static_cast<T>(l.counter.load(std_atomic_detail::relaxed) - i), std_atomic_detail::relaxed);
}

// WARN_ON(cond) and BUG_ON(cond): logged, and the condition returned.
template <class T>
bool warn_on(bool cond, const StdAtomic<T>&, Site) {
  if (cond) [[unlikely]]
    ++std_kernel_log.warnings;
  return cond;
}
template <class T>
bool bug_on(bool cond, const StdAtomic<T>&, Site) {
  if (cond) [[unlikely]]
    ++std_kernel_log.bugs;
  return cond;
}

// RCU for real threads, as the kernel's non-preemptible RCU behaves: a read-side section costs
// nothing but leaving it, where the CPU records that it passed a quiescent state (QSBR). A
// grace period waits until every online CPU has passed one after the period began. A thread
// must go online() before its first read-side section and offline() after its last.
// Ordering, without fences: every grace period and every online() is a read-modify-write of gp_,
// so of a grace period and a CPU coming online, the later one sees the earlier one's stores (the
// grace period then waits for the CPU; the CPU then sees what the grace period's caller set).
template <std::size_t NR_CPUS>
class StdRcu {
 public:
  StdRcu() {
    for (auto& s : qs_) s.gp.store(kOffline, std_atomic_detail::relaxed);
  }
  void online(unsigned cpu) {
    qs_[cpu].gp.store(gp_.load(std::memory_order_acquire), std_atomic_detail::relaxed);
    gp_.fetch_add(0, std::memory_order_acq_rel);
  }
  void offline(unsigned cpu) { qs_[cpu].gp.store(kOffline, std::memory_order_release); }
  // A CPU that is not online (a thread that never registered) has nothing to report.
  void quiescent(unsigned cpu) {
    auto& mine = qs_[cpu].gp;
    if (mine.load(std_atomic_detail::relaxed) != kOffline)
      mine.store(gp_.load(std::memory_order_acquire), std::memory_order_release);
  }
  void synchronize() {
    const std::uint64_t target = gp_.fetch_add(1, std::memory_order_acq_rel) + 1;
    for (auto& s : qs_)
      while (s.gp.load(std::memory_order_acquire) < target) std::this_thread::yield();
  }

 private:
  static constexpr std::uint64_t kOffline = ~std::uint64_t{0};
  alignas(kCacheLine) std::atomic<std::uint64_t> gp_{0};
  struct alignas(kCacheLine) Slot {
    std::atomic<std::uint64_t> gp;
  } qs_[NR_CPUS];
};

template <std::size_t N>
void rcu_read_lock(StdRcu<N>&, unsigned) {}
template <std::size_t N>
void rcu_read_unlock(StdRcu<N>& rcu, unsigned cpu) {
  rcu.quiescent(cpu);
}
template <std::size_t N>
void synchronize_rcu(StdRcu<N>& rcu, Site) {
  rcu.synchronize();
}

}  // namespace rw::models
