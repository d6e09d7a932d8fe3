// HTTP transport: Streamable HTTP — POST in both eras, the GET stream and resumption, DELETE.
#include "server/transport/http_internal.hpp"

namespace eks::transport {

namespace {

// The Session's own connection for a Streamable HTTP session: messages that belong to no request
// (list_changed) go on the GET stream, or nowhere when the client has not opened one.
class StandaloneConnection final : public transport::Connection {
 public:
  explicit StandaloneConnection(std::weak_ptr<McpSession> owner) : owner_(std::move(owner)) {}
  bool send(std::string_view message) override {
    auto owner = owner_.lock();
    if (!owner) return false;
    std::lock_guard lock(owner->mutex);
    if (owner->standalone < 0) {
      logger()->debug("session {}: no GET stream open; dropping a message", owner->id.substr(0, 8));
      return true;
    }
    owner->emit_locked(owner->standalone, std::string(message), false, 0);
    return true;
  }

 private:
  std::weak_ptr<McpSession> owner_;
};

// Stateless requests are answered on their routes; nothing else is ever sent.
class NullConnection final : public transport::Connection {
 public:
  bool send(std::string_view) override { return true; }
};

}  // namespace

void Impl::handle_post(const std::shared_ptr<Conn>& conn, Request& request) {
  const std::string content_type = lower_ascii(request.header("content-type").value_or(""));
  if (content_type.rfind("application/json", 0) != 0) {
    return conn->respond(
        json_error(415, jsonrpc::kInvalidRequest, "Unsupported Media Type: Content-Type must be application/json"));
  }
  const std::string_view accept = request.header("accept").value_or("");
  const bool accept_json = accept.empty() || accepts(accept, "application/json");
  const bool accept_sse = accepts(accept, "text/event-stream");
  if (!accept_json && !accept_sse) {
    return conn->respond(json_error(406, jsonrpc::kInvalidRequest,
                                    "Not Acceptable: Accept must list application/json and text/event-stream"));
  }
  auto parsed = jsonrpc::parse(request.body, dispatcher.options().max_depth);
  if (!parsed)
    return conn->respond(
        Reply{400, "application/json", jsonrpc::serialize(jsonrpc::make_error(std::nullopt, parsed.error())), {}});
  const Json& message = *parsed;

  // A request that carries its own protocol version is served statelessly (2026-07-28), session or not.
  if (message.is_object() && message.contains("params") && message["params"].is_object()) {
    const auto& params = message["params"];
    if (const auto meta = params.find("_meta");
        meta != params.end() && meta->is_object() && meta->contains(kMetaVersion)) {
      return handle_stateless(conn, request, message, accept_json, accept_sse);
    }
  }

  const auto session_header = request.header("mcp-session-id");
  std::shared_ptr<McpSession> owner;
  const bool initialize = message.is_object() && message.contains("id") && message.value("method", "") == "initialize";
  if (!session_header) {
    if (!initialize) {
      return conn->respond(json_error(400, jsonrpc::kInvalidRequest,
                                      "Bad Request: no Mcp-Session-Id; send initialize first, or carry _meta." +
                                          std::string(kMetaVersion) + " = \"2026-07-28\" on every request"));
    }
    {
      std::lock_guard lock(mutex);
      if (sessions.size() >= options.max_sessions) {
        return conn->respond(json_error(503, jsonrpc::kInvalidRequest,
                                        "Service Unavailable: too many sessions; retry later", {{"Retry-After", "5"}}));
      }
    }
    owner = std::make_shared<McpSession>(transport::random_session_id(), false, options.replay_events);
    owner->session = Session::create(dispatcher, std::make_shared<StandaloneConnection>(owner));
  } else {
    owner = find_session(std::string(*session_header));
    if (!owner || owner->legacy) {
      // "The server MAY terminate the session at any time, after which it MUST respond to requests containing
      // that session ID with HTTP 404 Not Found."
      return conn->respond(json_error(404, jsonrpc::kInvalidRequest,
                                      "Not Found: no session with this Mcp-Session-Id; initialize a new one"));
    }
    if (initialize) {
      return conn->respond(
          json_error(400, jsonrpc::kInvalidRequest, "Bad Request: this session is already initialized"));
    }
    if (const auto version = request.header("mcp-protocol-version")) {
      if (!protocol::is_handshake_version(*version)) {
        return conn->respond(json_error(400, jsonrpc::kInvalidRequest,
                                        "Bad Request: unsupported MCP-Protocol-Version " + std::string(*version)));
      }
      const std::string negotiated = owner->session->negotiated_version();
      // Some clients (Claude Code has been seen doing it) send a supported version other than the negotiated
      // one: served in the negotiated version, noted once.
      if (*version != negotiated && !owner->version_mismatch_logged.exchange(true)) {
        logger()->info("session {}…: MCP-Protocol-Version {} differs from the negotiated {}; serving {}",
                       owner->id.substr(0, 8), std::string(*version), negotiated, negotiated);
      }
    }
  }

  {
    std::lock_guard lock(owner->mutex);
    if (owner->active >= options.max_streams_per_session) {
      return conn->respond(json_error(429, jsonrpc::kInvalidRequest,
                                      "Too Many Requests: " + std::to_string(options.max_streams_per_session) +
                                          " requests or streams already open in this session"));
    }
    ++owner->active;
    owner->last_seen = Clock::now();
  }

  auto exchange = std::make_shared<Exchange>();
  exchange->retry_ms = static_cast<long>(options.sse_retry.count());
  exchange->conn = conn;
  exchange->generation = conn->generation();
  exchange->owner = owner;
  exchange->accept_json = accept_json;
  exchange->accept_sse = accept_sse;
  exchange->headers.push_back({"Mcp-Session-Id", owner->id});
  if (!session_header) {
    exchange->before_answer = [self = shared_from_this(), owner](const Json& answer, Headers& headers) {
      if (!answer.contains("result")) {
        std::erase_if(headers, [](const Header& h) { return h.first == "Mcp-Session-Id"; });
        return;
      }
      {
        std::lock_guard lock(owner->mutex);
        owner->primes = owner->session->negotiated_version() >= std::string("2025-11-25");
      }
      std::lock_guard lock(self->mutex);
      self->sessions.emplace(owner->id, owner);
      self->metrics->add_sessions(1);
      logger()->info("session {}… started ({})", owner->id.substr(0, 8), owner->session->negotiated_version());
    };
  }
  conn->on_peer_closed([weak = std::weak_ptr<Exchange>(exchange)] {
    if (auto e = weak.lock()) e->peer_closed();
  });
  if (options.sse_hold_limit && accept_sse) {
    auto timer = std::make_shared<net::steady_timer>(ioc);
    timer->expires_after(*options.sse_hold_limit);
    timer->async_wait([timer, weak = std::weak_ptr<Exchange>(exchange)](beast::error_code ec) {
      if (auto e = weak.lock(); e && !ec) e->hold_expired();
    });
  }
  owner->session->handle_routed(request.body, route_to(exchange));
}

void Impl::handle_stateless(const std::shared_ptr<Conn>& conn, Request& request, const Json& message, bool accept_json,
                            bool accept_sse) {
  const auto mismatch = [&](const std::string& why) {
    std::optional<jsonrpc::Id> id;
    if (message.contains("id")) id = jsonrpc::id_from_json(message["id"]);
    conn->respond(Reply{400, "application/json", error_body(kHeaderMismatch, "Header mismatch: " + why, id), {}});
  };
  const Json& params = message["params"];
  const Json& meta = params["_meta"];
  if (!message.contains("id"))
    return conn->respond(Reply{202, "", "", {}});  // no client notifications in 2026-07-28 HTTP

  // "Every POST request to the MCP endpoint MUST include an MCP-Protocol-Version header", equal to _meta's.
  const auto version = request.header("mcp-protocol-version");
  if (!version) return mismatch("the MCP-Protocol-Version header is required");
  if (!meta[kMetaVersion].is_string() || *version != meta[kMetaVersion].get_ref<const std::string&>()) {
    return mismatch("MCP-Protocol-Version header value '" + std::string(*version) + "' does not match _meta." +
                    kMetaVersion);
  }
  const std::string method = jsonrpc::string_field(message, "method");
  const auto method_header = request.header("mcp-method");
  if (!method_header) return mismatch("the Mcp-Method header is required");
  if (*method_header != method) {
    return mismatch("Mcp-Method header value '" + std::string(*method_header) + "' does not match body value '" +
                    method + "'");
  }
  const char* name_field = method == "tools/call" || method == "prompts/get" ? "name"
                           : method == "resources/read"                      ? "uri"
                                                                             : nullptr;
  if (name_field && params.contains(name_field) && params[name_field].is_string()) {
    const auto& body_name = params[name_field].get_ref<const std::string&>();
    const auto name_header = request.header("mcp-name");
    if (!name_header) return mismatch("the Mcp-Name header is required for " + method);
    const auto decoded = transport::decode_header_value(*name_header);
    if (!decoded) return mismatch("the Mcp-Name header has a malformed base64 value");
    if (*decoded != body_name) {
      return mismatch("Mcp-Name header value '" + std::string(*name_header) + "' does not match body value '" +
                      body_name + "'");
    }
  }
  if (!meta.contains(kMetaCapabilities) || !meta[kMetaCapabilities].is_object()) {
    std::optional<jsonrpc::Id> id = jsonrpc::id_from_json(message["id"]);
    // "A request missing any required field is malformed ... On HTTP, the response status MUST be 400".
    return conn->respond(Reply{400,
                               "application/json",
                               error_body(jsonrpc::kInvalidParams,
                                          "Invalid params: _meta." + std::string(kMetaCapabilities) +
                                              " (an object) is required with protocol version 2026-07-28",
                                          id),
                               {}});
  }

  auto session = Session::create(dispatcher, std::make_shared<NullConnection>());
  {
    std::lock_guard lock(mutex);
    transient.push_back(session);
  }
  auto exchange = std::make_shared<Exchange>();
  exchange->retry_ms = static_cast<long>(options.sse_retry.count());
  exchange->conn = conn;
  exchange->generation = conn->generation();
  exchange->session = session;
  exchange->stateless = true;
  exchange->accept_json = accept_json;
  exchange->accept_sse = accept_sse;
  conn->on_peer_closed([weak = std::weak_ptr<Exchange>(exchange)] {
    if (auto e = weak.lock()) e->peer_closed();
  });
  session->handle_routed(request.body, route_to(exchange));
}

void Impl::handle_get(const std::shared_ptr<Conn>& conn, Request& request) {
  const auto session_header = request.header("mcp-session-id");
  if (!session_header) {
    // 2026-07-28 has no GET stream ("HTTP GET or DELETE to the MCP endpoint: respond with 405"); the
    // handshake era's GET stream belongs to a session.
    return conn->respond(json_error(405, jsonrpc::kInvalidRequest,
                                    "Method Not Allowed: GET needs an Mcp-Session-Id (2026-07-28 has no GET stream)",
                                    {{"Allow", "POST"}}));
  }
  auto owner = find_session(std::string(*session_header));
  if (!owner || owner->legacy)
    return conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: no session with this Mcp-Session-Id"));
  if (!accepts(request.header("accept").value_or(""), "text/event-stream")) {
    return conn->respond(
        json_error(406, jsonrpc::kInvalidRequest, "Not Acceptable: Accept must list text/event-stream"));
  }
  const Headers headers{{"Mcp-Session-Id", owner->id}};
  std::unique_lock lock(owner->mutex);
  owner->last_seen = Clock::now();
  if (owner->active >= options.max_streams_per_session) {
    return conn->respond(
        json_error(429, jsonrpc::kInvalidRequest, "Too Many Requests: too many streams open in this session"));
  }

  // Resumption: "the server MAY use this header to replay messages that would have been sent after the last
  // event ID, on the stream that was disconnected".
  if (const auto last = request.header("last-event-id"); last && owner->primes) {
    std::uint64_t id = 0;
    const auto [ptr, ec] = std::from_chars(last->data(), last->data() + last->size(), id);
    const auto stream =
        ec == std::errc() && ptr == last->data() + last->size() ? owner->replay.stream_of(id) : std::nullopt;
    if (stream) {
      conn->start_sse(headers);
      for (const auto& event : owner->replay.after(id)) {
        if (!event.data.empty())
          conn->send_chunk(transport::sse_event(event.data, std::to_string(event.id), "message"));
      }
      const auto live = owner->streams.find(*stream);
      if (live == owner->streams.end()) {
        conn->end_sse();  // the stream had finished: everything it carried has been replayed
        return;
      }
      live->second = Sink{conn, conn->generation()};
      ++owner->active;
      const int key = *stream;
      lock.unlock();
      conn->on_peer_closed([owner, key, sink = Sink{conn, conn->generation()}] {
        owner->detach(key, sink);
        std::lock_guard l(owner->mutex);
        if (owner->active > 0) --owner->active;
      });
      return;
    }
    logger()->debug("session {}…: Last-Event-ID {} is no longer buffered; opening a fresh stream",
                    owner->id.substr(0, 8), std::string(*last));
  }

  if (owner->standalone >= 0) {
    const auto it = owner->streams.find(owner->standalone);
    if (it != owner->streams.end() && !it->second.conn.expired()) {
      return conn->respond(
          json_error(409, jsonrpc::kInvalidRequest, "Conflict: this session already has a GET stream open"));
    }
  }
  const int key = ++owner->next_stream;
  owner->streams[key] = Sink{conn, conn->generation()};
  owner->standalone = key;
  ++owner->active;
  conn->start_sse(headers);
  if (owner->primes) owner->emit_locked(key, "", false, options.sse_retry.count());
  lock.unlock();
  conn->on_peer_closed([owner, key, sink = Sink{conn, conn->generation()}] {
    owner->detach(key, sink);
    std::lock_guard l(owner->mutex);
    if (owner->active > 0) --owner->active;
  });
}

void Impl::handle_delete(const std::shared_ptr<Conn>& conn, Request& request) {
  const auto session_header = request.header("mcp-session-id");
  if (!session_header) {
    return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed: DELETE needs an Mcp-Session-Id",
                                    {{"Allow", "POST"}}));
  }
  auto owner = find_session(std::string(*session_header));
  if (!owner || owner->legacy)
    return conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: no session with this Mcp-Session-Id"));
  end_session(owner->id, "ended by the client");
  conn->respond(Reply{200, "", "", {}});
}

}  // namespace eks::transport
