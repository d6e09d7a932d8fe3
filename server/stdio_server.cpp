#include "server/stdio_server.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include <spdlog/spdlog.h>

#include "server/session.hpp"
#include "server/transport/stdio.hpp"

namespace eks::server {

void block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client that goes away must not kill us mid-write: writes fail with EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
}

int serve_stdio(Dispatcher& dispatcher) {
  auto log = spdlog::default_logger();
  transport::StdioTransport transport(STDIN_FILENO, STDOUT_FILENO,
                                      {.max_message_bytes = dispatcher.options().max_message_bytes});
  auto session = Session::create(dispatcher, transport);

  // Signals are blocked everywhere; this thread takes them synchronously and stops the reader.
  std::thread signals([&transport, log] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int signal = 0;
    if (sigwait(&set, &signal) == 0) {
      log->info("received {}; shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      transport.stop();
    }
  });
  signals.detach();  // it may still be waiting when we exit; it owns nothing

  // The one place a broken invariant is caught: logged, answered -32603, and the server keeps serving.
  const bool eof = transport.run(
      [&](std::string&& line) {
        try {
          session->handle_line(std::move(line));
        } catch (const std::exception& e) {
          log->error("internal error handling a message: {}", e.what());
          transport.send(jsonrpc::serialize(jsonrpc::make_error(
              std::nullopt, {jsonrpc::kInternalError, std::string("Internal error: ") + e.what(), std::nullopt})));
        }
      },
      [&](std::size_t bytes) { session->handle_oversize(bytes); });
  log->info("{}; waiting for {} in-flight calls", eof ? "end of input" : "stopped", session->in_flight());
  const auto left = session->drain(dispatcher.options().shutdown_deadline, std::chrono::milliseconds(1000));
  if (left > 0) {
    // A handler that ignores cancellation must not keep the process alive.
    log->error("{} tool calls ignored cancellation; exiting without them", left);
    spdlog::shutdown();
    std::_Exit(0);
  }
  return 0;
}

}  // namespace eks::server
