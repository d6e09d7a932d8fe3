#include "server/upstream/http_client.hpp"
#include "server/upstream/replies.hpp"

#include "server/upstream/curl.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "server/logging.hpp"

#include "server/jsonrpc/fields.hpp"
#include "server/jsonrpc/message.hpp"
#include "server/text.hpp"

namespace eks::upstream {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = server::component_logger("upstream");
  return log;
}

// The JSON-RPC messages of a text/event-stream body: each event's data lines, joined.
std::vector<Json> sse_messages(const std::string& body) {
  std::vector<Json> out;
  std::string data;
  std::size_t start = 0;
  auto flush = [&] {
    if (data.empty()) return;
    Json m = Json::parse(data, nullptr, false);
    if (!m.is_discarded()) out.push_back(std::move(m));
    data.clear();
  };
  while (start <= body.size()) {
    auto end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      flush();
    } else if (line.rfind("data:", 0) == 0) {
      if (!data.empty()) data += '\n';
      data += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
    }
    start = end + 1;
  }
  flush();
  return out;
}

}  // namespace

Expected<std::unique_ptr<HttpClient>> HttpClient::start(const HttpSpec& spec, std::chrono::milliseconds timeout,
                                                        const ClientInfo& client_info) {
  if (!curl()) {
    return tl::unexpected(
        UpstreamError{UpstreamError::Kind::unavailable, "upstream " + spec.name + ": " + curl().error()});
  }
  auto client = std::unique_ptr<HttpClient>(new HttpClient());
  client->spec_ = spec;
  auto initialized = client->request("initialize", initialize_params(client_info), timeout);
  if (!initialized) {
    return tl::unexpected(UpstreamError{
        UpstreamError::Kind::unavailable,
        "upstream " + spec.name + " (" + spec.url + "): initialize failed: " + initialized.error().message});
  }
  client->protocol_version_ = jsonrpc::string_field(*initialized, "protocolVersion");
  client->server_info_ = initialized->value("serverInfo", Json::object());
  client->notify("notifications/initialized", nullptr);
  logger()->info("upstream {} connected over HTTP: {} {} (protocol {}, session {})", spec.name,
                 jsonrpc::string_field(client->server_info_, "name"),
                 jsonrpc::string_field(client->server_info_, "version"), client->protocol_version_,
                 client->session_id_.empty() ? "none" : "set");
  return client;
}

HttpClient::~HttpClient() {
  std::string session;
  {
    std::lock_guard lock(mutex_);
    session = session_id_;
  }
  if (session.empty()) return;
  // "Clients that no longer need a particular session SHOULD send an HTTP DELETE".
  const Curl& c = *::eks::upstream::curl();
  CURL* curl = c.easy_init();
  if (!curl) return;
  curl_slist* headers = c.slist_append(nullptr, ("Mcp-Session-Id: " + session).c_str());
  for (const auto& [k, v] : spec_.headers) headers = c.slist_append(headers, (k + ": " + v).c_str());
  c.easy_setopt(curl, CURLOPT_URL, spec_.url.c_str());
  c.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
  c.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  c.easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
  c.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  c.easy_perform(curl);
  c.slist_free_all(headers);
  c.easy_cleanup(curl);
}

bool HttpClient::alive() const {
  std::lock_guard lock(mutex_);
  return death_.empty();
}

std::string HttpClient::death() const {
  std::lock_guard lock(mutex_);
  return death_;
}

Expected<HttpClient::Reply> HttpClient::post(const Json& message, std::chrono::milliseconds timeout,
                                             const std::function<bool()>& cancelled) {
  const Curl& c = *::eks::upstream::curl();  // loaded: start() checked it
  CURL* curl = c.easy_init();
  if (!curl) return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable, "cannot create an HTTP handle"});
  Transfer transfer;
  transfer.cancelled = &cancelled;
  const std::string body = jsonrpc::serialize(message);
  curl_slist* headers = nullptr;
  headers = c.slist_append(headers, "Content-Type: application/json");
  headers = c.slist_append(headers, "Accept: application/json, text/event-stream");
  {
    std::lock_guard lock(mutex_);
    if (!session_id_.empty()) headers = c.slist_append(headers, ("Mcp-Session-Id: " + session_id_).c_str());
    if (!protocol_version_.empty()) {
      headers = c.slist_append(headers, ("MCP-Protocol-Version: " + protocol_version_).c_str());
    }
  }
  for (const auto& [k, v] : spec_.headers) headers = c.slist_append(headers, (k + ": " + v).c_str());
  prepare_post(curl, spec_.url, body, headers, transfer, timeout, std::chrono::milliseconds(5000));
  const CURLcode code = c.easy_perform(curl);
  long status = 0;
  c.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  c.slist_free_all(headers);
  c.easy_cleanup(curl);
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    return tl::unexpected(
        UpstreamError{UpstreamError::Kind::cancelled, "the request to " + spec_.name + " was cancelled"});
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return tl::unexpected(
        UpstreamError{UpstreamError::Kind::timeout,
                      "upstream " + spec_.name + " did not answer within " + std::to_string(timeout.count()) + " ms"});
  }
  if (code != CURLE_OK) {
    return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable,
                                        "upstream " + spec_.name + " at " + spec_.url + ": " + c.easy_strerror(code)});
  }
  return Reply{status, lower_ascii(transfer.header("content-type")), transfer.header("mcp-session-id"),
               std::move(transfer.body)};
}

void HttpClient::notify(const std::string& method, Json params) {
  (void)post(jsonrpc::make_notification(method, std::move(params)), std::chrono::milliseconds(5000), {});
}

Expected<Json> HttpClient::request(const std::string& method, Json params, std::chrono::milliseconds timeout,
                                   const std::function<bool()>& cancelled) {
  std::int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    if (!death_.empty()) return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable, death_});
    id = next_id_++;
  }
  Json message{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  auto reply = post(message, timeout, cancelled);
  if (!reply) {
    if (reply.error().kind == UpstreamError::Kind::cancelled || reply.error().kind == UpstreamError::Kind::timeout) {
      notify("notifications/cancelled", Json{{"requestId", id}, {"reason", reply.error().message}});
    } else {
      std::lock_guard lock(mutex_);
      death_ = reply.error().message;
    }
    return tl::unexpected(reply.error());
  }
  if (method == "initialize" && !reply->session_id.empty()) {
    std::lock_guard lock(mutex_);
    session_id_ = reply->session_id;
  }
  if (reply->status == 404 && method != "initialize") {
    // "The client MUST start a new session ... when it receives HTTP 404 in response to a request containing an
    // Mcp-Session-Id": this connection is over; the upstream manager initializes a new one.
    std::lock_guard lock(mutex_);
    death_ = "upstream " + spec_.name + " ended the session (HTTP 404)";
    return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable, death_});
  }
  bool changed = false;
  auto outcome = read_reply(
      spec_.name, method, id,
      HttpReply{reply->status, std::move(reply->content_type), std::move(reply->session_id), std::move(reply->body)},
      changed);
  if (changed) tools_changed = true;
  return outcome;
}

Expected<Json> read_reply(const std::string& name, const std::string& method, std::int64_t id, const HttpReply& reply,
                          bool& tools_changed) {
  if (reply.status < 200 || reply.status >= 300) {
    return tl::unexpected(UpstreamError{
        UpstreamError::Kind::protocol,
        "upstream " + name + " answered HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200)});
  }
  std::vector<Json> messages;
  if (reply.content_type.rfind("text/event-stream", 0) == 0) {
    messages = sse_messages(reply.body);
  } else {
    Json single = Json::parse(reply.body, nullptr, false);
    if (!single.is_discarded()) messages.push_back(std::move(single));
  }
  for (auto& m : messages) {
    if (!m.is_object()) continue;
    // string_field and integer_field: value() throws on an upstream's field of another type.
    if (jsonrpc::string_field(m, "method") == "notifications/tools/list_changed") tools_changed = true;
    if (!m.contains("id") || m["id"] != id) continue;
    if (m.contains("error")) {
      const auto& e = m["error"];
      return tl::unexpected(
          UpstreamError{UpstreamError::Kind::remote, "upstream " + name + " answered error " +
                                                         std::to_string(jsonrpc::integer_field(e, "code", 0)) + ": " +
                                                         jsonrpc::string_field(e, "message")});
    }
    // Moved, not copied: a list's answer can be tens of megabytes.
    if (m.contains("result")) return std::move(m["result"]);
  }
  return tl::unexpected(UpstreamError{UpstreamError::Kind::protocol,
                                      "upstream " + name + " sent no JSON-RPC response to " + method + " (got " +
                                          reply.content_type + ": " + reply.body.substr(0, 200) + ")"});
}

}  // namespace eks::upstream
