#include "server/http_server.hpp"

#include <pthread.h>

#include <csignal>

#include <spdlog/spdlog.h>

#include "server/transport/http_server.hpp"

namespace eks::server {

int serve_http(Dispatcher& dispatcher, const transport::HttpOptions& options) {
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
  while (sigwait(&set, &signal) != 0) {
  }
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

}  // namespace eks::server
