// engine/search/check_state.cpp: --check-state's continuations and their comparison
// (check_state.hpp).
#include "engine/search/check_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "engine/schedule.hpp"
#include "engine/search/symmetry.hpp"
#include "engine/strategy.hpp"

namespace rw::engine::detail {

std::string how_it_ended(const Execution& ex) {
  if (ex.violation()) return fmt::format("violation {}: {}", ex.violation()->kind, ex.violation()->message);
  if (ex.complete()) return "complete: " + ex.outcome();
  return "cut at the step bound";
}

namespace {

// Runs a continuation after `prefix`, picking fibers by a fixed policy (lowest id, or a PRNG
// seeded by `seed`), and returns what happened after the prefix. With `follow`, it takes those
// fibers instead, renamed by `sigma` (the continuation of a state that is a renaming of the one
// `follow` ran from).
struct Future {
  std::vector<TraceStep> steps;
  std::string end;
};
Future continuation(Execution& ex, std::span<const FiberId> prefix, bool random, std::uint64_t seed,
                    std::uint32_t max_steps, bool canonical, const Future* follow = nullptr,
                    std::span<const FiberId> sigma = {}) {
  ex.begin(false);
  for (FiberId f : prefix) ex.advance(f);
  ex.trace().clear();
  ex.set_tracing(true);
  SplitMix rng(seed);
  while (!ex.over() && ex.depth() < max_steps) {
    const auto& run = ex.runnable();
    FiberId pick = run.front();
    if (follow != nullptr) {
      const std::size_t k = ex.trace().size();
      if (k >= follow->steps.size()) break;  // the other future ended here: a difference
      pick = sigma[follow->steps[k].fiber];
      if (!std::binary_search(run.begin(), run.end(), pick)) break;
    } else if (random) {
      pick = run[static_cast<std::size_t>(rng.below(run.size()))];
    }
    ex.advance(pick);
  }
  std::string end = how_it_ended(ex);
  if (canonical && ex.complete())  // outcomes compare up to renaming the classes
    end = "complete: " + canonical_outcome(ex.program().fiber_names(), ex.program().fiber_classes(), ex.outcome());
  Future out{std::move(ex.trace()), std::move(end)};
  for (auto& s : out.steps) { s.window = 0; }
  ex.set_tracing(false);
  return out;
}

std::string describe_step(const Execution& ex, const TraceStep& s) {
  return fmt::format("{} '{}'{}{}", ex.fiber_name(s.fiber), s.label, s.detail.empty() ? "" : " (" + s.detail + ")",
                     s.watch.empty() ? "" : ", then " + s.watch);
}

std::string compare_futures_on(Execution& ex, std::span<const FiberId> a, std::span<const FiberId> b,
                               std::span<const FiberId> sigma, std::uint64_t seed, std::uint32_t max_steps) {
  std::vector<FiberId> identity;
  if (sigma.empty()) {
    for (FiberId f = 0; f < ex.program().fiber_names().size(); ++f) identity.push_back(f);
  }
  const std::span<const FiberId> map = sigma.empty() ? std::span<const FiberId>(identity) : sigma;
  for (bool random : {false, true}) {
    const Future fa = continuation(ex, a, random, seed, max_steps, !sigma.empty());
    const Future fb = continuation(ex, b, random, seed, max_steps, !sigma.empty(), &fa, map);
    const char* policy = random ? "seeded random" : "lowest fiber first";
    const auto& names = ex.program().fiber_names();
    const char* why = sigma.empty() ? "a local that decides the future is not declared"
                                    : "fibers declared interchangeable (Program::fiber_classes) are not interchangeable";
    const char* same = sigma.empty() ? "the same state" : "states that are renamings of each other";
    const std::size_t n = std::min(fa.steps.size(), fb.steps.size());
    for (std::size_t i = 0; i < n; ++i) {
      TraceStep renamed = fa.steps[i];
      renamed.fiber = map[renamed.fiber];
      if (!(renamed == fb.steps[i]))
        return fmt::format("paths '{}' and '{}' reach {}, but {} step(s) later ({} continuation) one "
                           "takes {} and the other {}: {}",
                           format_schedule(a, names), format_schedule(b, names), same, i + 1, policy,
                           describe_step(ex, fa.steps[i]), describe_step(ex, fb.steps[i]), why);
    }
    if (fa.steps.size() != fb.steps.size() || fa.end != fb.end)
      return fmt::format("paths '{}' and '{}' reach {}, but their futures ({} continuation) end "
                         "differently: after {} step(s) '{}', after {} step(s) '{}': {}",
                         format_schedule(a, names), format_schedule(b, names), same, policy, fa.steps.size(), fa.end,
                         fb.steps.size(), fb.end, why);
  }
  return {};
}

std::string key_string(std::span<const std::uint64_t> key) {
  return {reinterpret_cast<const char*>(key.data()), key.size() * sizeof(std::uint64_t)};
}

}  // namespace

std::string compare_futures(Program& program, std::span<const FiberId> a, std::span<const FiberId> b,
                            std::span<const FiberId> sigma, std::uint64_t seed, std::uint32_t max_steps) {
  Execution ex(program);
  return compare_futures_on(ex, a, b, sigma, seed, max_steps);
}

void StateCheck::stored(const Execution& ex, std::span<const std::uint64_t> key) {
  std::vector<FiberId> names(ex.canonical_names().begin(), ex.canonical_names().end());
  first_path_.emplace(key_string(key), FirstPath{ex.schedule(), std::move(names)});
}

std::optional<std::string> StateCheck::revisit(Program& program, const Execution& ex,
                                               std::span<const std::uint64_t> key, std::uint64_t checks) const {
  if (checks >= samples_) return std::nullopt;
  const std::string k = key_string(key);
  const std::uint64_t h = std::hash<std::string>{}(k) * 0x9e3779b97f4a7c15ull;
  if ((h & 3) != 0) return std::nullopt;
  const auto it = first_path_.find(k);
  if (it == first_path_.end()) return std::nullopt;
  // With symmetry the two states may be renamings of each other: fiber f of the first is the
  // fiber of the second with f's canonical name.
  std::vector<FiberId> sigma;
  if (ex.symmetric()) {
    std::vector<FiberId> inverse;
    invert(ex.canonical_names(), inverse);
    bool identity = true;
    for (FiberId f = 0; f < inverse.size(); ++f) {
      sigma.push_back(inverse[it->second.names[f]]);
      identity = identity && sigma.back() == f;
    }
    if (identity) sigma.clear();
  }
  return compare_futures(program, it->second.schedule, ex.schedule(), sigma, h, max_steps_);
}

}  // namespace rw::engine::detail
