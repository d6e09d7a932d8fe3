#pragma once
// The counters behind /metrics, rendered in the Prometheus text exposition format (version 0.0.4).
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace eks::transport {

class HttpMetrics {
 public:
  // One answered HTTP request: its method, status and the time until its response headers went out.
  void request(std::string_view method, int status, double seconds);
  // One finished tool call: outcome is "ok", "error" (isError result) or "exception".
  void tool_call(std::string_view tool, std::string_view outcome, double seconds);
  void add_sessions(long delta) { sessions_.fetch_add(delta, std::memory_order_relaxed); }
  void add_streams(long delta) { streams_.fetch_add(delta, std::memory_order_relaxed); }
  void add_connections(long delta) { connections_.fetch_add(delta, std::memory_order_relaxed); }
  long sessions() const { return sessions_.load(std::memory_order_relaxed); }
  long streams() const { return streams_.load(std::memory_order_relaxed); }
  long connections() const { return connections_.load(std::memory_order_relaxed); }

  // The exposition text.
  std::string render() const;

  static constexpr std::array<double, 13> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1.0,   2.5,  5.0,   10.0, 30.0};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
    void observe(double seconds);
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> request_seconds_;  // by HTTP method
  std::map<std::pair<std::string, std::string>, std::uint64_t> tool_calls_;
  std::map<std::string, Histogram> tool_seconds_;  // by tool
  std::atomic<long> sessions_{0};
  std::atomic<long> streams_{0};
  std::atomic<long> connections_{0};
};

}  // namespace eks::transport
