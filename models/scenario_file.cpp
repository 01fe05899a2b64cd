// models/scenario_file.cpp
#include "models/scenario_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "models/errno.hpp"
#include "models/kernel.hpp"

namespace rw::models {

const char* era_name(Era e) { return e == Era::V2_6_24 ? "2.6.24" : "modern"; }
std::optional<Era> parse_era(std::string_view text) {
  if (text == "2.6.24") return Era::V2_6_24;
  if (text == "modern") return Era::Modern;
  return std::nullopt;
}

std::string Scenario::title() const {
  return multi_era() ? fmt::format("{} [{}]", name, era_name(era)) : name;
}

Scenario for_era(const Scenario& s, Era e) {
  Scenario out = s;
  out.era = e;
  for (std::size_t i = 0; i < s.eras.size(); ++i)
    if (s.eras[i] == e) out.expect = s.expects[i];
  return out;
}

std::vector<Scenario> per_era(const Scenario& s) {
  std::vector<Scenario> out;
  for (Era e : s.eras) out.push_back(for_era(s, e));
  return out;
}

std::string InputError::to_string() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  if (column == 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

namespace {

struct Fail {  // thrown inside this file only; load_scenario turns it into an InputError
  toml::source_region where;
  std::string message;
};

[[noreturn]] void fail(const toml::source_region& where, std::string message) {
  throw Fail{where, std::move(message)};
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

std::string quoted_list(std::initializer_list<std::string_view> items) {
  std::string s;
  for (auto i : items) s += fmt::format("{}\"{}\"", s.empty() ? "" : ", ", i);
  return s;
}

// Rejects keys the format does not know, naming the ones it does.
void only_keys(const toml::table& t, std::string_view where, std::initializer_list<std::string_view> keys) {
  for (auto&& [k, v] : t) {
    if (std::find(keys.begin(), keys.end(), k.str()) == keys.end()) {
      std::string known;
      for (auto kk : keys) known += fmt::format("{}{}", known.empty() ? "" : ", ", kk);
      fail(k.source(), fmt::format("unknown key '{}' in {} (expected one of: {})", k.str(), where, known));
    }
  }
}

const toml::table& need_table(const toml::node& n, std::string_view what) {
  if (!n.is_table()) fail(n.source(), fmt::format("'{}' must be a table (found {})", what, type_name(n)));
  return *n.as_table();
}

std::string need_string(const toml::node& n, std::string_view what) {
  if (!n.is_string()) fail(n.source(), fmt::format("'{}' must be a string (found {})", what, type_name(n)));
  return std::string(n.as_string()->get());
}

const toml::array& need_strings(const toml::node& n, std::string_view what) {
  if (!n.is_array()) fail(n.source(), fmt::format("'{}' must be an array of strings (found {})", what, type_name(n)));
  const auto& a = *n.as_array();
  for (const auto& e : a)
    if (!e.is_string())
      fail(e.source(), fmt::format("every element of '{}' must be a string (found {})", what, type_name(e)));
  return a;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Collapses runs of spaces so that "open  /dev/x" and "open /dev/x" are the same statement.
std::string normalize(std::string_view s) {
  std::string out;
  for (char ch : trim(s)) {
    if ((ch == ' ' || ch == '\t') && !out.empty() && out.back() == ' ') continue;
    out += ch == '\t' ? ' ' : ch;
  }
  return out;
}

Owner parse_owner(const toml::node& n, std::string_view what) {
  const std::string v = need_string(n, what);
  if (v == "THIS_MODULE") return Owner::ThisModule;
  if (v == "NULL") return Owner::Null;
  fail(n.source(), fmt::format("unknown value \"{}\" for '{}' (expected: {})", v, what,
                               quoted_list({"THIS_MODULE", "NULL"})));
}

// Where a statement list is: what it may contain and how it must end.
enum class Body {
  Callback,  // a file operation, /proc handler or exported function: returns an int
  Exit,      // module_exit: void
  Init,      // module_init: returns an int
  Kthread,   // a thread function: returns, or ends its thread with a helper
};

// What statements may refer to: the scenario's modules, their exported functions and threads,
// and the named variables, locks and completions (declared by their first use).
struct Names {
  struct ModuleNames {
    std::string name;
    std::vector<std::string> exports, kthreads;
  };
  std::vector<ModuleNames> modules;
  std::vector<std::string> vars, mutexes, spinlocks, completions;
  std::vector<Era> eras;
  bool modern() const { return std::find(eras.begin(), eras.end(), Era::Modern) != eras.end(); }
};

struct Ctx {  // the statement list being read
  const toml::node& node;
  std::string_view what;
  Body body;
  std::size_t self;  // this module's index
  const ModuleDef& module;
  Names& names;
};

bool is_ident(std::string_view s) {
  return !s.empty() && !(s[0] >= '0' && s[0] <= '9') && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

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

std::size_t declare(std::vector<std::string>& names, const std::string& n, const toml::node& where, std::string kind) {
  kind += kind.ends_with("x") ? "es" : "s";  // mutexes, variables, ...
  const auto it = std::find(names.begin(), names.end(), n);
  if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
  if (names.size() == kMaxNames)
    fail(where.source(), fmt::format("more than {} {}: '{}' is one too many", kMaxNames, kind, n));
  names.push_back(n);
  return names.size() - 1;
}

// Reads one statement (without its `if (...) return` wrapper). `want_result`: it is a condition.
void parse_call(Statement& s, std::string_view text, const toml::node& e, Ctx& x, bool want_result) {
  using K = Statement::Kind;
  const auto bad = [&](std::string why) -> void { fail(e.source(), fmt::format("'{}' in '{}': {}", s.text, x.what, why)); };
  const auto call = as_call(text);
  if (!call)
    fail(e.source(), fmt::format("unknown statement '{}' in '{}' (scenarios/README.md lists the statement language)",
                                 s.text, x.what));
  const auto& [name, args] = *call;
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
  const auto ident_arg = [&](const std::string& a, const char* what) {
    if (!is_ident(a)) bad(fmt::format("'{}' is not a {} name (letters, digits, '_')", a, what));
    return a;
  };
  const auto number_arg = [&](const std::string& a) {
    const auto v = parse_errno(a);
    if (!v) bad(fmt::format("'{}' is not a number", a));
    return *v;
  };
  const auto lock_arg = [&](const std::string& a, bool spin) {
    const auto& other = spin ? x.names.mutexes : x.names.spinlocks;
    if (std::find(other.begin(), other.end(), a) != other.end())
      bad(fmt::format("'{}' is a {}: it cannot also be a {}", a, spin ? "mutex" : "spinlock", spin ? "spinlock" : "mutex"));
    s.name = declare(spin ? x.names.spinlocks : x.names.mutexes, ident_arg(a, "lock"), e, spin ? "spinlock" : "mutex");
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
    const auto& th = x.names.modules[x.self].kthreads;
    const auto it = std::find(th.begin(), th.end(), args[0]);
    if (it == th.end())
      bad(fmt::format("this module has no thread function '{}' (declare it as kthread.{} = [...])", args[0], args[0]));
    s.name = static_cast<std::size_t>(it - th.begin());
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

std::vector<Statement> parse_body(const toml::node& n, Ctx& x) {
  using K = Statement::Kind;
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
  return out;
}

bool valid_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

// First pass over [module.<name>]: the names statements may refer to.
Names::ModuleNames module_names(const toml::key& key, const toml::node& node) {
  Names::ModuleNames n;
  n.name = std::string(key.str());
  if (!valid_name(n.name) || n.name.find('.') != std::string::npos)
    fail(key.source(), fmt::format("module name '{}' may only use letters, digits, '_' and '-'", n.name));
  const auto& t = need_table(node, fmt::format("module.{}", key.str()));
  for (const char* k : {"export", "kthread"}) {
    if (const auto* x = t.get(k)) {
      const auto& xt = need_table(*x, fmt::format("module.{}.{}", key.str(), k));
      for (auto&& [fk, fv] : xt) {
        if (!is_ident(fk.str()))
          fail(fk.source(), fmt::format("function name '{}' may only use letters, digits and '_'", fk.str()));
        (std::string_view(k) == "export" ? n.exports : n.kthreads).emplace_back(fk.str());
      }
    }
  }
  return n;
}

ModuleDef parse_module(const toml::key& key, const toml::node& node, std::size_t self, Names& names,
                       const std::set<std::string>& loaded_by_insmod) {
  const std::string where = fmt::format("module.{}", key.str());
  const auto& t = need_table(node, where);
  only_keys(t, fmt::format("[{}]", where), {"device", "register", "fops", "cdev", "exit", "init", "proc", "export", "kthread"});
  ModuleDef m;
  m.name = std::string(key.str());
  m.insmod = loaded_by_insmod.contains(m.name);
  m.device = m.name;
  if (const auto* d = t.get("device")) {
    m.device = need_string(*d, where + ".device");
    if (m.device.starts_with("/dev/")) m.device = m.device.substr(5);
    if (!valid_name(m.device))
      fail(d->source(), fmt::format("device '{}' may only use letters, digits, '_', '-' and '.'", m.device));
  }
  if (const auto* r = t.get("register")) {
    const std::string v = need_string(*r, where + ".register");
    if (v == "register_chrdev") m.registration = Registration::RegisterChrdev;
    else if (v == "cdev_add") m.registration = Registration::CdevAdd;
    else if (v == "misc_register") m.registration = Registration::MiscRegister;
    else if (v == "none") m.registration = Registration::None;
    else fail(r->source(), fmt::format("unknown value \"{}\" for '{}.register' (expected: {})", v, where,
                                       quoted_list({"register_chrdev", "cdev_add", "misc_register", "none"})));
  }
  Ctx x{node, "", Body::Callback, self, m, names};
  const auto body = [&](const toml::node& n, const std::string& what, Body b) {
    Ctx cx{n, what, b, self, m, names};
    return parse_body(n, cx);
  };
  // The /proc entry first: init and exit statements name it.
  if (const auto* p = t.get("proc")) {
    const auto& pt = need_table(*p, where + ".proc");
    only_keys(pt, where + ".proc", {"name", "owner", "open", "read", "release"});
    m.proc.present = true;
    m.proc.name = m.name;
    if (const auto* n = pt.get("name")) {
      m.proc.name = need_string(*n, where + ".proc.name");
      if (m.proc.name.starts_with("/proc/")) m.proc.name = m.proc.name.substr(6);
      if (!valid_name(m.proc.name))
        fail(n->source(), fmt::format("/proc name '{}' may only use letters, digits, '_', '-' and '.'", m.proc.name));
    }
    if (const auto* o = pt.get("owner")) m.proc.owner = parse_owner(*o, where + ".proc.owner");
  }
  const auto* fops = t.get("fops");
  if (fops == nullptr && m.registration != Registration::None)
    fail(t.source(), fmt::format("[{}] has no fops: expected at least fops.owner = \"THIS_MODULE\" or \"NULL\" "
                                 "(or register = \"none\" for a module without a device)", where));
  if (fops != nullptr && m.registration == Registration::None)
    fail(fops->source(), fmt::format("'{}.fops' is set, but register = \"none\": the module has no device", where));
  if (fops != nullptr) {
    const auto& ft = need_table(*fops, where + ".fops");
    only_keys(ft, where + ".fops", {"owner", "open", "release", "read"});
    const auto* owner = ft.get("owner");
    if (owner == nullptr)
      fail(ft.source(), fmt::format("'{}.fops' has no owner: expected fops.owner = \"THIS_MODULE\" or \"NULL\"", where));
    m.fops_owner = parse_owner(*owner, where + ".fops.owner");
    if (const auto* b = ft.get("open")) { m.open = body(*b, where + ".fops.open", Body::Callback); m.has_open = true; }
    if (const auto* b = ft.get("release")) { m.release = body(*b, where + ".fops.release", Body::Callback); m.has_release = true; }
    if (const auto* b = ft.get("read")) { m.read = body(*b, where + ".fops.read", Body::Callback); m.has_read = true; }
  }
  if (const auto* cdev = t.get("cdev")) {
    const auto& ct = need_table(*cdev, where + ".cdev");
    only_keys(ct, where + ".cdev", {"owner"});
    if (m.registration != Registration::CdevAdd)
      fail(cdev->source(), fmt::format("'{}.cdev' is set, but register_chrdev copies fops.owner into "
                                       "cdev.owner; set cdev.owner only with register = \"cdev_add\"", where));
    if (const auto* o = ct.get("owner")) m.cdev_owner = parse_owner(*o, where + ".cdev.owner");
  } else {
    // register_chrdev: cdev->owner = fops->owner. cdev_init: memset to 0, so NULL.
    m.cdev_owner = m.registration == Registration::RegisterChrdev ? m.fops_owner : Owner::Null;
  }
  if (const auto* p = t.get("proc")) {
    const auto& pt = *p->as_table();
    if (const auto* b = pt.get("open")) { m.proc.open = body(*b, where + ".proc.open", Body::Callback); m.proc.has_open = true; }
    if (const auto* b = pt.get("read")) { m.proc.read = body(*b, where + ".proc.read", Body::Callback); m.proc.has_read = true; }
    if (const auto* b = pt.get("release")) { m.proc.release = body(*b, where + ".proc.release", Body::Callback); m.proc.has_release = true; }
  }
  for (const char* k : {"export", "kthread"}) {
    if (const auto* xn = t.get(k)) {
      for (auto&& [fk, fv] : *xn->as_table()) {
        const bool exp = std::string_view(k) == "export";
        Function f{std::string(fk.str()), body(fv, fmt::format("{}.{}.{}", where, k, fk.str()), exp ? Body::Callback : Body::Kthread)};
        (exp ? m.exports : m.kthreads).push_back(std::move(f));
      }
    }
  }
  if (const auto* e = t.get("exit")) {
    m.exit = body(*e, where + ".exit", Body::Exit);
  } else {
    Statement s;
    if (m.registration != Registration::None) {
      const bool chrdev = m.registration == Registration::RegisterChrdev;
      const bool misc = m.registration == Registration::MiscRegister;
      s.kind = misc ? Statement::Kind::MiscDeregister : chrdev ? Statement::Kind::UnregisterChrdev : Statement::Kind::CdevDel;
      s.text = misc ? "misc_deregister" : chrdev ? "unregister_chrdev" : "cdev_del";
      m.exit.push_back(s);
    }
    if (m.proc.present) {
      s.kind = Statement::Kind::RemoveProcEntry;
      s.text = fmt::format("remove_proc_entry({})", m.proc.name);
      m.exit.push_back(s);
    }
  }
  if (const auto* i = t.get("init")) {
    if (!m.insmod)
      fail(i->source(), fmt::format("'{}.init' is set, but no fiber runs \"insmod {}\": a module that starts loaded "
                                    "has already run its init", where, m.name));
    m.init = body(*i, where + ".init", Body::Init);
  } else if (m.insmod) {
    // The default init registers what the module declares, the /proc entry with its owner.
    Statement s;
    if (m.registration != Registration::None) {
      s.kind = Statement::Kind::RegisterDevice;
      s.text = m.registration == Registration::MiscRegister ? "misc_register"
             : m.registration == Registration::CdevAdd      ? "cdev_add" : "register_chrdev";
      m.init.push_back(s);
    }
    if (m.proc.present) {
      s.kind = Statement::Kind::CreateProcEntry;
      s.a = 1;
      s.text = fmt::format("proc_create({})", m.proc.name);
      m.init.push_back(s);
    }
    s = Statement{};
    s.kind = Statement::Kind::Return;
    s.text = "return 0";
    m.init.push_back(s);
  }
  (void)x;
  return m;
}

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
    } else if (text.starts_with("signal ") || text.starts_with("wait ")) {
      const std::string ev = arg(text.find(' ') + 1);
      if (!is_ident(ev)) fail(e.source(), fmt::format("'{}': event name '{}' may only use letters, digits and '_'", text, ev));
      op.kind = text.starts_with("signal") ? Op::Kind::Signal : Op::Kind::Wait;
      op.name = declare(events, ev, e, "event");
    } else {
      fail(e.source(), fmt::format("unknown operation '{}' in '{}' (expected: open /dev/<device>, open /proc/<name>, "
                                   "read, close, rmmod [-w|-f] <module>, mit-rmmod <module>, kmod-rmmod <module>, "
                                   "lsmod <module>, insmod <module>, kthread <module>.<function>, signal <event>, "
                                   "wait <event>)", text, where));
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
  const auto is_kthread = [](const Op& op) { return op.kind == Op::Kind::Kthread; };
  if (std::any_of(f.setup.begin(), f.setup.end(), is_kthread) ||
      (std::any_of(f.run.begin(), f.run.end(), is_kthread) && (f.run.size() > 1 || !f.setup.empty())))
    fail(run->source(), fmt::format("fiber '{}': a kthread fiber is that kernel thread and nothing else: "
                                    "run = [\"kthread <module>.<function>\"] with no setup", f.name));
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
  if (n->get() < 1 || n->get() > 64)
    fail(count->source(), fmt::format("'{}.count' is {}: expected 1 to 64 fibers", where, n->get()));
  if (n->get() == 1) return {f};
  std::vector<FiberDef> out;
  for (std::int64_t i = 1; i <= n->get(); ++i) {
    out.push_back(f);
    out.back().name = fmt::format("{}{}", f.name, i);
  }
  return out;
}

Expectation parse_expect(const toml::node& node) {
  const auto& t = need_table(node, "expect");
  only_keys(t, "[expect]", {"verdict", "kind", "outcomes"});
  Expectation x;
  const auto* v = t.get("verdict");
  if (v == nullptr) fail(t.source(), "[expect] has no verdict: expected verdict = \"safe\" or \"violation\"");
  const std::string verdict = need_string(*v, "expect.verdict");
  if (verdict == "violation") x.violation = true;
  else if (verdict != "safe")
    fail(v->source(), fmt::format("unknown value \"{}\" for 'expect.verdict' (expected: {})", verdict,
                                  quoted_list({"safe", "violation"})));
  const auto* k = t.get("kind");
  if (x.violation && k == nullptr)
    fail(t.source(), "[expect] verdict = \"violation\" needs kind = \"...\" (for example \"module-code-after-unload\")");
  if (!x.violation && k != nullptr) fail(k->source(), "'expect.kind' is only meaningful with verdict = \"violation\"");
  if (k != nullptr) {
    x.kind = need_string(*k, "expect.kind");
    if (find_violation_kind(x.kind) == nullptr) {
      std::string known;
      for (const auto& kk : kViolationKinds) known += fmt::format("{}\"{}\"", known.empty() ? "" : ", ", kk.kind);
      fail(k->source(), fmt::format("unknown violation kind \"{}\" (expected: {})", x.kind, known));
    }
  }
  if (const auto* o = t.get("outcomes")) {
    if (x.violation)
      fail(o->source(), "'expect.outcomes' needs verdict = \"safe\": a violation ends the exploration "
                        "before every outcome is seen");
    const auto& a = need_strings(*o, "expect.outcomes");
    std::vector<std::string> outs;
    std::set<std::string> seen;
    for (const auto& e : a) {
      std::string s = normalize(e.as_string()->get());
      if (!seen.insert(s).second) fail(e.source(), fmt::format("outcome '{}' is listed twice", s));
      outs.push_back(std::move(s));
    }
    if (outs.empty())
      fail(o->source(), "'expect.outcomes' is empty: list the outcomes every complete execution may end "
                        "in, or leave the key out");
    x.outcomes = std::move(outs);
  }
  return x;
}

Scenario build(const toml::table& root, const std::string& file) {
  only_keys(root, "the scenario's top level", {"name", "description", "kernel", "module", "fiber", "expect"});
  Scenario s;
  s.file = file;
  const auto* name = root.get("name");
  if (name == nullptr) fail(root.source(), "the scenario has no name: expected name = \"...\" at the top");
  s.name = need_string(*name, "name");
  if (s.name.empty()) fail(name->source(), "'name' is empty");
  if (std::any_of(s.name.begin(), s.name.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
    fail(name->source(), "'name' holds a control character (a newline or a tab): it must fit on one line");
  if (const auto* d = root.get("description")) s.description = need_string(*d, "description");
  const auto* kernel = root.get("kernel");
  if (kernel == nullptr)
    fail(root.source(), "the scenario has no kernel era: expected kernel = \"modern\", \"2.6.24\" or [\"2.6.24\", \"modern\"]");
  const auto era_of = [](const toml::node& n) {
    const std::string v = need_string(n, "kernel");
    if (v == "2.6.24") return Era::V2_6_24;
    if (v == "modern") return Era::Modern;
    fail(n.source(), fmt::format("unknown kernel era \"{}\" (expected: {})", v, quoted_list({"2.6.24", "modern"})));
  };
  if (const auto* arr = kernel->as_array()) {
    if (arr->empty()) fail(kernel->source(), "'kernel' is an empty list: name at least one era (\"2.6.24\", \"modern\")");
    for (const auto& e : *arr) {
      const Era era = era_of(e);
      if (std::find(s.eras.begin(), s.eras.end(), era) != s.eras.end())
        fail(e.source(), fmt::format("kernel era \"{}\" is listed twice", era_name(era)));
      s.eras.push_back(era);
    }
  } else {
    s.eras.push_back(era_of(*kernel));
  }
  s.era = s.eras.front();

  const auto* modules = root.get("module");
  if (modules == nullptr) fail(root.source(), "the scenario has no module: expected a [module.<name>] table");
  const auto& mt = need_table(*modules, "module");
  if (mt.empty()) fail(mt.source(), "the scenario has no module: expected a [module.<name>] table");
  // toml++ iterates a table in key order; scenarios list modules and fibers in the order written.
  const auto in_file_order = [](const toml::table& t) {
    std::vector<std::pair<const toml::key*, const toml::node*>> items;
    for (auto&& [k, v] : t) items.emplace_back(&k, &v);
    std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
      const auto& x = a.first->source().begin;
      const auto& y = b.first->source().begin;
      return std::tie(x.line, x.column) < std::tie(y.line, y.column);
    });
    return items;
  };
  const auto* fibers = root.get("fiber");
  if (fibers == nullptr) fail(root.source(), "the scenario has no fiber: expected a [fiber.<name>] table with run = [...]");
  const auto& ft = need_table(*fibers, "fiber");
  // Which modules some fiber loads (they start unloaded, and only they may have an init).
  std::set<std::string> loaded_by_insmod;
  for (auto&& [fk, fv] : ft)
    if (const auto* t = fv.as_table())
      for (const char* k : {"setup", "run"})
        if (const auto* a = t->get_as<toml::array>(k))
          for (const auto& e : *a)
            if (const auto* str = e.as_string()) {
              const std::string op = normalize(str->get());
              if (op.starts_with("insmod ")) loaded_by_insmod.insert(trim(std::string_view(op).substr(7)));
            }
  Names names;
  names.eras = s.eras;
  const auto ordered = in_file_order(mt);
  if (ordered.size() > kMaxModules)
    fail(mt.source(), fmt::format("{} modules: at most {} are supported", ordered.size(), kMaxModules));
  for (auto [kp, vp] : ordered) names.modules.push_back(module_names(*kp, *vp));
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    const toml::key& k = *ordered[i].first;
    s.modules.push_back(parse_module(k, *ordered[i].second, i, names, loaded_by_insmod));
    for (std::size_t j = 0; j + 1 < s.modules.size(); ++j) {
      const auto& a = s.modules[j];
      const auto& b = s.modules.back();
      if (a.registration != Registration::None && b.registration != Registration::None && a.device == b.device)
        fail(k.source(), fmt::format("modules '{}' and '{}' both register /dev/{}", a.name, b.name, b.device));
      if (a.proc.present && b.proc.present && a.proc.name == b.proc.name)
        fail(k.source(), fmt::format("modules '{}' and '{}' both create /proc/{}", a.name, b.name, b.proc.name));
    }
  }
  // A module function that ends up calling itself (a.f calls b.g calls a.f) would never return.
  {
    std::vector<std::pair<std::size_t, std::size_t>> path;
    const std::function<void(std::size_t, std::size_t)> visit = [&](std::size_t m, std::size_t f) {
      for (const auto& p : path)
        if (p == std::pair{m, f}) {
          std::string cycle;
          for (const auto& [pm, pf] : path) cycle += fmt::format("{}.{}() -> ", s.modules[pm].name, s.modules[pm].exports[pf].name);
          fail(mt.source(), fmt::format("exported functions call each other in a cycle: {}{}.{}()", cycle,
                                        s.modules[m].name, s.modules[m].exports[f].name));
        }
      path.emplace_back(m, f);
      for (const auto& st : s.modules[m].exports[f].body) {
        if (st.kind == Statement::Kind::Call) visit(st.module, st.name);
        for (const auto& inner : st.then)
          if (inner.kind == Statement::Kind::Call) visit(inner.module, inner.name);
      }
      path.pop_back();
    };
    for (std::size_t m = 0; m < s.modules.size(); ++m)
      for (std::size_t f = 0; f < s.modules[m].exports.size(); ++f) visit(m, f);
  }
  s.vars = names.vars;
  s.mutexes = names.mutexes;
  s.spinlocks = names.spinlocks;
  s.completions = names.completions;
  if (ft.empty()) fail(ft.source(), "the scenario has no fiber: expected a [fiber.<name>] table with run = [...]");
  if (ft.size() > 64) fail(ft.source(), fmt::format("{} fibers: at most 64 are supported", ft.size()));
  for (auto [kp, vp] : in_file_order(ft)) {
    for (auto& f : parse_fiber(*kp, *vp, s.modules, s.events)) {
      const toml::node* count = vp->as_table()->get("count");
      const auto& where = count != nullptr ? count->source() : kp->source();
      for (const auto& other : s.fibers)
        if (other.name == f.name)
          fail(where, fmt::format("two fibers are named '{}' (count = N names them {}1 ... {}N)", f.name,
                                  kp->str(), kp->str()));
      if (s.fibers.size() == 64)
        fail(where, "the scenario has more than 64 fibers (a count = N counts N): at most 64 are supported");
      s.fibers.push_back(std::move(f));
    }
  }
  const auto* expect = root.get("expect");
  if (expect == nullptr)
    fail(root.source(), "the scenario does not say what it expects: add [expect] with verdict = \"safe\" or \"violation\"");
  // [expect] for every era, or [expect."2.6.24"] and [expect.modern], one per era listed.
  const auto& et = need_table(*expect, "expect");
  const bool per_era = et.contains("2.6.24") || et.contains("modern");
  if (!per_era) {
    const Expectation x = parse_expect(*expect);
    s.expects.assign(s.eras.size(), x);
  } else {
    for (auto&& [k, v] : et) {
      if (k.str() != "2.6.24" && k.str() != "modern")
        fail(k.source(), fmt::format("unknown key '{}' in [expect]: with per-era tables, [expect] holds only "
                                     "[expect.\"2.6.24\"] and [expect.modern]", k.str()));
      const Era era = k.str() == "modern" ? Era::Modern : Era::V2_6_24;
      if (std::find(s.eras.begin(), s.eras.end(), era) == s.eras.end())
        fail(k.source(), fmt::format("[expect.{}] is for an era the scenario does not run: 'kernel' does not list it",
                                   k.str() == "modern" ? std::string("modern") : "\"" + std::string(k.str()) + "\""));
    }
    for (Era era : s.eras) {
      const auto* x = et.get(era_name(era));
      if (x == nullptr)
        fail(et.source(), fmt::format("[expect] has no table for kernel \"{}\": add [expect.{}]", era_name(era),
                                      era == Era::Modern ? "modern" : "\"2.6.24\""));
      s.expects.push_back(parse_expect(*x));
    }
  }
  s.expect = s.expects.front();
  return s;
}

}  // namespace

std::expected<Scenario, InputError> parse_scenario(std::string_view text, const std::string& file) {
  try {
    const toml::table root = toml::parse(text, std::string_view(file));
    return build(root, file);
  } catch (const toml::parse_error& e) {
    return std::unexpected(InputError{file, static_cast<int>(e.source().begin.line),
                                      static_cast<int>(e.source().begin.column),
                                      fmt::format("not valid TOML: {}", e.description())});
  } catch (const Fail& f) {
    return std::unexpected(InputError{file, static_cast<int>(f.where.begin.line),
                                      static_cast<int>(f.where.begin.column), f.message});
  }
}

std::expected<Scenario, InputError> load_scenario(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return std::unexpected(InputError{file, 0, 0, "no such file"});
  if (std::filesystem::is_directory(path, ec))
    return std::unexpected(InputError{file, 0, 0, "is a directory, expected a scenario file (.toml)"});
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(InputError{file, 0, 0, "cannot open the file for reading"});
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_scenario(buf.str(), file);
}

}  // namespace rw::models
