// cli/merge.cpp: `racewin merge REPORT.json...`: combines the JSON reports of a sharded check
// (`racewin check --shard i/n --format json`, one per machine) into one verdict per scenario.
#include "cli/merge.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "engine/execution.hpp"

namespace rw::cli {

namespace {

using json = nlohmann::ordered_json;

struct Part {
  std::string file;  // the report it came from
  json scenario;
  std::uint64_t index = 0;
};

// Reads one report; returns an error message (with the file name) or "".
std::string read_report(const std::string& file, json& doc) {
  std::ifstream in(file);
  if (!in) return fmt::format("{}: cannot open the report", file);
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    return fmt::format("{}: byte {}: not JSON: {}", file, e.byte, e.what());
  }
  if (!doc.is_object() || doc.value("tool", "") != "racewin" || doc.value("command", "") != "check" ||
      !doc.contains("scenarios") || !doc["scenarios"].is_array())
    return fmt::format("{}: not a report of 'racewin check --format json'", file);
  for (const auto& s : doc["scenarios"])
    if (!s.is_object() || !s.contains("name") || !s.contains("verdict") || !s.contains("outcomes") ||
        !s.contains("expected"))
      return fmt::format("{}: a scenario entry lacks name, verdict, outcomes or expected", file);
  return {};
}

std::uint64_t u64(const json& j, const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<std::uint64_t>() : 0; }

}  // namespace

int merge(const std::vector<std::string>& files, const std::string& format, std::ostream& out, std::ostream& err) {
  std::map<std::string, std::vector<Part>> parts;  // by scenario file + name
  std::vector<std::string> order;
  std::uint64_t count = 0;
  std::string count_from;
  for (const auto& f : files) {
    json doc;
    if (std::string e = read_report(f, doc); !e.empty()) {
      err << "racewin merge: " << e << '\n';
      return 2;
    }
    for (const auto& s : doc["scenarios"]) {
      const std::uint64_t n = s.contains("shard") ? s["shard"].value("count", std::uint64_t{1}) : 1;
      const std::uint64_t i = s.contains("shard") ? s["shard"].value("index", std::uint64_t{0}) : 0;
      if (count == 0) {
        count = n;
        count_from = f;
      } else if (n != count) {
        err << fmt::format("racewin merge: {}: scenario '{}' is shard {}/{}, but {} was split in {}\n", f,
                           s["name"].get<std::string>(), i, n, count_from, count);
        return 2;
      }
      // One scenario per file, name and kernel era (a file may list several eras).
      const std::string key = s.value("file", "") + "\n" + s["name"].get<std::string>() + "\n" + s.value("kernel", "");
      if (!parts.contains(key)) order.push_back(key);
      for (const auto& p : parts[key])
        if (p.index == i) {
          err << fmt::format("racewin merge: {}: shard {}/{} of '{}' is also in {}\n", f, i, n,
                             s["name"].get<std::string>(), p.file);
          return 2;
        }
      parts[key].push_back(Part{f, s, i});
    }
  }
  if (order.empty()) {
    err << "racewin merge: no scenarios in the reports\n";
    return 2;
  }

  json doc;
  doc["tool"] = "racewin";
  doc["command"] = "merge";
  doc["shards"] = count;
  json list = json::array();
  std::size_t ok = 0;
  std::string text;
  for (const auto& key : order) {
    auto& ps = parts[key];
    std::sort(ps.begin(), ps.end(), [](const Part& a, const Part& b) { return a.index < b.index; });
    const json& first = ps.front().scenario;
    const std::string name = first["name"].get<std::string>();
    if (ps.size() != count) {
      std::set<std::uint64_t> have;
      for (const auto& p : ps) have.insert(p.index);
      std::string missing;
      for (std::uint64_t i = 0; i < count; ++i)
        if (!have.contains(i)) missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", i, count);
      err << fmt::format("racewin merge: scenario '{}': shard{} {} missing\n", name,
                         count - ps.size() == 1 ? "" : "s", missing);
      return 2;
    }
    json m;
    m["name"] = name;
    m["file"] = first.value("file", "");
    m["kernel"] = first.value("kernel", "");
    m["expected"] = first["expected"];
    std::map<std::string, std::uint64_t> outcomes;
    std::uint64_t executions = 0, states = 0, steps = 0;
    bool incomplete = false, error = false;
    const json* violation = nullptr;
    std::string incomplete_reason;
    std::vector<std::vector<std::string>> classes;  // interchangeable fibers: outcomes compare up to renaming them
    const json& x = first["expected"];
    const std::string want_kind = x.value("kind", "");
    for (const auto& p : ps) {
      const json& s = p.scenario;
      if (s.value("symmetry", json::object()).value("on", false) != first.value("symmetry", json::object()).value("on", false)) {
        err << fmt::format("racewin merge: {}: scenario '{}' ran with symmetry {}, but {} with it {}\n", p.file, name,
                           s["symmetry"].value("on", false) ? "on" : "off", ps.front().file,
                           first["symmetry"].value("on", false) ? "on" : "off");
        return 2;
      }
      executions += u64(s, "executions");
      states += u64(s, "states");
      steps += u64(s, "steps");
      for (const auto& o : s["outcomes"]) outcomes[o.value("outcome", "")] += o.value("count", std::uint64_t{0});
      classes = s.value("symmetry", json::object()).value("classes", classes);
      const std::string v = s["verdict"].get<std::string>();
      if (v == "incomplete") {
        incomplete = true;
        if (incomplete_reason.empty()) incomplete_reason = fmt::format("shard {}: {}", p.index, s.value("incomplete_reason", ""));
      }
      if (v == "error") error = true;
      // The violation of the lowest shard, preferring the kind the scenario expects.
      if (v == "violation" && s.contains("violation")) {
        const bool wanted = s["violation"].value("kind", "") == want_kind;
        if (violation == nullptr || (wanted && (*violation).value("kind", "") != want_kind)) violation = &s["violation"];
      }
    }
    std::string verdict = error ? "error" : violation ? "violation" : incomplete ? "incomplete" : "safe";
    json outs = json::array();
    for (const auto& [o, n] : outcomes) outs.push_back({{"outcome", o}, {"count", n}});
    std::string mismatch;
    const bool want_violation = x.value("verdict", "") == "violation";
    if (verdict == "error") mismatch = "a shard reported an error";
    else if (verdict == "incomplete") mismatch = "the exploration is incomplete: " + incomplete_reason;
    else if (want_violation && verdict == "safe") mismatch = fmt::format("expected violation {}, but every interleaving is safe", want_kind);
    else if (!want_violation && verdict == "violation") mismatch = fmt::format("expected safe, found {}", (*violation).value("kind", ""));
    else if (want_violation && (*violation).value("kind", "") != want_kind)
      mismatch = fmt::format("expected violation {}, found {}", want_kind, (*violation).value("kind", ""));
    else if (!want_violation && x.contains("outcomes")) {
      std::set<std::string> want, got;
      for (const auto& o : x["outcomes"]) want.insert(rw::engine::canonical_outcome(o.get<std::string>(), classes));
      for (const auto& [o, n] : outcomes) got.insert(rw::engine::canonical_outcome(o, classes));
      for (const auto& o : got)
        if (!want.contains(o) && mismatch.empty()) mismatch = fmt::format("outcome not in expect.outcomes: '{}'", o);
      for (const auto& o : want)
        if (!got.contains(o) && mismatch.empty()) mismatch = fmt::format("expected outcome never happens: '{}'", o);
    }
    m["verdict"] = verdict;
    m["matches"] = mismatch.empty();
    if (!mismatch.empty()) m["mismatch"] = mismatch;
    m["strategy"] = first.value("strategy", "dfs");
    m["reduction"] = first.value("reduction", "");
    if (first.contains("symmetry")) m["symmetry"] = first["symmetry"];
    m["shards"] = count;
    m["executions"] = executions;
    m["states"] = states;
    m["steps"] = steps;
    m["outcomes"] = outs;
    if (violation != nullptr) m["violation"] = *violation;
    ok += mismatch.empty() ? 1 : 0;
    text += fmt::format("{:<28}  {:<10}  {:>12} executions  {:>10} states  {:>3} outcomes  {}\n", name, verdict,
                        executions, states, outcomes.size(), mismatch.empty() ? "ok" : "MISMATCH: " + mismatch);
    if (violation != nullptr)
      text += fmt::format("    violation {}: replay: {}\n", (*violation).value("kind", ""), (*violation).value("replay", ""));
    list.push_back(std::move(m));
  }
  doc["scenarios"] = list;
  doc["summary"] = {{"scenarios", order.size()}, {"as_expected", ok}, {"not_as_expected", order.size() - ok}};
  if (format == "json")
    out << doc.dump(2) << '\n';
  else
    out << fmt::format("merged {} shard{} of {} scenario{}\n", count, count == 1 ? "" : "s", order.size(),
                       order.size() == 1 ? "" : "s")
        << text
        << fmt::format("\n{} scenario{}: {} as expected, {} not\n", order.size(), order.size() == 1 ? "" : "s", ok,
                       order.size() - ok);
  return ok == order.size() ? 0 : 1;
}

}  // namespace rw::cli
