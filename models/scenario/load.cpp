// models/scenario/load.cpp: a scenario file from its top level down (name, kernel eras, then
// modules, fibers and expectations, each read by its own part), and the reader's public face:
// parse_scenario and load_scenario (models/scenario_file.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "models/scenario/parse.hpp"
#include "models/scenario/toml_read.hpp"
#include "models/scenario_file.hpp"

namespace rw::models {
namespace scenario {
namespace {

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
    if (const auto era = parse_era(v)) return *era;
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
  const auto* fibers = root.get("fiber");
  if (fibers == nullptr) fail(root.source(), "the scenario has no fiber: expected a [fiber.<name>] table with run = [...]");
  const auto& ft = need_table(*fibers, "fiber");
  Names names;
  names.eras = s.eras;
  s.modules = parse_modules(mt, names, loaded_by_insmod(ft));
  s.vars = names.vars;
  s.mutexes = names.mutexes;
  s.spinlocks = names.spinlocks;
  s.completions = names.completions;
  s.rwsems = names.rwsems;
  s.rwlocks = names.rwlocks;
  s.fibers = parse_fibers(ft, s.modules, s.events);
  const auto* expect = root.get("expect");
  if (expect == nullptr)  // no expectation: the question is whether it is safe
    s.expects.assign(s.eras.size(), Expectation{.stated = false});
  else
    s.expects = parse_expects(*expect, s.eras);
  s.expect = s.expects.front();
  return s;
}

}  // namespace
}  // namespace scenario

namespace {

// Text quoted from a scenario (or a file name) may hold control characters: a newline would
// split the one-line message, an ESC would drive the terminal. Shown as C escapes instead.
std::string escape_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\0': out += "\\0"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
        else out += ch;
    }
  }
  return out;
}

}  // namespace

// The one place a scenario's problems become text: every part is escaped here.
std::string InputError::to_string() const {
  const std::string f = escape_controls(file), m = escape_controls(message);
  if (line == 0) return fmt::format("{}: {}", f, m);
  if (column == 0) return fmt::format("{}:{}: {}", f, line, m);
  return fmt::format("{}:{}:{}: {}", f, line, column, m);
}

std::expected<Scenario, InputError> parse_scenario(std::string_view text, const std::string& file) {
  try {
    const toml::table root = toml::parse(text, std::string_view(file));
    return scenario::build(root, file);
  } catch (const toml::parse_error& e) {
    return std::unexpected(InputError{file, static_cast<int>(e.source().begin.line),
                                      static_cast<int>(e.source().begin.column),
                                      fmt::format("not valid TOML: {}", e.description())});
  } catch (const scenario::Fail& f) {
    return std::unexpected(InputError{file, static_cast<int>(f.where.begin.line),
                                      static_cast<int>(f.where.begin.column), f.message});
  }
}

std::expected<Scenario, InputError> load_scenario(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string file = path.string();
  const auto bad = [&](std::string message) { return std::unexpected(InputError{file, 0, 0, std::move(message)}); };
  // The file's type before opening it: a FIFO would block the open or the read, and a device
  // (/dev/zero) never ends.
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return bad("no such file");
  if (ec) return bad(fmt::format("cannot read the file: {}", ec.message()));
  if (st.type() == fs::file_type::directory) return bad("is a directory, expected a scenario file (.toml)");
  if (st.type() != fs::file_type::regular) return bad("not a regular file: expected a scenario file (.toml)");
  const auto too_large = [&] { return bad(fmt::format("is larger than {} MiB: not a scenario", kMaxScenarioBytes >> 20)); };
  if (const auto size = fs::file_size(path, ec); !ec && size > kMaxScenarioBytes) return too_large();
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad("cannot open the file for reading");
  // Read at most one byte past the limit: the size above may be stale, or 0 (/proc files).
  std::string text(kMaxScenarioBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return bad("cannot read the file");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxScenarioBytes) return too_large();
  return parse_scenario(text, file);
}

}  // namespace rw::models
