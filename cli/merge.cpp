// cli/merge.cpp: `racewin merge REPORT.json...`: combines the JSON reports of a sharded check
// (`racewin check --shard i/n --format json`, one per machine) into one verdict per scenario.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "engine/execution.hpp"
#include "engine/report.hpp"
#include "models/check.hpp"

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

// What one shard found, as an engine::Report (the parts merge_report needs).
engine::Report report_of(const json& s, std::uint64_t shard) {
  engine::Report r;
  r.executions = u64(s, "executions");
  r.states = u64(s, "states");
  r.steps = u64(s, "steps");
  r.shard_index = static_cast<std::uint32_t>(shard);
  for (const auto& o : s["outcomes"]) r.outcomes.push_back({o.value("outcome", ""), o.value("count", std::uint64_t{0})});
  std::sort(r.outcomes.begin(), r.outcomes.end(), [](const auto& a, const auto& b) { return a.outcome < b.outcome; });
  r.symmetry_classes = s.value("symmetry", json::object()).value("classes", r.symmetry_classes);
  const std::string verdict = s["verdict"].get<std::string>();
  if (verdict == "incomplete") r.incomplete_reason = fmt::format("shard {}: {}", shard, s.value("incomplete_reason", ""));
  if (verdict == "error") r.error = fmt::format("shard {} reported an error: {}", shard, s.value("error", ""));
  if (verdict == "violation" && s.contains("violation")) {
    r.violation.emplace();
    r.violation->kind = s["violation"].value("kind", "");
    r.violation->message = s["violation"].value("message", "");
  }
  return r;
}

// The expectation a report states ("expected": {"verdict", "kind", "outcomes"}).
models::Expectation expectation_of(const json& x) {
  models::Expectation e;
  e.violation = x.value("verdict", "") == "violation";
  e.kind = x.value("kind", "");
  if (x.contains("outcomes") && x["outcomes"].is_array()) {
    e.outcomes.emplace();
    for (const auto& o : x["outcomes"])
      if (o.is_string()) e.outcomes->push_back(o.get<std::string>());
  }
  return e;
}

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
      return kExitBadInput;
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
        return kExitBadInput;
      }
      // One scenario per file, name and kernel era (a file may list several eras).
      const std::string key = s.value("file", "") + "\n" + s["name"].get<std::string>() + "\n" + s.value("kernel", "");
      if (!parts.contains(key)) order.push_back(key);
      for (const auto& p : parts[key])
        if (p.index == i) {
          err << fmt::format("racewin merge: {}: shard {}/{} of '{}' is also in {}\n", f, i, n,
                             s["name"].get<std::string>(), p.file);
          return kExitBadInput;
        }
      parts[key].push_back(Part{f, s, i});
    }
  }
  if (order.empty()) {
    err << "racewin merge: no scenarios in the reports\n";
    return kExitBadInput;
  }

  json doc;
  doc["tool"] = "racewin";
  doc["command"] = "merge";
  doc["shards"] = count;
  json list = json::array();
  std::size_t ok = 0;
  bool any_error = false;
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
      return kExitBadInput;
    }
    for (const auto& p : ps) {
      const json& s = p.scenario;
      if (s.value("symmetry", json::object()).value("on", false) != first.value("symmetry", json::object()).value("on", false)) {
        err << fmt::format("racewin merge: {}: scenario '{}' ran with symmetry {}, but {} with it {}\n", p.file, name,
                           s["symmetry"].value("on", false) ? "on" : "off", ps.front().file,
                           first["symmetry"].value("on", false) ? "on" : "off");
        return kExitBadInput;
      }
    }
    // Each shard's report as an engine::Report, merged in shard order as the units of one run are.
    const models::Expectation x = expectation_of(first["expected"]);
    engine::Report whole;
    const json* violation = nullptr;  // the kept violation, as its shard wrote it
    for (const auto& p : ps)
      if (engine::merge_report(whole, report_of(p.scenario, p.index), x.kind)) violation = &p.scenario["violation"];
    whole.verdict = engine::decide_verdict(whole);
    const std::string mismatch = models::expectation_mismatch(x, whole);
    json m;
    m["name"] = name;
    m["file"] = first.value("file", "");
    m["kernel"] = first.value("kernel", "");
    m["expected"] = first["expected"];
    m["verdict"] = std::string(engine::to_string(whole.verdict));
    m["matches"] = mismatch.empty();
    if (!mismatch.empty()) m["mismatch"] = mismatch;
    m["strategy"] = first.value("strategy", "dfs");
    m["reduction"] = first.value("reduction", "");
    if (first.contains("symmetry")) m["symmetry"] = first["symmetry"];
    m["shards"] = count;
    m["executions"] = whole.executions;
    m["states"] = whole.states;
    m["steps"] = whole.steps;
    json outs = json::array();
    for (const auto& o : whole.outcomes) outs.push_back({{"outcome", o.outcome}, {"count", o.count}});
    m["outcomes"] = outs;
    if (violation != nullptr) m["violation"] = *violation;
    ok += mismatch.empty() ? 1 : 0;
    any_error = any_error || whole.verdict == engine::Verdict::Error;
    text += fmt::format("{:<28}  {:<10}  {:>12} executions  {:>10} states  {:>3} outcomes  {}\n", name,
                        engine::to_string(whole.verdict), whole.executions, whole.states, whole.outcomes.size(),
                        mismatch.empty() ? "ok" : "MISMATCH: " + mismatch);
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
  if (any_error) return kExitError;
  return ok == order.size() ? kExitOk : kExitMismatch;
}

}  // namespace rw::cli
