// http_bench — Streamable HTTP load driver for MCP servers (bench/http/run.sh runs it; not a test).
//
//   http_bench --url URL [--name NAME] [--connections 1,8,32,128] [--seconds S] [--tool NAME [--arguments JSON]]
//              [--idle-sessions K --pid PID] [--json]
//
// For each connection count N: N keep-alive connections, each with its own MCP session (initialize +
// notifications/initialized, the negotiated version in MCP-Protocol-Version), each sending one request at a
// time with a fresh id for S seconds (after a short warm-up): `ping`, and `tools/call` of --tool when given.
// Reports requests/s and p50/p99/max latency. JSON and SSE answers are both read to their end. With
// --idle-sessions K and --pid, opens K more sessions and leaves them idle, and reports the server's resident
// memory growth per session (VmRSS from /proc/PID/status).
// All on one thread (Asio), so the driver costs one core at most.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Target {
  std::string host;
  std::string port;
  std::string path;
};

Target parse_url(const std::string& url) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) throw std::runtime_error("only http:// URLs: " + url);
  const auto rest = url.substr(prefix.size());
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  const auto colon = authority.rfind(':');
  return Target{authority.substr(0, colon), colon == std::string::npos ? "80" : authority.substr(colon + 1),
                slash == std::string::npos ? "/" : rest.substr(slash)};
}

Json initialize_body() {
  return {{"jsonrpc", "2.0"},
          {"id", 0},
          {"method", "initialize"},
          {"params",
           {{"protocolVersion", "2025-11-25"},
            {"capabilities", Json::object()},
            {"clientInfo", {{"name", "http_bench"}, {"version", "1"}}}}}};
}

// The JSON-RPC message in a response body: the body itself, or the last `data:` of an SSE stream.
Json message_of(const http::response<http::string_body>& res) {
  const std::string& body = res.body();
  if (res[http::field::content_type].find("text/event-stream") == beast::string_view::npos)
    return Json::parse(body, nullptr, false);
  Json last;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("data:", 0) == 0) {
      Json j = Json::parse(line.substr(line[5] == ' ' ? 6 : 5), nullptr, false);
      if (!j.is_discarded() && (j.contains("result") || j.contains("error"))) last = std::move(j);
    }
  }
  return last;
}

// One keep-alive connection carrying one MCP session.
class Worker : public std::enable_shared_from_this<Worker> {
 public:
  Worker(net::io_context& ioc, const Target& target, tcp::resolver::results_type endpoints, Json call)
      : stream_(ioc), target_(target), endpoints_(std::move(endpoints)), call_(std::move(call)) {}

  // Connects and initializes; `done(ok)` when the session is ready.
  void open(std::function<void(bool)> done) {
    ready_ = std::move(done);
    connect([self = shared_from_this()] {
      self->send(initialize_body(), [self](bool ok, const http::response<http::string_body>& res) {
        if (!ok || res.result() != http::status::ok)
          return self->fail("initialize answered " + std::to_string(res.result_int()));
        self->session_ = std::string(res["mcp-session-id"]);
        const Json answer = message_of(res);
        self->version_ =
            answer.contains("result") ? answer["result"].value("protocolVersion", "2025-11-25") : "2025-11-25";
        self->send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, [self](bool ok2, const auto&) {
          if (!ok2) return self->fail("notifications/initialized failed");
          auto f = std::move(self->ready_);
          f(true);
        });
      });
    });
  }

  // Sends requests back to back until `until`, recording latencies of those sent after `record_from`.
  void run(Clock::time_point record_from, Clock::time_point until, std::vector<std::uint32_t>& latencies,
           std::size_t& errors, std::function<void()> done) {
    latencies_ = &latencies;
    errors_ = &errors;
    record_from_ = record_from;
    until_ = until;
    finished_ = std::move(done);
    next();
  }

 private:
  void next() {
    const auto now = Clock::now();
    if (now >= until_) return finished_();
    Json body = call_;
    body["id"] = ++id_;
    send(body, [self = shared_from_this(), start = now](bool ok, const http::response<http::string_body>& res) {
      const auto end = Clock::now();
      const Json answer = ok ? message_of(res) : Json();
      if (!ok || res.result() != http::status::ok || !answer.contains("result")) {
        ++*self->errors_;
        if (*self->errors_ <= 3)
          std::cerr << "http_bench: bad answer " << res.result_int() << ": " << res.body().substr(0, 200) << "\n";
      } else if (start >= self->record_from_) {
        self->latencies_->push_back(
            static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(end - start).count()));
      }
      self->next();
    });
  }

  void fail(const std::string& why) {
    std::cerr << "http_bench: " << why << "\n";
    if (ready_) {
      auto f = std::move(ready_);
      f(false);
    }
  }

  void connect(std::function<void()> then) {
    net::async_connect(stream_.socket(), endpoints_,
                       [self = shared_from_this(), then](beast::error_code ec, const tcp::endpoint&) {
                         if (ec) return self->fail("connect: " + ec.message());
                         self->stream_.socket().set_option(tcp::no_delay(true));
                         then();
                       });
  }

  void send(const Json& body, std::function<void(bool, const http::response<http::string_body>&)> then) {
    request_ = {http::verb::post, target_.path, 11};
    request_.set(http::field::host, target_.host + ":" + target_.port);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::accept, "application/json, text/event-stream");
    if (!session_.empty()) {
      request_.set("Mcp-Session-Id", session_);
      request_.set("MCP-Protocol-Version", version_);
    }
    request_.body() = body.dump();
    request_.prepare_payload();
    auto go = [self = shared_from_this(), then] {
      http::async_write(self->stream_, self->request_, [self, then](beast::error_code ec, std::size_t) {
        if (ec) return then(false, self->response_);
        self->response_ = {};
        self->parser_.emplace();
        self->parser_->body_limit(64u << 20);
        http::async_read(self->stream_, self->buffer_, *self->parser_,
                         [self, then](beast::error_code ec2, std::size_t) {
                           if (ec2) return then(false, self->response_);
                           self->response_ = self->parser_->release();
                           self->reconnect_ = !self->response_.keep_alive();
                           then(true, self->response_);
                         });
      });
    };
    if (!reconnect_) return go();
    // The server closed after its last answer (Connection: close): a new connection, as a client would.
    reconnect_ = false;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    connect(go);
  }

  beast::tcp_stream stream_;
  Target target_;
  tcp::resolver::results_type endpoints_;
  Json call_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool reconnect_ = false;
  std::string session_;
  std::string version_ = "2025-11-25";
  long id_ = 0;
  std::function<void(bool)> ready_;
  std::vector<std::uint32_t>* latencies_ = nullptr;
  std::size_t* errors_ = nullptr;
  Clock::time_point record_from_;
  Clock::time_point until_;
  std::function<void()> finished_;
};

struct Cell {
  std::string name;
  std::string method;
  std::size_t connections = 0;
  double rps = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t errors = 0;
};

Cell measure(const Target& target, const std::string& method, const Json& call, std::size_t connections,
             double seconds) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(target.host, target.port);
  std::vector<std::shared_ptr<Worker>> workers;
  std::size_t ready = 0, failed = 0;
  for (std::size_t i = 0; i < connections; ++i) {
    workers.push_back(std::make_shared<Worker>(ioc, target, endpoints, call));
    workers.back()->open([&](bool ok) { ok ? ++ready : ++failed; });
  }
  ioc.run();
  ioc.restart();
  if (failed > 0) throw std::runtime_error(std::to_string(failed) + " sessions failed to start");
  std::vector<std::uint32_t> latencies;
  latencies.reserve(1 << 20);
  std::size_t errors = 0;
  const auto warmup = std::chrono::milliseconds(500);
  const auto start = Clock::now();
  const auto record_from = start + warmup;
  const auto until = record_from + std::chrono::microseconds(static_cast<long>(seconds * 1e6));
  for (auto& w : workers) w->run(record_from, until, latencies, errors, [] {});
  ioc.run();
  const double elapsed = std::chrono::duration<double>(until - record_from).count();
  Cell cell;
  cell.method = method;
  cell.connections = connections;
  cell.errors = errors;
  cell.rps = static_cast<double>(latencies.size()) / elapsed;
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    auto at = [&](double q) {
      return latencies[std::min(latencies.size() - 1,
                                static_cast<std::size_t>(q * static_cast<double>(latencies.size())))] /
             1000.0;
    };
    cell.p50_ms = at(0.50);
    cell.p99_ms = at(0.99);
    cell.max_ms = latencies.back() / 1000.0;
  }
  return cell;
}

long rss_kib(long pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  throw std::runtime_error("no VmRSS for pid " + std::to_string(pid));
}

// Opens `count` sessions one connection each, closes the connections, and returns the server's RSS growth per
// session in KiB (sessions stay: nobody sends DELETE).
double memory_per_session(const Target& target, long pid, std::size_t count) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(target.host, target.port);
  const Json ping = {{"jsonrpc", "2.0"}, {"method", "ping"}};
  // Warm up allocators and lazy state with a few sessions first.
  auto open = [&](std::size_t n) {
    std::vector<std::shared_ptr<Worker>> batch;
    std::size_t failed = 0;
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::make_shared<Worker>(ioc, target, endpoints, ping));
      batch.back()->open([&](bool ok) { failed += ok ? 0 : 1; });
      if (batch.size() == 50) {
        ioc.run();
        ioc.restart();
        batch.clear();
      }
    }
    ioc.run();
    ioc.restart();
    if (failed) throw std::runtime_error(std::to_string(failed) + " idle sessions failed to start");
  };
  open(50);
  const long before = rss_kib(pid);
  open(count);
  const long after = rss_kib(pid);
  return static_cast<double>(after - before) / static_cast<double>(count);
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, name = "server", tool;
  Json arguments = Json::object();
  std::vector<std::size_t> connections{1, 8, 32, 128};
  double seconds = 3;
  long pid = 0;
  std::size_t idle_sessions = 0;
  bool json_out = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--url") url = value();
    else if (a == "--name") name = value();
    else if (a == "--tool") tool = value();
    else if (a == "--arguments") arguments = Json::parse(value());
    else if (a == "--seconds") seconds = std::stod(value());
    else if (a == "--pid") pid = std::stol(value());
    else if (a == "--idle-sessions") idle_sessions = std::stoul(value());
    else if (a == "--json") json_out = true;
    else if (a == "--connections") {
      connections.clear();
      std::stringstream list(value());
      std::string item;
      while (std::getline(list, item, ',')) connections.push_back(std::stoul(item));
    } else {
      std::cerr << "http_bench: unknown option " << a << " (see the comment at the top of bench/http/http_bench.cpp)\n";
      return 2;
    }
  }
  if (url.empty()) {
    std::cerr << "http_bench: --url is required\n";
    return 2;
  }
  try {
    const Target target = parse_url(url);
    std::vector<std::pair<std::string, Json>> calls{{"ping", {{"jsonrpc", "2.0"}, {"method", "ping"}}}};
    if (!tool.empty()) {
      calls.push_back(
          {"tools/call " + tool,
           {{"jsonrpc", "2.0"}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", arguments}}}}});
    }
    Json out = Json::array();
    for (const auto& [method, call] : calls) {
      for (const auto n : connections) {
        Cell c = measure(target, method, call, n, seconds);
        c.name = name;
        out.push_back({{"server", name},
                       {"method", method},
                       {"connections", n},
                       {"rps", c.rps},
                       {"p50_ms", c.p50_ms},
                       {"p99_ms", c.p99_ms},
                       {"max_ms", c.max_ms},
                       {"errors", c.errors}});
        if (!json_out) {
          std::printf("%-22s %-28s %4zu conns  %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  errors %zu\n",
                      name.c_str(), method.c_str(), n, c.rps, c.p50_ms, c.p99_ms, c.max_ms, c.errors);
          std::fflush(stdout);
        }
      }
    }
    if (idle_sessions > 0 && pid > 0) {
      const double kib = memory_per_session(target, pid, idle_sessions);
      out.push_back({{"server", name}, {"idle_sessions", idle_sessions}, {"kib_per_idle_session", kib}});
      if (!json_out)
        std::printf("%-22s %zu idle sessions: %.1f KiB resident per session\n", name.c_str(), idle_sessions, kib);
    }
    if (json_out) std::cout << out.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "http_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
