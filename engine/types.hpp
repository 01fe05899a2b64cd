// engine/types.hpp: the vocabulary shared by model code and the explorer: fibers, objects,
// access kinds and step labels. Knows nothing of what the objects mean.
#pragma once
#include <cstdint>
#include <string_view>

namespace rw::engine {

using FiberId = std::uint32_t;
using ObjectId = std::uint32_t;
inline constexpr ObjectId kNoObject = ~ObjectId{0};

// What a step does to the object it names. Partial-order reduction reads these: two steps
// conflict when they touch the same object and at least one of them is not a Read.
enum class Access : std::uint8_t { Read, Write, ReadModifyWrite, Lock, Unlock };
std::string_view to_string(Access a);

constexpr std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

// A human label for a step or a model function. Its id (a hash of the text) is what the
// visited-state cache sees of a fiber's position, so two sites in one function need two texts.
// A literal converts at compile time; text built at run time (for example from a scenario
// file) uses Label::runtime and must outlive every execution that uses it.
struct Label {
  const char* text = "";
  std::uint64_t id = 0;
  consteval Label(const char* t) : text(t), id(fnv1a(t)) {}  // NOLINT: implicit on purpose
  static Label runtime(const char* t) { return Label(t, fnv1a(t)); }
  constexpr Label() = default;

 private:
  constexpr Label(const char* t, std::uint64_t i) : text(t), id(i) {}
};

}  // namespace rw::engine
