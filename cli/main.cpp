// cli/main.cpp: the racewin binary.
#include <iostream>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return rw::cli::run(args, std::cout, std::cerr);
}
