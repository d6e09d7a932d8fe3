#include "server/upstream/gateway.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "server/logging.hpp"

#include "server/upstream/http_client.hpp"
#include "server/upstream/replies.hpp"
#include "server/jsonrpc/fields.hpp"

namespace eks::upstream {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = server::component_logger("upstream");
  return log;
}

// 0.5 s, 1 s, 2 s ... up to 30 s between restart attempts.
std::chrono::milliseconds backoff(int failures) {
  const double ms = 500.0 * std::pow(2.0, std::min(failures - 1, 6));
  return std::chrono::milliseconds(static_cast<long>(std::min(ms, 30000.0)));
}

}  // namespace

Upstream::Upstream(UpstreamConfig config) : config_(std::move(config)) {}
Upstream::~Upstream() { stop(); }

void Upstream::stop() {
  std::shared_ptr<Client> client;
  {
    std::lock_guard lock(mutex_);
    client.swap(client_);
    state_ = "stopped";
  }
  client.reset();  // terminates and reaps outside the lock
}

void Upstream::failed(const std::string& why) {
  ++failures_;
  state_ = "failed";
  detail_ = why;
  retry_at_ = std::chrono::steady_clock::now() + backoff(failures_);
}

Expected<std::shared_ptr<Client>> Upstream::connected() {
  std::lock_guard lock(mutex_);
  if (client_ && client_->alive()) return client_;
  if (client_) {
    // It ran and then died: the first restart is immediate; failures after that back off.
    failed(client_->death());
    if (failures_ == 1) retry_at_ = std::chrono::steady_clock::now();
    client_.reset();
  }
  const auto now = std::chrono::steady_clock::now();
  if (failures_ > 0 && now < retry_at_) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now).count();
    return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable,
                                        "upstream " + config_.name + " is unavailable (" + detail_ +
                                            "); the next restart attempt is in " + std::to_string(wait) + " ms"});
  }
  state_ = "connecting";
  Expected<std::shared_ptr<Client>> started = [&]() -> Expected<std::shared_ptr<Client>> {
    if (!config_.url.empty()) {
      auto http =
          HttpClient::start({config_.name, config_.url, config_.headers}, config_.connect_timeout, config_.client);
      if (!http) return tl::unexpected(http.error());
      return std::shared_ptr<Client>(std::move(*http));
    }
    auto stdio = StdioClient::start(config_.process, config_.connect_timeout, config_.client);
    if (!stdio) return tl::unexpected(stdio.error());
    return std::shared_ptr<Client>(std::move(*stdio));
  }();
  if (!started) {
    failed(started.error().message);
    logger()->warn("{}", started.error().message);
    return tl::unexpected(started.error());
  }
  failures_ = 0;
  state_ = "connected";
  detail_.clear();
  tools_ = nullptr;
  client_ = std::move(*started);
  return client_;
}

Expected<Json> Upstream::call_tool(const std::string& tool, const Json& arguments,
                                   const std::function<bool()>& cancelled) {
  auto client = connected();
  if (!client) return tl::unexpected(client.error());
  auto result =
      (*client)->request("tools/call", Json{{"name", tool}, {"arguments", arguments}}, config_.call_timeout, cancelled);
  if (!result && result.error().kind == UpstreamError::Kind::timeout) {
    // A slow call, or a hung server? A hung one cannot answer ping either: then restart it.
    if (!(*client)->request("ping", Json::object(), 2000ms)) {
      logger()->error("upstream {} is not answering; restarting it", config_.name);
      std::lock_guard lock(mutex_);
      if (client_ == *client) {
        failed("it stopped answering");
        client_.reset();
      }
    }
  }
  return result;
}

Expected<Json> Upstream::tools() {
  auto client = connected();
  if (!client) return tl::unexpected(client.error());
  {
    std::lock_guard lock(mutex_);
    if (!tools_.is_null() && !(*client)->tools_changed.exchange(false)) return tools_;
  }
  Json all = Json::array();
  Json cursor;
  for (int page = 0; page < 100; ++page) {  // bounded: a server that pages forever is cut off
    Json params = Json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    auto listed = (*client)->request("tools/list", params, config_.call_timeout);
    if (!listed) return tl::unexpected(listed.error());
    for (auto& t : (*listed)["tools"]) all.push_back(std::move(t));
    if (!listed->contains("nextCursor") || !(*listed)["nextCursor"].is_string()) break;
    cursor = (*listed)["nextCursor"];
  }
  std::lock_guard lock(mutex_);
  tools_ = all;
  return all;
}

Json Upstream::state() const {
  std::lock_guard lock(mutex_);
  Json s{{"name", config_.name},
         {"role", config_.role},
         {"transport", config_.url.empty() ? "stdio" : "http"},
         {"state", state_}};
  if (!detail_.empty()) s["detail"] = detail_;
  if (client_ && client_->alive()) {
    if (client_->pid() > 0) s["pid"] = client_->pid();
    s["server"] = client_->server_info();
  }
  return s;
}

Gateway::Gateway(std::vector<UpstreamConfig> upstreams) {
  for (auto& u : upstreams) upstreams_.push_back(std::make_unique<Upstream>(std::move(u)));
}

void Gateway::install_result_filter(ResultFilter filter) {
  std::lock_guard lock(check_mutex_);
  filter_ = std::move(filter);
}

void Gateway::install_check(CallCheck check) {
  std::lock_guard lock(check_mutex_);
  check_ = std::move(check);
}

Upstream* Gateway::find(const std::string& role) const {
  for (const auto& u : upstreams_) {
    if (u->config().role == role || u->config().name == role) return u.get();
  }
  return nullptr;
}

Expected<Json> Gateway::call(const std::string& role, const std::string& tool, const Json& arguments,
                             const Actor& actor, const std::function<bool()>& cancelled) {
  Upstream* upstream = find(role);
  if (!upstream) {
    return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable,
                                        "no upstream MCP server with role \"" + role +
                                            "\" is configured; add it under mcpServers in the configuration"});
  }
  CallCheck check;
  ResultFilter filter;
  {
    std::lock_guard lock(check_mutex_);
    check = check_;
    filter = filter_;
  }
  // Fail closed: without a validator nothing reaches an upstream.
  if (!check) {
    return tl::unexpected(
        UpstreamError{UpstreamError::Kind::denied, "no safety validator is installed; refusing " + tool});
  }
  const UpstreamCall call{upstream->config().name, upstream->config().role, tool, arguments, actor};
  auto allowed = check(call);
  if (!allowed) return tl::unexpected(UpstreamError{UpstreamError::Kind::denied, allowed.error()});
  const auto started = std::chrono::steady_clock::now();
  // What was decided on is what is sent.
  auto result = allowed->tool.empty() ? upstream->call_tool(tool, arguments, cancelled)
                                      : upstream->call_tool(allowed->tool, allowed->arguments, cancelled);
  if (result && filter) filter(*result);
  if (result && result->is_object() && !allowed->audit_id.empty()) {
    auto& meta = (*result)["_meta"];
    if (meta.is_null()) meta = Json::object();
    if (meta.is_object()) meta["eks-sre-mcp/audit_id"] = allowed->audit_id;
  }
  if (allowed->done) {
    const auto [ok, detail] = call_outcome(result);
    allowed->done(ok, detail,
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started));
  }
  return result;
}

std::pair<bool, std::string> call_outcome(const Expected<Json>& result) {
  // Read with the non-throwing field readers: the result is the upstream's JSON, any shape.
  const bool ok = result && !jsonrpc::bool_field(*result, "isError", false);
  std::string detail;
  if (!result) {
    detail = result.error().message;
  } else if (!ok && result->is_object() && result->contains("content") && (*result)["content"].is_array() &&
             !(*result)["content"].empty()) {
    detail = jsonrpc::string_field((*result)["content"][0], "text");
  }
  return {ok, detail.substr(0, 500)};
}

Expected<Json> Gateway::tools(const std::string& role) {
  Upstream* upstream = find(role);
  if (!upstream) {
    return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable, "no upstream with role \"" + role + "\""});
  }
  return upstream->tools();
}

Json Gateway::states() const {
  Json all = Json::array();
  for (const auto& u : upstreams_) all.push_back(u->state());
  return all;
}

std::vector<std::string> Gateway::roles() const {
  std::vector<std::string> out;
  for (const auto& u : upstreams_) out.push_back(u->config().role);
  return out;
}

void Gateway::stop() {
  for (auto& u : upstreams_) u->stop();
}

}  // namespace eks::upstream
