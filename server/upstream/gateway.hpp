#pragma once
// The gateway: the one path from our code (tools, subagents, the CLI) to upstream MCP servers, over stdio or
// Streamable HTTP. Every call
// passes the check that app/ installs (the safety validator) before it reaches an upstream; with no check
// installed, every call is refused. Upstreams are started on first use and restarted with exponential backoff
// after a crash, a hang or junk output.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/upstream/client.hpp"
#include "server/upstream/stdio_client.hpp"

namespace eks::upstream {

struct UpstreamConfig {
  std::string name;                            // the mcpServers key
  std::string role;                            // kubernetes | github | the name
  ProcessSpec process;                         // a child process over stdio, or ...
  std::string url;                             // ... a Streamable HTTP endpoint when set
  std::map<std::string, std::string> headers;  // sent with every HTTP request
  std::chrono::milliseconds connect_timeout{20000};
  std::chrono::milliseconds call_timeout{60000};
  ClientInfo client;  // how we introduce ourselves (app/ passes the application's name and version)
};

// Who is asking: the host's client (and session), a subagent, or the command line.
struct Actor {
  std::string kind;  // host | subagent | cli
  std::string name;
};

struct UpstreamCall {
  const std::string& upstream;
  const std::string& role;
  const std::string& tool;
  const Json& arguments;
  const Actor& actor;
};

// Called once an allowed call has finished: ok, a short detail (the error, if any) and how long it took.
using CallDone = std::function<void(bool ok, const std::string& detail, std::chrono::milliseconds duration)>;
// An allowed call: what to send — the tool and arguments the check decided on, which replace the caller's (an
// empty tool sends the call as asked) — and what to call when it is done (possibly empty).
struct Approved {
  Approved(CallDone when_done = {}) : done(std::move(when_done)) {}  // NOLINT: a bare CallDone approves as asked
  CallDone done;
  std::string tool;
  Json arguments;
  // The decision's id in the audit log: the result carries it in _meta["eks-sre-mcp/audit_id"], so a caller can
  // name the audit line of what it did.
  std::string audit_id;
};
// Allows a call or refuses it with a reason written for a model.
using CallCheck = std::function<tl::expected<Approved, std::string>(const UpstreamCall&)>;
// Rewrites every result on its way back to the caller (app/ installs the redactor: secrets in an upstream's
// answer never reach a tool, a subagent's model, the CLI or a log).
using ResultFilter = std::function<void(Json& result)>;

class Upstream {
 public:
  explicit Upstream(UpstreamConfig config);
  ~Upstream();
  const UpstreamConfig& config() const { return config_; }
  // tools/call on this upstream (its CallToolResult), starting or restarting the process as needed.
  Expected<Json> call_tool(const std::string& tool, const Json& arguments, const std::function<bool()>& cancelled);
  // The upstream's tools (cached; refreshed after notifications/tools/list_changed).
  Expected<Json> tools();
  // {name, role, transport, state, detail?, pid?, server?} for server_status.
  Json state() const;
  void stop();

 private:
  Expected<std::shared_ptr<Client>> connected();
  void failed(const std::string& why);

  UpstreamConfig config_;
  mutable std::mutex mutex_;
  std::shared_ptr<Client> client_;
  std::string state_ = "configured";
  std::string detail_;
  int failures_ = 0;
  std::chrono::steady_clock::time_point retry_at_{};
  Json tools_;
};

class Gateway {
 public:
  explicit Gateway(std::vector<UpstreamConfig> upstreams);
  // Installs the check every call passes; app/ installs the safety validator here.
  void install_check(CallCheck check);
  // Installs the filter every successful result passes before it is returned.
  void install_result_filter(ResultFilter filter);
  // Calls `tool` on the upstream with `role`, after the check. Refusals are Kind::denied.
  Expected<Json> call(const std::string& role, const std::string& tool, const Json& arguments, const Actor& actor,
                      const std::function<bool()>& cancelled = {});
  Expected<Json> tools(const std::string& role);
  Json states() const;
  std::vector<std::string> roles() const;
  void stop();

 private:
  Upstream* find(const std::string& role) const;
  std::vector<std::unique_ptr<Upstream>> upstreams_;
  mutable std::mutex check_mutex_;
  CallCheck check_;
  ResultFilter filter_;
};

}  // namespace eks::upstream
