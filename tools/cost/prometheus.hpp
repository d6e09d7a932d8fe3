#pragma once
// Usage history from Prometheus: cAdvisor's container_cpu_usage_seconds_total and
// container_memory_working_set_bytes, two instant queries per namespace whatever its size (subqueries give each
// container's percentile, median, peak and number of points in one evaluation), never one per pod. Plain
// Prometheus with an optional bearer token, or Amazon Managed Service for Prometheus with AWS SigV4 signing
// (libcurl's CURLOPT_AWS_SIGV4).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "tools/cost/settings.hpp"
#include "tools/cost/usage.hpp"

namespace eks::cost {

// Where usage history comes from: Prometheus, or the metrics API's samples kept in SQLite.
class UsageSource {
 public:
  virtual ~UsageSource() = default;
  // Usage of every container of namespace `ns` over the `days` before `end`. Fails with a sentence naming the
  // source ("Prometheus at http://... did not answer within 30 s"). Thread-safe.
  virtual tl::expected<NamespaceUsage, std::string> namespace_usage(const std::string& ns, int days, cluster::Time end,
                                                                    const Strategy& strategy) = 0;
  virtual int queries() const = 0;           // requests made so far
  virtual std::string describe() const = 0;  // "prometheus:http://..." | "metrics-api:..."
  // What the source warned of while answering (Prometheus's own warnings: a result it could only partly compute).
  virtual std::vector<std::string> warnings() const { return {}; }
};

// The PromQL of the two queries, for `ns` over `days` at `step_seconds`: per (pod, container), the statistics
// labelled stat="p50" | "pq" (the percentile) | "max" | "count". CPU is rate() over one step, sampled every step;
// memory's percentile and median are sampled every step and its peak is over every raw sample.
std::string cpu_query(const std::string& ns, int days, int step_seconds, double percentile);
std::string memory_query(const std::string& ns, int days, int step_seconds, double percentile);

class PrometheusClient {
 public:
  explicit PrometheusClient(PrometheusSettings settings);
  // One instant query (POST /api/v1/query) evaluated at `at`: the response's `data`, or a sentence naming the URL.
  // The response's `warnings`, when it has any, are appended to `warnings`.
  tl::expected<nlohmann::json, std::string> query(const std::string& promql, cluster::Time at,
                                                  std::vector<std::string>* warnings = nullptr);
  int queries() const { return queries_.load(); }
  const PrometheusSettings& settings() const { return settings_; }

 private:
  PrometheusSettings settings_;
  std::atomic<int> queries_{0};
};

std::unique_ptr<UsageSource> make_prometheus_source(PrometheusSettings settings);

}  // namespace eks::cost
