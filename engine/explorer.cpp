// engine/explorer.cpp
#include "engine/explorer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <queue>
#include <string_view>
#include <unordered_map>

#include "engine/execution.hpp"
#include "engine/require.hpp"
#include "engine/state_store.hpp"

namespace rw::engine {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Safe: return "safe";
    case Verdict::Violation: return "violation";
    case Verdict::Incomplete: return "incomplete";
    case Verdict::Error: return "error";
  }
  return "?";
}

namespace {

// For --check-state's map from a state to the first path that reached it.
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::string_view key_of(const StateWriter& w) {
  const auto words = w.words();
  return {reinterpret_cast<const char*>(words.data()), words.size() * sizeof(std::uint64_t)};
}

std::string names_of(const Execution& ex, std::span<const FiberId> fibers) {
  std::string s;
  for (FiberId f : fibers) s += (s.empty() ? "" : ", ") + ex.fiber_name(f);
  return s.empty() ? "none" : s;
}

std::string how_it_ended(const Execution& ex) {
  if (ex.violation()) return fmt::format("violation {}: {}", ex.violation()->kind, ex.violation()->message);
  if (ex.complete()) return "complete: " + ex.outcome();
  return "cut at the step bound";
}

// --check-state: runs a continuation after `prefix`, picking fibers by a fixed policy
// (lowest id, or a PRNG seeded by `seed`), and returns what happened after the prefix.
struct Future {
  std::vector<TraceStep> steps;
  std::string end;
};
Future continuation(Execution& ex, std::span<const FiberId> prefix, bool random, std::uint64_t seed,
                    std::uint32_t max_steps) {
  ex.begin(false);
  for (FiberId f : prefix) ex.advance(f);
  ex.trace().clear();
  ex.set_tracing(true);
  std::uint64_t rng = seed;
  while (!ex.over() && ex.depth() < max_steps) {
    const auto& run = ex.runnable();
    std::size_t i = 0;
    if (random) {
      rng += 0x9e3779b97f4a7c15ull;  // splitmix64
      std::uint64_t z = rng;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      i = static_cast<std::size_t>((z ^ (z >> 31)) % run.size());
    }
    ex.advance(run[i]);
  }
  Future out{std::move(ex.trace()), how_it_ended(ex)};
  for (auto& s : out.steps) { s.window = 0; }
  ex.set_tracing(false);
  return out;
}

std::string describe_step(const Execution& ex, const TraceStep& s) {
  return fmt::format("{} '{}'{}", ex.fiber_name(s.fiber), s.label, s.detail.empty() ? "" : " (" + s.detail + ")");
}

// Returns an empty string when both paths have the same futures, else what differs.
std::string compare_futures(Execution& ex, std::span<const FiberId> a, std::span<const FiberId> b,
                            std::uint64_t seed, std::uint32_t max_steps) {
  for (bool random : {false, true}) {
    const Future fa = continuation(ex, a, random, seed, max_steps);
    const Future fb = continuation(ex, b, random, seed, max_steps);
    const char* policy = random ? "seeded random" : "lowest fiber first";
    const auto& names = ex.program().fiber_names();
    const std::size_t n = std::min(fa.steps.size(), fb.steps.size());
    for (std::size_t i = 0; i < n; ++i)
      if (!(fa.steps[i] == fb.steps[i]))
        return fmt::format(
            "paths '{}' and '{}' reach the same state, but {} step(s) later ({} continuation) one "
            "takes {} and the other {}: a local that decides the future is not declared",
            format_schedule(a, names), format_schedule(b, names), i + 1, policy,
            describe_step(ex, fa.steps[i]), describe_step(ex, fb.steps[i]));
    if (fa.steps.size() != fb.steps.size() || fa.end != fb.end)
      return fmt::format(
          "paths '{}' and '{}' reach the same state, but their futures ({} continuation) end "
          "differently: after {} step(s) '{}', after {} step(s) '{}': a local that decides the "
          "future is not declared",
          format_schedule(a, names), format_schedule(b, names), policy, fa.steps.size(), fa.end,
          fb.steps.size(), fb.end);
  }
  return {};
}

std::uint64_t mix(std::string_view key) { return std::hash<std::string_view>{}(key) * 0x9e3779b97f4a7c15ull; }

}  // namespace

std::expected<Replay, ScheduleError> replay(Program& program, std::span<const FiberId> schedule) {
  Execution ex(program);
  ex.begin(true);
  const auto& names = program.fiber_names();
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    if (ex.over())
      return std::unexpected(ScheduleError{0, fmt::format(
          "the schedule has {} steps, but the execution ends after step {} ({})", schedule.size(), i,
          how_it_ended(ex))});
    const FiberId f = schedule[i];
    if (f >= names.size())
      return std::unexpected(ScheduleError{0, fmt::format(
          "step {} picks fiber {}, but the program has {} fibers", i + 1, f, names.size())});
    const auto& run = ex.runnable();
    if (!std::binary_search(run.begin(), run.end(), f))
      return std::unexpected(ScheduleError{0, fmt::format(
          "step {} picks '{}', which cannot run there (runnable: {})", i + 1, names.at(f),
          names_of(ex, run))});
    ex.advance(f);
  }
  if (!ex.over())
    return std::unexpected(ScheduleError{0, fmt::format(
        "the schedule ends after {} step{}, but the execution goes on (runnable: {})",
        schedule.size(), schedule.size() == 1 ? "" : "s", names_of(ex, ex.runnable()))});
  Replay out;
  out.trace = ex.trace();
  out.preemptions = ex.preemptions();
  if (ex.violation()) {
    out.violation = *ex.violation();
    out.violation->schedule = ex.schedule();
    out.violation->trace = ex.trace();
    out.violation->preemptions = ex.preemptions();
  } else {
    out.outcome = ex.outcome();
  }
  return out;
}

std::optional<std::vector<FiberId>> shrink_violation(Program& program, const std::string& kind,
                                                     std::uint64_t budget) {
  struct Node {
    std::uint32_t preemptions;
    std::uint32_t steps;
    std::uint64_t seq;
    std::vector<FiberId> path;
    bool operator>(const Node& o) const {
      return std::tie(preemptions, steps, seq) > std::tie(o.preemptions, o.steps, o.seq);
    }
  };
  Execution ex(program);
  std::priority_queue<Node, std::vector<Node>, std::greater<>> queue;
  StateStore seen;
  StateWriter w;
  std::uint64_t seq = 0;
  std::uint64_t expanded = 0;
  queue.push(Node{0, 0, seq++, {}});
  while (!queue.empty() && expanded < budget) {
    Node n = queue.top();
    queue.pop();
    ex.begin(false);
    for (FiberId f : n.path) ex.advance(f);
    if (ex.violation()) {
      if (ex.violation()->kind == kind) return n.path;
      continue;
    }
    if (ex.over()) continue;
    w.clear();
    ex.write_state(w);
    w.put(n.path.empty() ? kNoFiber : n.path.back());  // the cost of what follows depends on it
    if (!seen.insert(w.words())) continue;
    ++expanded;
    const auto& run = ex.runnable();
    const bool last_runnable = !n.path.empty() && std::binary_search(run.begin(), run.end(), n.path.back());
    for (FiberId f : run) {
      Node child{n.preemptions + (last_runnable && f != n.path.back() ? 1u : 0u), n.steps + 1, seq++, n.path};
      child.path.push_back(f);
      queue.push(std::move(child));
    }
  }
  return std::nullopt;
}

Report explore(Program& program, Strategy& strategy, const ExploreOptions& opt) {
  Execution ex(program);
  Report r;
  r.strategy = std::string(strategy.name());
  r.state_cache = opt.state_cache;
  StateStore visited;
  std::unordered_map<std::string, std::vector<FiberId>, KeyHash, std::equal_to<>> first_path;
  std::map<std::string, std::uint64_t> outcomes;
  StateWriter w;
  std::vector<FiberId> found;

  while (true) {
    if (!strategy.begin_execution()) break;
    if (r.executions >= opt.max_executions) {
      r.incomplete_reason = fmt::format("stopped after {} executions (--max-executions)", r.executions);
      break;
    }
    ++r.executions;
    ex.begin(false);
    const std::size_t fresh = strategy.fresh_depth();
    bool pruned = false;
    bool bounded = false;
    std::optional<std::pair<std::vector<FiberId>, std::uint64_t>> to_check;
    while (!ex.over()) {
      const std::uint32_t d = ex.depth();
      if (opt.state_cache && d >= fresh) {
        w.clear();
        ex.write_state(w);
        if (!visited.insert(w.words())) {
          pruned = true;
          const std::string_view key = key_of(w);
          if (opt.check_state && r.state_checks < opt.check_state_samples && (mix(key) & 3) == 0)
            to_check.emplace(first_path.find(key)->second, mix(key));
          break;
        }
        ++r.states;
        if (opt.check_state) first_path.emplace(key_of(w), ex.schedule());
      }
      if (d >= opt.max_steps) {
        bounded = true;
        break;
      }
      const auto& sched = ex.schedule();
      ex.advance(strategy.pick(ex.runnable(), sched.empty() ? std::nullopt : std::optional(sched.back())));
    }
    if (opt.state_cache && !pruned && !bounded && ex.depth() >= fresh) {
      w.clear();  // the state the execution ended in (complete, deadlock or violation)
      ex.write_state(w);
      if (visited.insert(w.words())) ++r.states;
    }
    r.steps += ex.depth();
    r.max_depth = std::max(r.max_depth, ex.depth());
    if (pruned) {
      ++r.pruned_executions;
    } else if (bounded) {
      if (r.incomplete_reason.empty())
        r.incomplete_reason = fmt::format("an execution reached {} steps (--max-steps)", opt.max_steps);
    } else if (ex.violation()) {
      const bool wanted = opt.target_kind.empty() || ex.violation()->kind == opt.target_kind;
      const bool first_of_kind = std::find(r.other_kinds.begin(), r.other_kinds.end(), ex.violation()->kind) ==
                                 r.other_kinds.end();
      if (wanted || !r.violation) {
        found = ex.schedule();
        r.violation = *ex.violation();
        r.violation->execution = r.executions;
      }
      if (wanted) break;
      if (first_of_kind) r.other_kinds.push_back(ex.violation()->kind);
    } else {
      ++r.complete_executions;
      ++outcomes[ex.outcome()];
    }
    if (to_check) {
      ++r.state_checks;
      const std::vector<FiberId> second = ex.schedule();
      std::string diff = compare_futures(ex, to_check->first, second, to_check->second, opt.max_steps);
      if (!diff.empty()) {
        r.verdict = Verdict::Error;
        r.error = "--check-state: " + diff;
        return r;
      }
    }
  }

  for (auto& [text, count] : outcomes) r.outcomes.push_back({text, count});
  if (r.violation) {
    std::erase(r.other_kinds, r.violation->kind);
    r.verdict = Verdict::Violation;
    r.violation_dfs_steps = found.size();
    std::vector<FiberId> shown = found;
    if (opt.shrink && opt.state_cache) {
      if (auto shorter = shrink_violation(program, r.violation->kind, opt.shrink_budget)) shown = *shorter;
    }
    auto again = replay(program, shown);
    if (!again || !again->violation || again->violation->kind != r.violation->kind) {
      r.verdict = Verdict::Error;
      r.error = fmt::format("nondeterminism: re-running the schedule '{}' that found {} did not reproduce it",
                            format_schedule(shown, program.fiber_names()), r.violation->kind);
      return r;
    }
    const std::uint64_t execution = r.violation->execution;
    r.violation = std::move(*again->violation);
    r.violation->execution = execution;
  } else if (!r.incomplete_reason.empty()) {
    r.verdict = Verdict::Incomplete;
  }
  return r;
}

}  // namespace rw::engine
