// apply_remediation: runs one plan from propose_remediation, then watches the cluster until its finding is gone.
// Before anything runs: the plan must exist and be unexpired, the policy in auto mode, every target unchanged
// since the plan (its resourceVersion) and the finding still there; an action the policy forbids stops the plan;
// actions that need a human run only under a recorded approval of this very plan (single use). Every call goes
// through the gateway, so the validator decides again at execution and the audit log records each one.
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "tools/analyzers/analyze.hpp"
#include "tools/remediation/planner.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

using Clock = std::chrono::system_clock;

struct ApplyQuery {
  std::string plan_id;
  int verify_timeout_seconds = 120;
};

void from_json(const nlohmann::json& j, ApplyQuery& q) {
  server::required_argument(j, "plan_id", q.plan_id);
  server::argument(j, "verify_timeout_seconds", q.verify_timeout_seconds);
}

struct ActionResult {
  std::string type;
  remediation::Target target;
  std::string result = "not_run";  // done | failed | refused | not_run
  std::string detail;
  int upstream_calls = 0;
};

struct Applied {
  std::string plan_id;
  std::string status;
  std::string reason;
  std::string approve_command;
  std::string approved_by;
  std::vector<ActionResult> actions;
  std::string verification = "skipped";
  std::vector<std::string> evidence;
  double seconds = 0;
  std::vector<std::string> audit_ids;  // this run's audit lines: each call's decision, an approval, the verification
};

void to_json(nlohmann::json& j, const Applied& a) {
  j = {{"plan_id", a.plan_id}, {"status", a.status}, {"reason", a.reason}, {"actions", nlohmann::json::array()}};
  if (!a.approve_command.empty()) j["approve_command"] = a.approve_command;
  if (!a.approved_by.empty()) j["approved_by"] = a.approved_by;
  for (const auto& r : a.actions) {
    nlohmann::json entry{
        {"type", r.type}, {"target", r.target}, {"result", r.result}, {"upstream_calls", r.upstream_calls}};
    if (!r.detail.empty()) entry["detail"] = r.detail;
    j["actions"].push_back(std::move(entry));
  }
  j["verification"] = {{"status", a.verification}};
  if (!a.evidence.empty()) j["verification"]["evidence"] = a.evidence;
  if (a.verification != "skipped") j["verification"]["seconds"] = a.seconds;
  if (!a.audit_ids.empty()) j["audit_ids"] = a.audit_ids;
}

std::string render_text(const Applied& a) {
  std::string text = "# Plan " + a.plan_id + ": " + a.status + "\n\n" + a.reason + "\n";
  if (!a.approve_command.empty()) text += "\nA human approves it with:\n\n    " + a.approve_command + "\n";
  for (const auto& r : a.actions) {
    text += "- " + r.type + " " + remediation::key_of(r.target) + ": " + r.result +
            (r.detail.empty() ? "" : " (" + r.detail + ")") + "\n";
  }
  if (a.verification != "skipped") {
    text += "\nVerification: **" + a.verification + "**\n";
    for (const auto& e : a.evidence) text += "- " + e + "\n";
  }
  return text;
}

// The finding of the plan in a fresh read of its namespace (all of them when its targets span several):
// present (with its summary), gone, or unreadable. Before the fix, only the kinds the plan names as deciding
// (Plan::check_kinds) are read: the fewer lists, the less apply adds to the calls it makes.
struct FindingCheck {
  bool read = false;
  std::optional<analyzers::Finding> finding;
  std::string error;
};

FindingCheck check_finding(cluster::ClusterSource& source, const remediation::Plan& plan, bool with_logs,
                           std::optional<cluster::ClusterState>* state_out = nullptr) {
  FindingCheck out;
  auto scope = cluster::diagnosis_scope(remediation::check_namespace(plan));
  scope.fresh = true;     // the cluster as it is now, never a cached read
  scope.metrics = false;  // whether a finding is there never depends on usage figures
  // Verification reads every kind: a finding folded into another, or moved to another object, is not "fixed".
  if (!with_logs) scope.kinds = plan.check_kinds;
  auto state = source.load(scope);
  if (!state) {
    out.error = state.error();
    return out;
  }
  out.read = true;
  analyzers::Options options;
  options.ns = scope.ns;
  // After the fix, the logs too: a fix that did not hold is reported with what the new pods say. Before it, the
  // finding's presence is enough (its id does not depend on what the logs say).
  if (with_logs) options.logs = [&source](const cluster::LogRequest& r) { return source.logs(r); };
  for (auto& f : analyzers::analyze(*state, options).findings) {
    if (f.id == plan.finding_id) out.finding = std::move(f);
  }
  if (state_out) *state_out = std::move(*state);
  return out;
}

// A right-sizing plan holds once every pod of its workload runs with the new resources, ready, and none was
// OOM-killed under them: the rollout finished and the new figures are enough for the application.
struct RolloutCheck {
  bool read = false;
  bool done = false;
  std::vector<std::string> evidence;
};

bool same_quantity(const cluster::ResourceList& list, const char* key, const nlohmann::json& want) {
  const auto it = list.find(key);
  if (!want.is_string()) return it == list.end();
  if (it == list.end()) return false;
  const std::string w = want.get<std::string>();
  if (std::string_view(key) == "cpu") return cluster::cpu_millicores(it->second) == cluster::cpu_millicores(w);
  return cluster::bytes(it->second) == cluster::bytes(w);
}

RolloutCheck check_rollout(cluster::ClusterSource& source, const remediation::Plan& plan) {
  RolloutCheck out;
  const auto& action = plan.actions.front();
  cluster::LoadScope scope;
  scope.ns = action.target.ns;
  scope.kinds = {"Pod", "ReplicaSet", action.target.kind};
  scope.events = false;
  scope.metrics = false;
  scope.fresh = true;
  const auto state = source.load(scope);
  if (!state) {
    out.evidence = {"the cluster could not be read: " + state.error()};
    return out;
  }
  out.read = true;
  const cluster::ObjectRef w{action.target.kind, action.target.ns, action.target.name, ""};
  int pods = 0, current = 0, ready = 0;
  for (const auto* pod : state->pods_of_workload(w)) {
    if (pod->meta.deleting || pod->phase == "Succeeded" || pod->phase == "Failed") continue;
    ++pods;
    bool updated = true;
    for (const auto& change : action.params.value("changes", nlohmann::json::array())) {
      const auto& after = change["after"];
      const auto name = change.value("container", "");
      const auto it = std::find_if(pod->spec.containers.begin(), pod->spec.containers.end(),
                                   [&](const cluster::Container& c) { return c.name == name; });
      if (it == pod->spec.containers.end() || !same_quantity(it->resources.requests, "cpu", after["cpu_request"]) ||
          !same_quantity(it->resources.requests, "memory", after["memory_request"]) ||
          !same_quantity(it->resources.limits, "memory", after["memory_limit"])) {
        updated = false;
        continue;
      }
      const auto* status = pod->status_of(name);
      for (const auto* s : {status && status->state ? &*status->state : nullptr,
                            status && status->last_state ? &*status->last_state : nullptr})
        if (s && s->reason == "OOMKilled")
          out.evidence.push_back("pod " + pod->meta.name + ": container " + name +
                                 " was OOM-killed under the new memory limit " + after.value("memory_limit", "?"));
    }
    if (!updated) continue;
    ++current;
    if (pod->ready()) ++ready;
    else if (const auto* scheduled = cluster::find_condition(pod->conditions, "PodScheduled");
             scheduled && scheduled->status == "False")
      out.evidence.push_back("pod " + pod->meta.name + " cannot be scheduled: " + scheduled->message.value_or("?"));
  }
  out.done = pods > 0 && current == pods && ready == pods && out.evidence.empty();
  out.evidence.insert(out.evidence.begin(), std::to_string(current) + " of " + std::to_string(pods) +
                                                " pod(s) run with the new resources, " + std::to_string(ready) +
                                                " of them ready");
  return out;
}

// One verification read: fixed, not_fixed (with what is still wrong) or unknown (the cluster could not be read).
struct Round {
  std::string status;
  std::vector<std::string> evidence;
};

Round verify_once(cluster::ClusterSource& source, const remediation::Plan& plan, int round) {
  if (!plan.recommendation_ids.empty()) {
    RolloutCheck rollout = check_rollout(source, plan);
    return {!rollout.read ? "unknown" : rollout.done ? "fixed" : "not_fixed", std::move(rollout.evidence)};
  }
  const FindingCheck after = check_finding(source, plan, true);
  if (!after.read) return {"unknown", {"the cluster could not be read: " + after.error}};
  if (!after.finding)
    return {"fixed", {"finding " + plan.finding_id + " is gone after " + std::to_string(round + 1) + " read(s)"}};
  Round out{"not_fixed", {after.finding->summary}};
  for (const auto& e : after.finding->evidence) {
    if (out.evidence.size() >= 4) break;
    out.evidence.push_back(e.source + ": " + e.text);
  }
  return out;
}

// What the human at the client answered to an elicitation form about the plan.
struct Asked {
  enum class Answer { approved, declined, unavailable } answer = Answer::unavailable;
  std::string by;
  std::string reason;  // the approver's reason, or why no one could be asked
};

Asked ask_human(server::CallContext& context, const remediation::Plan& plan) {
  std::string message = "Approve remediation plan " + plan.plan_id + "?\n\n" + plan.summary + "\n";
  for (const auto& a : plan.actions) {
    message += "- " + a.type + " " + remediation::key_of(a.target) + " (" + std::string(to_string(a.verdict)) + ": " +
               a.reason + ")\n";
  }
  message += "Blast radius: " + std::to_string(plan.blast_radius.pods_affected) + " pod(s)";
  if (plan.blast_radius.pdb_allows_disruption)
    message += *plan.blast_radius.pdb_allows_disruption ? "; the PodDisruptionBudget allows it"
                                                        : "; the PodDisruptionBudget allows no disruption now";
  message += ".\nExpected: " + plan.expected_effect + "\nRollback: " + plan.rollback;
  const nlohmann::json schema{
      {"type", "object"},
      {"properties",
       {{"approve",
         {{"type", "boolean"}, {"title", "Approve this plan"}, {"description", "Run the plan's actions once"}}},
        {"reason", {{"type", "string"}, {"title", "Reason"}, {"description", "Why, for the audit log"}}}}},
      {"required", {"approve"}}};
  const auto answer = context.request_client("elicitation/create", {{"message", message}, {"requestedSchema", schema}},
                                             std::chrono::minutes(10));
  Asked out;
  if (!answer) {
    out.reason = answer.error();
    return out;
  }
  const std::string client =
      context.client_info().is_object() ? context.client_info().value("name", "client") : "client";
  out.by = "user of " + client + " (elicitation)";
  const std::string action = answer->value("action", "");
  const nlohmann::json content = answer->value("content", nlohmann::json::object());
  if (content.is_object() && content.contains("reason") && content["reason"].is_string())
    out.reason = content["reason"].get<std::string>();
  const bool approve =
      action == "accept" && content.is_object() && content.contains("approve") && content["approve"] == true;
  out.answer = approve ? Asked::Answer::approved : Asked::Answer::declined;
  if (!approve && out.reason.empty()) out.reason = action == "accept" ? "not approved" : action;
  return out;
}

// Appends one line to the audit log and names it in the run's audit_ids.
void audit(const Services& services, Applied& out, nlohmann::json entry) {
  if (!services.audit) return;
  const std::string id = safety::new_correlation_id();
  entry["correlation_id"] = id;
  if (services.audit->append(std::move(entry))) out.audit_ids.push_back(id);
}

void audit_approval(const Services& services, Applied& out, const remediation::Plan& plan, const std::string& what,
                    const std::string& by, const std::string& reason) {
  audit(services, out,
        {{"event", "approval"},
         {"plan_id", plan.plan_id},
         {"decision", what},
         {"by", by},
         {"reason", reason},
         {"via", "elicitation"}});
}

// Tells the team's channels (Teams, Slack) what ran and how it ended, or what waits for a human. Queued only:
// a webhook never delays or fails the remediation.
void notify_team(const Services& services, const remediation::Plan& plan, const Applied& out) {
  if (!services.notifier || !services.notifier->enabled()) return;
  notify::Message m;
  m.facts = {{"Plan", plan.plan_id}, {"Finding", plan.finding_id}, {"Subject", plan.subject}};
  if (out.status == "awaiting_approval") {
    m.event = "awaiting_approval";
    m.severity = "warning";
    m.title = "Remediation waits for approval: " + plan.summary;
    m.text = out.reason;
    for (const auto& a : plan.actions)
      m.facts.emplace_back(a.type + " " + remediation::key_of(a.target),
                           std::string(to_string(a.verdict)) + ": " + a.reason);
    m.facts.emplace_back("Expires", nlohmann::json(plan).value("expires_at", ""));
    m.command = out.approve_command;
  } else {
    int sent = 0;
    for (const auto& r : out.actions) sent += r.upstream_calls;
    if (sent == 0) return;  // refused before any call: nothing changed in the cluster
    const bool failed = out.status != "applied" || out.verification == "not_fixed";
    m.event = out.status != "applied"           ? "action_failed"
              : out.verification == "not_fixed" ? "verification_failed"
                                                : "action_applied";
    m.severity = failed ? "critical" : out.verification == "fixed" ? "info" : "warning";
    m.title = (out.status != "applied"           ? "Remediation stopped: "
               : out.verification == "not_fixed" ? "Remediation did not fix it: "
                                                 : "Remediation applied: ") +
              plan.summary;
    m.text = out.reason;
    if (!out.approved_by.empty()) m.facts.emplace_back("Approved by", out.approved_by);
    for (const auto& r : out.actions)
      m.facts.emplace_back(r.type + " " + remediation::key_of(r.target),
                           r.result + (r.detail.empty() ? "" : " (" + r.detail + ")"));
    m.facts.emplace_back("Verification", out.verification);
    for (const auto& e : out.evidence) m.text += "\n" + e;
  }
  services.notifier->send(m);
}

server::Result<Applied> run_plan(const Services& services, const ApplyQuery& query, server::CallContext& context,
                                 std::optional<remediation::Plan>& planned);

server::Result<Applied> run(const Services& services, const ApplyQuery& query, server::CallContext& context) {
  std::optional<remediation::Plan> plan;
  auto out = run_plan(services, query, context, plan);
  if (out && plan) notify_team(services, *plan, *out);
  return out;
}

server::Result<Applied> run_plan(const Services& services, const ApplyQuery& query, server::CallContext& context,
                                 std::optional<remediation::Plan>& planned) {
  if (!services.plans) return server::tool_error("apply_remediation has no plan store configured");
  const auto found = services.plans->find(query.plan_id);
  if (!found) return server::tool_error("apply_remediation could not read its plans: " + found.error());
  if (!*found) {
    return server::tool_error("there is no plan " + query.plan_id +
                              "; call propose_remediation and use one of the plan_ids it returns");
  }
  planned = **found;
  const remediation::Plan& plan = *planned;
  Applied out;
  out.plan_id = plan.plan_id;
  for (const auto& a : plan.actions) out.actions.push_back(ActionResult{a.type, a.target, "not_run", "", 0});
  const auto now = Clock::now();
  if (plan.expires_at < now) {
    out.status = "stale_plan";
    out.reason = "The plan expired; call propose_remediation again for a fresh plan.";
    return out;
  }
  if (services.mode != "auto") {
    out.status = "refused";
    out.reason = "The safety policy is in " + services.mode +
                 " mode, so no plan is applied; a human can switch it to auto mode, or run the plan's actions.";
    return out;
  }
  if (!services.kubernetes || !services.cluster) {
    return server::tool_error(
        "apply_remediation needs a live cluster (the Kubernetes upstream); a snapshot cannot be changed");
  }
  for (const auto& a : plan.actions) {
    if (a.verdict == remediation::Verdict::forbidden) {
      out.status = "refused";
      out.reason =
          "The policy forbids " + a.type + " on " + remediation::key_of(a.target) + " (" + a.rule + "): " + a.reason;
      return out;
    }
  }

  // The cluster must still be as planned.
  context.progress(0, 3, "check: re-reading the plan's targets");
  std::optional<cluster::ClusterState> state;
  const FindingCheck before = check_finding(*services.cluster, plan, false, &state);
  if (!before.read) return server::tool_error("apply_remediation could not read the cluster: " + before.error);
  for (const auto& [key, version] : plan.resource_versions) {
    const auto current = remediation::current_version(*state, key);
    if (!current || *current != version) {
      out.status = "stale_plan";
      out.reason = key +
                   (current ? " changed since the plan (resourceVersion " + version + " -> " + *current + ")"
                            : " no longer exists") +
                   "; call propose_remediation again.";
      return out;
    }
  }
  // A right-sizing plan has no finding: its workload's unchanged resourceVersion is what it was planned against.
  if (!before.finding && plan.recommendation_ids.empty()) {
    out.status = "stale_plan";
    out.reason = "Finding " + plan.finding_id + " is no longer in the cluster; nothing to fix. Call diagnose_cluster.";
    return out;
  }

  // A human's approval, when any action needs one, or when earlier fixes of the subject did not hold (the circuit
  // breaker may have tripped after the plan was proposed, so it is checked again here).
  const auto failures = services.plans->failed_verifications(plan.subject, now - remediation::kBreakerWindow);
  const bool breaker = !failures || *failures >= remediation::kBreakerFailures;
  std::vector<remediation::Call> approved_calls;
  for (const auto& a : plan.actions)
    if (a.verdict == remediation::Verdict::needs_approval || breaker)
      approved_calls.insert(approved_calls.end(), a.calls.begin(), a.calls.end());
  if (!approved_calls.empty()) {
    const auto approval = services.plans->take_approval(plan.plan_id, now);
    if (!approval) return server::tool_error("apply_remediation could not read approvals: " + approval.error());
    std::string by = *approval ? (*approval)->by : std::string();
    if (!*approval) {
      // Ask the human at the client when it can show a form (MCP elicitation); else wait for `approve`.
      const Asked asked = ask_human(context, plan);
      if (asked.answer == Asked::Answer::declined) {
        audit_approval(services, out, plan, "declined", asked.by, asked.reason);
        out.status = "declined";
        out.reason = "The approver declined the plan" + (asked.reason.empty() ? "." : ": " + asked.reason);
        return out;
      }
      if (asked.answer == Asked::Answer::unavailable) {
        out.status = "awaiting_approval";
        out.reason = std::string(breaker ? "Earlier remediations of " + plan.subject +
                                               " did not fix it (the circuit breaker), so the"
                                         : "The") +
                     " plan needs a human's approval before it runs (" + asked.reason +
                     "); once approved, call apply_remediation again.";
        out.approve_command = "eks-sre-mcp approve " + plan.plan_id + " --by NAME --reason TEXT";
        return out;
      }
      // Recorded like any approval, and used at once: it cannot be replayed.
      if (auto recorded = services.plans->approve(plan.plan_id, asked.by, asked.reason, now); !recorded)
        return server::tool_error("apply_remediation could not record the approval: " + recorded.error());
      if (auto taken = services.plans->take_approval(plan.plan_id, now); !taken || !*taken)
        return server::tool_error("apply_remediation could not use the approval it recorded");
      audit_approval(services, out, plan, "approved", asked.by, asked.reason);
      by = asked.by;
    }
    out.approved_by = by;
    if (services.plan_approver) services.plan_approver->grant(plan.plan_id, approved_calls, by);
  }

  context.progress(1, 3, "apply: running " + std::to_string(plan.actions.size()) + " action(s)");
  bool failed = false;
  for (std::size_t i = 0; i < plan.actions.size() && !failed; ++i) {
    const auto& a = plan.actions[i];
    auto& r = out.actions[i];
    for (const auto& call : a.calls) {
      ++r.upstream_calls;
      const auto sent = services.kubernetes(call.tool, call.arguments, remediation::actor_for(plan.plan_id));
      if (sent && sent->contains("_meta") && (*sent)["_meta"].is_object())
        if (auto id = (*sent)["_meta"].find("eks-sre-mcp/audit_id"); id != (*sent)["_meta"].end() && id->is_string())
          out.audit_ids.push_back(id->get<std::string>());
      if (!sent) {
        r.result = "refused";
        r.detail = sent.error();
        failed = true;
        break;
      }
      if (sent->value("isError", false)) {
        r.result = "failed";
        const auto& content = (*sent)["content"];
        r.detail = content.is_array() && !content.empty() ? content[0].value("text", "") : "the upstream failed";
        failed = true;
        break;
      }
    }
    if (!failed) r.result = "done";
  }
  if (services.plan_approver) services.plan_approver->revoke(plan.plan_id);
  out.status = failed ? "refused" : "applied";
  out.reason = failed ? "A call of the plan did not run; what ran is listed, and nothing after it."
                      : "Every call of the plan ran.";
  if (failed || query.verify_timeout_seconds == 0) return out;

  // Verification: the finding must go away (a right-sizing plan: its rollout must finish healthy) in time.
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::chrono::seconds(query.verify_timeout_seconds);
  const auto interval = std::min<std::chrono::milliseconds>(std::chrono::seconds(2),
                                                            std::chrono::seconds(query.verify_timeout_seconds) / 10);
  const std::string waiting =
      plan.recommendation_ids.empty() ? "verify: finding still present" : "verify: rollout not finished";
  out.verification = "unknown";
  for (int round = 0; round < 10000; ++round) {
    if (context.cancelled()) break;
    Round r = verify_once(*services.cluster, plan, round);
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
    out.seconds = elapsed.count();
    out.verification = std::move(r.status);
    out.evidence = std::move(r.evidence);
    if (out.verification == "fixed") break;
    if (std::chrono::steady_clock::now() + interval > deadline) break;
    context.progress(2 + elapsed.count() / query.verify_timeout_seconds, 3, waiting);
    std::this_thread::sleep_for(interval);  // the cluster's own pace: controllers recreate pods in seconds
  }
  context.progress(3, 3, "done");
  audit(services, out,
        {{"event", "verification"},
         {"plan_id", plan.plan_id},
         {"subject", plan.subject},
         {"status", out.verification},
         {"evidence", out.evidence},
         {"seconds", out.seconds}});
  if (auto recorded = services.plans->record_verification(plan, out.verification, Clock::now()); !recorded)
    out.evidence.push_back("the verification could not be recorded for the circuit breaker: " + recorded.error());
  return out;
}

}  // namespace

server::ToolDef apply_remediation_tool(const Services& services) {
  return server::ToolDef{
      .name = "apply_remediation",
      .title = "Remediation: apply a plan",
      .description =
          "Apply one plan from propose_remediation by its plan_id, then verify it: the cluster is re-read until the "
          "plan's finding is gone (fixed) or verify_timeout_seconds pass (not_fixed, with the new evidence). "
          "Runs only in the policy's auto mode. Refuses with stale_plan when a target changed since the plan or the "
          "finding is gone (propose again), and with refused when an action is forbidden. Actions whose verdict is "
          "needs_approval run only after a human approved this plan: through an elicitation form when the client "
          "supports it, else status awaiting_approval gives the command a human runs (a model cannot approve). Every call passes the safety validator again and is in "
          "the audit log.",
      .input_schema = "apply_remediation.input",
      .output_schema = "apply_remediation.output",
      .annotations = {.read_only = false, .destructive = true, .idempotent = false, .open_world = true},
      .safety = server::SafetyClass::mutating,
      .handler = server::typed<ApplyQuery, Applied>(
          [&services](const ApplyQuery& query, server::CallContext& context) { return run(services, query, context); }),
  };
}

}  // namespace eks::tools
