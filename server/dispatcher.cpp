#include "server/dispatcher.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "schemas/schemas.hpp"

namespace eks::server {
namespace {

using jsonrpc::Error;

tl::unexpected<Error> invalid_params(std::string message) {
  return tl::unexpected(Error{jsonrpc::kInvalidParams, std::move(message), std::nullopt});
}

// Cursors are opaque to clients; ours encode the offset of the next page.
std::string make_cursor(std::size_t offset) { return "page:" + std::to_string(offset); }

std::optional<std::size_t> read_cursor(const std::string& cursor) {
  constexpr std::string_view prefix = "page:";
  if (cursor.size() <= prefix.size() || cursor.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::size_t offset = 0;
  const char* begin = cursor.data() + prefix.size();
  const char* end = cursor.data() + cursor.size();
  const auto [ptr, ec] = std::from_chars(begin, end, offset);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return offset;
}

// A schema is named (schemas/<name>.json, embedded) or, for test fixtures, given inline as JSON text.
tl::expected<Json, std::string> load_schema(const std::string& name) {
  if (!name.empty() && name.front() == '{') {
    Json inline_schema = Json::parse(name, nullptr, false);
    if (inline_schema.is_discarded()) return tl::unexpected(std::string("inline schema is not valid JSON"));
    return inline_schema;
  }
  const auto text = schemas::text(name);
  if (text.empty()) return tl::unexpected("no schema named " + name + " in schemas/");
  Json parsed = Json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return tl::unexpected("schemas/" + name + ".json is not valid JSON");
  return parsed;
}

Json text_content(std::string text) { return Json{{"type", "text"}, {"text", std::move(text)}}; }

}  // namespace

Dispatcher::Dispatcher(ServerInfo info, ServerOptions options)
    : info_(std::move(info)),
      options_(options),
      pool_(std::make_unique<WorkerPool>(options.workers, options.queue_limit)) {}

Dispatcher::~Dispatcher() = default;

tl::expected<void, std::string> Dispatcher::add_tool(ToolDef tool) {
  if (!tool.handler) return tl::unexpected("tool " + tool.name + " has no handler");
  auto input_json = load_schema(tool.input_schema);
  if (!input_json) return tl::unexpected("tool " + tool.name + ": " + input_json.error());
  auto input = protocol::JsonSchema::compile(*input_json);
  if (!input) return tl::unexpected("tool " + tool.name + ": input schema: " + input.error());
  auto registered = std::make_shared<RegisteredTool>(
      RegisteredTool{std::move(tool), std::move(*input), std::nullopt, std::move(*input_json), nullptr});
  if (!registered->def.output_schema.empty()) {
    auto output_json = load_schema(registered->def.output_schema);
    if (!output_json) return tl::unexpected("tool " + registered->def.name + ": " + output_json.error());
    auto output = protocol::JsonSchema::compile(*output_json);
    if (!output) return tl::unexpected("tool " + registered->def.name + ": output schema: " + output.error());
    registered->output = std::move(*output);
    registered->output_json = std::move(*output_json);
  }
  {
    std::unique_lock lock(tools_mutex_);
    for (const auto& t : tools_) {
      if (t->def.name == registered->def.name) return tl::unexpected("tool " + t->def.name + " is registered twice");
    }
    tools_.push_back(std::move(registered));
  }
  changed("notifications/tools/list_changed");
  return {};
}

bool Dispatcher::remove_tool(std::string_view name) {
  {
    std::unique_lock lock(tools_mutex_);
    const auto it = std::find_if(tools_.begin(), tools_.end(), [&](const auto& t) { return t->def.name == name; });
    if (it == tools_.end()) return false;
    tools_.erase(it);
  }
  changed("notifications/tools/list_changed");
  return true;
}

int Dispatcher::subscribe(ChangeListener listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.emplace(++next_listener_, std::move(listener));
  return next_listener_;
}

void Dispatcher::unsubscribe(int handle) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.erase(handle);
}

std::shared_ptr<const Json> Dispatcher::cached_tool_definitions(std::string_view version) const {
  std::lock_guard lock(definitions_mutex_);
  auto it = definitions_.find(version);
  if (it == definitions_.end()) {
    it = definitions_.emplace(std::string(version), std::make_shared<const Json>(tool_definitions(version))).first;
  }
  return it->second;
}

void Dispatcher::changed(std::string_view method, const Json& params) {
  if (method == "notifications/tools/list_changed") {
    std::lock_guard lock(definitions_mutex_);
    definitions_.clear();
  }
  std::vector<ChangeListener> listeners;
  {
    std::lock_guard lock(listeners_mutex_);
    for (const auto& [_, l] : listeners_) listeners.push_back(l);
  }
  // Called outside the lock: a listener may end a session, which unsubscribes.
  for (const auto& l : listeners) l(method, params);
}

void Dispatcher::resource_updated(std::string_view uri) {
  changed("notifications/resources/updated", Json{{"uri", uri}});
}

bool Dispatcher::is_subscribable(std::string_view uri) const {
  return std::any_of(resources_.begin(), resources_.end(),
                     [&](const auto& r) { return r.subscribable && r.uri == uri; });
}

void Dispatcher::add_resource(ResourceDef resource) { resources_.push_back(std::move(resource)); }
void Dispatcher::add_resource_template(ResourceTemplateDef t) { templates_.push_back(std::move(t)); }
void Dispatcher::add_prompt(PromptDef prompt) { prompts_.push_back(std::move(prompt)); }
void Dispatcher::use(Middleware middleware) { middleware_.push_back(std::move(middleware)); }

Json Dispatcher::capabilities() const {
  Json caps = Json::object();
  caps["tools"] = Json{{"listChanged", true}};
  if (!resources_.empty() || !templates_.empty()) caps["resources"] = Json::object();
  // Declared only when some resource can change and says so: a subscription to nothing would never fire.
  if (std::any_of(resources_.begin(), resources_.end(), [](const auto& r) { return r.subscribable; })) {
    caps["resources"]["subscribe"] = true;
  }
  if (!prompts_.empty()) caps["prompts"] = Json::object();
  caps["logging"] = Json::object();
  caps["completions"] = Json::object();
  return caps;
}

Json Dispatcher::tool_definitions(std::string_view version) const {
  const bool modern = protocol::has_structured_output(version);
  Json list = Json::array();
  std::shared_lock lock(tools_mutex_);
  for (const auto& entry : tools_) {
    const RegisteredTool& t = *entry;
    Json def{{"name", t.def.name}, {"description", t.def.description}, {"inputSchema", t.input_json}};
    if (modern) {
      def["title"] = t.def.title;
      if (!t.output_json.is_null()) def["outputSchema"] = t.output_json;
    }
    if (version >= std::string_view("2025-03-26")) {
      Json annotations{{"title", t.def.title}};
      const auto& a = t.def.annotations;
      if (a.read_only) annotations["readOnlyHint"] = *a.read_only;
      if (a.destructive) annotations["destructiveHint"] = *a.destructive;
      if (a.idempotent) annotations["idempotentHint"] = *a.idempotent;
      if (a.open_world) annotations["openWorldHint"] = *a.open_world;
      def["annotations"] = std::move(annotations);
    }
    list.push_back(std::move(def));
  }
  return list;
}

tl::expected<Json, Error> Dispatcher::list_page(const Json& params, const Json& items, const char* key) const {
  std::size_t offset = 0;
  if (params.is_object()) {
    if (const auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
      if (!c->is_string()) return invalid_params("Invalid params: cursor must be a string");
      const auto parsed = read_cursor(c->get<std::string>());
      if (!parsed || *parsed > items.size()) {
        return invalid_params("Invalid params: unknown cursor; start again without one");
      }
      offset = *parsed;
    }
  }
  const std::size_t end = std::min(items.size(), offset + std::max<std::size_t>(options_.page_size, 1));
  Json page = Json::array();
  for (std::size_t i = offset; i < end; ++i) page.push_back(items[i]);
  Json result{{key, std::move(page)}};
  if (end < items.size()) result["nextCursor"] = make_cursor(end);
  return result;
}

std::optional<tl::expected<Json, Error>> Dispatcher::answer(const std::string& method, const Json& params,
                                                            const RequestEra& era) const {
  if (method == "tools/list") return list_page(params, *cached_tool_definitions(era.version), "tools");
  if (method == "resources/list") {
    Json items = Json::array();
    for (const auto& r : resources_) {
      Json item{{"uri", r.uri}, {"name", r.name}, {"description", r.description}, {"mimeType", r.mime_type}};
      if (protocol::has_structured_output(era.version)) item["title"] = r.title;
      items.push_back(std::move(item));
    }
    return list_page(params, items, "resources");
  }
  if (method == "resources/templates/list") {
    Json items = Json::array();
    for (const auto& t : templates_) {
      Json item{
          {"uriTemplate", t.uri_template}, {"name", t.name}, {"description", t.description}, {"mimeType", t.mime_type}};
      if (protocol::has_structured_output(era.version)) item["title"] = t.title;
      items.push_back(std::move(item));
    }
    return list_page(params, items, "resourceTemplates");
  }
  if (method == "resources/read") {
    auto result = read_resource(params);
    // "Resource not found" is -32002 in the handshake era; 2026-07-28 folds it into -32602.
    if (!result && era.era == protocol::Era::handshake && result.error().data) result.error().code = -32002;
    return result;
  }
  if (method == "prompts/list") {
    Json items = Json::array();
    for (const auto& p : prompts_) {
      Json args = Json::array();
      for (const auto& a : p.arguments) {
        args.push_back({{"name", a.name}, {"description", a.description}, {"required", a.required}});
      }
      Json item{{"name", p.name}, {"description", p.description}, {"arguments", std::move(args)}};
      if (protocol::has_structured_output(era.version)) item["title"] = p.title;
      items.push_back(std::move(item));
    }
    return list_page(params, items, "prompts");
  }
  if (method == "prompts/get") return get_prompt(params);
  if (method == "completion/complete") return complete(params);
  if (method == "server/discover") {
    Json versions = Json::array();
    for (auto v : protocol::all_versions()) versions.push_back(v);
    Json result{{"supportedVersions", std::move(versions)}, {"capabilities", capabilities()}};
    if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
    return result;
  }
  return std::nullopt;
}

tl::expected<Json, Error> Dispatcher::read_resource(const Json& params) const {
  if (!params.is_object() || !params.contains("uri") || !params["uri"].is_string()) {
    return invalid_params("Invalid params: resources/read needs a string \"uri\"");
  }
  const auto& uri = params["uri"].get_ref<const std::string&>();
  auto contents = [&](const std::string& mime, Result<std::string> text,
                      bool binary = false) -> tl::expected<Json, Error> {
    if (!text) return tl::unexpected(Error{jsonrpc::kInternalError, text.error().message, std::nullopt});
    Json item{{"uri", uri}, {"mimeType", mime}};
    if (binary) {
      item["blob"] = base64_encode(*text);
    } else {
      item["text"] = std::move(*text);
    }
    return Json{{"contents", Json::array({std::move(item)})}};
  };
  for (const auto& r : resources_) {
    if (r.uri == uri) return contents(r.mime_type, r.read(), r.binary);
  }
  for (const auto& t : templates_) {
    const auto brace = t.uri_template.find('{');
    const std::string_view prefix(t.uri_template.data(), brace);
    if (brace != std::string::npos && uri.size() > prefix.size() && uri.compare(0, prefix.size(), prefix) == 0) {
      auto text = t.read(std::string_view(uri).substr(prefix.size()));
      if (!text) {
        return tl::unexpected(
            Error{jsonrpc::kInvalidParams, "Resource not found: " + text.error().message, Json{{"uri", uri}}});
      }
      return contents(t.mime_type, std::move(text));
    }
  }
  return tl::unexpected(
      Error{jsonrpc::kInvalidParams, "Resource not found: " + uri + " (see resources/list)", Json{{"uri", uri}}});
}

tl::expected<Json, Error> Dispatcher::get_prompt(const Json& params) const {
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    return invalid_params("Invalid params: prompts/get needs a string \"name\"");
  }
  const auto& name = params["name"].get_ref<const std::string&>();
  const auto prompt = std::find_if(prompts_.begin(), prompts_.end(), [&](const auto& p) { return p.name == name; });
  if (prompt == prompts_.end()) return invalid_params("Invalid params: unknown prompt \"" + name + "\"");
  std::map<std::string, std::string> arguments;
  if (const auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
    if (!a->is_object()) return invalid_params("Invalid params: prompt arguments must be an object of strings");
    for (const auto& [key, value] : a->items()) {
      if (!value.is_string()) return invalid_params("Invalid params: prompt argument \"" + key + "\" must be a string");
      arguments.emplace(key, value.get<std::string>());
    }
  }
  for (const auto& declared : prompt->arguments) {
    if (declared.required && arguments.count(declared.name) == 0) {
      return invalid_params("Invalid params: prompt \"" + name + "\" needs argument \"" + declared.name + "\"");
    }
  }
  for (const auto& [key, value] : arguments) {
    // Captured through an init-capture: clang before 16 cannot capture a structured binding.
    const bool known = std::any_of(prompt->arguments.begin(), prompt->arguments.end(),
                                   [&k = key](const auto& a) { return a.name == k; });
    if (!known) return invalid_params("Invalid params: prompt \"" + name + "\" has no argument \"" + key + "\"");
  }
  auto result = prompt->get(arguments);
  if (!result) return invalid_params("Invalid params: " + result.error().message);
  return *result;
}

tl::expected<Json, Error> Dispatcher::complete(const Json& params) const {
  if (!params.is_object() || !params.contains("ref") || !params["ref"].is_object() || !params.contains("argument") ||
      !params["argument"].is_object()) {
    return invalid_params("Invalid params: completion/complete needs \"ref\" and \"argument\" objects");
  }
  const Json& ref = params["ref"];
  const Json& argument = params["argument"];
  const std::string type = jsonrpc::string_field(ref, "type");
  const std::string arg_name = jsonrpc::string_field(argument, "name");
  const std::string prefix = jsonrpc::string_field(argument, "value");
  std::vector<std::string> candidates;
  if (type == "ref/prompt") {
    const std::string name = jsonrpc::string_field(ref, "name");
    const auto p = std::find_if(prompts_.begin(), prompts_.end(), [&](const auto& x) { return x.name == name; });
    if (p == prompts_.end()) return invalid_params("Invalid params: unknown prompt \"" + name + "\"");
    if (p->complete) candidates = p->complete(arg_name);
  } else if (type == "ref/resource") {
    const std::string uri = jsonrpc::string_field(ref, "uri");
    const auto t =
        std::find_if(templates_.begin(), templates_.end(), [&](const auto& x) { return x.uri_template == uri; });
    if (t == templates_.end()) return invalid_params("Invalid params: unknown resource template \"" + uri + "\"");
    if (t->complete) candidates = t->complete(prefix);
  } else {
    return invalid_params("Invalid params: ref.type must be \"ref/prompt\" or \"ref/resource\"");
  }
  Json values = Json::array();
  std::size_t total = 0;
  for (const auto& c : candidates) {
    if (c.compare(0, prefix.size(), prefix) != 0) continue;
    ++total;
    // "values: array of completion values (max 100 items)".
    if (values.size() < 100) values.push_back(c);
  }
  return Json{{"completion", {{"values", std::move(values)}, {"total", total}, {"hasMore", total > 100}}}};
}

tl::expected<Dispatcher::PreparedCall, Error> Dispatcher::prepare_call(const Json& params) const {
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    return invalid_params("Invalid params: tools/call needs a string \"name\"");
  }
  const auto& name = params["name"].get_ref<const std::string&>();
  std::shared_ptr<const RegisteredTool> found;
  {
    std::shared_lock lock(tools_mutex_);
    for (const auto& t : tools_) {
      if (t->def.name == name) found = t;
    }
  }
  if (!found) return invalid_params("Unknown tool: " + name + " (tools/list names the available tools)");
  const RegisteredTool& tool = *found;
  PreparedCall call{found, &tool.def, Json::object(), std::nullopt};
  if (const auto a = params.find("arguments"); a != params.end() && !a->is_null()) call.arguments = *a;
  if (!call.arguments.is_object()) {
    call.invalid = "Invalid arguments for tool " + name + ": \"arguments\" must be an object";
    return call;
  }
  const auto errors = tool.input.validate(call.arguments);
  if (!errors.empty()) {
    call.invalid = "Invalid arguments for tool " + name + ": " + protocol::format_errors(errors) +
                   ". Fix the arguments to match the tool's inputSchema and call it again.";
    return call;
  }
  tool.input.apply_defaults(call.arguments);
  return call;
}

Json Dispatcher::run_call(const PreparedCall& call, CallContext& context, std::string_view version) const {
  const ToolDef& def = *call.tool;
  auto error_result = [](std::string message) {
    return Json{{"content", Json::array({text_content(std::move(message))})}, {"isError", true}};
  };
  if (call.invalid) return error_result(*call.invalid);

  CallNext next = [](const ToolDef& d, const Json& args, CallContext& ctx) { return d.handler(args, ctx); };
  for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) {
    next = [mw = *it, inner = std::move(next)](const ToolDef& d, const Json& args, CallContext& ctx) {
      return mw(d, args, ctx, inner);
    };
  }
  Result<ToolOutput> output = next(def, call.arguments, context);
  if (!output) return error_result(output.error().message);

  const RegisteredTool& tool = *call.registered;
  if (tool.output) {
    const auto errors = tool.output->validate(output->structured);
    // The handler broke its own contract: an invariant failure, answered -32603 by the session loop.
    if (!errors.empty()) {
      throw std::logic_error("tool " + def.name +
                             " returned output that fails its schema: " + protocol::format_errors(errors));
    }
  }
  Json content = Json::array();
  if (!output->text.empty() || output->content.empty()) content.push_back(text_content(std::move(output->text)));
  for (auto& block : output->content) content.push_back(std::move(block));
  Json result{{"isError", false}};
  if (protocol::has_structured_output(version)) {
    if (tool.output) result["structuredContent"] = std::move(output->structured);
  } else if (tool.output) {
    // Before 2025-06-18 there is no structuredContent: the JSON travels as a second text block.
    content.push_back(text_content(jsonrpc::serialize(output->structured)));
  }
  result["content"] = std::move(content);
  return result;
}

}  // namespace eks::server
