// The HTTP transport, end to end over loopback: a Beast client (and a raw socket where the test needs byte
// control) against HttpServer on 127.0.0.1:0 with the fixture tools of http_fixtures.hpp.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/asio/ssl.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <gtest/gtest.h>

#include "server/transport/http_server.hpp"
#include "tests/fixtures/slowdown.hpp"
#include "tests/fixtures/wait.hpp"
#include "tests/server/transport/http_fixtures.hpp"
#include "tests/server/transport/jwt_fixtures.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using eks::server::Json;
using namespace std::chrono_literals;

using Headers = std::vector<std::pair<std::string, std::string>>;

using eks::testing::eventually;
using eks::testing::scaled;

// Everything the server logs, also kept here: tests check that secrets never reach the logs. Installed before
// main, so that the components' loggers (clones of the default one) carry it.
std::ostringstream& captured_logs() {
  static auto* out = new std::ostringstream;
  return *out;
}
const bool kLogsCaptured = [] {
  spdlog::default_logger()->sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(captured_logs()));
  return true;
}();

// A directory of its own under the temp dir, removed with everything in it.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "eks-http-test-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name, const std::string& content) const {
    const std::string p = path + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  std::string path;
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  Json json() const { return Json::parse(body, nullptr, false); }
  // The JSON messages of an SSE body (events with data), in order.
  std::vector<Json> events() const {
    std::vector<Json> out;
    std::size_t start = 0;
    while (start < body.size()) {
      auto end = body.find("\n\n", start);
      if (end == std::string::npos) end = body.size();
      const std::string event = body.substr(start, end - start);
      std::string data;
      std::size_t line_start = 0;
      while (line_start < event.size()) {
        auto line_end = event.find('\n', line_start);
        if (line_end == std::string::npos) line_end = event.size();
        const std::string line = event.substr(line_start, line_end - line_start);
        if (line.rfind("data: ", 0) == 0) data += line.substr(6);
        line_start = line_end + 1;
      }
      if (!data.empty()) out.push_back(Json::parse(data, nullptr, false));
      start = end + 2;
    }
    return out;
  }
};

template <class Stream>
Response exchange(Stream& stream, std::uint16_t port, http::verb verb, const std::string& target,
                  const Headers& headers, const std::string& body) {
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  http::read(stream, buffer, parser);
  Response out;
  out.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name] = std::string(field.value());
  }
  out.body = parser.get().body();
  return out;
}

// One request on a fresh connection; the whole response (an SSE stream included, up to its end).
Response call(std::uint16_t port, http::verb verb, const std::string& target, const Headers& headers = {},
              const std::string& body = "", std::chrono::milliseconds timeout = 5s) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  stream.expires_after(timeout);
  return exchange(stream, port, verb, target, headers, body);
}

// The same over TLS, trusting only `ca_file` and checking the certificate names 127.0.0.1.
Response call_tls(std::uint16_t port, const std::string& ca_file, http::verb verb, const std::string& target,
                  const Headers& headers = {}, const std::string& body = "") {
  net::io_context ioc;
  net::ssl::context context(net::ssl::context::tls_client);
  context.load_verify_file(ca_file);
  context.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, context);
  stream.set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
  beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  beast::get_lowest_layer(stream).expires_after(5s);
  stream.handshake(net::ssl::stream_base::client);
  return exchange(stream, port, verb, target, headers, body);
}

// A raw loopback socket, for byte-level control (slow clients, streams read piecemeal, hang-ups).
class Raw {
 public:
  explicit Raw(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Raw() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }
  void send(const std::string& text) {
    ASSERT_EQ(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
  }
  // Reads until `needle` has been seen, the peer closes, or the timeout passes; true when seen.
  bool read_until(const std::string& needle, std::chrono::milliseconds timeout = 3s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (data.find(needle) == std::string::npos) {
      if (!read_some(until)) return data.find(needle) != std::string::npos;
    }
    return true;
  }
  // True when the peer closes within the timeout.
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (read_some(until)) {}
    return eof_;
  }
  std::string data;

 private:
  bool read_some(std::chrono::steady_clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0 || eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    data.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
};

const Headers kJsonPost{{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};

Json initialize_message(const std::string& version = "2025-11-25") {
  return Json{{"jsonrpc", "2.0"},
              {"id", 1},
              {"method", "initialize"},
              {"params",
               {{"protocolVersion", version},
                {"capabilities", Json::object()},
                {"clientInfo", {{"name", "gtest"}, {"version", "1"}}}}}};
}

Json request(int id, const std::string& method, Json params = Json::object()) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

Json stateless_request(int id, const std::string& method, Json params = Json::object()) {
  params["_meta"] = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                     {"io.modelcontextprotocol/clientCapabilities", Json::object()},
                     {"io.modelcontextprotocol/clientInfo", {{"name", "gtest"}, {"version", "1"}}}};
  return request(id, method, std::move(params));
}

Headers stateless_headers(const std::string& method, const std::string& name = "") {
  Headers h = kJsonPost;
  h.push_back({"MCP-Protocol-Version", "2026-07-28"});
  h.push_back({"Mcp-Method", method});
  if (!name.empty()) h.push_back({"Mcp-Name", name});
  return h;
}

class Http : public ::testing::Test {
 protected:
  void start(eks::transport::HttpOptions options = {}, eks::server::ServerOptions server_options = {}) {
    eks::testing::g_cancelled_calls = 0;
    dispatcher_ = std::make_unique<eks::server::Dispatcher>(
        eks::server::ServerInfo{
            .name = "http-test", .title = "HTTP test", .version = "1", .description = "", .instructions = ""},
        server_options);
    ASSERT_EQ(eks::testing::add_http_fixtures(*dispatcher_), "");
    options.listen = "127.0.0.1:0";
    options.auth_token_from_environment = false;
    server_ = std::make_unique<eks::transport::HttpServer>(*dispatcher_, options);
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error();
    port_ = server_->port();
  }
  void TearDown() override {
    server_.reset();
    dispatcher_.reset();
  }

  Response post(const Json& body, const std::string& session = "", Headers headers = kJsonPost) {
    if (!session.empty()) headers.push_back({"Mcp-Session-Id", session});
    return call(port_, http::verb::post, "/mcp", headers, body.dump());
  }
  std::string initialize() {
    auto r = post(initialize_message());
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string session = r.header("mcp-session-id");
    EXPECT_FALSE(session.empty());
    post(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, session);
    return session;
  }

  // Adds started_count: slow_count that counts itself in started_calls_ before its first step, so a test can
  // act on a call that is really running instead of sleeping and hoping it is.
  void add_started_count() {
    using eks::testing::CallContext;
    using eks::testing::ToolOutput;
    ASSERT_TRUE(dispatcher_->add_tool(eks::testing::simple_tool(
        "started_count", "slow_count that says when it has started.",
        R"({"type":"object","properties":{"steps":{"type":"integer"},"delay_ms":{"type":"integer"}}})",
        [this](const Json& args, CallContext& context) -> eks::server::Result<ToolOutput> {
          ++started_calls_;
          const int steps = args.value("steps", 5);
          for (int i = 1; i <= steps; ++i) {
            if (context.cancelled()) {
              ++eks::testing::g_cancelled_calls;
              return eks::server::tool_error("cancelled at step " + std::to_string(i));
            }
            // The tool's own work: being slow is what it is for, not a wait for an event.
            std::this_thread::sleep_for(std::chrono::milliseconds(args.value("delay_ms", 50)));
          }
          return ToolOutput{Json::object(), "counted to " + std::to_string(steps)};
        })));
  }

  std::unique_ptr<eks::server::Dispatcher> dispatcher_;
  std::unique_ptr<eks::transport::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::atomic<int> started_calls_{0};
};

TEST_F(Http, HealthAndReadinessAnswerWithoutAuthentication) {
  eks::transport::HttpOptions options;
  options.auth_tokens = {"0123456789abcdef-token"};
  bool ready = false;
  options.ready = [&ready] { return ready; };
  start(options);
  EXPECT_EQ(call(port_, http::verb::get, "/healthz").status, 200);
  EXPECT_EQ(call(port_, http::verb::get, "/readyz").status, 503);
  ready = true;
  EXPECT_EQ(call(port_, http::verb::get, "/readyz").status, 200);
}

TEST_F(Http, InitializeStartsASessionWithAnUnguessableId) {
  start();
  auto first = post(initialize_message());
  auto second = post(initialize_message());
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.header("content-type"), "application/json");
  EXPECT_EQ(first.json()["result"]["protocolVersion"], "2025-11-25");
  const auto a = first.header("mcp-session-id");
  const auto b = second.header("mcp-session-id");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST_F(Http, FailedInitializeStartsNoSession) {
  start();
  auto r = post(request(1, "initialize", {{"capabilities", Json::object()}}));  // no protocolVersion
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.json().contains("error"));
  EXPECT_EQ(r.header("mcp-session-id"), "");
}

TEST_F(Http, PostIsAnsweredWithJsonWhenNothingPrecedesTheAnswer) {
  start();
  const auto session = initialize();
  auto r = post(request(2, "tools/list"), session);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_TRUE(r.json()["result"]["tools"].is_array());
}

TEST_F(Http, ProgressNotificationsStreamAsSseBeforeTheResponse) {
  start();
  const auto session = initialize();
  auto r = post(request(3, "tools/call",
                        {{"name", "slow_count"},
                         {"arguments", {{"steps", 3}, {"delay_ms", 10}}},
                         {"_meta", {{"progressToken", "p1"}}}}),
                session);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  EXPECT_EQ(r.header("mcp-session-id"), session);
  const auto events = r.events();
  ASSERT_EQ(events.size(), 4u) << r.body;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i]["method"], "notifications/progress");
    EXPECT_EQ(events[i]["params"]["progressToken"], "p1");
  }
  EXPECT_EQ(events[3]["id"], 3);
  EXPECT_EQ(events[3]["result"]["content"][0]["text"], "counted to 3");
  // 2025-11-25: streams open with a priming event (an id and empty data) so a client can resume them.
  EXPECT_NE(r.body.find("retry: "), std::string::npos);
}

TEST_F(Http, JsonOnlyClientsGetJsonAndNoNotifications) {
  start();
  const auto session = initialize();
  auto r = post(
      request(
          4, "tools/call",
          {{"name", "slow_count"}, {"arguments", {{"steps", 2}, {"delay_ms", 5}}}, {"_meta", {{"progressToken", 9}}}}),
      session, {{"Content-Type", "application/json"}, {"Accept", "application/json"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.json()["id"], 4);
}

TEST_F(Http, NotificationsAreAccepted202) {
  start();
  const auto session = initialize();
  auto r =
      post(Json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 77}}}}, session);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "");
}

TEST_F(Http, RequestsWithoutOrWithUnknownSessionsAreRejected) {
  start();
  auto missing = post(request(1, "tools/list"));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.json()["error"]["code"], -32600);
  EXPECT_EQ(post(request(1, "tools/list"), "0123456789abcdef0123456789abcdef").status, 404);
}

TEST_F(Http, DeleteEndsTheSession) {
  start();
  const auto session = initialize();
  EXPECT_EQ(call(port_, http::verb::delete_, "/mcp", {{"Mcp-Session-Id", session}}).status, 200);
  EXPECT_EQ(post(request(2, "tools/list"), session).status, 404);
  EXPECT_EQ(call(port_, http::verb::delete_, "/mcp", {{"Mcp-Session-Id", session}}).status, 404);
}

TEST_F(Http, ProtocolVersionHeaderIsChecked) {
  start();
  const auto session = initialize();
  Headers h = kJsonPost;
  h.push_back({"MCP-Protocol-Version", "1999-01-01"});
  EXPECT_EQ(post(request(2, "tools/list"), session, h).status, 400);
  // A supported version other than the negotiated one is served (and logged).
  h.back().second = "2025-03-26";
  EXPECT_EQ(post(request(3, "tools/list"), session, h).status, 200);
}

TEST_F(Http, GetOpensTheServerStreamAndReceivesListChanged) {
  start();
  const auto session = initialize();
  Raw stream(port_);
  stream.send("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nMcp-Session-Id: " + session +
              "\r\n\r\n");
  ASSERT_TRUE(stream.read_until("retry: ")) << stream.data;
  EXPECT_NE(stream.data.find("text/event-stream"), std::string::npos);
  // A second GET stream for the same session conflicts.
  EXPECT_EQ(call(port_, http::verb::get, "/mcp", {{"Mcp-Session-Id", session}, {"Accept", "text/event-stream"}}).status,
            409);
  ASSERT_TRUE(dispatcher_->remove_tool("echo"));
  EXPECT_TRUE(stream.read_until("notifications/tools/list_changed")) << stream.data;
}

TEST_F(Http, AClosedPostStreamIsResumedWithLastEventId) {
  eks::transport::HttpOptions options;
  options.sse_hold_limit = 100ms;
  start(options);
  const auto session = initialize();
  // The server closes the POST's stream after 100 ms; the call runs for about 300 ms.
  auto first =
      post(request(5, "tools/call", {{"name", "slow_count"}, {"arguments", {{"steps", 3}, {"delay_ms", 100}}}}),
           session, {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}});
  ASSERT_EQ(first.status, 200);
  const auto id_at = first.body.rfind("id: ");
  ASSERT_NE(id_at, std::string::npos) << first.body;
  const std::string last = first.body.substr(id_at + 4, first.body.find('\n', id_at) - id_at - 4);
  EXPECT_TRUE(first.events().empty()) << first.body;  // only the priming event so far
  auto resumed = call(port_, http::verb::get, "/mcp",
                      {{"Mcp-Session-Id", session}, {"Accept", "text/event-stream"}, {"Last-Event-ID", last}});
  ASSERT_EQ(resumed.status, 200);
  const auto events = resumed.events();
  ASSERT_FALSE(events.empty()) << resumed.body;
  EXPECT_EQ(events.back()["id"], 5);
  EXPECT_EQ(events.back()["result"]["content"][0]["text"], "counted to 3");
}

TEST_F(Http, SamplingGoesOutOnTheCallsStreamAndItsAnswerComesBackAsAPost) {
  start();
  auto init = initialize_message();
  init["params"]["capabilities"] = {{"sampling", Json::object()}};
  const auto initialized = post(init);
  const std::string session = initialized.header("mcp-session-id");
  ASSERT_FALSE(session.empty()) << initialized.body;
  post(Json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, session);

  Raw raw(port_);
  ASSERT_TRUE(raw.connected());
  const std::string body =
      request(7, "tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "hi"}}}}).dump();
  raw.send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
           "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: " +
           session + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_TRUE(raw.read_until("sampling/createMessage")) << raw.data;
  EXPECT_NE(raw.data.find("text/event-stream"), std::string::npos);
  EXPECT_NE(raw.data.find(R"("text":"hi")"), std::string::npos) << raw.data;
  const auto at = raw.data.find(R"("id":"server-)");
  ASSERT_NE(at, std::string::npos) << raw.data;
  const auto start_of_id = at + 6;
  const std::string id = raw.data.substr(start_of_id, raw.data.find('"', start_of_id) - start_of_id);

  const auto answered =
      post(Json{{"jsonrpc", "2.0"},
                {"id", id},
                {"result", {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "pong"}}}, {"model", "m"}}}},
           session);
  EXPECT_EQ(answered.status, 202) << answered.body;
  ASSERT_TRUE(raw.read_until("LLM response: pong")) << raw.data;
  EXPECT_NE(raw.data.find(R"("id":7)"), std::string::npos);

  // A POST that accepts JSON only cannot carry the request: the tool fails at once, naming the fix.
  const auto start = std::chrono::steady_clock::now();
  const auto json_only = post(request(8, "tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "hi"}}}}),
                              session, {{"Content-Type", "application/json"}, {"Accept", "application/json"}});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(json_only.json()["result"]["isError"], true) << json_only.body;
  EXPECT_NE(json_only.body.find("text/event-stream"), std::string::npos) << json_only.body;
}

TEST_F(Http, StatelessRequestsNeedNoSession) {
  start();
  auto r = post(stateless_request(1, "server/discover"), "", stateless_headers("server/discover"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("mcp-session-id"), "");
  EXPECT_EQ(r.json()["result"]["supportedVersions"][0], "2026-07-28");
  auto call_result = post(stateless_request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}), "",
                          stateless_headers("tools/call", "echo"));
  ASSERT_EQ(call_result.status, 200) << call_result.body;
  EXPECT_EQ(call_result.json()["result"]["content"][0]["text"], "echo: hi");
  EXPECT_EQ(call_result.json()["result"]["resultType"], "complete");
}

TEST_F(Http, StatelessHeadersMustMatchTheBody) {
  start();
  auto no_method = post(stateless_request(1, "tools/list"), "", [] {
    Headers h = kJsonPost;
    h.push_back({"MCP-Protocol-Version", "2026-07-28"});
    return h;
  }());
  EXPECT_EQ(no_method.status, 400);
  EXPECT_EQ(no_method.json()["error"]["code"], -32020);
  EXPECT_EQ(post(stateless_request(2, "tools/list"), "", stateless_headers("prompts/list")).status, 400);
  auto wrong_name =
      post(stateless_request(3, "tools/call", {{"name", "echo"}}), "", stateless_headers("tools/call", "other"));
  EXPECT_EQ(wrong_name.status, 400);
  EXPECT_EQ(wrong_name.json()["id"], 3);
  EXPECT_EQ(post(stateless_request(4, "tools/call", {{"name", "echo"}}), "", stateless_headers("tools/call")).status,
            400);
  // Mcp-Name may carry the base64 sentinel form.
  EXPECT_EQ(post(stateless_request(5, "tools/call", {{"name", "echo"}}), "",
                 stateless_headers("tools/call", "=?base64?ZWNobw==?="))
                .status,
            200);
  Headers version_mismatch = stateless_headers("tools/list");
  version_mismatch[2].second = "2025-11-25";
  EXPECT_EQ(post(stateless_request(6, "tools/list"), "", version_mismatch).status, 400);
}

TEST_F(Http, StatelessErrorsMapToHttpStatuses) {
  start();
  auto unknown = post(stateless_request(1, "no/such"), "", stateless_headers("no/such"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json()["error"]["code"], -32601);
  Json old = stateless_request(2, "tools/list");
  old["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "1900-01-01";
  Headers h = stateless_headers("tools/list");
  h[2].second = "1900-01-01";
  auto unsupported = post(old, "", h);
  EXPECT_EQ(unsupported.status, 400);
  EXPECT_EQ(unsupported.json()["error"]["code"], -32022);
  Json no_caps = stateless_request(3, "tools/list");
  no_caps["params"]["_meta"].erase("io.modelcontextprotocol/clientCapabilities");
  auto malformed = post(no_caps, "", stateless_headers("tools/list"));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.json()["error"]["code"], -32602);
}

TEST_F(Http, GetAndDeleteWithoutASessionAre405) {
  start();
  auto get = call(port_, http::verb::get, "/mcp", {{"Accept", "text/event-stream"}});
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.header("allow"), "POST");
  EXPECT_EQ(call(port_, http::verb::delete_, "/mcp").status, 405);
}

TEST_F(Http, ClosingAStatelessStreamCancelsTheRequest) {
  start();
  Raw raw(port_);
  Json message =
      stateless_request(1, "tools/call", {{"name", "slow_count"}, {"arguments", {{"steps", 100}, {"delay_ms", 20}}}});
  message["params"]["_meta"]["progressToken"] = 1;
  const std::string body = message.dump();
  const std::string text =
      "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n"
      "Mcp-Method: tools/call\r\nMcp-Name: slow_count\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  raw.send(text);
  ASSERT_TRUE(raw.read_until("notifications/progress")) << raw.data;
  raw.close();
  EXPECT_TRUE(eventually([] { return eks::testing::g_cancelled_calls > 0; }, 2s))
      << "the call did not see its cancellation after its stream closed";
  EXPECT_EQ(eks::testing::g_cancelled_calls, 1);
}

TEST_F(Http, ForeignOriginAndHostAreForbidden) {
  start();
  auto origin = call(
      port_, http::verb::post, "/mcp",
      [] {
        Headers h = kJsonPost;
        h.push_back({"Origin", "https://evil.example.com"});
        return h;
      }(),
      initialize_message().dump());
  EXPECT_EQ(origin.status, 403);
  auto local_origin = call(
      port_, http::verb::post, "/mcp",
      [] {
        Headers h = kJsonPost;
        h.push_back({"Origin", "http://localhost:6274"});
        return h;
      }(),
      initialize_message().dump());
  EXPECT_EQ(local_origin.status, 200);
  auto host = call(
      port_, http::verb::post, "/mcp",
      [] {
        Headers h = kJsonPost;
        h.push_back({"Host", "evil.example.com"});
        return h;
      }(),
      initialize_message().dump());
  EXPECT_EQ(host.status, 403);
}

TEST_F(Http, AllowListedOriginsPass) {
  eks::transport::HttpOptions options;
  options.allowed_origins = {"https://claude.ai"};
  start(options);
  Headers h = kJsonPost;
  h.push_back({"Origin", "https://claude.ai"});
  EXPECT_EQ(call(port_, http::verb::post, "/mcp", h, initialize_message().dump()).status, 200);
}

TEST_F(Http, BearerTokenIsRequiredWhenConfigured) {
  eks::transport::HttpOptions options;
  options.auth_tokens = {"s3cret-token-0123456789"};
  start(options);
  auto none = call(port_, http::verb::post, "/mcp", kJsonPost, initialize_message().dump());
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("www-authenticate").rfind("Bearer", 0), 0u);
  Headers wrong = kJsonPost;
  wrong.push_back({"Authorization", "Bearer s3cret-token-0123456780"});
  EXPECT_EQ(call(port_, http::verb::post, "/mcp", wrong, initialize_message().dump()).status, 401);
  Headers right = kJsonPost;
  right.push_back({"Authorization", "Bearer s3cret-token-0123456789"});
  EXPECT_EQ(call(port_, http::verb::post, "/mcp", right, initialize_message().dump()).status, 200);
  EXPECT_EQ(call(port_, http::verb::get, "/metrics").status, 401);
}

TEST(HttpStart, RefusesANonLoopbackAddressWithoutAuthentication) {
  eks::server::Dispatcher dispatcher({.name = "t", .title = "t", .version = "1", .description = "", .instructions = ""},
                                     {});
  eks::transport::HttpOptions options;
  options.listen = "0.0.0.0:0";
  options.auth_token_from_environment = false;
  eks::transport::HttpServer server(dispatcher, options);
  auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("--auth-token-file"), std::string::npos) << started.error();
  EXPECT_NE(started.error().find("EKS_SRE_MCP_TOKEN"), std::string::npos);
}

TEST(HttpStart, ReportsABadListenAddress) {
  eks::server::Dispatcher dispatcher({.name = "t", .title = "t", .version = "1", .description = "", .instructions = ""},
                                     {});
  eks::transport::HttpOptions options;
  options.listen = "127.0.0.1";
  eks::transport::HttpServer server(dispatcher, options);
  auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("host:port"), std::string::npos);
}

TEST_F(Http, OversizedBodiesAndHeadersAreRefused) {
  eks::transport::HttpOptions options;
  options.max_body_bytes = 1024;
  options.max_header_bytes = 2048;
  start(options);
  EXPECT_EQ(call(port_, http::verb::post, "/mcp", kJsonPost, std::string(4096, ' ')).status, 413);
  Headers big = kJsonPost;
  big.push_back({"X-Padding", std::string(4096, 'a')});
  EXPECT_EQ(call(port_, http::verb::post, "/mcp", big, initialize_message().dump()).status, 431);
}

TEST_F(Http, WrongContentTypeAndAcceptAreRefused) {
  start();
  EXPECT_EQ(call(port_, http::verb::post, "/mcp", {{"Content-Type", "text/plain"}, {"Accept", "application/json"}},
                 initialize_message().dump())
                .status,
            415);
  EXPECT_EQ(call(port_, http::verb::post, "/mcp", {{"Content-Type", "application/json"}, {"Accept", "text/html"}},
                 initialize_message().dump())
                .status,
            406);
  auto garbage = call(port_, http::verb::post, "/mcp", kJsonPost, "{not json");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.json()["error"]["code"], -32700);
}

TEST_F(Http, SlowClientsTimeOutWithoutStallingOthers) {
  eks::transport::HttpOptions options;
  options.request_timeout = 300ms;
  start(options);
  Raw slow(port_);
  slow.send("POST /mcp HTTP/1.1\r\nHost: localhost\r\n");  // and never finishes its headers
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 50; ++i) idle.push_back(std::make_unique<Raw>(port_));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(call(port_, http::verb::get, "/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  EXPECT_TRUE(slow.read_until("408", 2s)) << slow.data;
  EXPECT_TRUE(slow.closed_within(1s));
}

TEST_F(Http, MalformedRequestsGet400AndTheServerKeepsServing) {
  start();
  const std::vector<std::string> attacks{
      "GARBAGE\r\n\r\n",
      "GET /mcp HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
      "POST /mcp HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",  // a header without a colon
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten\r\n\r\n",
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n",  // bad chunk size
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      std::string("GET /\0\x01\xff HTTP/1.1\r\n\r\n", 22),
  };
  for (const auto& attack : attacks) {
    Raw raw(port_);
    raw.send(attack);
    EXPECT_TRUE(raw.read_until("HTTP/1.1 400", 2s)) << "for " << attack << ": " << raw.data;
    EXPECT_TRUE(raw.closed_within(2s)) << "the connection must close after a malformed request";
  }
  EXPECT_EQ(call(port_, http::verb::get, "/healthz").status, 200);
}

TEST_F(Http, ExpiredSessionsAre404) {
  eks::transport::HttpOptions options;
  options.session_idle_timeout = 200ms;
  start(options);
  const auto session = initialize();
  EXPECT_EQ(post(request(2, "ping"), session).status, 200);
  // The client stays quiet (a request on the session would refresh it) while the server's sweep ends the idle
  // session; /metrics is not bound to a session, so watching it does not keep the session alive.
  ASSERT_TRUE(eventually(
      [&] {
        return call(port_, http::verb::get, "/metrics").body.find("\nmcp_active_sessions 0\n") != std::string::npos;
      },
      5s, 20ms))
      << "the idle session was not ended by the sweep";
  EXPECT_EQ(post(request(3, "ping"), session).status, 404) << "an expired session id must be answered 404 Not Found";
  const Headers h{{"Accept", "text/event-stream"}, {"Mcp-Session-Id", session}};
  EXPECT_EQ(call(port_, http::verb::get, "/mcp", h).status, 404);
  EXPECT_EQ(call(port_, http::verb::delete_, "/mcp", h).status, 404);
}

TEST_F(Http, IdleAndSlowClientsDoNotDelayOthers) {
  eks::transport::HttpOptions options;
  options.request_timeout = 5s;
  start(options);
  const auto session = initialize();
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<Raw>(port_));
    ASSERT_TRUE(idle.back()->connected());
  }
  // Slow-header clients: one byte of an unfinished request at a time.
  std::vector<std::unique_ptr<Raw>> slow;
  const std::string partial = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: ";
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<Raw>(port_));
    slow.back()->send(partial);
  }
  std::chrono::steady_clock::duration worst{};
  for (int i = 0; i < 30; ++i) {
    for (auto& s : slow) s->send("a");
    const auto t0 = std::chrono::steady_clock::now();
    auto r = post(request(10 + i, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}), session);
    worst = std::max(worst, std::chrono::steady_clock::now() - t0);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["result"]["content"][0]["text"], "echo: hi");
    // Pacing, not a wait for an event: the slow clients' next bytes come a little later, as a trickle would.
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_LT(worst, scaled(100ms)) << "worst answer took "
                                  << std::chrono::duration_cast<std::chrono::milliseconds>(worst).count() << " ms";
}

TEST_F(Http, SessionLimitIsEnforced) {
  eks::transport::HttpOptions options;
  options.max_sessions = 2;
  start(options);
  initialize();
  initialize();
  auto third = post(initialize_message());
  EXPECT_EQ(third.status, 503);
}

TEST_F(Http, MetricsCountRequestsToolCallsAndSessions) {
  eks::transport::HttpOptions options;
  options.extra_metrics = [] { return std::string("# TYPE app_things_total counter\napp_things_total 7\n"); };
  start(options);
  const auto session = initialize();
  post(request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}), session);
  post(request(3, "tools/call", {{"name", "test_error_handling"}}), session);
  auto metrics = call(port_, http::verb::get, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(metrics.body.find("mcp_http_requests_total{method=\"POST\",status=\"200\"}"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("mcp_tool_calls_total{tool=\"echo\",outcome=\"ok\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("mcp_tool_calls_total{tool=\"test_error_handling\",outcome=\"error\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("mcp_tool_call_duration_seconds_bucket{tool=\"echo\",le=\"+Inf\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("mcp_active_sessions 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("\napp_things_total 7\n"), std::string::npos) << "the application's own families follow";
}

TEST_F(Http, LegacySseTransportServesTheEndpointEventAndMessages) {
  start();
  Raw stream(port_);
  stream.send("GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
  ASSERT_TRUE(stream.read_until("event: endpoint")) << stream.data;
  ASSERT_TRUE(stream.read_until("\n\n", 1s));
  const auto at = stream.data.find("/messages?sessionId=");
  ASSERT_NE(at, std::string::npos);
  const std::string endpoint = stream.data.substr(at, stream.data.find('\n', at) - at);
  auto accepted = call(port_, http::verb::post, endpoint, kJsonPost, initialize_message("2024-11-05").dump());
  EXPECT_EQ(accepted.status, 202);
  ASSERT_TRUE(stream.read_until("\"protocolVersion\":\"2024-11-05\"")) << stream.data;
  EXPECT_EQ(call(port_, http::verb::post, "/messages?sessionId=nope", kJsonPost, "{}").status, 404);
}

TEST_F(Http, ShutdownLetsInFlightCallsFinish) {
  start();
  add_started_count();
  const auto session = initialize();
  auto pending = std::async(std::launch::async, [&] {
    return post(request(9, "tools/call", {{"name", "started_count"}, {"arguments", {{"steps", 4}, {"delay_ms", 50}}}}),
                session, {{"Content-Type", "application/json"}, {"Accept", "application/json"}});
  });
  ASSERT_TRUE(eventually([&] { return started_calls_ > 0; }, 3s)) << "the call never started";
  EXPECT_EQ(server_->shutdown(), 0u);
  const auto r = pending.get();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["result"]["content"][0]["text"], "counted to 4");
  EXPECT_EQ(eks::testing::g_cancelled_calls, 0);
}

TEST_F(Http, ShutdownCancelsCallsPastTheDeadline) {
  eks::server::ServerOptions server_options;
  server_options.shutdown_deadline = 100ms;
  start({}, server_options);
  add_started_count();
  const auto session = initialize();
  auto pending = std::async(std::launch::async, [&] {
    return post(
        request(9, "tools/call", {{"name", "started_count"}, {"arguments", {{"steps", 1000}, {"delay_ms", 10}}}}),
        session, {{"Content-Type", "application/json"}, {"Accept", "application/json"}});
  });
  ASSERT_TRUE(eventually([&] { return started_calls_ > 0; }, 3s)) << "the call never started";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->shutdown(), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, scaled(1500ms));
  pending.wait();
  EXPECT_EQ(eks::testing::g_cancelled_calls, 1);
}

class HttpOAuth : public Http {
 protected:
  const std::string issuer = "https://idp.example.test/realms/sre";
  eks::testing::TestKey key = eks::testing::TestKey::rsa("k1");
  TempDir dir;

  void start_oauth() {
    eks::transport::HttpOptions options;
    options.oauth.emplace();
    options.oauth->issuer = issuer;
    options.oauth->jwks_file = dir.file("jwks.json", Json{{"keys", {key.jwk()}}}.dump());
    start(options);
  }
  std::string resource() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mcp"; }
  std::string token(std::chrono::seconds valid_for, const std::string& aud = "") const {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    return key.sign(Json{{"iss", issuer},
                         {"aud", aud.empty() ? resource() : aud},
                         {"sub", "alice"},
                         {"exp", (now + valid_for).count()}});
  }
  Response post_with(const std::string& token) {
    Headers h = kJsonPost;
    h.push_back({"Authorization", "Bearer " + token});
    return call(port_, http::verb::post, "/mcp", h, initialize_message().dump());
  }
};

TEST_F(HttpOAuth, ServesProtectedResourceMetadata) {
  start_oauth();
  for (const std::string path :
       {"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"}) {
    auto r = call(port_, http::verb::get, path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.json()["resource"], resource());
    EXPECT_EQ(r.json()["authorization_servers"], Json::array({issuer}));
    EXPECT_EQ(r.json()["resource_name"], "http-test");  // the application's name, as its ServerInfo gives it
  }
}

TEST_F(HttpOAuth, ChallengesPointToTheMetadata) {
  start_oauth();
  auto none = call(port_, http::verb::post, "/mcp", kJsonPost, initialize_message().dump());
  EXPECT_EQ(none.status, 401);
  const std::string challenge = none.header("www-authenticate");
  EXPECT_EQ(challenge.rfind("Bearer realm=\"http-test\"", 0), 0u) << challenge;
  EXPECT_NE(challenge.find("resource_metadata=\"http://127.0.0.1:" + std::to_string(port_) +
                           "/.well-known/oauth-protected-resource/mcp\""),
            std::string::npos)
      << challenge;
  EXPECT_EQ(challenge.find("error="), std::string::npos) << "no token is not an invalid token: " << challenge;
}

TEST_F(HttpOAuth, AcceptsAValidAccessToken) {
  start_oauth();
  auto r = post_with(token(std::chrono::seconds(300)));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.header("mcp-session-id").empty());
}

TEST_F(HttpOAuth, RefusesBadTokensWithAReasonAndNeverLogsThem) {
  start_oauth();
  const auto forger = eks::testing::TestKey::rsa("k1");
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  struct Case {
    std::string token;
    std::string reason;
  };
  const std::vector<Case> cases{
      {token(std::chrono::seconds(-300)), "expired"},
      {token(std::chrono::seconds(300), "https://other.example/mcp"), "not for this server"},
      {key.sign(Json{{"iss", "https://evil.example"}, {"aud", resource()}, {"exp", now.count() + 300}}),
       "another authorization server"},
      {forger.sign(Json{{"iss", issuer}, {"aud", resource()}, {"exp", now.count() + 300}}), "signature"},
      {eks::testing::b64url(R"({"alg":"none"})") + "." +
           eks::testing::b64url(Json{{"iss", issuer}, {"aud", resource()}, {"exp", now.count() + 300}}.dump()) + ".",
       "algorithm"},
      {"not-a-jwt-but-long-enough", "not a JWT"},
  };
  for (const auto& c : cases) {
    auto r = post_with(c.token);
    EXPECT_EQ(r.status, 401) << c.reason;
    const std::string challenge = r.header("www-authenticate");
    EXPECT_NE(challenge.find("error=\"invalid_token\""), std::string::npos) << challenge;
    EXPECT_NE(challenge.find("resource_metadata="), std::string::npos) << challenge;
    EXPECT_NE(challenge.find(c.reason), std::string::npos) << challenge;
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find(c.reason), std::string::npos) << r.body;
  }
  const std::string valid = token(std::chrono::seconds(300));
  EXPECT_EQ(post_with(valid).status, 200);
  server_->shutdown();
  const std::string logs = captured_logs().str();
  EXPECT_NE(logs.find("invalid bearer token"), std::string::npos) << "the refusals are logged";
  for (const auto& c : cases) EXPECT_EQ(logs.find(c.token), std::string::npos) << "a token reached the logs";
  EXPECT_EQ(logs.find(valid.substr(valid.rfind('.'))), std::string::npos);
}

TEST(HttpStart, OAuthAloneAllowsANonLoopbackAddress) {
  TempDir dir;
  eks::server::Dispatcher dispatcher({.name = "t", .title = "t", .version = "1", .description = "", .instructions = ""},
                                     {});
  eks::transport::HttpOptions options;
  options.listen = "0.0.0.0:0";
  options.auth_token_from_environment = false;
  options.oauth.emplace();
  options.oauth->issuer = "https://idp.example.test";
  options.oauth->resource = "https://sre.example.com/mcp";
  options.oauth->jwks_file = dir.file("jwks.json", "{\"keys\": []}");
  {
    eks::transport::HttpServer server(dispatcher, options);
    auto started = server.start();
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().find("jwks.json"), std::string::npos) << started.error();
  }
  options.oauth->jwks_file = dir.file("jwks.json", Json{{"keys", {eks::testing::TestKey::ec("e").jwk()}}}.dump());
  eks::transport::HttpServer server(dispatcher, options);
  auto started = server.start();
  EXPECT_TRUE(started) << started.error();
}

class HttpTls : public Http {
 protected:
  TempDir dir;
  std::string cert = dir.path + "/cert.pem";
  std::string key = dir.path + "/key.pem";

  void SetUp() override {
    // A self-signed certificate for 127.0.0.1, made with the openssl command for this run only.
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1"
        " -addext subjectAltName=IP:127.0.0.1 -keyout " +
        key + " -out " + cert + " 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0)
        << "the openssl command is needed to make a test certificate (apt-get install openssl)";
  }
};

TEST_F(HttpTls, ServesMcpOverTls) {
  eks::transport::HttpOptions options;
  options.tls_cert = cert;
  options.tls_key = key;
  std::string url;
  options.on_listening = [&url](const std::string& u) { url = u; };
  start(options);
  EXPECT_EQ(url.rfind("https://", 0), 0u) << url;
  auto r = call_tls(port_, cert, http::verb::post, "/mcp", kJsonPost, initialize_message().dump());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.header("mcp-session-id").empty());
  EXPECT_EQ(call_tls(port_, cert, http::verb::get, "/healthz").status, 200);
  // Plain HTTP on the TLS port gets no answer, and the server goes on serving.
  Raw plain(port_);
  plain.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_FALSE(plain.read_until("200 OK", 500ms));
  EXPECT_EQ(call_tls(port_, cert, http::verb::get, "/healthz").status, 200);
}

TEST_F(HttpTls, AClientThatNeverFinishesTheHandshakeIsDropped) {
  eks::transport::HttpOptions options;
  options.tls_cert = cert;
  options.tls_key = key;
  options.request_timeout = 300ms;
  start(options);
  Raw silent(port_);
  Raw partial(port_);
  partial.send(std::string("\x16\x03\x01\x00\x10", 5));  // the start of a ClientHello, and no more
  EXPECT_EQ(call_tls(port_, cert, http::verb::get, "/healthz").status, 200);
  EXPECT_TRUE(silent.closed_within(scaled(2s)));
  EXPECT_TRUE(partial.closed_within(scaled(2s)));
}

TEST_F(HttpTls, BadCertificateOrKeyFilesAreStartupErrors) {
  eks::server::Dispatcher dispatcher({.name = "t", .title = "t", .version = "1", .description = "", .instructions = ""},
                                     {});
  auto start_with = [&](const std::string& c, const std::string& k) {
    eks::transport::HttpOptions options;
    options.listen = "127.0.0.1:0";
    options.tls_cert = c;
    options.tls_key = k;
    eks::transport::HttpServer server(dispatcher, options);
    auto started = server.start();
    return started ? std::string() : started.error();
  };
  EXPECT_NE(start_with(dir.path + "/missing.pem", key).find("--tls-cert"), std::string::npos);
  EXPECT_NE(start_with(cert, dir.file("garbage.pem", "not a key")).find("--tls-key"), std::string::npos);
  // A valid key that is not the certificate's.
  const std::string other = dir.path + "/other.pem";
  ASSERT_EQ(
      std::system(
          ("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + other + " 2>/dev/null").c_str()),
      0);
  EXPECT_NE(start_with(cert, other).find("does not belong"), std::string::npos);
}

TEST_F(Http, RefusesNewRequestsWhileShuttingDown) {
  start();
  server_->shutdown();
  Raw raw(port_);
  EXPECT_FALSE(raw.connected() && raw.read_until("200", 200ms));
}

// POST /approvals/PLAN_ID (http_approvals.cpp): its own credential, never the MCP clients' token.
struct Approvals {
  std::vector<std::tuple<std::string, std::string, std::string>> calls;
  eks::transport::HttpOptions options() {
    eks::transport::HttpOptions o;
    o.approve = [this](const std::string& id, const std::string& by, const std::string& reason) {
      calls.emplace_back(id, by, reason);
      return eks::transport::HttpOptions::ApprovalAnswer{id == "p-gone" ? 404 : 200, ""};
    };
    return o;
  }
};

Response approve_with(std::uint16_t port, const std::string& token, const std::string& target, const Json& body) {
  Headers h = kJsonPost;
  if (!token.empty()) h.push_back({"Authorization", "Bearer " + token});
  return call(port, http::verb::post, target, h, body.dump());
}

TEST_F(Http, ApprovalsTakeTheApproverTokenNeverTheClients) {
  Approvals approvals;
  auto options = approvals.options();
  options.auth_tokens = {"client-token-0123456789"};
  options.approver_tokens = {"approver-token-0123456789"};
  start(options);
  const Json body{{"by", "alice"}, {"reason", "on call, checked the plan"}};
  EXPECT_EQ(approve_with(port_, "client-token-0123456789", "/approvals/p-0123456789abcdef", body).status, 403);
  EXPECT_EQ(approve_with(port_, "", "/approvals/p-0123456789abcdef", body).status, 401);
  EXPECT_EQ(approve_with(port_, "guess", "/approvals/p-0123456789abcdef", body).status, 401);
  EXPECT_TRUE(approvals.calls.empty());

  auto ok = approve_with(port_, "approver-token-0123456789", "/approvals/p-0123456789abcdef", body);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["approved_by"], "alice");
  ASSERT_EQ(approvals.calls.size(), 1u);
  EXPECT_EQ(approvals.calls[0], std::make_tuple(std::string("p-0123456789abcdef"), std::string("alice"),
                                                std::string("on call, checked the plan")));
  EXPECT_EQ(approve_with(port_, "approver-token-0123456789", "/approvals/p-gone", body).status, 404);
  // Bad requests change nothing.
  EXPECT_EQ(approve_with(port_, "approver-token-0123456789", "/approvals/p-1", Json{{"reason", "x"}}).status, 400);
  EXPECT_EQ(approve_with(port_, "approver-token-0123456789", "/approvals/..%2fmcp", body).status, 400);
  EXPECT_EQ(approve_with(port_, "approver-token-0123456789", "/approvals/p-1", Json::array()).status, 400);
  EXPECT_EQ(call(port_, http::verb::get, "/approvals/p-1").status, 405);
  EXPECT_EQ(approvals.calls.size(), 2u);
}

TEST_F(Http, TheApproverTokenMustDifferFromTheClients) {
  eks::server::Dispatcher dispatcher({.name = "t", .title = "t", .version = "1", .description = "", .instructions = ""},
                                     {});
  eks::transport::HttpOptions options = Approvals().options();
  options.listen = "127.0.0.1:0";
  options.auth_token_from_environment = false;
  options.auth_tokens = {"same-token-0123456789"};
  options.approver_tokens = {"same-token-0123456789"};
  eks::transport::HttpServer server(dispatcher, options);
  const auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("must differ"), std::string::npos) << started.error();
}

TEST_F(Http, WithoutAnApproverThereIsNoApprovalsRoute) {
  start();
  EXPECT_EQ(approve_with(port_, "", "/approvals/p-0123456789abcdef", Json{{"by", "alice"}}).status, 404);
}

TEST_F(HttpOAuth, AnAccessTokenApprovesOnlyWithTheApproveScope) {
  Approvals approvals;
  auto options = approvals.options();
  options.oauth.emplace();
  options.oauth->issuer = issuer;
  options.oauth->jwks_file = dir.file("jwks.json", Json{{"keys", {key.jwk()}}}.dump());
  start(options);
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  auto with_scope = [&](const std::string& scope) {
    return key.sign(Json{{"iss", issuer},
                         {"aud", resource()},
                         {"sub", "alice"},
                         {"scope", scope},
                         {"exp", (now + std::chrono::seconds(300)).count()}});
  };
  const Json body{{"by", "Alice Martin"}};
  EXPECT_EQ(approve_with(port_, with_scope("mcp:tools"), "/approvals/p-1", body).status, 401);
  auto ok = approve_with(port_, with_scope("mcp:tools remediation:approve"), "/approvals/p-1", body);
  EXPECT_EQ(ok.status, 200) << ok.body;
  ASSERT_EQ(approvals.calls.size(), 1u);
  EXPECT_EQ(std::get<1>(approvals.calls[0]), "alice (Alice Martin)") << "the token's subject is the approver";
}

}  // namespace
