-- wrk script for bench/http/run.sh: `ping` on one MCP session, a fresh id per request.
-- The session id and protocol version come from the environment (MCP_SESSION, MCP_VERSION).
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = os.getenv("MCP_SESSION")
wrk.headers["MCP-Protocol-Version"] = os.getenv("MCP_VERSION")

request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"jsonrpc":"2.0","id":' .. counter .. ',"method":"ping"}')
end

done = function(summary, latency, requests)
  io.write(string.format("wrk: %.0f req/s, p50 %.2f ms, p99 %.2f ms, errors %d (status %d)\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
