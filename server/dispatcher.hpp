#pragma once
// The method router: the registries of tools, resources and prompts, the middleware chain around tool calls,
// and the answers to every MCP method that does not need a session (lists, reads, completion, discovery).
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "server/jsonrpc/message.hpp"
#include "server/protocol/json_schema.hpp"
#include "server/tool.hpp"
#include "server/worker_pool.hpp"

namespace eks::server {

struct ServerInfo {
  std::string name;
  std::string title;
  std::string version;
  std::string description;
  std::string instructions;  // sent in initialize / server/discover: how a model should use the tools
};

struct ServerOptions {
  std::size_t page_size = 50;                         // items per tools/list, prompts/list ... page
  std::size_t workers = 4;                            // threads running tool calls
  std::size_t queue_limit = 256;                      // tool calls waiting for a thread before "busy" answers
  std::size_t max_message_bytes = 8u << 20;           // a bigger message gets -32600 and is never buffered
  std::size_t max_depth = 128;                        // JSON nesting limit
  std::chrono::milliseconds shutdown_deadline{5000};  // in-flight calls get this long to finish at shutdown
  std::chrono::milliseconds list_ttl{300000};         // ttlMs on 2026-07-28 list results
};

// A fixed resource (resources/list, resources/read).
struct ResourceDef {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  std::function<Result<std::string>()> read;
  bool binary = false;  // read returns raw bytes, sent base64-encoded as "blob" instead of "text"
  // Its owner calls Dispatcher::resource_updated when the content changes, so clients may subscribe to it.
  bool subscribable = false;
};

// A parameterised resource, "prefix{name}" (RFC 6570 level 1, one variable at the end).
struct ResourceTemplateDef {
  std::string uri_template;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  std::function<Result<std::string>(std::string_view value)> read;
  std::function<std::vector<std::string>(std::string_view prefix)> complete;
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

struct PromptDef {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  // Returns the prompts/get result's messages for the given arguments.
  std::function<Result<Json>(const std::map<std::string, std::string>& arguments)> get;
  // Values for completion/complete of one argument, filtered by prefix by the dispatcher.
  std::function<std::vector<std::string>(std::string_view argument)> complete;
};

using CallNext = std::function<Result<ToolOutput>(const ToolDef&, const Json& arguments, CallContext&)>;
// Wraps every tool call after argument validation (the safety validator installs one).
using Middleware =
    std::function<Result<ToolOutput>(const ToolDef&, const Json& arguments, CallContext&, const CallNext& next)>;

// The per-request view of the protocol the dispatcher answers in.
struct RequestEra {
  protocol::Era era = protocol::Era::handshake;
  std::string version;  // negotiated (handshake) or per request (stateless)
};

class Dispatcher {
 public:
  Dispatcher(ServerInfo info, ServerOptions options);
  ~Dispatcher();

  // Registers a tool, before or while serving (sessions then get notifications/tools/list_changed).
  // Fails naming the tool when a schema is missing or invalid, or on duplicates.
  tl::expected<void, std::string> add_tool(ToolDef tool);
  // Withdraws a tool; calls already running finish. False when there is no such tool.
  bool remove_tool(std::string_view name);

  // Called with a notification (method and params) whenever a list or a subscribable resource changes:
  // list_changed, or notifications/resources/updated with the resource's uri. Returns a handle for unsubscribe.
  using ChangeListener = std::function<void(std::string_view method, const Json& params)>;
  int subscribe(ChangeListener listener);
  void unsubscribe(int handle);
  void add_resource(ResourceDef resource);
  // Tells subscribed sessions that the content of a subscribable resource changed.
  void resource_updated(std::string_view uri);
  // True when `uri` names a resource registered as subscribable.
  bool is_subscribable(std::string_view uri) const;
  void add_resource_template(ResourceTemplateDef resource_template);
  void add_prompt(PromptDef prompt);
  void use(Middleware middleware);

  const ServerInfo& info() const { return info_; }
  const ServerOptions& options() const { return options_; }
  WorkerPool& pool() { return *pool_; }

  // Capabilities we declare (same in both eras).
  Json capabilities() const;
  // One tools/list entry per tool, in registration order, shaped for `version`.
  Json tool_definitions(std::string_view version) const;

  // Answers a request that needs no session state; nullopt when the method is not one of them.
  // The error side is a JSON-RPC error.
  std::optional<tl::expected<Json, jsonrpc::Error>> answer(const std::string& method, const Json& params,
                                                           const RequestEra& era) const;

  struct RegisteredTool;
  struct PreparedCall {
    std::shared_ptr<const RegisteredTool> registered;  // keeps a withdrawn tool alive until its call ends
    const ToolDef* tool = nullptr;
    Json arguments;                      // validated, defaults applied
    std::optional<std::string> invalid;  // set when the arguments failed validation: answer isError
  };
  // Looks up a tool and validates its arguments. The error side is a JSON-RPC error (unknown tool: -32602).
  tl::expected<PreparedCall, jsonrpc::Error> prepare_call(const Json& params) const;
  // Runs a prepared call through the middleware chain and shapes the CallToolResult for `version`.
  Json run_call(const PreparedCall& call, CallContext& context, std::string_view version) const;

 private:
  void changed(std::string_view method, const Json& params = Json::object());
  tl::expected<Json, jsonrpc::Error> list_page(const Json& params, const Json& items, const char* key) const;
  std::shared_ptr<const Json> cached_tool_definitions(std::string_view version) const;
  tl::expected<Json, jsonrpc::Error> read_resource(const Json& params) const;
  tl::expected<Json, jsonrpc::Error> get_prompt(const Json& params) const;
  tl::expected<Json, jsonrpc::Error> complete(const Json& params) const;

  ServerInfo info_;
  ServerOptions options_;
  mutable std::shared_mutex tools_mutex_;  // tools may come and go while serving
  std::vector<std::shared_ptr<const RegisteredTool>> tools_;
  // tools/list entries per protocol version, built once (schemas are deep JSON): cleared when a tool changes.
  mutable std::mutex definitions_mutex_;
  mutable std::map<std::string, std::shared_ptr<const Json>, std::less<>> definitions_;
  std::mutex listeners_mutex_;
  std::map<int, ChangeListener> listeners_;
  int next_listener_ = 0;
  std::vector<ResourceDef> resources_;
  std::vector<ResourceTemplateDef> templates_;
  std::vector<PromptDef> prompts_;
  std::vector<Middleware> middleware_;
  std::unique_ptr<WorkerPool> pool_;
};

struct Dispatcher::RegisteredTool {
  ToolDef def;
  protocol::JsonSchema input;
  std::optional<protocol::JsonSchema> output;
  Json input_json;
  Json output_json;
};

}  // namespace eks::server
