// models/scenario.cpp
#include "models/scenario.hpp"

#include <fmt/format.h>

namespace rw::models {

const char* era_name(Era e) { return e == Era::V2_6_24 ? "2.6.24" : "modern"; }

std::optional<Era> parse_era(std::string_view name) {
  for (Era e : {Era::V2_6_24, Era::Modern})
    if (name == era_name(e)) return e;
  return std::nullopt;
}

std::string Scenario::title() const {
  return multi_era() ? fmt::format("{} [{}]", name, era_name(era)) : name;
}

Scenario for_era(const Scenario& s, Era e) {
  Scenario out = s;
  out.era = e;
  for (std::size_t i = 0; i < s.eras.size(); ++i)
    if (s.eras[i] == e) out.expect = s.expects[i];
  return out;
}

std::vector<Scenario> per_era(const Scenario& s) {
  std::vector<Scenario> out;
  for (Era e : s.eras) out.push_back(for_era(s, e));
  return out;
}

}  // namespace rw::models
