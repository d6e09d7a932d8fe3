// UpstreamSource against kubesim + the real kubernetes-mcp-server (tests/node_modules, pinned) through our
// gateway: for every example scenario it yields the same ClusterState as SnapshotSource reading the same
// snapshot, and the same logs. Everything runs on 127.0.0.1; processes are ended by PID with bounded waits.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fixtures/kubesim_process.hpp"

#include "server/upstream/gateway.hpp"
#include "tools/cluster/source.hpp"

namespace eks::cluster {
namespace {

using eks::test_fixtures::Kubesim;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kScenarios = fs::path(EKS_SOURCE_DIR) / "examples" / "scenarios";
const fs::path kUpstreamBinary = fs::path(EKS_SOURCE_DIR) / "tests" / "node_modules" / ".bin" / "kubernetes-mcp-server";

// kubesim's own count: "loaded N objects (P pods, N nodes, E events, L log files)".
std::optional<std::array<int, 4>> loaded(const Kubesim& sim) {
  const std::string text = sim.log_text();
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(R"(loaded (\d+) objects \((\d+) pods, (\d+) nodes, (\d+) events)")))
    return std::nullopt;
  return std::array<int, 4>{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4])};
}

// A gateway to the real kubernetes-mcp-server on kubesim's kubeconfig, with a check that lets reads through,
// refuses Secrets as the safety validator does, and records every call.
struct Upstream {
  explicit Upstream(const fs::path& kubeconfig, const fs::path& home) {
    gateway = std::make_unique<upstream::Gateway>(std::vector<upstream::UpstreamConfig>{
        eks::test_fixtures::kubernetes_upstream(kUpstreamBinary, kubeconfig, home)});
    gateway->install_check([this](const upstream::UpstreamCall& call) -> tl::expected<upstream::CallDone, std::string> {
      std::lock_guard lock(mutex);
      calls.push_back(call.tool + " " + call.arguments.dump());
      if (call.arguments.value("kind", "") == "Secret") return tl::unexpected(std::string("Secrets are never read"));
      return upstream::CallDone{};
    });
  }
  ~Upstream() { gateway->stop(); }
  std::unique_ptr<upstream::Gateway> gateway;
  std::mutex mutex;
  std::vector<std::string> calls;
};

std::string diff_summary(const Json& a, const Json& b) {
  const Json patch = Json::diff(a, b);
  std::string out;
  for (std::size_t i = 0; i < patch.size() && i < 12; ++i) {
    const auto& op = patch[i];
    const std::string path = op.value("path", "");
    out += "  " + op.value("op", "") + " " + path;
    if (op.contains("value")) out += " = " + op["value"].dump().substr(0, 200);
    Json::json_pointer ptr(path);
    if (a.contains(ptr)) out += "  (snapshot: " + a.at(ptr).dump().substr(0, 200) + ")";
    out += "\n";
  }
  if (patch.size() > 12) out += "  ... " + std::to_string(patch.size() - 12) + " more\n";
  return out;
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> out;
  if (!fs::is_directory(kScenarios)) return out;
  for (const auto& e : fs::directory_iterator(kScenarios))
    if (fs::is_directory(e.path() / "cluster")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class LiveVsSnapshot : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kUpstreamBinary)) << "kubernetes-mcp-server is not installed: run scripts/install-deps";
    work = fs::temp_directory_path() / ("cluster-test-" + std::to_string(getpid()) + "-" + GetParam());
    fs::create_directories(work / "home");
    // The snapshot's own times, to compare with the files.
    sim = std::make_unique<Kubesim>(EKS_KUBESIM, kScenarios / GetParam(), work, false, true);
    ASSERT_TRUE(sim->ready()) << "kubesim did not start on " << GetParam();
    up = std::make_unique<Upstream>(sim->kubeconfig(), work / "home");
  }
  void TearDown() override {
    up.reset();
    sim.reset();
    std::error_code ec;
    if (!work.empty()) fs::remove_all(work, ec);
  }
  fs::path work;
  std::unique_ptr<Kubesim> sim;
  std::unique_ptr<Upstream> up;
};

template <class F>
auto timed(F&& f, double& ms) {
  const auto start = std::chrono::steady_clock::now();
  auto out = f();
  ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

TEST_P(LiveVsSnapshot, SameStateAndLogs) {
  auto snapshot = make_snapshot_source((kScenarios / GetParam()).string());
  double snapshot_ms = 0, upstream_ms = 0, warm_ms = 0;
  auto expected = timed([&] { return snapshot->load({}); }, snapshot_ms);
  ASSERT_TRUE(expected) << expected.error();

  // kubesim's own loader agrees on the counts.
  auto counts = loaded(*sim);
  ASSERT_TRUE(counts);
  EXPECT_EQ((*counts)[1], static_cast<int>(expected->pods.size()));
  EXPECT_EQ((*counts)[2], static_cast<int>(expected->nodes.size()));
  EXPECT_EQ((*counts)[3], static_cast<int>(expected->events.size()));

  UpstreamOptions options;
  options.now = expected->now;
  auto live = make_upstream_source(*up->gateway, options);
  int last_done = 0, total = 0;
  auto got = timed(
      [&] {
        return live->load({}, [&](const LoadProgress& p) {
          EXPECT_EQ(p.done, last_done + 1);
          last_done = p.done;
          total = p.total;
        });
      },
      upstream_ms);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(last_done, total);
  for (const auto& w : got->warnings) ADD_FAILURE() << "warning: " << w;
  EXPECT_FALSE(got->secrets) << "the upstream path never lists Secrets";
  ASSERT_TRUE(got->pod_metrics);

  const Json want = expected->canonical_summary();
  const Json have = got->canonical_summary();
  EXPECT_TRUE(want == have) << GetParam() << ": snapshot vs upstream differ:\n" << diff_summary(want, have);
  EXPECT_GT(want.value("pods", Json::object()).size(), 0u);

  // A second load reuses the running upstream: that is what a tool call costs.
  auto again = timed([&] { return live->load({}); }, warm_ms);
  ASSERT_TRUE(again);
  std::cout << "[ timing ] " << GetParam() << ": snapshot " << snapshot_ms << " ms, upstream " << upstream_ms
            << " ms (first, starts the upstream), " << warm_ms << " ms (warm); " << expected->pods.size() << " pods, "
            << expected->events.size() << " events\n";

  // Logs: same text (or both refused) for every container, current and previous.
  int compared = 0;
  for (const auto& pod : expected->pods) {
    for (const auto& c : pod.spec.containers) {
      for (bool previous : {false, true}) {
        LogRequest req{.ns = pod.meta.ns, .pod = pod.meta.name, .container = c.name, .previous = previous};
        auto a = snapshot->logs(req);
        auto b = live->logs(req);
        ASSERT_EQ(a.has_value(), b.has_value())
            << pod.meta.name << "/" << c.name << (previous ? " previous" : "") << ": snapshot "
            << (a ? "ok" : a.error()) << " vs upstream " << (b ? "ok" : b.error());
        if (a) {
          EXPECT_EQ(*a, *b) << pod.meta.name << "/" << c.name << (previous ? " previous" : "");
        }
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 0);
  auto tail = live->logs({.ns = expected->pods[0].meta.ns,
                          .pod = expected->pods[0].meta.name,
                          .container = expected->pods[0].spec.containers[0].name,
                          .tail_lines = 1});
  if (tail) {
    EXPECT_LE(std::count(tail->begin(), tail->end(), '\n'), 1);
  }

  std::lock_guard lock(up->mutex);
  for (const auto& call : up->calls) EXPECT_EQ(call.find("\"kind\":\"Secret\""), std::string::npos) << call;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, LiveVsSnapshot, ::testing::ValuesIn(scenario_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(UpstreamSource, NamespaceScopeMatchesSnapshotAndListsOnlyThatNamespace) {
  ASSERT_TRUE(fs::exists(kUpstreamBinary)) << "kubernetes-mcp-server is not installed: run scripts/install-deps";
  const fs::path work = fs::temp_directory_path() / ("cluster-test-" + std::to_string(getpid()) + "-scope");
  fs::create_directories(work / "home");
  {
    Kubesim sim(EKS_KUBESIM, kScenarios / "demo", work, false, true);  // times as captured, as the files have them
    ASSERT_TRUE(sim.ready());
    Upstream up(sim.kubeconfig(), work / "home");
    LoadScope scope;
    scope.ns = "payments";
    auto want = make_snapshot_source((kScenarios / "demo").string())->load(scope);
    ASSERT_TRUE(want);
    auto have = make_upstream_source(*up.gateway)->load(scope);
    ASSERT_TRUE(have) << have.error();
    const Json a = want->canonical_summary(), b = have->canonical_summary();
    EXPECT_TRUE(a == b) << diff_summary(a, b);
    EXPECT_FALSE(have->pods.empty());
    std::lock_guard lock(up.mutex);
    for (const auto& call : up.calls) {
      if (call.find("\"kind\":\"Pod\"") != std::string::npos) {
        EXPECT_NE(call.find("\"namespace\":\"payments\""), std::string::npos) << call;
      }
    }
  }
  std::error_code ec;
  fs::remove_all(work, ec);
}

TEST(UpstreamSource, WarningAndKillingEventsAreFilteredByTheServer) {
  ASSERT_TRUE(fs::exists(kUpstreamBinary)) << "kubernetes-mcp-server is not installed: run scripts/install-deps";
  const fs::path work = fs::temp_directory_path() / ("cluster-test-" + std::to_string(getpid()) + "-warnings");
  fs::create_directories(work / "home");
  {
    Kubesim sim(EKS_KUBESIM, kScenarios / "demo", work, false, true);  // times as captured, as the files have them
    ASSERT_TRUE(sim.ready());
    Upstream up(sim.kubeconfig(), work / "home");
    LoadScope scope;
    scope.normal_events = false;
    auto all = make_snapshot_source((kScenarios / "demo").string())->load({});
    auto want = make_snapshot_source((kScenarios / "demo").string())->load(scope);
    ASSERT_TRUE(all && want);
    auto have = make_upstream_source(*up.gateway)->load(scope);
    ASSERT_TRUE(have) << have.error();
    const Json a = want->canonical_summary(), b = have->canonical_summary();
    EXPECT_TRUE(a == b) << diff_summary(a, b);
    ASSERT_FALSE(want->events.empty());
    EXPECT_LT(want->events.size(), all->events.size()) << "the demo has Normal events to leave out";
    for (const auto& e : have->events) {
      if (e.type == "Normal") {
        EXPECT_EQ(e.reason, "Killing") << e.meta.name;
      }
    }
    std::lock_guard lock(up.mutex);
    int event_lists = 0, killing_lists = 0;
    for (const auto& call : up.calls) {
      if (call.find("\"kind\":\"Event\"") == std::string::npos) continue;
      if (call.find("\"fieldSelector\":\"type=Normal,reason=Killing\"") != std::string::npos) {
        ++killing_lists;
        EXPECT_EQ(call.find("\"namespace\""), std::string::npos) << "the kubelet's kills are listed cluster-wide";
        continue;
      }
      ++event_lists;
      EXPECT_NE(call.find("\"fieldSelector\":\"type!=Normal\""), std::string::npos) << call;
    }
    EXPECT_EQ(event_lists, static_cast<int>(have->namespaces.size())) << "events are listed once per namespace";
    EXPECT_EQ(killing_lists, 1);
  }
  std::error_code ec;
  fs::remove_all(work, ec);
}

TEST(UpstreamSource, FailsClearlyWhenTheUpstreamCannotStart) {
  upstream::UpstreamConfig config;
  config.name = "kubernetes";
  config.role = "kubernetes";
  config.process = {"kubernetes", "/nonexistent/kubernetes-mcp-server", {}, {}};
  config.connect_timeout = 3000ms;
  upstream::Gateway gateway({config});
  gateway.install_check([](const upstream::UpstreamCall&) -> tl::expected<upstream::CallDone, std::string> {
    return upstream::CallDone{};
  });
  auto state = make_upstream_source(gateway)->load({});
  ASSERT_FALSE(state);
  EXPECT_NE(state.error().find("Pod"), std::string::npos) << state.error();
  gateway.stop();
}

}  // namespace
}  // namespace eks::cluster
