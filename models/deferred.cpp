// models/deferred.cpp
#include "models/deferred.hpp"

#include "models/errno.hpp"
#include "models/module.hpp"
#include "models/statements.hpp"
#include "models/sync.hpp"

namespace rw::models {
using engine::Access;

namespace {
// RCU callbacks are ordered against RCU readers: their state is the RCU object's.
ObjectId object_of(const Ctx& c, const Module& m, std::size_t fn) {
  return m.def->deferred[fn].kind == DeferredKind::Rcu ? c.k.o_rcu : m.o_deferred[fn];
}
}  // namespace

// Mirrors kernel/workqueue.c queue_work_on (test_and_set_bit(WORK_STRUCT_PENDING)), kernel/time/
// timer.c mod_timer (arms it, pending or not) and kernel/rcu/tree.c call_rcu (queues one more).
bool queue_deferred(Ctx& c, Module& m, std::size_t fn, engine::Label here) {
  c.ex.step(object_of(c, m, fn), Access::ReadModifyWrite, here);
  auto& pending = m.deferred_pending[fn];
  switch (m.def->deferred[fn].kind) {
    case DeferredKind::Work:
      if (pending != 0) {
        c.ex.narrow_access(Access::Read);
        c.ex.note("already pending: false");
        return false;
      }
      pending = 1;
      return true;
    case DeferredKind::Timer: pending = 1; return true;
    case DeferredKind::Rcu: ++pending; return true;
  }
  return true;
}

// Mirrors kernel/time/timer.c del_timer (detach a pending timer; no wait), and del_timer_sync /
// kernel/workqueue.c cancel_work_sync: retry until the function is not running, then detach the
// pending instance in the same locked step (__try_to_del_timer_sync under the base lock;
// try_to_grab_pending with CANCELING set, so a self-requeue while it runs does not survive). A
// timer that re-arms itself from its callback is therefore stopped too.
void cancel_deferred(Ctx& c, Module& m, std::size_t fn, bool sync, engine::Label here) {
  if (!sync) {
    c.ex.step(m.o_deferred[fn], Access::ReadModifyWrite, here);
  } else {
    if (m.def->deferred[fn].kind == DeferredKind::Work) might_sleep(c, "cancel_work_sync");
    const Module& mm = m;
    c.ex.step_when(m.o_deferred[fn], Access::ReadModifyWrite, here,
                   [&mm, fn] { return mm.deferred_running[fn] == 0; });
  }
  c.ex.note("{}", m.deferred_pending[fn] != 0 ? "was pending: unqueued" : "was not pending");
  m.deferred_pending[fn] = 0;
}

// Mirrors kernel/workqueue.c flush_work: sleeps until the last queued instance has run.
void flush_deferred(Ctx& c, Module& m, std::size_t fn, engine::Label here) {
  might_sleep(c, "flush_work");
  const Module& mm = m;
  c.ex.step_when(m.o_deferred[fn], Access::Read, here,
                 [&mm, fn] { return mm.deferred_pending[fn] == 0 && mm.deferred_running[fn] == 0; });
}

// Mirrors kernel/rcu/tree.c rcu_barrier: waits until every callback queued so far has been invoked.
void rcu_barrier(Ctx& c, engine::Label here) {
  might_sleep(c, "rcu_barrier");
  const Kernel& k = c.k;
  c.ex.step_when(k.o_rcu, Access::Read, here, [&k] {
    for (const auto& m : k.modules)
      for (std::size_t i = 0; i < m.def->deferred.size(); ++i)
        if (m.def->deferred[i].kind == DeferredKind::Rcu && (m.deferred_pending[i] != 0 || m.deferred_running[i] != 0))
          return false;
    return true;
  });
}

// Mirrors kernel/kthread.c kthread_stop (6.1): set KTHREAD_SHOULD_STOP, wake the thread, and
// wait for kthread->exited. A thread that has not yet called threadfn never will (kthread()
// checks the flag first and exits with -EINTR).
void kthread_stop(Ctx& c, Module& m, std::size_t fn, engine::Label here) {
  auto frame = c.ex.enter("kthread_stop");
  c.ex.step(m.o_kthreads, Access::ReadModifyWrite, here);
  if (m.kthread_created[fn] == 0)
    c.ex.fail(kKernelBug, fmt::format("kthread_stop: {}'s thread {} was never created: NULL task_struct",
                                      m.def->name, m.def->kthreads[fn].name));
  m.kthread_should_stop[fn] = true;
  might_sleep(c, "kthread_stop");
  const Module& mm = m;
  c.ex.step_when(m.o_kthreads, Access::Read, "kthread_stop: wait_for_completion(&kthread->exited)",
                 [&mm, fn] { return mm.kthread_starts[fn] == 0 && mm.kthread_running[fn] == 0; });
}

bool kthread_should_stop(Ctx& c, Module& m, std::size_t fn, engine::Label here) {
  c.ex.step(m.o_kthreads, Access::Read, here);
  return m.kthread_should_stop[fn];
}

void wait_kthread_should_stop(Ctx& c, Module& m, std::size_t fn, engine::Label here) {
  might_sleep(c, "wait_event");
  const Module& mm = m;
  c.ex.step_when(m.o_kthreads, Access::Read, here, [&mm, fn] { return mm.kthread_should_stop[fn]; });
}

// Mirrors kernel/workqueue.c process_one_work (a kworker clears PENDING, then calls the work
// function), kernel/time/timer.c call_timer_fn (softirq: no sleeping) and kernel/rcu/tree.c
// rcu_do_batch (after a grace period, in softirq). The function's return is module text; the
// kernel's bookkeeping after it (the work no longer running) is core text.
void run_deferred(Ctx& c, Module& m, std::size_t fn) {
  const DeferredDef& d = m.def->deferred[fn];
  const Module& mm = m;
  const Kernel& k = c.k;
  const ObjectId obj = object_of(c, m, fn);
  switch (d.kind) {
    case DeferredKind::Work:
      c.ex.wait_to_start(obj, Access::ReadModifyWrite, "worker_thread: process_one_work takes the work item",
                         [&mm, fn] { return mm.deferred_pending[fn] != 0; });
      break;
    case DeferredKind::Timer:
      c.ex.wait_to_start(obj, Access::ReadModifyWrite, "run_timer_softirq: the timer expires",
                         [&mm, fn] { return mm.deferred_pending[fn] != 0; });
      break;
    case DeferredKind::Rcu:
      c.ex.wait_to_start(obj, Access::ReadModifyWrite, "rcu_do_batch: a grace period elapsed, invoke the callback",
                         [&mm, &k, fn] { return mm.deferred_pending[fn] != 0 && k.rcu_readers == 0; });
      break;
  }
  --m.deferred_pending[fn];
  ++m.deferred_running[fn];
  auto frame = c.ex.enter(d.kind == DeferredKind::Work ? engine::Label("process_one_work")
                          : d.kind == DeferredKind::Timer ? engine::Label("call_timer_fn")
                                                          : engine::Label("rcu_do_batch"));
  const bool softirq = d.kind != DeferredKind::Work;
  if (softirq) preempt_disable(c, "softirq: preemption off");
  run_function(c, m, d.body, m.labels->deferred[fn]);
  if (softirq) preempt_enable(c, "softirq done");
  c.ex.step(obj, Access::ReadModifyWrite, d.kind == DeferredKind::Work ? engine::Label("process_one_work: the work function returned")
                                          : d.kind == DeferredKind::Timer ? engine::Label("call_timer_fn: the timer function returned")
                                                                          : engine::Label("rcu_do_batch: the callback returned"));
  --m.deferred_running[fn];
}

}  // namespace rw::models
