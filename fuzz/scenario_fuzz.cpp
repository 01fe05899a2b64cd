// fuzz/scenario_fuzz.cpp: the scenario reader (models/scenario_file.hpp) on arbitrary bytes, as
// `racewin check` reads a file's text, then the program each era of an accepted scenario builds.
// An InputError is a clean answer; a crash, a sanitizer report or an escaping exception is not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.size() > rw::models::kMaxScenarioBytes) return 0;  // load_scenario refuses it unread
  const auto s = rw::models::parse_scenario(text, "fuzz.toml");
  if (!s) {
    (void)s.error().to_string();  // the message check prints
    return 0;
  }
  for (const auto era : s->eras) {
    const rw::models::KernelProgram program(rw::models::for_era(*s, era));
    (void)program.fiber_names();
  }
  return 0;
}
