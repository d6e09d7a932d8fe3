// diagnose_cluster called through its ToolDef handler, as the dispatcher would, on snapshot scenarios; outputs
// checked against the embedded output schema.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/tools/fixtures.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;

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

}  // namespace
}  // namespace eks::tools
