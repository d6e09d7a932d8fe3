#pragma once
// The validator: every call that crosses a boundary — a host's call into our tools, and every call our code or a
// subagent makes to an upstream server — gets one Decision here, is audited before it runs, and is refused
// unless allowed. Like Envoy's RBAC filter: allow, or deny with a stable code and reason; shadow rules log
// what they would have done without blocking.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "safety/audit_log.hpp"
#include "safety/classifier.hpp"
#include "safety/limit_store.hpp"
#include "safety/policy.hpp"
#include "server/dispatcher.hpp"

namespace eks::safety {

enum class Verdict { allow, deny, needs_approval };
std::string_view to_string(Verdict verdict);

// What a shadow rule would have decided.
struct ShadowHit {
  std::string rule;
  std::string code;
  Verdict would = Verdict::deny;
};

struct Decision {
  Verdict verdict = Verdict::deny;
  std::string code;    // stable: "protected_namespace", "secret_read", "read_only_mode", "rate_limited", ...;
                       // for allow, how it was allowed ("read", "auto_restart_pod", ...)
  std::string reason;  // deny: what was refused, why, what to do instead; needs_approval: why
  std::string rule;    // the policy rule that decided
  std::vector<ShadowHit> shadow;
  Action action;
  Actor actor;
  std::string correlation_id;

  bool allowed() const { return verdict == Verdict::allow; }
  // The sentence a model sees when the call is not allowed.
  std::string message() const;
};

// The audit line's view of a decision.
nlohmann::json to_json(const Decision& decision);

// What the validator may ask about the cluster. Each hook is optional; an unknown fact never loosens a rule
// (an unknown replica count or pod phase means "ask a human").
struct ClusterFacts {
  std::function<std::optional<int>(const Action&)> current_replicas;
  // "Failed" for Failed and Evicted pods; nullopt when unknown.
  std::function<std::optional<std::string>(const std::string& ns, const std::string& pod)> pod_phase;
  std::function<std::optional<int>(const std::string& ns)> failing_pods;
};

class Validator {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `audit` may be null (tests); `clock` defaults to the system clock; `limits` holds the rate-limit windows and
  // circuit breakers, shared with every process that opens the same file (null: a private in-memory store).
  explicit Validator(Policy policy, std::shared_ptr<AuditLog> audit = nullptr, ClusterFacts facts = {},
                     Clock clock = {}, std::shared_ptr<LimitStore> limits = nullptr);

  // Decides on a classified action, counts it against the rate limits when allowed, and appends the decision to
  // the audit log (fsynced) before returning. Thread-safe. Never throws.
  Decision decide(const Action& action, const Actor& actor = {}, std::string correlation_id = {});

  // The gateway's check before every upstream call: classify, decide, audit. Thread-safe. Never throws.
  Decision check_upstream(const UpstreamCall& call);

  // What decide() would answer for `action` in auto mode — the verdict a remediation plan shows before anything
  // runs — without auditing it or taking a rate-limit slot (an open circuit breaker still shows as a deny). The
  // policy's mode is left out so that a plan says what a human could approve; apply refuses in read_only and
  // propose mode. Thread-safe. Never throws.
  Decision preview(const Action& action);

  // A needs_approval decision that `by` approved: audits the approval (fsynced: an approval that cannot be
  // audited is refused) and counts the call against the rate limits as an allowed one. Returns the decision the
  // call runs under (allow, code "approved", rule `by`), or a deny; any other decision comes back unchanged.
  // Thread-safe. Never throws. The boundaries (safety/boundary.hpp) call it when their Approver approves.
  Decision approved(Decision decision, const std::string& by);

  // After an allowed call ran: appends its result line and feeds the circuit breaker (a failed mutation of a
  // target counts towards opening it; a success closes it). Thread-safe. Never throws.
  void record_result(const Decision& decision, bool ok, std::string_view detail, std::chrono::milliseconds duration);

  const Policy& policy() const { return policy_; }
  void set_facts(ClusterFacts facts);
  // Replaces the store of rate-limit windows and circuit breakers (e.g. with the state directory's file).
  void set_limit_store(std::shared_ptr<LimitStore> limits);

 private:
  Decision evaluate(const Action& action, Mode mode);
  // evaluate() and, for an allowed change in auto mode, the approval rules (production, escalation, auto list).
  Decision evaluate_and_approve(const Action& action, Mode mode);
  std::optional<Decision> limits(const Action& action, std::chrono::system_clock::time_point now);
  ClusterFacts facts() const;
  void audit(const nlohmann::json& line, bool must_persist, Decision* decision);
  std::shared_ptr<LimitStore> limit_store() const;

  Policy policy_;
  std::shared_ptr<AuditLog> audit_;
  Clock clock_;
  mutable std::mutex mutex_;  // facts_, limits_ (the store serialises its own operations)
  ClusterFacts facts_;
  // Null only when not even an in-memory store could be opened: every mutating action is then refused.
  std::shared_ptr<LimitStore> limits_;
};

// A fresh correlation id (16 hex digits).
std::string new_correlation_id();

}  // namespace eks::safety
