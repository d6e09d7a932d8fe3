#include "server.hpp"

#include <deque>
#include <optional>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace kubesim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server& server)
      : socket_(std::move(socket)), server_(server), timer_(socket_.get_executor()) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(512u * 1024 * 1024);
    parser_->header_limit(64 * 1024);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      beast::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    auto& req = parser_->get();
    Request r;
    r.method = std::string(req.method_string());
    std::string target(req.target());
    auto q = target.find('?');
    std::string raw_query = q == std::string::npos ? "" : target.substr(q + 1);
    r.path = url_decode(target.substr(0, q), false);
    r.query = parse_query(raw_query);
    r.accept = std::string(req[http::field::accept]);
    r.content_type = std::string(req[http::field::content_type]);
    r.authorization = std::string(req[http::field::authorization]);
    r.body = std::move(req.body());
    bool keep_alive = req.keep_alive();
    unsigned version = req.version();

    if (r.path == "/_kubesim/faults") {
      respond(r, raw_query, control(r), version, keep_alive);
      return;
    }
    if (auto fault = server_.take_fault(r.path)) {
      if (fault->delay_ms > 0) {
        timer_.expires_after(std::chrono::milliseconds(fault->delay_ms));
        timer_.async_wait([self = shared_from_this(), r = std::move(r), raw_query, status = fault->status, version,
                           keep_alive](beast::error_code ec) mutable {
          if (ec) return;
          if (status) self->respond(r, raw_query, fault_response(status), version, keep_alive);
          else self->handle(std::move(r), raw_query, version, keep_alive);
        });
        return;
      }
      respond(r, raw_query, fault_response(fault->status), version, keep_alive);
      return;
    }
    handle(std::move(r), raw_query, version, keep_alive);
  }

  static Response fault_response(int status) {
    const char* reason = status == 429 ? "TooManyRequests" : status == 503 ? "ServiceUnavailable" : "InternalError";
    return {status, "application/json",
            status_object({status, reason, "kubesim: injected fault", json::object()}).dump()};
  }

  Response control(const Request& r) {
    if (r.authorization != "Bearer " + server_.api.token()) return {401, "application/json", "{}"};
    if (r.method == "DELETE") {
      server_.faults.clear();
      return {200, "application/json", "{}"};
    }
    auto body = json::parse(r.body, nullptr, false);
    if (r.method != "POST" || !body.is_object() || !body.contains("count") || !body["count"].is_number_integer())
      return {400, "application/json",
              R"({"message":"POST {\"count\": N, \"status\"?, \"delay_ms\"?, \"path_prefix\"?}"})"};
    Server::Fault f;
    f.status = body.value("status", 0);
    f.delay_ms = body.value("delay_ms", 0);
    f.left = body["count"].get<int>();
    f.path_prefix = body.value("path_prefix", "/api");
    if (f.status == 0 && f.delay_ms == 0) f.status = 500;
    server_.faults.push_back(f);
    return {200, "application/json", "{}"};
  }

  void handle(Request r, const std::string& raw_query, unsigned version, bool keep_alive) {
    std::variant<Response, WatchSpec> result;
    try {
      result = server_.api.handle(r);
    } catch (const std::exception& e) {
      result =
          Response{500, "application/json",
                   status_object({500, "InternalError", std::string("kubesim: ") + e.what(), json::object()}).dump()};
    }
    if (auto* w = std::get_if<WatchSpec>(&result)) {
      server_.log_request(r, raw_query, 200);
      start_watch(std::move(*w));
      return;
    }
    respond(r, raw_query, std::move(std::get<Response>(result)), version, keep_alive);
  }

  void respond(const Request& r, const std::string& raw_query, Response resp, unsigned version, bool keep_alive) {
    server_.log_request(r, raw_query, resp.status);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(resp.status), version);
    res->set(http::field::content_type, resp.content_type);
    res->set(http::field::cache_control, "no-cache, private");
    res->keep_alive(keep_alive);
    res->body() = std::move(resp.body);
    res->prepare_payload();
    http::async_write(socket_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (keep_alive) {
        self->read();
      } else {
        beast::error_code ignored;
        self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
      }
    });
  }

  // A watch answers with a chunked stream of event lines until its timeout, or until the client goes away.
  void start_watch(WatchSpec w) {
    watch_ = std::move(w);
    enqueue(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    for (const auto& line : watch_->initial) enqueue_chunk(line);
    watch_->initial.clear();
    std::weak_ptr<Session> weak = shared_from_this();
    listener_ = server_.cluster.add_listener([weak](const ResourceType& t, const std::string& type, const json& obj) {
      if (auto self = weak.lock(); self && self->watch_ && self->watch_->matches(t, obj))
        self->enqueue_chunk(Api::watch_line(type, obj));
    });
    timer_.expires_after(std::chrono::seconds(watch_->timeout_seconds));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->finish_watch();
    });
    // Any read completing (data or EOF) means the client is done with this stream.
    socket_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  void finish_watch() {
    if (closed_) return;
    server_.cluster.remove_listener(listener_);
    listener_ = 0;
    enqueue("0\r\n\r\n");
    close_after_write_ = true;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    if (listener_) server_.cluster.remove_listener(listener_);
    listener_ = 0;
    timer_.cancel();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void enqueue_chunk(const std::string& data) {
    char size[20];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    enqueue(std::string(size) + data + "\r\n");
  }

  void enqueue(std::string data) {
    if (closed_) return;
    queue_.push_back(std::move(data));
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty() || closed_) {
      writing_ = false;
      if (close_after_write_) close();
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->queue_.pop_front();
                        if (ec) {
                          self->close();
                          return;
                        }
                        self->write_next();
                      });
  }

  tcp::socket socket_;
  Server& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer timer_;
  std::optional<WatchSpec> watch_;
  std::deque<std::string> queue_;
  char discard_[512];
  int listener_ = 0;
  bool writing_ = false, closed_ = false, close_after_write_ = false;
};

}  // namespace

Server::Server(asio::io_context& io, const tcp::endpoint& endpoint, Api& api_, Cluster& cluster_,
               std::FILE* request_log)
    : api(api_), cluster(cluster_), io_(io), acceptor_(io, endpoint), request_log_(request_log) {}

unsigned short Server::port() const { return acceptor_.local_endpoint().port(); }

void Server::start() { accept(); }

void Server::stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

void Server::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // the acceptor was closed
    std::make_shared<Session>(std::move(socket), *this)->start();
    accept();
  });
}

std::optional<Server::Fault> Server::take_fault(const std::string& path) {
  for (auto& f : faults) {
    if (f.left <= 0 || path.rfind(f.path_prefix, 0) != 0) continue;
    --f.left;
    return f;
  }
  return std::nullopt;
}

void Server::log_request(const Request& r, const std::string& raw_query, int status) {
  if (!request_log_) return;
  json line = {{"time", format_rfc3339_nano(std::chrono::system_clock::now())},
               {"method", r.method},
               {"path", r.path},
               {"query", raw_query},
               {"contentType", r.content_type},
               {"accept", r.accept},
               {"status", status}};
  if (r.content_type.find("protobuf") != std::string::npos || r.content_type.find("cbor") != std::string::npos) {
    line["body"] = base64_encode(r.body);
    line["bodyEncoding"] = "base64";
  } else {
    line["body"] = r.body;
  }
  std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), request_log_);
  std::fflush(request_log_);
}

}  // namespace kubesim
