#pragma once
// What right-sizing is told: the strategy's parameters (defaults are Robusta KRR's `simple` strategy), where usage
// history comes from (Prometheus, plain, with a bearer token, or Amazon Managed Service for Prometheus with SigV4)
// and where prices come from. app/ fills it from the `cost` section of the configuration.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "tools/cluster/quantity.hpp"

namespace eks::cost {

inline constexpr std::int64_t kMi = 1024 * 1024;

// KRR's simple strategy: CPU request = the percentile of usage (no CPU limit); memory request = limit = peak
// working set plus a buffer; too few points, no recommendation; a resource an HPA scales on is left alone.
struct Strategy {
  double cpu_percentile = 95;      // of CPU usage, per pod; the workload takes its busiest pod's
  double memory_buffer = 0.15;     // peak working set × (1 + buffer)
  double oom_limit_factor = 1.25;  // an OOM-killed container gets at least its current memory limit × this
  std::int64_t points_required = 100;
  bool allow_hpa = false;  // recommend a resource an HPA scales on anyway
  std::int64_t min_cpu_millicores = 10;
  std::int64_t min_memory_bytes = 100 * kMi;
  // KRR's severity bands: the absolute change at or above which a resource is ok / warning / critical (below the
  // first: good). CPU in cores, memory in MiB.
  double cpu_bands[3] = {0.1, 0.25, 0.5};
  double memory_bands_mib[3] = {100, 250, 500};
};

struct PrometheusSettings {
  std::string url;  // empty: no Prometheus (the metrics API's samples instead)
  std::string bearer_token_file;
  // Non-empty: sign every request with AWS SigV4 for this region (Amazon Managed Service for Prometheus).
  // Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
  std::string sigv4_region;
  std::string sigv4_service = "aps";
  int timeout_ms = 30000;  // per query
  // The resolution of the history: CPU is rate() over this window, sampled at this step (seconds). cAdvisor is
  // scraped every 15 s to 1 min; a 5-minute window always holds several samples, where KRR's 1.25 minutes can hold
  // a single one on a 1-minute scrape, and rate() of one sample is nothing.
  int step_seconds = 300;
  int parallel = 4;  // namespaces queried at once
  // Overrides of the process environment (tests): AWS_* variables are looked up here first.
  std::map<std::string, std::string> environment;
};

struct Settings {
  PrometheusSettings prometheus;
  int history_days = 14;
  std::string prices_file;   // empty: the embedded table (tools/cost/prices/aws.yaml)
  std::string samples_file;  // SQLite samples of the metrics API (the state directory's usage.sqlite)
  Strategy strategy;
  // The instant the history ends; nullopt: now. Tests pin it to the data they generated.
  std::optional<cluster::Time> evaluation_time;
};

}  // namespace eks::cost
