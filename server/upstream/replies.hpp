#pragma once
// What upstream servers answer, read without trusting it: an answer over HTTP (a JSON body or an SSE stream of
// JSON-RPC messages) into a request's outcome, and a tools/call outcome into the audit log's ok/detail. Peers'
// bytes only: nothing here throws on a field of the wrong type.
#include <cstdint>
#include <string>
#include <utility>

#include "server/upstream/client.hpp"

namespace eks::upstream {

// One HTTP answer to a POSTed JSON-RPC message.
struct HttpReply {
  long status = 0;
  std::string content_type;
  std::string session_id;
  std::string body;
};

// The outcome of request `id` (`method`, sent to upstream `name`) in `reply`: its result, the JSON-RPC error it
// carries (Kind::remote), or Kind::protocol when the answer is not a 2xx or holds no response to `id`. Sets
// tools_changed when the answer also holds notifications/tools/list_changed.
Expected<Json> read_reply(const std::string& name, const std::string& method, std::int64_t id, const HttpReply& reply,
                          bool& tools_changed);

// Whether a tools/call outcome succeeded, and the first text of a failed one (the audit log's detail, at most
// 500 bytes).
std::pair<bool, std::string> call_outcome(const Expected<Json>& result);

}  // namespace eks::upstream
