// diagnose_cluster: what is wrong with the cluster, one finding per incident, with the root cause and the
// evidence — deterministic analyzers over a ClusterState, no model needed. With `depth: deep` the
// k8s-diagnostics subagent then investigates the most severe findings with read-only upstream tools and
// refines their root causes and evidence.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/tool.hpp"
#include "tools/analyzers/analyze.hpp"
#include "tools/cluster/source.hpp"
#include "tools/deep_analysis.hpp"
#include "tools/logs/quote.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct DiagnoseQuery {
  std::optional<std::string> ns;
  std::set<std::string> kinds;
  std::string severity_min = "warning";  // the schema's enum; parsed when the analysis runs
  std::size_t max_findings = 20;
  std::optional<std::string> depth;  // quick | deep; absent: deep when a model provider is configured
  bool fresh = false;                // bypass the short-lived read cache
};

void from_json(const nlohmann::json& j, DiagnoseQuery& q) {
  server::argument(j, "namespace", q.ns);
  server::argument(j, "kinds", q.kinds);
  server::argument(j, "severity_min", q.severity_min);
  server::argument(j, "max_findings", q.max_findings);
  server::argument(j, "depth", q.depth);
  server::argument(j, "fresh", q.fresh);
}

constexpr const char* kAgent = "k8s-diagnostics";

struct Diagnosis {
  analyzers::Report report;
  std::string source;
  std::vector<std::string> warnings;
  agents::Outcome outcome;  // the investigation, or why none ran
  std::string note;         // why no model ran when that is not a failure (quick, nothing to investigate)
};

// The answer's entries by finding id (empty without an answer).
std::map<std::string, nlohmann::json> answered(const Diagnosis& d) {
  std::map<std::string, nlohmann::json> out;
  if (d.outcome.answer) {
    for (const auto& f : (*d.outcome.answer)["findings"]) out[f["id"].get<std::string>()] = f;
  }
  return out;
}

void to_json(nlohmann::json& j, const Diagnosis& d) {
  j = analyzers::to_json(d.report);
  j["summary"]["source"] = d.source;
  if (!d.warnings.empty()) j["summary"]["warnings"] = d.warnings;
  // The agent's root cause replaces the analyzers'; its evidence comes first, the analyzers' stays after it.
  const auto answers = answered(d);
  nlohmann::json refined = nlohmann::json::array();
  nlohmann::json actions = nlohmann::json::array();
  for (auto& finding : j["findings"]) {
    const auto it = answers.find(finding["id"].get<std::string>());
    if (it == answers.end()) continue;
    finding["root_cause"] = it->second["root_cause"];
    nlohmann::json evidence = it->second["evidence"];
    for (const auto& e : finding["evidence"]) {
      if (std::none_of(evidence.begin(), evidence.end(), [&](const auto& x) { return x["text"] == e["text"]; }))
        evidence.push_back(e);
    }
    finding["evidence"] = std::move(evidence);
    refined.push_back(finding["id"]);
    for (const auto& a : it->second.value("recommended_actions", nlohmann::json::array())) {
      actions.push_back({{"finding", finding["id"]}, {"action", a}});
    }
  }
  j["analysis"] = agents::analysis_json(d.outcome);
  if (!refined.empty()) j["analysis"]["refined_findings"] = refined;
  if (!actions.empty()) j["analysis"]["recommended_actions"] = actions;
  if (!d.note.empty()) j["analysis"]["note"] = d.note;
}

std::string render_text(const Diagnosis& d) {
  std::string text = analyzers::render_markdown(d.report);
  for (const auto& w : d.warnings) text += "\nWarning (incomplete data): " + w + "\n";
  const auto& o = d.outcome;
  if (o.answer) {
    text += "\n## Investigated by " + o.agent + " (" + o.model + ", " + std::to_string(o.turns) + " turns, " +
            std::to_string(o.tool_calls) + " tool calls)\n";
    for (const auto& f : (*o.answer)["findings"]) {
      const auto& rc = f["root_cause"];
      text += "- " + f["id"].get<std::string>() + ": " + rc["summary"].get<std::string>() + " (" +
              rc["category"].get<std::string>() + ", confidence " +
              std::to_string(static_cast<int>(rc["confidence"].get<double>() * 100 + 0.5)) + "%)\n";
      // The agent's evidence quotes what it read in the cluster.
      for (const auto& e : f["evidence"])
        text += "  - " + e["source"].get<std::string>() + ": " + logs::code_span(e["text"].get<std::string>()) + "\n";
      for (const auto& a : f.value("recommended_actions", nlohmann::json::array()))
        text += "  - do: " + a.get<std::string>() + "\n";
    }
  } else if (!o.failure.empty()) {
    text +=
        "\nDeep investigation unavailable (" + o.failure + "); the findings above are the deterministic analysis.\n";
  }
  return text;
}

// Hands the most severe findings to the k8s-diagnostics agent; the outcome holds its answer or why there is none.
agents::Outcome investigate(const agents::Runtime& runtime, const analyzers::Report& report, std::size_t top,
                            server::CallContext& context) {
  const nlohmann::json all = analyzers::to_json(report)["findings"];
  nlohmann::json chosen = nlohmann::json::array();
  std::set<std::string> ids;
  for (std::size_t i = 0; i < all.size() && i < top; ++i) {
    nlohmann::json f = all[i];
    f.erase("suggested_actions");  // typed for propose_remediation, not for the investigation
    ids.insert(f["id"].get<std::string>());
    chosen.push_back(std::move(f));
  }
  agents::Task task;
  task.agent = kAgent;
  task.prompt = "diagnose_cluster found " + std::to_string(all.size()) + " findings; investigate the " +
                std::to_string(chosen.size()) +
                " most severe below. For each, read the cluster with your tools to confirm or correct its root "
                "cause, then call submit_result once with one entry per finding id.\n\n" +
                agents::untrusted("diagnose_cluster findings", chosen.dump(2));
  task.answer_schema = deep::answer_schema("diagnose_cluster.answer");
  task.check = [ids](const nlohmann::json& answer) -> std::optional<std::string> {
    std::set<std::string> seen;
    for (const auto& f : answer["findings"]) {
      const std::string id = f["id"];
      if (!ids.count(id)) return "/findings: \"" + id + "\" is not one of the finding ids given";
      if (!seen.insert(id).second) return "/findings: \"" + id + "\" appears twice";
    }
    return std::nullopt;
  };
  task.progress = [&context](const std::string& step) { context.progress(2.5, 3, "investigate: " + step); };
  return runtime.investigate(task, [&context] { return context.cancelled(); });
}

// Progress runs 0..3: fetch (0-1), analyze (1-2), correlate and logs (2-3).
server::Result<Diagnosis> run(const std::shared_ptr<cluster::ClusterSource>& source,
                              const std::shared_ptr<const agents::Runtime>& runtime, std::size_t top_findings,
                              const DiagnoseQuery& query, server::CallContext& context) {
  if (!source) {
    return server::tool_error(
        "diagnose_cluster has no cluster to read: start eks-sre-mcp with --snapshot DIR, or with a kubeconfig so it "
        "can reach the upstream Kubernetes MCP server");
  }
  context.progress(0, 3, "fetch: reading the cluster from " + source->describe());
  cluster::LoadScope scope = cluster::diagnosis_scope(query.ns);
  scope.fresh = query.fresh;
  double last = 0;
  auto state = source->load(scope, [&](const cluster::LoadProgress& p) {
    if (p.total <= 0) return;
    const double value = 0.9 * static_cast<double>(p.done) / static_cast<double>(p.total);
    if (value <= last) return;
    last = value;
    context.progress(value, 3, "fetch: " + p.step);
  });
  if (!state) return server::tool_error("diagnose_cluster could not read the cluster: " + state.error());
  if (context.cancelled()) return server::tool_error("diagnose_cluster was cancelled");
  if (query.ns && !state->namespace_(*query.ns) && state->pods_in_namespace(*query.ns).empty()) {
    cluster::LoadScope names_only;
    names_only.kinds = {"Namespace"};
    names_only.events = false;
    names_only.metrics = false;
    std::string names;
    if (auto all = source->load(names_only)) {
      for (const auto& n : all->namespaces) names += (names.empty() ? "" : ", ") + n.meta.name;
    }
    return server::tool_error("namespace \"" + *query.ns + "\" does not exist or is empty" +
                              (names.empty() ? std::string() : "; the cluster's namespaces: " + names));
  }

  analyzers::Options options;
  options.ns = query.ns;
  options.kinds = query.kinds;
  options.severity_min = analyzers::parse_severity(query.severity_min).value_or(analyzers::Severity::warning);
  options.max_findings = query.max_findings;
  options.logs = [source](const cluster::LogRequest& r) { return source->logs(r); };
  options.cancelled = [&context] { return context.cancelled(); };
  Diagnosis out;
  out.report = analyzers::analyze(*state, options, [&](analyzers::Phase phase, std::string_view message) {
    const double value = phase == analyzers::Phase::analyze ? 1.0 : phase == analyzers::Phase::correlate ? 2.0 : 2.5;
    const char* name = phase == analyzers::Phase::analyze     ? "analyze: "
                       : phase == analyzers::Phase::correlate ? "correlate: "
                                                              : "logs: ";
    context.progress(value, 3, std::string(name) + std::string(message));
  });
  if (out.report.cancelled || context.cancelled()) return server::tool_error("diagnose_cluster was cancelled");
  out.source = source->describe();
  out.warnings = state->warnings;
  auto depth = deep::run(query.depth, runtime.get(), kAgent, [&] {
    if (out.report.findings.empty()) {
      out.note = "nothing to investigate: no findings";
      return deep::without_model(runtime.get(), kAgent, "");
    }
    return investigate(*runtime, out.report, top_findings, context);
  });
  if (context.cancelled()) return server::tool_error("diagnose_cluster was cancelled");
  out.outcome = std::move(depth.outcome);
  if (!depth.note.empty()) out.note = std::move(depth.note);
  context.progress(3, 3, "done");
  return out;
}

}  // namespace

server::ToolDef diagnose_cluster_tool(const Services& services) {
  return server::ToolDef{
      .name = "diagnose_cluster",
      .title = "Cluster: diagnose",
      .description =
          "Find what is wrong in the Kubernetes/EKS cluster and why, in seconds, without changing anything. "
          "Checks pods (crash loops, OOM kills, image pulls, missing ConfigMaps/Secrets, unschedulable pods, probe "
          "failures, evictions, init containers, volumes), Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, "
          "Services, Ingresses, PVCs, StorageClasses, nodes, HPAs, PDBs and webhooks, then correlates them: one "
          "finding per incident (a crashing workload together with its Service and unavailable Deployment). Each "
          "finding has a stable id, the resource and its owners, a reason, severity, a one-sentence summary, the "
          "root cause {category, summary, confidence}, evidence (status fields, event messages, log lines), whether "
          "to escalate to a human, and typed suggested actions for propose_remediation. Use it first for \"what is "
          "wrong with my cluster/namespace\"; then analyze_pod_logs for one pod's logs. depth: deep (the default "
          "when a model is configured) has a Claude subagent read the cluster to confirm or correct the root causes "
          "of the most severe findings; `analysis` says what ran (model, turns, tool calls, tokens, cost) and "
          "whether it degraded to the deterministic answer.",
      .input_schema = "diagnose_cluster.input",
      .output_schema = "diagnose_cluster.output",
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = true},
      .safety = server::SafetyClass::read_only,
      // The cluster and the agents are read at call time: Services outlives the dispatcher.
      .handler = server::typed<DiagnoseQuery, Diagnosis>(
          [&services](const DiagnoseQuery& query, server::CallContext& context) {
            return run(services.cluster, services.agents, services.agent_top_findings, query, context);
          }),
  };
}

}  // namespace eks::tools
