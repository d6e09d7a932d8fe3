// diagnose_cluster and analyze_pod_logs called through their ToolDef handlers, as the dispatcher would, with
// a SnapshotSource; outputs checked against their embedded output schemas.
#include <gtest/gtest.h>

#include <vector>

#include "schemas/schemas.hpp"
#include "server/protocol/json_schema.hpp"
#include "server/tool.hpp"
#include "tools/cluster/source.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

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
  bool cancel = false;
  std::vector<double> progress_values;
  std::vector<std::string> messages;

 private:
  std::string version_ = "2025-11-25";
  json client_ = json::object();
};

std::shared_ptr<cluster::ClusterSource> source(const std::string& scenario) {
  return cluster::make_snapshot_source(std::string(EKS_SOURCE_DIR) + "/examples/scenarios/" + scenario);
}

// What the tools read: the scenario's cluster and no agents (quick answers only).
Services services_of(std::shared_ptr<cluster::ClusterSource> cluster) {
  Services services;
  services.cluster = std::move(cluster);
  return services;
}

protocol::JsonSchema schema(const std::string& name) {
  auto compiled = protocol::JsonSchema::compile(json::parse(schemas::text(name)));
  if (!compiled) throw std::runtime_error(name + ": " + compiled.error());
  return *compiled;
}

json with_defaults(const std::string& schema_name, json arguments) {
  schema(schema_name).apply_defaults(arguments);
  return arguments;
}

TEST(DiagnoseClusterTool, ReportsTheDemoIncidentsWithProgressPerPhase) {
  const auto services = services_of(source("demo"));
  const auto tool = diagnose_cluster_tool(services);
  RecordingContext ctx;
  const auto args = with_defaults("diagnose_cluster.input", json::object());
  ASSERT_TRUE(schema("diagnose_cluster.input").is_valid(args));
  const auto out = tool.handler(args, ctx);
  ASSERT_TRUE(out) << out.error().message;
  const auto errors = schema("diagnose_cluster.output").validate(out->structured);
  EXPECT_TRUE(errors.empty()) << protocol::format_errors(errors);
  EXPECT_EQ(out->structured["findings"].size(), 5u) << out->text;
  EXPECT_NE(out->text.find("CrashLoopBackOff"), std::string::npos) << out->text;
  EXPECT_NE(out->text.find("DATABASE_URL"), std::string::npos) << out->text;
  bool fetch = false, analyze = false, correlate = false;
  for (const auto& m : ctx.messages) {
    fetch |= m.rfind("fetch", 0) == 0;
    analyze |= m.rfind("analyze", 0) == 0;
    correlate |= m.rfind("correlate", 0) == 0;
  }
  EXPECT_TRUE(fetch && analyze && correlate);
  EXPECT_TRUE(std::is_sorted(ctx.progress_values.begin(), ctx.progress_values.end()));
}

TEST(DiagnoseClusterTool, HealthyClusterReportsNoFindings) {
  const auto services = services_of(source("healthy"));
  const auto tool = diagnose_cluster_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(with_defaults("diagnose_cluster.input", json::object()), ctx);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->structured["findings"].empty()) << out->structured.dump(2);
  EXPECT_TRUE(schema("diagnose_cluster.output").is_valid(out->structured));
}

TEST(DiagnoseClusterTool, CancelledCallStops) {
  const auto services = services_of(source("demo"));
  const auto tool = diagnose_cluster_tool(services);
  RecordingContext ctx;
  ctx.cancel = true;
  const auto out = tool.handler(with_defaults("diagnose_cluster.input", json::object()), ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("cancelled"), std::string::npos);
}

TEST(DiagnoseClusterTool, WithoutASourceSaysHowToConfigureOne) {
  const Services services{};  // no cluster configured
  const auto tool = diagnose_cluster_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(json::object(), ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("--snapshot"), std::string::npos);
}

TEST(DiagnoseClusterTool, UnknownNamespaceIsAnActionableError) {
  const auto services = services_of(source("demo"));
  const auto tool = diagnose_cluster_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(with_defaults("diagnose_cluster.input", {{"namespace", "nope"}}), ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("payments"), std::string::npos) << out.error().message;
}

TEST(FindingSchema, IsInlinedIntoTheDiagnoseOutputSchemaAsHostsSeeIt) {
  // diagnose_cluster.output.json refers to finding.schema.json; the embedded text holds a copy, no file reference.
  auto standalone = json::parse(schemas::text("finding.schema"));
  const auto output = json::parse(schemas::text("diagnose_cluster.output"));
  for (const char* key : {"$schema", "$id", "title"}) standalone.erase(key);
  EXPECT_EQ(output["$defs"]["finding"], standalone);
  EXPECT_EQ(output["properties"]["findings"]["items"]["$ref"], "#/$defs/finding");
  EXPECT_EQ(schemas::text("diagnose_cluster.output").find("finding.schema.json"), std::string::npos);
}

TEST(AnalyzePodLogsTool, NamesTheMissingVariableFromThePreviousLog) {
  const auto services = services_of(source("crashloop-missing-env"));
  const auto tool = analyze_pod_logs_tool(services);
  RecordingContext ctx;
  // A workload name resolves to its most recently failing pod.
  const auto out =
      tool.handler(with_defaults("analyze_pod_logs.input", {{"namespace", "payments"}, {"pod", "payments-api"}}), ctx);
  ASSERT_TRUE(out) << out.error().message;
  const auto errors = schema("analyze_pod_logs.output").validate(out->structured);
  EXPECT_TRUE(errors.empty()) << protocol::format_errors(errors) << "\n" << out->structured.dump(2);
  const auto& s = out->structured;
  EXPECT_EQ(s["root_cause"]["category"], "missing_config");
  EXPECT_NE(s["root_cause"]["summary"].get<std::string>().find("DATABASE_URL"), std::string::npos);
  EXPECT_EQ(s["containers"][0]["previous"], true);
  EXPECT_EQ(s["containers"][0]["exit_code"], 1);
  EXPECT_EQ(s["workload"], "Deployment/payments-api");
  EXPECT_FALSE(s["key_lines"].empty());
  EXPECT_FALSE(s["timeline"].empty());
}

TEST(AnalyzePodLogsTool, OomKillBeatsTheLog) {
  const auto services = services_of(source("oomkilled"));
  const auto tool = analyze_pod_logs_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(
      with_defaults("analyze_pod_logs.input", {{"namespace", "reports"}, {"pod", "report-renderer"}}), ctx);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->structured["root_cause"]["category"], "out_of_memory");
  EXPECT_NE(out->structured["containers"][0]["exit_meaning"].get<std::string>().find("OOM"), std::string::npos);
}

TEST(AnalyzePodLogsTool, UnknownPodListsThePods) {
  const auto services = services_of(source("crashloop-missing-env"));
  const auto tool = analyze_pod_logs_tool(services);
  RecordingContext ctx;
  const auto out =
      tool.handler(with_defaults("analyze_pod_logs.input", {{"namespace", "payments"}, {"pod", "nope"}}), ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("payments-api-"), std::string::npos) << out.error().message;
}

TEST(AnalyzePodLogsTool, UnknownContainerListsTheContainers) {
  const auto services = services_of(source("crashloop-missing-env"));
  const auto tool = analyze_pod_logs_tool(services);
  RecordingContext ctx;
  const auto out =
      tool.handler(with_defaults("analyze_pod_logs.input",
                                 {{"namespace", "payments"}, {"pod", "payments-api"}, {"container", "sidecar"}}),
                   ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("api"), std::string::npos) << out.error().message;
}

}  // namespace
}  // namespace eks::tools
