// The HTTP request path: bytes from a TCP client through Beast's parser (with our header and body limits), the
// Host / Origin / Authorization checks, routing (/mcp, /sse, /messages, /healthz, /readyz, /metrics,
// /.well-known) and the Streamable HTTP exchange, on a real HttpServer bound to 127.0.0.1:0 in this process. The
// first byte picks the server: one open to loopback clients, one asking for a bearer token ("fuzz-token").
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <memory>
#include <string>

#include "server/dispatcher.hpp"
#include "server/transport/http_server.hpp"
#include "tests/fuzz/fuzz.hpp"
#include "tests/fuzz/quiet_logs.hpp"

namespace {

using eks::Json;

struct Served {
  std::unique_ptr<eks::server::Dispatcher> dispatcher;
  std::unique_ptr<eks::transport::HttpServer> server;
};

Served serve(bool with_token) {
  eks::server::ServerOptions options;
  options.workers = 1;
  Served s;
  s.dispatcher =
      std::make_unique<eks::server::Dispatcher>(eks::server::ServerInfo{"fuzz", "Fuzz", "1", "d", "i"}, options);
  (void)s.dispatcher->add_tool(eks::server::ToolDef{
      .name = "echo",
      .title = "Echo",
      .description = "Echoes its text.",
      .input_schema = R"({"type":"object","properties":{"text":{"type":"string"}}})",
      .output_schema = "",
      .annotations = {.read_only = true},
      .safety = eks::server::SafetyClass::read_only,
      .handler = [](const Json& args, eks::server::CallContext&) -> eks::server::Result<eks::server::ToolOutput> {
        return eks::server::ToolOutput{Json::object(), args.value("text", std::string())};
      },
  });
  eks::transport::HttpOptions http;
  http.listen = "127.0.0.1:0";
  http.io_threads = 1;
  http.auth_token_from_environment = false;
  if (with_token) http.auth_tokens = {"fuzz-token"};
  http.allowed_origins = {"https://claude.ai"};
  http.max_header_bytes = 4096;
  http.max_body_bytes = 16384;
  http.request_timeout = std::chrono::milliseconds(1000);
  http.idle_timeout = std::chrono::milliseconds(1000);
  http.session_idle_timeout = std::chrono::milliseconds(2000);
  http.keepalive_interval = std::chrono::milliseconds(60000);
  http.approve = [](const std::string& plan, const std::string&, const std::string&) {
    return eks::transport::HttpOptions::ApprovalAnswer{plan == "p1" ? 200 : 404, "ok"};
  };
  http.approver_tokens = {"approver-token"};
  s.server = std::make_unique<eks::transport::HttpServer>(*s.dispatcher, http);
  if (auto started = s.server->start(); !started) eks::fuzz::fail("the HTTP server starts", started.error());
  return s;
}

std::uint16_t port(bool with_token) {
  // Never destroyed: the server's threads run until the process exits.
  static Served* open = new Served(serve(false));
  static Served* token = new Served(serve(true));
  return (with_token ? token : open)->server->port();
}

// Sends the request bytes, half-closes, and reads the answer until the server closes or goes quiet (an SSE
// stream stays open).
void exchange(std::uint16_t to, std::string_view bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(to);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return;
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buffer[16384];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) break;
    if (::recv(fd, buffer, sizeof buffer, 0) <= 0) break;
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  eks::fuzz::quiet_logs();
  if (size < 1) return 0;
  exchange(port(data[0] & 1), eks::fuzz::as_text(data + 1, size - 1));
  return 0;
}
