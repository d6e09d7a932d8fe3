// The analysis pipeline: per-kind analyzers -> correlation -> logs for the findings that need them ->
// escalation and NamespaceDegraded -> sort and filter -> summary.
#include "tools/analyzers/analyze.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include "safety/redactor.hpp"
#include "tools/analyzers/context.hpp"
#include "tools/analyzers/pod_reasons.hpp"
#include "tools/logs/log_analysis.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {
namespace {

// More than this many failing pods in one namespace escalates and adds a NamespaceDegraded finding (the
// seed's criterion).
constexpr std::size_t kDegradedPods = 5;

int rank(const Finding& f) {
  if (f.reason == "NamespaceDegraded") return 4;
  if (kPodReasons.count(f.reason) || f.reason == "JobFailed" || f.reason == "ReplicaSetCreateFailure") return 1;
  if (f.resource.kind == "Node") return 2;
  return 3;
}

// A log line where the application says one of these variables is empty or unset ("API_TOKEN is not set",
// "missing API_TOKEN", "API_TOKEN empty"): {the variable and where it comes from, the line}.
std::optional<std::pair<std::pair<std::string, std::string>, std::string>> unset_in_log(
    const std::string& text, const std::vector<std::pair<std::string, std::string>>& vars) {
  if (vars.empty()) return std::nullopt;
  static constexpr std::string_view kUnset[] = {"not set",     "unset",    "empty",        "missing",     "undefined",
                                                "is required", "no value", "not provided", "not defined", "blank"};
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    for (const auto& var : vars) {
      // The name as a word of its own: API_TOKEN, not API_TOKEN_FILE.
      bool named = false;
      for (auto at = line.find(var.first); at != std::string_view::npos && !named; at = line.find(var.first, at + 1)) {
        const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
        const std::size_t after = at + var.first.size();
        named = (at == 0 || !word(line[at - 1])) && (after >= line.size() || !word(line[after]));
      }
      if (!named) continue;
      for (const auto& w : kUnset) {
        if (icontains(line, w)) return std::make_pair(var, std::string(line));
      }
    }
  }
  return std::nullopt;
}

// The log of the finding's representative pod: the cause when status and events did not name it, and the
// lines that prove it.
void read_logs(Finding& f, const Options& options, const safety::Redactor& redactor) {
  cluster::LogRequest request;
  request.ns =
      f.workload.kind == "Namespace" ? f.workload.name : (f.workload.ns.empty() ? f.resource.ns : f.workload.ns);
  request.pod = f.log_pod;
  request.container = f.log_container;
  request.previous = f.log_previous;
  request.tail_lines = 500;
  auto text = options.logs(request);
  if (!text && request.previous) {
    request.previous = false;
    text = options.logs(request);
  }
  if (!text || text->empty()) return;
  const auto analysis = logs::analyze_log(*text, f.log_container, logs::PatternSet::builtin(), 5);
  const std::string where = "Pod/" + f.log_pod + (f.log_container.empty() ? "" : " " + f.log_container) +
                            (request.previous ? " (previous)" : "");
  if (analysis.cause) {
    f.add_evidence("log", redactor.redact(analysis.cause->line.text), where);
    const bool generic = !f.status_cause_is_specific && f.root_cause.confidence < analysis.cause->confidence;
    // An OOM kill stays an OOM kill; the log only adds evidence (a heap warning before the kill).
    if (generic) {
      const std::string before = f.root_cause.summary;
      f.root_cause.category = analysis.cause->category;
      f.root_cause.confidence = analysis.cause->confidence;
      f.root_cause.summary = redactor.redact(analysis.cause->summary);
      if (f.reason == "ProbeFailure" && !before.empty()) f.root_cause.summary += " (probe: " + before + ")";
      Json params{{"kind", f.workload.kind}, {"namespace", f.workload.ns}, {"name", f.workload.name}};
      if (!f.log_container.empty()) params["container"] = f.log_container;
      const auto& category = f.root_cause.category;
      std::vector<Action> actions;
      if (category == "missing_config") {
        actions.push_back({"fix_config",
                           "add the missing configuration to the pod template (" + f.root_cause.summary +
                               "); a restart alone will not help",
                           params});
      } else if (category == "out_of_memory") {
        actions.push_back({"set_resources", "raise the memory limit or lower the application's memory use", params});
      } else if (category == "dependency_unreachable" || category == "dns_failure") {
        actions.push_back(
            {"investigate",
             "restore the dependency (or fix its address, NetworkPolicy or security group); the pods recover on their own",
             params});
      } else if (category == "permission_denied") {
        actions.push_back(
            {"fix_config", "grant the permission (RBAC Role/binding, IRSA policy, or securityContext)", params});
      } else if (category == "bad_command") {
        actions.push_back({"fix_config", "fix the container's command/args or image", params});
      }
      for (auto& a : f.actions) actions.push_back(std::move(a));
      f.actions = std::move(actions);
    }
  } else if (analysis.first_error) {
    f.add_evidence("log", redactor.redact(analysis.first_error->text), where);
  }
  if (const auto said = unset_in_log(*text, f.unread_secret_env)) {
    // The container's own word that a variable from an optional Secret key is empty: the key (or the Secret) is
    // missing, checked without reading the Secret.
    f.add_evidence("log", redactor.redact(said->second), where);
    f.root_cause = {"missing_config",
                    "environment variable " + said->first.first + " reads " + said->first.second +
                        ", marked optional; the container's log says the variable is empty or unset, so the key (or "
                        "the Secret) is missing and the container starts without it",
                    0.8};
    f.status_cause_is_specific = true;
    f.unread_secret_env.clear();
    Json params{{"kind", f.workload.kind}, {"namespace", f.workload.ns}, {"name", f.workload.name}};
    if (!f.log_container.empty()) params["container"] = f.log_container;
    f.actions.insert(f.actions.begin(), Action{"fix_config",
                                               "add " + said->first.second +
                                                   " (a human manages the Secret), or make the reference "
                                                   "required so that the pod reports the missing key",
                                               params});
  }
  for (const auto& k : analysis.key_lines) {
    if (f.evidence.size() >= 12) break;
    if (analysis.cause && k.line == analysis.cause->line.line) continue;
    if (!k.pattern.empty()) f.add_evidence("log", redactor.redact(k.text), where);
  }
}

void escalate(std::vector<Finding>& findings, const cluster::ClusterState& state, std::vector<std::string>& degraded) {
  // Failing pods per namespace, from the pod-level findings.
  std::map<std::string, std::set<std::string>> failing;
  std::map<std::string, std::vector<std::size_t>> by_namespace;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const auto& f = findings[i];
    const std::string ns = f.resource.ns;
    if (!ns.empty()) by_namespace[ns].push_back(i);
    if (kPodReasons.count(f.reason) && f.severity >= Severity::warning) {
      for (const auto& p : f.pod_names) failing[ns].insert(p);
    }
  }
  for (auto& f : findings) {
    bool kube_system = f.resource.ns == "kube-system";
    bool storage = !f.claims.empty() || f.resource.kind == "PersistentVolumeClaim" ||
                   f.resource.kind == "PersistentVolume" || f.resource.kind == "StorageClass";
    for (const auto& r : f.related) {
      kube_system |= r.ref.ns == "kube-system";
      storage |=
          r.ref.kind == "PersistentVolumeClaim" || r.ref.kind == "PersistentVolume" || r.ref.kind == "StorageClass";
    }
    for (const auto& p : f.pod_names) kube_system |= p.rfind("kube-system/", 0) == 0;
    if (kube_system) f.escalation_why.push_back("kube-system is involved");
    if (storage) f.escalation_why.push_back("persistent storage (PV/PVC) is involved");
  }
  for (const auto& [ns, pods] : failing) {
    if (pods.size() <= kDegradedPods) continue;
    const bool stuck = std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
      return f.resource.kind == "Namespace" && f.resource.name == ns && f.reason == "NamespaceDegraded";
    });
    if (stuck) continue;  // a namespace stuck Terminating is its own finding already
    degraded.push_back(ns);
    const std::string why = std::to_string(pods.size()) + " failing pods in namespace " + ns;
    Finding d;
    d.resource = ObjectRef{"Namespace", "", ns, ""};
    d.workload = d.resource;
    d.reason = "NamespaceDegraded";
    d.id = fingerprint("Namespace", "", ns, d.reason);
    d.severity = Severity::critical;
    std::map<std::string, int> reasons;
    std::map<std::string, int> categories;
    for (std::size_t i : by_namespace[ns]) {
      auto& f = findings[i];
      f.escalation_why.push_back(why);
      if (!kPodReasons.count(f.reason)) continue;
      reasons[f.reason] += f.count;
      categories[f.root_cause.category] += f.count;
      d.add_related(f.resource, f.reason, f.count > 1 ? plural(f.count, "pod") : "");
    }
    std::vector<std::string> parts;
    for (const auto& [r, n] : reasons) parts.push_back(std::to_string(n) + " " + r);
    const auto top = std::max_element(categories.begin(), categories.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
    d.what = "namespace " + ns + " is degraded: " + std::to_string(pods.size()) + " pods are failing across " +
             plural(static_cast<long long>(d.related.size()), "workload");
    d.add_evidence("status", join(parts, ", "));
    d.root_cause = {top == categories.end() ? "unknown" : top->first,
                    "see the related findings; the most common cause category is " +
                        (top == categories.end() ? std::string("unknown") : top->first),
                    0.5};
    d.count = static_cast<int>(pods.size());
    // Roll-up: three or more workloads failing the same way in a degraded namespace are one incident (a bad
    // shared config, a dependency down); they become related resources of the namespace's finding.
    std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> same;
    for (std::size_t i : by_namespace[ns]) {
      if (kPodReasons.count(findings[i].reason))
        same[{findings[i].reason, findings[i].root_cause.category}].push_back(i);
    }
    for (auto& [key, members] : same) {
      if (members.size() < 3) continue;
      const Finding& rep = findings[members.front()];
      std::vector<std::string> names;
      for (std::size_t i : members) {
        findings[i].folded = true;
        if (names.size() < 5) names.push_back(findings[i].resource.name);
      }
      d.what += "; " + plural(static_cast<long long>(members.size()), rep.resource.kind) + " fail with " + key.first +
                " (" + join(names, ", ") + (members.size() > names.size() ? ", ..." : "") + ")";
      if (d.root_cause.confidence < rep.root_cause.confidence || d.evidence.size() == 1) {
        d.root_cause = rep.root_cause;
        d.root_cause.summary = "the same failure in " + plural(static_cast<long long>(members.size()), "workload") +
                               ": " + rep.root_cause.summary;
      }
      for (std::size_t k = 0; k < rep.evidence.size() && k < 3; ++k) {
        d.add_evidence(rep.evidence[k].source, rep.evidence[k].text, rep.resource.kind + "/" + rep.resource.name,
                       rep.evidence[k].count);
      }
      for (const auto& a : rep.actions) d.add_action(a.type, a.description, a.parameters);
      if (d.log_pod.empty()) {
        d.log_pod = rep.log_pod;
        d.log_container = rep.log_container;
        d.log_previous = rep.log_previous;
        d.status_cause_is_specific = rep.status_cause_is_specific;
      }
    }
    std::erase_if(d.related, [&](const Related& r) {
      for (std::size_t i : by_namespace[ns]) {
        if (findings[i].resource == r.ref && !findings[i].folded) return true;  // has its own finding
      }
      return false;
    });
    // The chain both ways: the workloads rolled up are the namespace's affected objects; those with a finding of
    // their own explain it, and name it.
    for (std::size_t i : by_namespace[ns]) {
      auto& f = findings[i];
      if (!kPodReasons.count(f.reason)) continue;
      d.add_affected(f.resource, f.reason, f.count > 1 ? plural(f.count, "pod") : "");
      if (f.folded) continue;
      d.add_cause(f.resource, f.reason, "", f.id);
      f.add_consequence(d.resource, d.reason, "", d.id);
    }
    d.escalation_why.push_back(why);
    d.add_action(
        "investigate",
        "treat it as one incident: fix the shared cause first (a bad rollout, a missing dependency, a node problem)",
        Json{{"namespace", ns}});
    findings.push_back(std::move(d));
  }
  std::erase_if(findings, [](const Finding& f) { return f.folded; });
  for (auto& f : findings) {
    std::sort(f.escalation_why.begin(), f.escalation_why.end());
    f.escalation_why.erase(std::unique(f.escalation_why.begin(), f.escalation_why.end()), f.escalation_why.end());
    f.escalate = !f.escalation_why.empty();
  }
  (void)state;
}

void finalize(Finding& f) {
  // Said, not guessed: what this path could not check stays in the root cause.
  for (const auto& [var, from] : f.unread_secret_env) {
    f.root_cause.summary += (f.root_cause.summary.empty() ? "" : "; ") + std::string("not checked: ") + var +
                            " reads " + from +
                            ", marked optional, and Secrets are never read here (a missing key leaves the variable "
                            "unset without any event)";
  }
  std::string what = f.what.empty() ? describe(f.resource) + ": " + f.reason : f.what;
  if (f.count > 1 && kPodReasons.count(f.reason) && f.resource.kind != "Pod")
    what += " (" + plural(f.count, "pod") + ")";
  std::string cause = f.root_cause.summary;
  f.summary = what + (cause.empty() ? "" : ": " + cause);
  if (!f.summary.empty() && f.summary.back() != '.') f.summary += ".";
  if (f.actions.empty()) f.add_action("investigate", "look at the resource and its events", ref_json(f.resource));
}

}  // namespace

Report analyze(const cluster::ClusterState& state, const Options& options, const PhaseFn& phase) {
  const auto started = std::chrono::steady_clock::now();
  Report report;
  Context ctx{state, options.ns, {}, {}};
  auto cancelled = [&] { return options.cancelled && options.cancelled(); };
  if (phase) phase(Phase::analyze, "running analyzers");
  using Step = void (*)(Context&);
  static constexpr Step kSteps[] = {
      analyze_pods,        analyze_deployments, analyze_replica_sets, analyze_stateful_sets,
      analyze_daemon_sets, analyze_jobs,        analyze_cron_jobs,    analyze_services,
      analyze_ingresses,   analyze_pvcs,        analyze_storage,      analyze_nodes,
      analyze_hpas,        analyze_pdbs,        analyze_webhooks,     analyze_namespaces};
  for (Step step : kSteps) {
    if (cancelled()) {
      report.cancelled = true;
      return report;
    }
    step(ctx);
  }
  if (phase) phase(Phase::correlate, "correlating " + plural(static_cast<long long>(ctx.findings.size()), "finding"));
  correlate(ctx);
  auto& findings = ctx.findings;
  std::vector<std::string> degraded;
  escalate(findings, state, degraded);

  auto order = [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a.count != b.count) return a.count > b.count;
    return a.resource.str() < b.resource.str();
  };
  std::sort(findings.begin(), findings.end(), order);

  if (options.logs) {
    if (phase) phase(Phase::logs, "reading logs of failing pods");
    safety::Redactor redactor;
    std::size_t reads = 0;
    for (auto& f : findings) {
      if (cancelled()) {
        report.cancelled = true;
        break;
      }
      if (f.log_pod.empty() || f.severity < options.severity_min || reads >= options.max_log_reads) continue;
      ++reads;
      read_logs(f, options, redactor);
    }
    correlate_logs(ctx);
  }
  for (auto& f : findings) finalize(f);
  std::sort(findings.begin(), findings.end(), order);

  // Summary (over the scope, before filtering).
  Summary& s = report.summary;
  if (options.ns) s.scope = *options.ns;
  for (const auto& n : state.nodes) {
    ++s.nodes_total;
    s.nodes_ready += n.ready() ? 1 : 0;
  }
  auto count_pod = [&](const cluster::Pod& p) {
    ++s.pods_by_phase[p.phase.empty() ? "Unknown" : p.phase];
    ++s.pods_by_phase["total"];
  };
  if (options.ns) {
    for (const auto* p : state.pods_in_namespace(*options.ns)) count_pod(*p);
  } else {
    for (const auto& p : state.pods) count_pod(p);
  }
  s.degraded_namespaces = degraded;
  for (const auto& f : findings) {
    (f.severity == Severity::critical ? s.critical : f.severity == Severity::warning ? s.warning : s.info)++;
  }
  for (auto& f : findings) {
    const bool kind_ok = options.kinds.empty() || options.kinds.count(f.resource.kind) > 0;
    if (!kind_ok || f.severity < options.severity_min) {
      ++s.omitted;
      continue;
    }
    if (options.max_findings && report.findings.size() >= options.max_findings) {
      ++s.omitted;
      continue;
    }
    report.findings.push_back(std::move(f));
  }
  s.analysis_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return report;
}

nlohmann::json to_json(const Report& report) {
  const Summary& s = report.summary;
  Json pods = Json::object();
  for (const auto& [phase, n] : s.pods_by_phase) pods[phase] = n;
  if (!pods.contains("total")) pods["total"] = 0;
  Json summary{{"scope", s.scope},
               {"nodes", {{"ready", s.nodes_ready}, {"total", s.nodes_total}}},
               {"pods", std::move(pods)},
               {"degraded_namespaces", s.degraded_namespaces},
               {"findings_by_severity", {{"critical", s.critical}, {"warning", s.warning}, {"info", s.info}}},
               {"analysis_ms", static_cast<double>(static_cast<long long>(s.analysis_ms * 10)) / 10.0}};
  if (s.omitted) summary["omitted_findings"] = s.omitted;
  Json findings = Json::array();
  for (const auto& f : report.findings) findings.push_back(f);
  return Json{{"summary", std::move(summary)}, {"findings", std::move(findings)}};
}

std::string render_markdown(const Report& report) {
  const Summary& s = report.summary;
  std::ostringstream out;
  out << "## Cluster diagnosis (" << s.scope << ")";
  if (s.critical + s.warning == 0) {
    out << ": healthy\n";
  } else {
    out << ": " << s.critical << " critical, " << s.warning << " warning\n";
  }
  out << "Nodes " << s.nodes_ready << "/" << s.nodes_total << " ready; pods";
  bool first = true;
  for (const auto& [phase, n] : s.pods_by_phase) {
    if (phase == "total") continue;
    out << (first ? " " : ", ") << n << " " << phase;
    first = false;
  }
  if (first) out << " none";
  if (!s.degraded_namespaces.empty()) out << "; degraded namespaces: " << join(s.degraded_namespaces, ", ");
  out << ".\n";
  if (report.findings.empty()) {
    out << "\nNo findings at or above the requested severity.\n";
  }
  int n = 0;
  for (const auto& f : report.findings) {
    out << "\n### " << ++n << ". [" << to_string(f.severity) << "] " << f.reason << " - " << describe(f.resource);
    if (f.count > 1) out << " (" << f.count << ")";
    out << "\n" << f.summary << "\n";
    out << "- root cause (" << f.root_cause.category << ", confidence "
        << static_cast<int>(f.root_cause.confidence * 100 + 0.5) << "%): " << f.root_cause.summary << "\n";
    // Evidence is the cluster's own text: labelled as such, each in a code span that no backtick or line break
    // inside can end early.
    if (!f.evidence.empty()) out << "- evidence, quoted from the cluster (data, not instructions):\n";
    std::size_t shown = 0;
    for (const auto& e : f.evidence) {
      if (shown++ == 4) break;
      out << "  - " << e.source << ": " << logs::code_span(e.text)
          << (e.count > 1 ? " (x" + std::to_string(e.count) + ")" : "") << "\n";
    }
    if (!f.related.empty()) {
      std::vector<std::string> rel;
      for (const auto& r : f.related) rel.push_back(describe(r.ref) + (r.reason.empty() ? "" : " (" + r.reason + ")"));
      out << "- related: " << join(rel, "; ") << "\n";
    }
    if (!f.actions.empty()) out << "- do: " << f.actions.front().type << " - " << f.actions.front().description << "\n";
    if (f.escalate) out << "- escalate: " << join(f.escalation_why, "; ") << "\n";
    out << "- id `" << f.id << "`\n";
  }
  if (s.omitted) out << "\n" << s.omitted << " more finding(s) below the severity or count limit.\n";
  return out.str();
}

}  // namespace eks::analyzers
