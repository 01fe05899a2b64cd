// models/scenario/toml_read.hpp: reading scenario values out of TOML (toml++ keeps the line and
// column of every value) and the text helpers every part of the reader shares. A problem is
// thrown as a Fail, which parse_scenario (load.cpp) turns into the InputError callers see.
#pragma once
#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <toml++/toml.h>

namespace rw::models::scenario {

struct Fail {  // thrown inside the reader only; parse_scenario turns it into an InputError
  toml::source_region where;
  std::string message;
};

[[noreturn]] void fail(const toml::source_region& where, std::string message);

std::string type_name(const toml::node& n);  // "a table", "an integer", ...

// "a", "b", "c": the values something accepts, for a message.
template <class Range>
std::string quoted_list(const Range& items) {
  std::string s;
  for (const auto& i : items) s += fmt::format("{}\"{}\"", s.empty() ? "" : ", ", i);
  return s;
}
inline std::string quoted_list(std::initializer_list<std::string_view> items) {
  return quoted_list<std::initializer_list<std::string_view>>(items);
}

// Rejects keys the format does not know, naming the ones it does.
void only_keys(const toml::table& t, std::string_view where, std::initializer_list<std::string_view> keys);
const toml::table& need_table(const toml::node& n, std::string_view what);
std::string need_string(const toml::node& n, std::string_view what);
const toml::array& need_strings(const toml::node& n, std::string_view what);
// toml++ iterates a table in key order; scenarios list modules and fibers in the order written.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t);
// A key as TOML writes it: bare when it can be (modern), quoted otherwise ("2.6.24").
std::string toml_key(std::string_view key);

std::string trim(std::string_view s);
// Collapses runs of spaces so that "open  /dev/x" and "open /dev/x" are the same statement.
std::string normalize(std::string_view s);
bool is_ident(std::string_view s);    // letters, digits and '_', not starting with a digit
bool valid_name(std::string_view s);  // letters, digits, '_', '-' and '.'
// The index of `n` among `names` (variables, locks, completions, events: `kind`), which a
// first use declares, up to kMaxNames of each kind.
std::size_t declare(std::vector<std::string>& names, const std::string& n, const toml::node& where, std::string kind);

}  // namespace rw::models::scenario
