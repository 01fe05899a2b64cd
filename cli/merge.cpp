// cli/merge.cpp: `racewin merge REPORT.json...`: combines the JSON reports of a sharded check
// (`racewin check --shard i/n --format json`, one per machine) into one verdict per scenario.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/merge.hpp"
#include "engine/execution.hpp"
#include "engine/report.hpp"
#include "models/check.hpp"

namespace rw::cli {

namespace {

using json = ReportJson;

struct Part {
  std::string file;  // the report it came from
  json scenario;
  std::uint64_t index = 0;
};

// The shard labels `racewin check --shard` accepts: 0 <= index < count <= kMaxShards.
constexpr std::uint64_t kMaxShards = 100000;

// What a JSON value is, for a message: "a number", "an array", ...
std::string a(const json& j) {
  const std::string t = j.type_name();
  return (t == "array" || t == "object" ? "an " : "a ") + t;
}

enum class Want { String, Bool, Count, Object, Array };

bool is(const json& j, Want w) {
  switch (w) {
    case Want::String: return j.is_string();
    case Want::Bool: return j.is_boolean();
    case Want::Count: return j.is_number_unsigned();  // a non-negative integer that fits 64 bits
    case Want::Object: return j.is_object();
    case Want::Array: return j.is_array();
  }
  return false;
}

const char* expected(Want w) {
  switch (w) {
    case Want::String: return "a string";
    case Want::Bool: return "true or false";
    case Want::Count: return "a non-negative integer";
    case Want::Object: return "an object";
    case Want::Array: return "an array";
  }
  return "?";
}

// "" when obj[key] is absent (and may be) or of the wanted type; else what is wrong, naming
// the field by its path ("'shard.count'").
std::string field(const json& obj, const std::string& path, const char* key, Want w, bool required = false) {
  const std::string name = path.empty() ? key : path + "." + key;
  if (!obj.contains(key)) return required ? fmt::format("'{}' is missing", name) : "";
  const json& v = obj[key];
  if (is(v, w)) return "";
  if (w == Want::Count && v.is_number())
    return fmt::format("'{}' is {}: expected {}", name, v.dump(), expected(w));
  return fmt::format("'{}' is {}, expected {}", name, a(v), expected(w));
}

bool has_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
}

// Every field merge reads from one entry of "scenarios", with its type; "" when it can be used.
std::string entry_problem(const json& s) {
  if (!s.is_object()) return fmt::format("is {}, expected an object", a(s));
  for (const auto* key : {"name", "verdict"})
    if (auto e = field(s, "", key, Want::String, true); !e.empty()) return e;
  for (const auto* key : {"file", "kernel", "strategy", "reduction", "incomplete_reason", "error"})
    if (auto e = field(s, "", key, Want::String); !e.empty()) return e;
  if (has_control(s["name"].get<std::string>())) return "'name' holds a control character";
  const std::string verdict = s["verdict"].get<std::string>();
  // A shard that found no violation says "partial" (check.cpp): its part of the tree is safe.
  if (verdict != "safe" && verdict != "partial" && verdict != "violation" && verdict != "incomplete" && verdict != "error")
    return "'verdict' is not safe, partial, violation, incomplete or error";
  for (const auto* key : {"executions", "states", "steps"})
    if (auto e = field(s, "", key, Want::Count); !e.empty()) return e;

  if (auto e = field(s, "", "outcomes", Want::Array, true); !e.empty()) return e;
  for (const auto& o : s["outcomes"]) {
    if (!o.is_object()) return fmt::format("an entry of 'outcomes' is {}, expected an object", a(o));
    if (auto e = field(o, "outcomes[]", "outcome", Want::String, true); !e.empty()) return e;
    if (auto e = field(o, "outcomes[]", "count", Want::Count, true); !e.empty()) return e;
  }

  if (auto e = field(s, "", "expected", Want::Object, true); !e.empty()) return e;
  const json& x = s["expected"];
  for (const auto* key : {"verdict", "kind"})
    if (auto e = field(x, "expected", key, Want::String); !e.empty()) return e;
  if (auto e = field(x, "expected", "outcomes", Want::Array); !e.empty()) return e;
  if (x.contains("outcomes"))
    for (const auto& o : x["outcomes"])
      if (!o.is_string()) return fmt::format("an entry of 'expected.outcomes' is {}, expected a string", a(o));

  if (auto e = field(s, "", "shard", Want::Object); !e.empty()) return e;
  if (s.contains("shard")) {
    const json& sh = s["shard"];
    for (const auto* key : {"index", "count"})
      if (auto e = field(sh, "shard", key, Want::Count, true); !e.empty()) return e;
    const auto i = sh["index"].get<std::uint64_t>(), n = sh["count"].get<std::uint64_t>();
    if (n < 1 || n > kMaxShards || i >= n)
      return fmt::format("'shard' is {}/{}: expected i/n with 0 <= i < n <= {}", i, n, kMaxShards);
  }

  if (auto e = field(s, "", "symmetry", Want::Object); !e.empty()) return e;
  if (s.contains("symmetry")) {
    const json& sy = s["symmetry"];
    if (auto e = field(sy, "symmetry", "on", Want::Bool); !e.empty()) return e;
    if (auto e = field(sy, "symmetry", "classes", Want::Array); !e.empty()) return e;
    if (sy.contains("classes"))
      for (const auto& c : sy["classes"])
        if (!c.is_array() || !std::all_of(c.begin(), c.end(), [](const json& f) { return f.is_string(); }))
          return "'symmetry.classes' is not a list of lists of fiber names";
  }

  if (auto e = field(s, "", "violation", Want::Object); !e.empty()) return e;
  if (s.contains("violation"))
    for (const auto* key : {"kind", "message", "replay"})
      if (auto e = field(s["violation"], "violation", key, Want::String); !e.empty()) return e;
  return {};
}

}  // namespace

std::string parse_report(std::istream& in, const std::string& file, ReportJson& doc) {
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    return fmt::format("{}: byte {}: not JSON: {}", file, e.byte, e.what());
  } catch (const std::exception& e) {  // std::ios_base::failure: the read itself failed
    return fmt::format("{}: cannot read the report: {}", file, e.what());
  }
  const auto text = [&](const char* key) { return doc.contains(key) && doc[key].is_string() ? doc[key].get<std::string>() : ""; };
  if (!doc.is_object() || text("tool") != "racewin" || text("command") != "check" || !doc.contains("scenarios") ||
      !doc["scenarios"].is_array())
    return fmt::format("{}: not a report of 'racewin check --format json'", file);
  std::size_t k = 0;
  for (const auto& s : doc["scenarios"]) {
    ++k;
    if (std::string e = entry_problem(s); !e.empty()) {
      const bool named = s.is_object() && s.contains("name") && s["name"].is_string() && !has_control(s["name"].get<std::string>());
      return fmt::format("{}: scenario {}{}: {}", file, k, named ? fmt::format(" ('{}')", s["name"].get<std::string>()) : "", e);
    }
  }
  return {};
}

namespace {

// Reads one report and checks every field merge reads; returns an error message (one line,
// with the file name) or "".
std::string read_report(const std::string& file, json& doc) {
  // The type first: a folder would throw from the read, and a FIFO would block it.
  std::error_code ec;
  const auto st = std::filesystem::status(file, ec);
  if (st.type() == std::filesystem::file_type::not_found) return fmt::format("{}: cannot open the report: no such file", file);
  if (ec) return fmt::format("{}: cannot open the report: {}", file, ec.message());
  if (st.type() == std::filesystem::file_type::directory)
    return fmt::format("{}: is a directory, expected a JSON report of 'racewin check --format json'", file);
  if (st.type() != std::filesystem::file_type::regular)
    return fmt::format("{}: not a regular file: expected a JSON report of 'racewin check --format json'", file);
  std::ifstream in(file);
  if (!in) return fmt::format("{}: cannot open the report", file);
  return parse_report(in, file, doc);
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
  e.stated = x.value("verdict", "") != "none";
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
  return merge_reports(files, read_report, format, out, err);
}

int merge_reports(const std::vector<std::string>& files, const ReadReport& read, const std::string& format,
                  std::ostream& out, std::ostream& err) {
  std::map<std::string, std::vector<Part>> parts;  // by scenario file + name
  std::vector<std::string> order;
  std::uint64_t count = 0;
  std::string count_from;
  for (const auto& f : files) {
    json doc;
    if (std::string e = read(f, doc); !e.empty()) {
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
      std::size_t listed = 0;  // the first few: a line, not a page
      for (std::uint64_t i = 0; i < count; ++i)
        if (!have.contains(i) && listed++ < 8) missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", i, count);
      if (listed > 8) missing += fmt::format(" and {} more", listed - 8);
      err << fmt::format("racewin merge: scenario '{}': shard{} {} missing\n", name,
                         count - ps.size() == 1 ? "" : "s", missing);
      return kExitBadInput;
    }
    // A report without "symmetry" ran without it (the key is optional).
    const auto symmetry_on = [](const json& j) { return j.value("symmetry", json::object()).value("on", false); };
    for (const auto& p : ps)
      if (symmetry_on(p.scenario) != symmetry_on(first)) {
        err << fmt::format("racewin merge: {}: scenario '{}' ran with symmetry {}, but {} with it {}\n", p.file, name,
                           symmetry_on(p.scenario) ? "on" : "off", ps.front().file, symmetry_on(first) ? "on" : "off");
        return kExitBadInput;
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
