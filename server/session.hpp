#pragma once
// One client connection: the lifecycle of the handshake era, per-request eras of the stateless core, batches,
// in-flight tool calls on the worker pool, cancellation, progress and logging notifications, resource
// subscriptions, and the requests tool calls send to the client (sampling, elicitation).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "server/call_context.hpp"
#include "server/dispatcher.hpp"
#include "server/jsonrpc/message.hpp"
#include "server/transport/connection.hpp"

namespace eks::server {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The dispatcher and connection must outlive the session and every call it started.
  static std::shared_ptr<Session> create(Dispatcher& dispatcher, transport::Connection& connection);
  // The same, with a connection the session keeps alive for as long as it (or a call it started) lives.
  static std::shared_ptr<Session> create(Dispatcher& dispatcher, std::shared_ptr<transport::Connection> connection);

  // Where the answers to one message go instead of the session's connection: an HTTP POST answered on its
  // own response (JSON or an SSE stream scoped to it).
  struct Route {
    // Notifications about the message's requests while they run (progress, log messages).
    std::function<void(const Json& notification)> notify;
    // False when the peer takes only the answer (a JSON-only POST): no request to the client can reach it.
    bool carries_requests = true;
    // The message's answer (a response, an error, or a batch of them), or nullopt when it gets none: only
    // notifications and responses, or a cancelled request. Called exactly once, possibly before
    // handle_routed returns, possibly from a worker thread.
    std::function<void(std::optional<Json> answer)> done;
  };

  // Handles one incoming line (a message or a batch). Called from the reader; never blocks on a tool call.
  void handle_line(std::string&& line);
  // Handles one message (or batch) whose answers and request notifications go to `route`.
  void handle_routed(std::string_view text, std::shared_ptr<Route> route);
  // Answers a message that exceeded the size limit (it was discarded unread).
  void handle_oversize(std::size_t bytes);
  // Shutdown: waits for in-flight calls up to `deadline`, then cancels the rest and waits up to `grace`.
  // Returns the number of calls still running afterwards (0 when everything finished).
  std::size_t drain(std::chrono::milliseconds deadline, std::chrono::milliseconds grace);
  // Sends a notification to the client (list_changed and the like); dropped before initialization.
  void notify(std::string_view method, Json params);
  // Cancels every running call without waiting (an HTTP session ended by DELETE or a closed stream).
  void cancel_all();
  // The negotiated handshake version; empty before initialize (and for stateless traffic).
  std::string negotiated_version() const;

  std::size_t in_flight() const;
  ~Session();

 private:
  struct InFlight;
  struct Outgoing;
  class Context;
  struct Batch;
  // Delivers a request's one answer; nullopt when it gets none (a cancelled call).
  using Reply = std::function<void(std::optional<Json> response)>;

  // The era, version and client details a request is answered with.
  struct RequestScope {
    protocol::Era era = protocol::Era::handshake;
    std::string version;
    Json client_info;
    Json client_capabilities;           // declared at initialize, or the request's _meta (stateless)
    std::optional<LogLevel> log_level;  // stateless: the request's io.modelcontextprotocol/logLevel
    Json progress_token;                // null when the request asked for no progress
    std::shared_ptr<Route> route;       // set when the request's notifications go somewhere else
  };

  Session(Dispatcher& dispatcher, transport::Connection& connection);
  void handle_text(std::string_view text, const std::shared_ptr<Route>& route);
  // Returns true when the message gets (or will get) an answer through `reply`.
  bool handle_value(const Json& value, const Reply& reply, bool in_batch, const std::shared_ptr<Route>& route);
  void handle_request(jsonrpc::Request&& request, const Reply& reply, bool in_batch,
                      const std::shared_ptr<Route>& route);
  void handle_notification(const jsonrpc::Notification& notification);
  // Hands a client's response to the request of ours it answers.
  void handle_response(const jsonrpc::Id& id, tl::expected<Json, jsonrpc::Error> outcome);
  tl::expected<Json, jsonrpc::Error> subscription(const std::string& method, const Json& params);
  tl::expected<Json, std::string> request_client(const RequestScope& scope, const std::function<bool()>& cancelled,
                                                 std::string_view method, Json params,
                                                 std::chrono::milliseconds timeout);
  tl::expected<RequestScope, jsonrpc::Error> scope_of(const jsonrpc::Request& request, bool in_batch);
  tl::expected<Json, jsonrpc::Error> initialize(const Json& params);
  void start_call(jsonrpc::Request&& request, RequestScope scope, const Reply& reply);
  Json finish(const std::string& method, Json result, const RequestScope& scope) const;
  void send(const Json& message);
  // Sends a notification about a request: on its route when it has one, else on the connection.
  void send_about(const RequestScope& scope, const Json& notification);
  void log_to_client(LogLevel level, std::string_view message, const RequestScope& scope);

  Dispatcher& dispatcher_;
  std::shared_ptr<transport::Connection> owned_connection_;  // set by the owning create()
  transport::Connection& connection_;

  mutable std::mutex mutex_;
  std::condition_variable calls_done_;
  bool initialized_ = false;  // initialize answered: the handshake era is on for this connection
  std::string version_;       // negotiated handshake version
  Json client_info_;
  Json client_capabilities_;
  std::set<std::string, std::less<>> subscriptions_;           // resources/subscribe URIs
  std::map<std::string, std::shared_ptr<Outgoing>> outgoing_;  // our requests to the client, by id key
  std::int64_t next_outgoing_ = 0;
  LogLevel log_level_ = LogLevel::warning;  // logging/setLevel
  std::map<std::string, std::shared_ptr<InFlight>> in_flight_;
  std::atomic<bool> shutting_down_{false};
  int subscription_ = 0;  // the dispatcher's list_changed listener
};

}  // namespace eks::server
