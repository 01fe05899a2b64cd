// cli/exit_codes.hpp: what racewin's exit status means, for every command (README "Exit status").
#pragma once

namespace rw::cli {

inline constexpr int kExitOk = 0;        // check: every scenario as expected; replay: it completed; merge: as expected
inline constexpr int kExitMismatch = 1;  // check/merge: some verdict differs from its expectation; replay: a violation
inline constexpr int kExitBadInput = 2;  // a flag, scenario file, schedule or report that cannot be used
inline constexpr int kExitInternal = 3;  // racewin itself failed: RW_REQUIRE / RW_ASSERT (shared/STYLE.md §6)
inline constexpr int kExitError = 4;     // check/merge: a search ended in an error verdict (--check-state found
                                         // two paths to one state with different futures, or a violation
                                         // did not reproduce): no verdict could be given
inline constexpr int kExitInterrupted = 5;  // check: SIGINT or SIGTERM stopped it; the report shows what was covered

}  // namespace rw::cli
