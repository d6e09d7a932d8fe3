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
  const auto write = k8s("resources_scale", json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "w"}, {"scale", 3}});
  EXPECT_EQ(write.verb, "scale");
  EXPECT_EQ(write.replicas, 3);
}

TEST(Classifier, ParsesEveryObjectOfAMultiDocumentManifest) {
  const auto a = k8s("resources_create_or_update",
                     json{{"resource", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n"
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
  const auto a = k8s("resources_create_or_update",
                     json{{"resource", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: sensitive}\n"}});
  EXPECT_EQ(to_json(a).dump().find("sensitive"), std::string::npos);
}

}  // namespace
}  // namespace eks::safety
