// cli/scenario_input.hpp: where `check` and `replay` read a scenario from: a file, or standard
// input for `-` (named <stdin> in messages and reports), with the same size limit.
#pragma once
#include <expected>
#include <istream>
#include <string>

#include "models/scenario_file.hpp"

namespace rw::cli {

inline constexpr const char* kStdinName = "<stdin>";
std::expected<models::Scenario, models::InputError> read_scenario(const std::string& path, std::istream& in);

}  // namespace rw::cli
