#pragma once
// Private to the HTTP transport (server/transport/http_*.cpp): the types its parts share — a request as read,
// a reply, the connection, the server's state (HttpServer::Impl), an MCP session over HTTP and the exchange of
// one POST. Not part of any public API.
#include "server/transport/http_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
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
#include <spdlog/spdlog.h>

#include "server/logging.hpp"

#include "server/protocol/versions.hpp"
#include "server/session.hpp"
#include "server/text.hpp"
#include "server/transport/http_security.hpp"
#include "server/transport/oauth.hpp"
#include "server/transport/sse.hpp"

namespace eks::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using server::component_logger;
using server::Dispatcher;
using server::Session;

inline constexpr const char* kMetaVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* kMetaCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingCapability = -32021;
inline constexpr int kUnsupportedVersion = -32022;

inline std::shared_ptr<spdlog::logger> logger() {
  static const auto log = component_logger("http");
  return log;
}

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A JSON-RPC error without an id, the body the transport spec allows on its HTTP error statuses.
inline std::string error_body(int code, const std::string& message,
                              const std::optional<jsonrpc::Id>& id = std::nullopt) {
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

inline Reply json_error(int status, int code, const std::string& message, Headers headers = {}) {
  return Reply{status, "application/json", error_body(code, message), std::move(headers)};
}

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
  // Same connection and same response on it. Generations count per connection, so both must match.
  bool same_as(const Sink& other) const {
    return generation == other.generation && !conn.owner_before(other.conn) && !other.conn.owner_before(conn);
  }
};

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(Dispatcher& d, HttpOptions o)
      : dispatcher(d),
        options(std::move(o)),
        io(std::make_unique<net::io_context>()),
        ioc(*io),
        acceptor(ioc),
        sweeper(ioc) {}

  Dispatcher& dispatcher;
  HttpOptions options;
  transport::ListenAddress address;
  std::vector<std::string> tokens;
  std::vector<std::string> approver_tokens;   // POST /approvals/… only
  std::optional<net::ssl::context> tls;       // HTTPS when configured
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
  void handle_approval(const std::shared_ptr<Conn>& conn, Request& request);
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

using Impl = HttpServer::Impl;

// One TCP connection. Reads one request at a time; writes a plain response, or an SSE stream framed with
// chunked transfer encoding so that the connection can be reused once the stream ends. Everything runs on
// the connection's strand; other threads reach it through post().
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(tcp::socket socket, std::shared_ptr<Impl> server, net::ssl::context* tls);
  ~Conn();

  void start();

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
  void respond(Reply reply);

  void start_sse(Headers headers);

  void send_chunk(std::string_view data);

  void end_sse();

  // Called once, on the strand, when the current response ends: completed, or the peer went away first.
  void on_peer_closed(std::function<void()> f) {
    peer_closed_ = std::move(f);
    watch_peer();
  }

  // Shutdown: close an idle connection now, a busy one once its response is out.
  void close_when_done();
  void close();

 private:
  static std::string status_line(int status);

  void record(int status);

  void fire_peer_closed();

  // A pending response is not a read in progress: watch the socket so a client that hangs up is noticed
  // (in the stateless era that cancels its request; in the handshake era it detaches the stream).
  // One watch at a time: a watch armed for an earlier response may still be pending when the next response
  // asks for one, so a watch that wakes without news re-arms for whatever response is pending now.
  void watch_peer();

  void read_request();

  void read_header(std::chrono::milliseconds timeout);

  void on_header(beast::error_code ec);

  void read_body();

  void on_read_error(beast::error_code ec);

  void on_read(beast::error_code ec);

  void enqueue(std::string bytes);

  void write();

  void on_write(beast::error_code ec);

  void arm_keepalive();

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
  bool busy_ = false;                // a request is being answered
  std::shared_ptr<Conn> answering_;  // this, while busy_
  bool response_started_ = false;    // its status line is queued
  bool complete_ = false;            // its last byte is queued
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
  int standalone = -1;     // the GET stream's key
  std::size_t active = 0;  // requests and GET streams open, against max_streams_per_session
  Clock::time_point last_seen = Clock::now();
  bool primes = false;  // 2025-11-25 and later: streams start with a priming event and can be resumed
  std::atomic<bool> version_mismatch_logged{false};
  bool ended = false;

  int open_stream(Sink sink);

  // Sends a message (or, with empty data, a priming event) on a stream; a final message ends the stream.
  void emit(int key, const std::string& data, bool final, long retry_ms = 0);

  void emit_locked(int key, const std::string& data, bool final, long retry_ms);

  // The stream's connection went away: keep the stream, buffer its events for a resumption. Only when `sink` is
  // still where the stream is written: a resumption may have moved it to another connection meanwhile.
  void detach(int key, const Sink& sink);

  void touch();
};

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

  void finish(std::optional<Json> answer);

  void emit(const Json& message, bool final);

  // SEP-1699 polling: close the SSE stream of a request that runs long; the client resumes with GET.
  void hold_expired();

  // The client hung up before the answer.
  void peer_closed();

 private:
  template <class F>
  void post(F&& f) {
    if (auto c = conn.lock()) c->post(generation, std::forward<F>(f));
  }

  void upgrade_locked();

  void write_locked(const std::string& data, bool final);

  void end_stream_locked();

  void release_locked();
};

// The route of the requests of one POST: notifications about them and their answers go to the exchange.
std::shared_ptr<Session::Route> route_to(const std::shared_ptr<Exchange>& exchange);
// Whether an Accept header admits the media type (or any).
bool accepts(std::string_view accept, std::string_view type);

}  // namespace eks::transport
