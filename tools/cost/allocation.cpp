#include "tools/cost/allocation.hpp"

#include <algorithm>
#include <cmath>

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

std::optional<FargateSize> fargate_size(Requests pod) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  const double gb = (pod.bytes + 256.0 * 1024 * 1024) / kGiB;
  constexpr double eps = 1e-9;
  if (pod.cores <= 0.25 + eps) {
    for (const double m : {0.5, 1.0, 2.0}) {
      if (m + eps >= gb) return FargateSize{0.25, m};
    }
  }
  struct Tier {
    double vcpu, min_gb, max_gb, step;
  };
  constexpr Tier kTiers[] = {{0.5, 1, 4, 1}, {1, 2, 8, 1},   {2, 4, 16, 1},
                             {4, 8, 30, 1},  {8, 16, 60, 4}, {16, 32, 120, 8}};
  for (const auto& t : kTiers) {
    if (t.vcpu + eps < pod.cores) continue;
    const double m = gb <= t.min_gb ? t.min_gb : t.min_gb + std::ceil((gb - t.min_gb) / t.step - eps) * t.step;
    if (m <= t.max_gb + eps) return FargateSize{t.vcpu, m};
  }
  return std::nullopt;
}

std::optional<std::pair<double, double>> container_hourly(const NodePrice& node, Requests pod, Requests now,
                                                          Requests after) {
  if (!node.fargate) {
    const auto a = hourly_cost(node, now.cores, now.bytes);
    const auto b = hourly_cost(node, after.cores, after.bytes);
    if (!a || !b) return std::nullopt;
    return std::pair{*a, *b};
  }
  const auto& rate = *node.fargate;
  const auto price = [&](Requests r) -> std::optional<double> {
    const auto size = fargate_size(r);
    if (!size) return std::nullopt;
    return size->vcpu * rate.vcpu_hour + size->gb * rate.gb_hour;
  };
  const auto linear = [&](Requests r) {
    return r.cores * rate.vcpu_hour + r.bytes / (1024.0 * 1024 * 1024) * rate.gb_hour;
  };
  const Requests changed{std::max(0.0, pod.cores - now.cores + after.cores),
                         std::max(0.0, pod.bytes - now.bytes + after.bytes)};
  const auto pod_now = price(pod);
  const auto pod_after = price(changed);
  if (!pod_now || !pod_after) return std::nullopt;
  const double whole = linear(pod);
  const double share = whole > 0 ? linear(now) / whole : 1;
  const double mine = *pod_now * share;
  return std::pair{mine, std::max(0.0, mine - (*pod_now - *pod_after))};
}

}  // namespace eks::cost
