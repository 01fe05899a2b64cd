// fuzz/statements_fuzz.cpp: the statement parser of module code (models/scenario/
// statements_parse.cpp) on arbitrary statements. The input's first byte picks the function whose
// body it is (an fops callback, init, exit, a thread function or a work function, each read under
// its own rules); its lines are the statements, quoted into the scenario kTemplate as TOML
// strings, which is read as `racewin check` reads a file. An InputError is a clean answer.
#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

namespace {

// Two modules, so that statements may name another one; every slot {0}..{4} is a body.
constexpr std::string_view kTemplate = R"toml(name = "statements_fuzz"
kernel = ["2.6.24", "modern"]

[module.crypto]
register = "none"
export.encrypt = ["work", "return 0"]

[module.chardev]
register = "register_chrdev"
fops.owner = "NULL"
fops.open = {0}
fops.release = ["return 0"]
init = {1}
exit = {2}
kthread.worker = {3}
work.job = {4}

[fiber.insmod]
setup = ["insmod crypto", "insmod chardev"]
run = ["lsmod chardev"]

[fiber.opener]
run = ["open /dev/chardev", "close"]

[fiber.kthread]
run = ["kthread chardev.worker"]

[fiber.kworker]
run = ["work chardev.job"]

[fiber.rmmod]
run = ["rmmod chardev"]

[expect]
verdict = "safe"
)toml";

// The bodies each slot has when the input is not in it: each one valid where it stands.
constexpr std::array<std::string_view, 5> kDefaults = {
    R"x(["return 0"])x", R"x(["schedule_work(job)", "return 0"])x", R"x(["work"])x", R"x(["return 0"])x",
    R"x(["work"])x"};

// One line as a TOML basic string: quotes, backslashes and control characters escaped. Bytes
// that are not UTF-8 stay as they are, and the TOML reader refuses them, as it would in a file.
std::string toml_string(std::string_view line) {
  std::string out = "\"";
  for (const char ch : line) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') out += fmt::format("\\{}", ch);
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\u{:04x}", u);
    else out += ch;
  }
  return out + "\"";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t slot = data[0] % kDefaults.size();
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string body = "[";
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    body += (body.size() > 1 ? ", " : "") + toml_string(text.substr(at, end - at));
    at = end + 1;
  }
  body += "]";
  std::array<std::string, 5> slots;
  for (std::size_t i = 0; i < slots.size(); ++i) slots[i] = i == slot ? body : std::string(kDefaults[i]);
  const std::string scenario = fmt::format(fmt::runtime(kTemplate), slots[0], slots[1], slots[2], slots[3], slots[4]);
  const auto s = rw::models::parse_scenario(scenario, "statements_fuzz.toml");
  if (!s) {
    (void)s.error().to_string();
    return 0;
  }
  for (const auto era : s->eras) {
    const rw::models::KernelProgram program(rw::models::for_era(*s, era));
    (void)program.fiber_names();
  }
  return 0;
}
