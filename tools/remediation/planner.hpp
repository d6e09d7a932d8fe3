#pragma once
// Findings -> remediation plans. Each finding either gets a plan of typed actions, each with its precondition,
// its exact upstream calls, the validator's verdict on them, and its rollback, or goes to not_fixable with the
// reason: a fix is only proposed where a general rule says it helps (a Failed pod record is deleted; an
// OOM-killed container gets a higher memory limit; a pull failure after a rollout goes back to the image that
// ran; a crash from a dependency that may be back is restarted). A missing Secret or a wrong command is never
// "fixed" by a restart: we do not guess.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "safety/validator.hpp"
#include "tools/analyzers/finding.hpp"
#include "tools/cluster/cluster_state.hpp"
#include "tools/remediation/plan.hpp"

namespace eks::remediation {

// The verdict on one upstream call (propose_remediation asks the validator for a preview).
struct Judgement {
  Verdict verdict = Verdict::needs_approval;
  std::string rule;
  std::string reason;
};
using Judge = std::function<Judgement(const Call& call)>;

// The judge propose_remediation uses: the validator's preview of the call as the gateway will classify it when
// apply sends it (allow -> auto, with the code that allowed it; needs_approval; deny -> forbidden).
Judge preview_judge(std::shared_ptr<safety::Validator> validator);

// The same subject failing to recover kBreakerFailures times within kBreakerWindow trips the circuit breaker.
inline constexpr int kBreakerFailures = 2;
inline constexpr std::chrono::hours kBreakerWindow{1};

struct PlannerOptions {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::chrono::seconds ttl{900};  // how long a plan may be applied
  std::size_t max_plans = 10;
  std::set<std::string> finding_ids;  // only these; empty: every finding
  // set_resources after an OOM kill: the new memory limit is the larger of the observed peak and the current
  // limit, times this factor, capped at `memory_cap_factor` times the current limit and at the largest node.
  double memory_raise_factor = 1.5;
  double memory_cap_factor = 4.0;
  std::size_t max_failed_pods = 20;  // delete_failed_pods deletes at most this many records per plan
  Judge judge;                       // null: every action needs approval
  // The circuit breaker: how many remediations of a subject failed verification in the last kBreakerWindow
  // (PlanStore::failed_verifications); from kBreakerFailures on, or when the count cannot be read, its actions
  // need a human whatever the policy says. Null: no breaker.
  std::function<std::optional<int>(const std::string& subject)> failed_verifications;
};

struct Proposal {
  std::vector<Plan> plans;
  std::vector<NotFixable> not_fixable;
};

// A right-sizing recommendation to carry out (recommend_rightsizing's): the values one container of a workload
// should have, as Kubernetes quantities; nullopt leaves that resource as it is.
struct Resize {
  std::string id;               // the recommendation's id, rs-...
  cluster::ObjectRef workload;  // Deployment, StatefulSet or DaemonSet
  std::string container;
  std::optional<std::string> cpu_request;
  std::optional<std::string> memory;  // request and limit
  std::string reason;                 // the recommendation's one line (why there is no value, when there is none)
  std::optional<double> monthly_savings;
};

// The resourceVersion of the object a plan's key names ("Deployment/payments/api"); nullopt when it is gone.
std::optional<std::string> current_version(const cluster::ClusterState& state, const std::string& key);

// Plans for `findings` (most severe first, as diagnose_cluster orders them) in `state`. Deterministic for the
// same inputs and `now`.
Proposal plan(const cluster::ClusterState& state, const std::vector<analyzers::Finding>& findings,
              const PlannerOptions& options);

// set_resources plans for right-sizing recommendations: one plan per workload, covering its containers' resizes,
// judged like any plan (options.finding_ids is not used). A recommendation without values, or whose workload or
// container is gone, goes to not_fixable with the reason.
Proposal plan_resizes(const cluster::ClusterState& state, const std::vector<Resize>& resizes,
                      const PlannerOptions& options);

}  // namespace eks::remediation
