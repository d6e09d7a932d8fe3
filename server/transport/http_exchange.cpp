// HTTP transport: the exchange of one POST — a JSON answer, or an SSE stream of notifications and the answer.
#include "server/transport/http_internal.hpp"

namespace eks::transport {

namespace {

// The HTTP status of a JSON-RPC answer. 2026-07-28: 400 for unsupported versions, missing capabilities and
// header mismatches, 404 for unknown methods; malformed requests are 400 in both eras.
int status_of(const Json& answer, bool stateless) {
  if (!answer.is_object() || !answer.contains("error")) return 200;
  const int code = answer["error"].value("code", 0);
  if (code == jsonrpc::kParseError || code == jsonrpc::kInvalidRequest) return 400;
  if (stateless) {
    if (code == kHeaderMismatch || code == kMissingCapability || code == kUnsupportedVersion) return 400;
    if (code == jsonrpc::kMethodNotFound) return 404;
  }
  return 200;
}

}  // namespace

void Exchange::finish(std::optional<Json> answer) {
  if (!answer) {
    std::lock_guard lock(mutex);
    if (state == State::pending) {
      // Only notifications or responses: "the server MUST return HTTP status code 202 Accepted with no body".
      post([](Conn& c) { c.respond(Reply{202, "", "", {}}); });
    } else if (state == State::streaming) {
      end_stream_locked();
    }
    state = State::done;
    release_locked();
    return;
  }
  emit(*answer, true);
}

void Exchange::emit(const Json& message, bool final) {
  std::string data = jsonrpc::serialize(message);
  std::lock_guard lock(mutex);
  if (state == State::done) return;
  if (state == State::pending) {
    const int status = final ? status_of(message, stateless) : 200;
    if (final && (accept_json || status != 200)) {
      Headers h = headers;
      if (before_answer) before_answer(message, h);
      post([reply = Reply{status, "application/json", std::move(data), std::move(h)}](Conn& c) mutable {
        c.respond(std::move(reply));
      });
      state = State::done;
      release_locked();
      return;
    }
    if (!accept_sse) return;  // a notification a JSON-only client cannot receive
    if (final && before_answer) before_answer(message, headers);
    upgrade_locked();
  }
  write_locked(data, final);
  if (final) {
    state = State::done;
    release_locked();
  }
}

void Exchange::hold_expired() {
  std::lock_guard lock(mutex);
  if (state == State::done || !owner) return;
  if (state == State::pending) {
    if (!accept_sse) return;
    upgrade_locked();
  }
  if (stream < 0) return;
  owner->detach(stream, Sink{conn, generation});
  post([](Conn& c) { c.end_sse(); });
}

void Exchange::peer_closed() {
  std::lock_guard lock(mutex);
  if (state == State::done) return;
  if (stateless) {
    // "Closing the SSE response stream MUST be treated by the server as cancellation of that request."
    if (session) session->cancel_all();
    state = State::done;
    release_locked();
  } else if (owner && stream >= 0) {
    // Handshake era: a disconnect is not a cancellation; the stream's events wait for Last-Event-ID.
    owner->detach(stream, Sink{conn, generation});
  }
}

void Exchange::upgrade_locked() {
  state = State::streaming;
  post([h = headers](Conn& c) { c.start_sse(h); });
  if (owner) {
    stream = owner->open_stream(Sink{conn, generation});
    bool primes = false;
    {
      std::lock_guard lock(owner->mutex);
      primes = owner->primes;
    }
    // "The server SHOULD immediately send an SSE event consisting of an event ID and an empty data field
    // in order to prime the client to reconnect."
    if (primes) owner->emit(stream, "", false, retry_ms);
  }
}

void Exchange::write_locked(const std::string& data, bool final) {
  if (owner && stream >= 0) {
    owner->emit(stream, data, final);
    return;
  }
  post([event = transport::sse_event(data, {}, "message"), final](Conn& c) {
    c.send_chunk(event);
    if (final) c.end_sse();
  });
}

void Exchange::end_stream_locked() {
  if (owner && stream >= 0) {
    std::lock_guard lock(owner->mutex);
    owner->streams.erase(stream);
  }
  post([](Conn& c) { c.end_sse(); });
}

void Exchange::release_locked() {
  if (owner && counted) {
    counted = false;
    std::lock_guard lock(owner->mutex);
    if (owner->active > 0) --owner->active;
    owner->last_seen = Clock::now();
  }
}

std::shared_ptr<Session::Route> route_to(const std::shared_ptr<Exchange>& exchange) {
  auto route = std::make_shared<Session::Route>();
  route->notify = [exchange](const Json& message) { exchange->notify(message); };
  route->carries_requests = exchange->accept_sse;
  route->done = [exchange](std::optional<Json> answer) { exchange->finish(std::move(answer)); };
  return route;
}

}  // namespace eks::transport
