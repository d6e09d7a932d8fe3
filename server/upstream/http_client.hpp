#pragma once
// An MCP client of an upstream server over Streamable HTTP (libcurl): POST each message to the endpoint,
// accept application/json or text/event-stream answers, carry Mcp-Session-Id and MCP-Protocol-Version.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "server/upstream/client.hpp"

namespace eks::upstream {

struct HttpSpec {
  std::string name;
  std::string url;                             // the MCP endpoint, e.g. http://127.0.0.1:8080/mcp
  std::map<std::string, std::string> headers;  // e.g. Authorization
};

class HttpClient final : public Client {
 public:
  // Initializes a session within `timeout`, introducing itself as `client`.
  static Expected<std::unique_ptr<HttpClient>> start(const HttpSpec& spec, std::chrono::milliseconds timeout,
                                                     const ClientInfo& client);
  ~HttpClient() override;  // ends the session (DELETE), best effort

  Expected<Json> request(const std::string& method, Json params, std::chrono::milliseconds timeout,
                         const std::function<bool()>& cancelled = {}) override;
  bool alive() const override;
  std::string death() const override;
  const Json& server_info() const override { return server_info_; }
  const std::string& protocol_version() const override { return protocol_version_; }
  std::string transport() const override { return "http"; }

 private:
  struct Reply {
    long status = 0;
    std::string content_type;
    std::string session_id;
    std::string body;
  };
  HttpClient() = default;
  // One POST; the error side is a transport failure (connection refused, timeout, cancelled).
  Expected<Reply> post(const Json& message, std::chrono::milliseconds timeout, const std::function<bool()>& cancelled);
  void notify(const std::string& method, Json params);

  HttpSpec spec_;
  mutable std::mutex mutex_;
  std::string session_id_;
  std::string death_;
  std::int64_t next_id_ = 1;
  Json server_info_;
  std::string protocol_version_;
};

}  // namespace eks::upstream
