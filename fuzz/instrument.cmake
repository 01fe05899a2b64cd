# fuzz/instrument.cmake: what RW_FUZZ=ON changes for the whole build, included before any target:
# libFuzzer's coverage hooks in every object (only fuzz/'s targets link libFuzzer's main), and
# std::expected and std::source_location for clang 14 with libstdc++ 12 (fuzz/compat/).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "RW_FUZZ=ON needs clang++ (cmake --preset fuzz), not ${CMAKE_CXX_COMPILER_ID}")
endif()
add_compile_options(-fsanitize=fuzzer-no-link)
include_directories(BEFORE SYSTEM ${CMAKE_CURRENT_LIST_DIR}/compat)  # -isystem: still before the standard library
