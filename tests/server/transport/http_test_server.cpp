// A test-only MCP server over HTTP with the fixture tools, resources and prompts of http_fixtures.hpp, for the
// real-client tests (TypeScript SDK) and the MCP conformance suite. Prints "LISTENING <url>" on stdout once
// bound; stops on SIGTERM like the shipped server. Never installed.
//   http-test-server [--listen 127.0.0.1:0] [--token T] [--hold-ms N] [--deadline-ms N]
//                    [--oauth-issuer URL --oauth-jwks-file F [--oauth-resource URL]] [--tls-cert F --tls-key F]
#include <cstdio>
#include <cstring>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "server/transport/http_server.hpp"
#include "server/stdio_server.hpp"
#include "tests/server/transport/http_fixtures.hpp"

int main(int argc, char** argv) {
  eks::server::block_termination_signals();
  spdlog::set_default_logger(spdlog::stderr_color_mt("http-test-server"));
  spdlog::set_level(std::getenv("EKS_TEST_DEBUG") ? spdlog::level::debug : spdlog::level::warn);

  eks::transport::HttpOptions options;
  options.listen = "127.0.0.1:0";
  options.auth_token_from_environment = false;
  eks::server::ServerOptions server_options;
  server_options.shutdown_deadline = std::chrono::milliseconds(2000);
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--listen") {
      options.listen = value;
    } else if (flag == "--token") {
      options.auth_tokens.push_back(value);
    } else if (flag == "--hold-ms") {
      options.sse_hold_limit = std::chrono::milliseconds(std::stol(value));
    } else if (flag.rfind("--oauth-", 0) == 0) {
      if (!options.oauth) options.oauth.emplace();
      if (flag == "--oauth-issuer") options.oauth->issuer = value;
      if (flag == "--oauth-jwks-file") options.oauth->jwks_file = value;
      if (flag == "--oauth-resource") options.oauth->resource = value;
    } else if (flag == "--tls-cert") {
      options.tls_cert = value;
    } else if (flag == "--tls-key") {
      options.tls_key = value;
    } else if (flag == "--deadline-ms") {
      server_options.shutdown_deadline = std::chrono::milliseconds(std::stol(value));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  options.sse_retry = std::chrono::milliseconds(200);
  options.on_listening = [](const std::string& url) {
    std::printf("LISTENING %s\n", url.c_str());
    std::fflush(stdout);
  };
  eks::server::Dispatcher dispatcher({.name = "eks-sre-mcp-http-test",
                                      .title = "eks-sre-mcp HTTP test server",
                                      .version = "0.0.0-test",
                                      .description = "Fixture tools for transport tests",
                                      .instructions = ""},
                                     server_options);
  if (auto failure = eks::testing::add_http_fixtures(dispatcher); !failure.empty()) {
    std::fprintf(stderr, "fixtures: %s\n", failure.c_str());
    return 1;
  }
  return eks::transport::serve_http(dispatcher, options);
}
