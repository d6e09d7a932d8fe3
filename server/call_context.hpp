#pragma once
// What a running request can see and do: cancellation, progress, logging, who the client is, and requests
// to the client (sampling, elicitation).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "server/protocol/versions.hpp"

namespace eks::server {

// MCP logging levels (RFC 5424 severities), lowest first.
enum class LogLevel { debug, info, notice, warning, error, critical, alert, emergency };
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view to_string(LogLevel level);

class CallContext {
 public:
  virtual ~CallContext() = default;
  // True once the client cancelled the request or the server is shutting down; handlers poll it.
  virtual bool cancelled() const = 0;
  // Sends notifications/progress when the request carried a progressToken; `progress` must increase.
  virtual void progress(double progress, std::optional<double> total, std::string_view message) = 0;
  // Sends notifications/message when the client asked for this level (and logs it on the server side).
  virtual void log(LogLevel level, std::string_view message) = 0;
  virtual protocol::Era era() const = 0;
  virtual const std::string& protocol_version() const = 0;
  // The client's Implementation object ({name, version, ...}); null when it sent none.
  virtual const nlohmann::json& client_info() const = 0;
  // Sends a request to the client (sampling/createMessage, elicitation/create, roots/list) and waits for its
  // result, up to `timeout` or until this call is cancelled (the client's request is then cancelled too).
  // The error side is a sentence for the tool's caller: the client did not declare the capability at
  // initialize, answered with an error, timed out, or the protocol era has no such requests.
  virtual tl::expected<nlohmann::json, std::string> request_client(std::string_view method, nlohmann::json params,
                                                                   std::chrono::milliseconds timeout) {
    (void)params;
    (void)timeout;
    return tl::unexpected("this context cannot send " + std::string(method) + " to a client");
  }
};

}  // namespace eks::server
