#pragma once
// A remediation plan: the typed actions that would fix one finding, the exact upstream calls each makes, the
// validator's verdict on each, what the change touches (blast radius) and how to undo it. propose_remediation
// writes plans; apply_remediation runs one by its id. The id is a content hash, so a plan whose targets changed
// in the cluster (another resourceVersion) gets another id and an old id no longer matches.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace eks::remediation {

using Json = nlohmann::json;

struct Target {
  std::string kind;
  std::string ns;
  std::string name;
};

// One call to the Kubernetes upstream (kubernetes-mcp-server's tool and arguments), as apply will send it.
struct Call {
  std::string tool;
  Json arguments = Json::object();
};

// auto: runs without a human in auto mode; needs_approval: runs once a human approves; forbidden: never runs.
enum class Verdict { auto_, needs_approval, forbidden };
std::string_view to_string(Verdict verdict);

struct Action {
  std::string type;  // restart_pod | delete_failed_pods | rollout_restart | scale | set_resources | rollback_image
  Target target;
  Json params = Json::object();
  std::vector<Call> calls;
  Verdict verdict = Verdict::needs_approval;  // the strictest of its calls' verdicts
  std::string rule;                           // the policy rule behind the verdict
  std::string reason;                         // why that verdict, in words
  std::string precondition;                   // what apply re-checks before the first call
  std::string rollback;                       // how to undo it
};

struct BlastRadius {
  int pods_affected = 0;  // pods deleted or replaced
  std::optional<int> replicas_before;
  std::optional<int> replicas_after;
  std::optional<bool> pdb_allows_disruption;  // nullopt: no PodDisruptionBudget covers the pods
};

struct Plan {
  std::string plan_id;     // "p-" + 16 hex digits: a hash of the actions and the targets' resourceVersions
  std::string finding_id;  // a right-sizing plan: its first recommendation's id
  // A right-sizing plan: the recommend_rightsizing ids it carries out (one workload's containers); empty for a
  // plan that fixes a finding.
  std::vector<std::string> recommendation_ids;
  // The object the finding is about ("Deployment/payments/api"): the circuit breaker counts failed verifications
  // per subject, since a restarted pod comes back under another name.
  std::string subject;
  std::string summary;
  std::vector<Action> actions;
  BlastRadius blast_radius;
  std::string expected_effect;
  std::string rollback;
  // Kind/namespace/name -> metadata.resourceVersion of every object the plan reads or changes.
  std::map<std::string, std::string> resource_versions;
  // The kinds whose objects decide whether the finding is still there (its subject, owners, the objects its
  // evidence and chain name, the targets): apply re-reads only these before it acts. Empty: every kind.
  std::set<std::string> check_kinds;
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point expires_at;
};

struct NotFixable {
  std::string finding_id;
  std::string why;
};

void to_json(Json& j, const Target& t);
void from_json(const Json& j, Target& t);
void to_json(Json& j, const Call& c);
void from_json(const Json& j, Call& c);
void to_json(Json& j, const Action& a);
void from_json(const Json& j, Action& a);
void to_json(Json& j, const Plan& p);
void from_json(const Json& j, Plan& p);

// The content hash that names a plan: the finding, each action's type, target, parameters and calls, and the
// resourceVersions it was planned against. Times are left out (the same plan proposed twice has one id).
std::string plan_id(const Plan& plan);

// "Deployment/payments/payments-api" (cluster-scoped: "Node/ip-10-0-1-12").
std::string key_of(const Target& target);

// The namespace apply re-reads for the plan: the one its targets are in; nullopt when they span several (or none).
std::optional<std::string> check_namespace(const Plan& plan);

}  // namespace eks::remediation
