// Correlation and fingerprints on hand-built clusters: a crashing workload, its Deployment and its Service are
// one finding; many pods failing the same way are one finding with a count; ids survive pod restarts/renames.
#include <gtest/gtest.h>

#include "tools/analyzers/analyze.hpp"
#include "tools/cluster/cluster_state.hpp"

namespace eks::analyzers {
namespace {

using nlohmann::json;

// uids are unique per kind (a Service and its Endpoints share a name).
json meta(const std::string& kind, const std::string& ns, const std::string& name, json extra = json::object()) {
  json m{{"name", name}, {"uid", "uid-" + kind + "-" + ns + "-" + name}, {"creationTimestamp", "2025-03-11T12:00:00Z"}};
  if (!ns.empty()) m["namespace"] = ns;
  m.update(extra);
  return m;
}

json owner(const std::string& kind, const std::string& ns, const std::string& name) {
  return json::array({{{"apiVersion", "apps/v1"},
                       {"kind", kind},
                       {"name", name},
                       {"uid", "uid-" + kind + "-" + ns + "-" + name},
                       {"controller", true}}});
}

json node(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", meta("Node", "", name)},
          {"status",
           {{"allocatable", {{"cpu", "1930m"}, {"memory", "7220172Ki"}, {"pods", "29"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}})}}}};
}

json crashing_pod(const std::string& ns, const std::string& rs, const std::string& name, int exit_code = 1) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           meta("Pod", ns, name, {{"labels", {{"app", "api"}}}, {"ownerReferences", owner("ReplicaSet", ns, rs)}})},
          {"spec", {{"nodeName", "n1"}, {"containers", json::array({{{"name", "api"}, {"image", "api:1"}}})}}},
          {"status",
           {{"phase", "Running"},
            {"podIP", "10.0.0.1"},
            {"conditions",
             json::array({{{"type", "Ready"}, {"status", "False"}}, {{"type", "PodScheduled"}, {"status", "True"}}})},
            {"containerStatuses", json::array({{{"name", "api"},
                                                {"image", "api:1"},
                                                {"ready", false},
                                                {"restartCount", 7},
                                                {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                                                {"lastState",
                                                 {{"terminated",
                                                   {{"exitCode", exit_code},
                                                    {"reason", "Error"},
                                                    {"startedAt", "2025-03-11T13:59:00Z"},
                                                    {"finishedAt", "2025-03-11T13:59:01Z"}}}}}}})}}}};
}

// Deployment api (2 replicas, 0 available) -> ReplicaSet api-<hash> -> the given pods; Service api selecting them.
cluster::ClusterState cluster_with(const std::vector<std::string>& pod_names, const std::string& hash = "abc12") {
  cluster::ClusterState s;
  s.now = *cluster::parse_time("2025-03-11T14:00:00Z");
  s.add(node("n1"));
  s.add({{"apiVersion", "v1"},
         {"kind", "Namespace"},
         {"metadata", meta("Namespace", "", "shop")},
         {"status", {{"phase", "Active"}}}});
  s.add(
      {{"apiVersion", "apps/v1"},
       {"kind", "Deployment"},
       {"metadata", meta("Deployment", "shop", "api")},
       {"spec", {{"replicas", static_cast<int>(pod_names.size())}, {"selector", {{"matchLabels", {{"app", "api"}}}}}}},
       {"status",
        {{"replicas", static_cast<int>(pod_names.size())},
         {"unavailableReplicas", static_cast<int>(pod_names.size())},
         {"conditions",
          json::array({{{"type", "Available"}, {"status", "False"}, {"reason", "MinimumReplicasUnavailable"}}})}}}});
  s.add(
      {{"apiVersion", "apps/v1"},
       {"kind", "ReplicaSet"},
       {"metadata",
        meta("ReplicaSet", "shop", "api-" + hash, {{"ownerReferences", owner("Deployment", "shop", "api")}})},
       {"spec", {{"replicas", static_cast<int>(pod_names.size())}, {"selector", {{"matchLabels", {{"app", "api"}}}}}}},
       {"status", {{"replicas", static_cast<int>(pod_names.size())}}}});
  json not_ready = json::array();
  for (const auto& p : pod_names) {
    s.add(crashing_pod("shop", "api-" + hash, p));
    not_ready.push_back({{"ip", "10.0.0.1"}, {"targetRef", {{"kind", "Pod"}, {"name", p}, {"namespace", "shop"}}}});
  }
  s.add({{"apiVersion", "v1"},
         {"kind", "Service"},
         {"metadata", meta("Service", "shop", "api")},
         {"spec", {{"selector", {{"app", "api"}}}, {"ports", json::array({{{"port", 80}}})}}}});
  s.add({{"apiVersion", "v1"},
         {"kind", "Endpoints"},
         {"metadata", meta("Endpoints", "shop", "api")},
         {"subsets", json::array({{{"notReadyAddresses", not_ready}, {"ports", json::array({{{"port", 8080}}})}}})}});
  s.build_indexes();
  return s;
}

TEST(Correlation, CrashingPodsDeploymentAndServiceAreOneFinding) {
  const auto state = cluster_with({"api-abc12-aaaaa", "api-abc12-bbbbb", "api-abc12-ccccc"});
  const Report r = analyze(state, Options{});
  ASSERT_EQ(r.findings.size(), 1u) << to_json(r).dump(2);
  const Finding& f = r.findings.front();
  EXPECT_EQ(f.reason, "CrashLoopBackOff");
  EXPECT_EQ(f.resource.kind, "Deployment");
  EXPECT_EQ(f.resource.name, "api");
  EXPECT_EQ(f.count, 3);
  EXPECT_EQ(f.pods.size(), 3u);
  EXPECT_EQ(f.severity, Severity::critical);  // no pod of the workload is ready
  bool service = false, deployment_status = false;
  for (const auto& rel : f.related) service |= rel.ref.kind == "Service" && rel.reason == "ServiceNotReadyEndpoints";
  // The finding is on the Deployment itself: its DeploymentUnavailable status becomes evidence.
  for (const auto& e : f.evidence) deployment_status |= e.text.find("available 0") != std::string::npos;
  EXPECT_TRUE(service) << json(f).dump(2);
  EXPECT_TRUE(deployment_status) << json(f).dump(2);
}

TEST(Correlation, FingerprintSurvivesPodRestartsAndRenames) {
  const auto before = analyze(cluster_with({"api-abc12-aaaaa", "api-abc12-bbbbb"}), Options{});
  // The pods are recreated with new names by a new ReplicaSet (a rollout): same Deployment, same reason.
  const auto after = analyze(cluster_with({"api-zzz99-qqqqq", "api-zzz99-wwwww"}, "zzz99"), Options{});
  ASSERT_EQ(before.findings.size(), 1u);
  ASSERT_EQ(after.findings.size(), 1u);
  EXPECT_EQ(before.findings.front().id, after.findings.front().id);
  EXPECT_EQ(before.findings.front().id, fingerprint("Deployment", "shop", "api", "CrashLoopBackOff"));
}

TEST(Correlation, FingerprintDependsOnEveryPart) {
  const auto base = fingerprint("Deployment", "shop", "api", "CrashLoopBackOff");
  EXPECT_NE(base, fingerprint("StatefulSet", "shop", "api", "CrashLoopBackOff"));
  EXPECT_NE(base, fingerprint("Deployment", "shop2", "api", "CrashLoopBackOff"));
  EXPECT_NE(base, fingerprint("Deployment", "shop", "api2", "CrashLoopBackOff"));
  EXPECT_NE(base, fingerprint("Deployment", "shop", "api", "OOMKilled"));
  EXPECT_NE(fingerprint("a", "bc", "", ""), fingerprint("ab", "c", "", ""));
  EXPECT_EQ(base.size(), 18u);
}

TEST(Correlation, ExitCodeNamesTheCauseWithoutLogs) {
  cluster::ClusterState s;
  s.now = *cluster::parse_time("2025-03-11T14:00:00Z");
  s.add(node("n1"));
  auto pod = crashing_pod("shop", "none", "solo", 127);
  pod["metadata"].erase("ownerReferences");
  s.add(pod);
  s.build_indexes();
  const Report r = analyze(s, Options{});
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].resource.kind, "Pod");
  EXPECT_EQ(r.findings[0].root_cause.category, "bad_command");
}

TEST(Correlation, MoreThanFiveFailingPodsDegradeTheNamespaceAndEscalate) {
  const auto state =
      cluster_with({"api-abc12-p1", "api-abc12-p2", "api-abc12-p3", "api-abc12-p4", "api-abc12-p5", "api-abc12-p6"});
  const Report r = analyze(state, Options{});
  bool degraded = false;
  for (const auto& f : r.findings) {
    EXPECT_TRUE(f.escalate) << f.reason;
    degraded |= f.reason == "NamespaceDegraded" && f.resource.name == "shop";
  }
  EXPECT_TRUE(degraded) << to_json(r).dump(2);
  EXPECT_EQ(r.summary.degraded_namespaces, std::vector<std::string>{"shop"});
}

TEST(Correlation, KubeSystemEscalates) {
  cluster::ClusterState s;
  s.now = *cluster::parse_time("2025-03-11T14:00:00Z");
  s.add(node("n1"));
  auto pod = crashing_pod("kube-system", "none", "coredns-x");
  pod["metadata"].erase("ownerReferences");
  s.add(pod);
  s.build_indexes();
  const Report r = analyze(s, Options{});
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_TRUE(r.findings[0].escalate);
  EXPECT_NE(json(r.findings[0])["escalation"]["why"].get<std::string>().find("kube-system"), std::string::npos);
}

}  // namespace
}  // namespace eks::analyzers
