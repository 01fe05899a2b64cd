// cli/replay.cpp: `racewin replay FILE --schedule '...' [--kernel ERA]`.
#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/report.hpp"
#include "cli/scenario_input.hpp"
#include "engine/explorer.hpp"
#include "engine/schedule.hpp"
#include "models/kernel_program.hpp"
#include "models/scenario_file.hpp"

namespace rw::cli {

int replay(const ReplayArgs& args, std::ostream& out, std::ostream& err) {
  const std::string& file = args.file;
  auto s = read_scenario(file, *args.in);
  if (!s) {
    err << s.error().to_string() << '\n';
    return kExitBadInput;
  }
  if (!args.kernel.empty()) {
    const auto era = models::parse_era(args.kernel);
    if (!era || std::find(s->eras.begin(), s->eras.end(), *era) == s->eras.end()) {
      std::string listed;
      for (auto e : s->eras) listed += fmt::format("{}{}", listed.empty() ? "" : ", ", models::era_name(e));
      err << file << ": --kernel " << args.kernel << ": the scenario runs in " << listed << '\n';
      return kExitBadInput;
    }
    *s = models::for_era(*s, *era);
  } else if (s->multi_era()) {
    err << file << ": the scenario runs in several kernel eras: choose one with --kernel 2.6.24 or --kernel modern\n";
    return kExitBadInput;
  }
  models::KernelProgram program(*s);
  const auto& names = program.fiber_names();
  auto schedule = engine::parse_schedule(args.schedule, names);
  if (!schedule) {
    err << file << ": --schedule" << (schedule.error().column ? fmt::format(": column {}", schedule.error().column) : "")
        << ": " << schedule.error().message << '\n';
    return kExitBadInput;
  }
  const std::string initial = program.watch();
  std::vector<std::string> objects;
  for (const auto& o : program.objects()) objects.push_back(o.name);
  auto result = engine::replay(program, *schedule, args.complete);
  if (!result) {
    const bool short_prefix = result.error().message.starts_with("the schedule ends after");
    err << file << ": --schedule: " << result.error().message
        << (short_prefix ? "; add --complete to finish it with the first schedule that fits" : "") << '\n';
    return kExitBadInput;
  }
  const std::string kind = result->violation ? result->violation->kind : "";
  if (args.format == "json") {
    nlohmann::ordered_json doc;
    doc["tool"] = "racewin";
    doc["command"] = "replay";
    doc["name"] = s->name;
    doc["kernel"] = models::era_name(s->era);
    doc["file"] = file;
    doc["schedule"] = engine::format_schedule(result->schedule, names);
    if (args.complete) doc["prefix_steps"] = schedule->size();
    doc["steps"] = result->schedule.size();
    doc["preemptions"] = result->preemptions;
    if (result->violation) {
      doc["verdict"] = "violation";
      doc["violation"] = {{"kind", kind}, {"message", result->violation->message},
                          {"fiber", names.at(result->violation->fiber)}};
    } else {
      doc["verdict"] = "complete";
      doc["outcome"] = result->outcome;
    }
    doc["trace"] = trace_json(result->trace, names, objects);
    out << doc.dump(2) << '\n';
  } else {
    out << fmt::format("replay of {} ({}): {} steps, {} preemption{}\n", s->title(), file, result->schedule.size(),
                       result->preemptions, result->preemptions == 1 ? "" : "s");
    if (args.complete)
      out << fmt::format("the prefix's {} steps, then the first schedule that fits: --schedule '{}'\n", schedule->size(),
                         engine::format_schedule(result->schedule, names));
    out << '\n';
    out << swimlane(result->trace, names, initial, kind, report_width(args.width, out));
    if (result->violation)
      out << fmt::format("\nviolation {}: {}\n", kind, result->violation->message);
    else
      out << "\ncomplete: " << result->outcome << '\n';
  }
  return result->violation ? kExitMismatch : kExitOk;
}

}  // namespace rw::cli
