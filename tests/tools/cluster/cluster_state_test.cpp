// ClusterState on hand-built objects: parsing of the fields analyzers read, owner chains, indexes, helpers.
#include "tools/cluster/cluster_state.hpp"

#include <gtest/gtest.h>

#include "safety/yaml_json.hpp"

namespace eks::cluster {
namespace {

Json object(const std::string& kind, const std::string& ns, const std::string& name, const std::string& uid,
            Json owners = Json::array(), Json labels = Json::object()) {
  Json md{{"name", name}, {"uid", uid}, {"labels", labels}, {"creationTimestamp", "2025-03-11T13:00:00Z"}};
  if (!ns.empty()) md["namespace"] = ns;
  if (!owners.empty()) md["ownerReferences"] = owners;
  return Json{{"apiVersion", "v1"}, {"kind", kind}, {"metadata", md}};
}

Json owner(const std::string& kind, const std::string& name, const std::string& uid) {
  return Json::array({{{"apiVersion", "apps/v1"}, {"kind", kind}, {"name", name}, {"uid", uid}, {"controller", true}}});
}

ClusterState small_cluster() {
  ClusterState s;
  s.add(object("Deployment", "shop", "web", "d1"));
  s.add(object("ReplicaSet", "shop", "web-abc", "r1", owner("Deployment", "web", "d1")));
  Json pod = object("Pod", "shop", "web-abc-x", "p1", owner("ReplicaSet", "web-abc", "r1"), {{"app", "web"}});
  pod["spec"] = {{"nodeName", "n1"},
                 {"containers",
                  {{{"name", "api"},
                    {"image", "web:1"},
                    {"env", {{{"name", "DB"}, {"valueFrom", {{"secretKeyRef", {{"name", "db"}, {"key", "url"}}}}}}}},
                    {"envFrom", {{{"configMapRef", {{"name", "web-config"}}}}}},
                    {"resources", {{"limits", {{"memory", "256Mi"}}}, {"requests", {{"cpu", "100m"}}}}},
                    {"readinessProbe", {{"httpGet", {{"path", "/ready"}, {"port", 8080}}}}}}}},
                 {"volumes", {{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", "web-data"}}}}}}};
  pod["status"] = {
      {"phase", "Running"},
      {"conditions", {{{"type", "Ready"}, {"status", "False"}}}},
      {"containerStatuses",
       {{{"name", "api"},
         {"ready", false},
         {"restartCount", 4},
         {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off 1m20s"}}}}},
         {"lastState",
          {{"terminated", {{"reason", "OOMKilled"}, {"exitCode", 137}, {"finishedAt", "2025-03-11T13:59:00Z"}}}}}}}}};
  s.add(pod);
  s.add(object("Pod", "shop", "orphan", "p2", Json::array(), {{"app", "other"}}));
  s.add(object("Node", "", "n1", "n1uid"));
  Json ev = object("Event", "shop", "web-abc-x.1", "e1");
  ev["involvedObject"] = {{"kind", "Pod"}, {"namespace", "shop"}, {"name", "web-abc-x"}, {"uid", "p1"}};
  ev["reason"] = "BackOff";
  ev["type"] = "Warning";
  ev["count"] = 7;
  ev["lastTimestamp"] = "2025-03-11T14:00:00Z";
  s.add(ev);
  Json secret = object("Secret", "shop", "db", "s1");
  secret["data"] = {{"url", "cG9zdGdyZXM6Ly8="}};
  s.add(secret);
  s.build_indexes();
  return s;
}

TEST(ClusterState, ParsesThePodFieldsAnalyzersRead) {
  const auto s = small_cluster();
  const Pod* p = s.pod("shop", "web-abc-x");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->phase, "Running");
  EXPECT_EQ(p->node_name.value_or(""), "n1");
  EXPECT_FALSE(p->ready());
  EXPECT_EQ(p->restarts(), 4);
  const ContainerStatus* cs = p->status_of("api");
  ASSERT_NE(cs, nullptr);
  EXPECT_EQ(cs->state->reason.value_or(""), "CrashLoopBackOff");
  EXPECT_EQ(cs->last_state->reason.value_or(""), "OOMKilled");
  EXPECT_EQ(cs->last_state->exit_code.value_or(0), 137);
  const Container& c = p->spec.containers.at(0);
  EXPECT_EQ(c.resources.limits.at("memory"), "256Mi");
  ASSERT_TRUE(c.readiness_probe);
  EXPECT_EQ(c.readiness_probe->port.value_or(""), "8080");
  auto refs = p->spec.config_refs();
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].kind, "Secret");
  EXPECT_EQ(refs[0].key.value_or(""), "url");
  EXPECT_EQ(refs[0].env_name.value_or(""), "DB");
  EXPECT_EQ(refs[1].kind, "ConfigMap");
  EXPECT_EQ(refs[1].via, "envFrom");
  EXPECT_EQ(p->spec.volumes.at(0).claim_name.value_or(""), "web-data");
}

TEST(ClusterState, OwnerChainsGoFromPodToDeployment) {
  const auto s = small_cluster();
  const Pod* p = s.pod("shop", "web-abc-x");
  auto chain = s.owner_chain(p->meta);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].str(), "ReplicaSet/shop/web-abc");
  EXPECT_EQ(chain[1].str(), "Deployment/shop/web");
  EXPECT_EQ(s.top_owner(p->meta).str(), "Deployment/shop/web");
  EXPECT_EQ(s.top_owner(s.pod("shop", "orphan")->meta).str(), "Pod/shop/orphan");
  auto pods = s.pods_of_workload({"Deployment", "shop", "web", ""});
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]->meta.name, "web-abc-x");
  EXPECT_EQ(s.owned_by({"Deployment", "shop", "web", ""}).size(), 1u);
}

TEST(ClusterState, AnOwnerThatIsNotLoadedEndsTheChain) {
  ClusterState s;
  s.add(object("Pod", "batch", "migrate-x", "p1", owner("Job", "migrate", "j1")));
  s.build_indexes();
  auto chain = s.owner_chain(s.pods[0].meta);
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0].str(), "Job/batch/migrate");
  EXPECT_EQ(chain[0].uid, "j1");
}

TEST(ClusterState, IndexesByNamespaceNodeLabelAndEvent) {
  const auto s = small_cluster();
  EXPECT_EQ(s.pods_in_namespace("shop").size(), 2u);
  EXPECT_EQ(s.pods_on_node("n1").size(), 1u);
  EXPECT_EQ(s.pods_matching("shop", Labels{{"app", "web"}}).size(), 1u);
  EXPECT_TRUE(s.pods_matching("shop", Labels{}).empty());
  EXPECT_EQ(s.pods_matching("shop", LabelSelector{}).size(), 2u);
  EXPECT_EQ(s.pods_with_label("app", "other").size(), 1u);
  auto events = s.events_for({"Pod", "shop", "web-abc-x", ""});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->count, 7);
  EXPECT_EQ(events[0]->reason, "BackOff");
  EXPECT_EQ(s.node("n1")->meta.uid, "n1uid");
  EXPECT_NE(s.find({"Deployment", "shop", "web", ""}), nullptr);
  EXPECT_EQ(s.find_uid("r1")->name, "web-abc");
  EXPECT_EQ(s.namespace_names(), std::vector<std::string>{"shop"});
}

TEST(ClusterState, CopiesKeepWorkingIndexes) {
  const auto original = small_cluster();
  ClusterState copy = original;
  const Pod* p = copy.pod("shop", "web-abc-x");
  ASSERT_NE(p, nullptr);
  EXPECT_GE(p, copy.pods.data());
  EXPECT_LT(p, copy.pods.data() + copy.pods.size());
}

TEST(ClusterState, SecretDataNeverEntersTheModel) {
  const auto s = small_cluster();
  ASSERT_TRUE(s.secrets);
  const Secret* secret = s.secret("shop", "db");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->keys, std::vector<std::string>{"url"});
  EXPECT_FALSE(secret->meta.raw.contains("data"));
  EXPECT_EQ(secret->meta.raw.dump().find("cG9zdGdyZXM6Ly8="), std::string::npos);
}

TEST(ClusterState, TypedListItemsTakeTheListKind) {
  ClusterState s;
  s.add_list(
      Json{{"apiVersion", "v1"},
           {"kind", "PodList"},
           {"items", {{{"metadata", {{"name", "a"}, {"namespace", "x"}}}, {"status", {{"phase", "Pending"}}}}}}});
  s.build_indexes();
  ASSERT_EQ(s.pods.size(), 1u);
  EXPECT_EQ(s.pods[0].phase, "Pending");
  EXPECT_EQ(s.pods[0].meta.api_version, "v1");
}

TEST(ClusterState, ObjectsWithoutKindOrNameAreSkippedWithAWarning) {
  ClusterState s;
  EXPECT_FALSE(s.add(Json{{"kind", "Pod"}}));
  EXPECT_FALSE(s.add(Json::array()));
  EXPECT_EQ(s.warnings.size(), 2u);
}

TEST(YamlStream, ReadsTheUpstreamsYamlListOutput) {
  // kubernetes-mcp-server --list-output yaml: a sequence of objects, quoted scalars stay strings.
  const std::string text =
      "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n    namespace: x\n    labels:\n      hash: \"0123\"\n"
      "  spec:\n    containers:\n    - name: c\n      ports:\n      - containerPort: 8080\n  status:\n"
      "    phase: Running\n    containerStatuses:\n    - name: c\n      ready: true\n      restartCount: 2\n";
  auto docs = eks::safety::yaml::parse_all(text);
  ASSERT_TRUE(docs) << docs.error();
  ASSERT_EQ(docs->size(), 1u);
  ASSERT_TRUE((*docs)[0].is_array());
  const Json& pod = (*docs)[0][0];
  EXPECT_EQ(pod["metadata"]["labels"]["hash"], "0123");
  EXPECT_EQ(pod["spec"]["containers"][0]["ports"][0]["containerPort"], 8080);
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["ready"], true);
  ClusterState s;
  s.add(pod);
  s.build_indexes();
  EXPECT_EQ(s.pods.at(0).restarts(), 2);
  EXPECT_EQ(s.pods.at(0).spec.containers.at(0).ports.at(0).container_port, 8080);
  EXPECT_TRUE(eks::safety::yaml::parse_all("[]\n")->at(0).empty());
  EXPECT_FALSE(eks::safety::yaml::parse_all("a: [1, 2\n"));
}

TEST(YamlStream, RefusesAliasBombs) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c, ++prev)
    text += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  EXPECT_FALSE(eks::safety::yaml::parse_all(text));
}

TEST(Quantities, ParseCpuAndMemory) {
  EXPECT_EQ(cpu_millicores("500m").value(), 500);
  EXPECT_EQ(cpu_millicores("2").value(), 2000);
  EXPECT_EQ(cpu_millicores("1.5").value(), 1500);
  EXPECT_EQ(cpu_millicores("1930m").value(), 1930);
  EXPECT_EQ(bytes("256Mi").value(), 268435456);
  EXPECT_EQ(bytes("1G").value(), 1000000000);
  EXPECT_EQ(bytes("66734Ki").value(), 66734 * 1024);
  EXPECT_EQ(bytes("128974848").value(), 128974848);
  EXPECT_EQ(bytes("1e3").value(), 1000);
  EXPECT_FALSE(bytes("lots"));
  EXPECT_FALSE(cpu_millicores(""));
}

TEST(ClusterState, ASubsetKeepsTheKindsAndNamespaceAskedForWithItsIndexes) {
  ClusterState s = small_cluster();
  s.add(object("Namespace", "", "shop", "ns1"));
  s.add(object("Namespace", "", "other", "ns2"));
  s.add(object("Pod", "other", "batch-1", "p9"));
  s.build_indexes();
  const ClusterState narrow = s.subset({"Pod", "Node", "Namespace"}, std::string("shop"));
  ASSERT_EQ(narrow.pods.size(), 2u);  // web-abc-x and orphan, not other/batch-1
  EXPECT_NE(narrow.pod("shop", "web-abc-x"), nullptr);
  EXPECT_EQ(narrow.pod("other", "batch-1"), nullptr);
  EXPECT_EQ(narrow.nodes.size(), s.nodes.size());  // cluster-scoped: kept whatever the namespace
  EXPECT_FALSE(narrow.nodes.empty());
  ASSERT_EQ(narrow.namespaces.size(), 1u);
  EXPECT_EQ(narrow.namespaces[0].meta.name, "shop");
  EXPECT_TRUE(narrow.deployments.empty());
  EXPECT_TRUE(narrow.replica_sets.empty());
  EXPECT_EQ(narrow.now, s.now);
  EXPECT_EQ(s.subset({"Pod"}, std::nullopt).pods.size(), 3u);
}

TEST(Time, ParsesAndFormatsRfc3339) {
  auto t = parse_time("2025-03-11T14:05:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_time(*t), "2025-03-11T14:05:00Z");
  EXPECT_EQ(format_time(*parse_time("2025-03-11T14:05:00.123456789Z")), "2025-03-11T14:05:00Z");
  EXPECT_EQ(format_time(*parse_time("2025-03-11T16:05:00+02:00")), "2025-03-11T14:05:00Z");
  EXPECT_FALSE(parse_time("2025-03-11"));
  EXPECT_FALSE(parse_time("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_time("yesterday at noon, UTC"));
}

TEST(LabelSelector, MatchesLabelsAndExpressions) {
  LabelSelector sel;
  sel.match_labels = {{"app", "web"}};
  sel.match_expressions = {{"tier", "In", {"front", "edge"}}, {"canary", "DoesNotExist", {}}};
  EXPECT_TRUE(sel.matches({{"app", "web"}, {"tier", "edge"}}));
  EXPECT_FALSE(sel.matches({{"app", "web"}, {"tier", "back"}}));
  EXPECT_FALSE(sel.matches({{"app", "web"}, {"tier", "edge"}, {"canary", "1"}}));
  EXPECT_TRUE(LabelSelector{}.matches({}));
}

// The newest node heartbeat is the cluster's clock when the local one is far past it or behind it.
TEST(ClusterClock, ASkewedLocalClockGivesWayToTheNewestHeartbeat) {
  ClusterState s;
  Json node = object("Node", "", "n1", "n1");
  node["status"] = {{"conditions", Json::array({{{"type", "Ready"},
                                                 {"status", "True"},
                                                 {"lastHeartbeatTime", "2025-03-11T14:04:40Z"},
                                                 {"lastTransitionTime", "2025-03-01T00:00:00Z"}}})}};
  s.add(node);
  s.build_indexes();
  const Time heartbeat = *parse_time("2025-03-11T14:04:40Z");
  std::chrono::seconds skew{0};
  EXPECT_EQ(cluster_clock(s, heartbeat + std::chrono::seconds(20), &skew), heartbeat + std::chrono::seconds(20));
  EXPECT_EQ(skew.count(), 0) << "a heartbeat 20 s old is a healthy clock";
  EXPECT_EQ(cluster_clock(s, heartbeat + std::chrono::hours(24 * 365), &skew), heartbeat);
  EXPECT_EQ(skew.count(), 365 * 86400);
  EXPECT_EQ(cluster_clock(s, heartbeat - std::chrono::hours(2), &skew), heartbeat) << "a clock behind the cluster";
  EXPECT_EQ(cluster_clock(ClusterState{}, heartbeat), heartbeat) << "no nodes: nothing to compare with";
}

}  // namespace
}  // namespace eks::cluster
