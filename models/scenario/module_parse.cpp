// models/scenario/module_parse.cpp: the [module.<name>] tables: a module's device, file
// operations, /proc entry, exported and thread functions, and the init and exit it gets when the
// scenario leaves them out; then what must hold across modules.
#include <fmt/format.h>

#include <functional>
#include <utility>

#include "models/frameworks.hpp"
#include "models/scenario/parse.hpp"
#include "models/scenario/toml_read.hpp"

namespace rw::models::scenario {
namespace {

Owner parse_owner(const toml::node& n, std::string_view what) {
  const std::string v = need_string(n, what);
  if (v == "THIS_MODULE") return Owner::ThisModule;
  if (v == "NULL") return Owner::Null;
  fail(n.source(), fmt::format("unknown value \"{}\" for '{}' (expected: {})", v, what,
                               quoted_list({"THIS_MODULE", "NULL"})));
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
  for (const char* k : {"work", "timer", "rcu"}) {
    if (const auto* x = t.get(k)) {
      const auto& xt = need_table(*x, fmt::format("module.{}.{}", key.str(), k));
      for (auto [fk, fv] : in_file_order(xt)) {
        if (!is_ident(fk->str()))
          fail(fk->source(), fmt::format("function name '{}' may only use letters, digits and '_'", fk->str()));
        if (std::find(n.deferred.begin(), n.deferred.end(), fk->str()) != n.deferred.end())
          fail(fk->source(), fmt::format("'{}' is already a work, timer or RCU function of module '{}'", fk->str(), key.str()));
        if (n.deferred.size() == kMaxNames)
          fail(fk->source(), fmt::format("more than {} work, timer and RCU functions in module '{}'", kMaxNames, key.str()));
        n.deferred.emplace_back(fk->str());
        n.deferred_kinds.push_back(std::string_view(k) == "work" ? DeferredKind::Work
                                   : std::string_view(k) == "timer" ? DeferredKind::Timer : DeferredKind::Rcu);
      }
    }
  }
  if (const auto* cbs = t.get("callback")) {
    const auto& ct = need_table(*cbs, fmt::format("module.{}.callback", key.str()));
    for (auto [ck, cv] : in_file_order(ct)) {
      const std::string where = fmt::format("module.{}.callback.{}", key.str(), ck->str());
      if (!is_ident(ck->str()))
        fail(ck->source(), fmt::format("callback name '{}' may only use letters, digits and '_'", ck->str()));
      const auto& cbt = need_table(*cv, where);
      const auto* fw = cbt.get("framework");
      if (fw == nullptr)
        fail(cbt.source(), fmt::format("'{}' has no framework: expected framework = \"genl\" or another preset "
                                       "(scenarios/README.md lists them)", where));
      const std::string name = need_string(*fw, where + ".framework");
      const auto idx = find_framework(name);
      if (!idx) {
        std::vector<std::string_view> known;
        for (const auto& f : frameworks()) known.push_back(f.name);
        fail(fw->source(), fmt::format("unknown framework \"{}\" for '{}' (expected one of: {})", name, where,
                                       quoted_list(known)));
      }
      if (n.callbacks.size() == kMaxNames)
        fail(ck->source(), fmt::format("more than {} callbacks in module '{}'", kMaxNames, key.str()));
      n.callbacks.emplace_back(ck->str());
      n.callback_frameworks.push_back(*idx);
    }
  }
  return n;
}

// A register/unregister statement of callback `cb`, as the default init and exit write it.
Statement callback_statement(const ModuleDef& m, std::size_t cb, bool unregister) {
  const Framework& f = frameworks()[m.callbacks[cb].framework];
  Statement s;
  s.kind = unregister ? Statement::Kind::UnregisterCallback : Statement::Kind::RegisterCallback;
  s.name = cb;
  s.text = fmt::format("{}({})", unregister ? f.unregister_fn : f.register_fn, m.callbacks[cb].name);
  return s;
}

// Without an exit key, exit unregisters what the module declares: its callbacks, its device,
// then its /proc entry.
std::vector<Statement> default_exit(const ModuleDef& m) {
  std::vector<Statement> out;
  for (std::size_t i = 0; i < m.callbacks.size(); ++i) out.push_back(callback_statement(m, i, true));
  Statement s;
  if (m.registration != Registration::None) {
    const bool chrdev = m.registration == Registration::RegisterChrdev;
    const bool misc = m.registration == Registration::MiscRegister;
    s.kind = misc ? Statement::Kind::MiscDeregister : chrdev ? Statement::Kind::UnregisterChrdev : Statement::Kind::CdevDel;
    s.text = misc ? "misc_deregister" : chrdev ? "unregister_chrdev" : "cdev_del";
    out.push_back(s);
  }
  if (m.proc.present) {
    s.kind = Statement::Kind::RemoveProcEntry;
    s.text = fmt::format("remove_proc_entry({})", m.proc.name);
    out.push_back(s);
  }
  return out;
}

// The default init registers what the module declares, the /proc entry with its owner.
std::vector<Statement> default_init(const ModuleDef& m) {
  std::vector<Statement> out;
  Statement s;
  if (m.registration != Registration::None) {
    s.kind = Statement::Kind::RegisterDevice;
    s.text = m.registration == Registration::MiscRegister ? "misc_register"
           : m.registration == Registration::CdevAdd      ? "cdev_add" : "register_chrdev";
    out.push_back(s);
  }
  if (m.proc.present) {
    s.kind = Statement::Kind::CreateProcEntry;
    s.a = 1;
    s.text = fmt::format("proc_create({})", m.proc.name);
    out.push_back(s);
  }
  for (std::size_t i = 0; i < m.callbacks.size(); ++i) out.push_back(callback_statement(m, i, false));
  s = Statement{};
  s.kind = Statement::Kind::Return;
  s.text = "return 0";
  out.push_back(s);
  return out;
}

ModuleDef parse_module(const toml::key& key, const toml::node& node, std::size_t self, Names& names,
                       const std::set<std::string>& loaded_by_insmod) {
  const std::string where = fmt::format("module.{}", key.str());
  const auto& t = need_table(node, where);
  only_keys(t, fmt::format("[{}]", where), {"device", "register", "fops", "cdev", "exit", "init", "proc", "export", "kthread",
                                                   "callback", "depends", "work", "timer", "rcu"});
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
  const auto body = [&](const toml::node& n, const std::string& what, Body b) {
    return parse_body(n, what, b, self, m, names);
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
        const std::size_t fn = exp ? 0 : m.kthreads.size();
        Function f{std::string(fk.str()), parse_body(fv, fmt::format("{}.{}.{}", where, k, fk.str()),
                                                     exp ? Body::Callback : Body::Kthread, self, m, names, fn)};
        (exp ? m.exports : m.kthreads).push_back(std::move(f));
      }
    }
  }
  const auto& here = names.modules[self];
  for (std::size_t i = 0; i < here.deferred.size(); ++i) {
    const DeferredKind kind = here.deferred_kinds[i];
    const char* k = kind == DeferredKind::Work ? "work" : kind == DeferredKind::Timer ? "timer" : "rcu";
    const auto* fv = t.get(k)->as_table()->get(here.deferred[i]);
    m.deferred.push_back({here.deferred[i], kind, body(*fv, fmt::format("{}.{}.{}", where, k, here.deferred[i]), Body::Void)});
  }
  if (const auto* cbs = t.get("callback")) {
    const auto& names_here = names.modules[self];
    std::size_t i = 0;
    for (auto [ck, cv] : in_file_order(*cbs->as_table())) {
      const std::string cw = fmt::format("{}.callback.{}", where, ck->str());
      const auto& ct = *cv->as_table();
      only_keys(ct, cw, {"framework", "owner", "body", "release"});
      CallbackDef d;
      d.name = std::string(ck->str());
      d.framework = names_here.callback_frameworks[i++];
      const Framework& f = frameworks()[d.framework];
      const auto* owner = ct.get("owner");
      if (f.pin != Pin::None && owner == nullptr)
        fail(ct.source(), fmt::format("'{}': framework \"{}\" pins {}'s ->owner: expected owner = \"THIS_MODULE\" or "
                                      "\"NULL\"", cw, f.name, f.ops));
      if (f.pin == Pin::None && owner != nullptr)
        fail(owner->source(), fmt::format("'{}.owner': framework \"{}\" ({}) pins no owner; remove the key", cw,
                                          f.name, f.ops));
      if (owner != nullptr) d.owner = parse_owner(*owner, cw + ".owner");
      const auto* b = ct.get("body");
      if (b == nullptr)
        fail(ct.source(), fmt::format("'{}' has no body: expected body = [\"work\", \"return 0\"]", cw));
      d.body = body(*b, cw + ".body", Body::Callback);
      if (const auto* r = ct.get("release")) {
        if (f.pin != Pin::Life)
          fail(r->source(), fmt::format("'{}.release': framework \"{}\" has no release call (only block-open, "
                                        "tty-open and socket do)", cw, f.name));
        d.release = body(*r, cw + ".release", Body::Callback);
        d.has_release = true;
      }
      m.callbacks.push_back(std::move(d));
    }
  }
  if (const auto* dep = t.get("depends")) {
    const auto& a = need_strings(*dep, where + ".depends");
    for (const auto& e : a) {
      const std::string other = e.as_string()->get();
      std::size_t j = 0;
      while (j < names.modules.size() && names.modules[j].name != other) ++j;
      if (j == names.modules.size())
        fail(e.source(), fmt::format("'{}.depends': no module named '{}'", where, other));
      if (j == self) fail(e.source(), fmt::format("'{}.depends': a module does not depend on itself", where));
      if (std::find(m.depends.begin(), m.depends.end(), j) != m.depends.end())
        fail(e.source(), fmt::format("'{}.depends': '{}' is listed twice", where, other));
      m.depends.push_back(j);
    }
  }
  if (const auto* e = t.get("exit")) {
    m.exit = body(*e, where + ".exit", Body::Exit);
  } else {
    m.exit = default_exit(m);
  }
  if (const auto* i = t.get("init")) {
    if (!m.insmod)
      fail(i->source(), fmt::format("'{}.init' is set, but no fiber runs \"insmod {}\": a module that starts loaded "
                                    "has already run its init", where, m.name));
    m.init = body(*i, where + ".init", Body::Init);
  } else if (m.insmod) {
    m.init = default_init(m);
  }
  return m;
}

}  // namespace

std::vector<ModuleDef> parse_modules(const toml::table& mt, Names& names, const std::set<std::string>& loaded_by_insmod) {
  const auto ordered = in_file_order(mt);
  if (ordered.size() > kMaxModules)
    fail(mt.source(), fmt::format("{} modules: at most {} are supported", ordered.size(), kMaxModules));
  for (auto [kp, vp] : ordered) names.modules.push_back(module_names(*kp, *vp));
  std::vector<ModuleDef> modules;
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    const toml::key& k = *ordered[i].first;
    modules.push_back(parse_module(k, *ordered[i].second, i, names, loaded_by_insmod));
    for (std::size_t j = 0; j + 1 < modules.size(); ++j) {
      const auto& a = modules[j];
      const auto& b = modules.back();
      if (a.registration != Registration::None && b.registration != Registration::None && a.device == b.device)
        fail(k.source(), fmt::format("modules '{}' and '{}' both register /dev/{}", a.name, b.name, b.device));
      if (a.proc.present && b.proc.present && a.proc.name == b.proc.name)
        fail(k.source(), fmt::format("modules '{}' and '{}' both create /proc/{}", a.name, b.name, b.proc.name));
    }
  }
  // Load-time dependencies (ref_module) form no cycle, and a module that starts loaded cannot
  // depend on one that starts absent.
  // Where module i's depends names module j.
  const auto named_at = [&](std::size_t i, std::size_t j) -> const toml::source_region& {
    const auto& arr = *ordered[i].second->as_table()->get("depends")->as_array();
    for (const auto& e : arr)
      if (e.as_string()->get() == modules[j].name) return e.source();
    return arr.source();
  };
  for (std::size_t i = 0; i < modules.size(); ++i)
    for (const std::size_t j : modules[i].depends) {
      if (!modules[i].insmod && modules[j].insmod)
        fail(named_at(i, j), fmt::format("module '{}' depends on '{}', which some fiber loads with insmod: '{}' cannot be "
                                      "loaded before it (load it with insmod too)", modules[i].name, modules[j].name,
                                      modules[i].name));
      std::vector<std::size_t> todo{j};
      std::vector<bool> seen(modules.size());
      while (!todo.empty()) {
        const std::size_t at = todo.back();
        todo.pop_back();
        if (at == i)
          fail(named_at(i, j), fmt::format("modules '{}' and '{}' depend on each other: the kernel refuses a cycle of "
                                        "module dependencies", modules[i].name, modules[j].name));
        if (seen[at]) continue;
        seen[at] = true;
        for (const std::size_t k : modules[at].depends) todo.push_back(k);
      }
    }
  // A module function that ends up calling itself (a.f calls b.g calls a.f) would never return.
  std::vector<std::pair<std::size_t, std::size_t>> path;
  const std::function<void(std::size_t, std::size_t)> visit = [&](std::size_t m, std::size_t f) {
    for (const auto& p : path)
      if (p == std::pair{m, f}) {
        std::string cycle;
        for (const auto& [pm, pf] : path) cycle += fmt::format("{}.{}() -> ", modules[pm].name, modules[pm].exports[pf].name);
        fail(mt.source(), fmt::format("exported functions call each other in a cycle: {}{}.{}()", cycle,
                                      modules[m].name, modules[m].exports[f].name));
      }
    path.emplace_back(m, f);
    for (const auto& st : modules[m].exports[f].body) {
      if (st.kind == Statement::Kind::Call) visit(st.module, st.name);
      for (const auto& inner : st.then)
        if (inner.kind == Statement::Kind::Call) visit(inner.module, inner.name);
    }
    path.pop_back();
  };
  for (std::size_t m = 0; m < modules.size(); ++m)
    for (std::size_t f = 0; f < modules[m].exports.size(); ++f) visit(m, f);
  return modules;
}

}  // namespace rw::models::scenario
