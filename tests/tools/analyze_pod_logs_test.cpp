// analyze_pod_logs called through its ToolDef handler on snapshot scenarios.
#include <gtest/gtest.h>

#include "tests/tools/fixtures.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;

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
