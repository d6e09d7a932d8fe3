#pragma once
// JSON-RPC 2.0 framing: message kinds, ids, standard error codes, and a bounded parser.
// "The request ID MUST be a string or integer" (MCP, basic/index): ids are a variant of the two.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks {
using Json = nlohmann::json;
}

namespace eks::jsonrpc {

// Standard JSON-RPC 2.0 error codes.
enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
};

using Id = std::variant<std::int64_t, std::string>;

struct Error {
  int code = kInternalError;
  std::string message;
  std::optional<Json> data;
};

struct Request {
  Id id;
  std::string method;
  Json params;  // an object, or null when the request had none
};

struct Notification {
  std::string method;
  Json params;
};

struct Response {
  Id id;
  Json result;
};

struct ErrorResponse {
  std::optional<Id> id;
  Error error;
};

using Message = std::variant<Request, Notification, Response, ErrorResponse>;

// A message that cannot be handled, with the id to answer (when one could be read) and the error.
struct Invalid {
  std::optional<Id> id;
  Error error;
};

// Parses text into a JSON value; rejects invalid JSON and nesting deeper than max_depth with -32700.
tl::expected<Json, Error> parse(std::string_view text, std::size_t max_depth);

// Classifies one decoded JSON object as a request, notification, response or error response.
tl::expected<Message, Invalid> classify(const Json& value);
// The same, moving a request's params or a response's result out of `value` instead of copying them: an
// upstream's answer can be tens of megabytes, and a deep copy of it on the reading thread costs as much as its
// parse.
tl::expected<Message, Invalid> classify(Json&& value);

Json to_json(const Id& id);
// A stable text form of an id ("7" or "\"abc\"") for maps and logs.
std::string id_key(const Id& id);
// Reads an id as JSON-RPC allows it here (integer or string); nullopt for anything else.
std::optional<Id> id_from_json(const Json& value);

Json make_response(const Id& id, Json result);
Json make_error(const std::optional<Id>& id, const Error& error);
Json make_notification(std::string_view method, Json params);

// The string at `key` of an object, or `fallback` when absent or not a string. Never throws: peers' input is
// read with it, so a field of the wrong type cannot raise inside the session.
std::string string_field(const Json& object, std::string_view key, std::string fallback = {});

// Serialises without throwing: invalid UTF-8 in strings is replaced rather than raising.
std::string serialize(const Json& message);

}  // namespace eks::jsonrpc
