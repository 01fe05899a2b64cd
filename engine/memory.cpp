// engine/memory.cpp: the resident-memory budget (memory.hpp), from /proc/self/statm on Linux.
#include "engine/memory.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace rw::engine {
namespace {
std::atomic<std::uint64_t> g_budget{0};
std::atomic<bool> g_passed{false};
}  // namespace

std::uint64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

void set_memory_budget(std::uint64_t bytes) {
  g_budget.store(bytes, std::memory_order_relaxed);
  g_passed.store(false, std::memory_order_relaxed);
}

std::uint64_t memory_budget() { return g_budget.load(std::memory_order_relaxed); }

bool past_memory_budget() {
  const std::uint64_t budget = g_budget.load(std::memory_order_relaxed);
  if (budget == 0) return false;
  if (g_passed.load(std::memory_order_relaxed)) return true;
  thread_local std::uint32_t calls = 0;
  if (++calls % 256 != 1) return false;  // reading the count costs a few microseconds
  if (resident_bytes() <= budget) return false;
  g_passed.store(true, std::memory_order_relaxed);
  return true;
}

}  // namespace rw::engine
