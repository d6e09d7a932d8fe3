// apply_remediation's refusals, through its ToolDef handler (the runs against a live cluster are in
// tests/e2e/remediation.test.mjs): an unknown or expired plan, a mode that applies nothing, a forbidden action,
// a snapshot that cannot be changed.
#include <gtest/gtest.h>

#include "tests/tools/fixtures.hpp"
#include "tools/cluster/facts.hpp"

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

// A snapshot whose plan really needs a human (an OOM kill's new memory limit), with a fake upstream: what apply
// sends is recorded, the snapshot never changes (so verification is skipped).
struct OomCase {
  Services services;
  std::vector<json> sent;
  std::string plan_id;
};

std::unique_ptr<OomCase> oom_case() {
  auto c = std::make_unique<OomCase>();
  c->services = services_of(source("oomkilled"));
  c->services.mode = "auto";
  c->services.validator = std::make_shared<safety::Validator>(*safety::parse_policy("mode: auto\n", "test"), nullptr,
                                                              cluster::read_facts(c->services.cluster));
  c->services.plans = *remediation::PlanStore::open(":memory:");
  c->services.plan_approver = std::make_shared<remediation::PlanApprover>();
  c->services.kubernetes = [raw = c.get()](const std::string& tool, const json& args,
                                           const std::string& actor) -> tl::expected<json, std::string> {
    raw->sent.push_back({{"tool", tool}, {"arguments", args}, {"actor", actor}});
    return json{{"content", json::array()}, {"isError", false}};
  };
  RecordingContext ctx;
  const auto proposed =
      propose_remediation_tool(c->services).handler(with_defaults("propose_remediation.input", json::object()), ctx);
  EXPECT_TRUE(proposed) << proposed.error().message;
  if (!proposed) return c;
  for (const auto& plan : proposed->structured["plans"])
    if (plan["actions"][0]["verdict"] == "needs_approval") c->plan_id = plan["plan_id"];
  EXPECT_FALSE(c->plan_id.empty()) << proposed->structured.dump(2);
  return c;
}

json apply_with(const Services& services, const std::string& plan_id, RecordingContext& ctx) {
  const auto out = apply_remediation_tool(services).handler(
      with_defaults("apply_remediation.input", json{{"plan_id", plan_id}, {"verify_timeout_seconds", 0}}), ctx);
  if (!out) return json{{"error", out.error().message}};
  EXPECT_TRUE(schema("apply_remediation.output").is_valid(out->structured)) << out->structured.dump(2);
  return out->structured;
}

TEST(ApplyRemediationTool, WithoutElicitationAPlanWaitsForTheApproveCommand) {
  auto c = oom_case();
  RecordingContext ctx;  // no elicitation capability
  const auto out = apply_with(c->services, c->plan_id, ctx);
  EXPECT_EQ(out["status"], "awaiting_approval") << out.dump(2);
  EXPECT_NE(out["approve_command"].get<std::string>().find(c->plan_id), std::string::npos);
  EXPECT_TRUE(c->sent.empty());
}

TEST(ApplyRemediationTool, TheHumanAtTheClientApprovesThroughElicitation) {
  auto c = oom_case();
  RecordingContext ctx;
  ctx.elicitation_answer = {{"action", "accept"}, {"content", {{"approve", true}, {"reason", "reports need it"}}}};
  const auto out = apply_with(c->services, c->plan_id, ctx);
  EXPECT_EQ(out["status"], "applied") << out.dump(2);
  EXPECT_NE(out["approved_by"].get<std::string>().find("test-host"), std::string::npos);
  ASSERT_EQ(ctx.requests.size(), 1u);
  const auto& asked = ctx.requests[0]["params"];
  EXPECT_NE(asked["message"].get<std::string>().find(c->plan_id), std::string::npos);
  EXPECT_NE(asked["message"].get<std::string>().find("Rollback"), std::string::npos);
  EXPECT_EQ(asked["requestedSchema"]["properties"]["approve"]["type"], "boolean");
  ASSERT_EQ(c->sent.size(), 1u);
  EXPECT_EQ(c->sent[0]["tool"], "resources_create_or_update");
  EXPECT_EQ(c->sent[0]["actor"], remediation::actor_for(c->plan_id));
  // The approval was used: a replay asks again, and a decline now stops it.
  RecordingContext again;
  again.elicitation_answer = {{"action", "decline"}};
  EXPECT_EQ(apply_with(c->services, c->plan_id, again)["status"], "declined");
  EXPECT_EQ(c->sent.size(), 1u);
}

TEST(ApplyRemediationTool, ADeclineOrAnUncheckedBoxRunsNothing) {
  for (const json& answer : {json{{"action", "decline"}}, json{{"action", "cancel"}},
                             json{{"action", "accept"}, {"content", {{"approve", false}, {"reason", "not now"}}}}}) {
    auto c = oom_case();
    RecordingContext ctx;
    ctx.elicitation_answer = answer;
    const auto out = apply_with(c->services, c->plan_id, ctx);
    EXPECT_EQ(out["status"], "declined") << answer.dump() << out.dump(2);
    EXPECT_TRUE(c->sent.empty());
  }
}

}  // namespace
}  // namespace eks::tools
