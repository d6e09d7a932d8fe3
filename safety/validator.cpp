#include "safety/validator.hpp"

#include <algorithm>
#include <random>
#include <spdlog/spdlog.h>

namespace eks::safety {
namespace {

using nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// The "safety" logger when app/ registered one, else the default (app/ points its sinks at stderr or a file:
// under stdio, stdout is the protocol).
std::shared_ptr<spdlog::logger> logger() {
  if (auto named = spdlog::get("safety")) return named;
  return spdlog::default_logger();
}

bool any_glob(const std::vector<std::string>& patterns, std::string_view text) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const auto& p) { return glob_match(p, text); });
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool kind_in(const std::vector<std::string>& kinds, std::string_view kind) {
  const std::string k = canonical_kind(kind);
  return std::any_of(kinds.begin(), kinds.end(), [&](const auto& c) { return canonical_kind(c) == k; });
}

// A rule matches when every condition it sets holds. Kind, namespace and name conditions hold when any target
// of the call satisfies them all (a Secret anywhere in a List is a Secret).
bool matches(const Rule& r, const Action& a) {
  if (!r.upstreams.empty() && !contains(r.upstreams, a.upstream)) return false;
  if (!r.tools.empty() && !contains(r.tools, a.tool)) return false;
  if (!r.verbs.empty() && !contains(r.verbs, a.verb)) return false;
  if (r.mutating && *r.mutating != a.mutating) return false;
  if (r.with_selector && *r.with_selector != a.has_selector()) return false;
  if (r.min_objects && a.object_count < *r.min_objects) return false;
  if (!r.repositories.empty() && !any_glob(r.repositories, a.repository)) return false;
  if (r.kinds.empty() && r.namespaces.empty() && r.names.empty()) return true;
  return std::any_of(a.targets.begin(), a.targets.end(), [&](const Target& t) {
    if (!r.kinds.empty() && !kind_in(r.kinds, t.kind)) return false;
    // A list across all namespaces covers every namespace.
    if (!r.namespaces.empty() && !(a.all_namespaces || any_glob(r.namespaces, t.ns))) return false;
    if (!r.names.empty() && !any_glob(r.names, t.name)) return false;
    return true;
  });
}

std::string describe(const Action& a) {
  std::string what = a.verb;
  if (!a.kind.empty()) what += " " + a.kind;
  if (a.targets.size() > 1) what += " (+" + std::to_string(a.targets.size() - 1) + " more objects)";
  if (!a.name.empty()) what += " \"" + a.name + "\"";
  if (!a.ns.empty() && canonical_kind(a.kind) != "namespace") what += " in namespace \"" + a.ns + "\"";
  if (!a.repository.empty()) what += " in repository " + a.repository;
  return what + " (tool " + a.tool + ")";
}

// A write of the monitor's own Lease, and nothing else: one object, created or updated (never deleted), through
// the tool that applies manifests.
bool is_leader_lease_write(const Policy& p, const Action& a) {
  if (p.leader_lease.name.empty() || a.upstream != "kubernetes" || a.tool != "resources_create_or_update") return false;
  if (a.targets.size() != 1) return false;
  const auto& t = a.targets.front();
  return t.group == "coordination.k8s.io" && canonical_kind(t.kind) == "lease" && t.ns == p.leader_lease.ns &&
         t.name == p.leader_lease.name;
}

Decision deny(std::string code, std::string rule, std::string reason) {
  Decision d;
  d.verdict = Verdict::deny;
  d.code = std::move(code);
  d.rule = std::move(rule);
  d.reason = std::move(reason);
  return d;
}

Decision approval(std::string code, std::string rule, std::string why) {
  Decision d;
  d.verdict = Verdict::needs_approval;
  d.code = std::move(code);
  d.rule = std::move(rule);
  d.reason = std::move(why);
  return d;
}

Decision allow(std::string how) {
  Decision d;
  d.verdict = Verdict::allow;
  d.code = how;
  d.rule = std::move(how);
  return d;
}

std::string target_key(const Action& a) {
  return a.upstream + "|" + canonical_kind(a.kind) + "|" + a.ns + "|" + a.name + "|" + a.repository;
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::allow: return "allow";
    case Verdict::deny: return "deny";
    case Verdict::needs_approval: return "needs_approval";
  }
  return "deny";
}

std::string Decision::message() const {
  switch (verdict) {
    case Verdict::allow: return "allowed";
    case Verdict::deny:
      return "Refused by the safety policy [" + code + "]: " + describe(action) + " was not executed. " + reason;
    case Verdict::needs_approval:
      return "Needs human approval [" + code + "]: " + describe(action) + " was not executed because " + reason +
             ". Present it to a human as a recommendation instead of retrying.";
  }
  return reason;
}

json to_json(const Decision& d) {
  json j{{"decision", to_string(d.verdict)}, {"code", d.code}, {"rule", d.rule}};
  if (!d.reason.empty()) j["reason"] = d.reason;
  if (!d.shadow.empty()) {
    json shadow = json::array();
    for (const auto& s : d.shadow)
      shadow.push_back({{"rule", s.rule}, {"code", s.code}, {"would", to_string(s.would)}});
    j["shadow"] = std::move(shadow);
  }
  return j;
}

std::string new_correlation_id() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t value = engine();
  std::string id(16, '0');
  for (auto& c : id) {
    c = kHex[value & 0xf];
    value >>= 4;
  }
  return id;
}

Validator::Validator(Policy policy, std::shared_ptr<AuditLog> audit, ClusterFacts facts, Clock clock,
                     std::shared_ptr<LimitStore> limits)
    : policy_(std::move(policy)),
      audit_(std::move(audit)),
      clock_(std::move(clock)),
      facts_(std::move(facts)),
      limits_(std::move(limits)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  if (!limits_) {
    // Limits that only this process sees, as before there was a state file: enough for tests and one-shot tools.
    if (auto memory = LimitStore::in_memory()) {
      limits_ = std::move(*memory);
    } else {
      logger()->error("cannot open an in-memory limits store ({}); every change will be refused", memory.error());
    }
  }
}

void Validator::set_limit_store(std::shared_ptr<LimitStore> limits) {
  std::lock_guard lock(mutex_);
  limits_ = std::move(limits);
}

std::shared_ptr<LimitStore> Validator::limit_store() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

void Validator::set_facts(ClusterFacts facts) {
  std::lock_guard lock(mutex_);
  facts_ = std::move(facts);
}

ClusterFacts Validator::facts() const {
  std::lock_guard lock(mutex_);
  return facts_;
}

Decision Validator::evaluate(const Action& a, Mode mode) {
  const Policy& p = policy_;
  if (!a.classified) {
    return deny("unclassified_tool", "unclassified_tool",
                "The safety policy does not know the tool \"" + a.tool + "\" of the " + a.upstream +
                    " server, so it is treated as mutating and refused. Use a tool the policy classifies "
                    "(for reads: resources_get, resources_list, pods_log, events_list).");
  }
  if (!a.problem.empty()) {
    return deny(
        "malformed_call", "malformed_call",
        "The call could not be understood (" + a.problem + "), so it was refused; fix the arguments and retry.");
  }
  for (const auto& r : p.never) {
    if (matches(r, a)) return deny(r.code, r.name, r.reason);
  }
  if (a.mutating && is_leader_lease_write(p, a)) return allow("leader_election");
  if (a.verb == "delete") {
    if (a.has_selector()) {
      return deny("bulk_delete", "max_bulk",
                  "Deleting by label or field selector is never allowed; delete one named object at a time.");
    }
    if (a.name.empty()) {
      return deny("bulk_delete", "max_bulk", "A delete must name exactly one object; give its name.");
    }
    if (a.object_count > p.max_bulk) {
      return deny(
          "bulk_delete", "max_bulk",
          "One call may delete at most " + std::to_string(p.max_bulk) + " object(s); delete them one at a time.");
    }
  }
  if (a.upstream == "github" && !p.github.repositories.empty() && !any_glob(p.github.repositories, a.repository)) {
    return deny(
        "repository_not_allowed", "github.repositories",
        "The policy only allows the GitHub repositories " + json(p.github.repositories).dump() + "; use one of them.");
  }
  if (a.upstream == "github" && a.mutating && !p.github.write_repositories.empty() &&
      !any_glob(p.github.write_repositories, a.repository)) {
    return deny("repository_not_allowed", "github.write_repositories",
                "GitHub writes may only go to " + json(p.github.write_repositories).dump() +
                    " (the incident and manifest repositories); " + a.repository + " is not one of them.");
  }
  const bool scale_kind = a.verb == "scale" && kind_in(p.auto_approve.scale.kinds, a.kind);
  if (a.verb == "scale" && a.replicas) {
    if (*a.replicas < 0) return deny("scale_limit", "auto_approve.scale", "A replica count cannot be negative.");
    if (*a.replicas == 0) {
      return deny("scale_to_zero", "auto_approve.scale",
                  "Scaling a workload to 0 replicas takes it down and is never done by an agent; scale by at most " +
                      std::to_string(p.auto_approve.scale.max_delta) + " replicas and keep at least one.");
    }
    if (scale_kind && *a.replicas > p.auto_approve.scale.max_replicas) {
      return deny("scale_limit", "auto_approve.scale",
                  "The policy caps workloads at " + std::to_string(p.auto_approve.scale.max_replicas) +
                      " replicas; ask a human to raise the cap or scale to at most that.");
    }
  }
  if (!a.mutating) return allow("read");

  for (const auto& t : a.targets) {
    if (!t.ns.empty() && any_glob(p.protected_namespaces, t.ns)) {
      return deny("protected_namespace", "protected_namespaces",
                  "Namespace \"" + t.ns + "\" is protected (" + json(p.protected_namespaces).dump() +
                      "): nothing there is changed by an agent. Report the problem to a human instead.");
    }
  }
  const bool reporting = (a.upstream == "github" && contains(p.github.allowed_writes, a.tool)) ||
                         (a.upstream == "self" && contains(p.github.reporting_tools, a.tool));
  if (!reporting) {
    if (mode == Mode::read_only) {
      return deny("read_only_mode", "mode",
                  "The safety policy is in read_only mode, so nothing is changed. Report the action as a "
                  "recommendation for a human; a human can switch the policy to propose or auto mode.");
    }
    if (mode == Mode::propose) {
      return deny("propose_mode", "mode",
                  "The safety policy is in propose mode: remediations are planned, never executed. Include this "
                  "action in the proposed plan for a human to run.");
    }
  }
  return allow(reporting ? "github.allowed_writes" : "auto");
}

// Auto-mode approval: the policy's approval rules, production namespaces, escalation, and the auto-approved list.
// Runs outside the lock (facts may call out); returns nullopt when the action may run.
static std::optional<Decision> approve(const Policy& p, const ClusterFacts& facts, const Action& a, std::string& how) {
  for (const auto& t : a.targets) {
    if (!t.ns.empty() && any_glob(p.approval_namespaces, t.ns)) {
      return approval("approval_namespace", "approval_namespaces",
                      "namespace \"" + t.ns + "\" is one where every change needs a human's approval (" +
                          json(p.approval_namespaces).dump() + ")");
    }
  }
  for (const auto& r : p.needs_approval.rules) {
    if (matches(r, a)) return approval(r.code, r.name, r.reason);
  }
  const bool pod_delete = a.verb == "delete" && canonical_kind(a.kind) == "pod" && a.object_count == 1;
  bool failed_pod = false;
  if (pod_delete && p.auto_approve.delete_failed_pods && facts.pod_phase) {
    const auto phase = facts.pod_phase(a.ns, a.name);
    failed_pod = phase && (*phase == "Failed" || *phase == "Evicted");
  }
  for (const auto& t : a.targets) {
    if (!failed_pod && !t.ns.empty() && any_glob(p.production_namespaces, t.ns)) {
      return approval(
          "production_namespace", "production_namespaces",
          "namespace \"" + t.ns + "\" is a production namespace, where every change needs a human's approval");
    }
  }
  if (a.upstream == "self") {
    how = "auto";
    return std::nullopt;  // our own tools' upstream calls pass this validator one by one
  }
  // The escalation rule needs the namespace's failing pods, read at decision time; an unknown count never
  // lets a change through on its own.
  if (!a.ns.empty()) {
    const auto failing = facts.failing_pods ? facts.failing_pods(a.ns) : std::nullopt;
    if (!failing) {
      return approval(
          "facts_unavailable", "needs_approval.failing_pods_threshold",
          "the failing pods of namespace \"" + a.ns + "\" could not be read, so the escalation rule cannot be checked");
    }
    if (*failing > p.needs_approval.failing_pods_threshold) {
      return approval("escalation", "needs_approval.failing_pods_threshold",
                      "namespace \"" + a.ns + "\" has " + std::to_string(*failing) + " failing pods (more than " +
                          std::to_string(p.needs_approval.failing_pods_threshold) +
                          "), which is an incident for a human, not a single remediation");
    }
  }
  if (pod_delete) {
    if (failed_pod) {
      how = "auto_approve.delete_failed_pods";
      return std::nullopt;
    }
    if (p.auto_approve.restart_pod) {
      how = "auto_approve.restart_pod";
      return std::nullopt;
    }
  }
  if (a.verb == "scale" && p.auto_approve.scale.enabled && kind_in(p.auto_approve.scale.kinds, a.kind) && a.replicas) {
    const auto current = facts.current_replicas ? facts.current_replicas(a) : std::nullopt;
    if (!current) {
      return approval("scale_unknown_current", "auto_approve.scale",
                      "the current replica count is unknown, so the size of the change cannot be checked");
    }
    const int delta = *a.replicas - *current;
    if (std::abs(delta) > p.auto_approve.scale.max_delta) {
      return deny("scale_limit", "auto_approve.scale",
                  "Scaling from " + std::to_string(*current) + " to " + std::to_string(*a.replicas) +
                      " replicas changes " + "more than " + std::to_string(p.auto_approve.scale.max_delta) +
                      " at once; scale by at most " + std::to_string(p.auto_approve.scale.max_delta) +
                      " replicas, check the result, then repeat.");
    }
    how = "auto_approve.scale";
    return std::nullopt;
  }
  // A configuration pull request: our own branch in a write repository, a commit on it, a pull request from it.
  // Nothing reaches a cluster until a human merges, and merging is forbidden to agents.
  if (a.upstream == "github" && !p.github.write_repositories.empty() && !p.github.branch_prefix.empty() &&
      any_glob(p.github.write_repositories, a.repository)) {
    const char* key = a.tool == "create_pull_request"                                  ? "head"
                      : a.tool == "create_branch" || a.tool == "create_or_update_file" ? "branch"
                                                                                       : nullptr;
    const json& args = a.send_arguments;
    if (key && args.is_object() && args.contains(key) && args[key].is_string() &&
        args[key].get<std::string>().rfind(p.github.branch_prefix, 0) == 0) {
      how = "github.config_pr";
      return std::nullopt;
    }
  }
  return approval("not_auto_approved", "auto_approve",
                  "only restarting one pod, deleting Failed or Evicted pods and scaling Deployments or StatefulSets by "
                  "at most " +
                      std::to_string(p.auto_approve.scale.max_delta) + " replicas run without a human");
}

std::optional<Decision> Validator::limits(const Action& a, TimePoint now) {
  const auto& limits = policy_.rate_limits;
  const auto store = limit_store();
  // Fail closed: a change whose rate limit and circuit breaker cannot be checked does not run.
  auto unavailable = [&](const std::string& why) {
    const std::string where = store ? store->path().string() : std::string("(none open)");
    return deny("limits_unavailable", "limits",
                "The rate limits and circuit breakers could not be checked (" + why +
                    "), and no change runs unchecked; tell a human to make the limits database " + where +
                    " writable, or to stop the process that keeps it locked, then retry.");
  };
  if (!store) return unavailable("no limits database is open");
  const auto open_until = store->open_until(target_key(a), now);
  if (!open_until) return unavailable(open_until.error());
  if (*open_until) {
    const auto left = std::chrono::duration_cast<std::chrono::minutes>(**open_until - now).count() + 1;
    return deny("circuit_open", "circuit_breaker",
                "Remediating this target failed " + std::to_string(policy_.circuit_breaker.failures) +
                    " times recently, so the circuit breaker stops further attempts for about " + std::to_string(left) +
                    " minute(s); escalate to a human with what was tried.");
  }
  // Rate limits are about the cluster; GitHub reporting is not a remediation.
  if (a.upstream != "kubernetes") return std::nullopt;
  const auto slot = store->take_slot(limits, a.ns, now);
  if (!slot) return unavailable(slot.error());
  const std::string minutes = std::to_string(limits.window.count() / 60);
  switch (*slot) {
    case LimitStore::Slot::taken: return std::nullopt;
    case LimitStore::Slot::cluster_spent:
      return deny(
          "rate_limited", "rate_limits.cluster",
          "At most " + std::to_string(limits.cluster) + " changes per " + minutes +
              " minutes run cluster-wide and that budget is used; wait, or hand the remaining actions to a human.");
    case LimitStore::Slot::namespace_spent:
      return deny("rate_limited", "rate_limits.per_namespace",
                  "At most " + std::to_string(limits.per_namespace) + " changes per " + minutes +
                      " minutes run in namespace \"" + a.ns +
                      "\" and that budget is used; wait, or hand the rest to a human.");
  }
  return unavailable("unknown answer from the limits database");
}

void Validator::audit(const json& line, bool must_persist, Decision* decision) {
  if (!audit_) return;
  if (auto written = audit_->append(line); !written) {
    logger()->error("audit log: {}", written.error());
    // An action that cannot be audited does not run.
    if (must_persist && decision && decision->allowed()) {
      decision->verdict = Verdict::deny;
      decision->code = "audit_unavailable";
      decision->rule = "audit";
      decision->reason = "The audit log cannot be written (" + written.error() +
                         "), and no change runs unaudited; tell a human to check the state directory.";
    }
  }
}

Decision Validator::evaluate_and_approve(const Action& action, Mode mode) {
  Decision d = evaluate(action, mode);
  if (d.allowed() && action.mutating && d.code == "auto") {
    std::string how;
    if (auto stop = approve(policy_, facts(), action, how)) return std::move(*stop);
    return allow(how);
  }
  return d;
}

Decision Validator::preview(const Action& action) {
  Decision d;
  try {
    d = evaluate_and_approve(action, Mode::auto_);
    if (d.verdict != Verdict::deny && action.mutating && action.upstream != "self") {
      const auto store = limit_store();
      const auto open_until = store ? store->open_until(target_key(action), clock_())
                                    : tl::expected<std::optional<TimePoint>, std::string>(std::nullopt);
      if (open_until && *open_until) {
        d = deny("circuit_open", "circuit_breaker",
                 "Remediating this target failed " + std::to_string(policy_.circuit_breaker.failures) +
                     " times recently, so the circuit breaker stops further attempts for now; escalate to a human.");
      }
    }
  } catch (const std::exception& e) {
    d = deny("internal_error", "validator", std::string("The validator failed (") + e.what() + ").");
  }
  d.action = action;
  return d;
}

Decision Validator::decide(const Action& action, const Actor& actor, std::string correlation_id) {
  Decision d;
  if (correlation_id.empty()) correlation_id = new_correlation_id();
  try {
    d = evaluate_and_approve(action, policy_.mode);
    // Our own tools are not counted: each upstream call they make passes here and is counted itself.
    if (d.allowed() && action.mutating && action.upstream != "self" && d.code != "leader_election") {
      if (auto stop = limits(action, clock_())) d = std::move(*stop);
    }
    for (const auto& r : policy_.shadow) {
      if (matches(r, action)) {
        d.shadow.push_back(
            ShadowHit{r.name, r.code, r.effect == Rule::Effect::deny ? Verdict::deny : Verdict::needs_approval});
        logger()->info("shadow rule {} would {} {} ({})", r.name,
                       r.effect == Rule::Effect::deny ? "deny" : "ask approval for", action.tool, correlation_id);
      }
    }
  } catch (const std::exception& e) {
    d = deny("internal_error", "validator",
             std::string("The validator failed (") + e.what() + "), so the call was refused.");
  }
  d.action = action;
  d.actor = actor;
  d.correlation_id = std::move(correlation_id);
  json line = to_json(d);
  line["event"] = "decision";
  line["correlation_id"] = d.correlation_id;
  json who{{"client", actor.client}};
  if (!actor.session.empty()) who["session"] = actor.session;
  if (!actor.subagent.empty()) who["subagent"] = actor.subagent;
  line["actor"] = std::move(who);
  line["tool"] = action.tool;
  line["action"] = to_json(action);
  audit(line, action.mutating, &d);
  if (!d.allowed()) logger()->debug("{} {}: {} [{}]", to_string(d.verdict), action.tool, d.code, d.correlation_id);
  return d;
}

Decision Validator::check_upstream(const UpstreamCall& call) {
  return decide(classify_upstream(call), call.actor, call.correlation_id);
}

Decision Validator::approved(Decision d, const std::string& by) {
  if (d.verdict != Verdict::needs_approval) return d;
  const std::string asked = d.code;
  Decision out;
  try {
    out = allow("approved");
    out.rule = by.empty() ? std::string("approver") : by;
    out.reason = "approved by " + out.rule + " (" + asked + ": " + d.reason + ")";
    out.shadow = d.shadow;
    // An approved change is still a change: the rate limits and the circuit breaker hold for it as for any.
    if (d.action.mutating && d.action.upstream != "self") {
      if (auto stop = limits(d.action, clock_())) out = std::move(*stop);
    }
  } catch (const std::exception& e) {
    out = deny("internal_error", "validator",
               std::string("The validator failed (") + e.what() + "), so the call was refused.");
  }
  out.action = std::move(d.action);
  out.actor = std::move(d.actor);
  out.correlation_id = std::move(d.correlation_id);
  json line = to_json(out);
  line["event"] = "approval";
  line["correlation_id"] = out.correlation_id;
  line["asked"] = asked;
  line["tool"] = out.action.tool;
  audit(line, true, &out);
  if (!out.allowed()) logger()->debug("approved {} refused: {} [{}]", out.action.tool, out.code, out.correlation_id);
  return out;
}

void Validator::record_result(const Decision& d, bool ok, std::string_view detail, std::chrono::milliseconds duration) {
  const auto now = clock_();
  if (d.action.mutating) {
    // The call has already run: a breaker that cannot be fed is worth an error line, not a failed call.
    if (const auto store = limit_store(); !store) {
      logger()->error("circuit breaker: no limits database is open; the result of {} is not counted", d.action.tool);
    } else if (auto recorded = store->record_result(target_key(d.action), ok, policy_.circuit_breaker, now);
               !recorded) {
      logger()->error("circuit breaker: {}; the result of {} is not counted", recorded.error(), d.action.tool);
    }
  }
  json line{{"event", "result"},
            {"correlation_id", d.correlation_id},
            {"tool", d.action.tool},
            {"result", ok ? "ok" : "error"},
            {"duration_ms", duration.count()}};
  json who{{"client", d.actor.client}};
  if (!d.actor.session.empty()) who["session"] = d.actor.session;
  if (!d.actor.subagent.empty()) who["subagent"] = d.actor.subagent;
  line["actor"] = std::move(who);
  if (!detail.empty()) line["detail"] = std::string(detail.substr(0, 2000));
  audit(line, false, nullptr);
}

}  // namespace eks::safety
