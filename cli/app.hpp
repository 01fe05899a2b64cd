// cli/app.hpp: the racewin command line, callable from tests with its own streams.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace rw::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitMismatch = 1;  // check: a verdict differs from its expectation; replay: violation
inline constexpr int kExitBadInput = 2;

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace rw::cli
