// Unit tests of kubesim's parts: loading, selectors, tables, patches, and the API's behaviour as clients see it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api.hpp"
#include "cluster.hpp"
#include "patch.hpp"
#include "table.hpp"

namespace kubesim {
namespace {

namespace fs = std::filesystem;

// A small snapshot: one node, a Deployment with a ReplicaSet and two pods (one crash-looping), logs, metrics.
class SnapshotDir {
 public:
  SnapshotDir()
      : dir_(fs::temp_directory_path() /
             ("kubesim-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(dir_ / "cluster");
    write("cluster/nodes.yaml", R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: node-a, labels: {eks.amazonaws.com/nodegroup: general}}
  status:
    conditions: [{type: Ready, status: "True"}]
    addresses: [{type: InternalIP, address: 10.0.1.5}]
)");
    write("cluster/apps.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, uid: dep-uid, generation: 1}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "web:1.0"}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-abc
  namespace: shop
  uid: rs-uid
  annotations: {deployment.kubernetes.io/revision: "1"}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: dep-uid, controller: true}]
spec:
  replicas: 2
  selector: {matchLabels: {app: web, pod-template-hash: abc}}
  template:
    metadata: {labels: {app: web, pod-template-hash: abc}}
    spec: {containers: [{name: app, image: "web:1.0"}]}
)");
    write("cluster/pods.json", R"({"apiVersion":"v1","kind":"PodList","items":[
 {"metadata":{"name":"web-abc-1","namespace":"shop","labels":{"app":"web","pod-template-hash":"abc"},
   "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"rs-uid","controller":true}]},
  "spec":{"nodeName":"node-a","containers":[{"name":"app","image":"web:1.0"}]},
  "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
   "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}},
 {"metadata":{"name":"web-abc-2","namespace":"shop","labels":{"app":"web","pod-template-hash":"abc"},
   "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"rs-uid","controller":true}]},
  "spec":{"nodeName":"node-a","containers":[{"name":"app","image":"web:1.0"}]},
  "status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}],
   "containerStatuses":[{"name":"app","ready":false,"restartCount":4,
     "state":{"waiting":{"reason":"CrashLoopBackOff"}},
     "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2025-03-11T14:04:00Z"}}}]}}]})");
    fs::create_directories(dir_ / "logs/shop/web-abc-2");
    write(
        "logs/shop/web-abc-2/app.log",
        "2025-03-11T14:00:00.000000000Z first\n2025-03-11T14:04:30.000000000Z second\n2025-03-11T14:04:50.000000000Z third\n");
    write("logs/shop/web-abc-2/app.previous.log", "2025-03-11T13:59:00.000000000Z fatal: DATABASE_URL is not set\n");
    fs::create_directories(dir_ / "metrics");
    write("metrics/pods.yaml", R"(kind: PodMetricsList
apiVersion: metrics.k8s.io/v1beta1
items:
- metadata: {name: web-abc-1, namespace: shop}
  containers: [{name: app, usage: {cpu: 12m, memory: 40Mi}}]
)");
    write("scenario.yaml", R"(description: web crashes without DATABASE_URL
now: "2025-03-11T14:05:00Z"
remediation:
- workload: Deployment/shop/web
  recreatedPods: failSameWay
  fixedBy: templateChange
)");
  }
  ~SnapshotDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }
  const fs::path& path() const { return dir_; }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stats = cluster.load(snapshot.path());
    ASSERT_TRUE(stats) << stats.error();
  }
  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& content_type = "application/json", const std::string& accept = "application/json") {
    Request r;
    r.method = method;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = parse_query(target.substr(q + 1));
    r.body = body;
    r.content_type = content_type;
    r.accept = accept;
    r.authorization = "Bearer token";
    auto result = api.handle(r);
    if (auto* w = std::get_if<WatchSpec>(&result)) {
      std::string lines;
      for (const auto& l : w->initial) lines += l;
      return {200, "watch", lines};
    }
    return std::get<Response>(result);
  }
  json get_json(const std::string& target, const std::string& accept = "application/json") {
    auto r = call("GET", target, "", "", accept);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }
  std::vector<std::string> pod_names(const std::string& ns) {
    std::vector<std::string> out;
    json list = get_json("/api/v1/namespaces/" + ns + "/pods");
    for (const auto& p : list["items"]) out.push_back(p["metadata"]["name"]);
    return out;
  }

  SnapshotDir snapshot;
  Cluster cluster;
  Api api{cluster, {"token", false, false, "127.0.0.1:1"}};
};

TEST_F(ApiTest, LoaderReadsListsMultiDocumentYamlAndTypedJsonLists) {
  EXPECT_EQ(cluster.store.count(cluster.type("pods")), 2u);
  EXPECT_EQ(cluster.store.count(cluster.type("nodes")), 1u);
  EXPECT_NE(cluster.get(cluster.type("deployments", "apps"), "shop", "web"), nullptr);
  EXPECT_NE(cluster.get(cluster.type("replicasets", "apps"), "shop", "web-abc"), nullptr);
  // Namespaces that objects live in exist even when the snapshot has no Namespace object.
  EXPECT_NE(cluster.get(cluster.type("namespaces"), "", "shop"), nullptr);
  EXPECT_NE(cluster.get(cluster.type("namespaces"), "", "kube-system"), nullptr);
}

// Served as if captured now: the clock is the machine's, and every time in the snapshot moved by as much.
TEST_F(ApiTest, ScenarioIsServedAsIfCapturedNow) {
  EXPECT_LT(std::chrono::abs(cluster.clock.now() - std::chrono::system_clock::now()), std::chrono::minutes(1));
  const auto shift = cluster.time_shift;
  EXPECT_LT(std::chrono::abs(*parse_rfc3339("2025-03-11T14:05:00Z") + shift - std::chrono::system_clock::now()),
            std::chrono::minutes(1));
  const json* pod = cluster.get(cluster.type("pods"), "shop", "web-abc-2");
  ASSERT_NE(pod, nullptr);
  const auto finished = parse_rfc3339(
      (*pod)["status"]["containerStatuses"][0]["lastState"]["terminated"]["finishedAt"].get<std::string>());
  EXPECT_EQ(*finished, *parse_rfc3339("2025-03-11T14:04:00Z") + shift);
  const auto log = cluster.log("shop", "web-abc-2", "app", true);
  ASSERT_TRUE(log);
  EXPECT_EQ(*log,
            format_rfc3339_nano(*parse_rfc3339("2025-03-11T13:59:00Z") + shift) + " fatal: DATABASE_URL is not set\n");
}

TEST(Loader, AtCaptureTimeKeepsTheSnapshotsTimes) {
  SnapshotDir snapshot;
  Cluster c;
  c.at_capture_time = true;
  ASSERT_TRUE(c.load(snapshot.path()));
  EXPECT_EQ(c.time_shift.count(), 0);
  EXPECT_LT(std::chrono::abs(c.clock.now() - *parse_rfc3339("2025-03-11T14:05:00Z")), std::chrono::minutes(1));
  EXPECT_EQ(*c.log("shop", "web-abc-2", "app", true),
            "2025-03-11T13:59:00.000000000Z fatal: DATABASE_URL is not set\n");
}

TEST(Loader, ReportsTheFileOfABadDocument) {
  SnapshotDir dir;
  dir.write("cluster/bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {}\n");
  Cluster c;
  auto stats = c.load(dir.path());
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().find("bad.yaml"), std::string::npos) << stats.error();
}

TEST(Yaml, TypesPlainScalarsAndKeepsQuotedOnesStrings) {
  auto docs = yaml_documents_to_json("a: 1\nb: \"1\"\nc: true\nd: 'true'\ne: ~\nf: 1.5\ng: 10.0.0.1\nh: 250m\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["a"], 1);
  EXPECT_EQ(docs[0]["b"], "1");
  EXPECT_EQ(docs[0]["c"], true);
  EXPECT_EQ(docs[0]["d"], "true");
  EXPECT_TRUE(docs[0]["e"].is_null());
  EXPECT_EQ(docs[0]["f"], 1.5);
  EXPECT_EQ(docs[0]["g"], "10.0.0.1");
  EXPECT_EQ(docs[0]["h"], "250m");
}

TEST(LabelSelector, SupportsEqualityInequalitySetsAndExistence) {
  json labels = {{"app", "web"}, {"tier", "front"}};
  auto match = [&](const char* s) { return LabelSelector::parse(s).value().matches(labels); };
  EXPECT_TRUE(match("app=web"));
  EXPECT_TRUE(match("app==web,tier!=db"));
  EXPECT_FALSE(match("app=api"));
  EXPECT_TRUE(match("app in (api,web)"));
  EXPECT_FALSE(match("app notin (api,web)"));
  EXPECT_TRUE(match("tier"));
  EXPECT_FALSE(match("!tier"));
  EXPECT_TRUE(match("!canary"));
  EXPECT_FALSE(LabelSelector::parse("app in api").has_value());
}

TEST(FieldSelector, MatchesNestedFieldsAndNegation) {
  json ev = {{"metadata", {{"name", "e1"}, {"namespace", "shop"}}},
             {"involvedObject", {{"kind", "Pod"}, {"name", "web-1"}}},
             {"type", "Warning"}};
  EXPECT_TRUE(FieldSelector::parse("involvedObject.kind=Pod,involvedObject.name=web-1").value().matches(ev));
  EXPECT_TRUE(FieldSelector::parse("type!=Normal").value().matches(ev));
  EXPECT_FALSE(FieldSelector::parse("metadata.namespace=default").value().matches(ev));
}

TEST(Patch, StrategicMergeMergesContainersByNameAndEnvByName) {
  json target = {{"spec",
                  {{"containers",
                    {{{"name", "a"}, {"image", "a:1"}, {"env", {{{"name", "X"}, {"value", "1"}}}}},
                     {{"name", "b"}, {"image", "b:1"}}}}}}};
  json patch = {{"spec", {{"containers", {{{"name", "a"}, {"env", {{{"name", "Y"}, {"value", "2"}}}}}}}}}};
  auto out = apply_patch(target, patch, PatchType::strategic).value();
  ASSERT_EQ(out["spec"]["containers"].size(), 2u);
  EXPECT_EQ(out["spec"]["containers"][0]["image"], "a:1");
  EXPECT_EQ(out["spec"]["containers"][0]["env"].size(), 2u);
  EXPECT_EQ(out["spec"]["containers"][1]["name"], "b");
}

TEST(Patch, StrategicMergeHonoursDeleteDirectiveAndNull) {
  json target = {{"spec", {{"containers", {{{"name", "a"}}, {{"name", "b"}}}}, {"paused", true}}}};
  json patch = {{"spec", {{"containers", {{{"name", "b"}, {"$patch", "delete"}}}}, {"paused", nullptr}}}};
  auto out = apply_patch(target, patch, PatchType::strategic).value();
  EXPECT_EQ(out["spec"]["containers"].size(), 1u);
  EXPECT_FALSE(out["spec"].contains("paused"));
}

TEST(Patch, MergePatchReplacesListsAndJsonPatchAppliesOperations) {
  json target = {{"spec", {{"containers", {{{"name", "a"}}, {{"name", "b"}}}}}}};
  auto merged = apply_patch(target, json::parse(R"({"spec":{"containers":[{"name":"c"}]}})"), PatchType::merge).value();
  EXPECT_EQ(merged["spec"]["containers"].size(), 1u);
  auto patched = apply_patch(target, json::parse(R"([{"op":"replace","path":"/spec/containers/0/name","value":"z"}])"),
                             PatchType::json_patch)
                     .value();
  EXPECT_EQ(patched["spec"]["containers"][0]["name"], "z");
  EXPECT_FALSE(
      apply_patch(target, json::parse(R"([{"op":"test","path":"/spec/x","value":1}])"), PatchType::json_patch));
}

TEST(Table, PodStatusShowsTheWaitingReason) {
  json pod = {{"metadata", {{"name", "p"}}},
              {"status",
               {{"phase", "Running"},
                {"containerStatuses", {{{"name", "a"}, {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}}}}}};
  EXPECT_EQ(pod_status_reason(pod, std::chrono::system_clock::now()), "CrashLoopBackOff");
  pod["status"] = {{"phase", "Failed"}, {"reason", "Evicted"}};
  EXPECT_EQ(pod_status_reason(pod, std::chrono::system_clock::now()), "Evicted");
}

TEST(Table, HumanDurationsAsKubectlPrintsThem) {
  using std::chrono::seconds;
  EXPECT_EQ(human_duration(seconds(36)), "36s");
  EXPECT_EQ(human_duration(seconds(26 * 60)), "26m");
  EXPECT_EQ(human_duration(seconds(5 * 3600 + 120)), "5h2m");
  EXPECT_EQ(human_duration(seconds(20 * 86400)), "20d");
}

TEST_F(ApiTest, ListAsksForTableAndGetsRowsWithPartialObjectMetadata) {
  auto t = get_json("/api/v1/namespaces/shop/pods", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["columnDefinitions"][0]["name"], "Name");
  ASSERT_EQ(t["rows"].size(), 2u);
  EXPECT_EQ(t["rows"][1]["cells"][2], "CrashLoopBackOff");
  EXPECT_EQ(t["rows"][1]["cells"][3], "4 (60s ago)");  // kubectl says "60s" below two minutes
  EXPECT_EQ(t["rows"][1]["object"]["kind"], "PartialObjectMetadata");
  auto list = get_json("/api/v1/namespaces/shop/pods", "application/vnd.kubernetes.protobuf,application/json");
  EXPECT_EQ(list["kind"], "PodList");
  EXPECT_EQ(list["items"][0]["spec"]["nodeName"], "node-a");
}

TEST_F(ApiTest, DiscoveryAnswersAggregatedAndLegacyForms) {
  auto r = call("GET", "/apis", "", "",
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
  EXPECT_EQ(r.content_type, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  auto agg = json::parse(r.body);
  EXPECT_EQ(agg["kind"], "APIGroupDiscoveryList");
  bool apps = false, metrics = false;
  for (const auto& g : agg["items"]) {
    apps |= g["metadata"]["name"] == "apps";
    metrics |= g["metadata"]["name"] == "metrics.k8s.io";
  }
  EXPECT_TRUE(apps);
  EXPECT_TRUE(metrics);
  EXPECT_EQ(get_json("/api")["kind"], "APIVersions");
  EXPECT_EQ(get_json("/apis")["kind"], "APIGroupList");
  EXPECT_EQ(get_json("/apis/apps/v1")["kind"], "APIResourceList");
}

TEST_F(ApiTest, MetricsAbsentAnswers404) {
  SnapshotDir dir;
  fs::remove_all(dir.path() / "metrics");
  Cluster c;
  ASSERT_TRUE(c.load(dir.path()));
  Api a(c, {"token", false, false, ""});
  Request r{"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods", {}, "application/json", "", "Bearer token", ""};
  auto resp = std::get<Response>(a.handle(r));
  EXPECT_EQ(resp.status, 404);
  EXPECT_NE(resp.body.find("metrics API not available"), std::string::npos);
  auto metrics = get_json("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods");
  EXPECT_EQ(metrics["items"][0]["containers"][0]["usage"]["cpu"], "12m");
}

TEST_F(ApiTest, SelfSubjectAccessReviewIsAllowedUnlessDenied) {
  auto r = call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "\x0a\x02k8s",
                "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(json::parse(r.body)["status"]["allowed"], true);
  Api denying(cluster, {"token", true, false, ""});
  Request q{
      "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {}, "", "application/json", "Bearer token",
      "{}"};
  EXPECT_EQ(json::parse(std::get<Response>(denying.handle(q)).body)["status"]["allowed"], false);
}

TEST_F(ApiTest, WrongTokenIsRefused) {
  Request r{"GET", "/api/v1/pods", {}, "", "", "Bearer nope", ""};
  EXPECT_EQ(std::get<Response>(api.handle(r)).status, 401);
}

TEST_F(ApiTest, PodLogHonoursPreviousTailSinceAndTimestamps) {
  auto all = call("GET", "/api/v1/namespaces/shop/pods/web-abc-2/log");
  EXPECT_EQ(all.content_type, "text/plain");
  EXPECT_EQ(all.body, "first\nsecond\nthird\n");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/shop/pods/web-abc-2/log?tailLines=1").body, "third\n");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/shop/pods/web-abc-2/log?sinceSeconds=60").body, "second\nthird\n");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/shop/pods/web-abc-2/log?tailLines=1&timestamps=true").body,
            format_rfc3339_nano(*parse_rfc3339("2025-03-11T14:04:50Z") + cluster.time_shift) + " third\n");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/shop/pods/web-abc-2/log?limitBytes=3").body, "fir");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/shop/pods/web-abc-2/log?previous=true").body,
            "fatal: DATABASE_URL is not set\n");
  auto none = call("GET", "/api/v1/namespaces/shop/pods/web-abc-1/log?previous=true");
  EXPECT_EQ(none.status, 400);
  EXPECT_NE(none.body.find("previous terminated container \\\"app\\\" in pod \\\"web-abc-1\\\" not found"),
            std::string::npos)
      << none.body;
}

TEST_F(ApiTest, ErrorsAreStatusObjects) {
  auto missing = call("GET", "/apis/apps/v1/namespaces/shop/deployments/nope");
  EXPECT_EQ(missing.status, 404);
  auto s = json::parse(missing.body);
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["reason"], "NotFound");
  EXPECT_EQ(s["message"], "deployments.apps \"nope\" not found");
  auto dup = call("POST", "/api/v1/namespaces/shop/configmaps", R"({"metadata":{"name":"c"},"data":{"a":"1"}})");
  EXPECT_EQ(dup.status, 201);
  EXPECT_EQ(call("POST", "/api/v1/namespaces/shop/configmaps", R"({"metadata":{"name":"c"}})").status, 409);
  auto stale =
      call("PUT", "/api/v1/namespaces/shop/configmaps/c", R"({"metadata":{"name":"c","resourceVersion":"1"}})");
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(json::parse(stale.body)["reason"], "Conflict");
  auto unnamed = call("POST", "/api/v1/namespaces/shop/configmaps", R"({"metadata":{}})");
  EXPECT_EQ(unnamed.status, 422);
  EXPECT_EQ(json::parse(unnamed.body)["reason"], "Invalid");
}

TEST_F(ApiTest, DeletingAReplicaSetPodRecreatesItUnderANewName) {
  auto del = call("DELETE", "/api/v1/namespaces/shop/pods/web-abc-1");
  EXPECT_EQ(del.status, 200);
  auto names = pod_names("shop");
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(std::count(names.begin(), names.end(), "web-abc-1"), 0);
  EXPECT_EQ(names[0].rfind("web-abc-", 0), 0u);
  // The scenario says recreated pods of web fail the same way (they copy the crash-looping pod).
  auto t = get_json("/api/v1/namespaces/shop/pods", "application/json;as=Table;v=v1;g=meta.k8s.io");
  for (const auto& row : t["rows"]) EXPECT_EQ(row["cells"][2], "CrashLoopBackOff");
}

TEST_F(ApiTest, RolloutRestartCreatesANewReplicaSetAndNewPods) {
  auto r = call(
      "PATCH", "/apis/apps/v1/namespaces/shop/deployments/web",
      R"({"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-03-11T14:06:00Z"}}}}})",
      "application/strategic-merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  auto sets = get_json("/apis/apps/v1/namespaces/shop/replicasets")["items"];
  ASSERT_EQ(sets.size(), 2u);
  auto pods = get_json("/api/v1/namespaces/shop/pods")["items"];
  ASSERT_EQ(pods.size(), 2u);
  for (const auto& p : pods) EXPECT_NE(p["metadata"]["labels"]["pod-template-hash"], "abc");
  auto dep = get_json("/apis/apps/v1/namespaces/shop/deployments/web");
  EXPECT_EQ(dep["metadata"]["generation"], 2);
  EXPECT_EQ(dep["status"]["updatedReplicas"], 2);
}

TEST_F(ApiTest, ATemplateChangeFixesAWorkloadTheScenarioSaysItFixes) {
  auto r = call(
      "PATCH", "/apis/apps/v1/namespaces/shop/deployments/web",
      R"([{"op":"add","path":"/spec/template/spec/containers/0/env","value":[{"name":"DATABASE_URL","value":"x"}]}])",
      "application/json-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  auto dep = get_json("/apis/apps/v1/namespaces/shop/deployments/web");
  EXPECT_EQ(dep["status"]["readyReplicas"], 2);
}

TEST_F(ApiTest, ScaleSubresourceChangesPods) {
  auto scale = get_json("/apis/apps/v1/namespaces/shop/deployments/web/scale");
  EXPECT_EQ(scale["kind"], "Scale");
  EXPECT_EQ(scale["spec"]["replicas"], 2);
  auto r = call("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web/scale", R"({"spec":{"replicas":4}})",
                "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(pod_names("shop").size(), 4u);
  scale["spec"]["replicas"] = 1;
  scale["metadata"].erase("resourceVersion");
  ASSERT_EQ(call("PUT", "/apis/apps/v1/namespaces/shop/deployments/web/scale", scale.dump()).status, 200);
  EXPECT_EQ(pod_names("shop").size(), 1u);
}

TEST_F(ApiTest, ServerSideApplyCreatesThenUpdates) {
  std::string yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\ndata:\n  a: \"1\"\n";
  auto created = call("PATCH", "/api/v1/namespaces/shop/configmaps/cfg?fieldManager=test&force=true", yaml,
                      "application/apply-patch+yaml");
  EXPECT_EQ(created.status, 201) << created.body;
  auto updated = call("PATCH", "/api/v1/namespaces/shop/configmaps/cfg?fieldManager=test&force=true",
                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  b: \"2\"\n",
                      "application/apply-patch+yaml");
  EXPECT_EQ(updated.status, 200) << updated.body;
  auto cm = get_json("/api/v1/namespaces/shop/configmaps/cfg");
  EXPECT_EQ(cm["data"]["b"], "2");
}

TEST_F(ApiTest, SelectorsLimitAndContinuePageThroughAList) {
  EXPECT_EQ(get_json("/api/v1/pods?labelSelector=app%3Dweb")["items"].size(), 2u);
  EXPECT_EQ(get_json("/api/v1/pods?fieldSelector=metadata.name%3Dweb-abc-2")["items"].size(), 1u);
  EXPECT_EQ(get_json("/api/v1/pods?fieldSelector=spec.nodeName%3Dother")["items"].size(), 0u);
  auto page1 = get_json("/api/v1/pods?limit=1");
  ASSERT_EQ(page1["items"].size(), 1u);
  std::string cont = page1["metadata"]["continue"];
  EXPECT_EQ(page1["metadata"]["remainingItemCount"], 1);
  auto page2 = get_json("/api/v1/pods?limit=1&continue=" + cont);
  ASSERT_EQ(page2["items"].size(), 1u);
  EXPECT_NE(page2["items"][0]["metadata"]["name"], page1["items"][0]["metadata"]["name"]);
  EXPECT_FALSE(page2["metadata"].contains("continue"));
}

TEST_F(ApiTest, WatchSendsCurrentObjectsWhenNoResourceVersionIsGiven) {
  auto r = call("GET", "/api/v1/namespaces/shop/pods?watch=true&labelSelector=app%3Dweb");
  EXPECT_EQ(r.content_type, "watch");
  EXPECT_NE(r.body.find("{\"type\":\"ADDED\""), std::string::npos);
  auto from_now = call("GET", "/api/v1/namespaces/shop/pods?watch=1&resourceVersion=99999");
  EXPECT_EQ(from_now.body, "");
}

TEST_F(ApiTest, WatchListenersSeeWritesAsEvents) {
  std::vector<std::string> seen;
  int id = cluster.add_listener([&](const ResourceType& t, const std::string& type, const json& o) {
    if (t.kind == "Pod") seen.push_back(type + " " + o["metadata"]["name"].get<std::string>());
  });
  call("DELETE", "/api/v1/namespaces/shop/pods/web-abc-1");
  cluster.remove_listener(id);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[0], "DELETED web-abc-1");
  EXPECT_EQ(seen[1].rfind("ADDED web-abc-", 0), 0u);
}

}  // namespace
}  // namespace kubesim
