#include "server/transport/http_server.hpp"

#include <pthread.h>

#include <csignal>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "server/transport/http_internal.hpp"

namespace eks::transport {

using server::CallContext;
using server::CallNext;
using server::Result;
using server::ToolDef;
using server::ToolOutput;

namespace {

// A server TLS context (TLS 1.2 and later) from PEM files; the error names the file at fault.
tl::expected<net::ssl::context, std::string> transport_tls_context(const std::string& cert, const std::string& key) {
  net::ssl::context context(net::ssl::context::tls_server);
  context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  context.use_certificate_chain_file(cert, ec);
  if (ec)
    return tl::unexpected("cannot use the TLS certificate " + cert + " (--tls-cert): " + ec.message() +
                          " (expected a PEM certificate chain)");
  context.use_private_key_file(key, net::ssl::context::pem, ec);
  if (ec && ec.category() == net::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    return tl::unexpected("the TLS private key " + key + " does not belong to the certificate " + cert);
  }
  if (ec)
    return tl::unexpected("cannot use the TLS private key " + key + " (--tls-key): " + ec.message() +
                          " (expected a PEM private key)");
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    return tl::unexpected("the TLS private key " + key + " does not belong to the certificate " + cert);
  }
  return context;
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
  s.approver_tokens = s.options.approver_tokens;
  if (s.options.approver_token_file) {
    auto token = transport::read_token_file(*s.options.approver_token_file);
    if (!token) return tl::unexpected(token.error());
    s.approver_tokens.push_back(std::move(*token));
  }
  for (const auto& approver : s.approver_tokens) {
    for (const auto& client : s.tokens) {
      if (transport::constant_time_equal(approver, client))
        return tl::unexpected(std::string(
            "the approver token must differ from the MCP clients' token: whoever holds the clients' token (a model "
            "included) could otherwise approve remediation plans"));
    }
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
    if (!s.options.tls_cert || !s.options.tls_key)
      return tl::unexpected(std::string("TLS needs both a certificate (--tls-cert) and its key (--tls-key)"));
    auto context = transport_tls_context(*s.options.tls_cert, *s.options.tls_key);
    if (!context) return tl::unexpected(context.error());
    s.tls.emplace(std::move(*context));
  }

  beast::error_code ec;
  const auto ip = net::ip::make_address(s.address.host, ec);
  if (ec)
    return tl::unexpected("cannot listen on " + s.options.listen + ": \"" + s.address.host + "\" is not an IP address");
  const tcp::endpoint endpoint(ip, s.address.port);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return tl::unexpected("cannot listen on " + s.options.listen + ": " + ec.message());
  s.address.port = s.acceptor->local_endpoint().port();
  const std::string host = s.address.host.find(':') != std::string::npos ? "[" + s.address.host + "]" : s.address.host;
  const std::string url =
      (s.tls ? "https://" : "http://") + host + ":" + std::to_string(s.address.port) + s.options.mcp_path;

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
  logger()->info(
      "listening on {} ({}{})", url,
      s.jwt ? "OAuth access tokens from " + s.options.oauth->issuer + (s.tokens.empty() ? "" : " or a static token")
      : s.tokens.empty() ? "unauthenticated"
                         : "bearer token",
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
  while (s.metrics->connections() > 0 && Clock::now() < flush)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
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

int serve_http(Dispatcher& dispatcher, const HttpOptions& options) {
  auto log = spdlog::default_logger();
  HttpServer server(dispatcher, options);
  if (auto started = server.start(); !started) {
    log->error("{}", started.error());
    return 2;
  }
  // Signals are blocked in every thread (block_termination_signals); this one takes them synchronously.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  while (sigwait(&set, &signal) != 0) {}
  log->info("received {}; shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  const auto left = server.shutdown();
  if (left > 0) {
    // A handler that ignores cancellation must not keep the process alive.
    log->error("{} tool calls ignored cancellation; exiting without them", left);
    spdlog::shutdown();
    std::_Exit(0);
  }
  return 0;
}

}  // namespace eks::transport
