// The tool list as a host sees it: every tool declares its schemas and annotations, every call is audited.
#include <gtest/gtest.h>

#include "tests/tools/fixtures.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;

TEST_F(ApplicationTest, EveryCallIsAudited) {
  call("server_status");
  const auto recent = application_->audit->recent(10);
  ASSERT_FALSE(recent.empty());
  EXPECT_NE(recent.back().dump().find("server_status"), std::string::npos);
}

TEST_F(ApplicationTest, EveryToolDeclaresSchemasAndAnnotations) {
  const auto tools = application_->dispatcher->tool_definitions("2025-11-25");
  ASSERT_FALSE(tools.empty());
  for (const auto& t : tools) {
    EXPECT_FALSE(t["title"].get<std::string>().empty()) << t["name"];
    EXPECT_EQ(t["inputSchema"]["type"], "object") << t["name"];
    EXPECT_TRUE(t.contains("outputSchema")) << t["name"];
    EXPECT_TRUE(t["annotations"].contains("readOnlyHint")) << t["name"];
  }
}

}  // namespace
}  // namespace eks::tools
