#include "server/jsonrpc/message.hpp"

#include <limits>

namespace eks::jsonrpc {
namespace {

// Depth of the deepest array/object nesting outside strings, stopping early past the limit. Checked before
// parsing so a 10,000-deep document is refused in linear time without building it.
bool nesting_within(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > max_depth) return false;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return true;
}

Invalid invalid(std::optional<Id> id, std::string message) {
  return Invalid{std::move(id), Error{kInvalidRequest, std::move(message), std::nullopt}};
}

}  // namespace

tl::expected<Json, Error> parse(std::string_view text, std::size_t max_depth) {
  // The JSON library stops at a NUL as if input ended; a raw NUL is never valid JSON, so refuse the line.
  if (text.find('\0') != std::string_view::npos) {
    return tl::unexpected(Error{kParseError, "Parse error: raw NUL byte in message", std::nullopt});
  }
  if (!nesting_within(text, max_depth)) {
    return tl::unexpected(Error{
        kParseError, "Parse error: JSON nested deeper than " + std::to_string(max_depth) + " levels", std::nullopt});
  }
  Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // Re-run with exceptions only on failure, for a message that names the position.
    try {
      const Json ignored = Json::parse(text.begin(), text.end());
      (void)ignored;
    } catch (const Json::exception& e) {  // parse_error, and out_of_range for numbers such as 1e400
      return tl::unexpected(Error{kParseError, std::string("Parse error: ") + e.what(), std::nullopt});
    }
    return tl::unexpected(Error{kParseError, "Parse error", std::nullopt});
  }
  return value;
}

std::optional<Id> id_from_json(const Json& value) {
  if (value.is_string()) return Id{value.get<std::string>()};
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return Id{value.get<std::int64_t>()};
  }
  return std::nullopt;
}

namespace {

// `owned` is `value` itself when the caller gives it up: params and result are then moved out, not copied.
tl::expected<Message, Invalid> classify_value(const Json& value, Json* owned) {
  if (!value.is_object())
    return tl::unexpected(invalid(std::nullopt, "Invalid Request: a message must be a JSON object"));

  std::optional<Id> id;
  const auto id_it = value.find("id");
  const bool has_id = id_it != value.end();
  // "If there was an error in detecting the id in the Request object ... it MUST be Null": a peer's error
  // response may carry id null, and must not be answered.
  const bool null_id_error =
      has_id && id_it->is_null() && value.contains("error") && !value.contains("method") && !value.contains("result");
  if (has_id && !null_id_error) {
    id = id_from_json(*id_it);
    if (!id) {
      return tl::unexpected(invalid(
          std::nullopt, id_it->is_null() ? "Invalid Request: id must not be null"
                                         : "Invalid Request: id must be a string or an integer within 64 bits"));
    }
  }

  const auto version = value.find("jsonrpc");
  if (version == value.end() || !version->is_string() || version->get_ref<const std::string&>() != "2.0") {
    return tl::unexpected(invalid(id, "Invalid Request: \"jsonrpc\" must be \"2.0\""));
  }

  const auto method = value.find("method");
  if (method != value.end()) {
    if (!method->is_string()) return tl::unexpected(invalid(id, "Invalid Request: \"method\" must be a string"));
    Json params = nullptr;
    if (const auto p = value.find("params"); p != value.end()) {
      if (!p->is_object() && !p->is_array()) {
        return tl::unexpected(invalid(id, "Invalid Request: \"params\" must be an object"));
      }
      params = owned ? std::move((*owned)["params"]) : *p;
    }
    if (has_id) return Message{Request{*id, method->get<std::string>(), std::move(params)}};
    return Message{Notification{method->get<std::string>(), std::move(params)}};
  }

  const auto result = value.find("result");
  const auto error = value.find("error");
  if (result != value.end() && error == value.end() && has_id)
    return Message{Response{*id, owned ? std::move((*owned)["result"]) : *result}};
  if (error != value.end() && result == value.end()) {
    Error e;
    if (error->is_object()) {
      // Only an integer that fits is a code ("code: a Number that MUST be an integer"): value<int>() threw on a
      // string and converted a huge number to int, which is undefined behaviour. Anything else reads as absent.
      e.code = 0;
      if (const auto c = error->find("code"); c != error->end() && c->is_number_integer()) {
        const bool fits = c->is_number_unsigned()
                              ? c->get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())
                              : c->get<std::int64_t>() >= std::numeric_limits<int>::min() &&
                                    c->get<std::int64_t>() <= std::numeric_limits<int>::max();
        if (fits) e.code = c->get<int>();
      }
      if (const auto m = error->find("message"); m != error->end() && m->is_string()) e.message = m->get<std::string>();
      if (const auto d = error->find("data"); d != error->end()) e.data = *d;
    }
    return Message{ErrorResponse{id, std::move(e)}};
  }
  return tl::unexpected(
      invalid(id, "Invalid Request: a message needs \"method\", or exactly one of \"result\" and \"error\""));
}

}  // namespace

tl::expected<Message, Invalid> classify(const Json& value) { return classify_value(value, nullptr); }

tl::expected<Message, Invalid> classify(Json&& value) { return classify_value(value, &value); }

Json to_json(const Id& id) {
  return std::visit([](const auto& v) { return Json(v); }, id);
}

std::string id_key(const Id& id) {
  if (const auto* n = std::get_if<std::int64_t>(&id)) return std::to_string(*n);
  return Json(std::get<std::string>(id)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json make_response(const Id& id, Json result) {
  return Json{{"jsonrpc", "2.0"}, {"id", to_json(id)}, {"result", std::move(result)}};
}

Json make_error(const std::optional<Id>& id, const Error& error) {
  Json err{{"code", error.code}, {"message", error.message}};
  if (error.data) err["data"] = *error.data;
  return Json{{"jsonrpc", "2.0"}, {"id", id ? to_json(*id) : Json(nullptr)}, {"error", std::move(err)}};
}

Json make_notification(std::string_view method, Json params) {
  Json n{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) n["params"] = std::move(params);
  return n;
}

std::string string_field(const Json& object, std::string_view key, std::string fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string serialize(const Json& message) { return message.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace eks::jsonrpc
