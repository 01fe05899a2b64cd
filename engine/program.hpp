// engine/program.hpp: what the explorer runs. A Program owns the shared world and the fibers'
// bodies; the explorer re-runs it from reset() for every execution. Models implement it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <span>
#include <string>
#include <vector>

#include "engine/types.hpp"

namespace rw::engine {

class Execution;

// Collects the words that make up a state. Two states are the same exactly when their words are.
class StateWriter {
 public:
  void put(std::uint64_t w) { words_.push_back(w); }
  void put_signed(std::int64_t v) { words_.push_back(static_cast<std::uint64_t>(v)); }
  void put_all(std::span<const std::uint64_t> ws) { words_.insert(words_.end(), ws.begin(), ws.end()); }
  // A value that names a fiber (a lock's owner, a file's opener). Under symmetry reduction the
  // engine renames fibers to their canonical names while the world is written; put_fiber applies
  // that renaming, so states that differ only in which of two identical fibers did what match.
  void put_fiber(FiberId f) { words_.push_back(f < rename_.size() ? rename_[f] : f); }
  void clear() { words_.clear(); }
  std::span<const std::uint64_t> words() const { return words_; }
  // Set by the engine: fiber f is written as renaming[f] (empty: as itself).
  void set_renaming(std::span<const FiberId> renaming) { rename_ = renaming; }

 private:
  std::vector<std::uint64_t> words_;
  std::span<const FiberId> rename_;
};

struct ObjectInfo {
  std::string name;
  bool is_lock = false;  // locks are owned by the engine: Execution::lock / unlock
};

// Helpers for save_world / restore_world over trivially copyable values.
template <class T>
void put_bytes(std::vector<std::byte>& out, const T& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto* p = reinterpret_cast<const std::byte*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}
template <class T>
void get_bytes(std::span<const std::byte>& in, T& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::memcpy(&v, in.data(), sizeof(T));
  in = in.subspan(sizeof(T));
}

class Program {
 public:
  virtual ~Program() = default;
  // Fixed for the program's life: the fibers (by name) and the shared objects steps name.
  virtual const std::vector<std::string>& fiber_names() const = 0;
  virtual const std::vector<ObjectInfo>& objects() const = 0;
  // Puts the world back in its initial state; called before every execution.
  virtual void reset() = 0;
  // The body of fiber `self`, run on that fiber's stack. Must announce every shared access with
  // ex.step() before making it, and keep nothing needing a destructor alive across a step.
  virtual void run(Execution& ex, FiberId self) = 0;
  // Writes every value of the shared world that can decide the future (engine-owned locks, fiber
  // positions, declared locals and observed results are written by the engine itself). A value
  // that names a fiber must be written with out.put_fiber().
  virtual void write_state(StateWriter& out) const = 0;
  // The part of the world that belongs to fiber f alone (its open file, its task state): written
  // next to f's position, and moved with f when symmetry renames fibers. It must not name fibers.
  virtual void write_fiber_state(FiberId /*f*/, StateWriter& /*out*/) const {}
  // Symmetry. Fibers of one class run the same body from the same start and differ only in
  // their id, so renaming them maps every execution to an execution and every state to an
  // equivalent one: the search may then store one state per class of renamings. Returns each
  // fiber's class (the default: every fiber a class of its own, no symmetry).
  virtual std::vector<std::uint32_t> fiber_classes() const;
  // Why fibers of one class cannot be renamed soundly in this program (a shared value that names
  // a fiber and cannot be written with put_fiber); empty when they can. Symmetry is then off.
  virtual std::string symmetry_blocker() const { return {}; }
  // Copies every value of the world (what reset() sets) out, and back in, so that a search can
  // return to a checkpoint. restore_world gets exactly the bytes save_world appended.
  // The defaults stop the run: a program that cannot be checkpointed can be replayed, not searched.
  virtual void save_world(std::vector<std::byte>& out) const;
  virtual void restore_world(std::span<const std::byte> in);
  // For traces only: a short summary of the values a reader watches (printed when it changes).
  virtual std::string watch() const { return {}; }
  // For outcome tables: how an observed value reads (for example an error number's name).
  virtual std::string format_value(std::int64_t v) const { return std::to_string(v); }
};

}  // namespace rw::engine
