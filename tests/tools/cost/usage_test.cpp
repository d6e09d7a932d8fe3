// The simple strategy's arithmetic on hand-computed cases: percentile, buffer, OOM floor, rounding, minimums,
// points and HPAs, and KRR's severity bands.
#include "tools/cost/usage.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace eks::cost {
namespace {

ContainerUsage usage(double cpu_pq, double memory_max, std::int64_t points = 4032) {
  ContainerUsage u;
  u.cpu = {cpu_pq / 2, cpu_pq, cpu_pq * 2, points};
  u.memory = {memory_max / 2, memory_max * 0.9, memory_max, points};
  return u;
}

TEST(Quantile, InterpolatesBetweenClosestRanksAsPrometheusDoes) {
  std::vector<double> v{10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  EXPECT_DOUBLE_EQ(quantile(0.95, v), 9.55);  // rank 0.95 × 9 = 8.55: 9 + 0.55 × (10 - 9)
  EXPECT_DOUBLE_EQ(quantile(0.5, v), 5.5);
  EXPECT_DOUBLE_EQ(quantile(1, v), 10);
  std::vector<double> one{3};
  EXPECT_DOUBLE_EQ(quantile(0.95, one), 3);
  std::vector<double> none;
  EXPECT_TRUE(std::isnan(quantile(0.5, none)));
}

TEST(Propose, CpuIsThePercentileAndMemoryThePeakPlusFifteenPercent) {
  const Strategy s;
  const auto p = propose(usage(0.0372, 160.0 * kMi), {}, false, false, false, s);
  ASSERT_TRUE(p.cpu_request_m && p.memory_bytes);
  EXPECT_EQ(*p.cpu_request_m, 38);        // 37.2m rounded up
  EXPECT_EQ(*p.memory_bytes, 184 * kMi);  // 160Mi × 1.15 = 184Mi exactly
  EXPECT_EQ(cpu_quantity(*p.cpu_request_m), "38m");
  EXPECT_EQ(memory_quantity(*p.memory_bytes), "184Mi");
  const auto q = propose(usage(0.05, 100.5 * kMi), {}, false, false, false, s);
  EXPECT_EQ(*q.cpu_request_m, 50);        // an exact 50m stays 50m
  EXPECT_EQ(*q.memory_bytes, 116 * kMi);  // 115.575Mi rounded up
}

TEST(Propose, MinimumsAreTenMillicoresAndHundredMebibytes) {
  const auto p = propose(usage(0.002, 20.0 * kMi), {}, false, false, false, Strategy{});
  EXPECT_EQ(*p.cpu_request_m, 10);
  EXPECT_EQ(*p.memory_bytes, 100 * kMi);
}

TEST(Propose, OomKilledContainerGetsAtLeastItsLimitTimesOnePointTwoFive) {
  Resources current;
  current.memory_limit_bytes = 256 * kMi;
  const auto p = propose(usage(0.1, 200.0 * kMi), current, true, false, false, Strategy{});
  EXPECT_EQ(*p.memory_bytes, 320 * kMi);  // max(200 × 1.15 = 230, 256 × 1.25 = 320)
  EXPECT_TRUE(p.oom_floor);
  const auto q = propose(usage(0.1, 300.0 * kMi), current, true, false, false, Strategy{});
  EXPECT_EQ(*q.memory_bytes, 345 * kMi);  // the peak rule wins: 345 > 320
  EXPECT_FALSE(q.oom_floor);
}

TEST(Propose, FewerThanHundredPointsGiveNoRecommendation) {
  const auto p = propose(usage(0.1, 200.0 * kMi, 99), {}, false, false, false, Strategy{});
  EXPECT_FALSE(p.cpu_request_m);
  EXPECT_FALSE(p.memory_bytes);
  EXPECT_EQ(p.cpu_skip, Skip::not_enough_data);
  const auto q = propose(usage(0.1, 200.0 * kMi, 100), {}, false, false, false, Strategy{});
  EXPECT_TRUE(q.cpu_request_m);
}

TEST(Propose, ResourceAnHpaScalesOnIsLeftAloneUnlessAllowed) {
  Strategy s;
  const auto p = propose(usage(0.1, 200.0 * kMi), {}, false, true, false, s);
  EXPECT_EQ(p.cpu_skip, Skip::hpa);
  EXPECT_FALSE(p.cpu_request_m);
  EXPECT_TRUE(p.memory_bytes);
  s.allow_hpa = true;
  EXPECT_TRUE(propose(usage(0.1, 200.0 * kMi), {}, false, true, false, s).cpu_request_m);
}

TEST(Propose, EveryParameterIsConfigurable) {
  Strategy s;
  s.memory_buffer = 0.5;
  s.min_cpu_millicores = 100;
  s.min_memory_bytes = 10 * kMi;
  s.points_required = 10;
  const auto p = propose(usage(0.02, 20.0 * kMi, 10), {}, false, false, false, s);
  EXPECT_EQ(*p.cpu_request_m, 100);
  EXPECT_EQ(*p.memory_bytes, 30 * kMi);
}

TEST(Combine, TakesTheBusiestPodsFiguresAndAddsThePoints) {
  const auto c = combine({usage(0.1, 100.0 * kMi, 50), usage(0.3, 80.0 * kMi, 60)});
  EXPECT_DOUBLE_EQ(c.cpu.pq, 0.3);
  EXPECT_DOUBLE_EQ(c.memory.max, 100.0 * kMi);
  EXPECT_EQ(c.cpu.points, 110);
}

TEST(Severity, FollowsKrrBandsOnTheAbsoluteChange) {
  const Strategy s;
  EXPECT_EQ(cpu_severity(500, 38, s), "warning");    // 0.462 cores
  EXPECT_EQ(cpu_severity(1000, 38, s), "critical");  // 0.962
  EXPECT_EQ(cpu_severity(150, 38, s), "ok");         // 0.112
  EXPECT_EQ(cpu_severity(50, 38, s), "good");
  EXPECT_EQ(cpu_severity(std::nullopt, 38, s), "warning");
  EXPECT_EQ(memory_severity(1024 * kMi, 184 * kMi, s), "critical");  // 840Mi
  EXPECT_EQ(memory_severity(512 * kMi, 184 * kMi, s), "warning");    // 328Mi
  EXPECT_EQ(memory_severity(300 * kMi, 184 * kMi, s), "ok");         // 116Mi
  EXPECT_EQ(worse("ok", "critical"), "critical");
  EXPECT_EQ(worse("unknown", "good"), "good");
}

TEST(Quantities, AreWrittenAsKubernetesWritesThem) {
  EXPECT_EQ(cpu_quantity(2000), "2");
  EXPECT_EQ(cpu_quantity(1500), "1500m");
  EXPECT_EQ(memory_quantity(2048 * kMi), "2Gi");
  EXPECT_EQ(memory_quantity(1536 * kMi), "1536Mi");
  EXPECT_EQ(millicores_up(0.0371), 38);
  EXPECT_EQ(mebibytes_up(1), kMi);
}

}  // namespace
}  // namespace eks::cost
