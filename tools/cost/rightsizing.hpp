#pragma once
// Right-sizing a cluster: each workload's containers (across their pods) get the strategy's requests and limits
// from their usage history, and dollars now and after from their nodes' prices. The tool recommend_rightsizing
// and the `rightsizing` command render what this returns.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "tools/cluster/cluster_state.hpp"
#include "tools/cost/prices.hpp"
#include "tools/cost/prometheus.hpp"
#include "tools/cost/settings.hpp"
#include "tools/cost/usage.hpp"

namespace eks::cost {

struct Request {
  std::optional<std::string> ns;
  std::optional<std::string> workload;  // a workload's name, or Kind/name
  int history_days = 14;
  bool include_hpa = false;
  std::size_t max_results = 100;
};

struct Quantities {
  std::optional<std::int64_t> cpu_request_m, cpu_limit_m, memory_request_bytes, memory_limit_bytes;
};

struct Recommendation {
  std::string id;  // "rs-" + a hash of namespace, workload and container
  std::string ns;
  std::string kind, workload;
  std::string container;
  std::size_t pods = 0;
  Quantities current, recommended;
  ContainerUsage usage;
  std::string status;    // ok | not_enough_data | hpa | no_usage
  std::string severity;  // good | ok | warning | critical | unknown
  std::optional<double> monthly_cost_now, monthly_cost_recommended, monthly_savings;
  std::string reason;
};

struct Totals {
  double monthly_cost_now = 0;
  double monthly_cost_recommended = 0;
  double monthly_savings = 0;
};

// Dollars of a group of containers: a workload (kind/name in `name`) or a namespace.
struct GroupTotals {
  std::string ns;
  std::string kind, name;  // empty for a namespace
  Totals totals;
};

struct Report {
  std::vector<Recommendation> recommendations;  // sorted by savings, largest first; at most max_results
  std::size_t total_recommendations = 0;        // before max_results
  Totals totals;                                // over every recommendation, not only those returned
  std::vector<GroupTotals> workloads;           // per workload, largest savings first; at most max_results
  std::vector<GroupTotals> namespaces;          // per namespace, largest savings first
  std::string data_source;                      // prometheus | metrics-api
  int queries = 0;
  std::vector<std::string> warnings;  // unknown prices, namespaces without usage (partial data)
  double percentile = 95;             // the strategy's CPU percentile (usage.*.p95 holds it)
  double memory_buffer = 0.15;        // the strategy's memory buffer
};

// Right-sizes `state`'s workloads (pods already loaded with their owners, nodes and HPAs) from `usage`. Fails
// only when no usage could be read at all; a namespace that failed is a warning and its containers say so.
tl::expected<Report, std::string> rightsize(const cluster::ClusterState& state, UsageSource& usage,
                                            const PriceTable& prices, const Settings& settings, const Request& request,
                                            cluster::Time end);

// JSON as the tool's output schema has it: quantities as Kubernetes quantity strings, null where unset.
nlohmann::json to_json(const Recommendation& r);
nlohmann::json to_json(const Report& report);

}  // namespace eks::cost
