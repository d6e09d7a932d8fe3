#pragma once
// Dollars: a node's hourly price from its labels and the price table, and a container's share of it by its
// requests, as OpenCost allocates (the larger of its share of the node's CPU and of its memory). Fargate has no
// node price: a pod there pays per vCPU-hour and GB-hour of what it requests.
#include <optional>
#include <string>

#include "tools/cluster/objects.hpp"
#include "tools/cost/prices.hpp"

namespace eks::cost {

struct NodePrice {
  std::string instance_type;  // "m5.large"; empty for Fargate
  std::string region;
  std::string capacity_type;     // on-demand | spot | fargate
  std::optional<double> hourly;  // the node's price; nullopt for Fargate and for an unknown type
  std::optional<FargateRate> fargate;
  double allocatable_cores = 0;
  double allocatable_bytes = 0;
  std::string problem;  // why it has no price ("instance type x1.huge in eu-west-1 is not in the price table")
  bool priced() const { return hourly.has_value() || fargate.has_value(); }
};

// Reads node.kubernetes.io/instance-type, topology.kubernetes.io/region (or the beta labels), the capacity type
// (eks.amazonaws.com/capacityType ON_DEMAND|SPOT, or karpenter.sh/capacity-type on-demand|spot) and
// eks.amazonaws.com/compute-type=fargate; spot is on-demand × (1 - the table's spot discount).
NodePrice price_node(const cluster::Node& node, const PriceTable& prices);

// The hourly cost of requesting `cores` and `bytes` on the node: max(cores / allocatable cores, bytes /
// allocatable bytes) × the node's price; on Fargate cores × the vCPU rate + GiB × the GB rate (Fargate's "GB" of
// memory are the GiB Kubernetes requests). nullopt when the node has no price.
std::optional<double> hourly_cost(const NodePrice& node, double cores, double bytes);

}  // namespace eks::cost
