#pragma once
// The two boundaries a call crosses, as adapters around the validator: host -> our tools (a dispatcher
// middleware) and our code or a subagent -> an upstream server (the gateway's check). Both settle a Decision
// the same way: an allowed call runs, a denied one is refused, and a needs_approval one goes to the Approver —
// the one place where a human's approval can let such a call run. The default approver asks no one and refuses.
#include <memory>
#include <string>

#include <tl/expected.hpp>

#include "safety/redactor.hpp"
#include "safety/validator.hpp"
#include "server/dispatcher.hpp"
#include "server/upstream/gateway.hpp"

namespace eks::safety {

// An approver's answer: approved (the call runs; `by` names who approved, for the audit log), or refused with
// the sentence the caller sees.
struct Approval {
  bool approved = false;
  std::string by;
  std::string message;

  static Approval grant(std::string by);
  static Approval refuse(std::string message);
};

// Decides on the calls the policy leaves to a human (Verdict::needs_approval); it never sees an allowed or a
// denied call. Thread-safe; may block until answered; never throws.
class Approver {
 public:
  virtual ~Approver() = default;
  virtual Approval approve(const Decision& decision) = 0;
};

// The default: no human is asked, so the call is refused with the decision's message (which tells a model to
// present the action as a recommendation).
class RefusingApprover final : public Approver {
 public:
  Approval approve(const Decision& decision) override;
};

// A shared RefusingApprover.
std::shared_ptr<Approver> refusing_approver();

// How a boundary settles a decision: the decision the call runs under (allowed as decided, or approved through
// `approver` and recorded by the validator), or the refusal written for a model. Deny never reaches the approver.
tl::expected<Decision, std::string> settle(Validator& validator, Decision decision, Approver& approver);

// The dispatcher middleware for host -> our tools: classifies by ToolDef.safety, decides, audits, settles, and
// answers a tool error with the refusal when the call may not run. app/ installs it with Dispatcher::use().
server::Middleware safety_middleware(std::shared_ptr<Validator> validator,
                                     std::shared_ptr<Approver> approver = refusing_approver());

// What the upstream boundary needs besides the validator.
struct UpstreamCheckOptions {
  // The namespace of calls that name none (the kubeconfig's); when it is an error every Kubernetes call is
  // refused with it.
  tl::expected<std::string, std::string> current_namespace = std::string("default");
  // Every upstream result passes it (when set) before any caller sees it.
  std::shared_ptr<const Redactor> redactor = nullptr;
  // The actor's client when a subagent calls (the application's own name).
  std::string subagent_client = {};
  std::shared_ptr<Approver> approver = refusing_approver();
};

// Installs the gateway's check for our code or a subagent -> an upstream: every call passes the validator; the
// decision is audited before the call, its result after, and what is sent is the call the validator classified
// (explicit namespace, checked arguments), not the caller's. Installs the result filter with the redactor.
void install_upstream_check(upstream::Gateway& gateway, std::shared_ptr<Validator> validator,
                            UpstreamCheckOptions options = {});

}  // namespace eks::safety
