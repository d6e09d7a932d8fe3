// The planner on example scenarios, with verdicts from a real validator in auto mode whose cluster facts come
// from the same snapshot (as `eks-sre-mcp --snapshot` wires it).
#include "tools/remediation/planner.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "tools/analyzers/analyze.hpp"
#include "tools/cluster/facts.hpp"
#include "tools/cluster/source.hpp"

namespace eks::remediation {
namespace {

using nlohmann::json;

struct Planned {
  Proposal proposal;
  std::vector<analyzers::Finding> findings;
};

Planned plan_scenario(const std::string& scenario, const std::string& policy_yaml = "mode: auto\n",
                      const std::function<void(PlannerOptions&)>& adjust = {}) {
  std::shared_ptr<cluster::ClusterSource> source =
      cluster::make_snapshot_source(std::string(EKS_SOURCE_DIR) + "/examples/scenarios/" + scenario);
  auto state = source->load(cluster::diagnosis_scope());
  if (!state) throw std::runtime_error(state.error());
  analyzers::Options options;
  options.logs = [source](const cluster::LogRequest& r) { return source->logs(r); };
  Planned out;
  out.findings = analyzers::analyze(*state, options).findings;
  auto policy = safety::parse_policy(policy_yaml, "test");
  if (!policy) throw std::runtime_error(policy.error());
  auto validator = std::make_shared<safety::Validator>(*policy, nullptr, cluster::read_facts(source));
  PlannerOptions planning;
  planning.now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  planning.judge = preview_judge(validator);

  if (adjust) adjust(planning);
  out.proposal = plan(*state, out.findings, planning);
  return out;
}

const Plan* plan_of_type(const Proposal& p, const std::string& type) {
  for (const auto& plan : p.plans)
    for (const auto& a : plan.actions)
      if (a.type == type) return &plan;
  return nullptr;
}

TEST(Planner, EvictedPodRecordsAreDeletedOneCallPerPodWithoutAHuman) {
  const auto planned = plan_scenario("evicted-pods");
  const Plan* p = plan_of_type(planned.proposal, "delete_failed_pods");
  ASSERT_NE(p, nullptr);
  const Action& a = p->actions.front();
  EXPECT_EQ(a.verdict, Verdict::auto_) << a.reason;
  EXPECT_EQ(a.rule, "auto_approve.delete_failed_pods");
  ASSERT_EQ(a.calls.size(), 3u);
  for (const auto& call : a.calls) {
    EXPECT_EQ(call.tool, "resources_delete");
    EXPECT_EQ(call.arguments["kind"], "Pod");
    EXPECT_EQ(call.arguments["namespace"], "media");
  }
  EXPECT_EQ(p->blast_radius.pods_affected, 0);
  EXPECT_EQ(p->resource_versions.size(), 3u);
}

TEST(Planner, AMissingConfigIsNeverGuessedAt) {
  const auto planned = plan_scenario("crashloop-missing-env");
  EXPECT_TRUE(planned.proposal.plans.empty());
  ASSERT_EQ(planned.proposal.not_fixable.size(), 1u);
  EXPECT_NE(planned.proposal.not_fixable[0].why.find("does not exist"), std::string::npos);
}

TEST(Planner, AnOomKillRaisesTheLimitWithinTheCapAndNeedsApproval) {
  const auto planned = plan_scenario("oomkilled");
  const Plan* p = plan_of_type(planned.proposal, "set_resources");
  ASSERT_NE(p, nullptr);
  const Action& a = p->actions.front();
  EXPECT_EQ(a.verdict, Verdict::needs_approval);
  EXPECT_EQ(a.target.kind, "Deployment");
  const auto before = cluster::bytes(a.params["memory_limit_before"].get<std::string>());
  const auto after = cluster::bytes(a.params["memory_limit_after"].get<std::string>());
  ASSERT_TRUE(before && after);
  EXPECT_GT(*after, *before);
  EXPECT_LE(*after, *before * 4);
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].tool, "resources_create_or_update");
  const json manifest = json::parse(a.calls[0].arguments["resource"].get<std::string>());
  EXPECT_EQ(manifest["kind"], "Deployment");
  const auto& container = manifest["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["name"], a.params["container"]);
  EXPECT_EQ(container["resources"]["limits"]["memory"], a.params["memory_limit_after"]);
  EXPECT_NE(a.rollback.find(a.params["memory_limit_before"].get<std::string>()), std::string::npos);
}

TEST(Planner, APodThatFitsNoNodeGetsRequestsANodeOffers) {
  const auto planned = plan_scenario("pending-insufficient-cpu");
  const Plan* p = plan_of_type(planned.proposal, "set_resources");
  ASSERT_NE(p, nullptr);
  const auto& change = p->actions.front().params["changes"][0];
  const auto before = cluster::cpu_millicores(change["requests_before"]["cpu"].get<std::string>());
  const auto after = cluster::cpu_millicores(change["requests_after"]["cpu"].get<std::string>());
  ASSERT_TRUE(before && after);
  EXPECT_LT(*after, *before);
}

TEST(Planner, AStuckRolloutGoesBackToTheImageTheLastRevisionRan) {
  const auto planned = plan_scenario("rollout-stuck");
  const Plan* p = plan_of_type(planned.proposal, "rollback_image");
  ASSERT_NE(p, nullptr);
  const Action& a = p->actions.front();
  EXPECT_EQ(a.target.kind, "Deployment");
  EXPECT_EQ(a.verdict, Verdict::needs_approval);
  EXPECT_NE(a.params["image_before"], a.params["image_after"]);
  const json manifest = json::parse(a.calls.at(0).arguments["resource"].get<std::string>());
  EXPECT_EQ(manifest["spec"]["template"]["spec"]["containers"][0]["image"], a.params["image_after"]);
  EXPECT_EQ(p->resource_versions.size(), 2u);  // the Deployment and the ReplicaSet whose image it takes
}

TEST(Planner, ACrashAfterADependencyOutageRestartsTheWorkload) {
  const auto planned = plan_scenario("readiness-probe-failing");
  const Plan* p = plan_of_type(planned.proposal, "rollout_restart");
  if (!p) p = plan_of_type(planned.proposal, "restart_pod");
  ASSERT_NE(p, nullptr);
  const Action& a = p->actions.front();
  ASSERT_EQ(a.calls.size(), 1u);
  if (a.type == "rollout_restart") {
    const json manifest = json::parse(a.calls[0].arguments["resource"].get<std::string>());
    EXPECT_TRUE(manifest["spec"]["template"]["metadata"]["annotations"].contains("kubectl.kubernetes.io/restartedAt"));
  }
}

TEST(Planner, AServiceWhoseOnlyWorkloadRunsZeroReplicasGetsOne) {
  const auto planned = plan_scenario("scaled-to-zero");
  const Plan* p = plan_of_type(planned.proposal, "scale");
  ASSERT_NE(p, nullptr);
  const Action& a = p->actions.front();
  EXPECT_EQ(key_of(a.target), "Deployment/reports/report-api");
  EXPECT_EQ(a.verdict, Verdict::auto_) << a.rule << ": " << a.reason;
  EXPECT_EQ(a.rule, "auto_approve.scale");
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].tool, "resources_scale");
  EXPECT_EQ(a.calls[0].arguments["scale"], 1);
  EXPECT_EQ(p->blast_radius.replicas_before, 0);
  EXPECT_EQ(p->blast_radius.replicas_after, 1);
  EXPECT_EQ(planned.proposal.plans.size(), 1u) << "report-backfill, which no Service selects, is left alone";
}

TEST(Planner, TwoFailedFixesOfASubjectWithinAnHourNeedAHuman) {
  std::vector<std::string> asked;
  for (const std::optional<int> failures : {std::optional(1), std::optional(2), std::optional<int>()}) {
    const auto planned = plan_scenario("dependency-crash", "mode: auto\n", [&](PlannerOptions& o) {
      o.failed_verifications = [&](const std::string& subject) -> std::optional<int> {
        asked.push_back(subject);
        return failures;
      };
    });
    const Plan* p = plan_of_type(planned.proposal, "restart_pod");
    ASSERT_NE(p, nullptr) << (failures ? *failures : -1);
    EXPECT_EQ(p->subject, "Deployment/shipping/label-printer");
    const Action& a = p->actions.front();
    if (failures == 1) {
      EXPECT_EQ(a.verdict, Verdict::auto_) << a.reason;
      continue;
    }
    EXPECT_EQ(a.verdict, Verdict::needs_approval);
    EXPECT_EQ(a.rule, "circuit_breaker");
    EXPECT_NE(a.reason.find(failures ? "failed verification 2 times" : "could not be read"), std::string::npos)
        << a.reason;
  }
  EXPECT_EQ(asked.front(), "Deployment/shipping/label-printer");
}

TEST(Planner, ProbeKillsCrashedJobsAndStuckPodsAreLeftToHumans) {
  for (const char* scenario : {"liveness-probe-kill", "container-start-failures"}) {
    const auto planned = plan_scenario(scenario);
    EXPECT_TRUE(planned.proposal.plans.empty()) << scenario;
    for (const auto& n : planned.proposal.not_fixable)
      EXPECT_EQ(n.why.find("no remediation is known"), std::string::npos) << scenario << ": " << n.why;
  }
}

TEST(Planner, TheSystemNamespacesAndForbiddenCallsShowTheirVerdict) {
  // The same evicted pods, with the namespace protected: the plan still says what it would do, and that it
  // never runs.
  const auto planned = plan_scenario("evicted-pods", "mode: auto\nprotected_namespaces: [media]\n");
  const Plan* p = plan_of_type(planned.proposal, "delete_failed_pods");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->actions.front().verdict, Verdict::forbidden);
  EXPECT_EQ(p->actions.front().rule, "protected_namespaces");
}

TEST(Planner, PlanIdsAreContentHashesOfActionsAndVersions) {
  const auto a = plan_scenario("evicted-pods");
  const auto b = plan_scenario("evicted-pods");
  ASSERT_FALSE(a.proposal.plans.empty());
  EXPECT_EQ(a.proposal.plans[0].plan_id, b.proposal.plans[0].plan_id);
  EXPECT_EQ(plan_id(a.proposal.plans[0]), a.proposal.plans[0].plan_id);
  Plan changed = a.proposal.plans[0];
  changed.resource_versions.begin()->second += "1";
  EXPECT_NE(plan_id(changed), changed.plan_id);
  EXPECT_EQ(json(a.proposal.plans[0]).get<Plan>().plan_id, a.proposal.plans[0].plan_id);
  EXPECT_EQ(plan_id(json(a.proposal.plans[0]).get<Plan>()), a.proposal.plans[0].plan_id);
}

TEST(Planner, EveryFindingGetsAPlanOrAReason) {
  const auto all = plan_scenario("demo");
  ASSERT_GE(all.proposal.plans.size(), 2u);
  EXPECT_EQ(all.proposal.plans.size() + all.proposal.not_fixable.size(), all.findings.size());
  for (const auto& p : all.proposal.plans) {
    EXPECT_EQ(p.expires_at - p.created_at, std::chrono::seconds(900));
    EXPECT_FALSE(p.summary.empty());
    EXPECT_FALSE(p.rollback.empty());
    for (const auto& a : p.actions) EXPECT_FALSE(a.calls.empty()) << a.type;
  }
}

TEST(Planner, OnlyTheAskedFindingsAndAtMostMaxPlans) {
  const auto all = plan_scenario("demo");
  const std::string wanted = all.proposal.plans.back().finding_id;
  const auto one = plan_scenario("demo", "mode: auto\n", [&](PlannerOptions& o) { o.finding_ids = {wanted}; });
  ASSERT_EQ(one.proposal.plans.size(), 1u);
  EXPECT_EQ(one.proposal.plans[0].finding_id, wanted);
  EXPECT_TRUE(one.proposal.not_fixable.empty());
  const auto capped = plan_scenario("demo", "mode: auto\n", [](PlannerOptions& o) { o.max_plans = 1; });
  EXPECT_EQ(capped.proposal.plans.size(), 1u);
}

// apply re-reads only a plan's check_kinds before it acts: in every scenario, a load of just those kinds in the
// plan's namespace (what apply's load asks the source for) must still show the finding and every target.
TEST(Planner, ANarrowLoadOfTheCheckKindsStillShowsEveryPlansFinding) {
  const auto root = std::filesystem::path(EKS_SOURCE_DIR) / "examples/scenarios";
  int plans = 0, narrowed = 0;
  for (const auto& dir : std::filesystem::directory_iterator(root)) {
    if (!std::filesystem::exists(dir.path() / "scenario.yaml")) continue;
    const auto planned = plan_scenario(dir.path().filename().string());
    auto source = cluster::make_snapshot_source(dir.path().string());
    for (const auto& p : planned.proposal.plans) {
      ++plans;
      if (p.check_kinds.empty()) continue;
      ++narrowed;
      EXPECT_LT(p.check_kinds.size(), 16u) << p.plan_id;
      auto scope = cluster::diagnosis_scope(check_namespace(p));
      scope.kinds = p.check_kinds;
      scope.metrics = false;
      const auto state = source->load(scope);
      ASSERT_TRUE(state) << state.error();
      for (const auto& [key, version] : p.resource_versions)
        EXPECT_EQ(current_version(*state, key), version) << dir.path().filename() << " " << key;
      analyzers::Options options;
      options.ns = scope.ns;
      bool found = false;
      for (const auto& f : analyzers::analyze(*state, options).findings) found = found || f.id == p.finding_id;
      EXPECT_TRUE(found) << dir.path().filename() << ": " << p.summary;
    }
  }
  EXPECT_GE(plans, 10);
  EXPECT_EQ(narrowed, plans) << "every plan of the scenarios can be checked on a narrow read";
}

Proposal resize_healthy(const std::vector<Resize>& resizes) {
  std::shared_ptr<cluster::ClusterSource> source =
      cluster::make_snapshot_source(std::string(EKS_SOURCE_DIR) + "/examples/scenarios/healthy");
  auto state = source->load(cluster::diagnosis_scope());
  if (!state) throw std::runtime_error(state.error());
  auto policy = safety::parse_policy("mode: auto\n", "test");
  if (!policy) throw std::runtime_error(policy.error());
  PlannerOptions planning;
  planning.judge = preview_judge(std::make_shared<safety::Validator>(*policy, nullptr, cluster::read_facts(source)));
  return plan_resizes(*state, resizes, planning);
}

Resize resize(const std::string& id, const std::string& workload, const std::string& container,
              std::optional<std::string> cpu, std::optional<std::string> memory) {
  return Resize{.id = id,
                .workload = {"Deployment", "shop", workload, ""},
                .container = container,
                .cpu_request = std::move(cpu),
                .memory = std::move(memory),
                .reason = "p95 and peak of 14 days",
                .monthly_savings = 1.5};
}

// A recommendation becomes one server-side apply of the workload's template: the new CPU request, memory request
// and limit; the current values in params for the rollback; only the workload's resourceVersion to re-check.
TEST(Planner, ARightSizingRecommendationSetsTheContainersResources) {
  const auto proposal = resize_healthy({resize("rs-00000000000000a1", "storefront", "web", "38m", "184Mi")});
  ASSERT_EQ(proposal.plans.size(), 1u) << (proposal.not_fixable.empty() ? "" : proposal.not_fixable[0].why);
  const Plan& p = proposal.plans[0];
  EXPECT_EQ(p.recommendation_ids, std::vector<std::string>{"rs-00000000000000a1"});
  EXPECT_EQ(p.finding_id, "rs-00000000000000a1");
  EXPECT_EQ(p.subject, "Deployment/shop/storefront");
  EXPECT_EQ(p.check_kinds, std::set<std::string>{"Deployment"});
  EXPECT_EQ(p.resource_versions.size(), 1u);
  EXPECT_NE(p.summary.find("saving $1.50 a month"), std::string::npos) << p.summary;
  ASSERT_EQ(p.actions.size(), 1u);
  const Action& a = p.actions[0];
  EXPECT_EQ(a.type, "set_resources");
  EXPECT_NE(a.verdict, Verdict::forbidden) << a.reason;
  const json change = a.params["changes"][0];
  EXPECT_EQ(
      change["before"],
      json({{"cpu_request", "100m"}, {"cpu_limit", nullptr}, {"memory_request", "128Mi"}, {"memory_limit", "256Mi"}}));
  EXPECT_EQ(
      change["after"],
      json({{"cpu_request", "38m"}, {"cpu_limit", nullptr}, {"memory_request", "184Mi"}, {"memory_limit", "184Mi"}}));
  ASSERT_EQ(a.calls.size(), 1u);
  const json manifest = json::parse(a.calls[0].arguments["resource"].get<std::string>());
  EXPECT_EQ(manifest["kind"], "Deployment");
  EXPECT_EQ(
      manifest["spec"]["template"]["spec"]["containers"][0],
      json({{"name", "web"},
            {"resources", {{"requests", {{"cpu", "38m"}, {"memory", "184Mi"}}}, {"limits", {{"memory", "184Mi"}}}}}}));
}

TEST(Planner, OneRightSizingPlanPerWorkloadAndReasonsForTheRest) {
  const auto proposal = resize_healthy({resize("rs-00000000000000a1", "storefront", "web", "38m", std::nullopt),
                                        resize("rs-00000000000000a2", "cart", "cart", std::nullopt, "300Mi"),
                                        resize("rs-00000000000000a3", "cart", "sidecar", "10m", "100Mi"),
                                        resize("rs-00000000000000a4", "cart", "cart", std::nullopt, std::nullopt),
                                        resize("rs-00000000000000a5", "gone", "x", "10m", "100Mi")});
  ASSERT_EQ(proposal.plans.size(), 2u);
  for (const auto& p : proposal.plans) {
    ASSERT_EQ(p.recommendation_ids.size(), 1u) << p.summary;
    const json manifest = json::parse(p.actions[0].calls[0].arguments["resource"].get<std::string>());
    const json resources = manifest["spec"]["template"]["spec"]["containers"][0]["resources"];
    if (p.subject == "Deployment/shop/cart") {
      EXPECT_EQ(resources, json({{"requests", {{"memory", "300Mi"}}}, {"limits", {{"memory", "300Mi"}}}}));
    } else {
      EXPECT_EQ(resources, json({{"requests", {{"cpu", "38m"}}}}));  // memory left as it is
    }
  }
  std::map<std::string, std::string> why;
  for (const auto& n : proposal.not_fixable) why[n.finding_id] = n.why;
  EXPECT_NE(why["rs-00000000000000a3"].find("not in the pod template"), std::string::npos);
  EXPECT_NE(why["rs-00000000000000a4"].find("no recommendation"), std::string::npos);
  EXPECT_NE(why["rs-00000000000000a5"].find("not in the cluster"), std::string::npos);
}

}  // namespace
}  // namespace eks::remediation
