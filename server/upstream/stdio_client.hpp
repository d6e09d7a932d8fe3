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

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::upstream {

using Json = nlohmann::json;

struct ProcessSpec {
  std::string name;  // for logs and errors
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // added to (and overriding) our environment
};

// Why a request to an upstream failed, in a sentence a model can act on.
struct UpstreamError {
  enum class Kind { unavailable, timeout, cancelled, protocol, remote, denied } kind;
  std::string message;
};

template <class T>
using Expected = tl::expected<T, UpstreamError>;

class StdioClient : public std::enable_shared_from_this<StdioClient> {
 public:
  // Spawns the process and completes initialize / notifications/initialized within `timeout`.
  static Expected<std::shared_ptr<StdioClient>> start(const ProcessSpec& spec, std::chrono::milliseconds timeout);
  ~StdioClient();  // terminates the child (its whole process group) and reaps it
  StdioClient(const StdioClient&) = delete;
  StdioClient& operator=(const StdioClient&) = delete;

  // Sends a request and waits for its result until `timeout`, or until `cancelled()` turns true (polled);
  // both send notifications/cancelled upstream. A JSON-RPC error from the upstream is Kind::remote.
  Expected<Json> request(const std::string& method, Json params, std::chrono::milliseconds timeout,
                         const std::function<bool()>& cancelled = {});

  bool alive() const { return !dead_.load(); }
  // Why the client died (exit status, junk output), empty while alive.
  std::string death() const;
  const Json& server_info() const { return server_info_; }
  const std::string& protocol_version() const { return protocol_version_; }
  int pid() const { return pid_; }
  // Set to true when the upstream sends notifications/tools/list_changed.
  std::atomic<bool> tools_changed{false};

 private:
  struct Pending;
  StdioClient() = default;
  void read_stdout();
  void read_stderr();
  void handle(const Json& message);
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
  std::string death_;
  std::vector<std::string> stderr_head_;  // its first lines, quoted when it dies (errors come first)
  Json server_info_;
  std::string protocol_version_;
};

}  // namespace eks::upstream
