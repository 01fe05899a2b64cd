// models/sync.hpp: the kernel's reader-writer locks and RCU, for module code and for the caller
// frameworks (models/frameworks.cpp): rw_semaphore (kernel/locking/rwsem.c), rwlock_t
// (kernel/locking/spinlock.c), and RCU read sections with synchronize_rcu (kernel/rcu/tree.c).
// Misuse is a finding, as lockdep reports it (models/statements.hpp).
#pragma once
#include <source_location>

#include "models/kernel.hpp"

namespace rw::models {

// Kernel::rwsems[i]. `spin`: an rwlock_t (preemption off while held, no sleeping to get it);
// else a rw_semaphore (may sleep). A writer waits for readers and writers; a reader for a writer.
void down_read(Ctx& c, std::size_t i, bool spin, engine::Label here,
               std::source_location where = std::source_location::current());
void up_read(Ctx& c, std::size_t i, bool spin, engine::Label here,
             std::source_location where = std::source_location::current());
void down_write(Ctx& c, std::size_t i, bool spin, engine::Label here,
                std::source_location where = std::source_location::current());
void up_write(Ctx& c, std::size_t i, bool spin, engine::Label here,
              std::source_location where = std::source_location::current());

// Mirrors include/linux/rcupdate.h rcu_read_lock() / rcu_read_unlock(): the task is an RCU
// reader until the outermost unlock. A step on the RCU object, so that synchronize_rcu is ordered
// against it.
void rcu_read_lock(Ctx& c, engine::Label here);
void rcu_read_unlock(Ctx& c, engine::Label here);
// Mirrors kernel/rcu/tree.c synchronize_rcu(): sleeps until no task is inside an RCU read section
// or (since v4.20, and always in 2.6.24's classic RCU) a preempt-disabled one that began before.
// Modelled as waiting for a moment with no reader at all: every reader that began before is gone.
void synchronize_rcu(Ctx& c, engine::Label here);

// Where RCU is used, module code's preempt-disabled spans (spin_lock, read_lock, preempt_disable)
// are RCU-sched readers too: synchronize_rcu waits for them.
void rcu_sched_enter(Ctx& c);
void rcu_sched_exit(Ctx& c);

}  // namespace rw::models
