#include "server/transport/http_metrics.hpp"

#include <cstdio>

namespace eks::transport {
namespace {

// "label_value can be any sequence of UTF-8 characters, but the backslash, double-quote and line feed
// characters have to be escaped as \\, \" and \n".
std::string escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

}  // namespace

void HttpMetrics::Histogram::observe(double seconds) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++buckets[i];
  }
  ++count;
  sum += seconds;
}

void HttpMetrics::request(std::string_view method, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(method), status}];
  request_seconds_[std::string(method)].observe(seconds);
}

void HttpMetrics::tool_call(std::string_view tool, std::string_view outcome, double seconds) {
  std::lock_guard lock(mutex_);
  ++tool_calls_[{std::string(tool), std::string(outcome)}];
  tool_seconds_[std::string(tool)].observe(seconds);
}

std::string HttpMetrics::render() const {
  std::string out;
  auto histogram = [&out](const char* name, const char* label, const std::map<std::string, Histogram>& series) {
    for (const auto& [key, h] : series) {
      const std::string labels = std::string(label) + "=\"" + escape(key) + "\"";
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        out += std::string(name) + "_bucket{" + labels + ",le=\"" + number(kBuckets[i]) + "\"} " +
               std::to_string(h.buckets[i]) + "\n";
      }
      out += std::string(name) + "_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      out += std::string(name) + "_sum{" + labels + "} " + number(h.sum) + "\n";
      out += std::string(name) + "_count{" + labels + "} " + std::to_string(h.count) + "\n";
    }
  };
  std::lock_guard lock(mutex_);
  out += "# HELP mcp_http_requests_total HTTP requests answered, by method and status.\n";
  out += "# TYPE mcp_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "mcp_http_requests_total{method=\"" + escape(key.first) + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP mcp_http_request_duration_seconds Time from a request to its response headers.\n";
  out += "# TYPE mcp_http_request_duration_seconds histogram\n";
  histogram("mcp_http_request_duration_seconds", "method", request_seconds_);
  out += "# HELP mcp_tool_calls_total Tool calls finished, by tool and outcome (ok, error, exception).\n";
  out += "# TYPE mcp_tool_calls_total counter\n";
  for (const auto& [key, n] : tool_calls_) {
    out += "mcp_tool_calls_total{tool=\"" + escape(key.first) + "\",outcome=\"" + escape(key.second) + "\"} " +
           std::to_string(n) + "\n";
  }
  out += "# HELP mcp_tool_call_duration_seconds Tool call duration, by tool.\n";
  out += "# TYPE mcp_tool_call_duration_seconds histogram\n";
  histogram("mcp_tool_call_duration_seconds", "tool", tool_seconds_);
  out += "# HELP mcp_active_sessions MCP sessions open (Streamable HTTP and legacy SSE).\n";
  out += "# TYPE mcp_active_sessions gauge\n";
  out += "mcp_active_sessions " + std::to_string(sessions()) + "\n";
  out += "# HELP mcp_active_streams SSE streams open.\n";
  out += "# TYPE mcp_active_streams gauge\n";
  out += "mcp_active_streams " + std::to_string(streams()) + "\n";
  out += "# HELP mcp_http_connections Open HTTP connections.\n";
  out += "# TYPE mcp_http_connections gauge\n";
  out += "mcp_http_connections " + std::to_string(connections()) + "\n";
  return out;
}

}  // namespace eks::transport
