// apply_remediation's refusals, through its ToolDef handler (the runs against a live cluster are in
// tests/e2e/remediation.test.mjs): an unknown or expired plan, a mode that applies nothing, a forbidden action,
// a snapshot that cannot be changed.
#include <gtest/gtest.h>

#include "tests/tools/fixtures.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;
using namespace std::chrono_literals;

remediation::Plan stored_plan(Services& services, remediation::Verdict verdict,
                              std::chrono::system_clock::time_point expires) {
  remediation::Plan p;
  p.finding_id = "f-0123456789abcdef";
  p.summary = "restart pod web-1";
  remediation::Action a;
  a.type = "restart_pod";
  a.target = remediation::Target{"Pod", "shop", "web-1"};
  a.calls.push_back(remediation::Call{"resources_delete", {{"kind", "Pod"}, {"namespace", "shop"}, {"name", "web-1"}}});
  a.verdict = verdict;
  a.rule = "protected_namespaces";
  a.reason = "shop is locked";
  p.actions.push_back(a);
  p.created_at = std::chrono::system_clock::now();
  p.expires_at = expires;
  p.plan_id = remediation::plan_id(p);
  EXPECT_TRUE(services.plans->save(p, p.created_at));
  return p;
}

Services services_in(const std::string& mode) {
  Services services = services_of(source("demo"));
  services.mode = mode;
  services.plans = *remediation::PlanStore::open(":memory:");
  return services;
}

json apply_plan(const Services& services, const std::string& plan_id) {
  const auto tool = apply_remediation_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(with_defaults("apply_remediation.input", json{{"plan_id", plan_id}}), ctx);
  if (!out) return json{{"error", out.error().message}};
  const auto errors = schema("apply_remediation.output").validate(out->structured);
  EXPECT_TRUE(errors.empty()) << protocol::format_errors(errors);
  return out->structured;
}

TEST(ApplyRemediationTool, AnUnknownPlanSaysToProposeAgain) {
  const auto services = services_in("auto");
  EXPECT_NE(apply_plan(services, "p-0000000000000000")["error"].get<std::string>().find("propose_remediation"),
            std::string::npos);
}

TEST(ApplyRemediationTool, AnExpiredPlanIsStale) {
  auto services = services_in("auto");
  const auto p = stored_plan(services, remediation::Verdict::auto_, std::chrono::system_clock::now() - 1min);
  EXPECT_EQ(apply_plan(services, p.plan_id)["status"], "stale_plan");
}

TEST(ApplyRemediationTool, NothingIsAppliedOutsideAutoMode) {
  for (const char* mode : {"read_only", "propose"}) {
    auto services = services_in(mode);
    const auto p = stored_plan(services, remediation::Verdict::auto_, std::chrono::system_clock::now() + 10min);
    const auto out = apply_plan(services, p.plan_id);
    EXPECT_EQ(out["status"], "refused") << mode;
    EXPECT_NE(out["reason"].get<std::string>().find(mode), std::string::npos) << out.dump();
  }
}

TEST(ApplyRemediationTool, ASnapshotCannotBeChanged) {
  auto services = services_in("auto");
  const auto p = stored_plan(services, remediation::Verdict::auto_, std::chrono::system_clock::now() + 10min);
  EXPECT_NE(apply_plan(services, p.plan_id)["error"].get<std::string>().find("live cluster"), std::string::npos);
}

TEST(ApplyRemediationTool, AForbiddenActionStopsThePlanBeforeAnyCall) {
  auto services = services_in("auto");
  int calls = 0;
  services.kubernetes = [&](const std::string&, const json&, const std::string&) -> tl::expected<json, std::string> {
    ++calls;
    return json::object();
  };
  const auto p = stored_plan(services, remediation::Verdict::forbidden, std::chrono::system_clock::now() + 10min);
  const auto out = apply_plan(services, p.plan_id);
  EXPECT_EQ(out["status"], "refused");
  EXPECT_NE(out["reason"].get<std::string>().find("shop is locked"), std::string::npos) << out.dump();
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace eks::tools
