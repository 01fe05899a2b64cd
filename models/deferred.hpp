// models/deferred.hpp: what a module asks the kernel to run later, and how its exit waits for
// it: work items (kernel/workqueue.c), timers (kernel/time/timer.c), RCU callbacks
// (kernel/rcu/tree.c) and kthread_stop (kernel/kthread.c). Each deferred function runs in a
// fiber of its own (`work`, `timer`, `rcu` operations), once per fiber; a fiber whose function
// is never queued does not exist (it is not a deadlock).
#pragma once
#include "models/kernel.hpp"

namespace rw::models {

// The module's side (statements). `fn` indexes ModuleDef::deferred (or ::kthreads).
bool queue_deferred(Ctx& c, Module& m, std::size_t fn, engine::Label here);      // schedule_work, mod_timer, call_rcu
void cancel_deferred(Ctx& c, Module& m, std::size_t fn, bool sync, engine::Label here);  // cancel_work_sync, del_timer[_sync]
void flush_deferred(Ctx& c, Module& m, std::size_t fn, engine::Label here);      // flush_work
void rcu_barrier(Ctx& c, engine::Label here);
void kthread_stop(Ctx& c, Module& m, std::size_t fn, engine::Label here);
bool kthread_should_stop(Ctx& c, Module& m, std::size_t fn, engine::Label here);
void wait_kthread_should_stop(Ctx& c, Module& m, std::size_t fn, engine::Label here);

// The kernel's side (a fiber's operation): a kworker, the timer softirq or RCU's callback
// invocation takes the queued function and runs it in module text.
void run_deferred(Ctx& c, Module& m, std::size_t fn);

}  // namespace rw::models
