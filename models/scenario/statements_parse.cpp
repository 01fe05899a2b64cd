// models/scenario/statements_parse.cpp: the statement language of module code (scenarios/README.md):
// one kernel operation per statement, `if (<call>) return <value>` and `if (<call>) { ... }`, and
// what each kind of function may contain and must end with.
#include <fmt/format.h>

#include <optional>

#include "models/errno.hpp"
#include "models/frameworks.hpp"
#include "models/scenario/parse.hpp"
#include "models/scenario/toml_read.hpp"

namespace rw::models::scenario {
namespace {

struct Ctx {  // the statement list being read
  std::string_view what;
  Body body;
  std::size_t self;  // this module's index
  const ModuleDef& module;
  Names& names;
  std::size_t fn;    // Body::Kthread: the thread function's index
};

// "name(arg, arg)" -> name and args (trimmed); nullopt when the text is not a call.
struct CallText {
  std::string name;
  std::vector<std::string> args;
};
std::optional<CallText> as_call(std::string_view text) {
  if (is_ident(text)) return CallText{std::string(text), {}};  // unregister_chrdev, as shorthand
  const auto open = text.find('(');
  if (open == std::string_view::npos || text.back() != ')') return std::nullopt;
  CallText c{trim(text.substr(0, open)), {}};
  const std::string inner = trim(text.substr(open + 1, text.size() - open - 2));
  if (!inner.empty()) {
    std::size_t at = 0;
    for (;;) {
      const auto comma = inner.find(',', at);
      c.args.push_back(trim(std::string_view(inner).substr(at, comma == std::string::npos ? std::string::npos : comma - at)));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  return c;
}

// Reads one statement (without its `if (...) return` wrapper). `want_result`: it is a condition.
void parse_call(Statement& s, std::string_view text, const toml::node& e, Ctx& x, bool want_result) {
  using K = Statement::Kind;
  const auto bad = [&](std::string why) -> void { fail(e.source(), fmt::format("'{}' in '{}': {}", s.text, x.what, why)); };
  const auto call = as_call(text);
  if (!call)
    fail(e.source(), fmt::format("unknown statement '{}' in '{}' (scenarios/README.md lists the statement language)",
                                 s.text, x.what));
  // Not a structured binding: clang before 16 cannot capture one in the lambdas below.
  const std::string& name = call->name;
  const std::vector<std::string>& args = call->args;
  const auto nargs = [&](std::size_t n) {
    if (args.size() != n) bad(fmt::format("{}() takes {} argument{}", name, n, n == 1 ? "" : "s"));
    for (const auto& a : args)
      if (a.empty()) bad("an argument is empty");
  };
  const auto module_arg = [&](const std::string& a) {
    if (a == "THIS_MODULE") {
      s.this_module = true;
      s.module = x.self;
      return;
    }
    for (std::size_t i = 0; i < x.names.modules.size(); ++i)
      if (x.names.modules[i].name == a) {
        s.this_module = i == x.self;
        s.module = i;
        return;
      }
    bad(fmt::format("no module named '{}' (THIS_MODULE, or a module of this scenario)", a));
  };
  const auto function_arg = [&](const std::string& a) {  // B.fn, an exported function
    const auto dot = a.find('.');
    if (dot == std::string::npos) bad(fmt::format("expected <module>.<function>, found '{}'", a));
    module_arg(a.substr(0, dot));
    if (s.this_module) bad("a module calls its own functions directly: name another module");
    const auto& ex = x.names.modules[s.module].exports;
    const auto it = std::find(ex.begin(), ex.end(), a.substr(dot + 1));
    if (it == ex.end())
      bad(fmt::format("module '{}' exports no function '{}' (declare it as export.{} = [...])",
                      x.names.modules[s.module].name, a.substr(dot + 1), a.substr(dot + 1)));
    s.name = static_cast<std::size_t>(it - ex.begin());
  };
  const auto thread_arg = [&](const std::string& a) {  // one of this module's kthread.<fn>
    const auto& th = x.names.modules[x.self].kthreads;
    const auto it = std::find(th.begin(), th.end(), a);
    if (it == th.end()) bad(fmt::format("this module has no thread function '{}' (declare it as kthread.{} = [...])", a, a));
    return static_cast<std::size_t>(it - th.begin());
  };
  const auto ident_arg = [&](const std::string& a, const char* what) {
    if (!is_ident(a)) bad(fmt::format("'{}' is not a {} name (letters, digits, '_')", a, what));
    return a;
  };
  const auto number_arg = [&](const std::string& a) {
    const auto v = parse_errno(a);
    if (!v) bad(fmt::format("'{}' is not a number", a));
    return *v;
  };
  // A lock's name is of one kind: a mutex, a spinlock, a rw_semaphore or an rwlock_t.
  const auto typed_lock = [&](const std::string& a, std::vector<std::string>& mine, const char* kind) {
    const std::pair<const std::vector<std::string>*, const char*> kinds[] = {
        {&x.names.mutexes, "mutex"}, {&x.names.spinlocks, "spinlock"}, {&x.names.rwsems, "rw_semaphore"},
        {&x.names.rwlocks, "rwlock_t"}};
    for (const auto& [names, other] : kinds)
      if (names != &mine && std::find(names->begin(), names->end(), a) != names->end())
        bad(fmt::format("'{}' is a {}: it cannot also be a {}", a, other, kind));
    return declare(mine, ident_arg(a, "lock"), e, kind);
  };
  const auto lock_arg = [&](const std::string& a, bool spin) {
    s.name = typed_lock(a, spin ? x.names.spinlocks : x.names.mutexes, spin ? "spinlock" : "mutex");
  };
  // A callback of this module: by name, through register/unregister or its framework's own call.
  const auto callback_arg = [&](const std::string& a, std::string_view fn) {
    const auto& mn = x.names.modules[x.self];
    const auto it = std::find(mn.callbacks.begin(), mn.callbacks.end(), a);
    if (it == mn.callbacks.end())
      bad(fmt::format("this module has no callback '{}' (declare it as [module.{}.callback.{}] with a framework)", a,
                      mn.name, a));
    s.name = static_cast<std::size_t>(it - mn.callbacks.begin());
    const Framework& f = frameworks()[mn.callback_frameworks[s.name]];
    if (fn != "register" && fn != "unregister" && fn != f.register_fn && fn != f.unregister_fn)
      bad(fmt::format("callback '{}' is registered through framework \"{}\": {}() or {}() (or register() and "
                      "unregister())", a, f.name, f.register_fn, f.unregister_fn));
  };
  const auto is_callback_call = [&](const std::string& fn) {
    if (fn == "register" || fn == "unregister") return true;
    for (const auto& f : frameworks())
      if (fn == f.register_fn || fn == f.unregister_fn) return true;
    return false;
  };
  const auto is_unregister = [&](const std::string& fn) {
    if (fn == "unregister") return true;
    for (const auto& f : frameworks())
      if (fn == f.unregister_fn) return true;
    return false;
  };
  const bool in_kthread = x.body == Body::Kthread;
  const bool can_register = x.body == Body::Init;
  const bool can_unregister = x.body == Body::Exit;
  const Registration reg = x.module.registration;
  const auto only_in = [&](bool ok, const char* where) {
    if (!ok) bad(fmt::format("{}() belongs in {}", name, where));
  };
  bool result = false;  // the call has a value a condition can test
  if (name == "try_module_get" || name == "__module_get" || name == "module_put") {
    nargs(1);
    module_arg(args[0]);
    s.kind = name == "try_module_get" ? K::TryModuleGet : name == "__module_get" ? K::ModuleGet : K::ModulePut;
    result = s.kind == K::TryModuleGet;
  } else if (name == "symbol_get" || name == "symbol_put") {
    nargs(1);
    function_arg(args[0]);
    s.kind = name == "symbol_get" ? K::SymbolGet : K::SymbolPut;
    result = s.kind == K::SymbolGet;
  } else if (name == "mutex_lock" || name == "mutex_unlock" || name == "spin_lock" || name == "spin_unlock") {
    nargs(1);
    const bool spin = name.starts_with("spin");
    lock_arg(args[0], spin);
    s.kind = name == "mutex_lock" ? K::MutexLock : name == "mutex_unlock" ? K::MutexUnlock
           : name == "spin_lock"  ? K::SpinLock : K::SpinUnlock;
  } else if (name == "down_read" || name == "up_read" || name == "down_write" || name == "up_write") {
    nargs(1);
    s.name = typed_lock(args[0], x.names.rwsems, "rw_semaphore");
    s.kind = name == "down_read" ? K::DownRead : name == "up_read" ? K::UpRead : name == "down_write" ? K::DownWrite : K::UpWrite;
  } else if (name == "read_lock" || name == "read_unlock" || name == "write_lock" || name == "write_unlock") {
    nargs(1);
    s.name = typed_lock(args[0], x.names.rwlocks, "rwlock_t");
    s.kind = name == "read_lock" ? K::ReadLock : name == "read_unlock" ? K::ReadUnlock
           : name == "write_lock" ? K::WriteLock : K::WriteUnlock;
  } else if (name == "rcu_read_lock" || name == "rcu_read_unlock" || name == "synchronize_rcu") {
    nargs(0);
    s.kind = name == "rcu_read_lock" ? K::RcuReadLock : name == "rcu_read_unlock" ? K::RcuReadUnlock : K::SynchronizeRcu;
  } else if (name == "sysfs_remove_file_self") {
    nargs(1);
    callback_arg(args[0], "unregister");
    if (frameworks()[x.names.modules[x.self].callback_frameworks[s.name]].name != "sysfs-store")
      bad(fmt::format("'{}' is not a sysfs attribute (framework \"sysfs-store\")", args[0]));
    s.kind = K::RemoveSelf;
  } else if (!args.empty() && is_callback_call(name)) {
    nargs(1);
    callback_arg(args[0], name);
    s.kind = is_unregister(name) ? K::UnregisterCallback : K::RegisterCallback;
  } else if (name == "schedule_work" || name == "queue_work" || name == "flush_work" || name == "cancel_work_sync" ||
             name == "mod_timer" || name == "add_timer" || name == "del_timer" || name == "del_timer_sync" ||
             name == "call_rcu") {
    nargs(1);
    const bool work = name.find("work") != std::string::npos;
    const DeferredKind want = work ? DeferredKind::Work : name == "call_rcu" ? DeferredKind::Rcu : DeferredKind::Timer;
    const char* key = want == DeferredKind::Work ? "work" : want == DeferredKind::Rcu ? "rcu" : "timer";
    const auto& mn = x.names.modules[x.self];
    std::size_t i = 0;
    while (i < mn.deferred.size() && !(mn.deferred[i] == args[0] && mn.deferred_kinds[i] == want)) ++i;
    if (i == mn.deferred.size())
      bad(fmt::format("this module has no {} function '{}' (declare it as {}.{} = [...])", key, args[0], key, args[0]));
    s.name = i;
    s.kind = name == "schedule_work" || name == "queue_work" ? K::QueueWork
           : name == "flush_work"                            ? K::FlushWork
           : name == "cancel_work_sync"                      ? K::CancelWorkSync
           : name == "mod_timer" || name == "add_timer"      ? K::ModTimer
           : name == "del_timer"                             ? K::DelTimer
           : name == "del_timer_sync"                        ? K::DelTimerSync : K::CallRcu;
    result = s.kind == K::QueueWork;
  } else if (name == "rcu_barrier") {
    nargs(0);
    s.kind = K::RcuBarrier;
  } else if (name == "kthread_stop") {
    nargs(1);
    s.name = thread_arg(args[0]);
    s.kind = K::KthreadStop;
  } else if (name == "kthread_should_stop" || (name == "wait_event" && args.size() == 1 && args[0] == "kthread_should_stop()")) {
    only_in(in_kthread, "a thread function (kthread.<fn>)");
    if (name == "kthread_should_stop") nargs(0);
    s.name = x.fn;
    s.kind = name == "kthread_should_stop" ? K::KthreadShouldStop : K::WaitShouldStop;
    result = s.kind == K::KthreadShouldStop;
  } else if (name == "wait_event") {
    bad("wait_event() takes kthread_should_stop() as its condition (other conditions are not modelled)");
  } else if (name == "preempt_disable" || name == "preempt_enable") {
    nargs(0);
    s.kind = name == "preempt_disable" ? K::PreemptDisable : K::PreemptEnable;
  } else if (name == "atomic_inc" || name == "atomic_dec" || name == "atomic_read" || name == "atomic_dec_and_test") {
    nargs(1);
    s.name = declare(x.names.vars, ident_arg(args[0], "variable"), e, "variable");
    s.kind = name == "atomic_inc" ? K::AtomicInc : name == "atomic_dec" ? K::AtomicDec
           : name == "atomic_read" ? K::AtomicRead : K::AtomicDecAndTest;
    result = s.kind == K::AtomicRead || s.kind == K::AtomicDecAndTest;
  } else if (name == "atomic_set") {
    nargs(2);
    s.name = declare(x.names.vars, ident_arg(args[0], "variable"), e, "variable");
    s.a = number_arg(args[1]);
    s.kind = K::AtomicSet;
  } else if (name == "atomic_cmpxchg") {
    nargs(3);
    s.name = declare(x.names.vars, ident_arg(args[0], "variable"), e, "variable");
    s.a = number_arg(args[1]);
    s.b = number_arg(args[2]);
    s.kind = K::AtomicCmpxchg;
    result = true;
  } else if (name == "complete" || name == "wait_for_completion") {
    nargs(1);
    s.name = declare(x.names.completions, ident_arg(args[0], "completion"), e, "completion");
    s.kind = name == "complete" ? K::Complete : K::WaitForCompletion;
  } else if (name == "msleep") {
    nargs(1);
    s.value = number_arg(args[0]);
    if (s.value < 0) bad("msleep takes a duration of 0 or more milliseconds");
    s.kind = K::Msleep;
  } else if (name == "kthread_run") {
    nargs(1);
    s.name = thread_arg(args[0]);
    s.kind = K::KthreadRun;
  } else if (name == "module_put_and_kthread_exit" || name == "module_put_and_exit") {
    only_in(in_kthread, "a thread function (kthread.<fn>)");
    nargs(1);
    s.value = number_arg(args[0]);
    s.kind = K::ModulePutAndExit;
  } else if (name == "kthread_complete_and_exit" || name == "complete_and_exit") {
    only_in(in_kthread, "a thread function (kthread.<fn>)");
    nargs(2);
    s.name = declare(x.names.completions, ident_arg(args[0], "completion"), e, "completion");
    s.value = number_arg(args[1]);
    s.kind = K::CompleteAndExit;
  } else if (name == "register_chrdev" || name == "cdev_add" || name == "misc_register") {
    only_in(can_register, "init");
    const auto wanted = name == "register_chrdev" ? Registration::RegisterChrdev
                      : name == "cdev_add"        ? Registration::CdevAdd : Registration::MiscRegister;
    if (reg != wanted) bad("the module's register key says otherwise");
    s.kind = K::RegisterDevice;
  } else if (name == "unregister_chrdev" || name == "cdev_del" || name == "misc_deregister") {
    only_in(can_unregister, "exit");
    if (name == "unregister_chrdev" && reg != Registration::RegisterChrdev)
      bad(reg == Registration::CdevAdd ? "this module registers with cdev_add, so its exit calls cdev_del"
                                       : "this module did not register_chrdev");
    if (name == "cdev_del" && reg != Registration::CdevAdd)
      bad(reg == Registration::RegisterChrdev ? "this module registers with register_chrdev, so its exit calls unregister_chrdev"
                                              : "this module did not cdev_add");
    if (name == "misc_deregister" && reg != Registration::MiscRegister) bad("this module did not misc_register");
    s.kind = name == "unregister_chrdev" ? K::UnregisterChrdev : name == "cdev_del" ? K::CdevDel : K::MiscDeregister;
  } else if (name == "create_proc_entry" || name == "proc_create" || name == "remove_proc_entry") {
    only_in(name == "remove_proc_entry" ? can_unregister : can_register, name == "remove_proc_entry" ? "exit" : "init");
    nargs(1);
    if (!x.module.proc.present || args[0] != x.module.proc.name)
      bad(x.module.proc.present ? fmt::format("this module's entry is '{}'", x.module.proc.name)
                                : "this module has no [module.<name>.proc] table");
    s.kind = name == "remove_proc_entry" ? K::RemoveProcEntry : K::CreateProcEntry;
  } else if (name.find('.') != std::string::npos) {
    nargs(0);
    function_arg(name);
    s.kind = K::Call;
    result = true;
  } else {
    fail(e.source(), fmt::format("unknown statement '{}' in '{}' (scenarios/README.md lists the statement language)",
                                 s.text, x.what));
  }
  if (want_result && !result) bad(fmt::format("{}() has no result to test in a condition", name));
}

// One statement; `nested`: inside an if's block (no further if there).
Statement parse_one(const std::string& text, const toml::node& e, Ctx& x, bool nested) {
  using K = Statement::Kind;
  Statement s;
  s.text = text;
  const auto value_of = [&](std::string_view v) {
    const auto r = parse_errno(trim(v));
    if (!r) fail(e.source(), fmt::format("cannot read the value of '{}' in '{}' (expected a number such as 0 or -16, "
                                         "or an error name such as -EBUSY)", text, x.what));
    return *r;
  };
  if (text == "work") {
    s.kind = K::Work;
  } else if (x.body == Body::Void && text.starts_with("return")) {
    if (text != "return") fail(e.source(), fmt::format("'{}' in '{}': the function returns void: write return", text, x.what));
    s.kind = K::Return;
  } else if (text.starts_with("return ") || text == "return") {
    if (x.body == Body::Exit) fail(e.source(), fmt::format("'{}' in '{}': exit() returns nothing", text, x.what));
    if (text == "return") fail(e.source(), fmt::format("'return' in '{}' needs a value: return 0", x.what));
    s.kind = K::Return;
    s.value = value_of(std::string_view(text).substr(7));
  } else if (text.starts_with("if ") || text.starts_with("if(")) {
    // if (<call>) <then>   or   if (!<call>) <then>; <then> is `return <v>` or `{ s; s; ... }`
    const auto bad_if = [&](const char* why) {
      fail(e.source(), fmt::format("'{}' in '{}': {} (expected if (<call>) return <value>, if (!<call>) return "
                                   "<value>, or if (<call>) {{ <statement>; ... }})", text, x.what, why));
    };
    if (nested) bad_if("an if inside an if's block is not supported");
    if (trim(std::string_view(text).substr(2)).front() != '(') bad_if("the condition goes in parentheses");
    const auto open = text.find('(');
    std::size_t close = open, depth = 0;
    for (; close < text.size(); ++close) {
      if (text[close] == '(') ++depth;
      if (text[close] == ')' && --depth == 0) break;
    }
    if (close >= text.size()) bad_if("the condition's parentheses do not match");
    std::string cond = trim(std::string_view(text).substr(open + 1, close - open - 1));
    const std::string rest = trim(std::string_view(text).substr(close + 1));
    s.guard = Statement::Guard::IfTrue;
    if (!cond.empty() && cond.front() == '!') {
      s.guard = Statement::Guard::IfFalse;
      cond = trim(std::string_view(cond).substr(1));
    }
    if (cond.empty()) bad_if("the condition is empty");
    parse_call(s, cond, e, x, true);
    std::vector<std::string> parts;
    if (rest.starts_with("return")) {
      if (x.body == Body::Exit) fail(e.source(), fmt::format("'{}' in '{}': exit() returns nothing", text, x.what));
      parts.push_back(rest);
    } else if (rest.size() >= 2 && rest.front() == '{' && rest.back() == '}') {
      const std::string inner = rest.substr(1, rest.size() - 2);
      std::size_t at = 0;
      for (;;) {
        const auto semi = inner.find(';', at);
        std::string part = normalize(std::string_view(inner).substr(at, semi == std::string::npos ? std::string::npos : semi - at));
        if (!part.empty()) parts.push_back(part);
        if (semi == std::string::npos) break;
        at = semi + 1;
      }
      if (parts.empty()) bad_if("the block is empty");
    } else {
      bad_if("after the condition comes `return <value>` or a { block }");
    }
    for (const auto& part : parts) {
      if (!s.then.empty() && s.then.back().kind == K::Return)
        fail(e.source(), fmt::format("'{}' in '{}': '{}' comes after 'return' and would never run", text, x.what, part));
      s.then.push_back(parse_one(part, e, x, true));
    }
  } else if (text == "proc->owner = THIS_MODULE") {
    if (x.body != Body::Init) fail(e.source(), fmt::format("'{}' in '{}': belongs in init, after create_proc_entry", text, x.what));
    if (!x.module.proc.present) fail(e.source(), fmt::format("'{}' in '{}': this module has no /proc entry", text, x.what));
    if (x.names.modern())
      fail(e.source(), fmt::format("'{}' in '{}': modern kernels' struct proc_ops has no owner; run this scenario "
                                   "with kernel = \"2.6.24\"", text, x.what));
    s.kind = K::SetProcOwner;
  } else {
    parse_call(s, text, e, x, false);
  }
  return s;
}

}  // namespace

std::vector<Statement> parse_body(const toml::node& n, std::string_view what, Body body, std::size_t self,
                                  const ModuleDef& module, Names& names, std::size_t fn) {
  using K = Statement::Kind;
  Ctx x{what, body, self, module, names, fn};
  const auto& a = need_strings(n, x.what);
  std::vector<Statement> out;
  for (const auto& e : a) {
    const std::string text = normalize(e.as_string()->get());
    if (!out.empty() && out.back().kind == K::Return)
      fail(e.source(), fmt::format("'{}' in '{}' comes after 'return' and would never run", text, x.what));
    if (!out.empty() && (out.back().kind == K::ModulePutAndExit || out.back().kind == K::CompleteAndExit))
      fail(e.source(), fmt::format("'{}' in '{}' comes after '{}', which never returns", text, x.what, out.back().text));
    out.push_back(parse_one(text, e, x, false));
  }
  const bool ended = !out.empty() && (out.back().kind == K::Return || (x.body == Body::Kthread &&
                                      (out.back().kind == K::ModulePutAndExit || out.back().kind == K::CompleteAndExit)));
  if (x.body == Body::Kthread && !ended)
    fail(n.source(), fmt::format("'{}' must end with 'return <value>' or a helper that ends the thread "
                                 "(module_put_and_kthread_exit, kthread_complete_and_exit)", x.what));
  if ((x.body == Body::Callback || x.body == Body::Init) && !ended)
    fail(n.source(), fmt::format("'{}' must end with 'return <value>': the function returns an int", x.what));
  if (x.body == Body::Void && (out.empty() || out.back().kind != K::Return)) {
    // The end of a void function is module text too: its epilogue returns to the kernel.
    Statement r;
    r.kind = K::Return;
    r.text = "return";
    out.push_back(r);
  }
  return out;
}

}  // namespace rw::models::scenario
