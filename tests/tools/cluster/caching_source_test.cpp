// The caching source: a second read of one scope within the TTL is served from the cache; another scope, a
// fresh load, an expired entry and a failed read go to the cluster.
#include <gtest/gtest.h>

#include <thread>

#include "tools/cluster/source.hpp"

namespace eks::cluster {
namespace {

using namespace std::chrono_literals;

class CountingSource final : public ClusterSource {
 public:
  tl::expected<ClusterState, std::string> load(const LoadScope&, const ProgressFn&) override {
    ++loads;
    if (slow.count() > 0) std::this_thread::sleep_for(slow);  // a large cluster's read, longer than the TTL
    if (fail) return tl::unexpected(std::string("the upstream is down"));
    ClusterState s;
    s.source = "counting:" + std::to_string(loads);
    return s;
  }
  tl::expected<std::string, std::string> logs(const LogRequest&) override { return std::string("log"); }
  std::string describe() const override { return "counting"; }
  int loads = 0;
  bool fail = false;
  std::chrono::milliseconds slow{0};
};

TEST(CachingSource, ASecondReadOfOneScopeWithinTheTtlIsServedFromTheCache) {
  auto inner = std::make_shared<CountingSource>();
  auto cached = make_caching_source(inner, 60s);
  EXPECT_EQ(cached->load(diagnosis_scope("shop"))->source, "counting:1");
  EXPECT_EQ(cached->load(diagnosis_scope("shop"))->source, "counting:1");
  EXPECT_EQ(inner->loads, 1);
  EXPECT_EQ(cached->load(diagnosis_scope("other"))->source, "counting:2");  // another scope
  EXPECT_EQ(cached->load(diagnosis_scope())->source, "counting:3");         // all namespaces
  LoadScope fresh = diagnosis_scope("shop");
  fresh.fresh = true;
  EXPECT_EQ(cached->load(fresh)->source, "counting:4");
  EXPECT_EQ(cached->load(diagnosis_scope("shop"))->source, "counting:4");  // the fresh read is cached
  EXPECT_EQ(cached->describe(), "counting");
}

TEST(CachingSource, EntriesExpireAndFailuresAreNotCached) {
  auto inner = std::make_shared<CountingSource>();
  auto cached = make_caching_source(inner, 1ms);
  ASSERT_TRUE(cached->load(diagnosis_scope("shop")));
  std::this_thread::sleep_for(5ms);  // past the 1 ms TTL: the entry's age is what is tested
  ASSERT_TRUE(cached->load(diagnosis_scope("shop")));
  EXPECT_EQ(inner->loads, 2);
  auto failing = std::make_shared<CountingSource>();
  failing->fail = true;
  auto cached_failing = make_caching_source(failing, 60s);
  EXPECT_FALSE(cached_failing->load(diagnosis_scope("shop")));
  EXPECT_FALSE(cached_failing->load(diagnosis_scope("shop")));
  EXPECT_EQ(failing->loads, 2);
}

TEST(CachingSource, AReadLongerThanTheTtlIsStillKeptForTheTtl) {
  auto inner = std::make_shared<CountingSource>();
  inner->slow = 200ms;
  auto cached = make_caching_source(inner, 150ms);
  ASSERT_TRUE(cached->load(diagnosis_scope("shop")));
  ASSERT_TRUE(cached->load(diagnosis_scope("shop")));
  EXPECT_EQ(inner->loads, 1);
}

}  // namespace
}  // namespace eks::cluster
