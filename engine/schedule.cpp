// engine/schedule.cpp
#include "engine/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace rw::engine {

std::string format_schedule(std::span<const FiberId> schedule, const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < schedule.size();) {
    std::size_t j = i;
    while (j < schedule.size() && schedule[j] == schedule[i]) ++j;
    if (!out.empty()) out += ' ';
    out += names.at(schedule[i]);
    if (j - i > 1) out += fmt::format("*{}", j - i);
    i = j;
  }
  return out;
}

std::expected<std::vector<FiberId>, ScheduleError> parse_schedule(
    std::string_view text, const std::vector<std::string>& names) {
  std::vector<FiberId> out;
  std::size_t i = 0;
  constexpr std::size_t kMaxSteps = 10'000'000;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == ',') { ++i; continue; }
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
           text[i] != ',' && text[i] != '*')
      ++i;
    const std::string_view name = text.substr(start, i - start);
    if (name.empty())
      return std::unexpected(ScheduleError{start + 1, "expected a fiber name before '*'"});
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      return std::unexpected(ScheduleError{
          start + 1, fmt::format("unknown fiber '{}' (expected one of: {})", name, known)});
    }
    std::size_t count = 1;
    if (i < text.size() && text[i] == '*') {
      const std::size_t num = ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      const auto [p, ec] = std::from_chars(text.data() + num, text.data() + i, count);
      const bool separated = i == text.size() || text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == ',';
      if (num == i || ec != std::errc{} || count == 0 || count > kMaxSteps || !separated)
        return std::unexpected(ScheduleError{num + 1, fmt::format(
            "expected a repeat count from 1 to {} after '{}*'", kMaxSteps, name)});
    }
    if (out.size() + count > kMaxSteps)
      return std::unexpected(ScheduleError{start + 1, fmt::format("schedule longer than {} steps", kMaxSteps)});
    out.insert(out.end(), count, static_cast<FiberId>(it - names.begin()));
  }
  if (out.empty()) return std::unexpected(ScheduleError{0, "empty schedule: expected fiber names"});
  return out;
}

}  // namespace rw::engine
