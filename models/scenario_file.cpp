// models/scenario_file.cpp
#include "models/scenario_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "models/errno.hpp"
#include "models/kernel.hpp"

namespace rw::models {

std::string InputError::to_string() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  if (column == 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

const std::vector<std::string>& violation_kinds() {
  static const std::vector<std::string> kinds = {kCodeAfterUnload, kDataAfterFree, kRefcountUnderflow,
                                                 kRefcountBug,     "deadlock",     kCdevAfterFree};
  return kinds;
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

enum class Body { Callback, Exit };

std::vector<Statement> parse_body(const toml::node& n, std::string_view what, Body body,
                                  Registration reg) {
  const auto& a = need_strings(n, what);
  std::vector<Statement> out;
  for (const auto& e : a) {
    const std::string text = normalize(e.as_string()->get());
    Statement s;
    s.text = text;
    if (!out.empty() && out.back().kind == Statement::Kind::Return)
      fail(e.source(), fmt::format("'{}' in '{}' comes after 'return' and would never run", text, what));
    const auto callish = [&](std::string_view name) {
      return text == name || (text.starts_with(std::string(name) + "(") && text.ends_with(")"));
    };
    if (text == "try_module_get(THIS_MODULE)") s.kind = Statement::Kind::TryModuleGet;
    else if (text == "__module_get(THIS_MODULE)") s.kind = Statement::Kind::ModuleGet;
    else if (text == "module_put(THIS_MODULE)") s.kind = Statement::Kind::ModulePut;
    else if (text == "work") s.kind = Statement::Kind::Work;
    else if (body == Body::Callback && text.starts_with("return ")) {
      const std::string value = trim(std::string_view(text).substr(7));
      const auto v = parse_errno(value);
      if (!v) fail(e.source(), fmt::format("cannot read the value of '{}' in '{}' (expected a number "
                                           "such as 0 or -16, or an error name such as -EBUSY)", text, what));
      s.kind = Statement::Kind::Return;
      s.value = *v;
    } else if (body == Body::Exit && callish("unregister_chrdev")) {
      if (reg != Registration::RegisterChrdev)
        fail(e.source(), fmt::format("'{}' in '{}': this module registers with cdev_add, so its exit "
                                     "calls cdev_del", text, what));
      s.kind = Statement::Kind::UnregisterChrdev;
    } else if (body == Body::Exit && callish("cdev_del")) {
      if (reg != Registration::CdevAdd)
        fail(e.source(), fmt::format("'{}' in '{}': this module registers with register_chrdev, so "
                                     "its exit calls unregister_chrdev", text, what));
      s.kind = Statement::Kind::CdevDel;
    } else {
      const std::string expected =
          body == Body::Callback
              ? "try_module_get(THIS_MODULE), __module_get(THIS_MODULE), module_put(THIS_MODULE), "
                "work, return <value>"
              : "unregister_chrdev or cdev_del, try_module_get(THIS_MODULE), __module_get(THIS_MODULE), "
                "module_put(THIS_MODULE), work";
      fail(e.source(), fmt::format("unknown statement '{}' in '{}' (expected: {})", text, what, expected));
    }
    out.push_back(std::move(s));
  }
  if (body == Body::Callback && (out.empty() || out.back().kind != Statement::Kind::Return))
    fail(n.source(), fmt::format("'{}' must end with 'return <value>': a file operation returns an int", what));
  return out;
}

bool valid_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

ModuleDef parse_module(const toml::key& key, const toml::node& node) {
  const std::string where = fmt::format("module.{}", key.str());
  const auto& t = need_table(node, where);
  only_keys(t, fmt::format("[{}]", where), {"device", "register", "fops", "cdev", "exit"});
  ModuleDef m;
  m.name = std::string(key.str());
  if (!valid_name(m.name))
    fail(key.source(), fmt::format("module name '{}' may only use letters, digits, '_', '-' and '.'", m.name));
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
    else fail(r->source(), fmt::format("unknown value \"{}\" for '{}.register' (expected: {})", v, where,
                                       quoted_list({"register_chrdev", "cdev_add"})));
  }
  const auto* fops = t.get("fops");
  if (fops == nullptr)
    fail(t.source(), fmt::format("[{}] has no fops: expected at least fops.owner = \"THIS_MODULE\" or \"NULL\"", where));
  const auto& ft = need_table(*fops, where + ".fops");
  only_keys(ft, where + ".fops", {"owner", "open", "release", "read"});
  const auto* owner = ft.get("owner");
  if (owner == nullptr)
    fail(ft.source(), fmt::format("'{}.fops' has no owner: expected fops.owner = \"THIS_MODULE\" or \"NULL\"", where));
  m.fops_owner = parse_owner(*owner, where + ".fops.owner");
  if (const auto* b = ft.get("open")) {
    m.open = parse_body(*b, where + ".fops.open", Body::Callback, m.registration);
    m.has_open = true;
  }
  if (const auto* b = ft.get("release")) {
    m.release = parse_body(*b, where + ".fops.release", Body::Callback, m.registration);
    m.has_release = true;
  }
  if (const auto* b = ft.get("read")) {
    m.read = parse_body(*b, where + ".fops.read", Body::Callback, m.registration);
    m.has_read = true;
  }
  if (const auto* cdev = t.get("cdev")) {
    const auto& ct = need_table(*cdev, where + ".cdev");
    only_keys(ct, where + ".cdev", {"owner"});
    if (m.registration == Registration::RegisterChrdev)
      fail(cdev->source(), fmt::format("'{}.cdev' is set, but register_chrdev copies fops.owner into "
                                       "cdev.owner; set cdev.owner only with register = \"cdev_add\"", where));
    if (const auto* o = ct.get("owner")) m.cdev_owner = parse_owner(*o, where + ".cdev.owner");
  } else {
    // register_chrdev: cdev->owner = fops->owner. cdev_init: memset to 0, so NULL.
    m.cdev_owner = m.registration == Registration::RegisterChrdev ? m.fops_owner : Owner::Null;
  }
  if (const auto* e = t.get("exit")) {
    m.exit = parse_body(*e, where + ".exit", Body::Exit, m.registration);
  } else {
    Statement s;
    const bool chrdev = m.registration == Registration::RegisterChrdev;
    s.kind = chrdev ? Statement::Kind::UnregisterChrdev : Statement::Kind::CdevDel;
    s.text = chrdev ? "unregister_chrdev" : "cdev_del";
    m.exit.push_back(s);
  }
  return m;
}

std::vector<Op> parse_ops(const toml::node& n, const std::string& where, const std::vector<ModuleDef>& modules,
                          bool& file_open) {
  const auto& a = need_strings(n, where);
  std::vector<Op> out;
  for (const auto& e : a) {
    const std::string text = normalize(e.as_string()->get());
    Op op;
    op.text = text;
    if (text.starts_with("open ")) {
      std::string path = trim(std::string_view(text).substr(5));
      const auto it = std::find_if(modules.begin(), modules.end(),
                                   [&](const ModuleDef& m) { return "/dev/" + m.device == path; });
      if (it == modules.end()) {
        std::string known;
        for (const auto& m : modules) known += fmt::format("{}/dev/{}", known.empty() ? "" : ", ", m.device);
        fail(e.source(), fmt::format("no module registers '{}' (registered: {})", path, known));
      }
      if (file_open)
        fail(e.source(), fmt::format("'{}': this fiber already has a file open (one at a time); close it first", text));
      op.kind = Op::Kind::Open;
      op.module = static_cast<std::size_t>(it - modules.begin());
      file_open = true;
    } else if (text == "read" || text == "close") {
      if (!file_open)
        fail(e.source(), fmt::format("'{}' needs an open file: put \"open /dev/...\" before it", text));
      op.kind = text == "read" ? Op::Kind::Read : Op::Kind::Close;
      if (op.kind == Op::Kind::Close) file_open = false;
    } else if (text.starts_with("rmmod ")) {
      const std::string name = trim(std::string_view(text).substr(6));
      const auto it = std::find_if(modules.begin(), modules.end(), [&](const ModuleDef& m) { return m.name == name; });
      if (it == modules.end()) {
        std::string known;
        for (const auto& m : modules) known += fmt::format("{}{}", known.empty() ? "" : ", ", m.name);
        fail(e.source(), fmt::format("no module named '{}' to rmmod (modules: {})", name, known));
      }
      op.kind = Op::Kind::Rmmod;
      op.module = static_cast<std::size_t>(it - modules.begin());
    } else {
      fail(e.source(), fmt::format("unknown operation '{}' in '{}' (expected: open /dev/<device>, read, "
                                   "close, rmmod <module>)", text, where));
    }
    out.push_back(std::move(op));
  }
  return out;
}

// A [fiber.<name>] table: one fiber, or with count = N, N processes running the same program,
// named <name>1 ... <name>N (the engine then knows they are interchangeable).
std::vector<FiberDef> parse_fiber(const toml::key& key, const toml::node& node, const std::vector<ModuleDef>& modules) {
  const std::string where = fmt::format("fiber.{}", key.str());
  const auto& t = need_table(node, where);
  only_keys(t, fmt::format("[{}]", where), {"setup", "run", "count"});
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
  if (const auto* setup = t.get("setup")) f.setup = parse_ops(*setup, where + ".setup", modules, file_open);
  f.run = parse_ops(*run, where + ".run", modules, file_open);
  if (f.run.empty())
    fail(run->source(), fmt::format("fiber '{}' has an empty program: expected at least one operation", f.name));
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
    const auto& kinds = violation_kinds();
    if (std::find(kinds.begin(), kinds.end(), x.kind) == kinds.end()) {
      std::string known;
      for (const auto& kk : kinds) known += fmt::format("{}\"{}\"", known.empty() ? "" : ", ", kk);
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
  if (kernel == nullptr) fail(root.source(), "the scenario has no kernel era: expected kernel = \"modern\"");
  s.kernel = need_string(*kernel, "kernel");
  if (s.kernel == "2.6.24")
    fail(kernel->source(), "kernel \"2.6.24\" is not modelled yet (expected: \"modern\")");
  if (s.kernel != "modern")
    fail(kernel->source(), fmt::format("unknown kernel era \"{}\" (expected: \"modern\")", s.kernel));

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
  for (auto [kp, vp] : in_file_order(mt)) {
    const toml::key& k = *kp;
    s.modules.push_back(parse_module(k, *vp));
    for (std::size_t i = 0; i + 1 < s.modules.size(); ++i)
      if (s.modules[i].device == s.modules.back().device)
        fail(k.source(), fmt::format("modules '{}' and '{}' both register /dev/{}", s.modules[i].name,
                                     s.modules.back().name, s.modules.back().device));
  }
  const auto* fibers = root.get("fiber");
  if (fibers == nullptr) fail(root.source(), "the scenario has no fiber: expected a [fiber.<name>] table with run = [...]");
  const auto& ft = need_table(*fibers, "fiber");
  if (ft.empty()) fail(ft.source(), "the scenario has no fiber: expected a [fiber.<name>] table with run = [...]");
  if (ft.size() > 64) fail(ft.source(), fmt::format("{} fibers: at most 64 are supported", ft.size()));
  for (auto [kp, vp] : in_file_order(ft)) {
    for (auto& f : parse_fiber(*kp, *vp, s.modules)) {
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
  s.expect = parse_expect(*expect);
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
