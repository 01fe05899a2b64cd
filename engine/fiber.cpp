// engine/fiber.cpp: the only includer of <boost/context/fiber.hpp>.
#include "engine/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/require.hpp"

// ASan must be told about stack switches. Debian's Boost.Context is built for fcontext only
// (its ucontext variant, which would do this itself, does not link), so annotate here. GCC says
// ASan is on with __SANITIZE_ADDRESS__, clang (before 16) only through __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define RW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RW_ASAN 1
#endif
#endif
#if defined(RW_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
// A forgotten fiber leaves its frames' redzones poisoned; a new fiber on the stack starts clean.
#define RW_ASAN_UNPOISON(addr, size) ASAN_UNPOISON_MEMORY_REGION(addr, size)
#define RW_ASAN_START(save, bottom, size) __sanitizer_start_switch_fiber(save, bottom, size)
#define RW_ASAN_FINISH(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
#define RW_ASAN_UNPOISON(addr, size) ((void)0)
#define RW_ASAN_START(save, bottom, size) ((void)0)
#define RW_ASAN_FINISH(save, bottom, size) ((void)0)
#endif

namespace rw::engine {
namespace ctx = boost::context;

namespace {
// Hands Boost the slot's stack; deallocate does nothing because the slot owns the memory.
struct FixedStack {
  ctx::stack_context sc;
  ctx::stack_context allocate() { return sc; }
  void deallocate(ctx::stack_context&) noexcept {}
};
}  // namespace

struct FiberSlot::Impl {
  // The fiber handle lives in raw storage so that a suspended fiber can be forgotten without
  // running ~fiber (which would unwind its stack by throwing).
  alignas(ctx::fiber) unsigned char self_storage[sizeof(ctx::fiber)];
  ctx::fiber* self = nullptr;
  ctx::fiber resumer;
  void* stack_base = nullptr;
  std::size_t stack_bytes = 0;
  std::size_t guard_bytes = 0;
  Entry entry = nullptr;
  void* arg = nullptr;
  // For ASan: the scheduler's stack as seen from the fiber, and each side's fake-stack handle.
  const void* main_bottom = nullptr;
  std::size_t main_size = 0;
  void* main_fake = nullptr;
  void* fiber_fake = nullptr;
  const void* bottom() const { return static_cast<const char*>(stack_base) + guard_bytes; }
};

FiberSlot::FiberSlot(std::size_t stack_bytes) : impl_(std::make_unique<Impl>()) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  impl_->guard_bytes = page;
  impl_->stack_bytes = (stack_bytes + page - 1) / page * page;
  void* base = ::mmap(nullptr, impl_->stack_bytes + page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  RW_REQUIRE(base != MAP_FAILED, "FiberSlot: cannot map a {}-byte stack", impl_->stack_bytes);
  ::mprotect(base, page, PROT_NONE);  // guard page: a stack overflow faults, it never corrupts
  impl_->stack_base = base;
}

FiberSlot::~FiberSlot() {
  // A suspended fiber is forgotten, as in start(); its stack goes with the mapping.
  ::munmap(impl_->stack_base, impl_->stack_bytes + impl_->guard_bytes);
}

void FiberSlot::start(Entry entry, void* arg) {
  Impl& s = *impl_;
  s.entry = entry;
  s.arg = arg;
  ctx::stack_context sc;
  sc.size = s.stack_bytes;
  sc.sp = static_cast<char*>(s.stack_base) + s.guard_bytes + s.stack_bytes;
  RW_ASAN_UNPOISON(s.bottom(), s.stack_bytes);
  Impl* self = &s;
  s.self = ::new (static_cast<void*>(s.self_storage))
      ctx::fiber(std::allocator_arg, FixedStack{sc}, [self](ctx::fiber&& resumer) {
        RW_ASAN_FINISH(nullptr, &self->main_bottom, &self->main_size);
        self->resumer = std::move(resumer);
        self->entry(self->arg);  // the entry catches everything the model throws
        RW_ASAN_START(nullptr, self->main_bottom, self->main_size);  // this stack is done
        return std::move(self->resumer);
      });
}

void FiberSlot::resume() {
  RW_REQUIRE(impl_->self != nullptr && *impl_->self, "FiberSlot::resume: fiber is not runnable");
  RW_ASAN_START(&impl_->main_fake, impl_->bottom(), impl_->stack_bytes);
  *impl_->self = std::move(*impl_->self).resume();
  RW_ASAN_FINISH(impl_->main_fake, nullptr, nullptr);
}

void FiberSlot::yield() {
  RW_ASAN_START(&impl_->fiber_fake, impl_->main_bottom, impl_->main_size);
  impl_->resumer = std::move(impl_->resumer).resume();
  RW_ASAN_FINISH(impl_->fiber_fake, &impl_->main_bottom, &impl_->main_size);
}

static_assert(sizeof(ctx::fiber) == sizeof(void*), "ctx::fiber is expected to hold one fcontext_t");

void FiberSlot::save(StackImage& out) const {
  const Impl& s = *impl_;
  std::memcpy(&out.resume_point, s.self_storage, sizeof(void*));
  if (s.self == nullptr || out.resume_point == nullptr) {
    out.resume_point = nullptr;
    out.bytes.clear();
    return;
  }
  const auto* top = static_cast<const std::byte*>(s.bottom()) + s.stack_bytes;
  const auto* sp = static_cast<const std::byte*>(out.resume_point);
  RW_ASSERT(sp >= static_cast<const std::byte*>(s.bottom()) && sp < top, "FiberSlot::save: resume point off the stack");
  RW_ASAN_UNPOISON(sp, static_cast<std::size_t>(top - sp));  // redzones of live frames
  out.bytes.assign(sp, top);
}

void FiberSlot::restore(const StackImage& in) {
  Impl& s = *impl_;
  RW_REQUIRE(s.self != nullptr, "FiberSlot::restore: the slot was never started");
  std::memcpy(s.self_storage, &in.resume_point, sizeof(void*));
  if (in.resume_point == nullptr) return;
  auto* top = static_cast<std::byte*>(const_cast<void*>(s.bottom())) + s.stack_bytes;
  auto* sp = top - in.bytes.size();
  RW_ASAN_UNPOISON(sp, in.bytes.size());
  std::memcpy(sp, in.bytes.data(), in.bytes.size());
}

bool FiberSlot::finished() const { return impl_->self == nullptr || !*impl_->self; }

}  // namespace rw::engine
