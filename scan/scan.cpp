// scan/scan.cpp
#include "scan/scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

namespace rw::scan {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kNeedles[] = {"try_module_get(THIS_MODULE)", "__module_get(THIS_MODULE)",
                                         "module_put(THIS_MODULE)", "module_put_and_kthread_exit(",
                                         "module_put_and_exit("};

bool mentions_site(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  return std::any_of(std::begin(kNeedles), std::end(kNeedles),
                     [&](std::string_view n) { return text.find(n) != std::string::npos; });
}

std::string source_line(const std::string& file, int line) {
  std::ifstream in(file);
  std::string l;
  for (int i = 1; std::getline(in, l); ++i)
    if (i == line) {
      const auto b = l.find_first_not_of(" \t");
      return b == std::string::npos ? "" : l.substr(b);
    }
  return "";
}

}  // namespace

std::expected<ScanResult, std::string> scan(const ScanOptions& o) {
  if (o.paths.empty()) return std::unexpected("no path to scan (expected a kernel tree, folders or C files)");
  // 1. The cheap pass: C files that mention a self-reference.
  std::vector<fs::path> sites;
  for (const auto& p : o.paths) {
    std::error_code ec;
    const auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return std::unexpected(fmt::format("{}: no such file or folder", p.string()));
    if (fs::is_regular_file(st)) {
      if (p.extension() != ".c") return std::unexpected(fmt::format("{}: not a C file (.c)", p.string()));
      if (mentions_site(p)) sites.push_back(p);
      continue;
    }
    if (!fs::is_directory(st)) return std::unexpected(fmt::format("{}: neither a file nor a folder", p.string()));
    for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end; it != end;
         it.increment(ec)) {
      if (ec) break;
      std::error_code fec;
      if (it->path().extension() == ".c" && it->is_regular_file(fec) && mentions_site(it->path()))
        sites.push_back(it->path());
    }
  }
  std::sort(sites.begin(), sites.end());
  sites.erase(std::unique(sites.begin(), sites.end()), sites.end());
  if (o.progress) o.progress(fmt::format("{} C files mention a self-reference", sites.size()));
  ScanResult r;
  r.files_with_sites = sites.size();
  if (sites.empty()) return r;
  // 2. Their modules (Kbuild objects) and the modules' other files.
  const ModuleMap modules = read_kbuild(sites);
  std::vector<fs::path> files;
  for (const auto& [m, fl] : modules.files_of)
    for (const auto& f : fl) files.emplace_back(f);
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  r.files_read = files.size();
  // 3. Coccinelle's facts, in parallel.
  const unsigned jobs = o.jobs != 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  auto facts = read_facts(files, jobs, [&](std::size_t done, std::size_t total) {
    if (o.progress) o.progress(fmt::format("spatch: {}/{} files", done, total));
  });
  if (!facts) return std::unexpected(facts.error());
  // 4. A verdict per site.
  if (o.progress) o.progress(fmt::format("checking {} sites", facts->sites.size()));
  r.findings = classify(*facts, modules);
  return r;
}

void write_report(const ScanResult& r, const std::string& format, std::ostream& out) {
  if (format == "json") {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& f : r.findings)
      j.push_back({{"file", f.site.file},
                   {"line", f.site.line},
                   {"function", f.site.function},
                   {"call", f.site.call},
                   {"module", f.module},
                   {"framework", f.framework},
                   {"via", f.via},
                   {"class", to_string(f.cls)},
                   {"verdict", f.verdict},
                   {"reason", f.reason},
                   {"fix", f.fix},
                   {"scenario", f.scenario_name}});
    nlohmann::ordered_json doc = {{"tool", "racewin"}, {"command", "scan"}, {"sites", j}};
    std::map<std::string, int> by_class;
    for (const auto& f : r.findings) ++by_class[to_string(f.cls)];
    doc["summary"] = by_class;
    out << doc.dump(2) << "\n";
    return;
  }
  if (format == "sarif") {
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (const auto& f : r.findings) {
      const std::string rule = fmt::format("racewin.{}", to_string(f.cls));
      results.push_back(
          {{"ruleId", rule},
           {"level", is_finding(f.cls) ? "error" : f.cls == Class::Unknown ? "warning" : "note"},
           {"message", {{"text", fmt::format("{}({}) in {} [{}: {}]: {}; {}{}", f.site.call, "THIS_MODULE", f.site.function,
                                              f.framework, to_string(f.cls), f.verdict, f.reason,
                                              f.fix.empty() ? "" : "; fix: " + f.fix)}}},
           {"locations",
            {{{"physicalLocation",
               {{"artifactLocation", {{"uri", f.site.file}}}, {"region", {{"startLine", f.site.line}}}}}}}}});
    }
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (const Class c : {Class::Unsafe, Class::Redundant, Class::HandOff, Class::Covered, Class::Uncovered, Class::Unknown})
      rules.push_back({{"id", fmt::format("racewin.{}", to_string(c))},
                       {"shortDescription", {{"text", fmt::format("self-reference: {}", to_string(c))}}}});
    nlohmann::ordered_json doc = {
        {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs", {{{"tool", {{"driver", {{"name", "racewin"}, {"informationUri", "https://example.invalid/racewin"}, {"rules", rules}}}}},
                   {"results", results}}}}};
    out << doc.dump(2) << "\n";
    return;
  }
  if (format == "coccicheck") {
    for (const auto& f : r.findings) {
      if (f.cls == Class::Redundant || f.cls == Class::Covered) continue;
      out << fmt::format("{}:{}: {}: {}(THIS_MODULE) in {}: {} ({}): {}{}\n", f.site.file, f.site.line,
                         is_finding(f.cls) ? "WARNING" : "INFO", f.site.call, f.site.function, to_string(f.cls), f.framework,
                         f.reason, f.fix.empty() ? "" : "; " + f.fix);
    }
    return;
  }
  // The table.
  std::size_t wl = 4, wf = 8, wfw = 9;
  for (const auto& f : r.findings) {
    wl = std::max(wl, fmt::format("{}:{}", f.site.file, f.site.line).size());
    wf = std::max(wf, f.site.function.size());
    wfw = std::max(wfw, f.framework.size());
  }
  out << fmt::format("{:<{}}  {:<{}}  {:<28}  {:<{}}  {:<10}  {:<37}  {}\n", "site", wl, "function", wf, "call", "framework",
                     wfw, "class", "verdict", "reason");
  for (const auto& f : r.findings)
    out << fmt::format("{:<{}}  {:<{}}  {:<28}  {:<{}}  {:<10}  {:<37}  {}\n", fmt::format("{}:{}", f.site.file, f.site.line),
                       wl, f.site.function, wf, f.site.call, f.framework, wfw, to_string(f.cls), f.verdict,
                       f.reason + (f.fix.empty() ? "" : "; fix: " + f.fix));
  std::map<std::string, int> by_class;
  for (const auto& f : r.findings) ++by_class[to_string(f.cls)];
  std::string summary;
  for (const auto& [c, n] : by_class) summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", n, c);
  out << fmt::format("\n{} sites in {} files ({} files read): {}\n", r.findings.size(), r.files_with_sites, r.files_read,
                     summary.empty() ? "none" : summary);
}

std::expected<std::size_t, std::string> emit_scenarios(const ScanResult& r, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return std::unexpected(fmt::format("{}: cannot create the folder: {}", dir.string(), ec.message()));
  std::size_t n = 0;
  for (const auto& f : r.findings) {
    if (f.scenario.empty()) continue;
    std::string text = fmt::format(
        "# Generated by racewin scan from {}:{}, in {}():\n#   {}\n# reached through {} ({}).\n# {}: {}\n# Check it again "
        "after editing: racewin check {}.toml\n",
        f.site.file, f.site.line, f.site.function, source_line(f.site.file, f.site.line), f.via, f.framework,
        to_string(f.cls), f.reason, f.scenario_name);
    // The expectation is the verdict racewin found, so that the file checks as written.
    std::string body = f.scenario;
    if (!f.found_kind.empty()) {
      const auto at = body.rfind("verdict = \"safe\"");
      if (at != std::string::npos)
        body.replace(at, 16, fmt::format("verdict = \"violation\"\nkind    = \"{}\"", f.found_kind));
    }
    std::ofstream out(dir / (f.scenario_name + ".toml"));
    if (!out) return std::unexpected(fmt::format("{}: cannot write", (dir / (f.scenario_name + ".toml")).string()));
    out << text << body;
    ++n;
  }
  return n;
}

}  // namespace rw::scan
