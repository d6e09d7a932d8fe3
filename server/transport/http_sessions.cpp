// HTTP transport: the MCP session table — logical streams of a session, expiry, ending a session.
#include "server/transport/http_internal.hpp"

namespace eks::transport {

int McpSession::open_stream(Sink sink) {
  std::lock_guard lock(mutex);
  const int key = ++next_stream;
  streams[key] = std::move(sink);
  return key;
}

void McpSession::emit(int key, const std::string& data, bool final, long retry_ms) {
  std::lock_guard lock(mutex);
  emit_locked(key, data, final, retry_ms);
}

void McpSession::emit_locked(int key, const std::string& data, bool final, long retry_ms) {
  const auto it = streams.find(key);
  if (it == streams.end()) return;
  std::string event;
  if (primes) {
    const std::uint64_t id_value = ++next_event;
    replay.push({id_value, key, data});
    event = transport::sse_event(data, std::to_string(id_value), data.empty() ? "" : "message", retry_ms);
  } else if (!data.empty()) {
    event = transport::sse_event(data, {}, "message");
  }
  if (auto conn = it->second.conn.lock()) {
    conn->post(it->second.generation, [event = std::move(event), final](Conn& c) {
      c.send_chunk(event);
      if (final) c.end_sse();
    });
  }
  if (final) streams.erase(it);
}

void McpSession::detach(int key, const Sink& sink) {
  std::lock_guard lock(mutex);
  const auto it = streams.find(key);
  if (it != streams.end() && it->second.same_as(sink)) it->second.conn.reset();
  if (key == standalone && (it == streams.end() || it->second.conn.expired())) {
    if (it != streams.end()) streams.erase(it);
    standalone = -1;
  }
}

void McpSession::touch() {
  std::lock_guard lock(mutex);
  last_seen = Clock::now();
}

void Impl::sweep() {
  const auto interval = std::clamp<Clock::duration>(options.session_idle_timeout / 4, std::chrono::milliseconds(50),
                                                    std::chrono::seconds(10));
  sweeper->expires_after(interval);
  sweeper->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->stopping) return;
    std::vector<std::shared_ptr<McpSession>> all;
    {
      std::lock_guard lock(self->mutex);
      for (const auto& [id, s] : self->sessions) {
        if (!s->legacy) all.push_back(s);  // a legacy session ends with its SSE connection
      }
      std::erase_if(self->transient, [](const auto& w) { return w.expired(); });
    }
    // Lock order is session, then server: never the other way round.
    for (const auto& s : all) {
      bool idle = false;
      {
        std::lock_guard lock(s->mutex);
        idle = s->active == 0 && s->standalone < 0 && Clock::now() - s->last_seen > self->options.session_idle_timeout;
      }
      if (idle && s->session->in_flight() == 0) self->end_session(s->id, "expired");
    }
    self->sweep();
  });
}

std::shared_ptr<McpSession> Impl::find_session(const std::string& id) {
  std::lock_guard lock(mutex);
  const auto it = sessions.find(id);
  return it == sessions.end() ? nullptr : it->second;
}

void Impl::end_session(const std::string& id, const char* why) {
  std::shared_ptr<McpSession> s;
  {
    std::lock_guard lock(mutex);
    const auto it = sessions.find(id);
    if (it == sessions.end()) return;
    s = it->second;
    sessions.erase(it);
  }
  metrics->add_sessions(-1);
  s->session->cancel_all();
  std::lock_guard lock(s->mutex);
  s->ended = true;
  for (auto& [key, sink] : s->streams) {
    if (auto conn = sink.conn.lock()) conn->post(sink.generation, [](Conn& c) { c.end_sse(); });
  }
  s->streams.clear();
  s->standalone = -1;
  logger()->info("session {}… {}", id.substr(0, 8), why);
}

}  // namespace eks::transport
