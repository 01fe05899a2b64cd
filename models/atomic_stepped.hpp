// models/atomic_stepped.hpp: the kernel's atomic operations as racewin steps, for running the
// algorithms of models/refcount.hpp inside an engine execution. Each operation is one step,
// ex.step(object, access, label) with the label of its Site, followed by the plain operation on
// the model's value; the note it leaves for the trace says what changed ("refcnt 1 -> 2").
// A SteppedAtomic is a view: the value belongs to the Program's world, so views cost nothing to
// build on a fiber's stack and own nothing there.
#pragma once
#include <cstdint>
#include <source_location>
#include <type_traits>
#include <utility>

#include "engine/execution.hpp"
#include "models/refcount.hpp"

namespace rw::models {

// What a model adds to the stepped operations: a check right after the step, before the
// operation (for example, is the memory still there), and what a WARN_ON or BUG_ON that fires
// becomes, typically a violation, which ends the execution. A hook that returns lets the
// algorithm carry on as the kernel does: past a WARN, and out of the function at a BUG. Without
// hooks, nothing is checked and the two are violations kKernelWarn and kKernelBug.
class SteppedHooks {
 public:
  virtual void accessed(const char* what) = 0;
  virtual void warn(Site site, std::int64_t value) = 0;
  virtual void bug(Site site, std::int64_t value) = 0;

 protected:
  ~SteppedHooks() = default;
};

// What every stepped value of one fiber shares.
struct StepContext {
  engine::Execution* ex = nullptr;
  SteppedHooks* hooks = nullptr;  // may be null
};

template <class T>
struct SteppedAtomic {
  StepContext* ctx = nullptr;
  T* value = nullptr;            // owned by the Program's world
  engine::ObjectId obj = engine::kNoObject;
  const char* name = "";         // how notes name it: "refcnt"
};

// RCU as a step: synchronize_rcu waits, as one step, until no fiber is inside a read-side
// section. Entering and leaving one touches no shared memory in the kernel (preemption off), so
// they are not steps; `*readers` is part of the Program's state, which must write it.
struct SteppedRcu {
  StepContext* ctx = nullptr;
  int* readers = nullptr;
  engine::ObjectId obj = engine::kNoObject;
};

// How a site reads in traces. `note` is null for the default: a change "name old -> new" when a
// read-modify-write or write applied, nothing otherwise.
using SiteNote = void (*)(engine::Execution& ex, const char* name, std::int64_t old, std::int64_t now,
                          bool applied);
struct SiteInfo {
  Site site;
  engine::Label label;
  const char* check = nullptr;  // handed to SteppedHooks::accessed after the step, if set
  SiteNote note = nullptr;
};
const SiteInfo& site_info(Site s);

namespace stepped_detail {
using engine::Access;

template <class T>
std::int64_t as_i64(T v) {
  return static_cast<std::int64_t>(v);
}

template <class T>
void announce(const SteppedAtomic<T>& v, Site site, Access access, std::source_location where) {
  const SiteInfo& info = site_info(site);
  v.ctx->ex->step(v.obj, access, info.label, where);
  if (info.check != nullptr && v.ctx->hooks != nullptr) v.ctx->hooks->accessed(info.check);
}

template <class T>
void noted(const SteppedAtomic<T>& v, Site site, Access access, T old, bool applied) {
  engine::Execution& ex = *v.ctx->ex;
  if (!ex.tracing()) return;
  const SiteInfo& info = site_info(site);
  if (info.note != nullptr)
    info.note(ex, v.name, as_i64(old), as_i64(*v.value), applied);
  else if (applied && access != Access::Read)
    ex.note("{} {} -> {}", v.name, as_i64(old), as_i64(*v.value));
}

// One step, then `op(old) -> {applied, new value}`; returns the old value.
template <class T, class Op>
T rmw(const SteppedAtomic<T>& v, Site site, Access access, std::source_location where, Op op) {
  announce(v, site, access, where);
  const T old = *v.value;
  const auto [applied, next] = op(old);
  if (applied) *v.value = next;
  // A conditional read-modify-write that did not apply (a failed inc_not_zero) only read.
  else if (access == Access::ReadModifyWrite) v.ctx->ex->narrow_access(Access::Read);
  noted(v, site, access, old, applied);
  return old;
}

[[noreturn]] void default_warn(engine::Execution& ex, Site site, const char* name, std::int64_t value);
[[noreturn]] void default_bug(engine::Execution& ex, Site site, const char* name, std::int64_t value);
}  // namespace stepped_detail

#define RW_STEPPED_WHERE std::source_location where = std::source_location::current()

template <class T>
T atomic_read(const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return stepped_detail::rmw(v, s, engine::Access::Read, where, [](T o) { return std::pair{false, o}; });
}
template <class T>
T smp_load_acquire(const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return atomic_read(v, s, where);
}
template <class T>
T local_read(const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return atomic_read(v, s, where);
}
template <class T>
void atomic_set(const SteppedAtomic<T>& v, std::type_identity_t<T> i, Site s, RW_STEPPED_WHERE) {
  stepped_detail::rmw(v, s, engine::Access::Write, where, [i](T) { return std::pair{true, i}; });
}
template <class T>
void smp_store_release(const SteppedAtomic<T>& v, std::type_identity_t<T> i, Site s, RW_STEPPED_WHERE) {
  atomic_set(v, i, s, where);
}

template <class T>
void atomic_add(std::type_identity_t<T> i, const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  stepped_detail::rmw(v, s, engine::Access::ReadModifyWrite, where,
                      [i](T o) { return std::pair{true, static_cast<T>(o + i)}; });
}
template <class T>
void atomic_inc(const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  atomic_add(1, v, s, where);
}
template <class T>
void local_inc(const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  atomic_add(1, v, s, where);
}
template <class T>
void local_dec(const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  atomic_add(static_cast<T>(-1), v, s, where);
}
template <class T>
void this_cpu_add(const SteppedAtomic<T>& v, std::type_identity_t<T> i, Site s, RW_STEPPED_WHERE) {
  atomic_add(i, v, s, where);
}
template <class T>
void this_cpu_sub(const SteppedAtomic<T>& v, std::type_identity_t<T> i, Site s, RW_STEPPED_WHERE) {
  stepped_detail::rmw(v, s, engine::Access::ReadModifyWrite, where,
                      [i](T o) { return std::pair{true, static_cast<T>(o - i)}; });
}
template <class T>
T atomic_fetch_add(std::type_identity_t<T> i, const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return stepped_detail::rmw(v, s, engine::Access::ReadModifyWrite, where,
                             [i](T o) { return std::pair{true, static_cast<T>(o + i)}; });
}
template <class T>
T atomic_fetch_sub(std::type_identity_t<T> i, const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return stepped_detail::rmw(v, s, engine::Access::ReadModifyWrite, where,
                             [i](T o) { return std::pair{true, static_cast<T>(o - i)}; });
}
template <class T>
T atomic_sub_return(std::type_identity_t<T> i, const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return static_cast<T>(atomic_fetch_sub(i, v, s, where) - i);
}
template <class T>
bool atomic_sub_and_test(std::type_identity_t<T> i, const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return atomic_fetch_sub(i, v, s, where) == i;
}
template <class T>
bool atomic_add_unless(const SteppedAtomic<T>& v, std::type_identity_t<T> a, std::type_identity_t<T> u, Site s,
                       RW_STEPPED_WHERE) {
  return stepped_detail::rmw(v, s, engine::Access::ReadModifyWrite, where,
                             [a, u](T o) { return std::pair{o != u, static_cast<T>(o + a)}; }) != u;
}
template <class T>
bool atomic_inc_not_zero(const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return atomic_add_unless(v, 1, 0, s, where);
}
template <class T>
T atomic_dec_if_positive(const SteppedAtomic<T>& v, Site s, RW_STEPPED_WHERE) {
  return static_cast<T>(stepped_detail::rmw(v, s, engine::Access::ReadModifyWrite, where,
                                            [](T o) { return std::pair{o - 1 >= 0, static_cast<T>(o - 1)}; }) -
                        1);
}

#undef RW_STEPPED_WHERE

// WARN_ON(cond) and BUG_ON(cond): the hooks decide, the condition is returned. Not steps: they
// report on the value the previous step left.
template <class T>
bool warn_on(bool cond, const SteppedAtomic<T>& v, Site s) {
  if (cond) {
    if (v.ctx->hooks == nullptr) stepped_detail::default_warn(*v.ctx->ex, s, v.name, stepped_detail::as_i64(*v.value));
    v.ctx->hooks->warn(s, stepped_detail::as_i64(*v.value));
  }
  return cond;
}
template <class T>
bool bug_on(bool cond, const SteppedAtomic<T>& v, Site s) {
  if (cond) {
    if (v.ctx->hooks == nullptr) stepped_detail::default_bug(*v.ctx->ex, s, v.name, stepped_detail::as_i64(*v.value));
    v.ctx->hooks->bug(s, stepped_detail::as_i64(*v.value));
  }
  return cond;
}

inline void rcu_read_lock(SteppedRcu& rcu, unsigned) { ++*rcu.readers; }
inline void rcu_read_unlock(SteppedRcu& rcu, unsigned) { --*rcu.readers; }
void synchronize_rcu(SteppedRcu& rcu, Site s, std::source_location where = std::source_location::current());

}  // namespace rw::models
