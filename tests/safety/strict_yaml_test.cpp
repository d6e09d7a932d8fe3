#include "safety/strict_yaml.hpp"

#include <gtest/gtest.h>

namespace eks::safety::yaml {
namespace {

// Found by fuzzing: the parser's diagnostics were never released after an error (LeakSanitizer reports the leak
// in the asan build).
TEST(StrictYaml, RefusesMalformedYamlWithoutLeaking) {
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(parse_strict_all("a: 1\nb: {c: 1 d: 2}\n"));
}

// Found by fuzzing: libfyaml 0.7.12 scans a malformed directive without end; directives are refused first.
TEST(StrictYaml, RefusesDirectives) {
  for (const char* text : {"%YAM2\x84\x02", "\r%%%\x06", "%YAML 1.2\n---\na: 1\n", "a: 1\n---\n%TAG ! tag:x,2000:\n"}) {
    const auto docs = parse_strict_all(text);
    ASSERT_FALSE(docs) << text;
    EXPECT_NE(docs.error().find("directives"), std::string::npos) << docs.error();
  }
  EXPECT_TRUE(parse_strict_all("a: |\n  %not a directive\n"));
}

}  // namespace
}  // namespace eks::safety::yaml
