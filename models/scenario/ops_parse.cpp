// models/scenario/ops_parse.cpp: the [fiber.<name>] tables: each fiber's operations (open, read,
// close, rmmod and the rmmod tools, lsmod, insmod, kthread, signal and wait), its CPU, and
// count = N for N processes running the same program.
#include <fmt/format.h>

#include <algorithm>

#include "models/frameworks.hpp"
#include "models/scenario/parse.hpp"
#include "models/scenario/toml_read.hpp"

namespace rw::models::scenario {
namespace {

std::size_t find_module(const std::vector<ModuleDef>& modules, const std::string& name, const toml::node& e,
                        const std::string& text) {
  const auto it = std::find_if(modules.begin(), modules.end(), [&](const ModuleDef& m) { return m.name == name; });
  if (it == modules.end()) {
    std::string known;
    for (const auto& m : modules) known += fmt::format("{}{}", known.empty() ? "" : ", ", m.name);
    fail(e.source(), fmt::format("'{}': no module named '{}' (modules: {})", text, name, known));
  }
  return static_cast<std::size_t>(it - modules.begin());
}

std::vector<Op> parse_ops(const toml::node& n, const std::string& where, const std::vector<ModuleDef>& modules,
                          bool& file_open, std::vector<std::string>& events) {
  const auto& a = need_strings(n, where);
  std::vector<Op> out;
  for (const auto& e : a) {
    const std::string text = normalize(e.as_string()->get());
    Op op;
    op.text = text;
    const auto arg = [&](std::size_t prefix) { return trim(std::string_view(text).substr(prefix)); };
    if (text.starts_with("open ")) {
      // open /dev/<device> (a char device) or open /proc/<name> (a /proc entry)
      const std::string path = arg(5);
      const bool proc = path.starts_with("/proc/");
      const auto path_of = [proc](const ModuleDef& m) -> std::string {
        if (proc) return m.proc.present ? "/proc/" + m.proc.name : "";
        return m.registration != Registration::None ? "/dev/" + m.device : "";
      };
      const auto it = std::find_if(modules.begin(), modules.end(), [&](const ModuleDef& m) { return path_of(m) == path; });
      if (it == modules.end()) {
        std::string known;
        for (const auto& m : modules)
          if (!path_of(m).empty()) known += fmt::format("{}{}", known.empty() ? "" : ", ", path_of(m));
        fail(e.source(), fmt::format("no module {} '{}' ({}: {})", proc ? "creates" : "registers", path,
                                     proc ? "entries" : "registered", known.empty() ? "none" : known));
      }
      if (file_open)
        fail(e.source(), fmt::format("'{}': this fiber already has a file open (one at a time); close it first", text));
      op.kind = proc ? Op::Kind::OpenProc : Op::Kind::Open;
      op.module = static_cast<std::size_t>(it - modules.begin());
      file_open = true;
    } else if (text == "read" || text == "close") {
      if (!file_open)
        fail(e.source(), fmt::format("'{}' needs an open file: put \"open /dev/...\" before it", text));
      op.kind = text == "read" ? Op::Kind::Read : Op::Kind::Close;
      if (op.kind == Op::Kind::Close) file_open = false;
    } else if (text.starts_with("rmmod ")) {
      std::string rest = arg(6);
      while (rest.starts_with("-")) {
        const auto sp = rest.find(' ');
        const std::string flag = rest.substr(0, sp);
        if (flag == "-w" || flag == "--wait") op.nonblock = false;
        else if (flag == "-f" || flag == "--force") op.force = true;
        else fail(e.source(), fmt::format("'{}': unknown rmmod option '{}' (expected -w or -f)", text, flag));
        rest = sp == std::string::npos ? "" : trim(std::string_view(rest).substr(sp));
      }
      if (rest.empty()) fail(e.source(), fmt::format("'{}': which module? (expected rmmod [-w|-f] <module>)", text));
      op.kind = Op::Kind::Rmmod;
      op.module = find_module(modules, rest, e, text);
    } else if (text.starts_with("mit-rmmod ") || text.starts_with("kmod-rmmod ")) {
      op.kind = Op::Kind::ToolRmmod;
      op.tool = text.starts_with("mit") ? Op::Tool::ModuleInitTools : Op::Tool::Kmod;
      op.module = find_module(modules, arg(text.find(' ') + 1), e, text);
    } else if (text.starts_with("lsmod ") || text.starts_with("insmod ")) {
      op.kind = text.starts_with("lsmod") ? Op::Kind::Lsmod : Op::Kind::Insmod;
      op.module = find_module(modules, arg(text.find(' ') + 1), e, text);
    } else if (text.starts_with("kthread ")) {
      const std::string target = arg(8);
      const auto dot = target.find('.');
      if (dot == std::string::npos)
        fail(e.source(), fmt::format("'{}': expected kthread <module>.<function>", text));
      op.kind = Op::Kind::Kthread;
      op.module = find_module(modules, target.substr(0, dot), e, text);
      const auto& th = modules[op.module].kthreads;
      const auto it = std::find_if(th.begin(), th.end(), [&](const Function& f) { return f.name == target.substr(dot + 1); });
      if (it == th.end())
        fail(e.source(), fmt::format("'{}': module '{}' has no thread function '{}' (kthread.{} = [...])", text,
                                     modules[op.module].name, target.substr(dot + 1), target.substr(dot + 1)));
      op.name = static_cast<std::size_t>(it - th.begin());
      // Some code of the module must start the thread: init (when a fiber loads it) or any other.
      const ModuleDef& md = modules[op.module];
      bool in_init = false, elsewhere = false;
      for_each_statement(md, [&](const Statement& st, bool init) {
        if (st.kind == Statement::Kind::KthreadRun && st.name == op.name) (init ? in_init : elsewhere) = true;
      });
      if (!elsewhere && !(in_init && md.insmod))
        fail(e.source(), fmt::format("'{}': nothing starts this thread: add kthread_run({}) to {}'s code{}", text,
                                     th[op.name].name, md.name,
                                     md.insmod ? "" : fmt::format(" (its init already ran: {} starts loaded unless a "
                                                                  "fiber runs \"insmod {}\")", md.name, md.name)));
    } else if (text.starts_with("work ") || text.starts_with("timer ") || text.starts_with("rcu ")) {
      // work/timer/rcu <module>.<fn>: the kworker, timer softirq or RCU callback invocation that runs it once
      const std::string kind = text.substr(0, text.find(' '));
      const std::string target = arg(kind.size() + 1);
      const auto dot = target.find('.');
      if (dot == std::string::npos) fail(e.source(), fmt::format("'{}': expected {} <module>.<function>", text, kind));
      op.kind = Op::Kind::Deferred;
      op.module = find_module(modules, target.substr(0, dot), e, text);
      const DeferredKind want = kind == "work" ? DeferredKind::Work : kind == "timer" ? DeferredKind::Timer : DeferredKind::Rcu;
      const auto& ds = modules[op.module].deferred;
      const std::string fn = target.substr(dot + 1);
      const auto it = std::find_if(ds.begin(), ds.end(), [&](const DeferredDef& d) { return d.name == fn && d.kind == want; });
      if (it == ds.end())
        fail(e.source(), fmt::format("'{}': module '{}' has no {} function '{}' ({}.{} = [...])", text,
                                     modules[op.module].name, kind, fn, kind, fn));
      op.name = static_cast<std::size_t>(it - ds.begin());
      bool queued = false;
      const auto queues = want == DeferredKind::Work ? Statement::Kind::QueueWork
                        : want == DeferredKind::Timer ? Statement::Kind::ModTimer : Statement::Kind::CallRcu;
      for (const auto& md : modules)
        for_each_statement(md, [&](const Statement& st, bool) {
          queued |= &md == &modules[op.module] && st.kind == queues && st.name == op.name;
        });
      if (!queued)
        fail(e.source(), fmt::format("'{}': nothing queues it: add {}({}) to {}'s code", text,
                                     want == DeferredKind::Work ? "schedule_work" : want == DeferredKind::Timer ? "mod_timer" : "call_rcu",
                                     fn, modules[op.module].name));
    } else if (text.starts_with("call ") || text.starts_with("release ")) {
      // call <module>.<callback>: core code calls it through its framework (models/frameworks.hpp)
      const bool call = text.starts_with("call ");
      const std::string target = arg(call ? 5 : 8);
      const auto dot = target.find('.');
      if (dot == std::string::npos)
        fail(e.source(), fmt::format("'{}': expected {} <module>.<callback>", text, call ? "call" : "release"));
      op.kind = call ? Op::Kind::Call : Op::Kind::Release;
      op.module = find_module(modules, target.substr(0, dot), e, text);
      const auto& cbs = modules[op.module].callbacks;
      const std::string cb = target.substr(dot + 1);
      const auto it = std::find_if(cbs.begin(), cbs.end(), [&](const CallbackDef& d) { return d.name == cb; });
      if (it == cbs.end())
        fail(e.source(), fmt::format("'{}': module '{}' has no callback '{}' (declare [module.{}.callback.{}])", text,
                                     modules[op.module].name, cb, modules[op.module].name, cb));
      op.name = static_cast<std::size_t>(it - cbs.begin());
      if (!call && frameworks()[it->framework].pin != Pin::Life)
        fail(e.source(), fmt::format("'{}': framework \"{}\" pins nothing beyond the call, so there is nothing to "
                                     "release (release is for block-open, tty-open and socket)", text,
                                     frameworks()[it->framework].name));
    } else if (text.starts_with("signal ") || text.starts_with("wait ")) {
      const std::string ev = arg(text.find(' ') + 1);
      if (!is_ident(ev)) fail(e.source(), fmt::format("'{}': event name '{}' may only use letters, digits and '_'", text, ev));
      op.kind = text.starts_with("signal") ? Op::Kind::Signal : Op::Kind::Wait;
      op.name = declare(events, ev, e, "event");
    } else {
      fail(e.source(), fmt::format("unknown operation '{}' in '{}' (expected: open /dev/<device>, open /proc/<name>, "
                                   "read, close, rmmod [-w|-f] <module>, mit-rmmod <module>, kmod-rmmod <module>, "
                                   "lsmod <module>, insmod <module>, kthread <module>.<function>, work|timer|rcu <module>.<function>, call <module>.<callback>, "
                                   "release <module>.<callback>, signal <event>, wait <event>)", text, where));
    }
    out.push_back(std::move(op));
  }
  return out;
}

// A [fiber.<name>] table: one fiber, or with count = N, N processes running the same program,
// named <name>1 ... <name>N (the engine then knows they are interchangeable).
std::vector<FiberDef> parse_fiber(const toml::key& key, const toml::node& node, const std::vector<ModuleDef>& modules,
                                  std::vector<std::string>& events) {
  const std::string where = fmt::format("fiber.{}", key.str());
  const auto& t = need_table(node, where);
  only_keys(t, fmt::format("[{}]", where), {"setup", "run", "count", "cpu"});
  FiberDef f;
  f.name = std::string(key.str());
  if (!valid_name(f.name))
    fail(key.source(), fmt::format("fiber name '{}' may only use letters, digits, '_', '-' and '.' "
                                   "(it is written in schedules)", f.name));
  const auto* run = t.get("run");
  if (run == nullptr)
    fail(t.source(), fmt::format("fiber '{}' has no program: expected run = [\"open /dev/...\", \"close\"] "
                                 "or run = [\"rmmod ...\"]", f.name));
  bool file_open = false;
  if (const auto* setup = t.get("setup")) f.setup = parse_ops(*setup, where + ".setup", modules, file_open, events);
  f.run = parse_ops(*run, where + ".run", modules, file_open, events);
  if (f.run.empty())
    fail(run->source(), fmt::format("fiber '{}' has an empty program: expected at least one operation", f.name));
  const auto is_kthread = [](const Op& op) { return op.kind == Op::Kind::Kthread || op.kind == Op::Kind::Deferred; };
  if (std::any_of(f.setup.begin(), f.setup.end(), is_kthread) ||
      (std::any_of(f.run.begin(), f.run.end(), is_kthread) && (f.run.size() > 1 || !f.setup.empty())))
    fail(run->source(), fmt::format("fiber '{}': a kthread, work, timer or rcu fiber is that kernel context and "
                                    "nothing else: run = [\"kthread <module>.<function>\"] (or work, timer, rcu) "
                                    "with no setup", f.name));
  if (const auto* cpu = t.get("cpu")) {
    const auto* n = cpu->as_integer();
    if (n == nullptr || n->get() < 0 || n->get() >= static_cast<std::int64_t>(kCpus))
      fail(cpu->source(), fmt::format("'{}.cpu' must be a CPU number from 0 to {}", where, kCpus - 1));
    f.cpu = static_cast<int>(n->get());
  }
  const auto* count = t.get("count");
  if (count == nullptr) return {f};
  const auto* n = count->as_integer();
  if (n == nullptr)
    fail(count->source(), fmt::format("'{}.count' must be a whole number of fibers, not {}", where, type_name(*count)));
  if (n->get() < 1 || n->get() > static_cast<std::int64_t>(kMaxFibers))
    fail(count->source(), fmt::format("'{}.count' is {}: expected 1 to {} fibers", where, n->get(), kMaxFibers));
  if (n->get() == 1) return {f};
  std::vector<FiberDef> out;
  for (std::int64_t i = 1; i <= n->get(); ++i) {
    out.push_back(f);
    out.back().name = fmt::format("{}{}", f.name, i);
  }
  return out;
}

}  // namespace

std::set<std::string> loaded_by_insmod(const toml::table& ft) {
  std::set<std::string> loaded;
  for (auto&& [fk, fv] : ft)
    if (const auto* t = fv.as_table())
      for (const char* k : {"setup", "run"})
        if (const auto* a = t->get_as<toml::array>(k))
          for (const auto& e : *a)
            if (const auto* str = e.as_string()) {
              const std::string op = normalize(str->get());
              if (op.starts_with("insmod ")) loaded.insert(trim(std::string_view(op).substr(7)));
            }
  return loaded;
}

std::vector<FiberDef> parse_fibers(const toml::table& ft, const std::vector<ModuleDef>& modules,
                                   std::vector<std::string>& events) {
  std::vector<FiberDef> fibers;
  if (ft.empty()) fail(ft.source(), "the scenario has no fiber: expected a [fiber.<name>] table with run = [...]");
  if (ft.size() > kMaxFibers) fail(ft.source(), fmt::format("{} fibers: at most {} are supported", ft.size(), kMaxFibers));
  for (auto [kp, vp] : in_file_order(ft)) {
    for (auto& f : parse_fiber(*kp, *vp, modules, events)) {
      const toml::node* count = vp->as_table()->get("count");
      const auto& where = count != nullptr ? count->source() : kp->source();
      for (const auto& other : fibers)
        if (other.name == f.name)
          fail(where, fmt::format("two fibers are named '{}' (count = N names them {}1 ... {}N)", f.name,
                                  kp->str(), kp->str()));
      if (fibers.size() == kMaxFibers)
        fail(where, fmt::format("the scenario has more than {} fibers (a count = N counts N): at most {} are supported",
                                kMaxFibers, kMaxFibers));
      fibers.push_back(std::move(f));
    }
  }
  return fibers;
}

}  // namespace rw::models::scenario
