// Upstream answers over HTTP: an upstream MCP server (kubernetes-mcp-server, a GitHub server, any configured URL)
// answers a POST with a JSON body or an SSE stream of JSON-RPC messages, read by read_reply into the request's
// result or error; a tools/call result then goes through the gateway's outcome summary for the audit log. (Over
// stdio, an upstream's lines go through jsonrpc::parse and classify: the jsonrpc target.) The first byte picks
// the content type and the HTTP status.
#include <string>

#include "server/upstream/replies.hpp"
#include "tests/fuzz/fuzz.hpp"
#include "tests/fuzz/quiet_logs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  eks::fuzz::quiet_logs();
  if (size < 1) return 0;
  eks::upstream::HttpReply reply;
  static constexpr const char* kTypes[] = {"application/json", "text/event-stream", "text/event-stream; charset=utf-8",
                                           "text/plain"};
  static constexpr long kStatus[] = {200, 200, 202, 400, 404, 500};
  reply.content_type = kTypes[data[0] % std::size(kTypes)];
  reply.status = kStatus[(data[0] >> 2) % std::size(kStatus)];
  reply.body.assign(eks::fuzz::as_text(data + 1, size - 1));
  bool tools_changed = false;
  const auto result = eks::upstream::read_reply("fuzz", "tools/call", 7, reply, tools_changed);
  (void)eks::upstream::call_outcome(result);
  return 0;
}
