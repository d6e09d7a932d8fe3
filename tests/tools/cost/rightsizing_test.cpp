// Right-sizing a snapshot cluster with usage from a stand-in source: partial data is labelled, no data at all is
// the source's error, recommendations are sorted by savings and the totals add up.
#include "tools/cost/rightsizing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "tools/cluster/source.hpp"

namespace eks::cost {
namespace {

// Every container of every namespace but `failing` used 20m CPU and 60Mi at most, over 4032 points.
class FakeUsage final : public UsageSource {
 public:
  FakeUsage(const cluster::ClusterState& state, std::set<std::string> failing)
      : state_(state), failing_(std::move(failing)) {}
  tl::expected<NamespaceUsage, std::string> namespace_usage(const std::string& ns, int, cluster::Time,
                                                            const Strategy&) override {
    ++queries_;
    if (failing_.count(ns))
      return tl::unexpected(std::string("Prometheus at http://127.0.0.1:9 answered HTTP 503: overloaded"));
    NamespaceUsage out;
    for (const auto* pod : state_.pods_in_namespace(ns)) {
      for (const auto& c : pod->spec.containers) {
        out[{pod->meta.name, c.name}] = {{0.01, 0.02, 0.03, 4032}, {50.0 * kMi, 55.0 * kMi, 60.0 * kMi, 4032}};
      }
    }
    return out;
  }
  int queries() const override { return queries_; }
  std::string describe() const override { return "fake"; }

 private:
  const cluster::ClusterState& state_;
  std::set<std::string> failing_;
  std::atomic<int> queries_{0};
};

cluster::ClusterState scenario() {
  auto state = cluster::make_snapshot_source(std::string(EKS_SOURCE_DIR) + "/examples/scenarios/autoscaling-and-cron")
                   ->load({}, {});
  EXPECT_TRUE(state) << state.error();
  return *state;
}

TEST(Rightsize, NamespaceWithoutUsageIsLabelledAndTheRestRecommended) {
  const auto state = scenario();
  FakeUsage usage(state, {"shop"});
  Settings settings;
  const auto prices = PriceTable::load();
  const auto report = rightsize(state, usage, *prices, settings, Request{}, state.now);
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(report->queries, 6);
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_NE(report->warnings[0].find("no usage for namespace shop: Prometheus at http://127.0.0.1:9"),
            std::string::npos);
  double now = 0, after = 0, previous = 1e9;
  for (const auto& r : report->recommendations) {
    if (r.ns == "shop") {
      EXPECT_EQ(r.status, "no_usage");
      EXPECT_FALSE(r.recommended.cpu_request_m);
    }
    if (r.ns == "kube-system" && r.workload == "coredns") {
      EXPECT_EQ(*r.recommended.cpu_request_m, 20);
      EXPECT_EQ(*r.recommended.memory_request_bytes, 100 * kMi);  // 69Mi, raised to the minimum
      EXPECT_EQ(r.severity, "good");                              // 80m and 30Mi less: below KRR's first bands
    }
    ASSERT_TRUE(r.monthly_savings) << r.ns << "/" << r.workload;
    EXPECT_LE(*r.monthly_savings, previous);
    previous = *r.monthly_savings;
    now += *r.monthly_cost_now;
    after += *r.monthly_cost_recommended;
  }
  EXPECT_NEAR(report->totals.monthly_cost_now, now, 1e-9);
  EXPECT_NEAR(report->totals.monthly_savings, now - after, 1e-9);
  // Per namespace and per workload, the containers added up.
  double ns_savings = 0;
  for (const auto& n : report->namespaces) ns_savings += n.totals.monthly_savings;
  EXPECT_NEAR(ns_savings, report->totals.monthly_savings, 1e-9);
  const auto aws_node = std::find_if(report->workloads.begin(), report->workloads.end(),
                                     [](const GroupTotals& w) { return w.name == "aws-node"; });
  ASSERT_NE(aws_node, report->workloads.end());
  double containers = 0;
  for (const auto& r : report->recommendations)
    if (r.workload == "aws-node") containers += *r.monthly_savings;
  EXPECT_NEAR(aws_node->totals.monthly_savings, containers, 1e-9);  // aws-node and aws-eks-nodeagent
  EXPECT_EQ(aws_node->kind, "DaemonSet");
}

TEST(Rightsize, NoUsageAnywhereIsTheSourcesError) {
  const auto state = scenario();
  FakeUsage usage(state, {"checkout", "kube-system", "monitoring", "recommendations", "search", "shop"});
  const auto prices = PriceTable::load();
  const auto report = rightsize(state, usage, *prices, Settings{}, Request{}, state.now);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().find("http://127.0.0.1:9"), std::string::npos);
}

TEST(Rightsize, ScopesToOneWorkloadAndCapsTheResults) {
  const auto state = scenario();
  FakeUsage usage(state, {});
  const auto prices = PriceTable::load();
  Request request;
  request.ns = "shop";
  request.workload = "Deployment/cart";
  auto report = rightsize(state, usage, *prices, Settings{}, request, state.now);
  ASSERT_TRUE(report) << report.error();
  ASSERT_EQ(report->recommendations.size(), 1u);
  EXPECT_EQ(report->recommendations[0].container, "cart");
  EXPECT_EQ(report->queries, 1);
  request = Request{};
  request.max_results = 3;
  report = rightsize(state, usage, *prices, Settings{}, request, state.now);
  EXPECT_EQ(report->recommendations.size(), 3u);
  EXPECT_EQ(report->total_recommendations, 11u);
}

}  // namespace
}  // namespace eks::cost
