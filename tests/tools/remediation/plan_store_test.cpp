// The plan store: plans survive reopening the file, expired plans are forgotten when another is saved.
#include "tools/remediation/plan_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace eks::remediation {
namespace {

using namespace std::chrono_literals;

Plan sample(const std::string& ns, std::chrono::system_clock::time_point now) {
  Plan p;
  p.finding_id = "f-0123456789abcdef";
  p.summary = "restart pod web-1";
  Action a;
  a.type = "restart_pod";
  a.target = Target{"Pod", ns, "web-1"};
  a.calls.push_back(Call{"resources_delete", {{"kind", "Pod"}, {"namespace", ns}, {"name", "web-1"}}});
  a.verdict = Verdict::auto_;
  p.actions.push_back(a);
  p.resource_versions["Pod/" + ns + "/web-1"] = "42";
  p.created_at = now;
  p.expires_at = now + 15min;
  p.plan_id = plan_id(p);
  return p;
}

TEST(PlanStore, PlansSurviveReopeningTheFile) {
  char pattern[] = "/tmp/eks-plan-store-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(pattern);
  const auto now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  const Plan p = sample("team-a", now);
  {
    auto store = PlanStore::open(dir / "plans.sqlite");
    ASSERT_TRUE(store) << store.error();
    ASSERT_TRUE((*store)->save(p, now));
  }
  auto store = PlanStore::open(dir / "plans.sqlite");
  ASSERT_TRUE(store) << store.error();
  const auto found = (*store)->find(p.plan_id);
  ASSERT_TRUE(found) << found.error();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->plan_id, p.plan_id);
  EXPECT_EQ(plan_id(**found), p.plan_id);
  EXPECT_EQ((*found)->actions.at(0).verdict, Verdict::auto_);
  EXPECT_EQ((*found)->expires_at, p.expires_at);
  const auto missing = (*store)->find("p-0000000000000000");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  std::filesystem::remove_all(dir);
}

TEST(PlanStore, ExpiredPlansAreForgotten) {
  auto store = PlanStore::open(":memory:");
  ASSERT_TRUE(store) << store.error();
  const auto now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  const Plan old = sample("team-a", now);
  ASSERT_TRUE((*store)->save(old, now));
  const Plan fresh = sample("team-b", now + 20min);
  ASSERT_TRUE((*store)->save(fresh, now + 20min));
  EXPECT_FALSE((*store)->find(old.plan_id)->has_value());
  EXPECT_TRUE((*store)->find(fresh.plan_id)->has_value());
}

TEST(PlanStore, AnUnwritablePlaceIsANamedError) {
  const auto store = PlanStore::open("/proc/no-such-dir/plans.sqlite");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("/proc/no-such-dir/plans.sqlite"), std::string::npos) << store.error();
}

}  // namespace
}  // namespace eks::remediation
