// recommend_rightsizing against a real Prometheus: 14-day histories generated for every container of the
// autoscaling-and-cron scenario (steady, spiky, growing, idle, OOM-killing, HPA-scaled), backfilled with promtool;
// every recommendation must equal the strategy's formula computed here, independently, from the generated samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "tests/tools/cost/prometheus_fixture.hpp"
#include "tests/tools/fixtures.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;
using cost::testing::History;
using cost::testing::kMiB;
using cost::testing::Pattern;

constexpr int kStep = 300;
constexpr int kDays = 14;

// The scenario with what a snapshot cannot show: the recommender was OOM-killed yesterday, one node is spot.
class ScenarioSource final : public cluster::ClusterSource {
 public:
  ScenarioSource(std::shared_ptr<cluster::ClusterSource> inner, cluster::Time end)
      : inner_(std::move(inner)), end_(end) {}
  tl::expected<cluster::ClusterState, std::string> load(const cluster::LoadScope& scope,
                                                        const cluster::ProgressFn& progress) override {
    auto state = inner_->load(scope, progress);
    if (!state) return state;
    for (auto& pod : state->pods) {
      if (pod.meta.name.rfind("recommender-", 0) != 0) continue;
      for (auto& status : pod.container_statuses) {
        cluster::ContainerState killed;
        killed.state = "terminated";
        killed.reason = "OOMKilled";
        killed.exit_code = 137;
        killed.finished_at = end_ - std::chrono::hours(24);
        status.last_state = killed;
      }
    }
    for (auto& node : state->nodes) {
      if (node.meta.name.rfind("ip-10-0-2-87", 0) == 0) node.meta.labels["eks.amazonaws.com/capacityType"] = "SPOT";
    }
    return state;
  }
  tl::expected<std::string, std::string> logs(const cluster::LogRequest& r) override { return inner_->logs(r); }
  std::string describe() const override { return inner_->describe(); }

 private:
  std::shared_ptr<cluster::ClusterSource> inner_;
  cluster::Time end_;
};

// --- the formula, written again here from the strategy's definition (KRR simple) ---------------------------------

double percentile(double phi, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const double rank = phi * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

std::string millicores(double cores, long long minimum = 10) {
  const auto m = std::max<long long>(minimum, static_cast<long long>(std::ceil(cores * 1000 - 1e-6)));
  return m % 1000 == 0 ? std::to_string(m / 1000) : std::to_string(m) + "m";
}

std::string mebibytes(double bytes, long long minimum_mib = 100) {
  const auto mib = std::max(minimum_mib, static_cast<long long>(std::ceil(bytes / kMiB - 1e-9)));
  return mib % 1024 == 0 ? std::to_string(mib / 1024) + "Gi" : std::to_string(mib) + "Mi";
}

struct Expected {
  double cpu_pq = 0, memory_peak = 0;
  long long cpu_points = 0, memory_points = 0;
};

// The window is (T - 14d - step, T]: sample index 0 is one step before it, so rate() has its first pair at index 1.
Expected expected(const std::vector<const History*>& pods) {
  Expected e;
  for (const auto* h : pods) {
    std::vector<double> rates;
    for (std::size_t k = std::max<std::size_t>(1, h->first + 1); k < h->first + h->cpu_counter.size(); ++k) {
      rates.push_back((h->cpu_counter[k - h->first] - h->cpu_counter[k - h->first - 1]) / kStep);
    }
    if (!rates.empty()) e.cpu_pq = std::max(e.cpu_pq, percentile(0.95, rates));
    e.cpu_points += static_cast<long long>(rates.size());
    for (std::size_t k = std::max<std::size_t>(1, h->first); k < h->first + h->memory.size(); ++k) {
      e.memory_peak = std::max(e.memory_peak, h->memory[k - h->first]);
      ++e.memory_points;
    }
  }
  return e;
}

Pattern pattern_of(const std::string& workload) {
  if (workload == "cart" || workload == "prometheus-node-exporter-proxy") return Pattern::spiky;
  if (workload == "search-v2") return Pattern::growing;
  if (workload == "recommender") return Pattern::oom_killing;
  if (workload == "kube-proxy" || workload == "aws-node" || workload == "metrics-server") return Pattern::idle;
  return Pattern::steady;
}

TEST(RecommendRightsizingTool, EachRecommendationIsTheFormulaOnRealPrometheus) {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto seconds = now.time_since_epoch().count();
  const cluster::Time end{std::chrono::seconds(seconds - seconds % kStep)};
  const std::int64_t start = end.time_since_epoch().count() - kDays * 86400 - kStep;
  const std::size_t samples = kDays * 86400 / kStep + 2;

  Services services = services_of(std::make_shared<ScenarioSource>(source("autoscaling-and-cron"), end));
  auto state = services.cluster->load({}, {});
  ASSERT_TRUE(state) << state.error();

  // Histories: a workload's pods in order; checkout-api's HPA added pods halfway, at three quarters and an hour
  // ago; metrics-server's pod started 50 steps ago (too few points).
  std::vector<History> histories;
  std::map<std::string, std::vector<std::size_t>> of_container;  // ns/workload/container -> histories
  std::map<std::string, int> nth;
  for (const auto& pod : state->pods) {
    const auto workload = state->top_owner(pod.meta);
    const int index = nth[workload.ns + "/" + workload.name]++;
    std::size_t first = 0;
    if (workload.name == "checkout-api") {
      first = index < 2 ? 0 : index < 4 ? samples / 2 : index == 4 ? samples * 3 / 4 : samples - 12;
    }
    if (workload.name == "metrics-server") first = samples - 50;
    for (const auto& c : pod.spec.containers) {
      histories.push_back(cost::testing::generate(pod.meta.ns, pod.meta.name, c.name, pattern_of(workload.name),
                                                  samples, first, kStep));
      of_container[workload.ns + "/" + workload.name + "/" + c.name].push_back(histories.size() - 1);
    }
  }
  const cost::testing::RealPrometheus prometheus(histories, start, kStep);
  ASSERT_EQ(prometheus.error(), "");

  services.cost.prometheus.url = prometheus.url();
  services.cost.evaluation_time = end;
  const auto tool = recommend_rightsizing_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(with_defaults("recommend_rightsizing.input", json::object()), ctx);
  ASSERT_TRUE(out) << out.error().message;
  const auto& result = out->structured;
  const auto errors = schema("recommend_rightsizing.output").validate(result);
  EXPECT_TRUE(errors.empty()) << protocol::format_errors(errors);
  EXPECT_EQ(result["data_source"], "prometheus");
  // Two queries per namespace (checkout, kube-system, monitoring, recommendations, search, shop), never per pod.
  EXPECT_EQ(result["queries"], 12);
  ASSERT_EQ(result["recommendations"].size(), of_container.size());

  for (const auto& r : result["recommendations"]) {
    const std::string key = r["namespace"].get<std::string>() + "/" + r["workload"]["name"].get<std::string>() + "/" +
                            r["container"].get<std::string>();
    SCOPED_TRACE(key);
    ASSERT_TRUE(of_container.count(key));
    std::vector<const History*> pods;
    for (const auto i : of_container[key]) pods.push_back(&histories[i]);
    const auto e = expected(pods);
    const std::string workload = r["workload"]["name"];
    // The scenario's three HPAs all scale on CPU.
    const bool hpa = workload == "checkout-api" || workload == "search-v2" || workload == "recommender";
    EXPECT_EQ(r["points"], e.cpu_points);
    EXPECT_EQ(r["usage"]["memory"]["points"], e.memory_points);
    EXPECT_EQ(r["usage"]["cpu"]["p95"], millicores(e.cpu_pq, 0));
    if (e.cpu_points < 100 || hpa) {
      EXPECT_TRUE(r["recommended"]["cpu_request"].is_null());
    } else {
      EXPECT_EQ(r["recommended"]["cpu_request"], millicores(e.cpu_pq));
    }
    EXPECT_TRUE(r["recommended"]["cpu_limit"].is_null());
    if (e.memory_points < 100) {
      EXPECT_TRUE(r["recommended"]["memory_request"].is_null());
      EXPECT_EQ(r["status"], "not_enough_data");
      continue;
    }
    double memory = e.memory_peak * 1.15;
    if (workload == "recommender") memory = std::max(memory, 1024 * kMiB * 1.25);  // OOM-killed, limit 1Gi
    EXPECT_EQ(r["recommended"]["memory_request"], mebibytes(memory));
    EXPECT_EQ(r["recommended"]["memory_limit"], mebibytes(memory));
  }

  // Dollars by hand: storefront's two pods, on an on-demand and a spot m5.large in eu-west-1 ($0.107 an hour;
  // spot 60% off), each requesting 100m of 1930m (0.05181) and 128Mi of 7220172Ki (0.01815): CPU-bound,
  // 0.05181 × 0.107 × 730 × (1 + 0.4) = $5.67 a month.
  const auto storefront = std::find_if(result["recommendations"].begin(), result["recommendations"].end(),
                                       [](const json& r) { return r["workload"]["name"] == "storefront"; });
  ASSERT_NE(storefront, result["recommendations"].end());
  EXPECT_DOUBLE_EQ((*storefront)["monthly_cost_now"].get<double>(), 5.67);
  const auto rec_m = std::stod((*storefront)["recommended"]["cpu_request"].get<std::string>());
  const auto rec_mem = std::stod((*storefront)["recommended"]["memory_request"].get<std::string>()) * kMiB;
  const double share = std::max(rec_m / 1930, rec_mem / (7220172.0 * 1024));
  EXPECT_NEAR((*storefront)["monthly_cost_recommended"].get<double>(), share * 0.107 * 730 * 1.4, 0.006);
  EXPECT_NE(out->text.find("storefront"), std::string::npos) << out->text;
}

TEST(RecommendRightsizingTool, PrometheusDownIsAnErrorNamingItsUrl) {
  Services services = services_of(source("autoscaling-and-cron"));
  services.cost.prometheus.url = "http://127.0.0.1:" + std::to_string(cost::testing::free_port());
  services.cost.prometheus.timeout_ms = 2000;
  const auto tool = recommend_rightsizing_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(with_defaults("recommend_rightsizing.input", {{"namespace", "shop"}}), ctx);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find(services.cost.prometheus.url), std::string::npos) << out.error().message;
}

TEST(RecommendRightsizingTool, WithoutPrometheusMetricsApiGivesLowConfidence) {
  const Services services = services_of(source("autoscaling-and-cron"));
  const auto tool = recommend_rightsizing_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(with_defaults("recommend_rightsizing.input", {{"namespace", "shop"}}), ctx);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->structured["data_source"], "metrics-api");
  ASSERT_FALSE(out->structured["recommendations"].empty());
  for (const auto& r : out->structured["recommendations"]) {
    EXPECT_EQ(r["status"], "low_confidence");
    EXPECT_NE(r["reason"].get<std::string>().find("not enough data"), std::string::npos) << r["reason"];
  }
}

TEST(RecommendRightsizingTool, MetricsApiSamplesAccumulateAcrossRestarts) {
  char dir[] = "/tmp/eks-usage-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/usage.sqlite";
  const cluster::Time t0{std::chrono::seconds(1796601600)};
  std::vector<json> statuses;
  for (int call = 0; call < 3; ++call) {  // a new Services each time: a restart, the database kept
    Services services = services_of(source("autoscaling-and-cron"));
    services.cost.samples_file = file;
    services.cost.strategy.points_required = 5;
    services.cost.evaluation_time = t0 + std::chrono::minutes(5 * call);
    const auto tool = recommend_rightsizing_tool(services);
    RecordingContext ctx;
    const auto out = tool.handler(with_defaults("recommend_rightsizing.input", {{"workload", "cart"}}), ctx);
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_EQ(out->structured["recommendations"].size(), 1u);
    statuses.push_back(out->structured["recommendations"][0]);
  }
  EXPECT_EQ(statuses[0]["status"], "low_confidence");
  EXPECT_NE(statuses[0]["reason"].get<std::string>().find("2 of 5 points"), std::string::npos) << statuses[0];
  EXPECT_EQ(statuses[1]["status"], "low_confidence");
  EXPECT_EQ(statuses[2]["status"], "ok") << statuses[2];
  EXPECT_EQ(statuses[2]["points"], 6);  // 3 samples of each of cart's 2 pods
  EXPECT_FALSE(statuses[2]["recommended"]["memory_request"].is_null());
  std::filesystem::remove_all(dir);
}

// 500 workloads, one pod each, on one node: the model reads a short table, the rest is in structuredContent.
class LargeCluster final : public cluster::ClusterSource {
 public:
  tl::expected<cluster::ClusterState, std::string> load(const cluster::LoadScope&,
                                                        const cluster::ProgressFn&) override {
    cluster::ClusterState state;
    state.add(
        {{"apiVersion", "v1"},
         {"kind", "Node"},
         {"metadata",
          {{"name", "ip-10-0-0-1"},
           {"labels",
            {{"node.kubernetes.io/instance-type", "m5.4xlarge"}, {"topology.kubernetes.io/region", "us-east-1"}}}}},
         {"status", {{"allocatable", {{"cpu", "15890m"}, {"memory", "63155004Ki"}}}}}});
    state.pod_metrics.emplace();
    for (int i = 0; i < 500; ++i) {
      const std::string name = "service-with-a-long-name-" + std::to_string(i);
      state.add(
          {{"apiVersion", "v1"},
           {"kind", "Pod"},
           {"metadata", {{"name", name}, {"namespace", "team-" + std::to_string(i % 25)}}},
           {"spec",
            {{"nodeName", "ip-10-0-0-1"},
             {"containers", {{{"name", "app"}, {"resources", {{"requests", {{"cpu", "500m"}, {"memory", "1Gi"}}}}}}}}}},
           {"status", {{"phase", "Running"}}}});
      state.pod_metrics->push_back(
          {"team-" + std::to_string(i % 25), name, std::nullopt, {{"app", {{"cpu", "20m"}, {"memory", "100Mi"}}}}});
    }
    state.build_indexes();
    return state;
  }
  tl::expected<std::string, std::string> logs(const cluster::LogRequest&) override {
    return tl::unexpected(std::string("no logs"));
  }
  std::string describe() const override { return "generated:500"; }
};

TEST(RecommendRightsizingTool, TextStaysShortForFiveHundredWorkloads) {
  const Services services = services_of(std::make_shared<LargeCluster>());
  const auto tool = recommend_rightsizing_tool(services);
  RecordingContext ctx;
  const auto out = tool.handler(with_defaults("recommend_rightsizing.input", {{"max_results", 5000}}), ctx);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->structured["recommendations"].size(), 500u);
  // About 4 characters a token: under 2,000 tokens.
  EXPECT_LT(out->text.size(), 8000u) << out->text;
  EXPECT_NE(out->text.find("480 more in the structured result"), std::string::npos) << out->text;
}

}  // namespace
}  // namespace eks::tools
