// cli/search_flags.cpp
#include "cli/search_flags.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <optional>
#include <thread>

#include "engine/strategies/registry.hpp"

namespace rw::cli {

namespace {

using Bad = std::unexpected<std::string>;

// A whole number in [lo, hi], or the message that says what was expected.
std::expected<std::uint64_t, std::string> whole(const std::string& text, const char* flag, std::uint64_t lo,
                                                std::uint64_t hi, const char* expected) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v < lo)
    return Bad(fmt::format("{}: expected {}, got '{}'", flag, expected, text));
  if (v > hi) return Bad(fmt::format("{}: at most {}, got '{}'", flag, hi, text));
  return v;
}
std::expected<std::uint64_t, std::string> count(const std::string& text, const char* flag,
                                                std::uint64_t hi = std::numeric_limits<std::uint64_t>::max()) {
  return whole(text, flag, 1, hi, "a whole number from 1 up");
}

// "--strategy"'s help: every registered strategy, one line each.
std::string strategy_help() {
  std::string s = "the search (default dfs):";
  for (const auto& e : engine::strategies()) s += fmt::format("\n  {}: {}", e.name, e.help);
  return s;
}

// A number of seconds, above 0 (or from 0 with `zero`), at most 1e9; nothing when it is not one.
std::optional<double> seconds(const std::string& text, bool zero) {
  char* end = nullptr;
  const double t = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(zero ? t >= 0 : t > 0) || t > 1e9) return std::nullopt;
  return t;
}

// "800M", "2G", "65536": a size in bytes, with an optional binary K, M or G (at least 1 MiB).
std::expected<std::uint64_t, std::string> memory_size(const std::string& text) {
  const auto bad = [&] {
    return std::unexpected(fmt::format("--max-memory: expected a size such as 800M or 2G (at least 1M), got '{}'", text));
  };
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12 || text.size() > digits + 1) return bad();
  std::uint64_t n = std::stoull(text.substr(0, digits));
  if (text.size() == digits + 1) {
    switch (text.back()) {
      case 'K': case 'k': n <<= 10; break;
      case 'M': case 'm': n <<= 20; break;
      case 'G': case 'g': n <<= 30; break;
      default: return bad();
    }
  }
  if (n < (std::uint64_t{1} << 20)) return bad();
  return n;
}

}  // namespace

void add_search_flags(CLI::App* check, SearchFlags& f) {
  check->add_option("--max-executions", f.max_executions, "stop after N executions (the verdict is then incomplete)");
  check->add_option("--max-steps", f.max_steps, "cut an execution after N steps (the verdict is then incomplete)");
  check->add_option("--timeout", f.timeout, "stop each scenario's run after this many seconds of wall clock, in every phase (the verdict is then incomplete)");
  check->add_option("--max-memory", f.max_memory, "stop each scenario's run when racewin's resident memory passes SIZE (bytes, or with K, M, G: 800M, 2G), in every phase (the verdict is then incomplete)");
  check->add_flag("--no-state-cache", f.no_state_cache, "explore every schedule, even those reaching a state already explored");
  check->add_flag("--check-state", f.check_state, "re-run sampled futures of states reached twice and fail if they differ");
  check->add_flag("--no-shrink", f.no_shrink, "show the first violating schedule found, not the smallest");
  check->add_option("--reduction", f.reduction, "partial-order reduction: none, source or optimal (default)");
  check->add_option("--symmetry", f.symmetry, "on (default): store one state per renaming of fibers that run the same program; off: every state as it is");
  check->add_option("--preemption-bound", f.bound, "explore only schedules with at most K preemptions; 'auto': K = 0, 1, 2, ... until a violation or the whole space");
  check->add_option("--strategy", f.strategy, strategy_help());
  check->add_option("--seed", f.seed, "sampling strategies: the seed (default 1)");
  check->add_option("--iterations", f.iterations, "sampling strategies: executions to run (default 10000)");
  check->add_option("--depth", f.depth, "pct: the bug depth d (default 3)");
  check->add_option("--jobs,-j", f.jobs, "threads for exhaustive search (default: every core)");
  check->add_option("--shard", f.shard, "explore only part i of n of the tree (i/n, 0 <= i < n); combine the reports with 'racewin merge'");
  check->add_option("--checkpoint", f.checkpoint, "write the search's progress to FILE every --checkpoint-every seconds (one scenario, exhaustive search), so that --resume can go on after a kill");
  check->add_option("--checkpoint-every", f.checkpoint_every, "seconds between checkpoints (default 60; 0: after every unit)");
  check->add_option("--resume", f.resume, "go on from the checkpoint FILE written by --checkpoint with the same scenario and search flags");
  check->add_flag("--quiet,-q", f.quiet, "no live progress line");
}

std::expected<engine::ExploreOptions, std::string> to_explore_options(const SearchFlags& f) {
  engine::ExploreOptions opt;
  if (!f.max_executions.empty()) {
    auto v = count(f.max_executions, "--max-executions");
    if (!v) return Bad(v.error());
    opt.max_executions = *v;
  }
  if (!f.max_steps.empty()) {
    auto v = count(f.max_steps, "--max-steps", std::numeric_limits<std::uint32_t>::max());
    if (!v) return Bad(v.error());
    opt.max_steps = static_cast<std::uint32_t>(*v);
  }
  if (!f.timeout.empty()) {
    const auto t = seconds(f.timeout, false);
    if (!t) return Bad(fmt::format("--timeout: expected a number of seconds above 0, got '{}'", f.timeout));
    opt.timeout = *t;
  }
  if (!f.max_memory.empty()) {
    auto bytes = memory_size(f.max_memory);
    if (!bytes) return Bad(bytes.error());
    opt.max_memory = *bytes;
  }
  opt.state_cache = !f.no_state_cache;
  opt.shrink = !f.no_shrink;
  opt.check_state = f.check_state;
  if (auto r = engine::parse_reduction(f.reduction)) opt.reduction = *r;
  else return Bad(fmt::format("--reduction: expected none, source or optimal, got '{}'", f.reduction));
  if (f.symmetry != "on" && f.symmetry != "off")
    return Bad(fmt::format("--symmetry: expected on or off, got '{}'", f.symmetry));
  opt.symmetry = f.symmetry == "on";
  const engine::StrategyEntry* strategy = engine::find_strategy(f.strategy);
  if (strategy == nullptr)
    return Bad(fmt::format("--strategy: expected {}, got '{}'", engine::strategy_names(), f.strategy));
  opt.strategy = strategy->name;
  if (f.bound == "auto") {
    opt.auto_bound = true;
  } else if (!f.bound.empty()) {
    auto k = whole(f.bound, "--preemption-bound", 0, 1'000'000, "a whole number from 0 up or 'auto'");
    if (!k) return Bad(fmt::format("--preemption-bound: expected a whole number from 0 up or 'auto', got '{}'", f.bound));
    opt.preemption_bound = static_cast<std::uint32_t>(*k);
  }
  if (!f.seed.empty()) {
    auto s = whole(f.seed, "--seed", 0, std::numeric_limits<std::uint64_t>::max(), "a whole number");
    if (!s) return Bad(s.error());
    opt.seed = *s;
  }
  if (!f.iterations.empty()) {
    auto n = count(f.iterations, "--iterations");
    if (!n) return Bad(n.error());
    opt.iterations = *n;
  }
  if (!f.depth.empty()) {
    auto d = count(f.depth, "--depth", 64);
    if (!d) return Bad(d.error());
    opt.pct_depth = static_cast<std::uint32_t>(*d);
  }
  opt.jobs = std::max(1u, std::thread::hardware_concurrency());
  if (!f.jobs.empty()) {
    auto j = count(f.jobs, "--jobs", 1024);
    if (!j) return Bad(j.error());
    opt.jobs = static_cast<unsigned>(*j);
  }
  if (!f.shard.empty()) {
    const auto bad = [&] {
      return Bad(fmt::format("--shard: expected i/n with 0 <= i < n (for example 0/4), got '{}'", f.shard));
    };
    const auto slash = f.shard.find('/');
    if (slash == std::string::npos || slash == 0) return bad();
    std::uint64_t i = 0, n = 0;
    const char* s = f.shard.data();
    const auto [p1, e1] = std::from_chars(s, s + slash, i);
    const auto [p2, e2] = std::from_chars(s + slash + 1, s + f.shard.size(), n);
    if (e1 != std::errc{} || p1 != s + slash || e2 != std::errc{} || p2 != s + f.shard.size() || n < 1 || i >= n ||
        n > 100000)
      return bad();
    opt.shard_index = static_cast<std::uint32_t>(i);
    opt.shard_count = static_cast<std::uint32_t>(n);
  }
  // Which flags go with which strategy, as the registry says.
  const auto sampling = [](const engine::StrategyEntry& e) { return !e.exhaustive(); };
  const auto with_depth = [](const engine::StrategyEntry& e) { return e.takes_depth; };
  if (!strategy->exhaustive() && (!f.bound.empty() || opt.shard_count > 1))
    return Bad(fmt::format("--preemption-bound and --shard apply to exhaustive search (--strategy {})",
                           engine::strategy_names([](const engine::StrategyEntry& e) { return e.exhaustive(); })));
  if (strategy->exhaustive() && (!f.seed.empty() || !f.iterations.empty() || !f.depth.empty()))
    return Bad(fmt::format("--seed, --iterations and --depth apply to --strategy {}", engine::strategy_names(sampling)));
  if (!f.depth.empty() && !strategy->takes_depth)
    return Bad(fmt::format("--depth applies to --strategy {}", engine::strategy_names(with_depth)));
  opt.checkpoint = f.checkpoint;
  opt.resume = f.resume;
  if (!f.checkpoint_every.empty()) {
    const auto t = seconds(f.checkpoint_every, true);
    if (!t) return Bad(fmt::format("--checkpoint-every: expected a number of seconds from 0 up, got '{}'", f.checkpoint_every));
    if (f.checkpoint.empty()) return Bad("--checkpoint-every goes with --checkpoint FILE");
    opt.checkpoint_every = *t;
  }
  if ((!f.checkpoint.empty() || !f.resume.empty()) && (!strategy->exhaustive() || opt.auto_bound || opt.check_state))
    return Bad(fmt::format("--checkpoint and --resume apply to exhaustive search (--strategy {}) without --preemption-bound auto or --check-state",
                           engine::strategy_names([](const engine::StrategyEntry& e) { return e.exhaustive(); })));
  return opt;
}

}  // namespace rw::cli
