// engine/schedule.hpp: schedules as people read and write them: fiber names in order, with
// runs compressed ("reader*12 writer*15 reader").
#pragma once
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types.hpp"

namespace rw::engine {

std::string format_schedule(std::span<const FiberId> schedule, const std::vector<std::string>& names);

struct ScheduleError {
  std::size_t column = 0;  // 1-based position in the schedule text; 0 when it is about the whole
  std::string message;
};
// Accepts names separated by spaces, each optionally followed by *N (N >= 1).
std::expected<std::vector<FiberId>, ScheduleError> parse_schedule(
    std::string_view text, const std::vector<std::string>& names);

}  // namespace rw::engine
