// open_incident: one GitHub issue per incident, through the GitHub MCP upstream. The same incident again is a
// timeline comment on its open issue (or reopens an issue closed within the reopen window), never a second issue;
// the lookup asks GitHub, so it holds across restarts and replicas. The issue carries the finding's summary, root
// cause, evidence, affected objects and the remediation plans tried for it, redacted.
#include <string>

#include "tools/analyzers/analyze.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct IncidentQuery {
  std::optional<std::string> finding_id;
  std::optional<nlohmann::json> finding;
  std::optional<std::string> severity;
  std::string extra_context;
};

void from_json(const nlohmann::json& j, IncidentQuery& q) {
  server::argument(j, "finding_id", q.finding_id);
  server::argument(j, "finding", q.finding);
  server::argument(j, "severity", q.severity);
  server::argument(j, "extra_context", q.extra_context);
}

struct Filed {
  incidents::Opened opened;
  std::string repository;
  std::string finding_id;
};

void to_json(nlohmann::json& j, const Filed& f) {
  j = {{"issue_number", f.opened.issue_number},
       {"url", f.opened.url},
       {"repository", f.repository},
       {"action", f.opened.action},
       {"fingerprint", f.opened.fingerprint},
       {"finding_id", f.finding_id}};
  if (f.opened.previous) j["previous_issue"] = *f.opened.previous;
}

std::string render_text(const Filed& f) {
  const std::string what = f.opened.action == "created"    ? "Filed"
                           : f.opened.action == "reopened" ? "Reopened"
                                                           : "Updated";
  std::string text = what + " incident " + f.opened.fingerprint + " as " + f.repository + "#" +
                     std::to_string(f.opened.issue_number) + ": " + f.opened.url + "\n";
  if (f.opened.action == "commented")
    text += "The incident already had this open issue; a timeline comment was added.\n";
  if (f.opened.previous) text += "It happened before: #" + std::to_string(*f.opened.previous) + " (closed).\n";
  return text;
}

// The finding as the cluster shows it now (the server's short read cache makes this the read diagnose_cluster
// just did).
server::Result<nlohmann::json> current_finding(const Services& services, const std::string& id,
                                               server::CallContext& context) {
  if (!services.cluster) {
    return server::tool_error(
        "open_incident has no cluster to read the finding from; pass the finding itself, or configure a cluster");
  }
  auto state = services.cluster->load(cluster::diagnosis_scope());
  if (!state) return server::tool_error("open_incident could not read the cluster: " + state.error());
  analyzers::Options options;
  options.logs = [source = services.cluster](const cluster::LogRequest& r) { return source->logs(r); };
  options.cancelled = [&context] { return context.cancelled(); };
  for (const auto& f : analyzers::analyze(*state, options).findings)
    if (f.id == id) return nlohmann::json(f);
  return server::tool_error("finding " + id +
                            " is not in the cluster now (it was resolved, or the id is wrong); call diagnose_cluster "
                            "for the current findings, or pass the finding itself");
}

// What was tried for the finding: its plans and their verifications, from the plan store.
std::vector<incidents::PlanRecord> plans_for(const Services& services, const std::string& finding_id) {
  std::vector<incidents::PlanRecord> out;
  if (!services.plans) return out;
  const auto plans = services.plans->plans_for(finding_id);
  if (!plans) return out;
  for (const auto& p : *plans) {
    incidents::PlanRecord r{p.plan_id, p.summary, {}, {}};
    for (const auto& a : p.actions)
      r.actions.push_back(a.type + " " + remediation::key_of(a.target) + ": " + std::string(to_string(a.verdict)));
    if (const auto v = services.plans->verifications_of(p.plan_id))
      for (const auto& x : *v)
        r.outcomes.push_back("applied " + cluster::format_time(std::chrono::floor<std::chrono::seconds>(x.at)) +
                             ", verification " + x.status);
    out.push_back(std::move(r));
  }
  return out;
}

server::Result<Filed> run(const Services& services, const IncidentQuery& query, server::CallContext& context) {
  if (!query.finding_id && !query.finding)
    return server::tool_error("open_incident needs finding_id (from diagnose_cluster) or the finding itself");
  auto desk = services.incidents();
  if (!desk) return server::tool_error("open_incident cannot file incidents: " + desk.error());
  context.progress(0, 2, "finding");
  nlohmann::json finding;
  if (query.finding) {
    finding = *query.finding;
  } else {
    auto current = current_finding(services, *query.finding_id, context);
    if (!current) return tl::unexpected(current.error());
    finding = std::move(*current);
  }
  const std::string severity = query.severity.value_or(finding.value("severity", "warning"));
  context.progress(1, 2, "GitHub: looking for the incident's issue");
  auto opened = (*desk)->open(finding, severity, plans_for(services, finding.value("id", "")), query.extra_context);
  if (!opened) {
    return server::tool_error("open_incident could not file the incident in " + (*desk)->options().repository.full() +
                              ": " + opened.error().message +
                              (opened.error().transient ? " (a temporary failure: call open_incident again later; "
                                                          "it finds the same issue, so nothing is duplicated)"
                                                        : ""));
  }
  context.progress(2, 2, "done");
  return Filed{*opened, (*desk)->options().repository.full(), finding.value("id", "")};
}

}  // namespace

server::ToolDef open_incident_tool(const Services& services) {
  return server::ToolDef{
      .name = "open_incident",
      .title = "Incidents: file on GitHub",
      .description =
          "File a finding as an incident issue in the configured GitHub repository, or update the incident it "
          "already has: the same incident (cluster + finding) always maps to one issue. An open issue gets a "
          "timeline comment (action commented), a recently closed one is reopened (reopened), otherwise a new "
          "issue is created (created) and links an older closed one. The issue holds the summary, severity, root "
          "cause, evidence, affected objects and the remediation plans tried, with secrets redacted. Give "
          "finding_id from diagnose_cluster (the cluster is read again) or the finding itself; extra_context adds "
          "what you know beyond it.",
      .input_schema = "open_incident.input",
      .output_schema = "open_incident.output",
      .annotations = {.read_only = false, .destructive = false, .idempotent = true, .open_world = true},
      .safety = server::SafetyClass::mutating,
      .handler =
          server::typed<IncidentQuery, Filed>([&services](const IncidentQuery& query, server::CallContext& context) {
            return run(services, query, context);
          }),
  };
}

}  // namespace eks::tools
