#pragma once
// MCP over HTTP (Boost.Beast on Asio): Streamable HTTP on one endpoint for both protocol eras — sessions with
// Mcp-Session-Id, POST answered as JSON or an SSE stream, the GET stream, resumption with Last-Event-ID for
// the handshake era; stateless per-request metadata and header checks for 2026-07-28 — plus the legacy
// HTTP+SSE transport (2024-11-05), /healthz, /readyz and /metrics. Sessions and the dispatcher sit above;
// tool calls run on the dispatcher's worker pool, HTTP I/O on a few threads of its own.
#include <cstdint>
#include <memory>
#include <string>

#include <tl/expected.hpp>

#include "server/dispatcher.hpp"
#include "server/transport/http_metrics.hpp"
#include "server/transport/http_options.hpp"

namespace eks::transport {

class HttpServer {
 public:
  // The dispatcher must outlive the server.
  HttpServer(server::Dispatcher& dispatcher, HttpOptions options);
  ~HttpServer();  // shuts down when still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Resolves authentication (token file, EKS_SRE_MCP_TOKEN), refuses a non-loopback address without it,
  // binds and starts serving. The error is a sentence for the operator.
  tl::expected<void, std::string> start();
  // The bound port (after start; useful with port 0).
  std::uint16_t port() const;
  // Graceful shutdown: stops accepting, answers new requests 503, gives in-flight tool calls the dispatcher's
  // shutdown deadline, cancels the rest, closes every stream and connection. Returns the calls that ignored
  // cancellation (0 after a clean shutdown). Idempotent.
  std::size_t shutdown();
  const HttpMetrics& metrics() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Serves one Dispatcher over HTTP until SIGTERM or SIGINT, then shuts down gracefully: stop accepting, let
// in-flight calls finish up to the dispatcher's shutdown deadline, close the streams. Returns the process exit
// code: 0 after a clean shutdown, 2 when the server cannot start (the reason is logged: a bad --listen, a
// missing token for a non-loopback address, a port in use). Call block_termination_signals()
// (server/stdio_server.hpp) before any thread exists, as for serve_stdio.
int serve_http(server::Dispatcher& dispatcher, const HttpOptions& options);

}  // namespace eks::transport
