// HTTP transport: one connection — reading requests, writing responses and SSE streams, timeouts.
#include "server/transport/http_internal.hpp"

namespace eks::transport {

Conn::Conn(tcp::socket socket, std::shared_ptr<Impl> server, net::ssl::context* tls)
    : stream_(std::move(socket), tls),
      server_(std::move(server)),
      timer_(stream_.get_executor()),
      keepalive_(stream_.get_executor()) {
  server_->metrics->add_connections(1);
}

Conn::~Conn() {
  server_->metrics->add_connections(-1);
  if (sse_) server_->metrics->add_streams(-1);
  std::lock_guard lock(server_->mutex);
  server_->conns.erase(this);
}

void Conn::start() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->stream_.tls()) return self->read_request();
    // The handshake counts as the first request's start: a client that never finishes it is dropped.
    self->stream_.transport().expires_after(self->server_->options.request_timeout);
    self->stream_.tls()->async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
      self->stream_.transport().expires_never();
      if (ec) {
        logger()->debug("TLS handshake failed: {}", ec.message());
        return self->close();
      }
      self->read_request();
    });
  });
}

void Conn::respond(Reply reply) {
  if (!busy_ || response_started_) return;
  std::string out = status_line(reply.status);
  for (const auto& [name, value] : reply.headers) out.append(name).append(": ").append(value).append("\r\n");
  if (!reply.content_type.empty() && !reply.body.empty())
    out.append("Content-Type: ").append(reply.content_type).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(reply.body.size())).append("\r\n");
  if (!keep_alive_ || server_->stopping) out.append("Connection: close\r\n");
  out.append("\r\n").append(reply.body);
  record(reply.status);
  complete_ = true;
  enqueue(std::move(out));
}

void Conn::start_sse(Headers headers) {
  if (!busy_ || response_started_) return;
  std::string out = status_line(200);
  out.append("Content-Type: text/event-stream\r\nCache-Control: no-cache, no-transform\r\nX-Accel-Buffering: no\r\n");
  for (const auto& [name, value] : headers) out.append(name).append(": ").append(value).append("\r\n");
  out.append("Transfer-Encoding: chunked\r\n\r\n");
  record(200);
  sse_ = true;
  server_->metrics->add_streams(1);
  enqueue(std::move(out));
  arm_keepalive();
}

void Conn::send_chunk(std::string_view data) {
  if (!sse_ || data.empty()) return;
  char size[20];
  const auto [end, ec] = std::to_chars(size, size + sizeof size, data.size(), 16);
  (void)ec;
  std::string out(size, end);
  out.append("\r\n").append(data).append("\r\n");
  last_write_ = Clock::now();
  enqueue(std::move(out));
}

void Conn::end_sse() {
  if (!sse_) return;
  sse_ = false;
  server_->metrics->add_streams(-1);
  keepalive_.cancel();
  complete_ = true;
  enqueue("0\r\n\r\n");
}

void Conn::close_when_done() {
  keep_alive_ = false;
  if (!busy_) close();
}

void Conn::close() {
  if (!open_) return;
  open_ = false;
  beast::error_code ec;
  timer_.cancel();
  keepalive_.cancel();
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
  fire_peer_closed();
  net::post(stream_.get_executor(), [self = std::move(answering_)] {});  // released once close() has returned
}

std::string Conn::status_line(int status) {
  const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason.data(), reason.size()) + "\r\n";
}

void Conn::record(int status) {
  response_started_ = true;
  server_->metrics->request(method_, status, seconds_since(started_));
}

void Conn::fire_peer_closed() {
  if (auto f = std::move(peer_closed_)) {
    peer_closed_ = nullptr;
    f();
  }
}

void Conn::watch_peer() {
  if (watching_ || !open_) return;
  watching_ = true;
  stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    self->watching_ = false;
    if (!self->open_) return;
    if (!ec) {
      char byte;
      const auto n = ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n > 0) return;  // the next (or a pipelined) request, read after this response
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (self->busy_ && self->peer_closed_) self->watch_peer();
        return;
      }
    }
    self->close();
  });
}

void Conn::read_request() {
  if (!open_) return;
  if (server_->stopping) {
    close();
    return;
  }
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
  parser_->body_limit(server_->options.max_body_bytes);
  // TLS may already hold the next request's bytes in its buffers, where a socket wait would not see them:
  // there the idle timeout covers the wait and the request together.
  if (buffer_.size() > 0 || stream_.tls()) {
    read_header(buffer_.size() > 0 || first_request_ ? server_->options.request_timeout
                                                     : server_->options.idle_timeout);
    return;
  }
  // Idle until the next request's first byte (idle timeout); from there the request timeout applies.
  timer_.expires_after(first_request_ ? server_->options.request_timeout : server_->options.idle_timeout);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->close();
  });
  stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    self->timer_.cancel();
    if (ec || !self->open_) {
      self->close();
      return;
    }
    self->read_header(self->server_->options.request_timeout);
  });
}

void Conn::read_header(std::chrono::milliseconds timeout) {
  // Our own timer rather than the stream's expiry, which would close the socket: a slow client is told 408.
  timed_out_ = false;
  timer_.expires_after(timeout);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->open_) return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void Conn::on_header(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  auto& message = parser_->get();
  if (beast::iequals(message[http::field::expect], "100-continue") && !parser_->is_done()) {
    // curl waits a second for this before sending a large body.
    auto interim = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    net::async_write(stream_, net::buffer(*interim),
                     [self = shared_from_this(), interim](beast::error_code e, std::size_t) {
                       if (e) return self->close();
                       self->read_body();
                     });
    return;
  }
  read_body();
}

void Conn::read_body() {
  if (parser_->is_done()) return on_read(beast::error_code{});
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void Conn::on_read_error(beast::error_code ec) {
  timer_.cancel();
  if (timed_out_) ec = beast::error::timeout;
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated || !open_) {
    return close();
  }
  // An idle connection that times out before its next request's first byte is just closed.
  if (ec == beast::error::timeout && !first_request_ && !parser_->got_some()) return close();
  // Answer what can be answered, then close: the stream position is unknown after a failed parse.
  busy_ = true;
  keep_alive_ = false;
  started_ = Clock::now();
  method_ = parser_ && parser_->is_header_done() ? std::string(parser_->get().method_string()) : "unknown";
  if (ec == http::error::header_limit) {
    respond(json_error(431, jsonrpc::kInvalidRequest,
                       "Request Header Fields Too Large: headers exceed " +
                           std::to_string(server_->options.max_header_bytes) + " bytes"));
  } else if (ec == http::error::body_limit) {
    respond(json_error(
        413, jsonrpc::kInvalidRequest,
        "Payload Too Large: the body exceeds " + std::to_string(server_->options.max_body_bytes) + " bytes"));
  } else if (ec == beast::error::timeout) {
    respond(json_error(408, jsonrpc::kInvalidRequest, "Request Timeout: the request was not received in time"));
  } else {
    respond(json_error(400, jsonrpc::kInvalidRequest, "Bad Request: malformed HTTP request (" + ec.message() + ")"));
  }
}

void Conn::on_read(beast::error_code ec) {
  if (ec || timed_out_) return on_read_error(ec);
  timer_.cancel();
  first_request_ = false;
  auto message = parser_->release();
  Request request;
  request.verb = message.method();
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  const auto q = request.target.find('?');
  request.path = request.target.substr(0, q);
  if (q != std::string::npos) request.query = request.target.substr(q + 1);
  request.keep_alive = message.keep_alive();
  request.body = std::move(message.body());
  request.fields = std::move(message.base());
  ++generation_;
  busy_ = true;
  // The response may be written much later from another thread, which holds the connection only weakly:
  // until it is complete (or the connection closes), the connection keeps itself alive.
  answering_ = shared_from_this();
  response_started_ = false;
  complete_ = false;
  keep_alive_ = request.keep_alive && server_->options.keep_alive;
  method_ = request.method;
  started_ = Clock::now();
  try {
    server_->handle(shared_from_this(), request);
  } catch (const std::exception& e) {
    // The one place a broken invariant in the HTTP layer is caught: logged, answered 500.
    logger()->error("internal error handling {} {}: {}", request.method, request.path, e.what());
    keep_alive_ = false;
    respond(json_error(500, jsonrpc::kInternalError, std::string("Internal error: ") + e.what()));
  }
}

void Conn::enqueue(std::string bytes) {
  if (!open_) return;
  queued_ += bytes.size();
  if (queued_ > server_->options.max_queued_bytes) {
    logger()->warn("closing a connection whose client does not read ({} bytes queued)", queued_);
    return close();
  }
  out_.push_back(std::move(bytes));
  if (!writing_) write();
}

void Conn::write() {
  writing_ = true;
  stream_.transport().expires_after(server_->options.write_timeout);
  net::async_write(stream_, net::buffer(out_.front()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void Conn::on_write(beast::error_code ec) {
  writing_ = false;
  stream_.transport().expires_never();
  if (ec) return close();
  queued_ -= out_.front().size();
  out_.pop_front();
  if (!out_.empty()) return write();
  if (complete_ && busy_) {
    complete_ = false;
    busy_ = false;
    const auto self = std::move(answering_);
    fire_peer_closed();
    if (!keep_alive_ || server_->stopping) return close();
    read_request();
  }
}

void Conn::arm_keepalive() {
  keepalive_.expires_after(server_->options.keepalive_interval);
  keepalive_.async_wait([self = shared_from_this(), gen = generation_](beast::error_code ec) {
    if (ec || !self->sse_ || self->generation_ != gen) return;
    if (Clock::now() - self->last_write_ >= self->server_->options.keepalive_interval / 2) {
      self->send_chunk(transport::sse_comment());
    }
    self->arm_keepalive();
  });
}

}  // namespace eks::transport
