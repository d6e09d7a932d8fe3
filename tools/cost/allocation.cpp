#include "tools/cost/allocation.hpp"

#include <algorithm>

#include "tools/cluster/quantity.hpp"

namespace eks::cost {
namespace {

std::string label(const cluster::Node& node, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (const auto it = node.meta.labels.find(key); it != node.meta.labels.end() && !it->second.empty())
      return it->second;
  }
  return {};
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

}  // namespace

NodePrice price_node(const cluster::Node& node, const PriceTable& prices) {
  NodePrice out;
  out.region = label(node, {"topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"});
  out.instance_type = label(node, {"node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"});
  if (out.instance_type.empty() && node.instance_type) out.instance_type = *node.instance_type;
  const auto alloc_cpu = node.allocatable.find("cpu");
  const auto alloc_mem = node.allocatable.find("memory");
  if (alloc_cpu != node.allocatable.end()) {
    if (const auto m = cluster::cpu_millicores(alloc_cpu->second))
      out.allocatable_cores = static_cast<double>(*m) / 1000;
  }
  if (alloc_mem != node.allocatable.end()) {
    if (const auto b = cluster::bytes(alloc_mem->second)) out.allocatable_bytes = static_cast<double>(*b);
  }
  const bool fargate =
      lower(label(node, {"eks.amazonaws.com/compute-type"})) == "fargate" || node.meta.name.rfind("fargate-", 0) == 0;
  if (fargate) {
    out.capacity_type = "fargate";
    out.instance_type.clear();
    out.fargate = prices.fargate(out.region);
    if (!out.fargate) {
      out.problem = "Fargate in region " + (out.region.empty() ? std::string("(no region label)") : out.region) +
                    " is not in the price table";
    }
    return out;
  }
  const auto capacity = lower(label(node, {"eks.amazonaws.com/capacityType", "karpenter.sh/capacity-type"}));
  out.capacity_type = capacity == "spot" ? "spot" : "on-demand";
  if (out.instance_type.empty() || out.region.empty()) {
    out.problem =
        "node " + node.meta.name + " has no " + (out.instance_type.empty() ? "instance-type" : "region") + " label";
    return out;
  }
  const auto price = prices.on_demand(out.region, out.instance_type);
  if (!price) {
    out.problem = "instance type " + out.instance_type + " in " + out.region + " is not in the price table";
    return out;
  }
  out.hourly = out.capacity_type == "spot" ? *price * (1 - prices.spot_discount()) : *price;
  return out;
}

std::optional<double> hourly_cost(const NodePrice& node, double cores, double bytes) {
  if (node.fargate) {
    return cores * node.fargate->vcpu_hour + bytes / (1024.0 * 1024 * 1024) * node.fargate->gb_hour;
  }
  if (!node.hourly || node.allocatable_cores <= 0 || node.allocatable_bytes <= 0) return std::nullopt;
  const double share = std::max(cores / node.allocatable_cores, bytes / node.allocatable_bytes);
  return share * *node.hourly;
}

}  // namespace eks::cost
