// propose_remediation called through its ToolDef handler on snapshot scenarios: output against its schema, plans
// kept in the plan store, verdicts from the validator.
#include <gtest/gtest.h>

#include "tests/tools/fixtures.hpp"
#include "tools/cluster/facts.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;

Services remediation_services(const std::string& scenario) {
  Services services = services_of(source(scenario));
  services.mode = "auto";
  auto policy = safety::parse_policy("mode: auto\n", "test");
  services.validator = std::make_shared<safety::Validator>(*policy, nullptr, cluster::read_facts(services.cluster));
  services.plans = *remediation::PlanStore::open(":memory:");
  return services;
}

TEST(ProposeRemediationTool, PlansMatchTheSchemaAndAreKept) {
  const auto services = remediation_services("demo");
  const auto tool = propose_remediation_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(with_defaults("propose_remediation.input", json::object()), ctx);
  ASSERT_TRUE(out) << out.error().message;
  const auto errors = schema("propose_remediation.output").validate(out->structured);
  EXPECT_TRUE(errors.empty()) << protocol::format_errors(errors) << "\n" << out->structured.dump(2);
  ASSERT_FALSE(out->structured["plans"].empty());
  EXPECT_FALSE(out->structured["not_fixable"].empty());
  for (const auto& plan : out->structured["plans"]) {
    const auto kept = services.plans->find(plan["plan_id"].get<std::string>());
    ASSERT_TRUE(kept && kept->has_value()) << plan["plan_id"];
  }
  EXPECT_NE(out->text.find("needs_approval"), std::string::npos) << out->text;
}

TEST(ProposeRemediationTool, AnUnknownFindingIdSaysToDiagnoseAgain) {
  const auto services = remediation_services("evicted-pods");
  const auto tool = propose_remediation_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(
      with_defaults("propose_remediation.input", {{"finding_ids", json::array({"f-0000000000000000"})}}), ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("diagnose_cluster"), std::string::npos) << out.error().message;
}

TEST(ProposeRemediationTool, WithoutAClusterSaysHowToConfigureOne) {
  const Services services{};
  const auto tool = propose_remediation_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(json::object(), ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("--snapshot"), std::string::npos);
}

}  // namespace
}  // namespace eks::tools
