// engine/fiber.hpp: one cooperative fiber slot on a fixed, reused stack. The only engine type
// that knows Boost.Context exists (it lives in fiber.cpp).
//
// A slot is reused by every execution. Starting a slot again simply forgets the previous
// fiber, even a suspended one: its stack is overwritten, and nothing on it is unwound. This is
// what makes abandoning an execution cheap (shared/PERFORMANCE.md), and it is sound only
// because model code keeps nothing that needs a destructor alive across a schedule point.
#pragma once
#include <cstddef>
#include <memory>

namespace rw::engine {

class FiberSlot {
 public:
  using Entry = void (*)(void* arg);
  explicit FiberSlot(std::size_t stack_bytes = 256 * 1024);
  ~FiberSlot();
  FiberSlot(const FiberSlot&) = delete;
  FiberSlot& operator=(const FiberSlot&) = delete;

  // Prepares a new fiber that will run entry(arg); it starts at the first resume().
  void start(Entry entry, void* arg);
  // Runs the fiber until it yields or returns. Called on the scheduler's context.
  void resume();
  // Returns control to the scheduler. Called on the fiber's own stack.
  void yield();
  bool finished() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::engine
