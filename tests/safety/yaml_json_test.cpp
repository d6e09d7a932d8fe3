#include "safety/yaml_json.hpp"

#include <gtest/gtest.h>

namespace eks::safety::yaml {
namespace {

// Found by fuzzing: yaml-cpp's LoadAll loops without end, its memory growing, on a document opening with ','.
TEST(YamlJson, RefusesADocumentOpeningWithAFlowIndicator) {
  for (const char* text : {",", ", \"a\": {\"b\": 1", "a: 1\n---\n# c\n,", "--- ]", "}"}) {
    const auto docs = parse_all(text);
    EXPECT_FALSE(docs) << text;
  }
  EXPECT_FALSE(parse_all(std::string("\0,", 2)));  // a NUL is nothing to yaml-cpp: this loops as "," does
  EXPECT_FALSE(parse_all("&a ,"));                 // after an anchor or a tag too
  EXPECT_FALSE(parse_all("!b ,,,i"));
  const auto docs = parse_all("a: [1, 2]\n---\n{b: 1, c: [x, y]}\n--- [3]\n");
  ASSERT_TRUE(docs) << docs.error();
  EXPECT_EQ(docs->size(), 3u);
}

}  // namespace
}  // namespace eks::safety::yaml
