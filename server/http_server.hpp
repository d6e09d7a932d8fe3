#pragma once
// Serves one Dispatcher over HTTP until SIGTERM or SIGINT, then shuts down gracefully: stop accepting, let
// in-flight calls finish up to the dispatcher's shutdown deadline, close the streams.
#include "server/dispatcher.hpp"
#include "server/transport/http_options.hpp"

namespace eks::server {

// Returns the process exit code: 0 after a clean shutdown, 2 when the server cannot start (the reason is
// logged: a bad --listen, a missing token for a non-loopback address, a port in use). Call
// block_termination_signals() (stdio_server.hpp) before any thread exists, as for serve_stdio.
int serve_http(Dispatcher& dispatcher, const transport::HttpOptions& options);

}  // namespace eks::server
