#pragma once
// An MCP client of one upstream server running as a child process over stdio: spawns it, runs the handshake,
// multiplexes many callers by request id, forwards cancellation, and notices a crash, a hang or junk output.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/upstream/client.hpp"

namespace eks::upstream {

struct ProcessSpec {
  std::string name;  // for logs and errors
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // added to (and overriding) our environment
};

class StdioClient final : public Client {
 public:
  // Spawns the process and completes initialize / notifications/initialized within `timeout`, introducing
  // itself as `client`.
  static Expected<std::shared_ptr<StdioClient>> start(const ProcessSpec& spec, std::chrono::milliseconds timeout,
                                                      const ClientInfo& client);
  ~StdioClient();  // terminates the child (its whole process group) and reaps it
  StdioClient(const StdioClient&) = delete;
  StdioClient& operator=(const StdioClient&) = delete;

  Expected<Json> request(const std::string& method, Json params, std::chrono::milliseconds timeout,
                         const std::function<bool()>& cancelled = {}) override;
  bool alive() const override { return !dead_.load(); }
  // Why the client died (exit status and what it said, junk output), empty while alive.
  std::string death() const override;
  const Json& server_info() const override { return server_info_; }
  const std::string& protocol_version() const override { return protocol_version_; }
  std::string transport() const override { return "stdio"; }
  int pid() const override { return pid_; }

 private:
  struct Pending;
  StdioClient() = default;
  void read_stdout();
  void read_stderr();
  void handle(Json&& message);  // takes the message: its result is moved to the caller
  void fail_all(const std::string& why);
  bool write_line(const std::string& line);
  void terminate();

  std::string name_;
  int pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::thread stdout_thread_;
  std::thread stderr_thread_;
  std::mutex write_mutex_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::shared_ptr<Pending>> pending_;
  std::int64_t next_id_ = 1;
  std::atomic<bool> dead_{false};
  std::atomic<bool> stopping_{false};  // we are ending it: its end of output is expected, not news
  std::string death_;
  std::vector<std::string> stderr_head_;  // its first lines, quoted when it dies (errors come first)
  Json server_info_;
  std::string protocol_version_;
};

}  // namespace eks::upstream
