// HTTP transport: routing by path and method, with the Host/Origin and authorization checks.
#include "server/transport/http_internal.hpp"

namespace eks::transport {

bool accepts(std::string_view accept, std::string_view type) {
  const std::string a = lower_ascii(accept);
  return a.find(type) != std::string::npos || a.find("*/*") != std::string::npos;
}

void Impl::handle(const std::shared_ptr<Conn>& conn, Request& request) {
  if (stopping)
    return conn->respond(json_error(503, jsonrpc::kInternalError, "Service Unavailable: the server is shutting down"));

  // DNS rebinding: "Servers MUST validate the Origin header on all incoming connections", and on loopback the
  // Host header too (a rebound name resolves to 127.0.0.1 but keeps its own Host).
  if (!transport::host_allowed(request.header("host").value_or(""), address.loopback, options.allowed_hosts)) {
    logger()->warn("rejected a request with Host {}", std::string(request.header("host").value_or("(none)")));
    return conn->respond(json_error(403, jsonrpc::kInvalidRequest, "Forbidden: Host header not allowed"));
  }
  // RFC 9728: the metadata is public, it is how a client learns where to get a token.
  if (jwt && (request.path == "/.well-known/oauth-protected-resource" ||
              request.path == transport::resource_metadata_path(resource))) {
    if (request.verb != http::verb::get)
      return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "GET"}}));
    return conn->respond(Reply{200, "application/json", metadata_body, {{"Cache-Control", "max-age=3600"}}});
  }
  if (!transport::origin_allowed(request.header("origin"), address.loopback, options.allowed_origins)) {
    logger()->warn("rejected a request from Origin {}", std::string(*request.header("origin")));
    return conn->respond(json_error(403, jsonrpc::kInvalidRequest, "Forbidden: Origin not allowed"));
  }

  if (request.path == "/healthz") return conn->respond(Reply{200, "text/plain", "ok\n", {}});
  if (request.path == "/readyz") {
    const bool ready = !options.ready || options.ready();
    return conn->respond(Reply{ready ? 200 : 503, "text/plain", ready ? "ready\n" : "not ready\n", {}});
  }

  // Approvals carry their own credential, checked there: the MCP clients' token must not open this door.
  if (request.path.rfind("/approvals/", 0) == 0) return handle_approval(conn, request);

  if (!authorized(conn, request)) return;

  if (request.path == "/metrics") {
    if (request.verb != http::verb::get)
      return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "GET"}}));
    return conn->respond(Reply{200,
                               "text/plain; version=0.0.4; charset=utf-8",
                               metrics->render() + (options.extra_metrics ? options.extra_metrics() : std::string()),
                               {}});
  }
  if (request.path == options.mcp_path) return handle_mcp(conn, request);
  if (options.legacy_sse && request.path == "/sse") {
    if (request.verb != http::verb::get)
      return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "GET"}}));
    return handle_legacy_open(conn, request);
  }
  if (options.legacy_sse && request.path == "/messages") {
    if (request.verb != http::verb::post)
      return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "POST"}}));
    return handle_legacy_post(conn, request);
  }
  conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: the MCP endpoint is " + options.mcp_path));
}

// Static bearer tokens compared in constant time, or a JWT access token from the configured authorization
// server. A refusal is answered 401 with a WWW-Authenticate challenge (RFC 6750 section 3; RFC 9728 section
// 5.1 adds resource_metadata). Never logs the presented token; says only why it was refused.
bool Impl::authorized(const std::shared_ptr<Conn>& conn, const Request& request) {
  if (tokens.empty() && !jwt) return true;
  const auto token = transport::bearer_token(request.header("authorization").value_or(""));
  std::string problem = "the bearer token is not valid";
  if (token) {
    bool ok = false;
    for (const auto& t : tokens) ok = transport::constant_time_equal(*token, t) || ok;
    if (ok) return true;
    if (jwt) {
      auto claims = jwt->verify(*token, std::chrono::system_clock::now());
      if (claims) {
        logger()->debug("{} {} by subject {} (client {})", request.method, request.path, claims->subject,
                        claims->client_id);
        return true;
      }
      problem = claims.error();
    }
  }
  logger()->info("rejected a request to {}: {}", request.path,
                 token ? "invalid bearer token: " + problem : "no bearer token");
  std::string challenge = "Bearer realm=\"" + dispatcher.info().name + "\"";
  if (jwt) challenge += ", resource_metadata=\"" + metadata_url + "\"";
  if (token) challenge += ", error=\"invalid_token\", error_description=\"" + problem + "\"";
  const std::string message =
      token ? "Unauthorized: " + problem
            : "Unauthorized: send Authorization: Bearer <token>" +
                  (jwt ? " with an access token from " + options.oauth->issuer + " (see " + metadata_url + ")"
                       : std::string());
  conn->respond(json_error(401, jsonrpc::kInvalidRequest, message, {{"WWW-Authenticate", challenge}}));
  return false;
}

void Impl::handle_mcp(const std::shared_ptr<Conn>& conn, Request& request) {
  switch (request.verb) {
    case http::verb::post: return handle_post(conn, request);
    case http::verb::get: return handle_get(conn, request);
    case http::verb::delete_: return handle_delete(conn, request);
    default:
      return conn->respond(
          json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "GET, POST, DELETE"}}));
  }
}

}  // namespace eks::transport
