// engine/require.hpp: RW_REQUIRE (a model misused the engine) and RW_ASSERT (an engine bug).
// Both stay on in release builds, print what went wrong and where, and exit with status 3.
#pragma once
#include <fmt/format.h>

#include <source_location>
#include <string>

namespace rw::engine {
[[noreturn]] void fatal(const char* what, const std::string& message, std::source_location where);
}

#define RW_REQUIRE(cond, ...)                                                                \
  do {                                                                                       \
    if (!(cond)) [[unlikely]]                                                                \
      ::rw::engine::fatal("engine misused", ::fmt::format(__VA_ARGS__),                      \
                          std::source_location::current());                                 \
  } while (false)

#define RW_ASSERT(cond, ...)                                                                 \
  do {                                                                                       \
    if (!(cond)) [[unlikely]]                                                                \
      ::rw::engine::fatal("engine bug", ::fmt::format(__VA_ARGS__),                          \
                          std::source_location::current());                                 \
  } while (false)
