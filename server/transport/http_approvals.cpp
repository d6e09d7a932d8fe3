// HTTP transport: POST /approvals/PLAN_ID, where a human approves a remediation plan out of band (a chat
// notification links here, an on-call runbook curls it). Only an approver's credential opens it: the approver
// token, or an OAuth access token with the remediation:approve scope. The MCP clients' own token is refused
// with 403, so a model driving a client can never approve what it proposed.
#include <nlohmann/json.hpp>

#include "server/transport/http_internal.hpp"

namespace eks::transport {
namespace {

constexpr std::string_view kApproveScope = "remediation:approve";

bool has_scope(std::string_view scopes, std::string_view wanted) {
  while (!scopes.empty()) {
    const auto space = scopes.find(' ');
    if (scopes.substr(0, space) == wanted) return true;
    if (space == std::string_view::npos) break;
    scopes.remove_prefix(space + 1);
  }
  return false;
}

// Plan ids are "p-" and hex digits; anything else is refused before it reaches the store or a log line.
bool plain_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

Reply answer(int status, const nlohmann::json& body) {
  return Reply{status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

}  // namespace

void Impl::handle_approval(const std::shared_ptr<Conn>& conn, Request& request) {
  if (!options.approve)
    return conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: approvals are not served here"));
  if (request.verb != http::verb::post)
    return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "POST"}}));
  const std::string plan_id = request.path.substr(std::string_view("/approvals/").size());
  if (!plain_id(plan_id))
    return conn->respond(answer(400, {{"error", "the path must be /approvals/PLAN_ID with a plan id such as p-…"}}));

  // Who approves: the approver token's holder names themselves; an OAuth token's subject is the approver.
  const auto token = transport::bearer_token(request.header("authorization").value_or(""));
  std::string subject;
  bool allowed = false;
  if (token) {
    for (const auto& t : approver_tokens) allowed = transport::constant_time_equal(*token, t) || allowed;
    if (!allowed && jwt) {
      if (auto claims = jwt->verify(*token, std::chrono::system_clock::now());
          claims && has_scope(claims->scope, kApproveScope)) {
        allowed = true;
        subject = claims->subject;
      }
    }
  }
  if (!allowed) {
    bool client_token = false;
    if (token)
      for (const auto& t : tokens) client_token = transport::constant_time_equal(*token, t) || client_token;
    logger()->warn("refused an approval of plan {}: {}", plan_id,
                   !token         ? "no credential"
                   : client_token ? "the MCP clients' token cannot approve"
                                  : "not an approver's credential");
    const std::string how =
        "send Authorization: Bearer <the approver token>" +
        (jwt ? std::string(" or an access token with scope ") + std::string(kApproveScope) : std::string());
    if (client_token) {
      return conn->respond(answer(403, {{"error", "the MCP clients' token cannot approve remediation plans; " + how}}));
    }
    return conn->respond(json_error(401, jsonrpc::kInvalidRequest, "Unauthorized: " + how,
                                    {{"WWW-Authenticate", "Bearer realm=\"approvals\""}}));
  }

  const auto body = nlohmann::json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (!body.is_object())
    return conn->respond(answer(400, {{"error", "the body must be a JSON object {\"by\": NAME, \"reason\": TEXT}"}}));
  auto text = [&](const char* key) {
    const auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string by = text("by");
  if (!subject.empty()) by = by.empty() ? subject : subject + " (" + by + ")";
  if (by.empty() || by.size() > 200)
    return conn->respond(answer(400, {{"error", "say who approves: {\"by\": NAME} (at most 200 characters)"}}));
  const std::string reason = text("reason");
  if (reason.size() > 2000) return conn->respond(answer(400, {{"error", "the reason is longer than 2000 characters"}}));

  const auto result = options.approve(plan_id, by, reason);
  nlohmann::json reply{{"plan_id", plan_id}};
  if (result.status == 200) {
    reply["status"] = "approved";
    reply["approved_by"] = by;
  } else {
    reply["error"] = result.message;
  }
  if (!result.message.empty() && result.status == 200) reply["next"] = result.message;
  conn->respond(answer(result.status, reply));
}

}  // namespace eks::transport
