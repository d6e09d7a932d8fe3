#include "server/transport/http_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "server/logging.hpp"

#include "server/protocol/versions.hpp"
#include "server/session.hpp"
#include "server/text.hpp"
#include "server/transport/http_security.hpp"
#include "server/transport/oauth.hpp"
#include "server/transport/sse.hpp"

namespace eks::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using transport::HttpMetrics;
using transport::HttpOptions;

constexpr const char* kMetaVersion = "io.modelcontextprotocol/protocolVersion";
constexpr const char* kMetaCapabilities = "io.modelcontextprotocol/clientCapabilities";
constexpr int kHeaderMismatch = -32020;
constexpr int kMissingCapability = -32021;
constexpr int kUnsupportedVersion = -32022;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = component_logger("http");
  return log;
}

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;


double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A JSON-RPC error without an id, the body the transport spec allows on its HTTP error statuses.
std::string error_body(int code, const std::string& message, const std::optional<jsonrpc::Id>& id = std::nullopt) {
  return jsonrpc::serialize(jsonrpc::make_error(id, jsonrpc::Error{code, message, std::nullopt}));
}

// A request that has been read: what the handlers need, detached from Beast's parser.
struct Request {
  http::verb verb = http::verb::unknown;
  std::string method;  // for metrics
  std::string target;
  std::string path;
  std::string query;
  http::fields fields;
  std::string body;
  bool keep_alive = true;

  std::optional<std::string_view> header(std::string_view name) const {
    const auto it = fields.find(beast::string_view(name.data(), name.size()));
    if (it == fields.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
  }
  std::string query_param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      const auto eq = pair.find('=');
      if (pair.substr(0, eq) == name && eq != std::string_view::npos) return std::string(pair.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
    return {};
  }
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;
};

Reply json_error(int status, int code, const std::string& message, Headers headers = {}) {
  return Reply{status, "application/json", error_body(code, message), std::move(headers)};
}

// A server TLS context (TLS 1.2 and later) from PEM files; the error names the file at fault.
tl::expected<net::ssl::context, std::string> transport_tls_context(const std::string& cert, const std::string& key) {
  net::ssl::context context(net::ssl::context::tls_server);
  context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  context.use_certificate_chain_file(cert, ec);
  if (ec) return tl::unexpected("cannot use the TLS certificate " + cert + " (--tls-cert): " + ec.message() + " (expected a PEM certificate chain)");
  context.use_private_key_file(key, net::ssl::context::pem, ec);
  if (ec && ec.category() == net::error::get_ssl_category() && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    return tl::unexpected("the TLS private key " + key + " does not belong to the certificate " + cert);
  }
  if (ec) return tl::unexpected("cannot use the TLS private key " + key + " (--tls-key): " + ec.message() + " (expected a PEM private key)");
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    return tl::unexpected("the TLS private key " + key + " does not belong to the certificate " + cert);
  }
  return context;
}

}  // namespace

class Conn;
struct McpSession;

// The bytes of one connection: plain TCP, or TLS over it. Satisfies Beast's stream concepts, so the HTTP
// code is the same for both.
class ConnStream {
 public:
  using executor_type = beast::tcp_stream::executor_type;
  ConnStream(tcp::socket socket, net::ssl::context* tls) {
    if (tls) {
      tls_.emplace(std::move(socket), *tls);
    } else {
      plain_.emplace(std::move(socket));
    }
  }
  executor_type get_executor() { return transport().get_executor(); }
  beast::tcp_stream& transport() { return tls_ ? tls_->next_layer() : *plain_; }
  tcp::socket& socket() { return transport().socket(); }
  beast::ssl_stream<beast::tcp_stream>* tls() { return tls_ ? &*tls_ : nullptr; }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Handler>(handler));
    plain_->async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Handler>(handler));
    plain_->async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

// Where a logical SSE stream is being written now: a connection and the response (generation) on it.
struct Sink {
  std::weak_ptr<Conn> conn;
  std::uint64_t generation = 0;
};

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(Dispatcher& d, HttpOptions o)
      : dispatcher(d), options(std::move(o)), io(std::make_unique<net::io_context>()), ioc(*io), acceptor(ioc),
        sweeper(ioc) {}

  Dispatcher& dispatcher;
  HttpOptions options;
  transport::ListenAddress address;
  std::vector<std::string> tokens;
  std::optional<net::ssl::context> tls;  // HTTPS when configured
  std::optional<transport::JwtVerifier> jwt;  // with OAuth configured
  std::string resource;                       // our URL as a token audience
  std::string metadata_url;                   // the Protected Resource Metadata document's URL, and its body
  std::string metadata_body;
  std::shared_ptr<HttpMetrics> metrics = std::make_shared<HttpMetrics>();

  // Owned through a pointer so that shutdown can destroy the pending handlers (and the connections they
  // keep alive) while the rest of the server still exists.
  std::unique_ptr<net::io_context> io;
  net::io_context& ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> sweeper;
  std::vector<std::thread> threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;

  std::mutex mutex;  // guards the three registries below
  std::map<std::string, std::shared_ptr<McpSession>> sessions;
  std::vector<std::weak_ptr<Session>> transient;  // per-request sessions of the stateless era
  std::map<Conn*, std::weak_ptr<Conn>> conns;

  void accept();
  void sweep();
  void handle(const std::shared_ptr<Conn>& conn, Request& request);
  bool authorized(const std::shared_ptr<Conn>& conn, const Request& request);
  void handle_mcp(const std::shared_ptr<Conn>& conn, Request& request);
  void handle_post(const std::shared_ptr<Conn>& conn, Request& request);
  void handle_stateless(const std::shared_ptr<Conn>& conn, Request& request, const Json& message, bool accept_json,
                        bool accept_sse);
  void handle_get(const std::shared_ptr<Conn>& conn, Request& request);
  void handle_delete(const std::shared_ptr<Conn>& conn, Request& request);
  void handle_legacy_open(const std::shared_ptr<Conn>& conn, Request& request);
  void handle_legacy_post(const std::shared_ptr<Conn>& conn, Request& request);
  std::shared_ptr<McpSession> find_session(const std::string& id);
  void end_session(const std::string& id, const char* why);
};

namespace {
using Impl = HttpServer::Impl;
}

// One TCP connection. Reads one request at a time; writes a plain response, or an SSE stream framed with
// chunked transfer encoding so that the connection can be reused once the stream ends. Everything runs on
// the connection's strand; other threads reach it through post().
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(tcp::socket socket, std::shared_ptr<Impl> server, net::ssl::context* tls)
      : stream_(std::move(socket), tls), server_(std::move(server)), timer_(stream_.get_executor()),
        keepalive_(stream_.get_executor()) {
    server_->metrics->add_connections(1);
  }
  ~Conn() {
    server_->metrics->add_connections(-1);
    if (sse_) server_->metrics->add_streams(-1);
    std::lock_guard lock(server_->mutex);
    server_->conns.erase(this);
  }

  void start() {
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

  // Runs f(conn) on the strand if the connection is still serving response `generation`.
  template <class F>
  void post(std::uint64_t generation, F&& f) {
    net::post(stream_.get_executor(), [self = shared_from_this(), generation, f = std::forward<F>(f)]() mutable {
      if (self->open_ && self->generation_ == generation && self->busy_) f(*self);
    });
  }
  // Runs f on the strand unconditionally (shutdown).
  template <class F>
  void post_any(F&& f) {
    net::post(stream_.get_executor(), [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(*self); });
  }

  std::uint64_t generation() const { return generation_; }
  const std::string& method() const { return method_; }

  // --- on the strand ---
  void respond(Reply reply) {
    if (!busy_ || response_started_) return;
    std::string out = status_line(reply.status);
    for (const auto& [name, value] : reply.headers) out.append(name).append(": ").append(value).append("\r\n");
    if (!reply.content_type.empty() && !reply.body.empty()) out.append("Content-Type: ").append(reply.content_type).append("\r\n");
    out.append("Content-Length: ").append(std::to_string(reply.body.size())).append("\r\n");
    if (!keep_alive_ || server_->stopping) out.append("Connection: close\r\n");
    out.append("\r\n").append(reply.body);
    record(reply.status);
    complete_ = true;
    enqueue(std::move(out));
  }

  void start_sse(Headers headers) {
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

  void send_chunk(std::string_view data) {
    if (!sse_ || data.empty()) return;
    char size[20];
    const auto [end, ec] = std::to_chars(size, size + sizeof size, data.size(), 16);
    (void)ec;
    std::string out(size, end);
    out.append("\r\n").append(data).append("\r\n");
    last_write_ = Clock::now();
    enqueue(std::move(out));
  }

  void end_sse() {
    if (!sse_) return;
    sse_ = false;
    server_->metrics->add_streams(-1);
    keepalive_.cancel();
    complete_ = true;
    enqueue("0\r\n\r\n");
  }

  // Called once, on the strand, when the current response ends: completed, or the peer went away first.
  void on_peer_closed(std::function<void()> f) { peer_closed_ = std::move(f); watch_peer(); }

  // Shutdown: close an idle connection now, a busy one once its response is out.
  void close_when_done() {
    keep_alive_ = false;
    if (!busy_) close();
  }
  void close() {
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

 private:
  static std::string status_line(int status) {
    const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason.data(), reason.size()) + "\r\n";
  }

  void record(int status) {
    response_started_ = true;
    server_->metrics->request(method_, status, seconds_since(started_));
  }

  void fire_peer_closed() {
    if (auto f = std::move(peer_closed_)) {
      peer_closed_ = nullptr;
      f();
    }
  }

  // A pending response is not a read in progress: watch the socket so a client that hangs up is noticed
  // (in the stateless era that cancels its request; in the handshake era it detaches the stream).
  // One watch at a time: a watch armed for an earlier response may still be pending when the next response
  // asks for one, so a watch that wakes without news re-arms for whatever response is pending now.
  void watch_peer() {
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

  void read_request() {
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
      read_header(buffer_.size() > 0 || first_request_ ? server_->options.request_timeout : server_->options.idle_timeout);
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

  void read_header(std::chrono::milliseconds timeout) {
    // Our own timer rather than the stream's expiry, which would close the socket: a slow client is told 408.
    timed_out_ = false;
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->open_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_header(ec);
    });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& message = parser_->get();
    if (beast::iequals(message[http::field::expect], "100-continue") && !parser_->is_done()) {
      // curl waits a second for this before sending a large body.
      auto interim = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      net::async_write(stream_, net::buffer(*interim), [self = shared_from_this(), interim](beast::error_code e, std::size_t) {
        if (e) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return on_read(beast::error_code{});
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read_error(beast::error_code ec) {
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
      respond(json_error(431, jsonrpc::kInvalidRequest, "Request Header Fields Too Large: headers exceed " +
                                                             std::to_string(server_->options.max_header_bytes) + " bytes"));
    } else if (ec == http::error::body_limit) {
      respond(json_error(413, jsonrpc::kInvalidRequest, "Payload Too Large: the body exceeds " +
                                                             std::to_string(server_->options.max_body_bytes) + " bytes"));
    } else if (ec == beast::error::timeout) {
      respond(json_error(408, jsonrpc::kInvalidRequest, "Request Timeout: the request was not received in time"));
    } else {
      respond(json_error(400, jsonrpc::kInvalidRequest, "Bad Request: malformed HTTP request (" + ec.message() + ")"));
    }
  }

  void on_read(beast::error_code ec) {
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

  void enqueue(std::string bytes) {
    if (!open_) return;
    queued_ += bytes.size();
    if (queued_ > server_->options.max_queued_bytes) {
      logger()->warn("closing a connection whose client does not read ({} bytes queued)", queued_);
      return close();
    }
    out_.push_back(std::move(bytes));
    if (!writing_) write();
  }

  void write() {
    writing_ = true;
    stream_.transport().expires_after(server_->options.write_timeout);
    net::async_write(stream_, net::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
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

  void arm_keepalive() {
    keepalive_.expires_after(server_->options.keepalive_interval);
    keepalive_.async_wait([self = shared_from_this(), gen = generation_](beast::error_code ec) {
      if (ec || !self->sse_ || self->generation_ != gen) return;
      if (Clock::now() - self->last_write_ >= self->server_->options.keepalive_interval / 2) {
        self->send_chunk(transport::sse_comment());
      }
      self->arm_keepalive();
    });
  }

  ConnStream stream_;
  std::shared_ptr<Impl> server_;
  net::steady_timer timer_;
  net::steady_timer keepalive_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> out_;
  std::size_t queued_ = 0;
  bool writing_ = false;
  bool open_ = true;
  bool busy_ = false;              // a request is being answered
  std::shared_ptr<Conn> answering_;  // this, while busy_
  bool response_started_ = false;  // its status line is queued
  bool complete_ = false;          // its last byte is queued
  bool sse_ = false;
  bool keep_alive_ = true;
  bool first_request_ = true;
  bool watching_ = false;
  bool timed_out_ = false;
  std::uint64_t generation_ = 0;
  std::string method_;
  Clock::time_point started_;
  Clock::time_point last_write_ = Clock::now();
  std::function<void()> peer_closed_;
};

// One MCP session over HTTP: a Streamable HTTP session (Mcp-Session-Id) or a legacy HTTP+SSE one. Owns the
// protocol Session, its logical SSE streams, and the replay buffer that lets a client resume a stream.
struct McpSession : std::enable_shared_from_this<McpSession> {
  McpSession(std::string id_, bool legacy_, std::size_t replay_events)
      : id(std::move(id_)), legacy(legacy_), replay(replay_events) {}

  const std::string id;
  const bool legacy;
  std::shared_ptr<Session> session;

  std::mutex mutex;
  std::uint64_t next_event = 0;
  transport::ReplayBuffer replay;
  std::map<int, Sink> streams;  // live logical streams; a stream without a live sink buffers into `replay`
  int next_stream = 0;
  int standalone = -1;  // the GET stream's key
  std::size_t active = 0;  // requests and GET streams open, against max_streams_per_session
  Clock::time_point last_seen = Clock::now();
  bool primes = false;  // 2025-11-25 and later: streams start with a priming event and can be resumed
  std::atomic<bool> version_mismatch_logged{false};
  bool ended = false;

  int open_stream(Sink sink) {
    std::lock_guard lock(mutex);
    const int key = ++next_stream;
    streams[key] = std::move(sink);
    return key;
  }

  // Sends a message (or, with empty data, a priming event) on a stream; a final message ends the stream.
  void emit(int key, const std::string& data, bool final, long retry_ms = 0) {
    std::lock_guard lock(mutex);
    emit_locked(key, data, final, retry_ms);
  }

  void emit_locked(int key, const std::string& data, bool final, long retry_ms) {
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

  // The stream's connection went away: keep the stream, buffer its events for a resumption.
  void detach(int key, std::uint64_t generation) {
    std::lock_guard lock(mutex);
    const auto it = streams.find(key);
    if (it != streams.end() && it->second.generation == generation) it->second.conn.reset();
    if (key == standalone && (it == streams.end() || it->second.conn.expired())) {
      if (it != streams.end()) streams.erase(it);
      standalone = -1;
    }
  }

  void touch() {
    std::lock_guard lock(mutex);
    last_seen = Clock::now();
  }
};

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

// Stateless requests are answered on their routes; nothing else is ever sent.
class NullConnection final : public transport::Connection {
 public:
  bool send(std::string_view) override { return true; }
};

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

// One POST that carries requests: answered as JSON when the answer comes first, or upgraded to an SSE stream
// when a notification about the request comes first (and the client accepts SSE). Callbacks arrive from
// worker threads; writes are posted to the connection's strand in order.
struct Exchange : std::enable_shared_from_this<Exchange> {
  enum class State { pending, streaming, done };

  long retry_ms = 1000;  // the SSE retry hint for priming events
  std::weak_ptr<Conn> conn;
  std::uint64_t generation = 0;
  std::shared_ptr<McpSession> owner;  // null in the stateless era
  std::shared_ptr<Session> session;   // the stateless per-request session
  bool accept_json = true;
  bool accept_sse = true;
  bool stateless = false;
  Headers headers;
  // Called with the answer before it is sent (initialize registers its session there).
  std::function<void(const Json& answer, Headers& headers)> before_answer;

  std::mutex mutex;
  State state = State::pending;
  int stream = -1;      // the logical stream (handshake era)
  bool counted = true;  // holds one of owner->active

  void notify(const Json& message) { emit(message, false); }

  void finish(std::optional<Json> answer) {
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

  void emit(const Json& message, bool final) {
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

  // SEP-1699 polling: close the SSE stream of a request that runs long; the client resumes with GET.
  void hold_expired() {
    std::lock_guard lock(mutex);
    if (state == State::done || !owner) return;
    if (state == State::pending) {
      if (!accept_sse) return;
      upgrade_locked();
    }
    if (stream < 0) return;
    owner->detach(stream, generation);
    post([](Conn& c) { c.end_sse(); });
  }

  // The client hung up before the answer.
  void peer_closed() {
    std::lock_guard lock(mutex);
    if (state == State::done) return;
    if (stateless) {
      // "Closing the SSE response stream MUST be treated by the server as cancellation of that request."
      if (session) session->cancel_all();
      state = State::done;
      release_locked();
    } else if (owner && stream >= 0) {
      // Handshake era: a disconnect is not a cancellation; the stream's events wait for Last-Event-ID.
      owner->detach(stream, generation);
    }
  }

 private:
  template <class F>
  void post(F&& f) {
    if (auto c = conn.lock()) c->post(generation, std::forward<F>(f));
  }

  void upgrade_locked() {
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

  void write_locked(const std::string& data, bool final) {
    if (owner && stream >= 0) {
      owner->emit(stream, data, final);
      return;
    }
    post([event = transport::sse_event(data, {}, "message"), final](Conn& c) {
      c.send_chunk(event);
      if (final) c.end_sse();
    });
  }

  void end_stream_locked() {
    if (owner && stream >= 0) {
      std::lock_guard lock(owner->mutex);
      owner->streams.erase(stream);
    }
    post([](Conn& c) { c.end_sse(); });
  }

  void release_locked() {
    if (owner && counted) {
      counted = false;
      std::lock_guard lock(owner->mutex);
      if (owner->active > 0) --owner->active;
      owner->last_seen = Clock::now();
    }
  }
};

namespace {

std::shared_ptr<Session::Route> route_to(const std::shared_ptr<Exchange>& exchange) {
  auto route = std::make_shared<Session::Route>();
  route->notify = [exchange](const Json& message) { exchange->notify(message); };
  route->carries_requests = exchange->accept_sse;
  route->done = [exchange](std::optional<Json> answer) { exchange->finish(std::move(answer)); };
  return route;
}

bool accepts(std::string_view accept, std::string_view type) {
  const std::string a = lower_ascii(accept);
  return a.find(type) != std::string::npos || a.find("*/*") != std::string::npos;
}

}  // namespace

void Impl::accept() {
  acceptor->async_accept(net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !self->acceptor->is_open()) return;
      logger()->warn("accept failed: {}", ec.message());
    } else if (self->stopping) {
      beast::error_code ignored;
      socket.close(ignored);
    } else if (static_cast<std::size_t>(self->metrics->connections()) >= self->options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      logger()->warn("refused a connection: {} connections open (the limit)", self->options.max_connections);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      auto conn = std::make_shared<Conn>(std::move(socket), self, self->tls ? &*self->tls : nullptr);
      {
        std::lock_guard lock(self->mutex);
        self->conns[conn.get()] = conn;
      }
      conn->start();
    }
    if (self->acceptor->is_open()) self->accept();
  });
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

void Impl::handle(const std::shared_ptr<Conn>& conn, Request& request) {
  if (stopping) return conn->respond(json_error(503, jsonrpc::kInternalError, "Service Unavailable: the server is shutting down"));

  // DNS rebinding: "Servers MUST validate the Origin header on all incoming connections", and on loopback the
  // Host header too (a rebound name resolves to 127.0.0.1 but keeps its own Host).
  if (!transport::host_allowed(request.header("host").value_or(""), address.loopback, options.allowed_hosts)) {
    logger()->warn("rejected a request with Host {}", std::string(request.header("host").value_or("(none)")));
    return conn->respond(json_error(403, jsonrpc::kInvalidRequest, "Forbidden: Host header not allowed"));
  }
  // RFC 9728: the metadata is public, it is how a client learns where to get a token.
  if (jwt && (request.path == "/.well-known/oauth-protected-resource" ||
              request.path == transport::resource_metadata_path(resource))) {
    if (request.verb != http::verb::get) return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "GET"}}));
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

  if (!authorized(conn, request)) return;

  if (request.path == "/metrics") {
    if (request.verb != http::verb::get) return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "GET"}}));
    return conn->respond(Reply{200, "text/plain; version=0.0.4; charset=utf-8", metrics->render() + (options.extra_metrics ? options.extra_metrics() : std::string()), {}});
  }
  if (request.path == options.mcp_path) return handle_mcp(conn, request);
  if (options.legacy_sse && request.path == "/sse") {
    if (request.verb != http::verb::get) return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "GET"}}));
    return handle_legacy_open(conn, request);
  }
  if (options.legacy_sse && request.path == "/messages") {
    if (request.verb != http::verb::post) return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "POST"}}));
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
        logger()->debug("{} {} by subject {} (client {})", request.method, request.path, claims->subject, claims->client_id);
        return true;
      }
      problem = claims.error();
    }
  }
  logger()->info("rejected a request to {}: {}", request.path, token ? "invalid bearer token: " + problem : "no bearer token");
  std::string challenge = "Bearer realm=\"" + dispatcher.info().name + "\"";
  if (jwt) challenge += ", resource_metadata=\"" + metadata_url + "\"";
  if (token) challenge += ", error=\"invalid_token\", error_description=\"" + problem + "\"";
  const std::string message =
      token ? "Unauthorized: " + problem
            : "Unauthorized: send Authorization: Bearer <token>" +
                  (jwt ? " with an access token from " + options.oauth->issuer + " (see " + metadata_url + ")" : std::string());
  conn->respond(json_error(401, jsonrpc::kInvalidRequest, message, {{"WWW-Authenticate", challenge}}));
  return false;
}

void Impl::handle_mcp(const std::shared_ptr<Conn>& conn, Request& request) {
  switch (request.verb) {
    case http::verb::post: return handle_post(conn, request);
    case http::verb::get: return handle_get(conn, request);
    case http::verb::delete_: return handle_delete(conn, request);
    default:
      return conn->respond(json_error(405, jsonrpc::kInvalidRequest, "Method Not Allowed", {{"Allow", "GET, POST, DELETE"}}));
  }
}

void Impl::handle_post(const std::shared_ptr<Conn>& conn, Request& request) {
  const std::string content_type = lower_ascii(request.header("content-type").value_or(""));
  if (content_type.rfind("application/json", 0) != 0) {
    return conn->respond(json_error(415, jsonrpc::kInvalidRequest, "Unsupported Media Type: Content-Type must be application/json"));
  }
  const std::string_view accept = request.header("accept").value_or("");
  const bool accept_json = accept.empty() || accepts(accept, "application/json");
  const bool accept_sse = accepts(accept, "text/event-stream");
  if (!accept_json && !accept_sse) {
    return conn->respond(json_error(406, jsonrpc::kInvalidRequest,
                                    "Not Acceptable: Accept must list application/json and text/event-stream"));
  }
  auto parsed = jsonrpc::parse(request.body, dispatcher.options().max_depth);
  if (!parsed) return conn->respond(Reply{400, "application/json", jsonrpc::serialize(jsonrpc::make_error(std::nullopt, parsed.error())), {}});
  const Json& message = *parsed;

  // A request that carries its own protocol version is served statelessly (2026-07-28), session or not.
  if (message.is_object() && message.contains("params") && message["params"].is_object()) {
    const auto& params = message["params"];
    if (const auto meta = params.find("_meta"); meta != params.end() && meta->is_object() && meta->contains(kMetaVersion)) {
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
        return conn->respond(json_error(503, jsonrpc::kInvalidRequest, "Service Unavailable: too many sessions; retry later",
                                        {{"Retry-After", "5"}}));
      }
    }
    owner = std::make_shared<McpSession>(transport::random_session_id(), false, options.replay_events);
    owner->session = Session::create(dispatcher, std::make_shared<StandaloneConnection>(owner));
  } else {
    owner = find_session(std::string(*session_header));
    if (!owner || owner->legacy) {
      // "The server MAY terminate the session at any time, after which it MUST respond to requests containing
      // that session ID with HTTP 404 Not Found."
      return conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: no session with this Mcp-Session-Id; initialize a new one"));
    }
    if (initialize) {
      return conn->respond(json_error(400, jsonrpc::kInvalidRequest, "Bad Request: this session is already initialized"));
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
      return conn->respond(json_error(429, jsonrpc::kInvalidRequest, "Too Many Requests: " +
                                                                         std::to_string(options.max_streams_per_session) +
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
  if (!message.contains("id")) return conn->respond(Reply{202, "", "", {}});  // no client notifications in 2026-07-28 HTTP

  // "Every POST request to the MCP endpoint MUST include an MCP-Protocol-Version header", equal to _meta's.
  const auto version = request.header("mcp-protocol-version");
  if (!version) return mismatch("the MCP-Protocol-Version header is required");
  if (!meta[kMetaVersion].is_string() || *version != meta[kMetaVersion].get_ref<const std::string&>()) {
    return mismatch("MCP-Protocol-Version header value '" + std::string(*version) + "' does not match _meta." + kMetaVersion);
  }
  const std::string method = jsonrpc::string_field(message, "method");
  const auto method_header = request.header("mcp-method");
  if (!method_header) return mismatch("the Mcp-Method header is required");
  if (*method_header != method) {
    return mismatch("Mcp-Method header value '" + std::string(*method_header) + "' does not match body value '" + method + "'");
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
      return mismatch("Mcp-Name header value '" + std::string(*name_header) + "' does not match body value '" + body_name + "'");
    }
  }
  if (!meta.contains(kMetaCapabilities) || !meta[kMetaCapabilities].is_object()) {
    std::optional<jsonrpc::Id> id = jsonrpc::id_from_json(message["id"]);
    // "A request missing any required field is malformed ... On HTTP, the response status MUST be 400".
    return conn->respond(Reply{400, "application/json",
                               error_body(jsonrpc::kInvalidParams, "Invalid params: _meta." + std::string(kMetaCapabilities) +
                                                                        " (an object) is required with protocol version 2026-07-28", id),
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
  if (!owner || owner->legacy) return conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: no session with this Mcp-Session-Id"));
  if (!accepts(request.header("accept").value_or(""), "text/event-stream")) {
    return conn->respond(json_error(406, jsonrpc::kInvalidRequest, "Not Acceptable: Accept must list text/event-stream"));
  }
  const Headers headers{{"Mcp-Session-Id", owner->id}};
  std::unique_lock lock(owner->mutex);
  owner->last_seen = Clock::now();
  if (owner->active >= options.max_streams_per_session) {
    return conn->respond(json_error(429, jsonrpc::kInvalidRequest, "Too Many Requests: too many streams open in this session"));
  }

  // Resumption: "the server MAY use this header to replay messages that would have been sent after the last
  // event ID, on the stream that was disconnected".
  if (const auto last = request.header("last-event-id"); last && owner->primes) {
    std::uint64_t id = 0;
    const auto [ptr, ec] = std::from_chars(last->data(), last->data() + last->size(), id);
    const auto stream = ec == std::errc() && ptr == last->data() + last->size() ? owner->replay.stream_of(id) : std::nullopt;
    if (stream) {
      conn->start_sse(headers);
      for (const auto& event : owner->replay.after(id)) {
        if (!event.data.empty()) conn->send_chunk(transport::sse_event(event.data, std::to_string(event.id), "message"));
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
      conn->on_peer_closed([owner, key, gen = conn->generation()] {
        owner->detach(key, gen);
        std::lock_guard l(owner->mutex);
        if (owner->active > 0) --owner->active;
      });
      return;
    }
    logger()->debug("session {}…: Last-Event-ID {} is no longer buffered; opening a fresh stream", owner->id.substr(0, 8),
                    std::string(*last));
  }

  if (owner->standalone >= 0) {
    const auto it = owner->streams.find(owner->standalone);
    if (it != owner->streams.end() && !it->second.conn.expired()) {
      return conn->respond(json_error(409, jsonrpc::kInvalidRequest, "Conflict: this session already has a GET stream open"));
    }
  }
  const int key = ++owner->next_stream;
  owner->streams[key] = Sink{conn, conn->generation()};
  owner->standalone = key;
  ++owner->active;
  conn->start_sse(headers);
  if (owner->primes) owner->emit_locked(key, "", false, options.sse_retry.count());
  lock.unlock();
  conn->on_peer_closed([owner, key, gen = conn->generation()] {
    owner->detach(key, gen);
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
  if (!owner || owner->legacy) return conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: no session with this Mcp-Session-Id"));
  end_session(owner->id, "ended by the client");
  conn->respond(Reply{200, "", "", {}});
}

void Impl::handle_legacy_open(const std::shared_ptr<Conn>& conn, Request& request) {
  const auto accept = request.header("accept").value_or("");
  if (!accept.empty() && !accepts(accept, "text/event-stream")) {
    return conn->respond(json_error(406, jsonrpc::kInvalidRequest, "Not Acceptable: Accept must list text/event-stream"));
  }
  auto owner = std::make_shared<McpSession>(transport::random_session_id(), true, 0);
  owner->session = Session::create(dispatcher, std::make_shared<LegacyConnection>(owner));
  {
    std::lock_guard lock(mutex);
    if (sessions.size() >= options.max_sessions) {
      return conn->respond(json_error(503, jsonrpc::kInvalidRequest, "Service Unavailable: too many sessions; retry later",
                                      {{"Retry-After", "5"}}));
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
  if (!owner || !owner->legacy) return conn->respond(json_error(404, jsonrpc::kInvalidRequest, "Not Found: unknown sessionId"));
  const std::string content_type = lower_ascii(request.header("content-type").value_or(""));
  if (content_type.rfind("application/json", 0) != 0) {
    return conn->respond(json_error(415, jsonrpc::kInvalidRequest, "Unsupported Media Type: Content-Type must be application/json"));
  }
  owner->touch();
  owner->session->handle_line(std::move(request.body));
  conn->respond(Reply{202, "text/plain", "Accepted", {}});
}

HttpServer::HttpServer(Dispatcher& dispatcher, HttpOptions options)
    : impl_(std::make_shared<Impl>(dispatcher, std::move(options))) {}

HttpServer::~HttpServer() { shutdown(); }

std::uint16_t HttpServer::port() const { return impl_->address.port; }

const HttpMetrics& HttpServer::metrics() const { return *impl_->metrics; }

tl::expected<void, std::string> HttpServer::start() {
  Impl& s = *impl_;
  auto address = transport::parse_listen(s.options.listen);
  if (!address) return tl::unexpected(address.error());
  s.address = *address;

  s.tokens = s.options.auth_tokens;
  if (s.options.auth_token_file) {
    auto token = transport::read_token_file(*s.options.auth_token_file);
    if (!token) return tl::unexpected(token.error());
    s.tokens.push_back(std::move(*token));
  } else if (s.options.auth_token_from_environment) {
    if (const char* env = std::getenv("EKS_SRE_MCP_TOKEN"); env && *env) s.tokens.emplace_back(env);
  }
  if (!s.address.loopback && s.tokens.empty() && !s.options.oauth) {
    return tl::unexpected("refusing to listen on " + s.options.listen +
                          " without authentication: anyone who can reach that address could call the tools. "
                          "Set a token with --auth-token-file FILE (or the EKS_SRE_MCP_TOKEN environment variable) "
                          "and have clients send \"Authorization: Bearer <token>\", or accept OAuth access tokens "
                          "(--oauth-issuer URL --oauth-jwks-file FILE), or listen on 127.0.0.1:" +
                          std::to_string(s.address.port) + " instead");
  }

  if (s.options.tls_cert || s.options.tls_key) {
    if (!s.options.tls_cert || !s.options.tls_key) return tl::unexpected(std::string("TLS needs both a certificate (--tls-cert) and its key (--tls-key)"));
    auto context = transport_tls_context(*s.options.tls_cert, *s.options.tls_key);
    if (!context) return tl::unexpected(context.error());
    s.tls.emplace(std::move(*context));
  }

  beast::error_code ec;
  const auto ip = net::ip::make_address(s.address.host, ec);
  if (ec) return tl::unexpected("cannot listen on " + s.options.listen + ": \"" + s.address.host + "\" is not an IP address");
  const tcp::endpoint endpoint(ip, s.address.port);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return tl::unexpected("cannot listen on " + s.options.listen + ": " + ec.message());
  s.address.port = s.acceptor->local_endpoint().port();
  const std::string host = s.address.host.find(':') != std::string::npos ? "[" + s.address.host + "]" : s.address.host;
  const std::string url = (s.tls ? "https://" : "http://") + host + ":" + std::to_string(s.address.port) + s.options.mcp_path;

  if (s.options.oauth) {
    auto& oauth = *s.options.oauth;
    s.resource = oauth.resource.empty() ? url : oauth.resource;
    if (oauth.resource_name.empty()) oauth.resource_name = s.dispatcher.info().name;
    auto verifier = transport::JwtVerifier::load(oauth.jwks_file, oauth.issuer, s.resource, oauth.leeway);
    if (!verifier) {
      s.acceptor->close(ec);
      return tl::unexpected("OAuth: " + verifier.error());
    }
    s.jwt = std::move(*verifier);
    s.metadata_url = transport::resource_metadata_url(s.resource);
    s.metadata_body = transport::protected_resource_metadata(oauth, s.resource).dump();
  }

  // Tool calls by tool and outcome, timed around the handler (inside the other middleware).
  s.dispatcher.use([metrics = s.metrics](const ToolDef& tool, const Json& arguments, CallContext& context,
                                         const CallNext& next) -> Result<ToolOutput> {
    const auto start = Clock::now();
    try {
      auto result = next(tool, arguments, context);
      metrics->tool_call(tool.name, result ? "ok" : "error", seconds_since(start));
      return result;
    } catch (...) {
      metrics->tool_call(tool.name, "exception", seconds_since(start));
      throw;
    }
  });

  s.work.emplace(s.ioc.get_executor());
  s.accept();
  s.sweep();
  s.started = true;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, s.options.io_threads); ++i) {
    s.threads.emplace_back([&s] {
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          logger()->error("I/O thread: {}", e.what());
        }
      }
    });
  }
  logger()->info("listening on {} ({}{})", url,
                 s.jwt ? "OAuth access tokens from " + s.options.oauth->issuer + (s.tokens.empty() ? "" : " or a static token")
                 : s.tokens.empty() ? "unauthenticated" : "bearer token",
                 s.options.legacy_sse ? "; legacy SSE on /sse" : "");
  if (s.options.on_listening) s.options.on_listening(url);
  return {};
}

std::size_t HttpServer::shutdown() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return 0;
  s.stopped = true;
  s.stopping = true;
  net::post(s.ioc, [&s] {
    beast::error_code ec;
    s.acceptor->close(ec);
    s.sweeper->cancel();
  });

  // In-flight calls get the dispatcher's deadline, then are cancelled and get a second to notice.
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [_, m] : s.sessions) sessions.push_back(m->session);
    for (const auto& w : s.transient) {
      if (auto session = w.lock()) sessions.push_back(std::move(session));
    }
  }
  auto running = [&] {
    std::size_t n = 0;
    for (const auto& session : sessions) n += session->in_flight();
    return n;
  };
  const auto deadline = Clock::now() + s.dispatcher.options().shutdown_deadline;
  if (running() > 0) logger()->info("shutting down: waiting for {} tool calls", running());
  while (running() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (running() > 0) {
    logger()->warn("{} tool calls still running after {} ms; cancelling them", running(),
                   s.dispatcher.options().shutdown_deadline.count());
    for (const auto& session : sessions) session->cancel_all();
    const auto grace = Clock::now() + std::chrono::seconds(1);
    while (running() > 0 && Clock::now() < grace) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::size_t left = running();

  // Close the streams (their final chunk goes out) and every idle connection; then stop the I/O threads.
  std::vector<std::string> ids;
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [id, _] : s.sessions) ids.push_back(id);
  }
  for (const auto& id : ids) s.end_session(id, "closed at shutdown");
  std::vector<std::shared_ptr<Conn>> conns;
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [_, w] : s.conns) {
      if (auto c = w.lock()) conns.push_back(std::move(c));
    }
  }
  for (const auto& c : conns) {
    c->post_any([](Conn& conn) {
      conn.end_sse();
      conn.close_when_done();
    });
  }
  conns.clear();
  const auto flush = Clock::now() + std::chrono::seconds(2);
  while (s.metrics->connections() > 0 && Clock::now() < flush) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) {
    if (t.joinable()) t.join();
  }
  // A connection still answering (a call that ignored cancellation) holds itself: close it now that no I/O
  // thread runs.
  std::vector<std::shared_ptr<Conn>> left_open;
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [_, w] : s.conns) {
      if (auto c = w.lock()) left_open.push_back(std::move(c));
    }
  }
  for (const auto& c : left_open) c->close();
  left_open.clear();
  // Handlers that never ran hold connections, which hold the server: destroy them now.
  s.acceptor.reset();
  s.sweeper.reset();
  s.io.reset();
  logger()->info("HTTP server stopped");
  return left;
}

}  // namespace eks::server
