// models/userspace.cpp
#include "models/userspace.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace rw::models {
namespace {
// Far above any errno or count: kBase + message << 52 + module << 44 + payload (biased).
constexpr std::int64_t kBase = std::int64_t{1} << 62;
constexpr std::int64_t kBias = std::int64_t{1} << 43;

// strerror(3) of glibc for the errors delete_module returns.
const char* strerror_text(int err) {
  switch (err) {
    case EWOULDBLOCK: return "Resource temporarily unavailable";
    case EBUSY: return "Device or resource busy";
    case ENOENT: return "No such file or directory";
    case EPERM: return "Operation not permitted";
    default: return "Unknown error";
  }
}
}  // namespace

std::int64_t message_value(Message m, std::size_t module, std::int64_t payload) {
  return kBase + (static_cast<std::int64_t>(m) << 52) + (static_cast<std::int64_t>(module) << 44) + payload + kBias;
}

std::optional<std::string> message_text(std::int64_t value, const Scenario& s) {
  if (value < kBase) return std::nullopt;
  const std::int64_t v = value - kBase;
  const auto m = static_cast<Message>(v >> 52);
  const auto module = static_cast<std::size_t>((v >> 44) & 0xff);
  const std::int64_t payload = (v & ((std::int64_t{1} << 44) - 1)) - kBias;
  const int err = static_cast<int>(payload);
  if (module >= s.modules.size()) return std::nullopt;
  const std::string& name = s.modules[module].name;
  switch (m) {
    case Message::MitInUse: return fmt::format("ERROR: Module {} is in use", name);
    case Message::MitNotExist: return fmt::format("ERROR: Module {} does not exist in /proc/modules", name);
    case Message::MitRemoving: return fmt::format("ERROR: Removing '{}': {}", name, strerror_text(err));
    case Message::KmodInUse: return fmt::format("Module {} is in use", name);
    case Message::KmodNotLoaded: return fmt::format("Module {} is not currently loaded", name);
    case Message::KmodCouldNotRemove: return fmt::format("could not remove module {}: {}", name, strerror_text(err));
    case Message::UsedBy: return fmt::format("{}", payload);
    case Message::NotListed: return std::string("-");
  }
  return std::nullopt;
}

}  // namespace rw::models
