// diagnose_cluster: what is wrong with the cluster, one finding per incident, with the root cause and the
// evidence — deterministic analyzers over a ClusterState, no model needed.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/tool.hpp"
#include "tools/analyzers/analyze.hpp"
#include "tools/cluster/source.hpp"

namespace eks::tools {
namespace {

struct DiagnoseQuery {
  std::optional<std::string> ns;
  std::set<std::string> kinds;
  analyzers::Severity severity_min = analyzers::Severity::warning;
  std::size_t max_findings = 20;
};

void from_json(const nlohmann::json& j, DiagnoseQuery& q) {
  if (j.contains("namespace")) q.ns = j["namespace"].get<std::string>();
  if (j.contains("kinds")) {
    for (const auto& k : j["kinds"]) q.kinds.insert(k.get<std::string>());
  }
  if (j.contains("severity_min")) {
    q.severity_min = analyzers::parse_severity(j["severity_min"].get<std::string>()).value_or(analyzers::Severity::warning);
  }
  if (j.contains("max_findings")) q.max_findings = j["max_findings"].get<std::size_t>();
}

struct Diagnosis {
  analyzers::Report report;
  std::string source;
  std::vector<std::string> warnings;
};

void to_json(nlohmann::json& j, const Diagnosis& d) {
  j = analyzers::to_json(d.report);
  j["summary"]["source"] = d.source;
  if (!d.warnings.empty()) j["summary"]["warnings"] = d.warnings;
}

std::string render_text(const Diagnosis& d) {
  std::string text = analyzers::render_markdown(d.report);
  for (const auto& w : d.warnings) text += "\nWarning (incomplete data): " + w + "\n";
  return text;
}

// Progress runs 0..3: fetch (0-1), analyze (1-2), correlate and logs (2-3).
server::Result<Diagnosis> run(const std::shared_ptr<cluster::ClusterSource>& source, const DiagnoseQuery& query,
                              server::CallContext& context) {
  if (!source) {
    return server::tool_error(
        "diagnose_cluster has no cluster to read: start eks-sre-mcp with --snapshot DIR, or with a kubeconfig so it "
        "can reach the upstream Kubernetes MCP server");
  }
  context.progress(0, 3, "fetch: reading the cluster from " + source->describe());
  cluster::LoadScope scope;
  scope.ns = query.ns;
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
  options.severity_min = query.severity_min;
  options.max_findings = query.max_findings;
  options.logs = [source](const cluster::LogRequest& r) { return source->logs(r); };
  options.cancelled = [&context] { return context.cancelled(); };
  Diagnosis out;
  out.report = analyzers::analyze(*state, options, [&](analyzers::Phase phase, std::string_view message) {
    const double value = phase == analyzers::Phase::analyze ? 1.0 : phase == analyzers::Phase::correlate ? 2.0 : 2.5;
    const char* name = phase == analyzers::Phase::analyze ? "analyze: " : phase == analyzers::Phase::correlate ? "correlate: " : "logs: ";
    context.progress(value, 3, std::string(name) + std::string(message));
  });
  if (out.report.cancelled || context.cancelled()) return server::tool_error("diagnose_cluster was cancelled");
  out.source = source->describe();
  out.warnings = state->warnings;
  context.progress(3, 3, "done");
  return out;
}

}  // namespace

server::ToolDef diagnose_cluster_tool(std::function<std::shared_ptr<cluster::ClusterSource>()> source) {
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
          "wrong with my cluster/namespace\"; then analyze_pod_logs for one pod's logs.",
      .input_schema = "diagnose_cluster.input",
      .output_schema = "diagnose_cluster.output",
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = true},
      .safety = server::SafetyClass::read_only,
      .handler = server::typed<DiagnoseQuery, Diagnosis>(
          [source = std::move(source)](const DiagnoseQuery& query, server::CallContext& context) {
            return run(source ? source() : nullptr, query, context);
          }),
  };
}

}  // namespace eks::tools
