#include "safety/strict_yaml.hpp"

#include <string>

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

// Found by fuzzing: libfyaml 0.7.12 leaks memory formatting a single-quoted scalar that holds a run of '' escapes
// (LeakSanitizer reports it in the asan build) and misreads one over several lines ("x '''\n" for 'x\n  ''''\n\n
// y'); the strict reader decodes single-quoted scalars itself.
TEST(StrictYaml, ReadsRunsOfQuotesInSingleQuotedScalars) {
  const std::string quotes(400, '\'');
  const auto one_line = parse_strict_all("a: '" + quotes + quotes + "'\n");
  ASSERT_TRUE(one_line) << one_line.error();
  EXPECT_EQ((*one_line)[0], (nlohmann::json{{"a", quotes}}));
  const auto lines = parse_strict_all("a: 'x\n  " + quotes + quotes + "\n\n  y'\n");
  ASSERT_TRUE(lines) << lines.error();
  EXPECT_EQ((*lines)[0], (nlohmann::json{{"a", "x " + quotes + "\ny"}}));
}

TEST(StrictYaml, FoldsSingleQuotedScalarsAsYamlDoes) {
  EXPECT_EQ(single_quoted_text("it''s"), "it's");
  EXPECT_EQ(single_quoted_text("  kept  "), "  kept  ");
  EXPECT_EQ(single_quoted_text(" a  \n   b "), " a b ");
  EXPECT_EQ(single_quoted_text("a\n\n \n  b"), "a\n\nb");
  EXPECT_EQ(single_quoted_text("a\r\n\tb\rc"), "a b c");
  EXPECT_EQ(single_quoted_text("''\n  ''"), "' '");
  EXPECT_EQ(single_quoted_text("x\n  "), "x ");
  EXPECT_EQ(single_quoted_text("a\r\n "), "a ");                 // libfyaml: "a\n"
  EXPECT_EQ(single_quoted_text("x\n  ''''\n\n  y"), "x ''\ny");  // libfyaml: "x '''\n"
  EXPECT_EQ(single_quoted_text(""), "");
}

}  // namespace
}  // namespace eks::safety::yaml
