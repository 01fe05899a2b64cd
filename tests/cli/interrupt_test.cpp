// tests/cli/interrupt_test.cpp: SIGINT and SIGTERM stop `racewin check` at the search's next
// step; it prints the report of what was covered (verdict incomplete, reason interrupted) and
// exits 5, skipping the scenarios it had not begun.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "cli/exit_codes.hpp"
#include "support/cli_run.hpp"

namespace rw::cli {
namespace {

// Sends `sig` to this process once `racewin check` has installed its handler, and a moment later.
std::thread signal_when_running(int sig) {
  return std::thread([sig] {
    for (int i = 0; i < 10'000; ++i) {
      struct sigaction cur{};
      sigaction(sig, nullptr, &cur);
      if (cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::raise(sig);
  });
}

TEST(CliInterrupt, ASignalStopsTheSearchAndPrintsWhatItCovered) {
  std::filesystem::current_path(RW_SOURCE_DIR);
  for (const int sig : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(sig == SIGINT ? "SIGINT" : "SIGTERM");
    // Without reduction and cache, three openers take minutes: the signal comes first. The second
    // file is never begun.
    std::thread t = signal_when_running(sig);
    const auto r = rw::testing::racewin({"check", "scenarios/owner_pin_three_openers.toml", "scenarios/lkmpg_chardev.toml",
                                         "--reduction", "none", "--no-state-cache", "--jobs", "2", "--no-timing"});
    t.join();
    EXPECT_EQ(r.code, kExitInterrupted) << r.err;
    EXPECT_NE(r.out.find("incomplete: interrupted (SIGINT or SIGTERM)"), std::string::npos) << r.out.substr(0, 2000);
    EXPECT_EQ(r.out.find("lkmpg_chardev"), std::string::npos);
    EXPECT_NE(r.err.find("2 scenarios not checked"), std::string::npos) << r.err;
    // The handler is gone afterwards: the process's own disposition is back.
    struct sigaction cur{};
    sigaction(sig, nullptr, &cur);
    EXPECT_EQ(cur.sa_handler, SIG_DFL);
  }
}

}  // namespace
}  // namespace rw::cli
