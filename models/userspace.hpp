// models/userspace.hpp: what the userspace tools print (shared/KERNEL.md §8). An outcome holds
// numbers; a tool's message is a number that reads back as its text.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "models/scenario.hpp"

namespace rw::models {

enum class Message : std::uint8_t {
  MitInUse = 1,        // module-init-tools: "ERROR: Module %s is in use"
  MitNotExist,         // "ERROR: Module %s does not exist in /proc/modules"
  MitRemoving,         // "ERROR: Removing '%s': %s" (strerror)
  KmodInUse,           // kmod: "Module %s is in use"
  KmodNotLoaded,       // "Module %s is not currently loaded"
  KmodCouldNotRemove,  // "could not remove module %s: %s"
  UsedBy,              // lsmod: the "Used by" count, as /proc/modules prints it
  NotListed,           // lsmod: no line for the module ("-")
};

// `payload`: an errno (positive) for the messages that print one, the count for UsedBy.
std::int64_t message_value(Message m, std::size_t module, std::int64_t payload = 0);
// The text of a value made by message_value, naming the scenario's module; nullopt for others.
std::optional<std::string> message_text(std::int64_t value, const Scenario& s);

}  // namespace rw::models
