// Dollars on hand-computed cases: on-demand, spot, Fargate and an unknown instance type; the OpenCost share of a
// node; a price file overlaying the embedded table.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "tools/cost/allocation.hpp"
#include "tools/cost/prices.hpp"

namespace eks::cost {
namespace {

cluster::Node node(const std::string& name, cluster::Labels labels, std::string cpu = "1930m",
                   std::string memory = "7Gi") {
  cluster::Node n;
  n.meta.name = name;
  n.meta.labels = std::move(labels);
  n.allocatable = {{"cpu", cpu}, {"memory", memory}};
  return n;
}

PriceTable table() {
  auto t = PriceTable::load();
  EXPECT_TRUE(t) << t.error();
  return *t;
}

TEST(PriceTable, ScalesAFamilysLargePriceBySize) {
  const auto t = table();
  EXPECT_DOUBLE_EQ(*t.on_demand("us-east-1", "m5.large"), 0.096);
  EXPECT_DOUBLE_EQ(*t.on_demand("us-east-1", "m5.2xlarge"), 0.384);
  EXPECT_DOUBLE_EQ(*t.on_demand("us-east-1", "t3.medium"), 0.0416);
  EXPECT_DOUBLE_EQ(*t.on_demand("eu-west-1", "c6i.xlarge"), 0.192);
  EXPECT_FALSE(t.on_demand("us-east-1", "x9.mega"));
  EXPECT_FALSE(t.on_demand("mars-north-1", "m5.large"));
  EXPECT_DOUBLE_EQ(t.hours_per_month(), 730);
}

TEST(Allocation, OnDemandShareIsTheLargerOfCpuAndMemoryShares) {
  const auto price = price_node(node("ip-1", {{"node.kubernetes.io/instance-type", "m5.large"},
                                              {"topology.kubernetes.io/region", "eu-west-1"},
                                              {"eks.amazonaws.com/capacityType", "ON_DEMAND"}}),
                                table());
  ASSERT_TRUE(price.hourly) << price.problem;
  EXPECT_DOUBLE_EQ(*price.hourly, 0.107);
  EXPECT_EQ(price.capacity_type, "on-demand");
  // 500m of 1930m = 0.2591 beats 1Gi of 7Gi = 0.1429: 0.2591 × $0.107 × 730 h = $20.2358 a month.
  EXPECT_NEAR(*hourly_cost(price, 0.5, 1024.0 * 1024 * 1024) * 730, 20.2357513, 1e-6);
  // Memory-bound: 100m (0.0518) and 3.5Gi (0.5): 0.5 × 0.107 × 730 = $39.055.
  EXPECT_NEAR(*hourly_cost(price, 0.1, 3.5 * 1024 * 1024 * 1024) * 730, 39.055, 1e-9);
}

TEST(Allocation, SpotIsOnDemandLessTheDiscount) {
  const auto t = table();
  const auto eks = price_node(node("ip-2", {{"node.kubernetes.io/instance-type", "m5.xlarge"},
                                            {"topology.kubernetes.io/region", "us-east-1"},
                                            {"eks.amazonaws.com/capacityType", "SPOT"}}),
                              t);
  EXPECT_EQ(eks.capacity_type, "spot");
  EXPECT_NEAR(*eks.hourly, 0.192 * 0.4, 1e-12);  // $0.192 on demand, 60% off
  const auto karpenter = price_node(node("ip-3", {{"node.kubernetes.io/instance-type", "m5.xlarge"},
                                                  {"topology.kubernetes.io/region", "us-east-1"},
                                                  {"karpenter.sh/capacity-type", "spot"}}),
                                    t);
  EXPECT_NEAR(*karpenter.hourly, 0.0768, 1e-12);
}

TEST(Allocation, FargatePaysPerVcpuHourAndGbHour) {
  const auto price =
      price_node(node("fargate-ip-10-0-1-1.eu-west-1.compute.internal",
                      {{"eks.amazonaws.com/compute-type", "fargate"}, {"topology.kubernetes.io/region", "eu-west-1"}}),
                 table());
  EXPECT_EQ(price.capacity_type, "fargate");
  ASSERT_TRUE(price.fargate);
  // 0.5 vCPU × $0.04456 + 1 GB × $0.004865 = $0.027145 an hour, $19.81585 a month.
  EXPECT_NEAR(*hourly_cost(price, 0.5, 1024.0 * 1024 * 1024) * 730, 19.81585, 1e-9);
}

TEST(Allocation, FargatePodRoundsUpToItsConfigurationPlusTheKubeletsShare) {
  constexpr double kMiB = 1024.0 * 1024;
  // 500m and 1Gi + 256Mi = 1.25 GB: 0.5 vCPU with 2 GB. 100m and 200Mi + 256Mi: 0.25 vCPU with 0.5 GB.
  EXPECT_DOUBLE_EQ(fargate_size({0.5, 1024 * kMiB})->gb, 2);
  EXPECT_DOUBLE_EQ(fargate_size({0.1, 200 * kMiB})->vcpu, 0.25);
  EXPECT_DOUBLE_EQ(fargate_size({0.1, 200 * kMiB})->gb, 0.5);
  EXPECT_DOUBLE_EQ(fargate_size({0.25, 2.5 * 1024 * kMiB})->vcpu, 0.5);  // 2.75 GB is more than 0.25 vCPU has
  EXPECT_DOUBLE_EQ(fargate_size({3, 9 * 1024 * kMiB})->gb, 10);          // 4 vCPU, 9.25 GB rounded to 10
  EXPECT_DOUBLE_EQ(fargate_size({5, 17 * 1024 * kMiB})->gb, 20);         // 8 vCPU, in 4 GB steps
  EXPECT_FALSE(fargate_size({17, 1024 * kMiB}));
  const auto price =
      price_node(node("fargate-ip-10-0-1-2.eu-west-1.compute.internal",
                      {{"eks.amazonaws.com/compute-type", "fargate"}, {"topology.kubernetes.io/region", "eu-west-1"}}),
                 table());
  // One container: 0.5 × $0.04456 + 2 × $0.004865 = $0.03201 an hour ($23.3673 a month); after, 0.25 vCPU and
  // 0.5 GB: $0.0135725 ($9.907925).
  const auto one = container_hourly(price, {0.5, 1024 * kMiB}, {0.5, 1024 * kMiB}, {0.1, 200 * kMiB});
  ASSERT_TRUE(one);
  EXPECT_NEAR(one->first * 730, 23.3673, 1e-9);
  EXPECT_NEAR(one->second * 730, 9.907925, 1e-9);
  // Two equal containers share the pod's price; shrinking one saves only what the pod's size drops: 1 vCPU and
  // 2.25 GB (3 GB) down to 0.6 vCPU and 1.45 GB (1 vCPU, 2 GB): $0.004865 an hour.
  const auto half = container_hourly(price, {1, 2048 * kMiB}, {0.5, 1024 * kMiB}, {0.1, 200 * kMiB});
  ASSERT_TRUE(half);
  EXPECT_NEAR(half->first, (0.04456 + 3 * 0.004865) / 2, 1e-12);
  EXPECT_NEAR(half->first - half->second, 0.004865, 1e-12);
}

TEST(Allocation, UnknownInstanceTypeIsReportedNotGuessed) {
  const auto price = price_node(
      node("ip-4", {{"node.kubernetes.io/instance-type", "x9.mega"}, {"topology.kubernetes.io/region", "eu-west-1"}}),
      table());
  EXPECT_FALSE(price.priced());
  EXPECT_EQ(price.problem, "instance type x9.mega in eu-west-1 is not in the price table");
  EXPECT_FALSE(hourly_cost(price, 0.5, 1e9));
}

TEST(PriceTable, PriceFileOverlaysTheEmbeddedTable) {
  char path[] = "/tmp/eks-prices-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << "spot_discount: 0.7\nregions:\n  eu-west-1:\n    instances: {x9.mega: 1.5}\n";
  auto t = PriceTable::load(path);
  ASSERT_TRUE(t) << t.error();
  EXPECT_DOUBLE_EQ(*t->on_demand("eu-west-1", "x9.mega"), 1.5);
  EXPECT_DOUBLE_EQ(*t->on_demand("eu-west-1", "m5.large"), 0.107);  // the embedded entries stay
  EXPECT_DOUBLE_EQ(t->spot_discount(), 0.7);
  std::ofstream(path) << "regions: {eu-west-1: {families: {m5: cheap}}}\n";
  const auto bad = PriceTable::load(path);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("regions.eu-west-1.families.m5 is not a number"), std::string::npos) << bad.error();
  std::remove(path);
}

}  // namespace
}  // namespace eks::cost
