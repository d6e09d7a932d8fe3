// SnapshotSource on every example scenario: everything loads, owner chains resolve, the demo's failures read
// as the analyzers need them, and logs are served as the API serves them.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tools/cluster/source.hpp"

namespace eks::cluster {
namespace {

namespace fs = std::filesystem;

const fs::path kScenarios = fs::path(EKS_SOURCE_DIR) / "examples" / "scenarios";

std::vector<std::string> scenarios() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kScenarios))
    if (fs::is_directory(e.path() / "cluster")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

ClusterState load(const std::string& scenario, const LoadScope& scope = {}) {
  auto source = make_snapshot_source((kScenarios / scenario).string());
  auto state = source->load(scope);
  EXPECT_TRUE(state) << scenario << ": " << (state ? "" : state.error());
  return state ? std::move(*state) : ClusterState{};
}

const Pod* pod_with_prefix(const ClusterState& s, const std::string& ns, const std::string& prefix) {
  for (const Pod* p : s.pods_in_namespace(ns))
    if (p->meta.name.rfind(prefix, 0) == 0) return p;
  return nullptr;
}

TEST(SnapshotSource, LoadsEveryScenarioWithResolvableOwners) {
  const auto names = scenarios();
  ASSERT_GE(names.size(), 13u);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const ClusterState s = load(name);
    EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
    EXPECT_FALSE(s.pods.empty());
    EXPECT_FALSE(s.nodes.empty());
    EXPECT_FALSE(s.events.empty());
    EXPECT_FALSE(s.deployments.empty());
    EXPECT_FALSE(s.namespaces.empty());
    EXPECT_TRUE(s.pod_metrics && s.node_metrics);
    ASSERT_TRUE(s.secrets);  // a snapshot knows its Secrets (names only)
    EXPECT_EQ(format_time(s.now).substr(0, 4), "2025");
    for (const auto& p : s.pods) {
      // Every controller owner is in the snapshot (consistent uids), up to a top-level workload.
      for (const auto& ref : s.owner_chain(p.meta))
        EXPECT_NE(s.find(ref), nullptr) << p.meta.name << " -> " << ref.str();
      const auto top = s.top_owner(p.meta);
      if (!p.meta.owners.empty()) {
        EXPECT_TRUE(top.kind == "Deployment" || top.kind == "StatefulSet" || top.kind == "DaemonSet" ||
                    top.kind == "CronJob" || top.kind == "Job" || top.kind == "Node")
            << p.meta.name << " -> " << top.str();
      }
      // A pod's node exists, unless the pod is stuck Terminating on a node that went away.
      if (p.node_name && !p.meta.deleting) {
        EXPECT_NE(s.node(*p.node_name), nullptr) << p.meta.name;
      }
    }
    for (const auto& d : s.deployments) EXPECT_FALSE(s.owned_by(d.meta.ref()).empty()) << d.meta.name;
    for (const auto& n : s.nodes) {
      EXPECT_TRUE(n.nodegroup) << n.meta.name;
      EXPECT_TRUE(n.instance_type) << n.meta.name;
      EXPECT_FALSE(n.allocatable.empty()) << n.meta.name;
    }
    for (const auto& secret : *s.secrets) EXPECT_FALSE(secret.meta.raw.contains("data"));
  }
}

TEST(SnapshotSource, DemoHasTheFailuresAnalyzersLookFor) {
  const ClusterState s = load("demo");
  EXPECT_EQ(s.pods.size(), 22u);
  EXPECT_EQ(s.nodes.size(), 3u);
  EXPECT_EQ(s.events.size(), 49u);
  EXPECT_EQ(format_time(s.now), "2025-03-11T14:05:00Z");

  const Pod* crash = pod_with_prefix(s, "payments", "payments-api-");
  ASSERT_NE(crash, nullptr);
  const ContainerStatus* api = crash->status_of("api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->state->reason.value_or(""), "CrashLoopBackOff");
  EXPECT_EQ(api->last_state->exit_code.value_or(0), 1);
  EXPECT_GT(api->restart_count, 0);
  auto chain = s.owner_chain(crash->meta);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[1].str(), "Deployment/payments/payments-api");
  EXPECT_EQ(s.pods_of_workload(chain[1]).size(), 2u);

  const Pod* oom = pod_with_prefix(s, "reports", "report-renderer-");
  ASSERT_NE(oom, nullptr);
  EXPECT_EQ(oom->container_statuses.at(0).last_state->reason.value_or(""), "OOMKilled");
  EXPECT_EQ(oom->container_statuses.at(0).last_state->exit_code.value_or(0), 137);
  EXPECT_EQ(oom->spec.containers.at(0).resources.limits.at("memory"), "256Mi");

  const Pod* pull = pod_with_prefix(s, "search", "search-indexer-");
  ASSERT_NE(pull, nullptr);
  const auto reason = pull->container_statuses.at(0).state->reason.value_or("");
  EXPECT_TRUE(reason == "ImagePullBackOff" || reason == "ErrImagePull") << reason;

  const Pod* pending = pod_with_prefix(s, "analytics", "spark-driver-");
  ASSERT_NE(pending, nullptr);
  EXPECT_EQ(pending->phase, "Pending");
  const Condition* scheduled = find_condition(pending->conditions, "PodScheduled");
  ASSERT_NE(scheduled, nullptr);
  EXPECT_EQ(scheduled->reason.value_or(""), "Unschedulable");
  bool failed_scheduling = false;
  for (const Event* e : s.events_for(pending->meta.ref()))
    failed_scheduling |= e->reason == "FailedScheduling" && e->message.find("Insufficient cpu") != std::string::npos;
  EXPECT_TRUE(failed_scheduling);

  const Service* svc = s.service("search", "search-api");
  ASSERT_NE(svc, nullptr);
  EXPECT_TRUE(s.pods_matching("search", svc->selector).empty());
  const Endpoints* ep = s.endpoints_of("search", "search-api");
  ASSERT_NE(ep, nullptr);
  EXPECT_EQ(ep->ready_count(), 0);

  for (const auto& n : s.nodes) EXPECT_EQ(n.instance_type.value_or(""), "m5.large");
  EXPECT_NE(s.pod_usage("kube-system", s.pods_in_namespace("kube-system").at(0)->meta.name), nullptr);
}

TEST(SnapshotSource, ScopeLimitsNamespaceAndKinds) {
  LoadScope scope;
  scope.ns = "payments";
  const ClusterState s = load("demo", scope);
  ASSERT_FALSE(s.pods.empty());
  for (const auto& p : s.pods) EXPECT_EQ(p.meta.ns, "payments");
  for (const auto& e : s.events) EXPECT_EQ(e.meta.ns, "payments");
  EXPECT_EQ(s.nodes.size(), 3u);  // cluster-scoped kinds come anyway
  ASSERT_EQ(s.namespaces.size(), 1u);
  EXPECT_EQ(s.namespaces[0].meta.name, "payments");

  LoadScope pods_only;
  pods_only.kinds = {"Pod"};
  pods_only.metrics = false;
  const ClusterState p = load("demo", pods_only);
  EXPECT_EQ(p.pods.size(), 22u);
  EXPECT_TRUE(p.events.empty());
  EXPECT_TRUE(p.nodes.empty());
  EXPECT_FALSE(p.pod_metrics);
  EXPECT_FALSE(p.secrets);
}

TEST(SnapshotSource, ReportsProgressUpToTheTotal) {
  auto source = make_snapshot_source((kScenarios / "demo").string());
  std::vector<LoadProgress> seen;
  ASSERT_TRUE(source->load({}, [&](const LoadProgress& p) { seen.push_back(p); }));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().done, seen.back().total);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i].done, static_cast<int>(i + 1));
}

TEST(SnapshotSource, MissingDirectoryIsAClearError) {
  auto source = make_snapshot_source("/nonexistent/snapshot");
  auto state = source->load({});
  ASSERT_FALSE(state);
  EXPECT_NE(state.error().find("not a snapshot directory"), std::string::npos);
}

// JSON files are read item by item (a list's items leave the parser one at a time): the result must be the
// same as the YAML form of the same objects, typed lists and kindless items included, and a file that breaks
// off halfway adds none of its objects.
// Found by fuzzing: a list whose kind was not a string (a mapping, here) threw from the loader's thread and ended
// the process; such a kind reads as none.
TEST(SnapshotSource, AListWhoseKindIsNotAStringLoads) {
  const fs::path work = fs::temp_directory_path() / ("snapshot-kind-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work / "cluster");
  std::ofstream(work / "cluster" / "pods.yaml")
      << "kind: {a: b}\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a, namespace: shop, uid: u1}\n"
         "---\nkind: 7\nitems: []\n";
  auto state = make_snapshot_source(work.string())->load({});
  ASSERT_TRUE(state) << state.error();
  EXPECT_TRUE(state->pods.empty());
  fs::remove_all(work);
}

TEST(SnapshotSource, JsonListsReadItemByItemLikeYaml) {
  const fs::path work = fs::temp_directory_path() / ("snapshot-json-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work / "json" / "cluster");
  fs::create_directories(work / "yaml" / "cluster");
  const std::string pods = R"({"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"1"},"items":[
    {"metadata":{"name":"a","namespace":"shop","uid":"u1","finalizers":["example.com/keep"]},"spec":{"nodeName":"n1","terminationGracePeriodSeconds":60,"containers":[{"name":"c","image":"i:1"}]},"status":{"phase":"Running"}},
    {"kind":"Pod","apiVersion":"v1","metadata":{"name":"b","namespace":"shop","uid":"u2"},"spec":{"containers":[{"name":"c","image":"i:2"}]},"status":{"phase":"Pending"}}]})";
  const std::string mixed = R"({"kind":"List","apiVersion":"v1","items":[
    {"apiVersion":"v1","kind":"Event","metadata":{"name":"e1","namespace":"shop","uid":"u3"},"involvedObject":{"kind":"Pod","name":"a","namespace":"shop"},"reason":"BackOff","type":"Warning","lastTimestamp":"2025-03-11T13:00:00Z"},
    {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","uid":"u4"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}]})";
  auto write = [](const fs::path& file, const std::string& text) { std::ofstream(file) << text; };
  write(work / "json" / "cluster" / "pods.json", pods);
  write(work / "json" / "cluster" / "mixed.json", mixed);
  // JSON is YAML: the same documents through the YAML reader.
  write(work / "yaml" / "cluster" / "pods.yaml", pods);
  write(work / "yaml" / "cluster" / "mixed.yaml", mixed);
  auto json_state = make_snapshot_source((work / "json").string())->load({});
  auto yaml_state = make_snapshot_source((work / "yaml").string())->load({});
  ASSERT_TRUE(json_state) << json_state.error();
  ASSERT_TRUE(yaml_state) << yaml_state.error();
  EXPECT_TRUE(json_state->warnings.empty());
  EXPECT_EQ(json_state->canonical_summary(), yaml_state->canonical_summary());
  ASSERT_EQ(json_state->pods.size(), 2u);
  const Pod* a = json_state->pod("shop", "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->meta.kind, "Pod");
  EXPECT_EQ(a->meta.finalizers, std::vector<std::string>{"example.com/keep"});
  EXPECT_EQ(a->spec.termination_grace_period_seconds, 60);
  EXPECT_TRUE(a->meta.raw.is_null()) << "modelled kinds do not keep their raw form";
  ASSERT_EQ(json_state->events.size(), 1u);
  EXPECT_EQ(json_state->events_for(a->meta.ref()).size(), 1u);
  EXPECT_NE(json_state->node("n1"), nullptr);

  // Cut the list off after its first item: nothing of that file is added, and the warning names it.
  write(work / "json" / "cluster" / "mixed.json", mixed.substr(0, mixed.find("},\n") + 2));
  auto broken = make_snapshot_source((work / "json").string())->load({});
  ASSERT_TRUE(broken) << broken.error();
  EXPECT_TRUE(broken->events.empty());
  EXPECT_TRUE(broken->nodes.empty());
  EXPECT_EQ(broken->pods.size(), 2u);
  ASSERT_EQ(broken->warnings.size(), 1u);
  EXPECT_NE(broken->warnings[0].find("mixed.json: not valid JSON"), std::string::npos) << broken->warnings[0];
  fs::remove_all(work);
}

class SnapshotLogs : public ::testing::Test {
 protected:
  void SetUp() override {
    source = make_snapshot_source((kScenarios / "demo").string());
    auto s = source->load({});
    ASSERT_TRUE(s);
    state = std::move(*s);
    crash = pod_with_prefix(state, "payments", "payments-api-");
    ASSERT_NE(crash, nullptr);
  }
  std::unique_ptr<ClusterSource> source;
  ClusterState state;
  const Pod* crash = nullptr;
};

TEST_F(SnapshotLogs, PreviousLogHasTheFatalLineWithoutTimestamps) {
  auto log = source->logs({.ns = "payments", .pod = crash->meta.name, .container = "api", .previous = true});
  ASSERT_TRUE(log) << log.error();
  EXPECT_NE(log->find("required environment variable DATABASE_URL is not set"), std::string::npos);
  EXPECT_EQ(log->rfind("{\"level\"", 0), 0u) << *log;
}

TEST_F(SnapshotLogs, TimestampsAndTailOnRequest) {
  auto log =
      source->logs({.ns = "payments", .pod = crash->meta.name, .previous = true, .tail_lines = 1, .timestamps = true});
  ASSERT_TRUE(log) << log.error();
  EXPECT_EQ(std::count(log->begin(), log->end(), '\n'), 1);
  EXPECT_EQ(log->rfind("2025-03-11T", 0), 0u) << *log;
  EXPECT_NE(log->find("\"level\":\"fatal\""), std::string::npos);
}

TEST_F(SnapshotLogs, ErrorsReadLikeTheApiServers) {
  auto missing = source->logs({.ns = "payments", .pod = "no-such-pod"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("not found"), std::string::npos);
  const Pod* healthy = pod_with_prefix(state, "shop", "cart-");
  ASSERT_NE(healthy, nullptr);
  auto no_previous = source->logs({.ns = "shop", .pod = healthy->meta.name, .previous = true});
  ASSERT_FALSE(no_previous);
  EXPECT_NE(no_previous.error().find("previous terminated container"), std::string::npos);
  const Pod* pull = pod_with_prefix(state, "search", "search-indexer-");
  ASSERT_NE(pull, nullptr);
  auto waiting = source->logs({.ns = "search", .pod = pull->meta.name});
  ASSERT_FALSE(waiting);
  EXPECT_NE(waiting.error().find("waiting to start"), std::string::npos);
  auto traversal = source->logs({.ns = "..", .pod = "etc"});
  ASSERT_FALSE(traversal);
  auto bad_container = source->logs({.ns = "payments", .pod = crash->meta.name, .container = "../../x"});
  ASSERT_FALSE(bad_container);
}

}  // namespace
}  // namespace eks::cluster
