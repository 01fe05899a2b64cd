// bench/refcount_bench.cpp: racewin_refcount_bench, the module refcount hot path on real threads.
// Times the algorithms of models/refcount.hpp on std::atomic (models/atomic_std.hpp), the very
// code that racewin checks when it runs them as steps, for 1 to N threads (N = the hardware's):
//   get/put            each thread takes and drops a reference on one module, in a loop
//   get/put + unload   the same while one more thread loops an unload attempt that fails
//                      (a reference is held throughout) and recovers
//   fops_get/fops_put  the pair as the VFS does it around open and close: read fops->owner, then
//                      try_module_get / module_put on it
// and, on one thread, the same get/put pair as racewin steps in an engine execution, for the
// checker's cost per step. Catch2's BENCHMARK times one thread's loop, so this runner keeps its
// own: a start barrier, a fixed duration, the median of several runs. It writes a CSV and a
// markdown table; bench/refcount_report.sh adds the plot. Exit 0 when every run kept the counts
// consistent (no failed get, no successful unload, counters back to their start), else 1.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/execution.hpp"
#include "engine/program.hpp"
#include "models/atomic_std.hpp"
#include "models/atomic_stepped.hpp"
#include "models/refcount.hpp"

namespace {
namespace eng = rw::engine;
namespace m = rw::models;
using Clock = std::chrono::steady_clock;

// NR_CPUS for the per-CPU schemes: the slots their unload checks sum. Threads are capped to it.
constexpr unsigned kCpus = 64;
// The stepped runs use one fiber; their per-CPU objects get two CPUs' slots.
constexpr unsigned kSteppedCpus = 2;
constexpr unsigned kBatch = 64;  // pairs between two looks at the stop flag

// ---- the algorithms, as the benchmark drives them -----------------------------------------
// Object: one module's counters. get/put on a CPU; unload: one unload attempt, true if it would
// let the module go; online/offline: an RCU reader thread's registration; idle: the counters
// are back where they started. Stepped: the same object as racewin steps over a World.

struct Modern {
  static constexpr const char* kName = "modern";
  using Object = m::modern::Module<m::StdAtomic>;
  static bool get(Object& o, unsigned) { return m::modern::try_module_get(o); }
  static void put(Object& o, unsigned) { m::modern::module_put(o); }
  static bool unload(Object& o) { return m::modern::try_release_module_ref(o) == 0; }
  static void online(Object&, unsigned) {}
  static void offline(Object&, unsigned) {}
  static bool idle(const Object& o) { return o.refcnt.counter.load() == m::MODULE_REF_BASE; }
  struct World {
    m::ModuleState state = m::ModuleState::Live;
    int refcnt = m::MODULE_REF_BASE;
  };
  static std::vector<eng::ObjectInfo> objects() { return {{"state"}, {"refcnt"}}; }
  static m::modern::Module<m::SteppedAtomic> stepped(m::StepContext& sc, World& w) {
    return {.state = {&sc, &w.state, 0, "state"}, .refcnt = {&sc, &w.refcnt, 1, "refcnt"}};
  }
  template <class O>
  static void stepped_pair(O& o) {
    m::modern::try_module_get(o);
    m::modern::module_put(o);
  }
};

struct V2624 {
  static constexpr const char* kName = "2.6.24 per-CPU";
  using Object = m::v2_6_24::Module<m::StdAtomic, kCpus>;
  static bool get(Object& o, unsigned cpu) { return m::v2_6_24::try_module_get(o, cpu); }
  static void put(Object& o, unsigned cpu) { m::v2_6_24::module_put(o, cpu); }
  static bool unload(Object& o) { return m::v2_6_24::__try_stop_module(o) == 0; }
  static void online(Object&, unsigned) {}
  static void offline(Object&, unsigned) {}
  static bool idle(Object& o) { return m::v2_6_24::module_refcount(o) == 0; }
  struct World {
    m::ModuleState state = m::ModuleState::Live;
    long ref[kSteppedCpus] = {};
  };
  static std::vector<eng::ObjectInfo> objects() { return {{"state"}, {"ref[0].count"}, {"ref[1].count"}}; }
  static m::v2_6_24::Module<m::SteppedAtomic, kSteppedCpus> stepped(m::StepContext& sc, World& w) {
    return {.state = {&sc, &w.state, 0, "state"},
            .ref = {{{&sc, &w.ref[0], 1, "ref[0].count"}}, {{&sc, &w.ref[1], 2, "ref[1].count"}}}};
  }
  template <class O>
  static void stepped_pair(O& o) {
    m::v2_6_24::try_module_get(o, 0);
    m::v2_6_24::module_put(o, 0);
  }
};

struct Percpu {
  static constexpr const char* kName = "percpu_ref";
  using Object = m::percpu::percpu_ref<m::StdAtomic, m::StdRcu<kCpus>, kCpus>;
  static bool get(Object& o, unsigned cpu) { return m::percpu::percpu_ref_tryget_live(o, cpu); }
  static void put(Object& o, unsigned cpu) { m::percpu::percpu_ref_put(o, cpu); }
  static bool unload(Object& o) { return m::percpu::percpu_ref_try_release(o) == 0; }
  static void online(Object& o, unsigned cpu) { o.rcu.online(cpu); }
  static void offline(Object& o, unsigned cpu) { o.rcu.offline(cpu); }
  static bool idle(Object& o) {
    m::percpu::percpu_ref_switch_to_atomic_sync(o);
    const bool only_initial = o.count.counter.load() == 1;
    m::percpu::percpu_ref_switch_to_percpu(o);
    return only_initial;
  }
  struct World {
    unsigned long mode = 0;
    unsigned long pcpu[kSteppedCpus] = {};
    unsigned long count = 1 + m::percpu::PERCPU_COUNT_BIAS;
    int readers = 0;
  };
  static std::vector<eng::ObjectInfo> objects() {
    return {{"percpu_count_ptr"}, {"percpu_count[0]"}, {"percpu_count[1]"}, {"count"}, {"rcu"}};
  }
  static m::percpu::percpu_ref<m::SteppedAtomic, m::SteppedRcu, kSteppedCpus> stepped(m::StepContext& sc, World& w) {
    return {.percpu_count_ptr = {&sc, &w.mode, 0, "percpu_count_ptr"},
            .percpu_count = {{{&sc, &w.pcpu[0], 1, "percpu_count[0]"}}, {{&sc, &w.pcpu[1], 2, "percpu_count[1]"}}},
            .count = {&sc, &w.count, 3, "count"},
            .rcu = {&sc, &w.readers, 4}};
  }
  template <class O>
  static void stepped_pair(O& o) {
    m::percpu::percpu_ref_tryget_live(o, 0);
    m::percpu::percpu_ref_put(o, 0);
  }
};

struct Plain {
  static constexpr const char* kName = "fetch_add/fetch_sub (floor)";
  using Object = m::plain::Counter<m::StdAtomic>;
  static bool get(Object& o, unsigned) { return m::plain::get(o) > 0; }
  static void put(Object& o, unsigned) { m::plain::put(o); }
  static bool unload(Object& o) { return !m::plain::in_use(o); }
  static void online(Object&, unsigned) {}
  static void offline(Object&, unsigned) {}
  static bool idle(const Object& o) { return o.count.counter.load() == m::MODULE_REF_BASE; }
  struct World {
    int count = m::MODULE_REF_BASE;
  };
  static std::vector<eng::ObjectInfo> objects() { return {{"count"}}; }
  static m::plain::Counter<m::SteppedAtomic> stepped(m::StepContext& sc, World& w) {
    return {.count = {&sc, &w.count, 0, "count"}};
  }
  template <class O>
  static void stepped_pair(O& o) {
    m::plain::get(o);
    m::plain::put(o);
  }
};

// ---- one timed run on real threads ------------------------------------------------------------
enum class Scenario { Pairs, Unload, Fops };
const char* to_string(Scenario s) {
  switch (s) {
    case Scenario::Pairs: return "get/put";
    case Scenario::Unload: return "get/put + unload";
    case Scenario::Fops: return "fops_get/fops_put";
  }
  return "?";
}

struct Sample {
  double ns_per_pair = 0;    // per thread: the time one pair takes on it (mean over threads)
  double pairs_per_s = 0;    // all threads together
  double unloads_per_s = 0;  // unload attempts, with Scenario::Unload
  bool consistent = true;
};

// Mirrors include/linux/fs.h struct file_operations: only .owner. It lives in the module's data.
template <class Object>
struct FileOperations {
  std::atomic<Object*> owner{nullptr};
};

template <class A>
Sample run_once(Scenario scenario, unsigned threads, std::chrono::microseconds duration) {
  using Object = typename A::Object;
  auto object = std::make_unique<Object>();
  Object& mod = *object;
  FileOperations<Object> fops;
  fops.owner.store(&mod);
  const unsigned held_cpu = kCpus - 1;  // no worker uses it
  bool consistent = true;
  if (scenario == Scenario::Unload) consistent &= A::get(mod, held_cpu);  // keeps unloading busy

  struct alignas(m::kCacheLine) PerThread {
    std::uint64_t pairs = 0;
    std::uint64_t failed = 0;
    Clock::duration took{};
  };
  std::vector<PerThread> per(threads);
  std::atomic<unsigned> ready{0};
  std::atomic<bool> go{false}, stop{false};
  std::atomic<std::uint64_t> unloads{0}, unloaded{0};

  auto worker = [&](unsigned cpu) {
    A::online(mod, cpu);
    ++ready;
    while (!go.load(std::memory_order_acquire)) {}
    std::uint64_t n = 0, failed = 0;
    const auto t0 = Clock::now();
    do {  // at least one batch, however short the run
      for (unsigned k = 0; k < kBatch; ++k) {
        if (scenario == Scenario::Fops) {
          // fops_get(fops): ((fops) && try_module_get((fops)->owner) ? (fops) : NULL)
          Object* owner = fops.owner.load(std::memory_order_relaxed);
          if (owner != nullptr && !A::get(*owner, cpu)) ++failed;
          // fops_put(fops): if (fops) module_put((fops)->owner)
          owner = fops.owner.load(std::memory_order_relaxed);
          if (owner != nullptr) A::put(*owner, cpu);
        } else {
          if (!A::get(mod, cpu)) ++failed;
          A::put(mod, cpu);
        }
      }
      n += kBatch;
    } while (!stop.load(std::memory_order_relaxed));
    per[cpu].took = Clock::now() - t0;
    per[cpu].pairs = n;
    per[cpu].failed = failed;
    A::offline(mod, cpu);
  };
  auto unloader = [&] {
    ++ready;
    while (!go.load(std::memory_order_acquire)) {}
    std::uint64_t n = 0, ok = 0;
    do {
      ok += A::unload(mod) ? 1 : 0;
      ++n;
    } while (!stop.load(std::memory_order_relaxed));
    unloads = n;
    unloaded = ok;
  };

  std::vector<std::thread> pool;
  for (unsigned cpu = 0; cpu < threads; ++cpu) pool.emplace_back(worker, cpu);
  if (scenario == Scenario::Unload) pool.emplace_back(unloader);
  while (ready.load() < pool.size()) std::this_thread::yield();
  const auto start = Clock::now();
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(duration);
  stop.store(true);
  for (auto& t : pool) t.join();
  const std::chrono::duration<double> wall = Clock::now() - start;

  Sample s;
  for (const PerThread& p : per) {
    const double secs = std::chrono::duration<double>(p.took).count();
    s.ns_per_pair += secs * 1e9 / static_cast<double>(p.pairs) / threads;
    s.pairs_per_s += static_cast<double>(p.pairs) / std::max(secs, 1e-9);
    consistent &= p.failed == 0;
  }
  s.unloads_per_s = static_cast<double>(unloads.load()) / wall.count();
  consistent &= unloaded.load() == 0;
  if (scenario == Scenario::Unload) A::put(mod, held_cpu);
  consistent &= A::idle(mod);
  s.consistent = consistent;
  return s;
}

// ---- the same pair inside racewin ------------------------------------------------------------
constexpr int kSteppedPairs = 1000;

// One fiber doing kSteppedPairs get/put pairs, as racewin steps.
template <class A>
class SteppedPairs final : public eng::Program {
 public:
  const std::vector<std::string>& fiber_names() const override { return names_; }
  const std::vector<eng::ObjectInfo>& objects() const override { return objects_; }
  void reset() override { world_ = {}; }
  void run(eng::Execution& ex, eng::FiberId) override {
    auto frame = ex.enter("bench: get/put pairs");
    m::StepContext sc{&ex, nullptr};
    auto obj = A::stepped(sc, world_);
    for (int i = 0; i < kSteppedPairs; ++i) {
      ex.at(static_cast<std::uint32_t>(i));
      A::stepped_pair(obj);
    }
  }
  void write_state(eng::StateWriter&) const override {}

 private:
  std::vector<std::string> names_{"cpu"};
  std::vector<eng::ObjectInfo> objects_ = A::objects();
  typename A::World world_;
};

struct SteppedSample {
  double ns_per_pair = 0;
  double steps_per_pair = 0;
};

template <class A>
SteppedSample run_stepped_once(std::chrono::microseconds duration) {
  SteppedPairs<A> program;
  eng::Execution ex(program);
  std::uint64_t executions = 0;
  const auto t0 = Clock::now();
  do {
    ex.begin(false);
    while (!ex.over()) ex.advance(ex.runnable().front());
    ++executions;
  } while (Clock::now() - t0 < duration);
  const std::chrono::duration<double> took = Clock::now() - t0;
  if (!ex.complete()) throw std::runtime_error(fmt::format("{}: the stepped run did not complete", A::kName));
  return {.ns_per_pair = took.count() * 1e9 / static_cast<double>(executions * kSteppedPairs),
          .steps_per_pair = static_cast<double>(ex.depth()) / kSteppedPairs};
}

// ---- driving and reporting -------------------------------------------------------------------
struct Row {
  std::string algorithm;
  std::string scenario;
  unsigned threads = 1;
  double ns_per_pair = 0;
  double pairs_per_s = 0;
  double unloads_per_s = 0;  // with the unload scenario
  double ratio_to_floor = 0;
  double steps_per_pair = 0;   // racewin rows
  double ns_per_step = 0;      // racewin rows
  double ratio_to_native = 0;  // racewin rows
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Options {
  unsigned duration_ms = 250;
  unsigned runs = 7;
  unsigned max_threads = 0;  // 0: std::thread::hardware_concurrency()
  std::string csv, markdown;
};

template <class A>
bool measure(const Options& opt, std::vector<Row>& rows) {
  bool ok = true;
  const auto duration = std::chrono::microseconds(std::int64_t{opt.duration_ms} * 1000);
  for (Scenario s : {Scenario::Pairs, Scenario::Unload, Scenario::Fops}) {
    for (unsigned t = 1; t <= opt.max_threads; ++t) {
      std::vector<double> ns, pps, ups;
      for (unsigned r = 0; r < opt.runs; ++r) {
        const Sample x = run_once<A>(s, t, duration);
        if (!x.consistent) {
          std::cerr << fmt::format("racewin_refcount_bench: {}, {}, {} threads: counts inconsistent\n", A::kName,
                                   to_string(s), t);
          ok = false;
        }
        ns.push_back(x.ns_per_pair);
        pps.push_back(x.pairs_per_s);
        ups.push_back(x.unloads_per_s);
      }
      rows.push_back({.algorithm = A::kName,
                      .scenario = to_string(s),
                      .threads = t,
                      .ns_per_pair = median(ns),
                      .pairs_per_s = median(pps),
                      .unloads_per_s = s == Scenario::Unload ? median(ups) : 0});
      std::cerr << fmt::format("{:<28} {:<18} {} thread(s): {:8.2f} ns/pair {:10.2f} M pairs/s\n", A::kName,
                               to_string(s), t, rows.back().ns_per_pair, rows.back().pairs_per_s / 1e6);
    }
  }
  std::vector<double> ns, steps;
  for (unsigned r = 0; r < opt.runs; ++r) {
    const SteppedSample x = run_stepped_once<A>(std::chrono::microseconds(std::int64_t{opt.duration_ms} * 1000));
    ns.push_back(x.ns_per_pair);
    steps.push_back(x.steps_per_pair);
  }
  Row row{.algorithm = A::kName, .scenario = "racewin get/put", .threads = 1, .ns_per_pair = median(ns)};
  row.pairs_per_s = 1e9 / row.ns_per_pair;
  row.steps_per_pair = median(steps);
  row.ns_per_step = row.ns_per_pair / row.steps_per_pair;
  rows.push_back(row);
  std::cerr << fmt::format("{:<28} {:<18} 1 fiber:     {:8.2f} ns/pair, {} steps/pair\n", A::kName, row.scenario,
                           row.ns_per_pair, row.steps_per_pair);
  return ok;
}

const Row* find(const std::vector<Row>& rows, const std::string& algorithm, const std::string& scenario,
                unsigned threads) {
  for (const Row& r : rows)
    if (r.algorithm == algorithm && r.scenario == scenario && r.threads == threads) return &r;
  return nullptr;
}

void fill_ratios(std::vector<Row>& rows) {
  for (Row& r : rows) {
    if (r.scenario == "racewin get/put") {
      if (const Row* native = find(rows, r.algorithm, "get/put", 1)) r.ratio_to_native = r.ns_per_pair / native->ns_per_pair;
    } else if (const Row* floor = find(rows, Plain::kName, r.scenario, r.threads)) {
      r.ratio_to_floor = r.ns_per_pair / floor->ns_per_pair;
    }
  }
}

std::string num(double v, const char* f = "{:.2f}") { return v == 0 ? "" : fmt::format(fmt::runtime(f), v); }

std::string csv_text(const std::vector<Row>& rows) {
  std::string out =
      "algorithm,scenario,threads,ns_per_pair,pairs_per_s,ratio_to_floor,unload_attempts_per_s,steps_per_pair,"
      "ns_per_step,ratio_to_native\n";
  for (const Row& r : rows)
    out += fmt::format("{},{},{},{:.3f},{:.0f},{},{},{},{},{}\n", r.algorithm, r.scenario, r.threads, r.ns_per_pair,
                       r.pairs_per_s, num(r.ratio_to_floor, "{:.3f}"), num(r.unloads_per_s, "{:.0f}"),
                       num(r.steps_per_pair, "{:.0f}"), num(r.ns_per_step, "{:.2f}"), num(r.ratio_to_native, "{:.1f}"));
  return out;
}

std::string rate(double per_s) {
  if (per_s >= 1e6) return fmt::format("{:.1f} M", per_s / 1e6);
  if (per_s >= 1e3) return fmt::format("{:.1f} k", per_s / 1e3);
  return fmt::format("{:.0f}", per_s);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string markdown_text(const std::vector<Row>& rows, const Options& opt) {
  std::string out = fmt::format(
      "Measured by `racewin_refcount_bench` on {} ({} hardware threads), g++ {}; median of {} runs of {} ms "
      "each. ns/pair is the time one get/put pair takes on one thread; pairs/s counts all threads; "
      "× floor compares ns/pair with the fetch_add/fetch_sub pair in the same scenario and thread count.\n\n",
      cpu_model(), std::thread::hardware_concurrency(), __VERSION__, opt.runs, opt.duration_ms);
  out += "| algorithm | scenario | threads | ns/pair | pairs/s | × floor | unload attempts/s |\n";
  out += "|---|---|---:|---:|---:|---:|---:|\n";
  for (const Row& r : rows) {
    if (r.scenario == "racewin get/put") continue;
    out += fmt::format("| {} | {} | {} | {:.1f} | {} | {:.2f} | {} |\n", r.algorithm, r.scenario, r.threads,
                       r.ns_per_pair, rate(r.pairs_per_s), r.ratio_to_floor,
                       r.unloads_per_s == 0 ? std::string("") : rate(r.unloads_per_s));
  }
  out += "\nThe same get/put pair natively (one thread) and inside racewin (one fiber in an engine execution, "
         "no state cache: each atomic operation is a step, two fiber switches):\n\n";
  out += "| algorithm | native ns/pair | racewin ns/pair | steps/pair | racewin ns/step | racewin / native |\n";
  out += "|---|---:|---:|---:|---:|---:|\n";
  for (const Row& r : rows) {
    if (r.scenario != "racewin get/put") continue;
    const Row* native = find(rows, r.algorithm, "get/put", 1);
    out += fmt::format("| {} | {:.1f} | {:.1f} | {:.0f} | {:.1f} | {:.0f}× |\n", r.algorithm,
                       native ? native->ns_per_pair : 0.0, r.ns_per_pair, r.steps_per_pair, r.ns_per_step,
                       r.ratio_to_native);
  }
  return out;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "racewin_refcount_bench: cannot write " << path << '\n';
    return false;
  }
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"racewin_refcount_bench: module refcount algorithms on real threads and inside racewin"};
  app.add_option("--duration-ms", opt.duration_ms, "length of one timed run")->check(CLI::Range(1u, 60'000u));
  app.add_option("--runs", opt.runs, "runs per measurement; the median is reported")->check(CLI::Range(1u, 1000u));
  app.add_option("--max-threads", opt.max_threads, "largest thread count (default: the hardware's)")
      ->check(CLI::Range(1u, kCpus - 1));
  app.add_option("--csv", opt.csv, "write the results as CSV to this file");
  app.add_option("--markdown", opt.markdown, "write the results as markdown tables to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (opt.max_threads == 0) opt.max_threads = std::clamp(std::thread::hardware_concurrency(), 1u, kCpus - 1);

  std::vector<Row> rows;
  bool ok = true;
  ok &= measure<Plain>(opt, rows);
  ok &= measure<Modern>(opt, rows);
  ok &= measure<V2624>(opt, rows);
  ok &= measure<Percpu>(opt, rows);
  fill_ratios(rows);

  const std::string csv = csv_text(rows);
  const std::string md = markdown_text(rows, opt);
  std::cout << md;
  if (!opt.csv.empty()) ok &= write_file(opt.csv, csv);
  if (!opt.markdown.empty()) ok &= write_file(opt.markdown, md);
  return ok ? 0 : 1;
}
