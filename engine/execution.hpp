// engine/execution.hpp: one run of a Program, as model code sees it (the step API) and as the
// explorer drives it (begin / runnable / advance). Knows fibers, steps and objects; nothing
// about what the objects mean.
#pragma once
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "engine/fiber.hpp"
#include "engine/program.hpp"
#include "engine/state_store.hpp"
#include "engine/trace.hpp"
#include "engine/types.hpp"

namespace rw::engine {

// A borrowed predicate, evaluated by the scheduler while its fiber is suspended in step_when().
class Condition {
 public:
  template <class F>
  Condition(const F& f)  // NOLINT: implicit, so that a lambda can be passed directly
      : ctx_(&f), fn_([](const void* c) { return (*static_cast<const F*>(c))(); }) {}
  Condition() = default;
  bool operator()() const { return fn_ == nullptr || fn_(ctx_); }
  bool conditional() const { return fn_ != nullptr; }

 private:
  const void* ctx_ = nullptr;
  bool (*fn_)(const void*) = nullptr;
};

inline constexpr std::size_t kFrameLocals = 4;
inline constexpr FiberId kNoFiber = ~FiberId{0};

// An execution's whole state at a schedule point (the world, the engine's locks, every fiber's
// position), to come back to without re-running from the start. Fibers' stacks and positions
// are kept by the Execution, one copy per step a fiber takes; a checkpoint names the copies.
struct Checkpoint {
  std::vector<std::byte> world;
  std::vector<FiberId> lock_holder;
  std::vector<std::uint32_t> version;  // per fiber: how many steps it had taken
  std::vector<FiberId> runnable;
  std::uint32_t depth = 0;
  std::uint32_t preemptions = 0;
  FiberId last = 0;
};

// The classes of interchangeable fibers that have more than one member, each in id order.
std::vector<std::vector<FiberId>> symmetric_groups(std::span<const std::uint32_t> classes);
// An outcome (as Execution::outcome() writes it) with the results of each class's fibers sorted
// among that class's names: equal for two outcomes that differ only by renaming those fibers.
std::string canonical_outcome(std::span<const std::string> names, std::span<const std::uint32_t> classes,
                              std::string_view outcome);
// The same, with the classes given by their fibers' names (as in a JSON report).
std::string canonical_outcome(std::string_view outcome, const std::vector<std::vector<std::string>>& classes);

class Execution {
 public:
  explicit Execution(Program& program);
  ~Execution();
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // ---- Model API: called on a fiber's stack -------------------------------------------------
  // Announces the next shared access and waits until the strategy runs this fiber. Everything
  // the fiber does after step() returns and before its next step() is one atomic step.
  void step(ObjectId object, Access access, Label label,
            std::source_location where = std::source_location::current());
  // Like step(), but the fiber is not runnable until `ready` holds (checked on the shared state).
  void step_when(ObjectId object, Access access, Label label, Condition ready,
                 std::source_location where = std::source_location::current());
  // Like step_when(), for the first step of a fiber that stands for a thread another fiber
  // creates: until `ready` holds the thread does not exist, so an execution that ends with the
  // fiber still waiting here is complete (the thread was never created), not a deadlock.
  void wait_to_start(ObjectId object, Access access, Label label, Condition ready,
                     std::source_location where = std::source_location::current());
  // Engine-owned locks (objects with is_lock). Acquiring is a step that is enabled only while
  // the lock is free; a fiber waiting for a lock is not runnable.
  void lock(ObjectId lock, Label label, std::source_location where = std::source_location::current());
  void unlock(ObjectId lock, Label label, std::source_location where = std::source_location::current());
  // The step just taken made a weaker access than it announced (a compare-exchange that failed
  // only read). Reduction uses the access made; the announced one stays conservative.
  void narrow_access(Access made);
  // Records a violation of the given kind and ends the execution; never returns.
  [[noreturn]] void fail(std::string_view kind, std::string message);
  // Records an observable result of this fiber (part of the execution's outcome and its state).
  void observe(Label what, std::int64_t value);
  // Details for the trace, formatted only while tracing.
  bool tracing() const { return tracing_; }
  template <class... A>
  void note(fmt::format_string<A...> f, A&&... args) {
    if (tracing_) note_text(fmt::format(f, std::forward<A>(args)...));
  }
  // The fiber's position: a stack of model functions, each with a statement index and the
  // locals that decide its future. Positions are part of the visited state, so a local that
  // survives a step and changes what happens next must be declared with local().
  class Frame {
   public:
    explicit Frame(Execution& ex) : ex_(&ex) {}
    ~Frame() { ex_->pop_frame(); }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;

   private:
    Execution* ex_;
  };
  [[nodiscard]] Frame enter(Label function);
  void at(std::uint32_t statement);
  void local(std::size_t slot, std::int64_t value);
  // While a fiber is in an atomic section, no other fiber runs (when several are, the lowest id
  // goes first). Its steps are still schedule points, traced and recorded, but offer no choice.
  // A section opened before the fiber's first step holds at once; one opened later holds from
  // its first step on (that step itself is an ordinary schedule point).
  void set_atomic(bool on);
  // Marks this fiber as inside (or out of) a race window; shown in traces, not part of state.
  void set_window(bool open);
  FiberId self() const { return current_; }
  // Who holds engine-owned lock `lock` (kNoFiber when it is free). A model asks before it
  // acquires or releases a lock whose use it does not control (code a user wrote), so that a
  // second acquire or a release without a hold is its finding, not a misuse of the engine.
  FiberId lock_holder(ObjectId lock) const { return lock < lock_holder_.size() ? lock_holder_[lock] : kNoFiber; }
  const std::string& fiber_name(FiberId f) const;

  // ---- Explorer API: called on the scheduler's context --------------------------------------
  // Resets the program and runs every fiber up to its first step.
  void begin(bool tracing);
  // Fibers whose pending step is enabled, in FiberId order.
  const std::vector<FiberId>& runnable() const { return runnable_; }
  // True when the execution is over: a violation, or no runnable fiber (complete or deadlock).
  bool over() const { return violation_.has_value() || runnable_.empty(); }
  bool complete() const { return !violation_ && all_finished(); }
  // Takes fiber f's pending step. f must be runnable.
  void advance(FiberId f);
  void set_tracing(bool on) { tracing_ = on; }
  // Checkpoints. With checkpointing on, every advance() keeps a copy of the fiber that ran, so
  // that save() is cheap and restore() returns to any checkpoint saved on the current path
  // (checkpoints of abandoned branches become invalid). Not while tracing.
  void set_checkpointing(bool on) { checkpointing_ = on; }
  // With an interner, write_state() writes each fiber's position as one number (its interned
  // words) instead of the words themselves: shorter keys, the same states.
  void set_interner(Interner* interner) {
    interner_ = interner;
    for (auto& f : fibers_) f->key_valid = false;
  }
  // Symmetry reduction: fibers with the same class are interchangeable (Program::fiber_classes).
  // With it, write_state() writes a canonical form: each class's fibers sorted by their state,
  // and every fiber the world names renamed to match; outcome() sorts each class's results.
  // Empty: off.
  void set_symmetry(std::span<const std::uint32_t> classes);
  bool symmetric() const { return !groups_.empty(); }
  // After write_state(): the canonical name of fiber f in the state written.
  FiberId canonical(FiberId f) const { return f < rename_.size() ? rename_[f] : f; }
  std::span<const FiberId> canonical_names() const { return rename_; }
  void save(Checkpoint& out) const;
  void restore(const Checkpoint& in);
  // The access fiber f waits to make (for reduction), and the last step's access as made.
  ObjectId pending_object(FiberId f) const { return fibers_[f]->pending.object; }
  Access pending_access(FiberId f) const { return fibers_[f]->pending.access; }
  bool pending_conditional(FiberId f) const { return fibers_[f]->pending.ready.conditional(); }
  ObjectId last_object() const { return last_object_; }
  Access last_access() const { return last_access_; }
  Access last_announced() const { return last_announced_; }
  // True while a fiber's atomic section decides who runs (runnable() offers no choice).
  bool restricted() const;
  void write_state(StateWriter& out) const;
  std::uint32_t depth() const { return static_cast<std::uint32_t>(schedule_.size()); }
  std::uint32_t preemptions() const { return preemptions_; }
  const std::vector<FiberId>& schedule() const { return schedule_; }
  const std::optional<Violation>& violation() const { return violation_; }
  std::vector<TraceStep>& trace() { return trace_; }
  // The outcome: each fiber's observed results, as text ("a: x=0 y=1 | b: z=-2").
  std::string outcome() const;
  // The label of the step fiber f waits to take ("" once it has finished).
  std::string_view pending(FiberId f) const;
  bool finished(FiberId f) const { return fibers_.at(f)->finished; }
  bool atomic(FiberId f) const { return fibers_.at(f)->atomic; }
  // Why each unfinished fiber cannot run (for deadlock reports).
  std::string describe_blocked() const;
  Program& program() { return program_; }

 private:
  struct FrameRec {
    std::uint64_t function = 0;
    std::uint32_t pc = 0;
    std::array<std::int64_t, kFrameLocals> locals{};
  };
  struct Pending {
    ObjectId object = kNoObject;
    Access access = Access::Read;
    Label label;
    std::source_location where;
    Condition ready;
    bool unborn = false;  // wait_to_start: the fiber does not exist until `ready` holds
  };
  struct Result {
    Label what;
    std::int64_t value = 0;
  };
  // What a fiber's step changes about the fiber itself; copied whole into each image.
  struct FiberPosition {
    bool finished = false;
    bool window = false;
    bool atomic = false;
    bool atomic_armed = false;  // set_atomic(true) after a step: holds from the next step on
    Pending pending;
    std::vector<FrameRec> frames;
    std::vector<Result> results;
  };
  struct Image {
    FiberPosition position;
    StackImage stack;
  };
  struct FiberRec : FiberPosition {
    explicit FiberRec(std::size_t stack) : slot(stack) {}
    FiberSlot slot;
    Execution* ex = nullptr;
    FiberId id = 0;
    std::uint32_t version = 0;  // steps taken; images[version] is the live state when kept
    std::vector<Image> images;  // with checkpointing: one per step on the current path
    std::size_t kept = 0;       // images in use
    // Its part of write_state(): its position (kept while key_valid: it changes only when the
    // fiber runs or is restored), then the length and words of Program::write_fiber_state.
    mutable std::vector<std::uint64_t> key;
    mutable std::size_t position_words = 0;
    mutable std::uint64_t key_id = 0;  // the key, interned (with an interner)
    mutable bool key_valid = false;
  };
  static void write_fiber(const FiberRec& f, std::vector<std::uint64_t>& out);
  void refresh_key(const FiberRec& f) const;
  bool key_less(FiberId a, FiberId b) const;

  static void entry(void* arg);
  void suspend();
  void pop_frame();
  void note_text(std::string text);
  bool enabled(const FiberRec& f) const;
  void refresh_runnable();
  void keep_image(FiberRec& f);
  bool all_finished() const;
  FiberRec& me();

  Program& program_;
  std::vector<std::unique_ptr<FiberRec>> fibers_;
  std::vector<FiberId> lock_holder_;  // per object; kNoFiber when free (or not a lock)
  std::vector<FiberId> runnable_;
  std::vector<FiberId> schedule_;
  std::vector<TraceStep> trace_;
  std::optional<Violation> violation_;
  FiberId current_ = kNoFiber;
  FiberId last_ = kNoFiber;
  std::uint32_t preemptions_ = 0;
  ObjectId last_object_ = kNoObject;
  Access last_access_ = Access::Read;
  Access last_announced_ = Access::Read;
  bool tracing_ = false;
  bool checkpointing_ = false;
  Interner* interner_ = nullptr;
  std::vector<std::vector<FiberId>> groups_;  // symmetry: the classes with more than one fiber
  mutable std::vector<FiberId> rename_;       // symmetry: concrete -> canonical, after write_state
  mutable std::vector<FiberId> order_;        // symmetry: canonical -> concrete
  mutable StateWriter fiber_world_;
};

}  // namespace rw::engine
