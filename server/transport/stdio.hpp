#pragma once
// MCP's stdio transport: newline-delimited JSON-RPC on stdin/stdout. "The server MUST NOT write anything to
// its stdout that is not a valid MCP message" — only send() writes there; logs go to stderr or a file.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

#include "server/transport/connection.hpp"

namespace eks::transport {

class StdioTransport final : public Connection {
 public:
  struct Options {
    std::size_t max_message_bytes = 8 * 1024 * 1024;
    std::chrono::microseconds spin{50};  // how long to look for the next message before sleeping
  };
  // Called with each complete line (without the newline).
  using LineHandler = std::function<void(std::string&& line)>;
  // Called once per line that exceeded max_message_bytes; the line itself is discarded, never buffered.
  using OversizeHandler = std::function<void(std::size_t bytes_seen)>;

  StdioTransport(int in_fd, int out_fd, Options options);
  ~StdioTransport() override;
  StdioTransport(const StdioTransport&) = delete;
  StdioTransport& operator=(const StdioTransport&) = delete;

  // Reads until end of input or stop(). Returns true on EOF, false when stopped or on a read error.
  bool run(const LineHandler& on_line, const OversizeHandler& on_oversize);
  // Wakes run() and makes it return; safe from any thread (not from a signal handler).
  void stop();

  bool send(std::string_view message) override;

 private:
  int in_fd_;
  int out_fd_;
  Options options_;
  int wake_pipe_[2] = {-1, -1};
  std::mutex write_mutex_;
  std::atomic<bool> peer_gone_{false};
};

}  // namespace eks::transport
