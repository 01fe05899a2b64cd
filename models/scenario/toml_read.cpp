// models/scenario/toml_read.cpp
#include "models/scenario/toml_read.hpp"

#include <algorithm>
#include <tuple>

#include "models/scenario.hpp"

namespace rw::models::scenario {
namespace {
bool word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }
// Whether `s` is not empty and every character passes.
template <class Pred>
bool all_of(std::string_view s, Pred ok) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}
}  // namespace

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

std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> items;
  for (auto&& [k, v] : t) items.emplace_back(&k, &v);
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    const auto& x = a.first->source().begin;
    const auto& y = b.first->source().begin;
    return std::tie(x.line, x.column) < std::tie(y.line, y.column);
  });
  return items;
}

std::string toml_key(std::string_view key) {
  const bool bare = all_of(key, [](char c) { return word_char(c) || c == '-'; });
  return bare ? std::string(key) : fmt::format("\"{}\"", key);
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string normalize(std::string_view s) {
  std::string out;
  for (char ch : trim(s)) {
    if ((ch == ' ' || ch == '\t') && !out.empty() && out.back() == ' ') continue;
    out += ch == '\t' ? ' ' : ch;
  }
  return out;
}

bool is_ident(std::string_view s) {
  return all_of(s, word_char) && !(s[0] >= '0' && s[0] <= '9');
}

bool valid_name(std::string_view s) {
  return all_of(s, [](char c) { return word_char(c) || c == '-' || c == '.'; });
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

}  // namespace rw::models::scenario
