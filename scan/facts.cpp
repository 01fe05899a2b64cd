// scan/facts.cpp
#include "scan/facts.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <thread>

namespace rw::scan {
namespace fs = std::filesystem;

namespace {
std::vector<std::string> split_tabs(std::string_view line) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const auto tab = line.find('\t', at);
    out.emplace_back(line.substr(at, tab == std::string_view::npos ? std::string_view::npos : tab - at));
    if (tab == std::string_view::npos) break;
    at = tab + 1;
  }
  return out;
}

int to_int(const std::string& s) {
  int v = 0;
  for (char c : s)
    if (std::isdigit(static_cast<unsigned char>(c))) v = v * 10 + (c - '0');
  return v;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Shell-quotes one word for popen.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += '\'';
  return out;
}
}  // namespace

std::vector<std::string> split_args(std::string_view args) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  bool quote = false;
  for (char c : args) {
    if (c == '"') quote = !quote;
    if (!quote && (c == '(' || c == '[' || c == '{')) ++depth;
    if (!quote && (c == ')' || c == ']' || c == '}')) --depth;
    if (!quote && c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!trim(cur).empty() || !out.empty()) out.push_back(trim(cur));
  return out;
}

std::string bare_name(std::string_view arg) {
  std::string s = trim(arg);
  // Drop casts and address-of: "(void *)&foo" -> "foo".
  for (;;) {
    if (!s.empty() && s.front() == '&') {
      s = trim(std::string_view(s).substr(1));
      continue;
    }
    if (!s.empty() && s.front() == '(') {
      const auto close = s.find(')');
      if (close != std::string::npos && close + 1 < s.size()) {
        s = trim(std::string_view(s).substr(close + 1));
        continue;
      }
    }
    break;
  }
  return s;
}

std::vector<std::string> Call::arg_list() const { return split_args(args); }
std::vector<std::string> Macro::arg_list() const { return split_args(args); }

void Facts::append(Facts&& o) {
  const auto move_all = [](auto& to, auto& from) { to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end())); };
  move_all(sites, o.sites);
  move_all(fields, o.fields);
  move_all(assigns, o.assigns);
  move_all(calls, o.calls);
  move_all(macros, o.macros);
  move_all(functions, o.functions);
}

Facts parse_facts(std::string_view text) {
  Facts f;
  std::size_t at = 0;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    const auto line = text.substr(at, nl - at);
    at = nl + 1;
    const auto t = split_tabs(line);
    const auto& kind = t[0];
    if (kind == "site" && t.size() >= 6) f.sites.push_back({t[1], to_int(t[2]), t[3], t[4], t[5] == "used"});
    else if (kind == "ops" && t.size() >= 7) f.fields.push_back({t[1], to_int(t[2]), t[3], t[4], t[5], trim(t[6])});
    else if (kind == "set" && t.size() >= 7) f.assigns.push_back({t[1], to_int(t[2]), trim(t[3]), t[4], trim(t[5]), t[6]});
    else if (kind == "call" && t.size() >= 6) f.calls.push_back({t[1], to_int(t[2]), t[3], t[4], t[5]});
    else if (kind == "macro" && t.size() >= 5) f.macros.push_back({t[1], to_int(t[2]), t[3], t[4]});
    else if (kind == "func" && t.size() >= 4) f.functions.push_back({t[1], to_int(t[2]), t[3]});
  }
  return f;
}

fs::path facts_cocci() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path() / ".." / "share" / "racewin" / "facts.cocci";
    if (fs::exists(installed, ec)) return installed;
  }
  return fs::path(RW_SCAN_COCCI_DIR) / "facts.cocci";
}

std::expected<Facts, std::string> read_facts(const std::vector<fs::path>& files, unsigned jobs,
                                             const std::function<void(std::size_t, std::size_t)>& progress) {
  const fs::path cocci = facts_cocci();
  std::error_code ec;
  if (!fs::exists(cocci, ec)) return std::unexpected(fmt::format("the semantic patch {} is missing", cocci.string()));
  if (std::system("command -v spatch >/dev/null 2>&1") != 0)
    return std::unexpected("spatch (Debian's coccinelle package) is not installed: run scripts/setup.sh --scan");
  // Batches of a few files: one spatch start-up each, small enough to share the work evenly.
  constexpr std::size_t kBatch = 8;
  std::vector<std::vector<fs::path>> batches;
  for (std::size_t i = 0; i < files.size(); i += kBatch)
    batches.emplace_back(files.begin() + static_cast<std::ptrdiff_t>(i),
                         files.begin() + static_cast<std::ptrdiff_t>(std::min(files.size(), i + kBatch)));
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mu;
  Facts all;
  std::string error;
  const auto worker = [&] {
    for (;;) {
      const std::size_t b = next.fetch_add(1);
      if (b >= batches.size()) return;
      std::string cmd = fmt::format("spatch --sp-file {} --very-quiet --no-includes --timeout 120", quoted(cocci.string()));
      for (const auto& f : batches[b]) {
        cmd += ' ';
        cmd += quoted(f.string());
      }
      cmd += " 2>/dev/null";
      std::string text;
      FILE* p = popen(cmd.c_str(), "r");
      if (p == nullptr) {
        std::lock_guard lock(mu);
        error = "cannot start spatch";
        return;
      }
      std::array<char, 65536> buf{};
      std::size_t n = 0;
      while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), n);
      const int status = pclose(p);
      Facts f = parse_facts(text);
      std::lock_guard lock(mu);
      if (status != 0 && f.sites.empty() && f.functions.empty() && error.empty())
        error = fmt::format("spatch failed on {}", batches[b].front().string());
      all.append(std::move(f));
      done += batches[b].size();
      if (progress) progress(done.load(), files.size());
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < std::max(1u, jobs); ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (!error.empty() && all.functions.empty()) return std::unexpected(error);
  return all;
}

}  // namespace rw::scan
