#pragma once
// An MCP client of one upstream server, whatever carries it (a child process over stdio, or Streamable HTTP).
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::upstream {

using Json = nlohmann::json;

// Why a request to an upstream failed, in a sentence a model can act on.
struct UpstreamError {
  enum class Kind { unavailable, timeout, cancelled, protocol, remote, denied } kind;
  std::string message;
};

template <class T>
using Expected = tl::expected<T, UpstreamError>;

class Client {
 public:
  virtual ~Client() = default;
  // Sends a request and waits for its result until `timeout`, or until `cancelled()` turns true (polled);
  // both tell the upstream with notifications/cancelled. A JSON-RPC error from the upstream is Kind::remote.
  virtual Expected<Json> request(const std::string& method, Json params, std::chrono::milliseconds timeout,
                                 const std::function<bool()>& cancelled = {}) = 0;
  // False once the connection is beyond use (process ended, session gone); death() says why.
  virtual bool alive() const = 0;
  virtual std::string death() const = 0;
  virtual const Json& server_info() const = 0;
  virtual const std::string& protocol_version() const = 0;
  virtual std::string transport() const = 0;  // "stdio" | "http"
  virtual int pid() const { return -1; }
  // Set when the upstream announces notifications/tools/list_changed.
  std::atomic<bool> tools_changed{false};
};

// Who we are to an upstream server: the initialize request's clientInfo. The application names itself.
struct ClientInfo {
  std::string name;
  std::string version;
};

// The initialize request we send every upstream.
Json initialize_params(const ClientInfo& client);

}  // namespace eks::upstream
