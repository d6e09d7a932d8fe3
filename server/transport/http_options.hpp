#pragma once
// Settings of the HTTP transport (Streamable HTTP on one MCP endpoint, legacy HTTP+SSE, health and metrics).
// Every limit is here so that a slow or hostile client is bounded by configuration, not by luck.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/transport/oauth.hpp"

namespace eks::transport {

struct HttpOptions {
  // host:port to bind; "[::1]:8808" for IPv6. Port 0 picks a free port (tests). Loopback by default: "When
  // running locally, servers SHOULD bind only to localhost (127.0.0.1) rather than all network interfaces".
  std::string listen = "127.0.0.1:8808";
  std::string mcp_path = "/mcp";  // the MCP endpoint
  bool legacy_sse = true;         // GET /sse + POST /messages?sessionId=… (the 2024-11-05 HTTP+SSE transport)
  std::size_t io_threads = 2;     // network I/O only: tool calls run on the dispatcher's worker pool
  bool keep_alive = true;         // persistent connections (HTTP/1.1's default); false answers with Connection: close

  // Limits.
  std::size_t max_body_bytes = 4u << 20;             // a bigger POST gets 413 and is never buffered
  std::size_t max_header_bytes = 16u << 10;          // request line and headers together; bigger gets 431
  std::chrono::milliseconds request_timeout{10000};  // from a request's first byte to its last (slow clients: 408)
  std::chrono::milliseconds idle_timeout{60000};     // a keep-alive connection with no request is closed
  std::chrono::milliseconds write_timeout{30000};    // a client that does not read its response is dropped
  std::chrono::milliseconds session_idle_timeout{std::chrono::minutes(30)};  // unused sessions expire
  std::size_t max_connections = 1024;
  std::size_t max_sessions = 1000;
  std::size_t max_streams_per_session = 32;  // concurrent requests and SSE streams of one session
  std::size_t max_queued_bytes = 8u << 20;   // per connection: a stream whose reader stalls is closed
  std::size_t replay_events = 256;           // per session, for resumption with Last-Event-ID

  // SSE.
  std::chrono::milliseconds keepalive_interval{15000};  // a comment line on quiet streams
  std::chrono::milliseconds sse_retry{1000};            // the retry hint sent with priming events
  // When set, a POST's SSE stream is closed after this long while its request still runs; the client resumes
  // with GET and Last-Event-ID (the 2025-11-25 "polling" pattern, for proxies that cut long responses).
  std::optional<std::chrono::milliseconds> sse_hold_limit;

  // Security.
  std::vector<std::string>
      allowed_origins;                     // exact origins ("https://claude.ai"); loopback ones are implied on loopback
  std::vector<std::string> allowed_hosts;  // extra Host names accepted besides localhost/127.0.0.1/[::1]
  std::optional<std::string> auth_token_file;  // a file holding the bearer token (--auth-token-file)
  bool auth_token_from_environment = true;     // EKS_SRE_MCP_TOKEN when no file is given
  std::vector<std::string> auth_tokens;        // tokens given directly (tests); never logged
  // OAuth 2.1 resource server: JWT access tokens from this authorization server are accepted (besides the
  // static tokens above), and 401 answers point to the Protected Resource Metadata.
  std::optional<OAuthOptions> oauth;
  // HTTPS: a PEM certificate chain and its private key; both or neither.
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;

  // POST /approvals/PLAN_ID with {"by", "reason"}: a human approves a remediation plan out of band. It takes a
  // credential of its own, never the MCP client's (a model that holds the client's token cannot approve): the
  // bearer token in `approver_token_file`, or an OAuth access token whose scope includes remediation:approve (the
  // approver is then the token's subject). Null `approve`: the route does not exist (404).
  struct ApprovalAnswer {
    int status = 200;  // 200 approved; 404 no such plan; 409 already approved or expired; 500 the store failed
    std::string message;
  };
  std::function<ApprovalAnswer(const std::string& plan_id, const std::string& by, const std::string& reason)> approve;
  std::optional<std::string> approver_token_file;
  std::vector<std::string> approver_tokens;  // given directly (tests); never logged

  // Metric families of the application (e.g. the subagents' token use), appended to /metrics; null: none.
  std::function<std::string()> extra_metrics;
  // /readyz: null means ready once serving.
  std::function<bool()> ready;
  // Called once bound, with the MCP endpoint's URL (e.g. "http://127.0.0.1:8808/mcp").
  std::function<void(const std::string& url)> on_listening;
};

}  // namespace eks::transport
