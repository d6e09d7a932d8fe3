// The shipped tools, called through the dispatcher as a host would.
#include <gtest/gtest.h>

#include "tests/fixtures/quiet_context.hpp"

#include <filesystem>

#include "app/config.hpp"
#include "app/wiring.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;

class ToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app::LoadOptions load;
    load.search_default_files = false;
    load.dotenv = "/nonexistent/.env";
    char dir[] = "/tmp/eks-tools-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    home_ = dir;
    load.environment = {{"HOME", home_}, {"GITHUB_TOKEN", "ghp_supersecret"}};
    auto config = app::load_config(load);
    ASSERT_TRUE(config) << config.error();
    auto built = app::build(*config);
    ASSERT_TRUE(built) << built.error();
    application_ = std::move(*built);
  }
  json call(const std::string& name, json arguments = json::object()) {
    auto prepared = application_->dispatcher->prepare_call(json{{"name", name}, {"arguments", std::move(arguments)}});
    EXPECT_TRUE(prepared);
    return application_->dispatcher->run_call(*prepared, context_, "2025-11-25");
  }
  void TearDown() override {
    application_.reset();
    if (!home_.empty()) std::filesystem::remove_all(home_);
  }
  std::string home_;
  std::unique_ptr<app::Application> application_;
  test_fixtures::QuietContext context_;
};

TEST_F(ToolsTest, ServerStatusReportsVersionModeAndProtocol) {
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

TEST_F(ToolsTest, GetConfigMasksSecrets) {
  const auto r = call("get_config");
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_EQ(r["structuredContent"]["config"]["github"]["token"], "***");
  EXPECT_EQ(r.dump().find("ghp_supersecret"), std::string::npos);
}

TEST_F(ToolsTest, GetConfigReturnsOneSection) {
  const auto r = call("get_config", {{"section", "models"}});
  EXPECT_EQ(r["structuredContent"]["config"].size(), 1u);
  EXPECT_EQ(r["structuredContent"]["config"]["models"]["diagnostic"], "haiku");
}

TEST_F(ToolsTest, GetPolicyShowsTheEffectiveMode) {
  const auto r = call("get_policy");
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_NE(r.dump().find("read_only"), std::string::npos);
}

TEST_F(ToolsTest, EveryCallIsAudited) {
  call("server_status");
  const auto recent = application_->audit->recent(10);
  ASSERT_FALSE(recent.empty());
  EXPECT_NE(recent.back().dump().find("server_status"), std::string::npos);
}

TEST_F(ToolsTest, EveryToolDeclaresSchemasAndAnnotations) {
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
