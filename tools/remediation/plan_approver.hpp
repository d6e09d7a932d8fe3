#pragma once
// The approver apply_remediation plugs into the upstream boundary (safety/boundary.hpp's one approval point).
// While an approved plan runs, exactly its calls — as the classifier will send them — are approved, and only for
// the actor that runs the plan; every other call that needs approval is refused as before. A model cannot reach
// it: the grant comes from a human's recorded approval, never from a tool argument.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "safety/boundary.hpp"
#include "tools/remediation/plan.hpp"

namespace eks::remediation {

// The actor name under which apply_remediation sends a plan's calls.
std::string actor_for(const std::string& plan_id);

class PlanApprover final : public safety::Approver {
 public:
  // Approves `calls` for the plan's actor, in the name of `by`, until revoke(plan_id).
  void grant(const std::string& plan_id, const std::vector<Call>& calls, const std::string& by);
  void revoke(const std::string& plan_id);
  safety::Approval approve(const safety::Decision& decision) override;

 private:
  struct Grant {
    std::string by;
    std::set<std::string> calls;  // send_tool + " " + send_arguments, as classified
  };
  std::mutex mutex_;
  std::map<std::string, Grant> grants_;  // by actor name
};

}  // namespace eks::remediation
