// cli/scenario_input.cpp: a scenario from a file or from standard input (scenario_input.hpp).
#include "cli/scenario_input.hpp"

#include <fmt/format.h>

namespace rw::cli {

std::expected<models::Scenario, models::InputError> read_scenario(const std::string& path, std::istream& in) {
  if (path != "-") return models::load_scenario(path);
  std::string text(models::kMaxScenarioBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad())
    return std::unexpected(models::InputError{.file = kStdinName, .message = "cannot read standard input"});
  if (text.size() > models::kMaxScenarioBytes)
    return std::unexpected(models::InputError{
        .file = kStdinName, .message = fmt::format("is larger than {} MiB: not a scenario", models::kMaxScenarioBytes >> 20)});
  return models::parse_scenario(text, kStdinName);
}

}  // namespace rw::cli
