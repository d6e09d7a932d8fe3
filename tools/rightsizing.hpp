#pragma once
// What recommend_rightsizing computes, for the tools and loops that build on it: propose_remediation turns its
// recommendations into set_resources plans, and the monitor records the metrics API's usage between calls so a
// history builds up without Prometheus.
#include <cstddef>

#include <tl/expected.hpp>

#include "tools/cluster/cluster_state.hpp"
#include "tools/cost/rightsizing.hpp"
#include "tools/services.hpp"

namespace eks::tools {

struct RightsizingRun {
  cost::Report report;
  cluster::ClusterState state;  // pods, owners, nodes, HPAs and PodDisruptionBudgets of the scope read
};

// Reads the cluster and the usage (Prometheus, else the metrics API's samples) and right-sizes `request`'s scope.
server::Result<RightsizingRun> rightsizing_report(const Services& services, const cost::Request& request,
                                                  server::CallContext& context);

// One sample of every container's current usage from the metrics API into the samples file (cost.samples_file):
// the number of containers recorded. Fails when the metrics API or the file cannot be read.
tl::expected<std::size_t, std::string> record_usage_sample(const Services& services);

}  // namespace eks::tools
