// server_status through the application's dispatcher.
#include <gtest/gtest.h>

#include "tests/tools/fixtures.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;

TEST_F(ApplicationTest, ServerStatusReportsVersionModeAndProtocol) {
  const auto r = call("server_status");
  ASSERT_EQ(r["isError"], false) << r.dump();
  const auto& s = r["structuredContent"];
  EXPECT_EQ(s["server"]["version"], app::kVersion);
  EXPECT_EQ(s["mode"], "read_only");
  EXPECT_EQ(s["protocol"]["version"], "2025-11-25");
  EXPECT_EQ(s["protocol"]["client"]["name"], "gtest");
  EXPECT_EQ(s["tools"], application_->dispatcher->tool_definitions("2025-11-25").size());
  ASSERT_EQ(s["upstreams"].size(), 1u);  // the default Kubernetes upstream, not started yet
  EXPECT_EQ(s["upstreams"][0]["role"], "kubernetes");
  EXPECT_EQ(s["upstreams"][0]["state"], "configured");
}

}  // namespace
}  // namespace eks::tools
