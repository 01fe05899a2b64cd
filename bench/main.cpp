// bench/main.cpp: Catch2's main for racewin_bench; the benchmarks are in the other files here.
// CATCH_CONFIG_ENABLE_BENCHMARKING comes from bench/CMakeLists.txt, for every file alike.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
