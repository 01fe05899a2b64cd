// cli/merge.hpp: combines the JSON reports of a sharded check into one verdict per scenario.
#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace rw::cli {

// Exit status as for check: 0 every scenario as expected, 1 some not, 2 bad input (a report that
// cannot be read, shards that do not fit together or are missing).
int merge(const std::vector<std::string>& files, const std::string& format, std::ostream& out, std::ostream& err);

}  // namespace rw::cli
