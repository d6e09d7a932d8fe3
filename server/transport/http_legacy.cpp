// HTTP transport: the legacy HTTP+SSE transport (2024-11-05) — the SSE stream and its POST endpoint.
#include "server/transport/http_internal.hpp"

namespace eks::transport {

namespace {

// The legacy HTTP+SSE transport: every message goes on the session's one SSE stream as a `message` event.
class LegacyConnection final : public transport::Connection {
 public:
  explicit LegacyConnection(std::weak_ptr<McpSession> owner) : owner_(std::move(owner)) {}
  bool send(std::string_view message) override {
    auto owner = owner_.lock();
    if (!owner) return false;
    owner->emit(0, std::string(message), false);
    return true;
  }

 private:
  std::weak_ptr<McpSession> owner_;
};

}  // namespace

void Impl::handle_legacy_open(const std::shared_ptr<Conn>& conn, Request& request) {
  const auto accept = request.header("accept").value_or("");
  if (!accept.empty() && !accepts(accept, "text/event-stream")) {
    return conn->respond(
        json_error(406, jsonrpc::kInvalidRequest, "Not Acceptable: Accept must list text/event-stream"));
  }
  auto owner = std::make_shared<McpSession>(transport::random_session_id(), true, 0);
  owner->session = Session::create(dispatcher, std::make_shared<LegacyConnection>(owner));
  {
    std::lock_guard lock(mutex);
    if (sessions.size() >= options.max_sessions) {
      return conn->respond(json_error(503, jsonrpc::kInvalidRequest,
                                      "Service Unavailable: too many sessions; retry later", {{"Retry-After", "5"}}));
    }
    sessions.emplace(owner->id, owner);
  }
  metrics->add_sessions(1);
  {
    std::lock_guard lock(owner->mutex);
    owner->streams[0] = Sink{conn, conn->generation()};
    owner->standalone = 0;
  }
  conn->start_sse({});
  // "When a client connects, the server MUST send an endpoint event containing a URI for the client to use
  // for sending messages."
  conn->send_chunk(transport::sse_event("/messages?sessionId=" + owner->id, {}, "endpoint"));
  logger()->info("legacy SSE session {}… started", owner->id.substr(0, 8));
  conn->on_peer_closed([self = shared_from_this(), id = owner->id] { self->end_session(id, "closed its SSE stream"); });
}

void Impl::handle_legacy_post(const std::shared_ptr<Conn>& conn, Request& request) {
  auto owner = find_session(request.query_param("sessionId"));
  if (!owner || !owner->legacy)
    return conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: unknown sessionId"));
  const std::string content_type = lower_ascii(request.header("content-type").value_or(""));
  if (content_type.rfind("application/json", 0) != 0) {
    return conn->respond(
        json_error(415, jsonrpc::kInvalidRequest, "Unsupported Media Type: Content-Type must be application/json"));
  }
  owner->touch();
  owner->session->handle_line(std::move(request.body));
  conn->respond(Reply{202, "text/plain", "Accepted", {}});
}

}  // namespace eks::transport
