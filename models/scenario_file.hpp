// models/scenario_file.hpp: reads a scenario from TOML (shared/STYLE.md §4, scenarios/README.md);
// the reader itself is models/scenario/. Never throws for bad input and never exits: the first problem comes back as an InputError.
#pragma once
#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>

#include "models/scenario.hpp"

namespace rw::models {

struct InputError {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem concerns the whole file
  int column = 0;  // 1-based; 0 when unknown
  std::string message;
  std::string to_string() const;
};

// A scenario is a few kilobytes; anything larger is not one, and is not read past this.
inline constexpr std::size_t kMaxScenarioBytes = std::size_t{1} << 20;

// Refuses what is not a regular file (a FIFO, a device) before opening it, and a file larger
// than kMaxScenarioBytes; InputError::to_string shows control characters as escapes (\x1b, \n).
std::expected<Scenario, InputError> load_scenario(const std::filesystem::path& path);
std::expected<Scenario, InputError> parse_scenario(std::string_view text, const std::string& file);

}  // namespace rw::models
