#pragma once
// The arithmetic of right-sizing: usage statistics of one container, what the strategy proposes from them, the
// severity of the change, and the quantities as Kubernetes writes them. No I/O: the Prometheus client and the
// metrics-API store fill the statistics, rightsizing.cpp applies them to workloads.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tools/cost/settings.hpp"

namespace eks::cost {

// One resource's usage over the history: CPU in cores, memory in bytes.
struct Stats {
  double p50 = 0;
  double pq = 0;  // the strategy's percentile (95 by default)
  double max = 0;
  std::int64_t points = 0;  // samples behind the figures (0: no data)
};

struct ContainerUsage {
  Stats cpu;
  Stats memory;
};

// (pod, container) -> usage, for one namespace.
using NamespaceUsage = std::map<std::pair<std::string, std::string>, ContainerUsage>;

// A workload's container across its pods, as KRR's simple strategy combines them: each figure is the largest of
// the pods' (the busiest pod's percentile, the highest peak), and the points add up.
ContainerUsage combine(const std::vector<ContainerUsage>& pods);

// The φ-quantile of `values` (0 ≤ φ ≤ 1) with linear interpolation between closest ranks, as Prometheus's
// quantile_over_time computes it; NaN for no values. Sorts `values`.
double quantile(double phi, std::vector<double>& values);

// What the container has now, parsed from its spec (nullopt: unset).
struct Resources {
  std::optional<std::int64_t> cpu_request_m;
  std::optional<std::int64_t> cpu_limit_m;
  std::optional<std::int64_t> memory_request_bytes;
  std::optional<std::int64_t> memory_limit_bytes;
};

// Why a resource has no recommendation.
enum class Skip { none, not_enough_data, hpa };

struct Proposal {
  std::optional<std::int64_t> cpu_request_m;  // nullopt: no recommendation (see cpu_skip); never a CPU limit
  std::optional<std::int64_t> memory_bytes;   // request and limit
  Skip cpu_skip = Skip::none;
  Skip memory_skip = Skip::none;
  bool oom_floor = false;  // the memory came from the OOM rule (current limit × factor), not the peak
};

// The simple strategy on one workload container: CPU = the percentile, rounded up to 1m, at least the minimum;
// memory = peak × (1 + buffer), at least current limit × factor when it was OOM-killed, rounded up to 1Mi, at
// least the minimum. A resource with fewer points than required, or one an HPA scales on (unless allowed), is
// skipped.
Proposal propose(const ContainerUsage& usage, const Resources& current, bool oom_killed, bool hpa_on_cpu,
                 bool hpa_on_memory, const Strategy& strategy);

// KRR's bands on the absolute change of one resource: good | ok | warning | critical; a change from or to unset
// is a warning; both unset is good.
std::string cpu_severity(std::optional<std::int64_t> current_m, std::optional<std::int64_t> recommended_m,
                         const Strategy& strategy);
std::string memory_severity(std::optional<std::int64_t> current_bytes, std::optional<std::int64_t> recommended_bytes,
                            const Strategy& strategy);
// The worse of two severities (good < ok < warning < critical; unknown ranks below good).
std::string worse(const std::string& a, const std::string& b);

// Cores rounded up to whole millicores; bytes rounded up to whole MiB.
std::int64_t millicores_up(double cores);
std::int64_t mebibytes_up(double bytes);  // in bytes, a multiple of 1 MiB
// 2000 -> "2", 250 -> "250m"; bytes: a multiple of 1Gi -> "2Gi", of 1Mi -> "184Mi", else plain bytes.
std::string cpu_quantity(std::int64_t millicores);
std::string memory_quantity(std::int64_t bytes);

}  // namespace eks::cost
