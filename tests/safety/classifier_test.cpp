#include "safety/classifier.hpp"

#include <gtest/gtest.h>

namespace eks::safety {
namespace {

using nlohmann::json;

Action k8s(const std::string& tool, json args, const std::string& current = "team-a") {
  return classify_upstream(UpstreamCall{"kubernetes", tool, std::move(args), current, {}, ""});
}

TEST(Classifier, ResolvesAnOmittedNamespaceToTheCurrentOne) {
  const auto a = k8s("pods_delete", json{{"name", "web-1"}}, "kube-system");
  EXPECT_EQ(a.verb, "delete");
  EXPECT_EQ(a.kind, "Pod");
  EXPECT_EQ(a.ns, "kube-system");
  EXPECT_TRUE(a.mutating);
}

TEST(Classifier, DefaultsTheCurrentNamespaceToDefault) {
  EXPECT_EQ(k8s("pods_get", json{{"name", "x"}}, "").ns, "default");
}

TEST(Classifier, ClusterScopedKindsHaveNoNamespaceButANamespaceIsItsOwn) {
  EXPECT_EQ(k8s("resources_delete", json{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", "n1"}}).ns, "");
  EXPECT_EQ(k8s("resources_delete", json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"name", "kube-system"}}).ns,
            "kube-system");
}

TEST(Classifier, SplitsApiVersionIntoGroupAndVersion) {
  const auto a = k8s("resources_get", json{{"apiVersion", "Apps/V1"}, {"kind", "Deployment"}, {"name", "web"}});
  EXPECT_EQ(a.group, "apps");
  EXPECT_EQ(a.version, "v1");
  EXPECT_EQ(k8s("resources_get", json{{"apiVersion", "core/v1"}, {"kind", "Pod"}, {"name", "p"}}).group, "");
}

TEST(Classifier, ListsWithoutNamespaceCoverAllNamespaces) {
  EXPECT_TRUE(k8s("resources_list", json{{"apiVersion", "v1"}, {"kind", "Pod"}}).all_namespaces);
  EXPECT_FALSE(k8s("resources_list", json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"namespace", "a"}}).all_namespaces);
  EXPECT_TRUE(k8s("pods_list", json::object()).all_namespaces);
  EXPECT_TRUE(k8s("events_list", json::object()).all_namespaces);
}

TEST(Classifier, ScaleWithoutAScaleIsARead) {
  const auto read = k8s("resources_scale", json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "w"}});
  EXPECT_EQ(read.verb, "get");
  EXPECT_FALSE(read.mutating);
  const auto write =
      k8s("resources_scale", json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "w"}, {"scale", 3}});
  EXPECT_EQ(write.verb, "scale");
  EXPECT_EQ(write.replicas, 3);
}

TEST(Classifier, ParsesEveryObjectOfAMultiDocumentManifest) {
  const auto a = k8s("resources_create_or_update",
                     json{{"resource",
                           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n"
                           "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: x}\n"}});
  ASSERT_TRUE(a.problem.empty()) << a.problem;
  ASSERT_EQ(a.targets.size(), 2u);
  EXPECT_EQ(a.object_count, 2u);
  EXPECT_EQ(a.targets[0].ns, "team-a");
  EXPECT_EQ(a.targets[1].kind, "Deployment");
  EXPECT_EQ(a.targets[1].ns, "x");
  EXPECT_EQ(a.objects.size(), 2u);
}

TEST(Classifier, RefusesToGuessAboutHostileManifests) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" +
            char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + "]\n";
  }
  const auto a = k8s("resources_create_or_update", json{{"resource", bomb}});
  EXPECT_FALSE(a.problem.empty());
}

TEST(Classifier, UnknownToolsAreUnclassifiedAndMutating) {
  const auto a = k8s("pods_evict", json::object());
  EXPECT_FALSE(a.classified);
  EXPECT_TRUE(a.mutating);
}

TEST(Classifier, GitHubToolsCarryTheRepository) {
  const auto a = classify_upstream(
      UpstreamCall{"github", "create_issue", json{{"owner", "acme"}, {"repo", "app"}, {"title", "t"}}, "", {}, ""});
  EXPECT_EQ(a.verb, "github_write");
  EXPECT_EQ(a.repository, "acme/app");
  EXPECT_EQ(a.kind, "Issue");
}

TEST(Classifier, OwnToolsFollowTheirSafetyClass) {
  const auto read = classify_own("diagnose_cluster", server::SafetyClass::read_only, json{{"namespace", "a"}});
  EXPECT_FALSE(read.mutating);
  EXPECT_EQ(read.upstream, "self");
  EXPECT_EQ(read.ns, "a");
  EXPECT_TRUE(classify_own("restart_pod", server::SafetyClass::destructive, json::object()).mutating);
}

TEST(Classifier, AuditViewNeverCopiesManifestContents) {
  const auto a =
      k8s("resources_create_or_update",
          json{{"resource", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: sensitive}\n"}});
  EXPECT_EQ(to_json(a).dump().find("sensitive"), std::string::npos);
}

TEST(Classifier, SendsTheNamespaceItDecidedOn) {
  const auto a = k8s("pods_get", json{{"name", "web-1"}}, "kube-system");
  EXPECT_EQ(a.send_tool, "pods_get");
  EXPECT_EQ(a.send_arguments, (json{{"name", "web-1"}, {"namespace", "kube-system"}}));
  const auto r =
      k8s("resources_get", json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", " web "}}, "team-a");
  EXPECT_EQ(r.send_arguments,
            (json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}, {"namespace", "team-a"}}));
  // Cluster-scoped kinds carry no namespace, whatever the caller sent.
  const auto n = k8s("resources_get", json{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", "n1"}, {"namespace", "x"}});
  EXPECT_FALSE(n.send_arguments.contains("namespace"));
  // A list without a namespace means every namespace, and stays so.
  EXPECT_FALSE(k8s("events_list", json::object()).send_arguments.contains("namespace"));
}

TEST(Classifier, PodDeleteIsSentAsADeleteOfThatOnePod) {
  // kubernetes-mcp-server's pods_delete also deletes Services and Routes by label: not what was decided on.
  const auto a = k8s("pods_delete", json{{"name", "web-1"}}, "team-a");
  EXPECT_EQ(a.send_tool, "resources_delete");
  EXPECT_EQ(a.send_arguments,
            (json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"namespace", "team-a"}, {"name", "web-1"}}));
  EXPECT_FALSE(a.contract.empty());
}

TEST(Classifier, RefusesArgumentsTheToolDoesNotTake) {
  const auto a = k8s("pods_delete", json{{"name", "web-1"}, {"labelSelector", "app=web"}});
  EXPECT_NE(a.problem.find("labelSelector"), std::string::npos) << a.problem;
  EXPECT_TRUE(a.send_tool.empty());
  EXPECT_FALSE(k8s("pods_get", json{{"name", 7}}).problem.empty()) << "a name must be a string";
  EXPECT_FALSE(k8s("pods_log", json{{"name", "p"}, {"previous", "true"}}).problem.empty()) << "booleans are booleans";
  EXPECT_FALSE(k8s("pods_list", json::array()).problem.empty());
  // Names are one segment of an API path.
  for (const char* name : {"..", ".", "x/../../secrets/db", "web%2F..", "a\nb"}) {
    EXPECT_FALSE(k8s("pods_get", json{{"name", name}}).problem.empty()) << name;
    EXPECT_FALSE(k8s("pods_get", json{{"name", "p"}, {"namespace", name}}).problem.empty()) << name;
  }
}

TEST(Classifier, ReadsIntegersExactlyOrNotAtAll) {
  auto scale = [](json value) {
    return k8s("resources_scale",
               json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "w"}, {"scale", std::move(value)}});
  };
  EXPECT_FALSE(scale(4294967299LL).problem.empty()) << "never truncated to 3";
  EXPECT_FALSE(scale(json(18446744073709551615ULL)).problem.empty());
  EXPECT_FALSE(scale(-1).problem.empty());
  EXPECT_FALSE(scale(3.5).problem.empty());
  EXPECT_FALSE(scale("3x").problem.empty());
  EXPECT_FALSE(scale("99999999999999999999999").problem.empty());
  const auto ok = scale("3");
  ASSERT_TRUE(ok.problem.empty()) << ok.problem;
  EXPECT_EQ(ok.replicas, 3);
  EXPECT_EQ(ok.send_arguments["scale"], json(3)) << "sent as the integer it was read as";
  EXPECT_FALSE(k8s("pods_log", json{{"name", "p"}, {"tail", 4294967296LL * 1000}}).problem.empty());
}

TEST(Classifier, SendsAManifestAsTheJsonItClassified) {
  const auto a = k8s("resources_create_or_update",
                     json{{"resource",
                           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n---\n"
                           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: x}\n"}},
                     "team-a");
  ASSERT_TRUE(a.problem.empty()) << a.problem;
  const std::string sent = a.send_arguments["resource"].get<std::string>();
  const auto first = json::parse(sent.substr(0, sent.find("\n---\n")));
  EXPECT_EQ(first["metadata"]["namespace"], "team-a") << "the namespace decided on is written into the object";
  EXPECT_EQ(first["data"]["k"], "v");
  EXPECT_EQ(json::parse(sent.substr(sent.find("\n---\n") + 5))["metadata"]["namespace"], "x");
}

TEST(Classifier, RefusesManifestsThatReadersDisagreeOn) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"merge key", "apiVersion: v1\nkind: ConfigMap\n<<: {kind: Secret}\nmetadata: {name: a}\n"},
      {"binary tag", "apiVersion: v1\nkind: !!binary U2VjcmV0\nmetadata: {name: a}\n"},
      {"str tag", "apiVersion: v1\nkind: !!str Secret\nmetadata: {name: a}\n"},
      {"custom tag", "apiVersion: v1\nkind: !k Secret\nmetadata: {name: a}\n"},
      {"duplicate kind", "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n"},
      {"duplicate namespace",
       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x, namespace: kube-system}\n"},
      {"duplicate JSON key", R"({"apiVersion":"v1","kind":"ConfigMap","kind":"Secret","metadata":{"name":"a"}})"},
      {"anchor and alias", "apiVersion: v1\nkind: &k ConfigMap\nmetadata: {name: *k}\n"},
      {"numeric name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 0777}\n"},
      {"boolean namespace", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: yes}\n"},
      {"non-string kind", "apiVersion: v1\nkind: [Secret]\nmetadata: {name: a}\n"},
      {"not YAML", "apiVersion: v1\nkind: ConfigMap\n  metadata: : {\n"},
  };
  for (const auto& [name, manifest] : cases) {
    const auto a = k8s("resources_create_or_update", json{{"resource", manifest}});
    EXPECT_FALSE(a.problem.empty()) << name << " was read as kind " << a.kind;
    EXPECT_TRUE(a.send_tool.empty()) << name;
  }
}

}  // namespace
}  // namespace eks::safety
