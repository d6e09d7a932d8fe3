// propose_remediation: fixes for the findings, as plans a human can read and apply_remediation can run. Each
// plan's actions carry the exact upstream calls they will make and the safety validator's verdict on those
// calls (a preview: nothing is audited as done, no rate limit is spent), so what a plan says and what apply does
// cannot disagree. Nothing changes in the cluster here.
#include <limits>
#include <set>
#include <string>

#include "tools/analyzers/analyze.hpp"
#include "tools/remediation/planner.hpp"
#include "tools/rightsizing.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct ProposeQuery {
  std::optional<std::string> ns;
  std::set<std::string> finding_ids;
  std::set<std::string> recommendation_ids;
  std::size_t max_plans = 10;
};

void from_json(const nlohmann::json& j, ProposeQuery& q) {
  server::argument(j, "namespace", q.ns);
  server::argument(j, "finding_ids", q.finding_ids);
  server::argument(j, "recommendation_ids", q.recommendation_ids);
  server::argument(j, "max_plans", q.max_plans);
}

struct Proposal {
  remediation::Proposal plans;
  std::map<std::string, std::string> summaries;  // finding id -> its summary, for not_fixable
  std::string mode;
  std::string source;
};

void to_json(nlohmann::json& j, const Proposal& p) {
  j = {{"mode", p.mode}, {"source", p.source}, {"plans", p.plans.plans}, {"not_fixable", nlohmann::json::array()}};
  for (const auto& n : p.plans.not_fixable) {
    nlohmann::json entry{{"finding_id", n.finding_id}, {"why", n.why}};
    if (const auto it = p.summaries.find(n.finding_id); it != p.summaries.end()) entry["summary"] = it->second;
    j["not_fixable"].push_back(std::move(entry));
  }
}

std::string render_text(const Proposal& p) {
  std::string text = "# Remediation plans (" + std::to_string(p.plans.plans.size()) + ", mode " + p.mode + ")\n";
  if (p.mode != "auto")
    text += "\nThe policy is in " + p.mode + " mode: apply_remediation runs nothing until a human switches to auto.\n";
  for (const auto& plan : p.plans.plans) {
    text += "\n## " + plan.plan_id + ": " + plan.summary + "\n";
    for (const auto& a : plan.actions) {
      text += "- " + a.type + " " + remediation::key_of(a.target) + ": **" + std::string(to_string(a.verdict)) +
              "** (" + a.rule + (a.reason.empty() ? "" : ": " + a.reason) + "), " + std::to_string(a.calls.size()) +
              " upstream call(s)\n";
    }
    text += "- blast radius: " + std::to_string(plan.blast_radius.pods_affected) + " pod(s)";
    if (plan.blast_radius.pdb_allows_disruption)
      text += *plan.blast_radius.pdb_allows_disruption ? ", the PodDisruptionBudget allows it"
                                                       : ", the PodDisruptionBudget allows no disruption now";
    text += "\n- expected: " + plan.expected_effect + "\n- rollback: " + plan.rollback + "\n";
  }
  if (!p.plans.not_fixable.empty()) {
    text += "\n## Not fixable automatically\n";
    for (const auto& n : p.plans.not_fixable) text += "- " + n.finding_id + ": " + n.why + "\n";
  }
  return text;
}

remediation::PlannerOptions planner_options(const Services& services) {
  remediation::PlannerOptions planning;
  if (services.validator) planning.judge = remediation::preview_judge(services.validator);
  if (services.plans) {
    planning.failed_verifications = [plans = services.plans, since = planning.now - remediation::kBreakerWindow](
                                        const std::string& subject) -> std::optional<int> {
      const auto failures = plans->failed_verifications(subject, since);
      return failures ? std::optional(*failures) : std::nullopt;
    };
  }
  return planning;
}

// Right-sizing recommendations as set_resources plans: the recommendations computed afresh (the same figures
// recommend_rightsizing gives), each asked-for id found among them.
server::Result<remediation::Proposal> plan_recommendations(const Services& services, const ProposeQuery& query,
                                                           server::CallContext& context, Proposal& out) {
  cost::Request request;
  request.ns = query.ns;
  request.history_days = services.cost.history_days;
  request.max_results = std::numeric_limits<std::size_t>::max();
  auto rightsized = rightsizing_report(services, request, context);
  if (!rightsized) return tl::unexpected(rightsized.error());
  std::vector<remediation::Resize> resizes;
  std::set<std::string> missing = query.recommendation_ids;
  for (const auto& r : rightsized->report.recommendations) {
    if (!missing.erase(r.id)) continue;
    remediation::Resize resize{.id = r.id,
                               .workload = {r.kind, r.ns, r.workload, ""},
                               .container = r.container,
                               .cpu_request = std::nullopt,
                               .memory = std::nullopt,
                               .reason = r.reason,
                               .monthly_savings = r.monthly_savings};
    if (r.status == "ok" && r.recommended.cpu_request_m)
      resize.cpu_request = cost::cpu_quantity(*r.recommended.cpu_request_m);
    if (r.status == "ok" && r.recommended.memory_limit_bytes)
      resize.memory = cost::memory_quantity(*r.recommended.memory_limit_bytes);
    out.summaries[r.id] = r.ns + "/" + r.workload + " container " + r.container + ": " + r.reason;
    resizes.push_back(std::move(resize));
  }
  if (!missing.empty()) {
    return server::tool_error("recommendation " + *missing.begin() +
                              " is not among the cluster's right-sizing recommendations now" +
                              (query.ns ? " in namespace " + *query.ns : std::string()) +
                              " (its workload or container is gone, or the id is wrong); call recommend_rightsizing "
                              "for the current ones");
  }
  auto planning = planner_options(services);
  planning.max_plans = query.max_plans;
  return remediation::plan_resizes(rightsized->state, resizes, planning);
}

server::Result<Proposal> run(const Services& services, const ProposeQuery& query, server::CallContext& context) {
  if (!services.cluster) {
    return server::tool_error(
        "propose_remediation has no cluster to read: start eks-sre-mcp with --snapshot DIR, or with a kubeconfig so "
        "it can reach the upstream Kubernetes MCP server");
  }
  Proposal out;
  out.mode = services.mode;
  out.source = services.cluster->describe();
  if (!query.recommendation_ids.empty()) {
    auto resized = plan_recommendations(services, query, context, out);
    if (!resized) return tl::unexpected(resized.error());
    out.plans = std::move(*resized);
  }
  if (query.recommendation_ids.empty() || !query.finding_ids.empty()) {
    context.progress(0, 3, "fetch: reading the cluster from " + services.cluster->describe());
    auto state = services.cluster->load(cluster::diagnosis_scope(query.ns));
    if (!state) return server::tool_error("propose_remediation could not read the cluster: " + state.error());
    if (context.cancelled()) return server::tool_error("propose_remediation was cancelled");
    context.progress(1, 3, "analyze");
    analyzers::Options options;
    options.ns = query.ns;
    options.logs = [source = services.cluster](const cluster::LogRequest& r) { return source->logs(r); };
    options.cancelled = [&context] { return context.cancelled(); };
    const auto report = analyzers::analyze(*state, options);
    if (report.cancelled) return server::tool_error("propose_remediation was cancelled");
    context.progress(2, 3, "plan");

    auto planning = planner_options(services);
    planning.finding_ids = query.finding_ids;
    planning.max_plans = query.max_plans - std::min(query.max_plans, out.plans.plans.size());
    for (const auto& f : report.findings) out.summaries[f.id] = f.summary;
    for (const auto& id : query.finding_ids) {
      if (!out.summaries.count(id)) {
        return server::tool_error("finding " + id +
                                  " is not in the cluster now (it was resolved, or the id is wrong); call "
                                  "diagnose_cluster for the current findings");
      }
    }
    auto fixes = remediation::plan(*state, report.findings, planning);
    for (auto& p : fixes.plans) out.plans.plans.push_back(std::move(p));
    for (auto& n : fixes.not_fixable) out.plans.not_fixable.push_back(std::move(n));
  }
  const auto now = std::chrono::system_clock::now();
  if (services.plans) {
    for (const auto& plan : out.plans.plans) {
      if (auto saved = services.plans->save(plan, now); !saved)
        return server::tool_error("propose_remediation could not keep its plans: " + saved.error());
    }
  }
  // Each plan is in the audit log as proposed, with its verdicts: what apply later does is compared with it.
  if (services.audit) {
    for (const auto& plan : out.plans.plans) {
      nlohmann::json actions = nlohmann::json::array();
      for (const auto& a : plan.actions) {
        actions.push_back({{"type", a.type},
                           {"target", remediation::key_of(a.target)},
                           {"verdict", std::string(to_string(a.verdict))},
                           {"rule", a.rule}});
      }
      (void)services.audit->append({{"event", "proposal"},
                                    {"plan_id", plan.plan_id},
                                    {"finding_id", plan.finding_id},
                                    {"subject", plan.subject},
                                    {"actions", std::move(actions)}});
    }
  }
  context.progress(3, 3, "done");
  return out;
}

}  // namespace

server::ToolDef propose_remediation_tool(const Services& services) {
  return server::ToolDef{
      .name = "propose_remediation",
      .title = "Remediation: propose fixes",
      .description =
          "Plan fixes for what diagnose_cluster finds, without changing anything. Each plan has a plan_id, the "
          "finding it fixes, typed actions (restart_pod, delete_failed_pods, rollout_restart, scale, set_resources, "
          "rollback_image) with their target, parameters, the exact upstream calls they will make, and the safety "
          "policy's verdict on those calls: auto (runs without a human in auto mode), needs_approval (waits for a "
          "human) or forbidden (never runs), with the rule and reason; plus the blast radius (pods affected, whether "
          "a PodDisruptionBudget allows it), the expected effect, the rollback and when the plan expires. Findings "
          "no action fixes safely (a missing Secret, a wrong command) are listed in not_fixable with the reason — "
          "tell the user what a human must change. Show the plans to the user; apply one with apply_remediation "
          "and its plan_id.",
      .input_schema = "propose_remediation.input",
      .output_schema = "propose_remediation.output",
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = true},
      .safety = server::SafetyClass::read_only,
      .handler =
          server::typed<ProposeQuery, Proposal>([&services](const ProposeQuery& query, server::CallContext& context) {
            return run(services, query, context);
          }),
  };
}

}  // namespace eks::tools
