// models/atomic_stepped.cpp: what each Site of models/refcount.hpp reads like in a trace: its step
// label (for the modern algorithm, exactly the labels the module model has always shown), the
// check the model makes after the step, and its note.
#include "models/atomic_stepped.hpp"

#include <array>

#include "models/kernel.hpp"

namespace rw::models {
namespace {
using engine::Execution;

// try_module_get's early-out: the state read decides.
void note_fails_if_going(Execution& ex, const char* name, std::int64_t old, std::int64_t, bool) {
  if (old == static_cast<std::int64_t>(ModuleState::Going)) ex.note("{} GOING: fails", name);
}
void note_state(Execution& ex, const char* name, std::int64_t old, std::int64_t now, bool) {
  ex.note("{} {} -> {}", name, to_string(static_cast<ModuleState>(old)), to_string(static_cast<ModuleState>(now)));
}
void note_inc_not_zero(Execution& ex, const char* name, std::int64_t old, std::int64_t now, bool applied) {
  if (applied) ex.note("{} {} -> {}", name, old, now);
  else ex.note("{} {}: fails", name, old);
}
void note_recover(Execution& ex, const char* name, std::int64_t old, std::int64_t now, bool applied) {
  if (applied) ex.note("{} {} -> {}: in use", name, old, now);
  else ex.note("{} {}: the last user put it meanwhile; unload goes on", name, old);
}
// ref->data->count holds PERCPU_COUNT_BIAS in per-CPU mode: show it as BIAS+n.
std::string count_text(std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  if (u >= percpu::PERCPU_COUNT_BIAS) return fmt::format("BIAS+{}", u - percpu::PERCPU_COUNT_BIAS);
  return fmt::format("{}", v);
}
void note_count(Execution& ex, const char* name, std::int64_t old, std::int64_t now, bool applied) {
  if (applied) ex.note("{} {} -> {}", name, count_text(old), count_text(now));
  else ex.note("{} {}: unchanged", name, count_text(old));
}
void note_count_read(Execution& ex, const char* name, std::int64_t old, std::int64_t, bool) {
  ex.note("{} {}", name, count_text(old));
}
const char* mode_text(std::int64_t v) {
  switch (v) {
    case 0: return "PERCPU";
    case 1: return "ATOMIC";
    case 2: return "DEAD";
    case 3: return "ATOMIC|DEAD";
  }
  return "?";
}
void note_mode(Execution& ex, const char* name, std::int64_t old, std::int64_t now, bool applied) {
  if (applied) ex.note("{} {} -> {}", name, mode_text(old), mode_text(now));
  else ex.note("{} {}", name, mode_text(old));
}

constexpr std::array kSites{
    // modern: the labels and checks of models/module.cpp before the algorithms moved here
    SiteInfo{Site::TryModuleGetLive, "try_module_get: module_is_live(mod)", "try_module_get: mod->state",
             note_fails_if_going},
    SiteInfo{Site::TryModuleGetInc, "try_module_get: atomic_inc_not_zero(&mod->refcnt)",
             "try_module_get: mod->refcnt", note_inc_not_zero},
    SiteInfo{Site::ModuleGetInc, "__module_get: atomic_inc(&mod->refcnt)", "__module_get: mod->refcnt"},
    SiteInfo{Site::ModulePutDec, "module_put: atomic_dec_if_positive(&mod->refcnt)", "module_put: mod->refcnt"},
    SiteInfo{Site::ReleaseSub, "try_release_module_ref: atomic_sub_return(MODULE_REF_BASE, &mod->refcnt)"},
    SiteInfo{Site::ReleaseRecover, "try_release_module_ref: atomic_add_unless(&mod->refcnt, MODULE_REF_BASE, 0)",
             nullptr, note_recover},
    // 2.6.24
    SiteInfo{Site::V2624GetLive, "try_module_get: module_is_live(module)", "try_module_get: module->state",
             note_fails_if_going},
    SiteInfo{Site::V2624GetInc, "try_module_get: local_inc(&module->ref[cpu].count)",
             "try_module_get: module->ref[cpu]"},
    SiteInfo{Site::V2624PutDec, "module_put: local_dec(&module->ref[cpu].count)", "module_put: module->ref[cpu]"},
    SiteInfo{Site::V2624PutLive, "module_put: module_is_live(module), else wake_up_process(module->waiter)",
             "module_put: module->state"},
    SiteInfo{Site::V2624RefcountRead, "module_refcount: total += local_read(&mod->ref[i].count)",
             "module_refcount: mod->ref[i]"},
    SiteInfo{Site::V2624StopGoing, "__try_stop_module: mod->state = MODULE_STATE_GOING", "__try_stop_module: mod->state",
             note_state},
    // percpu_ref
    SiteInfo{Site::PercpuGetMode, "percpu_ref_get: __ref_is_percpu(ref)", nullptr, note_mode},
    SiteInfo{Site::PercpuGetCpu, "percpu_ref_get: this_cpu_add(*percpu_count, 1)"},
    SiteInfo{Site::PercpuGetAtomic, "percpu_ref_get: atomic_long_add(1, &ref->data->count)", nullptr, note_count},
    SiteInfo{Site::PercpuTrygetMode, "percpu_ref_tryget_live: __ref_is_percpu(ref)", nullptr, note_mode},
    SiteInfo{Site::PercpuTrygetCpu, "percpu_ref_tryget_live: this_cpu_inc(*percpu_count)"},
    SiteInfo{Site::PercpuTrygetDead, "percpu_ref_tryget_live: ref->percpu_count_ptr & __PERCPU_REF_DEAD",
             nullptr, note_mode},
    SiteInfo{Site::PercpuTrygetAtomic, "percpu_ref_tryget_live: atomic_long_inc_not_zero(&ref->data->count)",
             nullptr, note_count},
    SiteInfo{Site::PercpuPutMode, "percpu_ref_put: __ref_is_percpu(ref)", nullptr, note_mode},
    SiteInfo{Site::PercpuPutCpu, "percpu_ref_put: this_cpu_sub(*percpu_count, 1)"},
    SiteInfo{Site::PercpuPutAtomic, "percpu_ref_put: atomic_long_sub_and_test(1, &ref->data->count)", nullptr,
             note_count},
    SiteInfo{Site::PercpuToAtomicRead, "__percpu_ref_switch_to_atomic: ref->percpu_count_ptr & __PERCPU_REF_ATOMIC",
             nullptr, note_mode},
    SiteInfo{Site::PercpuToAtomicMark, "__percpu_ref_switch_to_atomic: ref->percpu_count_ptr |= __PERCPU_REF_ATOMIC",
             nullptr, note_mode},
    SiteInfo{Site::PercpuToAtomicGp, "__percpu_ref_switch_to_atomic: wait for an RCU grace period"},
    SiteInfo{Site::PercpuToAtomicSum, "percpu_ref_switch_to_atomic_rcu: count += *per_cpu_ptr(percpu_count, cpu)"},
    SiteInfo{Site::PercpuToAtomicFold,
             "percpu_ref_switch_to_atomic_rcu: atomic_long_add(count - PERCPU_COUNT_BIAS, &data->count)", nullptr,
             note_count},
    SiteInfo{Site::PercpuKillRead, "percpu_ref_kill: WARN_ONCE(percpu_ref_is_dying(ref))", nullptr, note_mode},
    SiteInfo{Site::PercpuKillMark, "percpu_ref_kill: ref->percpu_count_ptr |= __PERCPU_REF_DEAD", nullptr,
             note_mode},
    SiteInfo{Site::PercpuToPercpuRead,
             "__percpu_ref_switch_to_percpu: ref->percpu_count_ptr & (__PERCPU_REF_ATOMIC | __PERCPU_REF_DEAD)",
             nullptr, note_mode},
    SiteInfo{Site::PercpuToPercpuBias, "__percpu_ref_switch_to_percpu: atomic_long_add(PERCPU_COUNT_BIAS, &data->count)",
             nullptr, note_count},
    SiteInfo{Site::PercpuToPercpuZero, "__percpu_ref_switch_to_percpu: *per_cpu_ptr(percpu_count, cpu) = 0"},
    SiteInfo{Site::PercpuToPercpuMark,
             "__percpu_ref_switch_to_percpu: smp_store_release(&ref->percpu_count_ptr, .. & ~__PERCPU_REF_ATOMIC)",
             nullptr, note_mode},
    SiteInfo{Site::PercpuIsZeroMode, "percpu_ref_is_zero: __ref_is_percpu(ref)", nullptr, note_mode},
    SiteInfo{Site::PercpuIsZeroRead, "percpu_ref_is_zero: atomic_long_read(&ref->data->count)", nullptr,
             note_count_read},
    SiteInfo{Site::PercpuTryReleaseRead, "percpu_ref_try_release: atomic_long_read(&ref->data->count) == 1",
             nullptr, note_count_read},
    // the floor
    SiteInfo{Site::PlainGet, "get: atomic_fetch_add(1, &count)"},
    SiteInfo{Site::PlainPut, "put: atomic_fetch_sub(1, &count)"},
    SiteInfo{Site::PlainRead, "unload check: atomic_read(&count)"},
};

constexpr bool sites_in_order() {
  for (std::size_t i = 0; i < kSites.size(); ++i)
    if (static_cast<std::size_t>(kSites[i].site) != i) return false;
  return kSites.size() == static_cast<std::size_t>(Site::Count_);
}
static_assert(sites_in_order(), "kSites must list every Site once, in the enum's order");

}  // namespace

const SiteInfo& site_info(Site s) { return kSites[static_cast<std::size_t>(s)]; }

namespace stepped_detail {
void default_warn(Execution& ex, Site site, const char* name, std::int64_t value) {
  ex.fail(kKernelWarn, fmt::format("WARN_ON at '{}': {} is {}", site_info(site).label.text, name, value));
}
void default_bug(Execution& ex, Site site, const char* name, std::int64_t value) {
  ex.fail(kKernelBug, fmt::format("BUG_ON at '{}': {} is {}", site_info(site).label.text, name, value));
}
}  // namespace stepped_detail

void synchronize_rcu(SteppedRcu& rcu, Site s, std::source_location where) {
  const int* readers = rcu.readers;
  const auto idle = [readers] { return *readers == 0; };
  rcu.ctx->ex->step_when(rcu.obj, engine::Access::Read, site_info(s).label, idle, where);
}

}  // namespace rw::models
