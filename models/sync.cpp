// models/sync.cpp
#include "models/sync.hpp"

#include "models/module.hpp"

namespace rw::models {
using engine::Access;

namespace {
std::string_view lock_name(Ctx& c, std::size_t i) { return c.ex.program().objects()[c.k.o_rwsems[i]].name; }

// lockdep's reports for a reader-writer lock: taking one the task holds (for read or write:
// a recursive read waits behind a queued writer, so lockdep reports it too), releasing one it
// does not hold that way.
void check_acquire(Ctx& c, std::size_t i, engine::Label here, std::source_location where) {
  const auto self = static_cast<int>(c.ex.self());
  if (c.k.rwsems[i].writer == self || (c.task.rw_reads >> i & 1u) != 0) {
    c.ex.step(engine::kNoObject, Access::Read, here, where);
    c.ex.fail(kRecursiveLocking, fmt::format("possible recursive locking detected: {} already holds {}",
                                             c.ex.fiber_name(c.ex.self()), lock_name(c, i)));
  }
}
void bad_release(Ctx& c, std::size_t i, const char* how, engine::Label here, std::source_location where) {
  c.ex.step(engine::kNoObject, Access::Read, here, where);
  c.ex.fail(kBadUnlockBalance, fmt::format("bad unlock balance detected: {} releases {}, which it does not hold {}",
                                           c.ex.fiber_name(c.ex.self()), lock_name(c, i), how));
}
}  // namespace

// Mirrors kernel/locking/rwsem.c down_read() (might_sleep, then wait while a writer holds it)
// and kernel/locking/spinlock.c _raw_read_lock() (preempt_disable, then spin).
void down_read(Ctx& c, std::size_t i, bool spin, engine::Label here, std::source_location where) {
  check_acquire(c, i, here, where);
  if (spin) preempt_disable(c, "read_lock: preempt_disable()");
  else might_sleep(c, "down_read");
  const Kernel& k = c.k;
  c.ex.step_when(k.o_rwsems[i], Access::ReadModifyWrite, here, [&k, i] { return k.rwsems[i].writer < 0; }, where);
  ++c.k.rwsems[i].readers;
  c.task.rw_reads |= 1u << i;
}

void up_read(Ctx& c, std::size_t i, bool spin, engine::Label here, std::source_location where) {
  if ((c.task.rw_reads >> i & 1u) == 0) bad_release(c, i, "for read", here, where);
  c.ex.step(c.k.o_rwsems[i], Access::ReadModifyWrite, here, where);
  --c.k.rwsems[i].readers;
  c.task.rw_reads &= ~(1u << i);
  if (spin) preempt_enable(c, "read_unlock: preempt_enable()");
}

// Mirrors kernel/locking/rwsem.c down_write() and _raw_write_lock(): wait for every reader and writer.
void down_write(Ctx& c, std::size_t i, bool spin, engine::Label here, std::source_location where) {
  check_acquire(c, i, here, where);
  if (spin) preempt_disable(c, "write_lock: preempt_disable()");
  else might_sleep(c, "down_write");
  const Kernel& k = c.k;
  c.ex.step_when(k.o_rwsems[i], Access::ReadModifyWrite, here,
                 [&k, i] { return k.rwsems[i].writer < 0 && k.rwsems[i].readers == 0; }, where);
  c.k.rwsems[i].writer = static_cast<int>(c.ex.self());
}

void up_write(Ctx& c, std::size_t i, bool spin, engine::Label here, std::source_location where) {
  if (c.k.rwsems[i].writer != static_cast<int>(c.ex.self())) bad_release(c, i, "for write", here, where);
  c.ex.step(c.k.o_rwsems[i], Access::ReadModifyWrite, here, where);
  c.k.rwsems[i].writer = -1;
  if (spin) preempt_enable(c, "write_unlock: preempt_enable()");
}

void rcu_read_lock(Ctx& c, engine::Label here) {
  c.ex.step(c.k.o_rcu, Access::ReadModifyWrite, here);
  if (c.task.rcu_depth++ == 0) ++c.k.rcu_readers;
}

void rcu_read_unlock(Ctx& c, engine::Label here) {
  if (c.task.rcu_depth == 0) {
    c.ex.step(engine::kNoObject, Access::Read, here);
    c.ex.fail(kBadUnlockBalance, fmt::format("rcu_read_unlock without rcu_read_lock: {} is not in an RCU read section",
                                             c.ex.fiber_name(c.ex.self())));
  }
  c.ex.step(c.k.o_rcu, Access::ReadModifyWrite, here);
  if (--c.task.rcu_depth == 0) --c.k.rcu_readers;
}

void synchronize_rcu(Ctx& c, engine::Label here) {
  might_sleep(c, "synchronize_rcu");
  const Kernel& k = c.k;
  c.ex.step_when(k.o_rcu, Access::Read, here, [&k] { return k.rcu_readers == 0; });
}

void rcu_sched_enter(Ctx& c) {
  if (!c.k.rcu_used) return;
  c.ex.step(c.k.o_rcu, Access::ReadModifyWrite, "preempt-disabled: an RCU-sched reader");
  if (c.task.rcu_depth++ == 0) ++c.k.rcu_readers;
}

void rcu_sched_exit(Ctx& c) {
  if (!c.k.rcu_used || c.task.rcu_depth == 0) return;
  c.ex.step(c.k.o_rcu, Access::ReadModifyWrite, "preempt enabled: leaves the RCU-sched read section");
  if (--c.task.rcu_depth == 0) --c.k.rcu_readers;
}

}  // namespace rw::models
