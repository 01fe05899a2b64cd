// engine/trace.hpp: what one execution did, step by step, and how it ended.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/types.hpp"

namespace rw::engine {

struct TraceStep {
  FiberId fiber = 0;
  std::string label;
  ObjectId object = kNoObject;
  Access access = Access::Read;
  std::string detail;       // what the model noted while taking the step
  std::string where;        // file:line of the model code that announced the step
  std::string watch;        // Program::watch() after the step
  std::uint64_t window = 0; // bit f set: fiber f was inside a race window after the step
  bool atomic = false;       // taken inside an atomic section (no other fiber could run)
  bool operator==(const TraceStep&) const = default;
};

struct Violation {
  std::string kind;          // opaque to the engine; models name them
  std::string message;
  FiberId fiber = 0;         // the fiber whose step raised it
  std::vector<FiberId> schedule;  // the fiber picked at every schedule point, in order
  std::vector<TraceStep> trace;   // filled when the schedule is re-run with tracing
  std::uint64_t execution = 0;    // 1-based index of the execution that found it
  std::uint32_t preemptions = 0;
};

}  // namespace rw::engine
