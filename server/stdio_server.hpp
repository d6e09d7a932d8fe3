#pragma once
// Serves one Dispatcher over stdin/stdout until end of input, SIGTERM or SIGINT, then shuts down cleanly:
// in-flight calls get the dispatcher's shutdown deadline to finish, then are cancelled.
#include "server/dispatcher.hpp"

namespace eks::server {

// Blocks SIGTERM/SIGINT in the calling thread and every thread it starts; call before any thread exists.
void block_termination_signals();

// Returns the process exit code: 0 after a clean shutdown.
int serve_stdio(Dispatcher& dispatcher);

}  // namespace eks::server
