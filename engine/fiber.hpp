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
#include <vector>

namespace rw::engine {

// A suspended fiber as bytes: its resume point and its live stack, from there to the top.
struct StackImage {
  void* resume_point = nullptr;  // nullptr: the fiber had finished
  std::vector<std::byte> bytes;
};

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
  // Copies a suspended (or finished) fiber out, and later back into this same slot: the stack
  // sits at a fixed address, so the fiber resumes exactly where it was. Sound for the same
  // reason forgetting is: nothing on a fiber's stack owns memory elsewhere across a yield.
  void save(StackImage& out) const;
  void restore(const StackImage& in);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::engine
