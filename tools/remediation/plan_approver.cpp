#include "tools/remediation/plan_approver.hpp"

#include "safety/classifier.hpp"

namespace eks::remediation {
namespace {

std::string canonical(const safety::Action& a) {
  return (a.send_tool.empty() ? a.tool : a.send_tool) + " " + a.send_arguments.dump();
}

}  // namespace

std::string actor_for(const std::string& plan_id) { return "remediation:" + plan_id; }

void PlanApprover::grant(const std::string& plan_id, const std::vector<Call>& calls, const std::string& by) {
  Grant g{by, {}};
  for (const auto& c : calls) {
    safety::UpstreamCall upstream;
    upstream.upstream = "kubernetes";
    upstream.tool = c.tool;
    upstream.arguments = c.arguments;
    g.calls.insert(canonical(safety::classify_upstream(upstream)));
  }
  std::lock_guard lock(mutex_);
  grants_[actor_for(plan_id)] = std::move(g);
}

void PlanApprover::revoke(const std::string& plan_id) {
  std::lock_guard lock(mutex_);
  grants_.erase(actor_for(plan_id));
}

safety::Approval PlanApprover::approve(const safety::Decision& decision) {
  std::lock_guard lock(mutex_);
  const auto it = grants_.find(decision.actor.client);
  if (it == grants_.end() || decision.actor.client.empty() || !decision.actor.subagent.empty())
    return safety::Approval::refuse(decision.message());
  if (!it->second.calls.count(canonical(decision.action)))
    return safety::Approval::refuse("This call is not part of the approved plan, so it was refused. " +
                                    decision.message());
  return safety::Approval::grant(it->second.by);
}

}  // namespace eks::remediation
