// engine/memory.hpp: the resident-memory budget of a run (--max-memory). The search stops at the
// next execution once the process's resident set passes it, and ends `incomplete` with what it
// covered, like the other budgets; the check reads the kernel's count only every few hundred calls.
#pragma once
#include <cstdint>

namespace rw::engine {

// The process's resident memory now, in bytes (0 where the system does not say).
std::uint64_t resident_bytes();
// Sets the budget (0: none) and forgets that an earlier one was passed.
void set_memory_budget(std::uint64_t bytes);
std::uint64_t memory_budget();
// Whether the budget is passed; once it is, it stays passed until set_memory_budget.
bool past_memory_budget();

}  // namespace rw::engine
