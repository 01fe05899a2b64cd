// cli/app.hpp: the racewin command line, callable from tests with its own streams.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "cli/exit_codes.hpp"

namespace rw::cli {

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// The same, with `in` as standard input (a scenario named `-`).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, std::istream& in);

}  // namespace rw::cli
