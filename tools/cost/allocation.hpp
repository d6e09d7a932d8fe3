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

// Requests in cores and bytes.
struct Requests {
  double cores = 0;
  double bytes = 0;
};

// The Fargate configuration a pod requesting `pod` runs on: the smallest with at least its vCPU and, after the
// 256 MiB EKS adds for the Kubernetes components, its memory (0.25 vCPU: 0.5, 1 or 2 GB; 0.5: 1-4 GB; 1: 2-8 GB;
// 2: 4-16 GB; 4: 8-30 GB in 1 GB steps; 8: 16-60 GB in 4 GB steps; 16: 32-120 GB in 8 GB steps). nullopt beyond.
struct FargateSize {
  double vcpu = 0;
  double gb = 0;
};
std::optional<FargateSize> fargate_size(Requests pod);

// The hourly cost of one container, now and with its requests changed from `now` to `after`, in a pod requesting
// `pod` in all (its containers' sum, or its largest init container's). On EC2: its own request share of the node.
// On Fargate: the pod's configuration priced, split among its containers in proportion to what their requests
// would cost unrounded, less the drop of the pod's price when this container alone changes. nullopt: no price.
std::optional<std::pair<double, double>> container_hourly(const NodePrice& node, Requests pod, Requests now,
                                                          Requests after);

}  // namespace eks::cost
