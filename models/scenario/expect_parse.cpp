// models/scenario/expect_parse.cpp: [expect], the verdict, violation kind and outcomes a scenario
// expects, for all its eras at once or per era ([expect."2.6.24"], [expect.modern]).
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "models/scenario/parse.hpp"
#include "models/scenario/toml_read.hpp"
#include "models/violations.hpp"

namespace rw::models::scenario {
namespace {

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
      std::vector<const char*> kinds;  // a loop, not a view: clang 14 cannot take ranges of a C array
      for (const auto& known : kViolationKinds) kinds.push_back(known.kind);
      fail(k->source(), fmt::format("unknown violation kind \"{}\" (expected: {})", x.kind, quoted_list(kinds)));
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

}  // namespace

std::vector<Expectation> parse_expects(const toml::node& expect, const std::vector<Era>& eras) {
  const auto& et = need_table(expect, "expect");
  const bool per_era = std::any_of(et.begin(), et.end(), [](auto&& kv) { return parse_era(kv.first.str()).has_value(); });
  if (!per_era) return std::vector<Expectation>(eras.size(), parse_expect(expect));
  for (auto&& [k, v] : et) {
    const auto era = parse_era(k.str());
    if (!era)
      fail(k.source(), fmt::format("unknown key '{}' in [expect]: with per-era tables, [expect] holds only "
                                   "[expect.\"2.6.24\"] and [expect.modern]", k.str()));
    if (std::find(eras.begin(), eras.end(), *era) == eras.end())
      fail(k.source(), fmt::format("[expect.{}] is for an era the scenario does not run: 'kernel' does not list it",
                                   toml_key(k.str())));
  }
  std::vector<Expectation> out;
  for (Era era : eras) {
    const auto* x = et.get(era_name(era));
    if (x == nullptr)
      fail(et.source(), fmt::format("[expect] has no table for kernel \"{}\": add [expect.{}]", era_name(era),
                                    toml_key(era_name(era))));
    out.push_back(parse_expect(*x));
  }
  return out;
}

}  // namespace rw::models::scenario
