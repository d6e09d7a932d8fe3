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

TEST(PlanStore, AnApprovalIsBoundToItsPlanAndUsedOnce) {
  auto store = PlanStore::open(":memory:");
  ASSERT_TRUE(store) << store.error();
  const auto now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  const Plan a = sample("team-a", now);
  const Plan b = sample("team-b", now);
  ASSERT_TRUE((*store)->save(a, now));
  ASSERT_TRUE((*store)->save(b, now));
  ASSERT_TRUE((*store)->approve(a.plan_id, "alice", "checked the blast radius", now));
  EXPECT_FALSE((*store)->take_approval(b.plan_id, now)->has_value());  // approving A never approves B
  const auto taken = (*store)->take_approval(a.plan_id, now + 1min);
  ASSERT_TRUE(taken && taken->has_value());
  EXPECT_EQ((*taken)->by, "alice");
  EXPECT_EQ((*taken)->reason, "checked the blast radius");
  EXPECT_FALSE((*store)->take_approval(a.plan_id, now + 2min)->has_value());  // used once
  // A new approval of the same plan (a retry after a run that changed nothing) is a new decision, used once too.
  ASSERT_TRUE((*store)->approve(a.plan_id, "bob", "retry", now + 3min));
  const auto twice = (*store)->approve(a.plan_id, "mallory", "again", now + 4min);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().find("already approved"), std::string::npos) << twice.error();
  EXPECT_EQ((*(*store)->take_approval(a.plan_id, now + 5min))->by, "bob");
  EXPECT_FALSE((*store)->take_approval(a.plan_id, now + 6min)->has_value());
}

TEST(PlanStore, NoApprovalForAnUnknownOrExpiredPlan) {
  auto store = PlanStore::open(":memory:");
  ASSERT_TRUE(store) << store.error();
  const auto now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  const auto unknown = (*store)->approve("p-0000000000000000", "alice", "", now);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("no plan"), std::string::npos) << unknown.error();
  const Plan p = sample("team-a", now);
  ASSERT_TRUE((*store)->save(p, now));
  const auto late = (*store)->approve(p.plan_id, "alice", "", now + 16min);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().find("expired"), std::string::npos) << late.error();
}

TEST(PlanStore, FailedVerificationsAreCountedPerSubjectWithinTheWindow) {
  auto store = PlanStore::open(":memory:");
  ASSERT_TRUE(store) << store.error();
  const auto now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  Plan web = sample("team-a", now);
  web.subject = "Deployment/team-a/web";
  Plan db = sample("team-a", now);
  db.subject = "StatefulSet/team-a/db";
  ASSERT_TRUE((*store)->record_verification(web, "not_fixed", now - 2h));  // outside the window
  ASSERT_TRUE((*store)->record_verification(web, "not_fixed", now - 30min));
  ASSERT_TRUE((*store)->record_verification(web, "fixed", now - 20min));
  ASSERT_TRUE((*store)->record_verification(web, "not_fixed", now - 10min));
  ASSERT_TRUE((*store)->record_verification(db, "not_fixed", now - 5min));
  EXPECT_EQ(*(*store)->failed_verifications(web.subject, now - 1h), 2);
  EXPECT_EQ(*(*store)->failed_verifications(db.subject, now - 1h), 1);
  EXPECT_EQ(*(*store)->failed_verifications("Deployment/team-a/other", now - 1h), 0);
}

}  // namespace
}  // namespace eks::remediation
