// tests/models/scenario_load_test.cpp: what the scenario reader accepts from the models' own
// tables: every violation kind the models can raise (models/violations.hpp), and the eras.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "models/scenario_file.hpp"
#include "models/violations.hpp"

namespace rw::models {
namespace {

std::string expecting(std::string_view kind) {
  return "name = \"t\"\nkernel = \"modern\"\n[module.chardev]\nfops.owner = \"NULL\"\n"
         "[fiber.opener]\nrun = [\"open /dev/chardev\", \"close\"]\n"
         "[expect]\nverdict = \"violation\"\nkind = \"" + std::string(kind) + "\"\n";
}

TEST(ExpectKind, EveryKindTheModelsRaiseLoads) {
  for (const auto& v : kViolationKinds) {
    const auto s = parse_scenario(expecting(v.kind), "t.toml");
    ASSERT_TRUE(s.has_value()) << v.kind << ": " << s.error().to_string();
    EXPECT_EQ(s->expect.kind, v.kind);
    EXPECT_FALSE(v.meaning.empty()) << v.kind;
    EXPECT_FALSE(v.raised_by.empty()) << v.kind;
  }
}

TEST(ExpectKind, KernelWarnLoads) {  // raised by SteppedHooks' default warn; it used to exit 2
  const auto s = parse_scenario(expecting(kKernelWarn), "t.toml");
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  EXPECT_EQ(s->expect.kind, "kernel-warn");
}

TEST(ExpectKind, AnUnknownKindIsRefusedNamingEveryKindOfTheTable) {
  const auto s = parse_scenario(expecting("use-after-free"), "t.toml");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().line, 9);
  EXPECT_TRUE(s.error().message.starts_with("unknown violation kind \"use-after-free\" (expected: "))
      << s.error().message;
  for (const auto& v : kViolationKinds)
    EXPECT_NE(s.error().message.find(fmt::format("\"{}\"", v.kind)), std::string::npos) << v.kind;
}

TEST(ParseEra, ReadsBackWhatEraNameWrites) {
  for (Era e : {Era::V2_6_24, Era::Modern}) EXPECT_EQ(parse_era(era_name(e)), e) << era_name(e);
  EXPECT_EQ(parse_era("2.6"), std::nullopt);
  EXPECT_EQ(parse_era("Modern"), std::nullopt);
  EXPECT_EQ(parse_era(""), std::nullopt);
}

}  // namespace
}  // namespace rw::models
