// The plan approver at the upstream boundary: while a plan runs under a human's approval, exactly its calls are
// approved, for its own actor only; anything else that needs approval is refused as before.
#include "tools/remediation/plan_approver.hpp"

#include <gtest/gtest.h>

#include "safety/classifier.hpp"
#include "safety/policy.hpp"
#include "safety/validator.hpp"

namespace eks::remediation {
namespace {

using nlohmann::json;

const Call kApply{
    "resources_create_or_update",
    {{"resource", R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":)"
                  R"("shop"},"spec":{"template":{"spec":{"containers":[{"name":"api","image":"a:1"}]}}}})"}}};
const Call kOther{"resources_create_or_update",
                  {{"resource", R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":)"
                                R"("shop"},"spec":{"replicas":9}})"}}};

safety::Decision needs_approval(const Call& call, const std::string& client) {
  safety::UpstreamCall upstream;
  upstream.upstream = "kubernetes";
  upstream.tool = call.tool;
  upstream.arguments = call.arguments;
  upstream.actor.client = client;
  auto policy = safety::parse_policy("mode: auto\n", "test");
  safety::ClusterFacts facts;
  facts.failing_pods = [](const std::string&) { return std::optional<int>(0); };
  safety::Validator validator(*policy, nullptr, facts);
  auto d = validator.check_upstream(upstream);
  EXPECT_EQ(d.verdict, safety::Verdict::needs_approval) << d.code;
  return d;
}

TEST(PlanApprover, ApprovesExactlyThePlansCallsForItsActor) {
  PlanApprover approver;
  const std::string actor = actor_for("p-00000000000000aa");
  EXPECT_FALSE(approver.approve(needs_approval(kApply, actor)).approved);  // nothing granted yet
  approver.grant("p-00000000000000aa", {kApply}, "alice");
  const auto granted = approver.approve(needs_approval(kApply, actor));
  EXPECT_TRUE(granted.approved);
  EXPECT_EQ(granted.by, "alice");
  EXPECT_FALSE(approver.approve(needs_approval(kOther, actor)).approved);                            // not in the plan
  EXPECT_FALSE(approver.approve(needs_approval(kApply, "some-host")).approved);                      // another actor
  EXPECT_FALSE(approver.approve(needs_approval(kApply, actor_for("p-00000000000000bb"))).approved);  // another plan
  approver.revoke("p-00000000000000aa");
  EXPECT_FALSE(approver.approve(needs_approval(kApply, actor)).approved);
}

}  // namespace
}  // namespace eks::remediation
