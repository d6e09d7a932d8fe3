#include "server/session.hpp"

#include <optional>

#include <spdlog/spdlog.h>

#include "server/logging.hpp"

namespace eks::server {
namespace {

using jsonrpc::Error;

constexpr const char* kMetaVersion = "io.modelcontextprotocol/protocolVersion";
constexpr const char* kMetaCapabilities = "io.modelcontextprotocol/clientCapabilities";
constexpr const char* kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
constexpr const char* kMetaLogLevel = "io.modelcontextprotocol/logLevel";
constexpr const char* kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = component_logger("server");
  return log;
}

tl::unexpected<Error> error(int code, std::string message, std::optional<Json> data = std::nullopt) {
  return tl::unexpected(Error{code, std::move(message), std::move(data)});
}

const Json* meta_of(const Json& params) {
  if (!params.is_object()) return nullptr;
  const auto it = params.find("_meta");
  return it != params.end() && it->is_object() ? &*it : nullptr;
}

// Methods the 2026-07-28 core removed: answered -32601 when a request of that era asks for them.
bool removed_in_stateless(const std::string& method) {
  return method == "initialize" || method == "ping" || method == "logging/setLevel" ||
         method == "resources/subscribe" || method == "resources/unsubscribe";
}

// Results that 2026-07-28 makes cacheable: they carry ttlMs and cacheScope.
bool cacheable(const std::string& method) {
  return method == "tools/list" || method == "prompts/list" || method == "resources/list" ||
         method == "resources/templates/list" || method == "resources/read" || method == "server/discover";
}

}  // namespace

// One running tool call.
struct Session::InFlight {
  std::atomic<bool> client_cancelled{false};
};

// One request of ours to the client, waiting for its response.
struct Session::Outgoing {
  std::mutex mutex;
  std::condition_variable answered;
  std::optional<tl::expected<Json, Error>> outcome;
};

// A batch's responses, sent together once every request in it has answered.
struct Session::Batch {
  std::mutex mutex;
  Json responses = Json::array();
  std::size_t pending = 1;  // one for the dispatch loop itself, so the batch cannot complete early
};

class Session::Context final : public CallContext {
 public:
  Context(std::shared_ptr<Session> session, std::shared_ptr<InFlight> call, RequestScope scope)
      : session_(std::move(session)), call_(std::move(call)), scope_(std::move(scope)) {}

  bool cancelled() const override {
    return call_->client_cancelled.load(std::memory_order_relaxed) ||
           session_->shutting_down_.load(std::memory_order_relaxed);
  }
  void progress(double progress, std::optional<double> total, std::string_view message) override {
    // "Progress notifications MUST stop once the request completes" and carry the request's own token.
    if (scope_.progress_token.is_null() || call_->client_cancelled.load()) return;
    Json params{{"progressToken", scope_.progress_token}, {"progress", progress}};
    if (total) params["total"] = *total;
    if (!message.empty()) params["message"] = message;
    session_->send_about(scope_, jsonrpc::make_notification("notifications/progress", std::move(params)));
  }
  void log(LogLevel level, std::string_view message) override { session_->log_to_client(level, message, scope_); }
  protocol::Era era() const override { return scope_.era; }
  const std::string& protocol_version() const override { return scope_.version; }
  const Json& client_info() const override { return scope_.client_info; }
  tl::expected<Json, std::string> request_client(std::string_view method, Json params,
                                                 std::chrono::milliseconds timeout) override {
    return session_->request_client(
        scope_, [this] { return cancelled(); }, method, std::move(params), timeout);
  }

 private:
  std::shared_ptr<Session> session_;
  std::shared_ptr<InFlight> call_;
  RequestScope scope_;
};

std::shared_ptr<Session> Session::create(Dispatcher& dispatcher, transport::Connection& connection) {
  auto session = std::shared_ptr<Session>(new Session(dispatcher, connection));
  std::weak_ptr<Session> weak = session;
  session->subscription_ = dispatcher.subscribe([weak](std::string_view method, const Json& params) {
    auto s = weak.lock();
    if (!s) return;
    if (method == "notifications/resources/updated") {
      // Only to sessions that subscribed to this resource.
      std::lock_guard lock(s->mutex_);
      if (s->subscriptions_.count(params.value("uri", std::string())) == 0) return;
    }
    s->notify(method, params);
  });
  return session;
}

std::shared_ptr<Session> Session::create(Dispatcher& dispatcher, std::shared_ptr<transport::Connection> connection) {
  auto session = create(dispatcher, *connection);
  session->owned_connection_ = std::move(connection);
  return session;
}

Session::~Session() { dispatcher_.unsubscribe(subscription_); }

Session::Session(Dispatcher& dispatcher, transport::Connection& connection)
    : dispatcher_(dispatcher), connection_(connection) {}

void Session::send(const Json& message) { connection_.send(jsonrpc::serialize(message)); }

void Session::send_about(const RequestScope& scope, const Json& notification) {
  if (scope.route) {
    if (scope.route->notify) scope.route->notify(notification);
    return;
  }
  send(notification);
}

void Session::cancel_all() {
  std::lock_guard lock(mutex_);
  for (auto& [_, call] : in_flight_) call->client_cancelled = true;
}

std::string Session::negotiated_version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

std::size_t Session::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_.size();
}

void Session::notify(std::string_view method, Json params) {
  {
    // Change notifications belong to the handshake era (2026-07-28 replaced them with subscriptions/listen).
    std::lock_guard lock(mutex_);
    if (!initialized_) return;
  }
  send(jsonrpc::make_notification(method, std::move(params)));
}

void Session::handle_oversize(std::size_t bytes) {
  logger()->warn("discarded a {}-byte message over the {}-byte limit", bytes, dispatcher_.options().max_message_bytes);
  send(jsonrpc::make_error(
      std::nullopt, Error{jsonrpc::kInvalidRequest,
                          "Invalid Request: message of " + std::to_string(bytes) + " bytes exceeds the limit of " +
                              std::to_string(dispatcher_.options().max_message_bytes) + " bytes",
                          std::nullopt}));
}

void Session::handle_line(std::string&& line) { handle_text(line, nullptr); }

void Session::handle_routed(std::string_view text, std::shared_ptr<Route> route) { handle_text(text, route); }

void Session::handle_text(std::string_view text, const std::shared_ptr<Route>& route) {
  // Without a route every answer goes to the connection, as on stdio; with one, to the route, exactly once.
  const Reply direct = [this, route](std::optional<Json> response) {
    if (route) {
      route->done(std::move(response));
    } else if (response) {
      send(*response);
    }
  };
  auto parsed = jsonrpc::parse(text, dispatcher_.options().max_depth);
  if (!parsed) {
    direct(jsonrpc::make_error(std::nullopt, parsed.error()));
    return;
  }
  if (!parsed->is_array()) {
    if (!handle_value(*parsed, direct, false, route)) direct(std::nullopt);
    return;
  }

  std::string version;
  bool initialized = false;
  {
    std::lock_guard lock(mutex_);
    version = version_;
    initialized = initialized_;
  }
  if (parsed->empty()) {
    direct(jsonrpc::make_error(std::nullopt,
                               Error{jsonrpc::kInvalidRequest, "Invalid Request: empty batch", std::nullopt}));
    return;
  }
  if (!initialized || !protocol::allows_batches(version)) {
    const std::string why = initialized ? "protocol version " + version + " does not allow JSON-RPC batches"
                                        : "JSON-RPC batches are not accepted before initialize";
    direct(jsonrpc::make_error(
        std::nullopt,
        Error{jsonrpc::kInvalidRequest, "Invalid Request: " + why + "; send one message per line", std::nullopt}));
    return;
  }
  auto batch = std::make_shared<Batch>();
  const Reply into_batch = [batch, direct](std::optional<Json> response) {
    std::lock_guard lock(batch->mutex);
    if (response) batch->responses.push_back(std::move(*response));
    if (--batch->pending == 0) {
      if (batch->responses.empty()) {
        direct(std::nullopt);
      } else {
        direct(std::move(batch->responses));
      }
    }
  };
  for (const auto& element : *parsed) {
    {
      std::lock_guard lock(batch->mutex);
      ++batch->pending;
    }
    // Notifications and responses in a batch produce no answer, but still count as done.
    if (!handle_value(element, into_batch, true, route)) into_batch(std::nullopt);
  }
  into_batch(std::nullopt);
}

bool Session::handle_value(const Json& value, const Reply& reply, bool in_batch, const std::shared_ptr<Route>& route) {
  auto message = jsonrpc::classify(value);
  if (!message) {
    reply(jsonrpc::make_error(message.error().id, message.error().error));
    return true;
  }
  if (auto* request = std::get_if<jsonrpc::Request>(&*message)) {
    handle_request(std::move(*request), reply, in_batch, route);
    return true;
  }
  if (const auto* notification = std::get_if<jsonrpc::Notification>(&*message)) {
    handle_notification(*notification);
  } else if (const auto* response = std::get_if<jsonrpc::Response>(&*message)) {
    handle_response(response->id, response->result);
  } else if (const auto* failure = std::get_if<jsonrpc::ErrorResponse>(&*message); failure && failure->id) {
    handle_response(*failure->id, tl::unexpected(failure->error));
  } else {
    logger()->debug("ignoring an error response without an id");
  }
  return false;
}

tl::expected<Session::RequestScope, Error> Session::scope_of(const jsonrpc::Request& request, bool in_batch) {
  RequestScope scope;
  const Json* meta = meta_of(request.params);
  if (meta) {
    if (const auto token = meta->find("progressToken");
        token != meta->end() && (token->is_string() || token->is_number_integer())) {
      scope.progress_token = *token;
    }
  }
  if (meta && meta->contains(kMetaVersion)) {
    // The stateless core: everything the request needs is in its own _meta.
    const Json& version = (*meta)[kMetaVersion];
    if (!version.is_string())
      return error(jsonrpc::kInvalidParams, "Invalid params: _meta." + std::string(kMetaVersion) + " must be a string");
    if (version.get_ref<const std::string&>() != protocol::kStatelessVersion) {
      Json supported = Json::array();
      for (auto v : protocol::all_versions()) supported.push_back(v);
      return error(-32022, "Unsupported protocol version",
                   Json{{"supported", std::move(supported)}, {"requested", version}});
    }
    if (in_batch) return error(jsonrpc::kInvalidRequest, "Invalid Request: 2026-07-28 has no JSON-RPC batches");
    const auto caps = meta->find(kMetaCapabilities);
    if (caps == meta->end() || !caps->is_object()) {
      return error(jsonrpc::kInvalidParams, "Invalid params: _meta." + std::string(kMetaCapabilities) +
                                                " (an object) is required with protocol version 2026-07-28");
    }
    if (removed_in_stateless(request.method)) {
      return error(jsonrpc::kMethodNotFound,
                   "Method not found: " + request.method + " does not exist in protocol version 2026-07-28");
    }
    scope.era = protocol::Era::stateless;
    scope.version = std::string(protocol::kStatelessVersion);
    if (const auto info = meta->find(kMetaClientInfo); info != meta->end() && info->is_object())
      scope.client_info = *info;
    scope.client_capabilities = *caps;
    if (const auto level = meta->find(kMetaLogLevel); level != meta->end() && level->is_string()) {
      scope.log_level = parse_log_level(level->get<std::string>());
      if (!scope.log_level) return error(jsonrpc::kInvalidParams, "Invalid params: unknown log level " + level->dump());
    }
    return scope;
  }

  std::lock_guard lock(mutex_);
  if (request.method == "server/discover") {
    return error(jsonrpc::kInvalidParams, "Invalid params: server/discover needs _meta." + std::string(kMetaVersion) +
                                              " (2026-07-28) and _meta." + kMetaCapabilities);
  }
  if (!initialized_ && request.method != "initialize" && request.method != "ping") {
    return error(jsonrpc::kInvalidRequest, "Server not initialized: send initialize first, or carry _meta." +
                                               std::string(kMetaVersion) + " = \"2026-07-28\" on every request");
  }
  scope.era = protocol::Era::handshake;
  scope.version = version_;
  scope.client_info = client_info_;
  scope.client_capabilities = client_capabilities_;
  return scope;
}

void Session::handle_request(jsonrpc::Request&& request, const Reply& reply, bool in_batch,
                             const std::shared_ptr<Route>& route) {
  auto answer_error = [&](const Error& e) { reply(jsonrpc::make_error(request.id, e)); };
  if (!request.params.is_null() && !request.params.is_object()) {
    return answer_error(Error{jsonrpc::kInvalidParams, "Invalid params: MCP params must be an object", std::nullopt});
  }
  {
    std::lock_guard lock(mutex_);
    if (in_flight_.count(jsonrpc::id_key(request.id)) != 0) {
      return answer_error(
          Error{jsonrpc::kInvalidRequest,
                "Invalid Request: id " + jsonrpc::id_key(request.id) + " is already in use by a request in flight",
                std::nullopt});
    }
  }
  auto scope = scope_of(request, in_batch);
  if (!scope) return answer_error(scope.error());
  scope->route = route;

  const std::string& method = request.method;
  tl::expected<Json, Error> result = Json::object();
  if (method == "initialize") {
    if (in_batch)
      return answer_error(
          Error{jsonrpc::kInvalidRequest, "Invalid Request: initialize must not be part of a batch", std::nullopt});
    result = initialize(request.params);
  } else if (method == "ping") {
    result = Json::object();
  } else if (method == "logging/setLevel") {
    const auto level =
        request.params.is_object() && request.params.contains("level") && request.params["level"].is_string()
            ? parse_log_level(request.params["level"].get<std::string>())
            : std::nullopt;
    if (!level) {
      result = error(jsonrpc::kInvalidParams,
                     "Invalid params: level must be one of debug, info, notice, warning, "
                     "error, critical, alert, emergency");
    } else {
      std::lock_guard lock(mutex_);
      log_level_ = *level;
    }
  } else if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    result = subscription(method, request.params);
  } else if (method == "tools/call") {
    return start_call(std::move(request), std::move(*scope), reply);
  } else if (auto answered = dispatcher_.answer(method, request.params.is_null() ? Json::object() : request.params,
                                                RequestEra{scope->era, scope->version})) {
    result = std::move(*answered);
  } else {
    result = error(jsonrpc::kMethodNotFound, "Method not found: " + method);
  }
  if (!result) return answer_error(result.error());
  reply(jsonrpc::make_response(request.id, finish(method, std::move(*result), *scope)));
}

tl::expected<Json, Error> Session::initialize(const Json& params) {
  if (!params.is_object() || !params.contains("protocolVersion") || !params["protocolVersion"].is_string()) {
    return error(jsonrpc::kInvalidParams, "Invalid params: initialize needs a string protocolVersion");
  }
  if (params.contains("capabilities") && !params["capabilities"].is_object()) {
    return error(jsonrpc::kInvalidParams, "Invalid params: capabilities must be an object");
  }
  if (params.contains("clientInfo") && !params["clientInfo"].is_object()) {
    return error(jsonrpc::kInvalidParams, "Invalid params: clientInfo must be an object");
  }
  const auto requested = params["protocolVersion"].get<std::string>();
  const std::string_view negotiated = protocol::negotiate(requested);
  {
    std::lock_guard lock(mutex_);
    if (initialized_) {
      return error(jsonrpc::kInvalidRequest, "Invalid Request: already initialized with protocol version " + version_ +
                                                 "; initialize is sent once per connection");
    }
    initialized_ = true;
    version_ = std::string(negotiated);
    client_info_ = params.value("clientInfo", Json());
    client_capabilities_ = params.value("capabilities", Json::object());
  }
  const auto& info = dispatcher_.info();
  Json server_info{{"name", info.name}, {"version", info.version}};
  if (protocol::has_structured_output(negotiated)) {
    server_info["title"] = info.title;
    if (negotiated >= std::string_view("2025-11-25")) server_info["description"] = info.description;
  }
  logger()->info("initialized: client {} asked for {}, speaking {}", jsonrpc::string_field(client_info_, "name", "?"),
                 requested, negotiated);
  Json result{
      {"protocolVersion", negotiated}, {"capabilities", dispatcher_.capabilities()}, {"serverInfo", server_info}};
  if (!info.instructions.empty()) result["instructions"] = info.instructions;
  return result;
}

// Stateless results carry resultType, the server's identity and, where cacheable, their cache lifetime.
Json Session::finish(const std::string& method, Json result, const RequestScope& scope) const {
  if (scope.era != protocol::Era::stateless) return result;
  result["resultType"] = "complete";
  const auto& info = dispatcher_.info();
  result["_meta"][kMetaServerInfo] = Json{{"name", info.name}, {"title", info.title}, {"version", info.version}};
  if (cacheable(method)) {
    result["ttlMs"] = dispatcher_.options().list_ttl.count();
    result["cacheScope"] = "public";
  }
  return result;
}

void Session::start_call(jsonrpc::Request&& request, RequestScope scope, const Reply& reply) {
  auto prepared = dispatcher_.prepare_call(request.params);
  if (!prepared) {
    reply(jsonrpc::make_error(request.id, prepared.error()));
    return;
  }
  auto call = std::make_shared<InFlight>();
  const std::string key = jsonrpc::id_key(request.id);
  {
    std::lock_guard lock(mutex_);
    in_flight_.emplace(key, call);
  }
  auto self = shared_from_this();
  auto job = [self, call, key, id = request.id, scope, reply, prepared = std::move(*prepared)]() mutable {
    Json response;
    if (!call->client_cancelled.load()) {
      Context context(self, call, scope);
      try {
        response = jsonrpc::make_response(
            id, self->finish("tools/call", self->dispatcher_.run_call(prepared, context, scope.version), scope));
      } catch (const std::exception& e) {
        logger()->error("tools/call {} failed: {}", prepared.tool->name, e.what());
        response = jsonrpc::make_error(
            id, Error{jsonrpc::kInternalError, std::string("Internal error: ") + e.what(), std::nullopt});
      }
    }
    {
      std::lock_guard lock(self->mutex_);
      self->in_flight_.erase(key);
    }
    // "Receivers of a cancellation ... SHOULD NOT send a response for the cancelled request."
    if (call->client_cancelled.load()) {
      reply(std::nullopt);
    } else {
      reply(std::move(response));
    }
    self->calls_done_.notify_all();
  };
  if (!dispatcher_.pool().try_submit(std::move(job))) {
    {
      std::lock_guard lock(mutex_);
      in_flight_.erase(key);
    }
    Json busy{
        {"content", Json::array({{{"type", "text"},
                                  {"text", "The server is busy: " + std::to_string(dispatcher_.options().queue_limit) +
                                               " tool calls are already queued. Retry in a few seconds."}}})},
        {"isError", true}};
    reply(jsonrpc::make_response(request.id, finish("tools/call", std::move(busy), scope)));
  }
}

void Session::handle_notification(const jsonrpc::Notification& notification) {
  const auto& method = notification.method;
  if (method == "notifications/initialized") {
    logger()->debug("client confirmed initialization");
  } else if (method == "notifications/cancelled") {
    if (!notification.params.is_object() || !notification.params.contains("requestId")) return;
    const auto id = jsonrpc::id_from_json(notification.params["requestId"]);
    if (!id) return;
    std::lock_guard lock(mutex_);
    // "The receiver MAY ignore the notification" for an unknown or finished request.
    if (const auto it = in_flight_.find(jsonrpc::id_key(*id)); it != in_flight_.end()) {
      it->second->client_cancelled = true;
      logger()->info("request {} cancelled by the client: {}", it->first,
                     jsonrpc::string_field(notification.params, "reason", "no reason given"));
    }
  } else {
    logger()->debug("ignoring notification {}", method);
  }
}

tl::expected<Json, Error> Session::subscription(const std::string& method, const Json& params) {
  if (!params.is_object() || !params.contains("uri") || !params["uri"].is_string()) {
    return error(jsonrpc::kInvalidParams, "Invalid params: " + method + " needs a string \"uri\"");
  }
  const auto& uri = params["uri"].get_ref<const std::string&>();
  std::lock_guard lock(mutex_);
  if (method == "resources/unsubscribe") {
    // Unsubscribing from something never subscribed leaves nothing to undo: answered like a success.
    subscriptions_.erase(uri);
    return Json::object();
  }
  if (!dispatcher_.is_subscribable(uri)) {
    return error(jsonrpc::kInvalidParams,
                 "Invalid params: resource " + uri +
                     " sends no update notifications; subscribe to a resource "
                     "that changes (resources/list names them)",
                 Json{{"uri", uri}});
  }
  subscriptions_.insert(uri);
  return Json::object();
}

tl::expected<Json, std::string> Session::request_client(const RequestScope& scope,
                                                        const std::function<bool()>& cancelled, std::string_view method,
                                                        Json params, std::chrono::milliseconds timeout) {
  if (scope.era == protocol::Era::stateless) {
    // 2026-07-28 removed server-to-client requests (multi round-trip requests replace them).
    return tl::unexpected("protocol version 2026-07-28 has no server-to-client requests, so " + std::string(method) +
                          " cannot be sent; call from an initialized session (2025-11-25 or earlier) instead");
  }
  const char* capability = method == "sampling/createMessage" ? "sampling"
                           : method == "elicitation/create"   ? "elicitation"
                           : method == "roots/list"           ? "roots"
                                                              : nullptr;
  if (!capability) return tl::unexpected("unknown client request " + std::string(method));
  if (!scope.client_capabilities.is_object() || !scope.client_capabilities.contains(capability)) {
    return tl::unexpected("the client did not declare the \"" + std::string(capability) +
                          "\" capability at initialize, so " + std::string(method) +
                          " cannot be sent to it; use a client that supports it");
  }
  if (scope.route && !scope.route->carries_requests) {
    return tl::unexpected(std::string(method) +
                          " cannot reach this client: its request accepts application/json "
                          "only, so nothing can be sent before the answer; send the call with Accept: "
                          "application/json, text/event-stream");
  }
  auto outgoing = std::make_shared<Outgoing>();
  std::string id;
  {
    std::lock_guard lock(mutex_);
    // String ids of our own, distinct from anything the client might confuse with its own numbering.
    id = "server-" + std::to_string(++next_outgoing_);
    outgoing_.emplace(jsonrpc::id_key(jsonrpc::Id{id}), outgoing);
  }
  // On HTTP this goes out on the stream of the POST whose call is asking; the answer comes in a POST of its own.
  send_about(scope, Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool stopped = false;
  {
    std::unique_lock lock(outgoing->mutex);
    while (!outgoing->outcome) {
      const auto now = std::chrono::steady_clock::now();
      if (cancelled() || now >= deadline) {
        stopped = true;
        break;
      }
      // Woken by the answer; the slice bounds how late a cancellation is seen.
      outgoing->answered.wait_for(
          lock, std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(50), deadline - now));
    }
  }
  {
    std::lock_guard lock(mutex_);
    outgoing_.erase(jsonrpc::id_key(jsonrpc::Id{id}));
  }
  if (stopped) {
    const std::string reason =
        cancelled() ? "the tool call was cancelled" : "no answer within " + std::to_string(timeout.count()) + " ms";
    send_about(scope,
               jsonrpc::make_notification("notifications/cancelled", Json{{"requestId", id}, {"reason", reason}}));
    return tl::unexpected(std::string(method) + " was abandoned: " + reason);
  }
  if (!*outgoing->outcome) {
    const Error& e = outgoing->outcome->error();
    return tl::unexpected("the client answered " + std::string(method) + " with error " + std::to_string(e.code) +
                          ": " + e.message);
  }
  return std::move(**outgoing->outcome);
}

void Session::handle_response(const jsonrpc::Id& id, tl::expected<Json, Error> outcome) {
  std::shared_ptr<Outgoing> outgoing;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = outgoing_.find(jsonrpc::id_key(id)); it != outgoing_.end()) outgoing = it->second;
  }
  if (!outgoing) {
    logger()->debug("ignoring a response to {}, which is no request of ours in flight", jsonrpc::id_key(id));
    return;
  }
  {
    std::lock_guard lock(outgoing->mutex);
    if (!outgoing->outcome) outgoing->outcome = std::move(outcome);
  }
  outgoing->answered.notify_all();
}

void Session::log_to_client(LogLevel level, std::string_view message, const RequestScope& scope) {
  logger()->log(level >= LogLevel::error     ? spdlog::level::err
                : level >= LogLevel::warning ? spdlog::level::warn
                                             : spdlog::level::info,
                "{}", message);
  if (scope.era == protocol::Era::stateless) {
    // "Servers MUST NOT emit notifications/message for requests that did not include" a log level.
    if (!scope.log_level || level < *scope.log_level) return;
  } else {
    std::lock_guard lock(mutex_);
    if (level < log_level_) return;
  }
  send_about(scope, jsonrpc::make_notification(
                        "notifications/message",
                        Json{{"level", to_string(level)}, {"logger", dispatcher_.info().name}, {"data", message}}));
}

std::size_t Session::drain(std::chrono::milliseconds deadline, std::chrono::milliseconds grace) {
  std::unique_lock lock(mutex_);
  if (!calls_done_.wait_for(lock, deadline, [this] { return in_flight_.empty(); })) {
    logger()->warn("{} tool calls still running after {} ms; cancelling them", in_flight_.size(), deadline.count());
    shutting_down_ = true;
    calls_done_.wait_for(lock, grace, [this] { return in_flight_.empty(); });
  }
  shutting_down_ = true;
  return in_flight_.size();
}

}  // namespace eks::server
