#include "safety/boundary.hpp"

#include <chrono>

namespace eks::safety {

Approval Approval::grant(std::string by) {
  Approval a;
  a.approved = true;
  a.by = std::move(by);
  return a;
}

Approval Approval::refuse(std::string message) {
  Approval a;
  a.message = std::move(message);
  return a;
}

Approval RefusingApprover::approve(const Decision& decision) { return Approval::refuse(decision.message()); }

std::shared_ptr<Approver> refusing_approver() {
  static const std::shared_ptr<Approver> refusing = std::make_shared<RefusingApprover>();
  return refusing;
}

tl::expected<Decision, std::string> settle(Validator& validator, Decision decision, Approver& approver) {
  switch (decision.verdict) {
    case Verdict::allow: return decision;
    case Verdict::deny: return tl::unexpected(decision.message());
    case Verdict::needs_approval: break;
  }
  Approval answer;
  try {
    answer = approver.approve(decision);
  } catch (const std::exception&) {
    answer = Approval::refuse(decision.message());  // an approver that fails has approved nothing
  }
  if (!answer.approved) return tl::unexpected(answer.message.empty() ? decision.message() : answer.message);
  Decision approved = validator.approved(std::move(decision), answer.by);
  if (!approved.allowed()) return tl::unexpected(approved.message());
  return approved;
}

server::Middleware safety_middleware(std::shared_ptr<Validator> validator, std::shared_ptr<Approver> approver) {
  if (!approver) approver = refusing_approver();
  return [validator = std::move(validator), approver = std::move(approver)](
             const server::ToolDef& tool, const server::Json& arguments, server::CallContext& context,
             const server::CallNext& next) -> server::Result<server::ToolOutput> {
    Actor actor;
    const auto& info = context.client_info();
    if (info.is_object() && info.contains("name") && info["name"].is_string()) actor.client = info["name"];
    auto settled =
        settle(*validator, validator->decide(classify_own(tool.name, tool.safety.value, arguments), actor), *approver);
    if (!settled) return server::tool_error(settled.error());
    const Decision& d = *settled;
    const auto started = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    };
    try {
      auto out = next(tool, arguments, context);
      validator->record_result(d, out.has_value(), out ? std::string_view() : std::string_view(out.error().message),
                               elapsed());
      return out;
    } catch (const std::exception& e) {
      validator->record_result(d, false, e.what(), elapsed());
      throw;  // a broken invariant: the session loop answers -32603
    }
  };
}

void install_upstream_check(upstream::Gateway& gateway, std::shared_ptr<Validator> validator,
                            UpstreamCheckOptions options) {
  auto approver = options.approver ? std::move(options.approver) : refusing_approver();
  gateway.install_check([validator = std::move(validator), ns = std::move(options.current_namespace),
                         client = std::move(options.subagent_client), approver = std::move(approver)](
                            const upstream::UpstreamCall& call) -> tl::expected<upstream::Approved, std::string> {
    // Calls that name no namespace act on the kubeconfig's: when it cannot be read one way only, no Kubernetes
    // call is decided on a guess.
    if (!ns && call.role == "kubernetes") {
      return tl::unexpected("Refused: " + ns.error() +
                            ". Fix the kubeconfig (every key once; no anchors, merge keys or tags) and restart.");
    }
    UpstreamCall checked;
    checked.upstream = call.role;
    checked.tool = call.tool;
    checked.arguments = call.arguments;
    checked.current_namespace = ns ? *ns : std::string("default");
    if (call.actor.kind == "subagent") {
      checked.actor.subagent = call.actor.name;
      checked.actor.client = client;
    } else {
      checked.actor.client = call.actor.name;
    }
    auto settled = settle(*validator, validator->check_upstream(checked), *approver);
    if (!settled) return tl::unexpected(settled.error());
    auto decision = std::make_shared<const Decision>(std::move(*settled));
    if (decision->action.send_tool.empty())
      return tl::unexpected("Refused: the call " + call.tool + " has nothing to send.");
    upstream::Approved approved(
        [validator, decision](bool ok, const std::string& detail, std::chrono::milliseconds ms) {
          validator->record_result(*decision, ok, detail, ms);
        });
    approved.tool = decision->action.send_tool;
    approved.arguments = decision->action.send_arguments;
    approved.audit_id = decision->correlation_id;
    return approved;
  });
  if (options.redactor) {
    gateway.install_result_filter(
        [redactor = std::move(options.redactor)](nlohmann::json& result) { result = redactor->redact(result); });
  }
}

}  // namespace eks::safety
