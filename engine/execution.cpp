// engine/execution.cpp: the step API and the per-execution bookkeeping behind it.
#include "engine/execution.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>

#include "engine/require.hpp"

namespace rw::engine {

void fatal(const char* what, const std::string& message, std::source_location where) {
  std::fprintf(stderr, "racewin: %s: %s (%s:%u in %s)\n", what, message.c_str(), where.file_name(),
               static_cast<unsigned>(where.line()), where.function_name());
  std::fflush(stderr);
  std::_Exit(3);
}

void Program::save_world(std::vector<std::byte>&) const {
  RW_REQUIRE(false, "this program does not implement save_world(), so it cannot be searched");
}
void Program::restore_world(std::span<const std::byte>) {
  RW_REQUIRE(false, "this program does not implement restore_world(), so it cannot be searched");
}
std::vector<std::uint32_t> Program::fiber_classes() const {
  std::vector<std::uint32_t> c(fiber_names().size());
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<std::uint32_t>(i);
  return c;
}

std::vector<std::vector<FiberId>> symmetric_groups(std::span<const std::uint32_t> classes) {
  std::vector<std::vector<FiberId>> groups;
  std::vector<bool> seen(classes.size(), false);
  for (std::size_t i = 0; i < classes.size(); ++i) {
    if (seen[i]) continue;
    std::vector<FiberId> g;
    for (std::size_t j = i; j < classes.size(); ++j)
      if (classes[j] == classes[i]) {
        seen[j] = true;
        g.push_back(static_cast<FiberId>(j));
      }
    if (g.size() > 1) groups.push_back(std::move(g));
  }
  return groups;
}

std::string canonical_outcome(std::string_view outcome, const std::vector<std::vector<std::string>>& classes) {
  std::vector<std::string> names;
  for (std::size_t at = 0; at < outcome.size();) {
    const std::size_t colon = outcome.find(':', at);
    if (colon == std::string_view::npos) return std::string(outcome);
    names.emplace_back(outcome.substr(at, colon - at));
    const std::size_t next = outcome.find(" | ", colon);
    at = next == std::string_view::npos ? outcome.size() : next + 3;
  }
  std::vector<std::uint32_t> ids(names.size());
  for (std::size_t f = 0; f < names.size(); ++f) {
    ids[f] = static_cast<std::uint32_t>(f);
    for (std::size_t c = 0; c < classes.size(); ++c)
      if (std::find(classes[c].begin(), classes[c].end(), names[f]) != classes[c].end())
        ids[f] = static_cast<std::uint32_t>(names.size() + c);
  }
  return canonical_outcome(names, ids, outcome);
}

std::string canonical_outcome(std::span<const std::string> names, std::span<const std::uint32_t> classes,
                              std::string_view outcome) {
  // "a: x=0 | b: y=1": one part per fiber, in fiber order.
  std::vector<std::string> rest;
  std::size_t at = 0;
  for (std::size_t f = 0; f < names.size(); ++f) {
    const std::string head = names[f] + ":";
    if (outcome.substr(at, head.size()) != head) return std::string(outcome);  // not one of ours
    at += head.size();
    const std::size_t end = outcome.find(" | ", at);
    const std::size_t stop = f + 1 == names.size() ? outcome.size() : end;
    if (stop == std::string_view::npos) return std::string(outcome);
    rest.emplace_back(outcome.substr(at, stop - at));
    at = stop + (f + 1 == names.size() ? 0 : 3);
  }
  if (at != outcome.size()) return std::string(outcome);
  for (const auto& g : symmetric_groups(classes)) {
    std::vector<std::string> parts;
    for (FiberId f : g) parts.push_back(rest[f]);
    std::sort(parts.begin(), parts.end());
    for (std::size_t i = 0; i < g.size(); ++i) rest[g[i]] = std::move(parts[i]);
  }
  std::string s;
  for (std::size_t f = 0; f < names.size(); ++f) {
    if (f > 0) s += " | ";
    s += names[f];
    s += ':';
    s += rest[f];
  }
  return s;
}

std::string_view to_string(Access a) {
  switch (a) {
    case Access::Read: return "read";
    case Access::Write: return "write";
    case Access::ReadModifyWrite: return "rmw";
    case Access::Lock: return "lock";
    case Access::Unlock: return "unlock";
  }
  return "?";
}

namespace {
// The build maps the project root away (-fmacro-prefix-map), so this reads "models/vfs.cpp".
std::string where_text(const std::source_location& w) { return fmt::format("{}:{}", w.file_name(), w.line()); }
}  // namespace

Execution::Execution(Program& program) : program_(program) {
  const auto n = program.fiber_names().size();
  RW_REQUIRE(n > 0 && n <= 64, "a program needs 1 to 64 fibers, not {}", n);
  for (FiberId i = 0; i < n; ++i) {
    fibers_.push_back(std::make_unique<FiberRec>(256 * 1024));
    fibers_.back()->ex = this;
    fibers_.back()->id = i;
  }
  lock_holder_.assign(program.objects().size(), kNoFiber);
}

Execution::~Execution() = default;

const std::string& Execution::fiber_name(FiberId f) const { return program_.fiber_names().at(f); }

Execution::FiberRec& Execution::me() {
  RW_REQUIRE(current_ != kNoFiber, "step API called outside a fiber");
  return *fibers_[current_];
}

void Execution::entry(void* arg) {
  auto* rec = static_cast<FiberRec*>(arg);
  Execution& ex = *rec->ex;
  try {
    ex.program_.run(ex, rec->id);
  } catch (const std::exception& e) {
    if (!ex.violation_)
      ex.violation_ = Violation{.kind = "exception",
                                .message = fmt::format("model code threw: {}", e.what()),
                                .fiber = rec->id};
  } catch (...) {
    if (!ex.violation_)
      ex.violation_ = Violation{.kind = "exception",
                                .message = "model code threw a non-standard exception",
                                .fiber = rec->id};
  }
  rec->finished = true;
}

void Execution::suspend() { fibers_[current_]->slot.yield(); }

void Execution::step(ObjectId object, Access access, Label label, std::source_location where) {
  step_when(object, access, label, Condition{}, where);
}

void Execution::step_when(ObjectId object, Access access, Label label, Condition ready,
                          std::source_location where) {
  FiberRec& f = me();
  RW_REQUIRE(object == kNoObject || object < program_.objects().size(),
             "step '{}' names object {} of {}", label.text, object, program_.objects().size());
  f.pending = Pending{object, access, label, where, ready};
  suspend();
}

void Execution::wait_to_start(ObjectId object, Access access, Label label, Condition ready,
                              std::source_location where) {
  FiberRec& f = me();
  RW_REQUIRE(std::find(schedule_.begin(), schedule_.end(), current_) == schedule_.end(),
             "wait_to_start '{}': {} has taken a step already", label.text, fiber_name(current_));
  RW_REQUIRE(object == kNoObject || object < program_.objects().size(),
             "step '{}' names object {} of {}", label.text, object, program_.objects().size());
  f.pending = Pending{object, access, label, where, ready, true};
  suspend();
}

void Execution::lock(ObjectId lock, Label label, std::source_location where) {
  RW_REQUIRE(lock < lock_holder_.size() && program_.objects()[lock].is_lock,
             "lock '{}': object {} is not a lock", label.text, lock);
  RW_REQUIRE(lock_holder_[lock] != current_, "lock '{}': {} already holds {}", label.text,
             fiber_name(current_), program_.objects()[lock].name);
  step(lock, Access::Lock, label, where);
  lock_holder_[lock] = current_;
}

void Execution::unlock(ObjectId lock, Label label, std::source_location where) {
  RW_REQUIRE(lock < lock_holder_.size() && lock_holder_[lock] == current_,
             "unlock '{}': the fiber does not hold the lock", label.text);
  step(lock, Access::Unlock, label, where);
  lock_holder_[lock] = kNoFiber;
}

void Execution::fail(std::string_view kind, std::string message) {
  RW_REQUIRE(current_ != kNoFiber, "fail() called outside a fiber");
  if (!violation_)
    violation_ = Violation{.kind = std::string(kind), .message = std::move(message), .fiber = current_};
  if (tracing_ && !trace_.empty() && trace_.back().fiber == current_) {
    auto& d = trace_.back().detail;
    d += d.empty() ? "" : "; ";
    d += violation_->message;
  }
  suspend();  // the explorer never resumes a fiber after a violation
  RW_ASSERT(false, "a fiber was resumed after its violation");
  std::abort();
}

void Execution::narrow_access(Access made) {
  RW_REQUIRE(current_ != kNoFiber, "narrow_access() called outside a fiber");
  last_access_ = made;
}

void Execution::observe(Label what, std::int64_t value) { me().results.push_back({what, value}); }

void Execution::note_text(std::string text) {
  if (trace_.empty() || current_ == kNoFiber) return;
  auto& d = trace_.back().detail;
  if (!d.empty()) d += "; ";
  d += text;
}

Execution::Frame Execution::enter(Label function) {
  me().frames.push_back(FrameRec{.function = function.id});
  return Frame(*this);
}

void Execution::pop_frame() {
  auto& frames = me().frames;
  RW_ASSERT(!frames.empty(), "frame stack underflow");
  frames.pop_back();
}

void Execution::at(std::uint32_t statement) {
  auto& frames = me().frames;
  RW_REQUIRE(!frames.empty(), "at() needs a frame: call enter() first");
  frames.back().pc = statement;
}

void Execution::local(std::size_t slot, std::int64_t value) {
  auto& frames = me().frames;
  RW_REQUIRE(!frames.empty() && slot < kFrameLocals, "local({}) needs a frame and a slot < {}",
             slot, kFrameLocals);
  frames.back().locals[slot] = value;
}

void Execution::set_window(bool open) { me().window = open; }

// A section opened before the fiber's first step (a scenario's setup) holds at once. One opened
// later begins with its first step: that step is a schedule point like any other, and no other
// fiber runs from then until the section closes. (Holding at once would fuse the section with
// the step before it, which is not what the model wrote.)
void Execution::set_atomic(bool on) {
  FiberRec& f = me();
  if (!on || f.version == 0) {
    f.atomic = on;
    f.atomic_armed = false;
  } else {
    f.atomic_armed = true;
  }
}

void Execution::begin(bool tracing) {
  program_.reset();
  tracing_ = tracing;
  std::fill(lock_holder_.begin(), lock_holder_.end(), kNoFiber);
  schedule_.clear();
  trace_.clear();
  violation_.reset();
  preemptions_ = 0;
  last_ = kNoFiber;
  for (auto& f : fibers_) {
    f->version = 0;
    f->kept = 0;
    f->key_valid = false;
    f->finished = false;
    f->window = false;
    f->atomic = false;
    f->atomic_armed = false;
    f->frames.clear();
    f->results.clear();
    f->pending = Pending{};
    f->slot.start(&Execution::entry, f.get());
  }
  // Each fiber runs up to its first step; by contract it touches nothing shared before it.
  for (auto& f : fibers_) {
    current_ = f->id;
    f->slot.resume();
    current_ = kNoFiber;
    if (violation_) break;
  }
  if (checkpointing_ && !violation_)
    for (auto& f : fibers_) keep_image(*f);
  refresh_runnable();
}

void Execution::keep_image(FiberRec& f) {
  RW_ASSERT(f.kept == f.version, "checkpoint images out of step");
  if (f.images.size() <= f.kept) f.images.resize(f.kept + 1);
  Image& im = f.images[f.kept++];
  im.position = static_cast<const FiberPosition&>(f);
  f.slot.save(im.stack);
}

bool Execution::restricted() const {
  return std::any_of(fibers_.begin(), fibers_.end(), [](const auto& f) { return f->atomic && !f->finished; });
}

void Execution::save(Checkpoint& out) const {
  RW_REQUIRE(checkpointing_ && !violation_, "save(): needs checkpointing and a live execution");
  out.world.clear();
  program_.save_world(out.world);
  out.lock_holder = lock_holder_;
  out.version.resize(fibers_.size());
  for (std::size_t i = 0; i < fibers_.size(); ++i) out.version[i] = fibers_[i]->version;
  out.runnable = runnable_;
  out.depth = depth();
  out.preemptions = preemptions_;
  out.last = last_;
}

void Execution::restore(const Checkpoint& in) {
  RW_REQUIRE(checkpointing_ && !tracing_, "restore(): needs checkpointing, without tracing");
  program_.restore_world(in.world);
  lock_holder_ = in.lock_holder;
  for (std::size_t i = 0; i < fibers_.size(); ++i) {
    FiberRec& f = *fibers_[i];
    const std::uint32_t v = in.version[i];
    if (f.version == v) continue;
    RW_ASSERT(v < f.kept, "restore(): checkpoint from an abandoned branch");
    f.kept = v + 1;
    f.version = v;
    const Image& im = f.images[v];
    static_cast<FiberPosition&>(f) = im.position;
    f.slot.restore(im.stack);
    f.key_valid = false;
  }
  runnable_ = in.runnable;
  schedule_.resize(in.depth);
  preemptions_ = in.preemptions;
  last_ = in.last;
  violation_.reset();
  current_ = kNoFiber;
}

bool Execution::enabled(const FiberRec& f) const {
  if (f.finished) return false;
  const Pending& p = f.pending;
  if (p.access == Access::Lock && lock_holder_[p.object] != kNoFiber) return false;
  return p.ready();
}

// A fiber still waiting to be started (wait_to_start) when nothing else can run never existed.
bool Execution::all_finished() const {
  return std::all_of(fibers_.begin(), fibers_.end(),
                     [this](const auto& f) { return f->finished || (f->pending.unborn && !enabled(*f)); });
}

void Execution::refresh_runnable() {
  runnable_.clear();
  if (violation_) return;
  const auto atomic = std::find_if(fibers_.begin(), fibers_.end(), [](const auto& f) { return f->atomic && !f->finished; });

  if (atomic != fibers_.end()) {
    if (enabled(**atomic)) runnable_.push_back((*atomic)->id);
  } else {
    for (const auto& f : fibers_)
      if (enabled(*f)) runnable_.push_back(f->id);
  }
  if (runnable_.empty() && !all_finished()) {
    violation_ = Violation{.kind = "deadlock",
                           .message = "no fiber can run: " + describe_blocked(),
                           .fiber = last_ == kNoFiber ? 0 : last_};
  }
}

void Execution::advance(FiberId fid) {
  RW_ASSERT(fid < fibers_.size() && std::binary_search(runnable_.begin(), runnable_.end(), fid),
            "advance: fiber {} is not runnable", fid);
  if (last_ != kNoFiber && last_ != fid &&
      std::binary_search(runnable_.begin(), runnable_.end(), last_))
    ++preemptions_;
  FiberRec& f = *fibers_[fid];
  schedule_.push_back(fid);
  if (tracing_) {
    const Pending& p = f.pending;
    trace_.push_back(TraceStep{.fiber = fid,
                               .label = p.label.text,
                               .object = p.object,
                               .access = p.access,
                               .where = where_text(p.where),
                               .atomic = f.atomic});
  }
  if (f.atomic_armed) {  // the section's first step: others are kept out from now on
    f.atomic = true;
    f.atomic_armed = false;
  }
  last_ = fid;
  last_object_ = f.pending.object;
  last_access_ = f.pending.access;
  last_announced_ = f.pending.access;
  current_ = fid;
  ++f.version;  // counted before the fiber runs on: a set_atomic() right after it knows a step was taken
  f.slot.resume();
  current_ = kNoFiber;
  f.key_valid = false;
  if (checkpointing_) keep_image(f);
  if (tracing_) {
    TraceStep& t = trace_.back();
    t.watch = program_.watch();
    for (const auto& g : fibers_)
      if (g->window) t.window |= std::uint64_t{1} << g->id;
  }
  refresh_runnable();
}

void Execution::set_symmetry(std::span<const std::uint32_t> classes) {
  RW_REQUIRE(classes.empty() || classes.size() == fibers_.size(), "set_symmetry: {} classes for {} fibers",
             classes.size(), fibers_.size());
  groups_ = symmetric_groups(classes);
  rename_.clear();
  order_.clear();
  if (!groups_.empty()) {
    rename_.resize(fibers_.size());
    order_.resize(fibers_.size());
    for (FiberId f = 0; f < fibers_.size(); ++f) rename_[f] = order_[f] = f;
  }
}

// A fiber's words: its position (written again only after it ran or was restored), then its
// part of the world, which the program writes each time (another fiber may have changed it).
void Execution::refresh_key(const FiberRec& f) const {
  fiber_world_.clear();
  program_.write_fiber_state(f.id, fiber_world_);
  const auto world = fiber_world_.words();
  bool changed = !f.key_valid;
  if (!f.key_valid) {
    write_fiber(f, f.key);
    f.position_words = f.key.size();
    f.key_valid = true;
  } else {
    const std::span<const std::uint64_t> had(f.key.data() + f.position_words + 1, f.key.size() - f.position_words - 1);
    changed = !std::equal(had.begin(), had.end(), world.begin(), world.end());
  }
  if (!changed) return;
  f.key.resize(f.position_words);
  f.key.push_back(world.size());
  f.key.insert(f.key.end(), world.begin(), world.end());
  if (interner_ != nullptr) f.key_id = interner_->id(f.key);
}

bool Execution::key_less(FiberId a, FiberId b) const {
  const FiberRec& x = *fibers_[a];
  const FiberRec& y = *fibers_[b];
  if (interner_ != nullptr) return x.key_id != y.key_id ? x.key_id < y.key_id : a < b;
  if (x.key != y.key) return x.key < y.key;
  return a < b;
}

void Execution::write_state(StateWriter& out) const {
  for (const auto& f : fibers_) refresh_key(*f);
  if (!groups_.empty()) {
    // Canonical names: in each class, the fiber whose words sort k-th takes the class's k-th id.
    for (const auto& g : groups_) {
      auto& sorted = order_;  // scratch for this class, then filled in below
      sorted.assign(g.begin(), g.end());
      std::sort(sorted.begin(), sorted.end(), [this](FiberId a, FiberId b) { return key_less(a, b); });
      for (std::size_t k = 0; k < g.size(); ++k) rename_[sorted[k]] = g[k];
    }
    order_.resize(fibers_.size());
    for (FiberId f = 0; f < fibers_.size(); ++f) order_[rename_[f]] = f;
    out.set_renaming(rename_);
  }
  program_.write_state(out);
  for (std::size_t i = 0; i < lock_holder_.size(); ++i)
    if (program_.objects()[i].is_lock) out.put_fiber(lock_holder_[i]);
  for (FiberId c = 0; c < fibers_.size(); ++c) {
    const FiberRec& f = *fibers_[groups_.empty() ? c : order_[c]];
    if (interner_ != nullptr)
      out.put(f.key_id);
    else
      out.put_all(f.key);
  }
  out.set_renaming({});
}

void Execution::write_fiber(const FiberRec& f, std::vector<std::uint64_t>& out) {
  out.clear();
  RW_ASSERT(f.frames.size() < 256 && f.results.size() < 65536, "fiber state too deep to encode");
  // One header word: flags, pending access, frame and result counts, pending object.
  const std::uint64_t pending_object = f.finished ? kNoObject : f.pending.object;
  const std::uint64_t access = f.finished ? 0 : static_cast<std::uint8_t>(f.pending.access);
  out.push_back((f.finished ? 1u : 0u) | (f.atomic ? 2u : 0u) | (f.atomic_armed ? 128u : 0u) | (access << 2) | (std::uint64_t{f.frames.size()} << 8) |
                (std::uint64_t{f.results.size()} << 16) | (pending_object << 32));
  if (!f.finished) out.push_back(f.pending.label.id);
  for (const auto& fr : f.frames) {
    // The function, then the statement with a mask of the locals that are not zero, then
    // those locals: exact, and short when most locals are unused.
    out.push_back(fr.function);
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < kFrameLocals; ++i)
      if (fr.locals[i] != 0) mask |= std::uint64_t{1} << i;
    out.push_back(std::uint64_t{fr.pc} | (mask << 32));
    for (auto l : fr.locals)
      if (l != 0) out.push_back(static_cast<std::uint64_t>(l));
  }
  for (const auto& r : f.results) {
    out.push_back(r.what.id);
    out.push_back(static_cast<std::uint64_t>(r.value));
  }
}

std::string Execution::outcome() const {
  std::vector<std::string> rest(fibers_.size());
  for (const auto& f : fibers_) {
    std::string& r = rest[f->id];
    if (f->results.empty()) r = " -";
    for (const auto& res : f->results) {
      r += ' ';
      r += res.what.text;
      r += '=';
      r += program_.format_value(res.value);
    }
  }
  for (const auto& g : groups_) {  // symmetry: which fiber of a class got which results is not kept
    std::vector<std::string> parts;
    for (FiberId f : g) parts.push_back(std::move(rest[f]));
    std::sort(parts.begin(), parts.end());
    for (std::size_t i = 0; i < g.size(); ++i) rest[g[i]] = std::move(parts[i]);
  }
  std::string s;
  for (FiberId f = 0; f < fibers_.size(); ++f) {
    if (f > 0) s += " | ";
    s += fiber_name(f);
    s += ":";
    s += rest[f];
  }
  return s;
}

std::string_view Execution::pending(FiberId f) const {
  const auto& rec = *fibers_.at(f);
  return rec.finished ? std::string_view{} : std::string_view{rec.pending.label.text};
}

std::string Execution::describe_blocked() const {
  std::string s;
  for (const auto& f : fibers_) {
    if (f->finished) continue;
    if (!s.empty()) s += "; ";
    const Pending& p = f->pending;
    if (p.access == Access::Lock && lock_holder_[p.object] != kNoFiber)
      s += fmt::format("{} waits for {} (held by {}) at '{}'", fiber_name(f->id),
                       program_.objects()[p.object].name, fiber_name(lock_holder_[p.object]),
                       p.label.text);
    else
      s += fmt::format("{} waits at '{}'", fiber_name(f->id), p.label.text);
  }
  return s;
}

}  // namespace rw::engine
