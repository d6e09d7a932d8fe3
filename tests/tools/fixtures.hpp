#pragma once
// What the tool tests share: a call context that records progress, a snapshot cluster from examples/scenarios,
// the embedded schemas with their defaults, and a fixture holding the whole application as `serve` builds it.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/wiring.hpp"
#include "schemas/schemas.hpp"
#include "server/protocol/json_schema.hpp"
#include "server/tool.hpp"
#include "tests/fixtures/quiet_context.hpp"
#include "tools/cluster/source.hpp"
#include "tools/toolset.hpp"

namespace eks::tools::testing {

using nlohmann::json;

class RecordingContext final : public server::CallContext {
 public:
  bool cancelled() const override { return cancel; }
  void progress(double p, std::optional<double>, std::string_view message) override {
    progress_values.push_back(p);
    messages.emplace_back(message);
  }
  void log(server::LogLevel, std::string_view) override {}
  protocol::Era era() const override { return protocol::Era::handshake; }
  const std::string& protocol_version() const override { return version_; }
  const json& client_info() const override { return client_; }
  // A client that declared elicitation answers with `elicitation_answer`; null: it declared nothing.
  tl::expected<json, std::string> request_client(std::string_view method, json params,
                                                 std::chrono::milliseconds) override {
    requests.push_back({{"method", std::string(method)}, {"params", std::move(params)}});
    if (method == "elicitation/create" && !elicitation_answer.is_null()) return elicitation_answer;
    return tl::unexpected(std::string("the client did not declare the \"elicitation\" capability"));
  }
  bool cancel = false;
  std::vector<double> progress_values;
  std::vector<std::string> messages;
  json elicitation_answer = nullptr;
  std::vector<json> requests;

 private:
  std::string version_ = "2025-11-25";
  json client_ = json{{"name", "test-host"}};
};

inline std::shared_ptr<cluster::ClusterSource> source(const std::string& scenario) {
  return cluster::make_snapshot_source(std::string(EKS_SOURCE_DIR) + "/examples/scenarios/" + scenario);
}

// What the tools read: the scenario's cluster and no agents (quick answers only).
inline Services services_of(std::shared_ptr<cluster::ClusterSource> cluster) {
  Services services;
  services.cluster = std::move(cluster);
  return services;
}

inline protocol::JsonSchema schema(const std::string& name) {
  auto compiled = protocol::JsonSchema::compile(json::parse(schemas::text(name)));
  if (!compiled) throw std::runtime_error(name + ": " + compiled.error());
  return *compiled;
}

inline json with_defaults(const std::string& schema_name, json arguments) {
  schema(schema_name).apply_defaults(arguments);
  return arguments;
}

// The application as `serve` builds it, from a default configuration in a scratch HOME, called through its
// dispatcher as a host would.
class ApplicationTest : public ::testing::Test {
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

}  // namespace eks::tools::testing
