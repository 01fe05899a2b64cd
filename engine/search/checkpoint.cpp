// engine/search/checkpoint.cpp: writing and reading a search's checkpoint (checkpoint.hpp).
#include "engine/search/checkpoint.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "engine/bytes.hpp"

namespace rw::engine::detail {

namespace {

constexpr std::string_view kMagic = "racewin checkpoint 1\n";

std::uint64_t fnv1a(std::string_view data) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : data) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

void put(ByteWriter& w, const UnitResult& u) {
  for (std::uint64_t v : {u.executions, u.complete, u.pruned, u.steps, u.state_checks, std::uint64_t{u.max_depth},
                          std::uint64_t{u.bound_cut}, std::uint64_t{u.step_bound_hit}, std::uint64_t{u.execution_bound_hit},
                          std::uint64_t{u.violation_wanted}})
    w.u64(v);
  w.u64(u.outcomes.size());
  for (const auto& [text, n] : u.outcomes) {
    w.str(text);
    w.u64(n);
  }
  w.u64(u.violation.has_value());
  if (u.violation) {
    w.str(u.violation->kind);
    w.str(u.violation->message);
    w.u64(u.violation->fiber);
    w.u64(u.violation->execution);
    w.u64(u.violation->preemptions);
    w.words(std::vector<std::uint64_t>(u.violation_schedule.begin(), u.violation_schedule.end()));
  }
  w.u64(u.other_kinds.size());
  for (const auto& k : u.other_kinds) w.str(k);
  w.str(u.error);
}

UnitResult get(ByteReader& r) {
  UnitResult u;
  u.executions = r.u64();
  u.complete = r.u64();
  u.pruned = r.u64();
  u.steps = r.u64();
  u.state_checks = r.u64();
  u.max_depth = static_cast<std::uint32_t>(r.u64());
  u.bound_cut = r.u64() != 0;
  u.step_bound_hit = r.u64() != 0;
  u.execution_bound_hit = r.u64() != 0;
  u.violation_wanted = r.u64() != 0;
  const std::uint64_t outcomes = r.count(2 * sizeof(std::uint64_t));
  for (std::uint64_t i = 0; i < outcomes && r.ok(); ++i) {
    std::string text = r.str();
    u.outcomes[std::move(text)] = r.u64();
  }
  if (r.u64() != 0) {
    Violation v;
    v.kind = r.str();
    v.message = r.str();
    v.fiber = static_cast<FiberId>(r.u64());
    v.execution = r.u64();
    v.preemptions = static_cast<std::uint32_t>(r.u64());
    for (std::uint64_t f : r.words()) u.violation_schedule.push_back(static_cast<FiberId>(f));
    u.violation = std::move(v);
  }
  const std::uint64_t kinds = r.count(sizeof(std::uint64_t));
  for (std::uint64_t i = 0; i < kinds && r.ok(); ++i) u.other_kinds.push_back(r.str());
  u.error = r.str();
  return u;
}

// The file's body, once its header and checksum are right.
std::optional<std::string> read_body(const std::string& path, const std::string& identity, std::string& body) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("cannot read the checkpoint '{}'", path);
  std::ostringstream all;
  all << in.rdbuf();
  const std::string data = std::move(all).str();
  if (!data.starts_with(kMagic)) return fmt::format("'{}' is not a racewin checkpoint", path);
  ByteReader head(std::string_view(data).substr(kMagic.size(), 2 * sizeof(std::uint64_t)));
  const std::uint64_t size = head.u64(), sum = head.u64();
  const std::size_t at = kMagic.size() + 2 * sizeof(std::uint64_t);
  if (!head.ok() || data.size() != at + size || fnv1a(std::string_view(data).substr(at)) != sum)
    return fmt::format("the checkpoint '{}' is damaged or incomplete (its checksum does not match)", path);
  body = data.substr(at);
  ByteReader r(body);
  if (r.str() != identity)
    return fmt::format("the checkpoint '{}' belongs to another search (another scenario, era or search flags)", path);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> save_checkpoint(const std::string& path, const std::string& identity, const UnitsDone& done,
                                           const SharedCache* cache) {
  ByteWriter w;
  w.str(identity);
  w.u64(done.taken);
  w.u64(done.executions);
  w.u64(done.results.size());
  for (const auto& u : done.results) put(w, u);
  w.u64(cache != nullptr);
  if (cache != nullptr) cache->save(w);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ByteWriter head;
    head.u64(w.data().size());
    head.u64(fnv1a(w.data()));
    out << kMagic << head.data() << w.data();
    out.flush();
    if (!out) return fmt::format("cannot write the checkpoint '{}'", tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fmt::format("cannot write the checkpoint '{}': {}", path, ec.message());
  return std::nullopt;
}

std::optional<std::string> checkpoint_problem(const std::string& path, const std::string& identity) {
  std::string body;
  return read_body(path, identity, body);
}

std::optional<std::string> load_checkpoint(const std::string& path, const std::string& identity, UnitsDone& done,
                                           SharedCache* cache) {
  std::string body;
  if (auto problem = read_body(path, identity, body)) return problem;
  ByteReader r(body);
  r.str();
  done.taken = r.u64();
  done.executions = r.u64();
  const std::uint64_t n = r.count(10 * sizeof(std::uint64_t));
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) done.results.push_back(get(r));
  const bool has_cache = r.u64() != 0;
  if (has_cache != (cache != nullptr) || (cache != nullptr && !cache->load(r)) || !r.done() || done.taken != n)
    return fmt::format("the checkpoint '{}' does not hold a search racewin can go on with", path);
  return std::nullopt;
}

}  // namespace rw::engine::detail
