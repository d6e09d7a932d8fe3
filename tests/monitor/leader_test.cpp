// Leader election against a Lease kept as the API server keeps it: writes carrying a stale resourceVersion fail
// with a conflict, so of two replicas at most one ever acts.
#include "monitor/leader.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

namespace eks::monitor {
namespace {

using Json = nlohmann::json;
using Steady = std::chrono::steady_clock;

// One Lease behind kubernetes-mcp-server's resources_get and resources_create_or_update (server-side apply:
// a resourceVersion in the body is a precondition).
struct FakeApi {
  Json lease;  // null: not created
  int version = 100;
  bool down = false;
  std::function<void()> on_get;  // runs once, inside the next get (to interleave another replica)

  static Json text(const std::string& t, bool error = false) {
    Json r = {{"content", {{{"type", "text"}, {"text", t}}}}};
    if (error) r["isError"] = true;
    return r;
  }
  tl::expected<Json, std::string> operator()(const std::string& tool, const Json& args) {
    if (down) return text("failed to get resource: connection refused", true);
    if (tool == "resources_get") {
      if (on_get) std::exchange(on_get, nullptr)();
      if (lease.is_null())
        return text("failed to get resource: leases.coordination.k8s.io \"eks-sre-mcp\" not found", true);
      return text(lease.dump());
    }
    auto body = Json::parse(args["resource"].get<std::string>());
    const std::string rv = body["metadata"].value("resourceVersion", "");
    if (!lease.is_null() && !rv.empty() && rv != lease["metadata"]["resourceVersion"])
      return text(
          "failed to create or update resources: Operation cannot be fulfilled on leases.coordination.k8s.io "
          "\"eks-sre-mcp\": the object has been modified; please apply your changes to the latest version",
          true);
    if (lease.is_null())
      lease = {{"metadata", {{"name", "eks-sre-mcp"}, {"namespace", "ops"}}}, {"spec", Json::object()}};
    lease["spec"].update(body.value("spec", Json::object()));
    lease["metadata"]["resourceVersion"] = std::to_string(++version);
    return text(lease.dump());
  }
};

struct Replica {
  Steady::time_point* now;
  std::unique_ptr<LeaderElector> elector;
  Replica(FakeApi& api, Steady::time_point* clock, const std::string& id) : now(clock) {
    LeaseOptions o;
    o.ns = "ops";
    o.identity = id;
    o.lease_duration = std::chrono::seconds(15);
    o.renew_deadline = std::chrono::seconds(10);
    o.retry_period = std::chrono::seconds(2);
    elector = std::make_unique<LeaderElector>(
        o, [&api](const std::string& t, const Json& a) { return api(t, a); }, [clock] { return *clock; });
  }
};

TEST(LeaderElector, CreatesTheLeaseThenAcquiresIt) {
  FakeApi api;
  Steady::time_point now{};
  Replica a(api, &now, "a");
  a.elector->try_acquire_or_renew();
  EXPECT_FALSE(a.elector->is_leader()) << "created without a holder";
  EXPECT_EQ(api.lease["spec"].value("holderIdentity", ""), "");
  now += std::chrono::seconds(2);
  a.elector->try_acquire_or_renew();
  EXPECT_TRUE(a.elector->is_leader());
  EXPECT_EQ(api.lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(api.lease["spec"]["leaseDurationSeconds"], 15);
}

TEST(LeaderElector, OfTwoRacingReplicasExactlyOneWins) {
  FakeApi api;
  Steady::time_point now{};
  Replica a(api, &now, "a"), b(api, &now, "b");
  a.elector->try_acquire_or_renew();  // creates it, holderless
  // b reads and writes between a's read and a's write: a's write carries a stale resourceVersion.
  api.on_get = [&] { b.elector->try_acquire_or_renew(); };
  a.elector->try_acquire_or_renew();
  EXPECT_TRUE(b.elector->is_leader());
  EXPECT_FALSE(a.elector->is_leader());
  EXPECT_EQ(api.lease["spec"]["holderIdentity"], "b");
}

TEST(LeaderElector, NeverTwoLeadersAndTakeoverAfterTheLeaseExpires) {
  FakeApi api;
  Steady::time_point now{};
  Replica a(api, &now, "a"), b(api, &now, "b");
  for (int round = 0; round < 30; ++round) {
    a.elector->try_acquire_or_renew();
    b.elector->try_acquire_or_renew();
    EXPECT_FALSE(a.elector->is_leader() && b.elector->is_leader()) << round;
    now += std::chrono::seconds(2);
  }
  ASSERT_TRUE(a.elector->is_leader() != b.elector->is_leader());
  auto& leader = a.elector->is_leader() ? a : b;
  auto& follower = a.elector->is_leader() ? b : a;
  // The leader stops renewing (killed): it stops acting after the renew deadline, and the follower takes over only
  // after the lease duration, so their times of acting never overlap.
  const auto killed = now;
  bool took_over = false;
  while (now - killed < std::chrono::seconds(30)) {
    now += std::chrono::seconds(1);
    follower.elector->try_acquire_or_renew();
    EXPECT_FALSE(leader.elector->is_leader() && follower.elector->is_leader());
    if (follower.elector->is_leader() && !took_over) {
      took_over = true;
      // Its last renewal was in the last round, 2 s before the kill.
      EXPECT_GE(now - (killed - std::chrono::seconds(2)), std::chrono::seconds(15));
      EXPECT_LE(now - killed, std::chrono::seconds(15 + 2));
    }
  }
  EXPECT_TRUE(took_over);
  EXPECT_FALSE(leader.elector->is_leader());
}

TEST(LeaderElector, LeaderThatCannotRenewStopsActingBeforeTheLeaseRunsOut) {
  FakeApi api;
  Steady::time_point now{};
  Replica a(api, &now, "a");
  a.elector->try_acquire_or_renew();
  a.elector->try_acquire_or_renew();
  ASSERT_TRUE(a.elector->is_leader());
  api.down = true;
  const auto cut = now;
  while (a.elector->is_leader()) {
    now += std::chrono::milliseconds(500);
    a.elector->try_acquire_or_renew();
  }
  EXPECT_LE(now - cut, std::chrono::seconds(10));
  EXPECT_LT(now - cut, std::chrono::seconds(15));
}

TEST(LeaderElector, StoppingLeaderReleasesTheLease) {
  FakeApi api;
  LeaseOptions o;
  o.ns = "ops";
  o.identity = "a";
  o.retry_period = std::chrono::milliseconds(10);
  LeaderElector a(o, [&api](const std::string& t, const Json& args) { return api(t, args); });
  std::thread loop([&] { a.run(); });
  const auto until = Steady::now() + std::chrono::seconds(10);
  while (!a.is_leader() && Steady::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(a.is_leader());
  a.stop();
  loop.join();
  EXPECT_FALSE(a.is_leader());
  EXPECT_EQ(api.lease["spec"]["holderIdentity"], "");
}

}  // namespace
}  // namespace eks::monitor
